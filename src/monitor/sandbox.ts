import type { Applications } from '../lifecycle/applications.js';
import { DAY, type OffsetClock } from '../kernel/clock.js';
import { EXPIRY_REMINDER_DAYS } from './connections.js';
import { MonitorError } from './errors.js';
import type { Monitor, MonitorReport } from './monitor.js';
import type { SecretRotation } from './secrets.js';

/** The simulated time steps the sandbox toolbar offers. */
export const SANDBOX_STEPS_DAYS = [1, 7, 30] as const;

/**
 * Where the toolbar's "jump to N days before the next expiry" can land: each expiry reminder's
 * threshold (monitor/connections.ts), and 0, the moment the authorization ends.
 */
export const SANDBOX_BEFORE_EXPIRY_DAYS = [...EXPIRY_REMINDER_DAYS, 0] as const;

/** The longest single move of the sandbox clock. */
const MAX_JUMP_DAYS = 366;

/**
 * The moment `daysBefore` days before the soonest of `expiries` that still lies that far ahead of
 * `now`, with that expiry; null when none does (every authorization ends sooner, or none expires).
 */
export function pointBeforeExpiry(
  expiries: readonly (Date | null)[],
  daysBefore: number,
  now: number,
): { at: number; expiresAt: Date } | null {
  let best: { at: number; expiresAt: Date } | null = null;
  for (const expiresAt of expiries) {
    if (!expiresAt) continue;
    const at = expiresAt.getTime() - daysBefore * DAY;
    if (at > now && (!best || at < best.at)) best = { at, expiresAt };
  }
  return best;
}

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
  /**
   * Moves the clock forward to the moment `at` (epoch ms; at most 366 days ahead, never back), then
   * starts a monitor pass like `advanceDays`.
   */
  advanceTo(at: number): { now: number; pass: Promise<SandboxPassResult> };
  /** Whether a pass runs, how far it got, and how the last one ended. */
  monitorStatus(): SandboxMonitorStatus;
  /** Resolves once no toolbar pass is running or queued. */
  idle(): Promise<void>;
  /**
   * Rotates every application's client secret through Amazon's (the simulator's) rotation API; an
   * app whose credentials Amazon already refuses gets a new secret from the simulated Developer
   * Console instead (what an operator does at Amazon), delivered to this service and verified.
   */
  rotateSecrets(): Promise<SandboxRotation[]>;
  /** How the last `rotateSecrets` ended (null before the first): the toolbar page shows it. */
  lastRotation(): SandboxRotation[] | null;
}

/** What rotating the applications' secrets from the toolbar needs. */
export interface SandboxRotationDeps {
  secrets: SecretRotation;
  applications: Applications;
  /** The simulated Developer Console's "rotate secret" for an app (its notification reaches us). */
  consoleRotate?: (appId: string) => Promise<void>;
}

/** How rotating one application's secret from the toolbar ended. */
export interface SandboxRotation {
  appId: string;
  received: boolean;
  error?: string;
}

type Application = Awaited<ReturnType<Applications['list']>>[number];

/** One monitor pass with health probes; tells `onProgress` how far the probes got. Never rejects. */
export async function runSandboxPass(
  monitor: Monitor,
  onProgress: (p: MonitorProgress) => void,
): Promise<SandboxPassResult> {
  // A monitor that reports probe progress calls `onProgress`; one that does not ignores it.
  // One probe at a time: the toolbar's progress counts them in order (a sandbox has a handful).
  const options = {
    probe: true,
    probeConcurrency: 1,
    onProgress: (p: MonitorProgress) => onProgress({ done: p.done, total: p.total }),
  };
  try {
    return { ok: true, report: await monitor.runMonitor(options) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err : new Error(String(err)) };
  }
}

/**
 * A new secret from the simulated Developer Console (what an operator does at Amazon), delivered to
 * this service; `received` once the app is no longer flagged and its secret's issue date moved.
 */
async function rotateViaConsole(
  deps: SandboxRotationDeps & { consoleRotate: (appId: string) => Promise<void> },
  app: Application,
): Promise<SandboxRotation> {
  await deps.consoleRotate(app.appId);
  const after = await deps.applications.get(app.id);
  return {
    appId: app.appId,
    received:
      after.flaggedAt === null && after.clientSecretIssuedAt.getTime() !== app.clientSecretIssuedAt.getTime(),
  };
}

/**
 * Rotates one application's client secret through Amazon's (the simulator's) rotation API; an app
 * whose credentials Amazon already refuses gets one from the simulated Developer Console instead.
 */
export async function rotateSandboxSecret(
  deps: SandboxRotationDeps,
  app: Application,
): Promise<SandboxRotation> {
  const { consoleRotate } = deps;
  try {
    if (app.flaggedAt && consoleRotate) return await rotateViaConsole({ ...deps, consoleRotate }, app);
    const r = await deps.secrets.rotate(app.id, { actor: 'sandbox' });
    return { appId: app.appId, received: r.received };
  } catch (err) {
    // Amazon refuses the expired secret, so it cannot rotate it: do what an operator does.
    if (err instanceof MonitorError && err.code === 'SECRET_ROTATION_REJECTED' && consoleRotate) {
      return rotateViaConsole({ ...deps, consoleRotate }, app).catch((e: unknown) => ({
        appId: app.appId,
        received: false,
        error: (e as Error).message,
      }));
    }
    return { appId: app.appId, received: false, error: (err as Error).message };
  }
}

/** Rotates every application's client secret, one after another (see `rotateSandboxSecret`). */
export async function rotateSandboxSecrets(deps: SandboxRotationDeps): Promise<SandboxRotation[]> {
  const results: SandboxRotation[] = [];
  for (const app of await deps.applications.list()) results.push(await rotateSandboxSecret(deps, app));
  return results;
}

/**
 * Sandbox mode only: the service runs on the simulator's clock, so moving it moves "now" everywhere.
 * Monitor passes run one at a time; jumps made while one runs share a single follow-up pass, which
 * sees the clock as the last of them left it.
 */
export function createSandboxTools(
  deps: {
    clock: OffsetClock;
    monitor: Monitor;
  } & SandboxRotationDeps,
): SandboxTools {
  let current: Promise<SandboxPassResult> | null = null;
  let next: Promise<SandboxPassResult> | null = null;
  let progress: MonitorProgress | null = null;
  let last: SandboxMonitorStatus['last'] = null;
  let lastRotation: SandboxRotation[] | null = null;

  const runPass = async (): Promise<SandboxPassResult> => {
    progress = null;
    const result = await runSandboxPass(deps.monitor, (p) => {
      progress = p;
    });
    progress = null;
    last = result.ok ? { report: result.report } : { error: result.error.message };
    return result;
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
    advanceTo(at) {
      const by = at - deps.clock.now();
      if (!Number.isFinite(by) || by <= 0) throw new RangeError('the sandbox clock only moves forward');
      if (by > MAX_JUMP_DAYS * DAY)
        throw new RangeError(`the sandbox clock moves at most ${MAX_JUMP_DAYS} days at a time`);
      deps.clock.advance(by);
      return { now: deps.clock.now(), pass: schedule() };
    },
    monitorStatus: () => ({ running: current !== null || next !== null, progress, last }),
    async idle() {
      while (next ?? current) await (next ?? current);
    },
    async rotateSecrets() {
      lastRotation = await rotateSandboxSecrets(deps);
      return lastRotation;
    },
    lastRotation: () => lastRotation,
  };
}
