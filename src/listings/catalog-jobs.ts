import type PgBoss from 'pg-boss';
import { DEFAULT_JOB_TIMING, ensureQueue, type JobTiming } from '../jobs/boss.js';
import type { Logger } from '../kernel/log.js';
import { CATALOG_DUE_BATCH, type ListingCatalog } from './catalog.js';

export const CATALOG_DISPATCH_QUEUE = 'listings-catalog-dispatch';
export const CATALOG_REFRESH_QUEUE = 'listings-catalog-refresh';

/** The dispatcher queues a refresh at most once per connection per this many seconds. */
const DISPATCH_SLOT_SECONDS = 60;

/**
 * Queues one catalog refresh per connection whose refresh is due, a batch at a time (one read and
 * one pg-boss `insert` per batch), and returns how many were due. As the order import's
 * dispatcher (orders/jobs.ts): one job per connection per minute slot (singletonKey +
 * singletonSeconds) and never a second one while one waits (the queue's `short` policy).
 * @see https://github.com/timgit/pg-boss/blob/10.4.2/docs/readme.md (insert, queue policies)
 */
export async function dispatchCatalogRefreshes(
  boss: Pick<PgBoss, 'insert'>,
  catalog: Pick<ListingCatalog, 'dueBatch'>,
): Promise<number> {
  let due = 0;
  let after: string | null = null;
  for (;;) {
    const batch = await catalog.dueBatch(after);
    if (batch.length > 0)
      await boss.insert(
        batch.map((connectionId) => ({
          name: CATALOG_REFRESH_QUEUE,
          data: { connectionId },
          singletonKey: connectionId,
          singletonSeconds: DISPATCH_SLOT_SECONDS,
        })),
      );
    due += batch.length;
    if (batch.length < CATALOG_DUE_BATCH) return due;
    after = batch[batch.length - 1]!;
  }
}

/** Queues a refresh of one connection's catalog now (at most one waiting per connection). */
export function queueCatalogRefresh(
  boss: Pick<PgBoss, 'send'>,
  connectionId: string,
): Promise<string | null> {
  return boss.send(CATALOG_REFRESH_QUEUE, { connectionId }, { singletonKey: connectionId });
}

/** One refresh job: refreshes a connection's catalog for at most `budgetMs` and logs the outcome. */
export async function runCatalogRefresh(
  deps: { catalog: Pick<ListingCatalog, 'refresh'>; logger: Logger; budgetMs: number },
  connectionId: string,
): Promise<void> {
  const outcome = await deps.catalog.refresh(connectionId, { budgetMs: deps.budgetMs });
  if (outcome.status === 'done' || outcome.status === 'partial')
    deps.logger.debug({ connectionId, ...outcome }, 'listings catalog refreshed');
}

/**
 * The catalog refresh on pg-boss: a cron schedule (every minute, deduplicated across processes)
 * runs the dispatcher, which queues one `listings-catalog-refresh` job per connection that is due
 * (at most one waiting per connection). Refresh jobs run on any worker; the catalog's try-lock
 * keeps one refresh per connection at a time, and the SP-API client's shared limiter paces every
 * searchListingsItems call at the usage plan.
 */
export async function startCatalogJobs(deps: {
  boss: PgBoss;
  catalog: ListingCatalog;
  logger: Logger;
  /** Concurrent refreshes in this process (different connections). */
  concurrency?: number;
  /** Poll interval for new jobs, seconds (pg-boss default 2). */
  pollingIntervalSeconds?: number;
  timing?: Readonly<JobTiming>;
}): Promise<{ dispatch(): Promise<number>; refreshNow(connectionId: string): Promise<void> }> {
  const { boss, catalog, logger } = deps;
  const timing = deps.timing ?? DEFAULT_JOB_TIMING;
  await ensureQueue(boss, CATALOG_DISPATCH_QUEUE, { retryLimit: 0, expireInSeconds: timing.expireInSeconds });
  // `short`: at most one waiting (created) job per singletonKey, i.e. per connection.
  await ensureQueue(boss, CATALOG_REFRESH_QUEUE, {
    policy: 'short',
    retryLimit: 3,
    retryDelay: 30,
    retryBackoff: true,
    expireInSeconds: timing.expireInSeconds,
  });
  const dispatch = (): Promise<number> => dispatchCatalogRefreshes(boss, catalog);
  const polling =
    deps.pollingIntervalSeconds === undefined ? {} : { pollingIntervalSeconds: deps.pollingIntervalSeconds };
  await boss.work(CATALOG_DISPATCH_QUEUE, polling, async () => {
    const queued = await dispatch();
    if (queued > 0) logger.debug({ queued }, 'catalog refreshes queued');
  });
  const runDeps = { catalog, logger, budgetMs: timing.workBudgetMs };
  for (let i = 0; i < (deps.concurrency ?? 1); i++) {
    await boss.work<{ connectionId: string }>(CATALOG_REFRESH_QUEUE, polling, async ([job]) => {
      if (job) await runCatalogRefresh(runDeps, job.data.connectionId);
    });
  }
  await boss.schedule(CATALOG_DISPATCH_QUEUE, '* * * * *');
  await boss.send(CATALOG_DISPATCH_QUEUE, {});
  return {
    dispatch,
    async refreshNow(connectionId) {
      await queueCatalogRefresh(boss, connectionId);
    },
  };
}
