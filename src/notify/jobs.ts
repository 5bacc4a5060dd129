import type PgBoss from 'pg-boss';
import { DEFAULT_JOB_TIMING, ensureQueue, type JobTiming } from '../jobs/boss.js';
import type { Logger } from '../kernel/log.js';
import type { Deliveries } from './delivery.js';

export const NOTIFY_QUEUE = 'notify-deliver';

/** The running delivery jobs of this process. */
export interface NotifyJobs {
  /** Asks for a delivery run soon (deduplicated: at most one queued, one running). */
  nudge(): Promise<void>;
  stop(): void;
}

/** One delivery run (fan out, then send what is due), logged when it did anything. */
export async function runDeliveryPass(
  deliveries: Pick<Deliveries, 'runOnce'>,
  logger: Logger,
): Promise<void> {
  const result = await deliveries.runOnce();
  if (result.deliveriesCreated || result.digestsComposed || result.delivered || result.failed)
    logger.info(result, 'notifications run');
}

/**
 * Delivery on pg-boss: a `short` queue (at most one run queued across every process), run by a
 * cron schedule each minute and nudged every `pollSeconds` by this process, so new events go out
 * within seconds and retries when due. Each run fans out and sends (see delivery.ts); runs may
 * overlap (fan-out rows are unique, each attempt is claimed), so a run left `active` by a killed
 * worker never holds back the next one (with `stately` it did, until it expired), and it expires
 * within the job timing's expiry.
 */
export async function startNotifyJobs(deps: {
  boss: PgBoss;
  deliveries: Deliveries;
  logger: Logger;
  /** Seconds between nudges (default 5); 0 turns the timer off (the cron schedule still runs). */
  pollSeconds?: number;
  pollingIntervalSeconds?: number;
  timing?: Readonly<JobTiming>;
}): Promise<NotifyJobs> {
  const { boss, deliveries, logger } = deps;
  await ensureQueue(boss, NOTIFY_QUEUE, {
    policy: 'short',
    retryLimit: 0,
    expireInSeconds: (deps.timing ?? DEFAULT_JOB_TIMING).expireInSeconds,
  });
  await boss.work(
    NOTIFY_QUEUE,
    deps.pollingIntervalSeconds === undefined ? {} : { pollingIntervalSeconds: deps.pollingIntervalSeconds },
    () => runDeliveryPass(deliveries, logger),
  );
  await boss.schedule(NOTIFY_QUEUE, '* * * * *');
  const nudge = async (): Promise<void> => {
    await boss.send(NOTIFY_QUEUE, {});
  };
  await nudge();
  const seconds = deps.pollSeconds ?? 5;
  const timer =
    seconds > 0
      ? setInterval(() => {
          nudge().catch((err: unknown) =>
            logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'notify nudge failed'),
          );
        }, seconds * 1000)
      : null;
  timer?.unref();
  return {
    nudge,
    stop: () => {
      if (timer) clearInterval(timer);
    },
  };
}
