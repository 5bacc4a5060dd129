import PgBoss from 'pg-boss';
import type { Store } from '../store/database.js';

/**
 * How long jobs may run, and how soon a dead worker's job is taken over.
 *
 * pg-boss 10 has no heartbeat (its newer majors need Node 22): a job is known to be abandoned only
 * when it has been `active` longer than its expiry, and maintenance (run by one supervising process
 * every `maintenanceIntervalSeconds`) then fails it and queues its retry. So every handler here
 * does a bounded amount of work (`workBudgetMs`, then it commits and queues its follow-up), every
 * queue expires its jobs after `expireInSeconds`, and a killed worker's job is retried by another
 * worker within expiry + maintenance interval + a poll (≤ 2 minutes with the defaults). A handler
 * that overruns its expiry is failed by pg-boss while it goes on; each handler is safe to run twice
 * at once (per-connection locks, claimed rows), so the overlap costs only time.
 * @see https://github.com/timgit/pg-boss/blob/10.4.2/docs/readme.md (expireInSeconds, maintenance)
 */
export interface JobTiming {
  /** An active job older than this is presumed dead: failed and retried (seconds). */
  expireInSeconds: number;
  /** How often a supervising process expires, archives and drops jobs (seconds). */
  maintenanceIntervalSeconds: number;
  /** A handler starts no new unit of work (an Amazon call, a page) after this (ms). */
  workBudgetMs: number;
}

/** Production timing: a dead worker's job is taken over within 90 + 20 + 2 s. */
export const DEFAULT_JOB_TIMING: Readonly<JobTiming> = Object.freeze({
  expireInSeconds: 90,
  maintenanceIntervalSeconds: 20,
  workBudgetMs: 45_000,
});

/** How the job system runs in this process. */
export interface JobsOptions {
  store: Store;
  /** Postgres schema holding pg-boss's tables. */
  schema?: string;
  /** Expiry, maintenance and work budget (default DEFAULT_JOB_TIMING); tests shorten them. */
  timing?: Partial<JobTiming>;
  /** How often expired jobs are failed and retried (seconds); overrides `timing`. */
  maintenanceIntervalSeconds?: number;
  /** How often cron schedules are checked (seconds, 1–45). pg-boss's default is 30. */
  cronMonitorIntervalSeconds?: number;
  /** Whether this process runs maintenance and cron schedules (workers do; a web-only process need not). */
  supervise?: boolean;
  /** Called when pg-boss reports an error (its internal loops keep running). */
  onError?: (error: Error) => void;
}

/** A started pg-boss on our database connection. */
export interface Jobs {
  readonly boss: PgBoss;
  /** The timing this process's queues and handlers use. */
  readonly timing: Readonly<JobTiming>;
  /** Stops fetching new jobs, waits for running ones up to `timeoutMs`, then returns. */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Starts pg-boss on the store's connection: the pool on PostgreSQL, the single gated session on
 * PGlite (multi-statement SQL goes through PGlite's exec, see store/database.ts).
 */
export async function startJobs(options: JobsOptions): Promise<Jobs> {
  const supervise = options.supervise ?? true;
  const timing: JobTiming = Object.freeze({
    ...DEFAULT_JOB_TIMING,
    ...options.timing,
    ...(options.maintenanceIntervalSeconds === undefined
      ? {}
      : { maintenanceIntervalSeconds: options.maintenanceIntervalSeconds }),
  });
  const onError = options.onError ?? ((e: Error) => console.error('jobs:', e.message));
  let stopped = false;
  const boss = new PgBoss({
    db: {
      // A handler still running when `stop` gave up waiting was failed for retry by pg-boss then
      // (failWip). When it ends later, pg-boss records its outcome (complete or fail) without
      // awaiting the call, so the closed store's refusal would be an unhandled rejection. Such a
      // late outcome is dropped: answered as a statement that changed nothing (`count` 0, the shape
      // of pg-boss's complete and fail), and the job is retried as its failure at the stop says.
      executeSql: (text: string, values?: unknown[]) => {
        if (!stopped) return options.store.sql.executeSql(text, values);
        onError(new Error('a job ended after the job system stopped: its outcome is dropped, it is retried'));
        return Promise.resolve({ rows: [{ count: 0 }] });
      },
    },
    schema: options.schema ?? 'pgboss',
    supervise,
    schedule: supervise,
    migrate: true,
    maintenanceIntervalSeconds: timing.maintenanceIntervalSeconds,
    ...(options.cronMonitorIntervalSeconds === undefined
      ? {}
      : { cronMonitorIntervalSeconds: options.cronMonitorIntervalSeconds }),
  });
  boss.on('error', (error: Error) => onError(error));
  await boss.start();
  return {
    boss,
    timing,
    async stop(timeoutMs = 10_000) {
      await boss.stop({ graceful: true, close: false, wait: true, timeout: timeoutMs });
      stopped = true;
    },
  };
}

/** A queue's settings (pg-boss `Queue` without its name). */
export type QueueSettings = Omit<PgBoss.Queue, 'name'>;

/**
 * Creates a queue, or brings an existing one to `settings`: pg-boss's createQueue leaves an
 * existing queue as it was, so a deployment would otherwise keep the settings of its first start
 * (e.g. a policy or an expiry since changed). Jobs already queued keep their own settings, except
 * when the policy changes: then they are dropped, because a job queued under `stately` could be held
 * back by a dead worker's job still marked active (every queue here is refilled by its schedule,
 * sweep or nudges within a minute).
 */
export async function ensureQueue(boss: PgBoss, name: string, settings: QueueSettings): Promise<void> {
  const full = { policy: 'standard' as const, ...settings, name };
  const before = await boss.getQueue(name);
  await boss.createQueue(name, full);
  await boss.updateQueue(name, full);
  if (before && (before.policy ?? 'standard') !== full.policy) await boss.purgeQueue(name);
}
