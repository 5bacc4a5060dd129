import type PgBoss from 'pg-boss';
import { DEFAULT_JOB_TIMING, ensureQueue, type JobTiming } from '../jobs/boss.js';
import type { Logger } from '../kernel/log.js';
import type { AnalyticsFetcher } from './fetch.js';

/** The cron queue: finds the connections whose run is due. */
export const ANALYTICS_DISPATCH_QUEUE = 'analytics-dispatch';
/** One connection's run (`{ connectionId }`). */
export const ANALYTICS_FETCH_QUEUE = 'analytics-fetch';

/**
 * Queues one fetch job per connection whose run is due (one per connection per minute slot:
 * singletonKey + singletonSeconds); returns how many were queued.
 */
export async function dispatchAnalytics(
  boss: PgBoss,
  fetcher: Pick<AnalyticsFetcher, 'due'>,
): Promise<number> {
  let queued = 0;
  for (const connectionId of await fetcher.due()) {
    const id = await boss.send(
      ANALYTICS_FETCH_QUEUE,
      { connectionId },
      { singletonKey: connectionId, singletonSeconds: 60 },
    );
    if (id) queued++;
  }
  return queued;
}

/** One fetch job: one run for the connection within the work budget, logged when it did something. */
export async function runAnalyticsFetch(
  deps: { fetcher: Pick<AnalyticsFetcher, 'run'>; logger: Logger; budgetMs: number },
  connectionId: string,
): Promise<void> {
  const outcome = await deps.fetcher.run(connectionId, { budgetMs: deps.budgetMs });
  if (outcome.status === 'done' && (outcome.requested > 0 || outcome.daysStored > 0 || outcome.failed > 0))
    deps.logger.info({ connectionId, ...outcome }, 'analytics fetched');
  if (outcome.status === 'paused')
    deps.logger.debug({ connectionId, reason: outcome.reason }, 'analytics paused');
}

/**
 * Analytics on pg-boss: a cron schedule (every minute, deduplicated across processes by pg-boss)
 * runs the dispatcher, which queues one fetch job per connection whose run is due: a pending report
 * to poll (every `pollMs`), or the interval since the last requests and settlement listing passed
 * (default 6 hours). The fetcher's try-lock keeps one run per connection at a time; its state is in
 * the database after every step, so a job killed with its worker loses nothing (the next dispatch
 * polls the same report).
 */
export async function startAnalyticsJobs(deps: {
  boss: PgBoss;
  fetcher: AnalyticsFetcher;
  logger: Logger;
  /** Concurrent runs in this process (different connections). */
  concurrency?: number;
  timing?: Readonly<JobTiming>;
}): Promise<{ dispatch(): Promise<number> }> {
  const { boss, fetcher, logger } = deps;
  const timing = deps.timing ?? DEFAULT_JOB_TIMING;
  await ensureQueue(boss, ANALYTICS_DISPATCH_QUEUE, {
    retryLimit: 0,
    expireInSeconds: timing.expireInSeconds,
  });
  await ensureQueue(boss, ANALYTICS_FETCH_QUEUE, {
    retryLimit: 2,
    retryDelay: 60,
    retryBackoff: true,
    expireInSeconds: timing.expireInSeconds,
  });
  const dispatch = (): Promise<number> => dispatchAnalytics(boss, fetcher);
  await boss.work(ANALYTICS_DISPATCH_QUEUE, async () => {
    const queued = await dispatch();
    if (queued > 0) logger.debug({ queued }, 'analytics fetches queued');
  });
  const runDeps = { fetcher, logger, budgetMs: timing.workBudgetMs };
  for (let i = 0; i < (deps.concurrency ?? 2); i++) {
    await boss.work<{ connectionId: string }>(ANALYTICS_FETCH_QUEUE, async ([job]) => {
      if (job) await runAnalyticsFetch(runDeps, job.data.connectionId);
    });
  }
  await boss.schedule(ANALYTICS_DISPATCH_QUEUE, '* * * * *');
  await boss.send(ANALYTICS_DISPATCH_QUEUE, {});
  return { dispatch };
}
