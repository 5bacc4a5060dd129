import { sql, type Kysely, type Updateable } from 'kysely';
import type { AuditEntry } from '../connections/audit.js';
import type { EventType } from '../events/events.js';
import type { ConnectionsTable, ConnectionState, Database } from '../store/schema.js';
import {
  inTransaction,
  type ConnectionRow,
  type LifecycleContext,
  type Actor,
} from './connection-context.js';
import { recordConnectionEvent } from './event-keys.js';

/**
 * The connection transitions after authorization: expiry, disconnection, Amazon's refusal
 * (invalid_grant), transient failures and recovery. Each changes the row, writes its audit entry and
 * records its event in one transaction, then nudges `onChange` after commit.
 */

const ENDED = 'Amazon ended the authorization after its 365 days.';
const REVOKED =
  'Amazon no longer accepts this authorization (the seller removed the app, or access changed).';

/** One state change: the row's new values, its audit entry, its event, and the guards that keep it from happening twice. */
export interface Transition {
  set: Updateable<ConnectionsTable>;
  /** Only a row in one of these states may make the change. */
  onlyFrom?: readonly ConnectionState[];
  /** Only a row whose authorization ended by then may make the change. */
  endedBy?: Date;
  audit?: (row: ConnectionRow) => Omit<AuditEntry, 'accountId' | 'connectionId'>;
  event: { type: EventType; detail: Record<string, unknown>; dedupeKey?: string };
}

/**
 * One state change inside `trx`: the row's new values, its audit entry and its event, together.
 * Null when the guards (`onlyFrom`, `endedBy`) say the row may not make it.
 */
export async function applyTransition(
  ctx: LifecycleContext,
  trx: Kysely<Database>,
  id: string,
  at: Date,
  t: Transition,
): Promise<ConnectionRow | null> {
  let update = trx
    .updateTable('connections')
    .set({ ...t.set, state_changed_at: at, updated_at: at })
    .where('id', '=', id);
  if (t.onlyFrom) update = update.where('state', 'in', t.onlyFrom);
  if (t.endedBy) update = update.where('expires_at', '<=', t.endedBy);
  const row = await update.returningAll().executeTakeFirst();
  if (!row) return null;
  if (t.audit)
    await ctx.deps.audit.record({ ...t.audit(row), accountId: row.account_id, connectionId: id }, trx);
  await recordConnectionEvent(trx, row, t.event.type, at, t.event.detail, t.event.dedupeKey);
  return row;
}

/** Moves one connection past its end to `expired` (audit and event in one transaction); false if it is not due. */
export async function expireConnection(ctx: LifecycleContext, id: string): Promise<boolean> {
  const at = ctx.now();
  const row = await ctx.deps.db.transaction().execute((trx) =>
    applyTransition(ctx, trx, id, at, {
      set: { state: 'expired', state_reason: ENDED },
      onlyFrom: ['active', 'expiring', 'error'],
      endedBy: at,
      audit: (r) => ({
        actor: 'system',
        action: 'connection.expired',
        outcome: 'success',
        detail: { expiresAt: r.expires_at?.toISOString() ?? null },
      }),
      event: { type: 'connection.expired', detail: { reason: ENDED, state: 'expired' } },
    }),
  );
  if (!row) return false;
  ctx.changed({ type: 'expired', connectionId: id, accountId: row.account_id });
  return true;
}

/** Moves every connection past its end to `expired`, each in its own transaction. Returns how many moved. */
export async function expireDueConnections(ctx: LifecycleContext): Promise<number> {
  const due = await ctx.deps.db
    .selectFrom('connections')
    .select('id')
    .where('state', 'in', ['active', 'expiring', 'error'])
    .where('expires_at', '<=', ctx.now())
    .execute();
  let moved = 0;
  for (const { id } of due) if (await expireConnection(ctx, id)) moved++;
  return moved;
}

/** Disconnects: deletes the sealed refresh token; audit and `connection.disconnected` in one transaction. */
export async function disconnectConnection(
  ctx: LifecycleContext,
  id: string,
  actor: Actor & { username: string },
): Promise<ConnectionRow> {
  const at = ctx.now();
  const row = await ctx.deps.db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('connections')
      .select(['state'])
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const next = await applyTransition(ctx, trx, id, at, {
      set: {
        refresh_token_key_id: null,
        refresh_token_blob: null,
        state: 'disconnected',
        state_reason: `disconnected by ${actor.username}`,
      },
      audit: () => ({
        actorUserId: actor.userId,
        actor: actor.label,
        action: 'connection.disconnected',
        outcome: 'success',
        detail: { previousState: before.state },
        ip: actor.ip,
      }),
      event: { type: 'connection.disconnected', detail: { previousState: before.state } },
    });
    return next!;
  });
  ctx.changed({ type: 'disconnected', connectionId: id, accountId: row.account_id });
  return row;
}

/** What Amazon's refusal of a refresh token means: expired when past the authorization's end, else revoked. */
export function deadEnd(expiresAt: Date | null, at: Date): { state: 'revoked' | 'expired'; reason: string } {
  return expiresAt && expiresAt.getTime() <= at.getTime()
    ? { state: 'expired', reason: ENDED }
    : { state: 'revoked', reason: REVOKED };
}

/**
 * Amazon refused the refresh token (invalid_grant): the connection is revoked, or expired when
 * past its end. Audit and event in the transaction. Returns the new state and its reason.
 */
export async function markConnectionDead(
  ctx: LifecycleContext,
  q: Kysely<Database>,
  id: string,
  amazon: { code: string; message: string | null },
): Promise<{ state: 'revoked' | 'expired'; reason: string }> {
  const at = ctx.now();
  const result = await inTransaction(q, async (trx) => {
    const before = await trx
      .selectFrom('connections')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const { state, reason } = deadEnd(before.expires_at, at);
    const row = (await applyTransition(ctx, trx, id, at, {
      set: {
        state,
        state_reason: reason,
        last_error_code: amazon.code,
        last_error_message: reason,
        last_error_at: at,
      },
      audit: () => ({
        actor: 'system',
        action: `connection.${state}`,
        outcome: 'failure',
        detail: { reason, amazon: amazon.message },
      }),
      event: { type: `connection.${state}`, detail: { reason, state } },
    }))!;
    return { state, reason, accountId: row.account_id };
  });
  ctx.changed({ type: result.state, connectionId: id, accountId: result.accountId });
  return { state: result.state, reason: result.reason };
}

/**
 * A transient failure to refresh (or call): counted; after `errorAfter` in a row the connection
 * shows `error` (paused by Amazon) and `connection.error` is recorded once for the incident.
 */
export async function recordConnectionFailure(
  ctx: LifecycleContext,
  q: Kysely<Database>,
  id: string,
  failure: { code: string; message: string },
  errorAfter: number,
): Promise<void> {
  const at = ctx.now();
  // The next success is written at once (not held back by the once-a-minute throttle).
  ctx.records.forgetSuccess(id);
  const entered = await inTransaction(q, async (trx) => {
    const row = await trx
      .updateTable('connections')
      .set((eb) => ({
        consecutive_failures: eb('consecutive_failures', '+', 1),
        last_error_code: failure.code,
        last_error_message: failure.message,
        last_error_at: at,
      }))
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row || row.consecutive_failures < errorAfter || row.state !== 'active') return null;
    return applyTransition(ctx, trx, id, at, {
      set: { state: 'error', state_reason: `${errorAfter} failed calls in a row (${failure.code})` },
      onlyFrom: ['active'],
      event: {
        type: 'connection.error',
        detail: { reason: failure.message, code: failure.code },
        dedupeKey: `connection.error:${id}:${at.toISOString()}`,
      },
    });
  });
  if (entered) ctx.changed({ type: 'error', connectionId: id, accountId: entered.account_id });
}

/** A refresh or call worked: failures reset, and an `error` connection is active again. */
export async function recordConnectionRecovered(
  ctx: LifecycleContext,
  q: Kysely<Database>,
  id: string,
): Promise<void> {
  const at = ctx.now();
  const rows = await q
    .updateTable('connections')
    .set({
      consecutive_failures: 0,
      state: sql<ConnectionState>`case when state = 'error' then 'active' else state end`,
      state_reason: sql<string | null>`case when state = 'error' then 'recovered' else state_reason end`,
      state_changed_at: sql<Date>`case when state = 'error' then ${at} else state_changed_at end`,
    })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('consecutive_failures', '>', 0), eb('state', '=', 'error')]))
    .returning(['account_id'])
    .execute();
  if (rows[0]) ctx.changed({ type: 'recovered', connectionId: id, accountId: rows[0].account_id });
}
