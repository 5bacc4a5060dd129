import type PgBoss from 'pg-boss';
import type { Logger } from '../kernel/log.js';
import type { ListingDrainer } from './drain.js';

export const LISTINGS_DRAIN_QUEUE = 'listings-drain';
export const LISTINGS_SWEEP_QUEUE = 'listings-sweep';

/** The listings delivery running on pg-boss in this process. */
export interface ListingJobs {
  /** Queues a drain of one connection (at most one queued and one running per connection). */
  kick(connectionId: string): Promise<void>;
  /** Queues a drain of every connection with changes to deliver now; returns how many. */
  sweep(): Promise<number>;
}

/**
 * Listings delivery on pg-boss: one `listings-drain` job per connection (queue policy `stately`
 * with the connection id as singletonKey: one queued and one active at a time; the drainer's lock
 * makes it one drainer across processes in any case). A drain that stops early (batch limit,
 * Amazon failing) queues its own follow-up; a sweep every minute drains connections whose changes
 * waited for renewal and picks up anything a dead worker left behind.
 */
export async function startListingJobs(deps: {
  boss: PgBoss;
  drainer: ListingDrainer;
  logger: Logger;
  /** Concurrent drains in this process (different connections). */
  concurrency?: number;
  /** Poll interval for new jobs, seconds (pg-boss default 2). */
  pollingIntervalSeconds?: number;
}): Promise<ListingJobs> {
  const { boss, drainer, logger } = deps;
  await boss.createQueue(LISTINGS_DRAIN_QUEUE, {
    name: LISTINGS_DRAIN_QUEUE,
    policy: 'stately',
    retryLimit: 5,
    retryDelay: 10,
    retryBackoff: true,
    expireInSeconds: 3600,
  });
  await boss.createQueue(LISTINGS_SWEEP_QUEUE, {
    name: LISTINGS_SWEEP_QUEUE,
    retryLimit: 0,
    expireInSeconds: 300,
  });

  const queue = async (connectionId: string, startAfterSeconds?: number): Promise<string | null> =>
    boss.send(
      LISTINGS_DRAIN_QUEUE,
      { connectionId },
      {
        singletonKey: connectionId,
        ...(startAfterSeconds === undefined ? {} : { startAfter: startAfterSeconds }),
      },
    );

  const sweep = async (): Promise<number> => {
    let queued = 0;
    for (const connectionId of await drainer.pendingConnections()) if (await queue(connectionId)) queued++;
    return queued;
  };

  const polling =
    deps.pollingIntervalSeconds === undefined ? {} : { pollingIntervalSeconds: deps.pollingIntervalSeconds };
  for (let i = 0; i < (deps.concurrency ?? 2); i++) {
    await boss.work<{ connectionId: string }>(LISTINGS_DRAIN_QUEUE, polling, async ([job]) => {
      if (!job) return;
      const { connectionId } = job.data;
      const report = await drainer.drain(connectionId);
      if (report.finished > 0 || report.waiting)
        logger.info({ connectionId, ...report }, 'listing changes delivered');
      if (report.retryAfterMs !== null) await queue(connectionId, Math.ceil(report.retryAfterMs / 1000));
      else if (report.remaining > 0) await queue(connectionId);
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
      await queue(connectionId);
    },
    sweep,
  };
}
