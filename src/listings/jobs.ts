import type PgBoss from 'pg-boss';
import type { Logger } from '../kernel/log.js';
import { DEFAULT_JOB_TIMING, ensureQueue, type JobTiming } from '../jobs/boss.js';
import type { ListingDrainer } from './drain.js';

export const LISTINGS_DRAIN_QUEUE = 'listings-drain';
export const LISTINGS_SWEEP_QUEUE = 'listings-sweep';

/** A follow-up further away than this is left to the sweep (a queued one would hold back kicks). */
const MAX_FOLLOW_UP_DELAY_MS = 60_000;

/** The listings delivery running on pg-boss in this process. */
export interface ListingJobs {
  /** Queues a drain of one connection (at most one queued per connection). */
  kick(connectionId: string): Promise<void>;
  /** Queues a drain of every connection with changes to deliver now; returns how many. */
  sweep(): Promise<number>;
}

/**
 * Queues a drain of one connection's listing changes (at most one queued per connection: the
 * connection id is the singletonKey), for any process with a started pg-boss, also before this
 * process's workers are registered. Returns the job id, or null when one was already queued.
 */
export function queueListingDrain(
  boss: PgBoss,
  connectionId: string,
  startAfterSeconds?: number,
): Promise<string | null> {
  return boss.send(
    LISTINGS_DRAIN_QUEUE,
    { connectionId },
    {
      singletonKey: connectionId,
      ...(startAfterSeconds === undefined ? {} : { startAfter: startAfterSeconds }),
    },
  );
}

/** Queues a drain of every connection with changes to deliver now; returns how many were queued. */
export async function queueDueDrains(
  boss: PgBoss,
  drainer: Pick<ListingDrainer, 'pendingConnections'>,
): Promise<number> {
  let queued = 0;
  for (const connectionId of await drainer.pendingConnections())
    if (await queueListingDrain(boss, connectionId)) queued++;
  return queued;
}

/**
 * One drain job: delivers a connection's changes for at most `budgetMs`, logs what finished, and
 * queues its own follow-up: after the wait Amazon or LWA asked for (a longer wait is left to the
 * sweep), or at once when changes remain.
 */
export async function runListingDrain(
  deps: { boss: PgBoss; drainer: Pick<ListingDrainer, 'drain'>; logger: Logger; budgetMs: number },
  connectionId: string,
): Promise<void> {
  const report = await deps.drainer.drain(connectionId, { budgetMs: deps.budgetMs });
  if (report.finished > 0 || report.waiting)
    deps.logger.info({ connectionId, ...report }, 'listing changes delivered');
  // A drain stopped by throttling or an unreachable LWA comes back later, even with changes due.
  if (report.retryAfterMs !== null) {
    if (report.retryAfterMs <= MAX_FOLLOW_UP_DELAY_MS)
      await queueListingDrain(deps.boss, connectionId, Math.max(1, Math.ceil(report.retryAfterMs / 1000)));
  } else if (report.remaining > 0) await queueListingDrain(deps.boss, connectionId);
}

/**
 * Listings delivery on pg-boss: `listings-drain` jobs per connection (policy `short` with the
 * connection id as singletonKey: at most one queued per connection, however many kicks). Not
 * `stately`: there, a job left `active` by a killed worker blocks every later job of its key until it
 * expires. Here a later job runs at once and the drainer's lock (a PostgreSQL advisory lock, freed
 * when the dead worker's session ends) keeps one drainer per connection. A drain works for at most
 * the work budget and queues its own follow-up when changes are due; `listings-sweep` (every
 * minute) queues a drain for every connection with changes due (retries whose backoff ended,
 * changes that waited for the connection, anything a dead worker left).
 */
export async function startListingJobs(deps: {
  boss: PgBoss;
  drainer: ListingDrainer;
  logger: Logger;
  /** Concurrent drains in this process (different connections). */
  concurrency?: number;
  /** Poll interval for new jobs, seconds (pg-boss default 2). */
  pollingIntervalSeconds?: number;
  timing?: Readonly<JobTiming>;
}): Promise<ListingJobs> {
  const { boss, drainer, logger } = deps;
  const timing = deps.timing ?? DEFAULT_JOB_TIMING;
  await ensureQueue(boss, LISTINGS_DRAIN_QUEUE, {
    policy: 'short',
    retryLimit: 5,
    retryDelay: 5,
    retryBackoff: true,
    expireInSeconds: timing.expireInSeconds,
  });
  await ensureQueue(boss, LISTINGS_SWEEP_QUEUE, {
    retryLimit: 0,
    expireInSeconds: timing.expireInSeconds,
  });

  const sweep = (): Promise<number> => queueDueDrains(boss, drainer);

  const polling =
    deps.pollingIntervalSeconds === undefined ? {} : { pollingIntervalSeconds: deps.pollingIntervalSeconds };
  const drainDeps = { boss, drainer, logger, budgetMs: timing.workBudgetMs };
  for (let i = 0; i < (deps.concurrency ?? 2); i++) {
    await boss.work<{ connectionId: string }>(LISTINGS_DRAIN_QUEUE, polling, async ([job]) => {
      if (job) await runListingDrain(drainDeps, job.data.connectionId);
    });
  }
  await boss.work(LISTINGS_SWEEP_QUEUE, polling, async () => {
    const queued = await sweep();
    if (queued > 0) logger.debug({ queued }, 'listing drains queued by the sweep');
  });
  await boss.schedule(LISTINGS_SWEEP_QUEUE, '* * * * *');
  await boss.send(LISTINGS_SWEEP_QUEUE, {});
  return {
    async kick(connectionId) {
      await queueListingDrain(boss, connectionId);
    },
    sweep,
  };
}
