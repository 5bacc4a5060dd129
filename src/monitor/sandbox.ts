import type { Applications } from '../lifecycle/applications.js';
import { DAY, type OffsetClock } from '../kernel/clock.js';
import type { Monitor, MonitorReport } from './monitor.js';
import type { SecretRotation } from './secrets.js';

/** The simulated time steps the sandbox toolbar offers. */
export const SANDBOX_STEPS_DAYS = [1, 7, 30] as const;

/** What the sandbox toolbar can do: move simulated time (then run the monitor) and rotate secrets. */
export interface SandboxTools {
  /** The simulated time, epoch ms. */
  now(): number;
  /** Moves the simulator's (and so the service's) clock forward and runs the monitor at once. */
  advanceDays(days: number): Promise<MonitorReport>;
  /** Rotates every application's client secret through Amazon's (the simulator's) rotation API. */
  rotateSecrets(): Promise<{ appId: string; received: boolean; error?: string }[]>;
}

/** Sandbox mode only: the service runs on the simulator's clock, so moving it moves "now" everywhere. */
export function createSandboxTools(deps: {
  clock: OffsetClock;
  monitor: Monitor;
  secrets: SecretRotation;
  applications: Applications;
}): SandboxTools {
  return {
    now: () => deps.clock.now(),
    async advanceDays(days) {
      if (!Number.isInteger(days) || days < 1 || days > 366) {
        throw new RangeError('the sandbox clock moves 1-366 whole days at a time');
      }
      deps.clock.advance(days * DAY);
      return deps.monitor.runMonitor();
    },
    async rotateSecrets() {
      const results: { appId: string; received: boolean; error?: string }[] = [];
      for (const app of await deps.applications.list()) {
        try {
          const r = await deps.secrets.rotate(app.id, { actor: 'sandbox' });
          results.push({ appId: app.appId, received: r.received });
        } catch (err) {
          results.push({ appId: app.appId, received: false, error: (err as Error).message });
        }
      }
      return results;
    },
  };
}
