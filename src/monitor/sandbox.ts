import type { Applications } from '../lifecycle/applications.js';
import { DAY, type OffsetClock } from '../kernel/clock.js';
import { MonitorError } from './errors.js';
import type { Monitor, MonitorReport } from './monitor.js';
import type { SecretRotation } from './secrets.js';

/** The simulated time steps the sandbox toolbar offers. */
export const SANDBOX_STEPS_DAYS = [1, 7, 30] as const;

/** How far the health probes of a running pass have got. */
export interface MonitorProgress {
  done: number;
  total: number;
}

/** How a toolbar monitor pass ended; never a rejection, so nobody has to catch it. */
export type SandboxPassResult = { ok: true; report: MonitorReport } | { ok: false; error: Error };

/** The toolbar's monitor passes, as the sandbox page shows them. */
export interface SandboxMonitorStatus {
  /** A pass is running, or queued behind the running one. */
  running: boolean;
  /** The running pass's health probes, when the monitor reports them. */
  progress: MonitorProgress | null;
  /** The last finished pass: its report, or why it failed. */
  last: { report: MonitorReport } | { error: string } | null;
}

/** What the sandbox toolbar can do: move simulated time (then run the monitor) and rotate secrets. */
export interface SandboxTools {
  /** The simulated time, epoch ms. */
  now(): number;
  /**
   * Moves the simulator's (and so the service's) clock forward and starts a monitor pass in the
   * background, returning at once: the pass probes every connection through the usage plans, which
   * can take minutes. `pass` settles when a pass that started after this jump has finished.
   */
  advanceDays(days: number): { now: number; pass: Promise<SandboxPassResult> };
  /** Whether a pass runs, how far it got, and how the last one ended. */
  monitorStatus(): SandboxMonitorStatus;
  /** Resolves once no toolbar pass is running or queued. */
  idle(): Promise<void>;
  /**
   * Rotates every application's client secret through Amazon's (the simulator's) rotation API; an
   * app whose credentials Amazon already refuses gets a new secret from the simulated Developer
   * Console instead (what an operator does at Amazon), delivered to this service and verified.
   */
  rotateSecrets(): Promise<{ appId: string; received: boolean; error?: string }[]>;
}

/**
 * Sandbox mode only: the service runs on the simulator's clock, so moving it moves "now" everywhere.
 * Monitor passes run one at a time; jumps made while one runs share a single follow-up pass, which
 * sees the clock as the last of them left it.
 */
export function createSandboxTools(deps: {
  clock: OffsetClock;
  monitor: Monitor;
  secrets: SecretRotation;
  applications: Applications;
  /** The simulated Developer Console's "rotate secret" for an app (its notification reaches us). */
  consoleRotate?: (appId: string) => Promise<void>;
}): SandboxTools {
  let current: Promise<SandboxPassResult> | null = null;
  let next: Promise<SandboxPassResult> | null = null;
  let progress: MonitorProgress | null = null;
  let last: SandboxMonitorStatus['last'] = null;

  const runPass = async (): Promise<SandboxPassResult> => {
    progress = null;
    // A monitor that reports probe progress calls `onProgress`; one that does not ignores it.
    const options = {
      probe: true,
      onProgress: (p: MonitorProgress) => {
        progress = { done: p.done, total: p.total };
      },
    };
    try {
      const report = await deps.monitor.runMonitor(options);
      last = { report };
      return { ok: true, report };
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      last = { error: error.message };
      return { ok: false, error };
    } finally {
      progress = null;
    }
  };

  const schedule = (): Promise<SandboxPassResult> => {
    if (next) return next;
    if (!current) {
      current = runPass().finally(() => {
        current = null;
      });
      return current;
    }
    // The running pass may have read the clock before this jump: one more pass after it.
    next = current.then(() => {
      next = null;
      return schedule();
    });
    return next;
  };

  return {
    now: () => deps.clock.now(),
    advanceDays(days) {
      if (!Number.isInteger(days) || days < 1 || days > 366) {
        throw new RangeError('the sandbox clock moves 1-366 whole days at a time');
      }
      deps.clock.advance(days * DAY);
      return { now: deps.clock.now(), pass: schedule() };
    },
    monitorStatus: () => ({ running: current !== null || next !== null, progress, last }),
    async idle() {
      while (next ?? current) await (next ?? current);
    },
    async rotateSecrets() {
      const results: { appId: string; received: boolean; error?: string }[] = [];
      for (const app of await deps.applications.list()) {
        const viaConsole = async (): Promise<void> => {
          await deps.consoleRotate!(app.appId);
          const after = await deps.applications.get(app.id);
          results.push({
            appId: app.appId,
            received:
              after.flaggedAt === null &&
              after.clientSecretIssuedAt.getTime() !== app.clientSecretIssuedAt.getTime(),
          });
        };
        try {
          if (app.flaggedAt && deps.consoleRotate) {
            await viaConsole();
            continue;
          }
          const r = await deps.secrets.rotate(app.id, { actor: 'sandbox' });
          results.push({ appId: app.appId, received: r.received });
        } catch (err) {
          // Amazon refuses the expired secret, so it cannot rotate it: do what an operator does.
          if (err instanceof MonitorError && err.code === 'SECRET_ROTATION_REJECTED' && deps.consoleRotate) {
            await viaConsole().catch((e: unknown) =>
              results.push({ appId: app.appId, received: false, error: (e as Error).message }),
            );
            continue;
          }
          results.push({ appId: app.appId, received: false, error: (err as Error).message });
        }
      }
      return results;
    },
  };
}
