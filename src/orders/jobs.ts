import type PgBoss from 'pg-boss';
import type { Logger } from '../kernel/log.js';
import type { OrderImporter } from './import.js';

export const ORDERS_DISPATCH_QUEUE = 'orders-dispatch';
export const ORDERS_IMPORT_QUEUE = 'orders-import';

/**
 * The order import on pg-boss: a cron schedule (every minute, deduplicated across processes by
 * pg-boss) runs the dispatcher, which queues one import job per connection that is due (one per
 * connection per minute slot: singletonKey + singletonSeconds). Import jobs run on any worker; the
 * importer's try-lock keeps one run per connection at a time, and its per-page commits make a
 * retried or killed job resume where it stopped.
 */
export async function startOrderJobs(deps: {
  boss: PgBoss;
  importer: OrderImporter;
  logger: Logger;
  /** Concurrent imports in this process (different connections). */
  concurrency?: number;
  /** Poll interval for new jobs, seconds (pg-boss default 2). */
  pollingIntervalSeconds?: number;
}): Promise<{ dispatch(): Promise<number> }> {
  const { boss, importer, logger } = deps;
  await boss.createQueue(ORDERS_DISPATCH_QUEUE, {
    name: ORDERS_DISPATCH_QUEUE,
    retryLimit: 0,
    expireInSeconds: 300,
  });
  await boss.createQueue(ORDERS_IMPORT_QUEUE, {
    name: ORDERS_IMPORT_QUEUE,
    retryLimit: 5,
    retryDelay: 30,
    retryBackoff: true,
    // An import waits on the usage plan (searchOrders refills one call per ~3 minutes), so a big
    // one can take hours; a killed worker's job is re-run by the next dispatch anyway.
    expireInSeconds: 12 * 3600,
  });

  const dispatch = async (): Promise<number> => {
    const due = await importer.due();
    let queued = 0;
    for (const connectionId of due) {
      const id = await boss.send(
        ORDERS_IMPORT_QUEUE,
        { connectionId },
        { singletonKey: connectionId, singletonSeconds: 60 },
      );
      if (id) queued++;
    }
    return queued;
  };

  const polling =
    deps.pollingIntervalSeconds === undefined ? {} : { pollingIntervalSeconds: deps.pollingIntervalSeconds };
  await boss.work(ORDERS_DISPATCH_QUEUE, polling, async () => {
    const queued = await dispatch();
    if (queued > 0) logger.debug({ queued }, 'order imports queued');
  });
  for (let i = 0; i < (deps.concurrency ?? 2); i++) {
    await boss.work<{ connectionId: string }>(ORDERS_IMPORT_QUEUE, polling, async ([job]) => {
      if (!job) return;
      const outcome = await importer.sync(job.data.connectionId);
      if (outcome.status === 'done' && outcome.ordersChanged > 0)
        logger.info(
          { connectionId: job.data.connectionId, pages: outcome.pages, changed: outcome.ordersChanged },
          'orders imported',
        );
      if (outcome.status === 'paused')
        logger.info({ connectionId: job.data.connectionId, reason: outcome.reason }, 'order import paused');
    });
  }
  await boss.schedule(ORDERS_DISPATCH_QUEUE, '* * * * *');
  await boss.send(ORDERS_DISPATCH_QUEUE, {});
  return { dispatch };
}
