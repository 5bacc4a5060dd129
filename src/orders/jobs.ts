import type PgBoss from 'pg-boss';
import { DEFAULT_JOB_TIMING, ensureQueue, type JobTiming } from '../jobs/boss.js';
import type { Logger } from '../kernel/log.js';
import { DUE_BATCH } from './due.js';
import type { OrderImporter } from './import.js';

export const ORDERS_DISPATCH_QUEUE = 'orders-dispatch';
export const ORDERS_IMPORT_QUEUE = 'orders-import';

/** The dispatcher queues an import at most once per connection per this many seconds. */
const DISPATCH_SLOT_SECONDS = 60;

/**
 * Queues one import job per connection whose import is due, a batch at a time (one read and one
 * insert per DUE_BATCH connections: pg-boss `insert`), and returns how many were due. A connection
 * gets at most one job per minute slot (singletonKey + singletonSeconds) and never a second one while
 * one is still waiting (the queue's `short` policy), so a backlog cannot grow past one waiting job per
 * connection however long the imports take.
 * @see https://github.com/timgit/pg-boss/blob/10.4.2/docs/readme.md (insert, queue policies)
 */
export async function dispatchOrderImports(
  boss: Pick<PgBoss, 'insert'>,
  importer: Pick<OrderImporter, 'dueBatch'>,
): Promise<number> {
  let due = 0;
  let after: string | null = null;
  for (;;) {
    const batch = await importer.dueBatch(after);
    if (batch.length > 0)
      await boss.insert(
        batch.map((connectionId) => ({
          name: ORDERS_IMPORT_QUEUE,
          data: { connectionId },
          singletonKey: connectionId,
          singletonSeconds: DISPATCH_SLOT_SECONDS,
        })),
      );
    due += batch.length;
    if (batch.length < DUE_BATCH) return due;
    after = batch[batch.length - 1]!;
  }
}

/**
 * One import job: imports a connection's orders for at most `budgetMs`, logs what changed, and
 * queues the follow-up at once when it ran out of time with pages to go.
 */
export async function runOrderImport(
  deps: { boss: PgBoss; importer: Pick<OrderImporter, 'importSome'>; logger: Logger; budgetMs: number },
  connectionId: string,
): Promise<void> {
  const outcome = await deps.importer.importSome(connectionId, { budgetMs: deps.budgetMs });
  if ((outcome.status === 'done' || outcome.status === 'partial') && outcome.ordersChanged > 0)
    deps.logger.info(
      { connectionId, pages: outcome.pages, changed: outcome.ordersChanged, status: outcome.status },
      'orders imported',
    );
  if (outcome.status === 'paused')
    deps.logger.info({ connectionId, reason: outcome.reason }, 'order import paused');
  if (outcome.status !== 'partial') return;
  // Out of time with pages to go: go on now (the lock makes a duplicate find it busy). Waiting
  // for a report or the usage plan less than the dispatcher's minute: go on when it is due.
  // The connection's key: with the queue's `short` policy a job already waiting for it is enough.
  if (outcome.retryAfterMs === null)
    await deps.boss.send(ORDERS_IMPORT_QUEUE, { connectionId }, { singletonKey: connectionId });
  else if (outcome.retryAfterMs < 60_000)
    await deps.boss.send(
      ORDERS_IMPORT_QUEUE,
      { connectionId },
      { singletonKey: connectionId, startAfter: Math.max(1, Math.ceil(outcome.retryAfterMs / 1000)) },
    );
}

/**
 * The order import on pg-boss: a cron schedule (every minute, deduplicated across processes by
 * pg-boss) runs the dispatcher, which queues one import job per connection that is due (one per
 * connection per minute slot: singletonKey + singletonSeconds; never two waiting: the `short` policy). Import jobs run on any worker; the
 * importer's try-lock keeps one run per connection at a time. Each job imports for at most the work
 * budget (an import waits on the usage plan, searchOrders refills one call per ~3 minutes, so a
 * big one takes hours) and saves its resume point with every page: a job that ran out of time
 * queues its follow-up at once; one that waits for the plan, one killed with its worker (expired
 * and retried, or found by the next dispatch) goes on at the next page.
 */
export async function startOrderJobs(deps: {
  boss: PgBoss;
  importer: OrderImporter;
  logger: Logger;
  /** Concurrent imports in this process (different connections). */
  concurrency?: number;
  /** Poll interval for new jobs, seconds (pg-boss default 2). */
  pollingIntervalSeconds?: number;
  timing?: Readonly<JobTiming>;
}): Promise<{ dispatch(): Promise<number> }> {
  const { boss, importer, logger } = deps;
  const timing = deps.timing ?? DEFAULT_JOB_TIMING;
  await ensureQueue(boss, ORDERS_DISPATCH_QUEUE, {
    retryLimit: 0,
    expireInSeconds: timing.expireInSeconds,
  });
  // `short`: at most one waiting (created) job per singletonKey, i.e. per connection.
  await ensureQueue(boss, ORDERS_IMPORT_QUEUE, {
    policy: 'short',
    retryLimit: 5,
    retryDelay: 30,
    retryBackoff: true,
    expireInSeconds: timing.expireInSeconds,
  });

  const dispatch = (): Promise<number> => dispatchOrderImports(boss, importer);

  const polling =
    deps.pollingIntervalSeconds === undefined ? {} : { pollingIntervalSeconds: deps.pollingIntervalSeconds };
  await boss.work(ORDERS_DISPATCH_QUEUE, polling, async () => {
    const queued = await dispatch();
    if (queued > 0) logger.debug({ queued }, 'order imports queued');
  });
  const importDeps = { boss, importer, logger, budgetMs: timing.workBudgetMs };
  for (let i = 0; i < (deps.concurrency ?? 2); i++) {
    await boss.work<{ connectionId: string }>(ORDERS_IMPORT_QUEUE, polling, async ([job]) => {
      if (job) await runOrderImport(importDeps, job.data.connectionId);
    });
  }
  await boss.schedule(ORDERS_DISPATCH_QUEUE, '* * * * *');
  await boss.send(ORDERS_DISPATCH_QUEUE, {});
  return { dispatch };
}
