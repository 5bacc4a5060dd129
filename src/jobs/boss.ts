import PgBoss from 'pg-boss';
import type { Store } from '../store/database.js';

/** How the job system runs in this process. */
export interface JobsOptions {
  store: Store;
  /** Postgres schema holding pg-boss's tables. */
  schema?: string;
  /** How often expired jobs are failed and retried (seconds). pg-boss's default is 120. */
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
  /** Stops fetching new jobs, waits for running ones up to `timeoutMs`, then returns. */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Starts pg-boss on the store's connection: the pool on PostgreSQL, the single gated session on
 * PGlite (multi-statement SQL goes through PGlite's exec, see store/database.ts).
 */
export async function startJobs(options: JobsOptions): Promise<Jobs> {
  const supervise = options.supervise ?? true;
  const boss = new PgBoss({
    db: options.store.sql,
    schema: options.schema ?? 'pgboss',
    supervise,
    schedule: supervise,
    migrate: true,
    ...(options.maintenanceIntervalSeconds === undefined
      ? {}
      : { maintenanceIntervalSeconds: options.maintenanceIntervalSeconds }),
    ...(options.cronMonitorIntervalSeconds === undefined
      ? {}
      : { cronMonitorIntervalSeconds: options.cronMonitorIntervalSeconds }),
  });
  boss.on('error', (error: Error) =>
    (options.onError ?? ((e: Error) => console.error('jobs:', e.message)))(error),
  );
  await boss.start();
  return {
    boss,
    async stop(timeoutMs = 10_000) {
      await boss.stop({ graceful: true, close: false, wait: true, timeout: timeoutMs });
    },
  };
}
