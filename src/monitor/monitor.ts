import type { Kysely } from 'kysely';
import type PgBoss from 'pg-boss';
import type { SpApiClient } from '../amazon/client-types.js';
import type { Clock } from '../kernel/clock.js';
import { DEFAULT_JOB_TIMING, ensureQueue, type JobTiming } from '../jobs/boss.js';
import type { Logger } from '../kernel/log.js';
import type { ConnectionLifecycle } from '../lifecycle/connections.js';
import type { Database } from '../store/schema.js';
import { probeConnections, remindConnections, type ConnectionsPass, type ProbePass } from './connections.js';
import type { AutoRotationPass, SecretRotation } from './secrets.js';

/** What one monitor run did. */
export interface MonitorReport {
  at: Date;
  connections: ConnectionsPass;
  probes: ProbePass;
  secrets: { warned: number; dropped: number };
  rotation: AutoRotationPass;
}

/** What the monitor needs. */
export interface MonitorDeps {
  db: Kysely<Database>;
  clock: Clock;
  spApi: SpApiClient;
  secrets: SecretRotation;
  lifecycle: ConnectionLifecycle;
  logger: Logger;
  /** At most one health probe per connection per this long (default one day). */
  probeIntervalMs?: number;
  /** Probes the Amazon Ads connections (ads/ads.ts), counted with the SP-API probes. */
  probeAds?: (options: { intervalMs?: number }) => Promise<ProbePass>;
}

/** Options of one monitor run. */
export interface MonitorRunOptions {
  /** false: no health probes this run. */
  probe?: boolean;
  onProgress?: (p: { done: number; total: number }) => void;
  /** Health probes at a time (default MONITOR_CONCURRENCY). */
  probeConcurrency?: number;
}

/**
 * The expiry monitor: reminders and expiry/revocation events for connections, the daily health
 * probe, and client-secret warnings. `runMonitor()` is one pass (the job, the sandbox toolbar and
 * tests call it); every event it raises has a dedupe key, so running it often changes nothing.
 */
export function createMonitor(deps: MonitorDeps) {
  return {
    runMonitor: (options: MonitorRunOptions = {}): Promise<MonitorReport> => runMonitor(deps, options),
  };
}

/** One monitor pass: rotation, secret warnings, health probes, then connection reminders. */
export async function runMonitor(deps: MonitorDeps, options: MonitorRunOptions = {}): Promise<MonitorReport> {
  const at = new Date(deps.clock.now());
  // Rotation first: a secret renewed ahead of its expiry never cuts anyone off.
  const rotation = await deps.secrets.autoRotate();
  const secrets = await deps.secrets.checkExpiry();
  const probes =
    options.probe === false
      ? { probed: 0, ok: 0, failed: 0 }
      : await probeConnections({
          db: deps.db,
          clock: deps.clock,
          spApi: deps.spApi,
          lifecycle: deps.lifecycle,
          logger: deps.logger,
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
          ...(options.probeConcurrency === undefined ? {} : { concurrency: options.probeConcurrency }),
          ...(deps.probeIntervalMs === undefined ? {} : { intervalMs: deps.probeIntervalMs }),
        });
  if (options.probe !== false && deps.probeAds) {
    const ads = await deps.probeAds(
      deps.probeIntervalMs === undefined ? {} : { intervalMs: deps.probeIntervalMs },
    );
    probes.probed += ads.probed;
    probes.ok += ads.ok;
    probes.failed += ads.failed;
  }
  // After the probes, so a revocation they found is reported in the same run.
  const connections = await remindConnections({ db: deps.db, clock: deps.clock, lifecycle: deps.lifecycle });
  deps.logger.info(
    {
      checked: connections.checked,
      expiring: connections.expiring,
      expired: connections.expired,
      revoked: connections.revoked,
      probed: probes.probed,
      probeFailures: probes.failed,
      secretWarnings: secrets.warned,
      rotationsRequested: rotation.requested,
      rotationsFailed: rotation.failed,
      applicationsRecovered: rotation.recovered,
    },
    'monitor run finished',
  );
  return { at, connections, probes, secrets, rotation };
}

export type Monitor = ReturnType<typeof createMonitor>;

/** The monitor's queue. */
export const MONITOR_QUEUE = 'monitor-run';

/**
 * Registers the monitor's queue and worker on pg-boss, schedules it daily (06:00 UTC) and sends one
 * run now (at start). Runs are idempotent (dedupe keys, claimed probes), so an overlap is harmless:
 * a run whose worker died expires after the job timing's expiry and is retried on another worker.
 */
export async function startMonitorJobs(deps: {
  boss: PgBoss;
  monitor: Monitor;
  logger: Logger;
  cron?: string;
  timing?: Readonly<JobTiming>;
}): Promise<void> {
  const { boss } = deps;
  await ensureQueue(boss, MONITOR_QUEUE, {
    retryLimit: 3,
    retryDelay: 0,
    expireInSeconds: (deps.timing ?? DEFAULT_JOB_TIMING).expireInSeconds,
  });
  await boss.work(MONITOR_QUEUE, async () => {
    await deps.monitor.runMonitor();
  });
  await boss.schedule(MONITOR_QUEUE, deps.cron ?? '0 6 * * *', {}, { tz: 'UTC' });
  await boss.send(MONITOR_QUEUE, {});
  deps.logger.info({ queue: MONITOR_QUEUE }, 'monitor scheduled (daily and now)');
}
