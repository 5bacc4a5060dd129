import { expressionBuilder, sql } from 'kysely';
import { recordEvent } from '../events/events.js';
import type { Database } from '../store/schema.js';
import { nowOf, type DrainContext, type Row } from './drain-context.js';
import type { ChangeState, ListingIssue } from './model.js';

/** The outbox writes of a drain: state changes of `listing_changes` rows, and final results with their events. */

/** Queued changes that may go now: due, and the oldest open change of their SKU. */
export function isDue(at: Date) {
  return expressionBuilder<Database, 'listing_changes'>().and([
    sql<boolean>`listing_changes.state = 'queued'`,
    sql<boolean>`(listing_changes.next_attempt_at is null or listing_changes.next_attempt_at <= ${at})`,
    sql<boolean>`not exists (select 1 from listing_changes e
        where e.connection_id = listing_changes.connection_id and e.sku = listing_changes.sku
          and e.seq < listing_changes.seq and e.state in ('queued', 'waiting', 'sending'))`,
  ]);
}

/** A connection's changes that may go now (see isDue). */
export function dueChanges(ctx: Pick<DrainContext, 'store'>, connectionId: string, at: Date) {
  return ctx.store.db
    .selectFrom('listing_changes')
    .where('connection_id', '=', connectionId)
    .where(isDue(at));
}

/** Moves a connection's changes in `from` states to `queued` or `waiting` (waiting for the connection). */
export async function setQueuedState(
  ctx: Pick<DrainContext, 'store' | 'clock'>,
  connectionId: string,
  from: ChangeState[],
  to: 'queued' | 'waiting',
  reason: string | null,
): Promise<void> {
  await ctx.store.db
    .updateTable('listing_changes')
    .set({
      state: to,
      state_reason: reason,
      updated_at: nowOf(ctx),
      // Time spent waiting for the connection is no failure of Amazon's: the retry window restarts.
      ...(to === 'waiting' ? { next_attempt_at: null, retrying_since: null } : {}),
    })
    .where('connection_id', '=', connectionId)
    .where('state', 'in', from)
    .execute();
}

/** Holding the drain lock: a `sending` change belongs to a drainer that died mid-call; it is read back before it goes again. */
export async function markInterrupted(
  ctx: Pick<DrainContext, 'store' | 'clock'>,
  connectionId: string,
): Promise<void> {
  await ctx.store.db
    .updateTable('listing_changes')
    .set({
      state: 'queued',
      uncertain: true,
      state_reason: 'an earlier send was interrupted; checked with Amazon before sending again',
      updated_at: nowOf(ctx),
    })
    .where('connection_id', '=', connectionId)
    .where('state', '=', 'sending')
    .execute();
}

/** A final result of a change. */
export interface ChangeResult {
  state: 'accepted' | 'rejected' | 'valid' | 'failed';
  amazonStatus: string | null;
  submissionId: string | null;
  issues: ListingIssue[];
  reason: string | null;
  error?: { code: string; message: string };
}

/** A change that failed for good before or without Amazon's verdict. */
export function failed(
  reason: string,
  error: { code: string; message: string },
  issues: ListingIssue[] = [],
): ChangeResult {
  return { state: 'failed', amazonStatus: null, submissionId: null, issues, reason, error };
}

/** Stores a final result and its event in one transaction (once: only from an open state). */
export async function finish(
  ctx: Pick<DrainContext, 'store' | 'clock'>,
  row: Row,
  result: ChangeResult,
): Promise<void> {
  const at = nowOf(ctx);
  await ctx.store.db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('listing_changes')
      .set({
        state: result.state,
        amazon_status: result.amazonStatus,
        submission_id: result.submissionId,
        issues: JSON.stringify(result.issues),
        state_reason: result.reason,
        error_code: result.error?.code ?? null,
        error_message: result.error?.message ?? null,
        uncertain: false,
        next_attempt_at: null,
        finished_at: at,
        updated_at: at,
      })
      .where('id', '=', row.id)
      .where('state', 'in', ['queued', 'sending'])
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0 || row.preview) return;
    await recordEvent(trx, {
      type: result.state === 'accepted' ? 'listing.accepted' : 'listing.rejected',
      at,
      accountId: row.account_id,
      connectionId: row.connection_id,
      payload: {
        changeId: row.id,
        sku: row.sku,
        marketplaceId: row.marketplace_id,
        kind: row.kind,
        status: result.amazonStatus,
        submissionId: result.submissionId,
        issues: result.issues,
        ...(result.error ? { error: result.error } : {}),
      },
      dedupeKey: `listing:${row.id}`,
    });
  });
}

/** Back to `queued` (from `sending`), to be sent again by a later drain. */
export async function requeue(
  ctx: Pick<DrainContext, 'store' | 'clock'>,
  row: Row,
  options: { uncertain: boolean; reason: string; nextAttemptAt?: Date; retryingSince?: Date },
): Promise<void> {
  await ctx.store.db
    .updateTable('listing_changes')
    .set({
      state: 'queued',
      uncertain: options.uncertain,
      state_reason: options.reason,
      updated_at: nowOf(ctx),
      ...(options.nextAttemptAt ? { next_attempt_at: options.nextAttemptAt } : {}),
      ...(options.retryingSince ? { retrying_since: options.retryingSince } : {}),
    })
    .where('id', '=', row.id)
    .where('state', 'in', ['queued', 'sending'])
    .execute();
}

/** Marks a queued change `sending` (committed before its call), or null when another drain took it. */
export async function claimForSending(
  ctx: Pick<DrainContext, 'store' | 'clock'>,
  row: Row,
): Promise<Row | null> {
  const at = nowOf(ctx);
  const claimed = await ctx.store.db
    .updateTable('listing_changes')
    .set({ state: 'sending', attempts: row.attempts + 1, sent_at: at, updated_at: at })
    .where('id', '=', row.id)
    .where('state', '=', 'queued')
    .returningAll()
    .executeTakeFirst();
  return claimed ?? null;
}

/** A `sending` change the broker refused before anything reached Amazon: back to `queued`. */
export async function unclaim(ctx: Pick<DrainContext, 'store' | 'clock'>, row: Row): Promise<void> {
  await ctx.store.db
    .updateTable('listing_changes')
    .set({ state: 'queued', updated_at: nowOf(ctx) })
    .where('id', '=', row.id)
    .where('state', '=', 'sending')
    .execute();
}
