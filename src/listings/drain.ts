import { selectConnections, healthOfConnection, toConnection } from '../connections/repository.js';
import {
  drainContext,
  nowOf,
  type DrainContext,
  type DrainReport,
  type ListingDrainerDeps,
} from './drain-context.js';
import { dueChanges, isDue, markInterrupted, setQueuedState } from './drain-rows.js';
import { deliver } from './drain-send.js';

export type { DrainReport, ListingDrainerDeps } from './drain-context.js';

/** What a drain may do this time (the job system bounds each run). */
export interface DrainOptions {
  /** Start no new send after this many ms (a call already started is finished). Default: no limit. */
  budgetMs?: number;
}

/**
 * Delivers a connection's outbox to Amazon, one drainer per connection across processes
 * (`store.withLock('listings:<id>')`), at the usage-plan bound (the SP-API client's shared limiter
 * waits instead of being throttled).
 *
 * Never lost: every change is sent, in `seq` order for its SKU; no change replaces an earlier one
 * before it is sent, so a later change that Amazon refuses never costs an earlier valid one (Amazon
 * applies each accepted submission in turn, so the last accepted one decides). A change that Amazon
 * failed transiently (5xx, network, timeout) backs off on its own (`next_attempt_at`): later changes
 * of its SKU wait with it, other SKUs go on; it is retried for `retryWindowMs` from its first
 * failure in a row before it fails for good (drain-outcomes.ts).
 *
 * Send once: a change is marked `sending` in a committed write before its call and gets its result
 * in one transaction with its event. A change found `sending` when a drainer takes the lock was
 * interrupted (its drainer died: the lock is only released when it finishes or its process ends);
 * like a change whose call failed ambiguously (timeout, network, 5xx after retries) it is marked
 * `uncertain` and read back (readback.ts) before it is sent again (drain-send.ts).
 */
export function createListingDrainer(deps: ListingDrainerDeps) {
  const ctx = drainContext(deps);
  return {
    /**
     * Delivers due changes of one connection (see above); safe to call from any process. With a
     * budget it starts no send after `budgetMs` and reports what is left for its follow-up.
     */
    drain(connectionId: string, options: DrainOptions = {}): Promise<DrainReport> {
      const deadline = options.budgetMs === undefined ? Infinity : ctx.clock.now() + options.budgetMs;
      return ctx.store.withLock(`listings:${connectionId}`, () =>
        drainConnection(ctx, connectionId, deadline),
      );
    },
    /**
     * Connections with changes to deliver now: queued ones that are due, interrupted ones, and
     * waiting ones whose connection can call Amazon again (renewed). The periodic sweep drains these.
     */
    pendingConnections: () => pendingConnections(ctx),
  };
}

export type ListingDrainer = ReturnType<typeof createListingDrainer>;

/** One drain of a connection (the caller holds its lock): send due changes until done, stopped or out of time. */
export async function drainConnection(
  ctx: DrainContext,
  connectionId: string,
  deadline: number,
): Promise<DrainReport> {
  const report: DrainReport = { finished: 0, remaining: 0, waiting: false, retryAfterMs: null };
  const found = await healthOfConnection(ctx.store.db, connectionId, ctx.clock.now());
  if (!found) return report;
  const { connection } = found;
  await markInterrupted(ctx, connectionId);
  // The connection's health (lifecycle/health.ts) decides: no call is made while it cannot work.
  if (!connection.health.canCallAmazon) {
    await setQueuedState(
      ctx,
      connectionId,
      ['queued'],
      'waiting',
      `waiting: ${connection.health.label.toLowerCase()}; sent when it works again`,
    );
    report.waiting = true;
    return report;
  }
  await setQueuedState(ctx, connectionId, ['waiting'], 'queued', null);
  await sendDue(ctx, connectionId, connection.sellingPartnerId, deadline, report);
  if (report.waiting) return report;
  return remainingWork(ctx, connectionId, report);
}

/** Sends due changes one at a time, oldest first, up to the batch limit and the deadline. */
export async function sendDue(
  ctx: DrainContext,
  connectionId: string,
  sellerId: string,
  deadline: number,
  report: DrainReport,
): Promise<void> {
  for (let tried = 0; tried < ctx.batchLimit && ctx.clock.now() < deadline; tried++) {
    const row = await dueChanges(ctx, connectionId, nowOf(ctx))
      .selectAll()
      .orderBy('seq')
      .limit(1)
      .executeTakeFirst();
    if (!row) return;
    const step = await deliver(ctx, sellerId, row);
    if (step.next === 'stop') {
      Object.assign(report, step.report);
      return;
    }
    if (step.next === 'done') report.finished++;
  }
}

/** Completes the report: changes still due now, or else when the next backed-off one is due. */
export async function remainingWork(
  ctx: DrainContext,
  connectionId: string,
  report: DrainReport,
): Promise<DrainReport> {
  const db = ctx.store.db;
  const at = nowOf(ctx);
  const left = await dueChanges(ctx, connectionId, at)
    .select(db.fn.countAll<string | number>().as('n'))
    .executeTakeFirstOrThrow();
  report.remaining = Number(left.n);
  if (report.remaining === 0 && report.retryAfterMs === null) {
    const next = await db
      .selectFrom('listing_changes')
      .select(db.fn.min('next_attempt_at').as('at'))
      .where('connection_id', '=', connectionId)
      .where('state', '=', 'queued')
      .executeTakeFirstOrThrow();
    if (next.at !== null) report.retryAfterMs = Math.max(0, new Date(next.at).getTime() - at.getTime());
  }
  return report;
}

/** Connections with changes to deliver now (see ListingDrainer.pendingConnections). */
export async function pendingConnections(ctx: Pick<DrainContext, 'store' | 'clock'>): Promise<string[]> {
  const at = nowOf(ctx);
  const rows = await selectConnections(ctx.store.db)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('listing_changes')
          .select('listing_changes.id')
          .whereRef('listing_changes.connection_id', '=', 'connections.id')
          .where((w) => w.or([w('listing_changes.state', 'in', ['waiting', 'sending']), isDue(at)])),
      ),
    )
    .execute();
  return rows
    .map((r) => toConnection(r, at.getTime()))
    .filter((c) => c.health.canCallAmazon)
    .map((c) => c.id);
}
