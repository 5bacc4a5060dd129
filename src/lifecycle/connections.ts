import { sql, type Kysely, type Selectable, type Updateable } from 'kysely';
import type { AuditEntry, AuditLog } from '../connections/audit.js';
import { recordEvent, type EventType } from '../events/events.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import { randomUuid, type Random } from '../kernel/random.js';
import type { Secret } from '../kernel/secret.js';
import type { ConnectionsTable, ConnectionState, Database, RegionCode } from '../store/schema.js';
import { sealRefreshToken } from '../broker/sealing.js';
import type { Vault } from '../vault/envelope.js';
import { connectionPeriodKey, periodOf, recordConnectionEvent } from './event-keys.js';
import { createConnectionRecords } from './connection-records.js';

const DAY = 86_400_000;

export type { Participations } from '../amazon/operations.js';
import type { Participations } from '../amazon/operations.js';

/** What a claim check concluded, as stored on the connection (connections/claims.ts). */
export interface ClaimRecord {
  status: 'confirmed' | 'unconfirmed';
  /** Why the seller id could not be confirmed. */
  note: string | null;
  /** What Amazon's answer contradicts among the seller's other connections. */
  mismatch: string | null;
}

/** Who made a change, for the audit log. */
export interface Actor {
  userId: string | null;
  label: string;
  ip: string | null;
}

/** What changed, told after commit to whoever wants to react at once (e.g. drain listings after renewal). */
export interface ConnectionChange {
  type: 'connected' | 'renewed' | 'disconnected' | 'revoked' | 'expired' | 'error' | 'recovered';
  connectionId: string;
  accountId: string;
}

export interface ConnectionLifecycleDeps {
  db: Kysely<Database>;
  clock: Clock;
  vault: Vault;
  random: Random;
  audit: AuditLog;
  logger: Logger;
  /** Called after commit; a nudge only (the durable record is the event in the same transaction). */
  onChange?: (change: ConnectionChange) => void;
}

type Row = Selectable<ConnectionsTable>;

/**
 * The one writer of the `connections` table. Each transition changes the row, appends its audit
 * entry and records its event in one transaction, so a crash right after commit loses nothing and a
 * crash before it leaves no trace. States: active → (expiring, by time) → expired; revoked;
 * error ⇄ active; any → disconnected; any → active on renewal.
 */
export function createConnectionLifecycle(deps: ConnectionLifecycleDeps) {
  const { db, clock } = deps;
  const now = (): Date => new Date(clock.now());
  const changed = (change: ConnectionChange): void => {
    try {
      deps.onChange?.(change);
    } catch (err) {
      deps.logger.error({ err: (err as Error).message }, 'connection change hook failed');
    }
  };
  /** Runs `fn` in a transaction, or inside the one `q` already is. */
  const inTransaction = <T>(q: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> =>
    q.isTransaction ? fn(q) : q.transaction().execute(fn);
  const records = createConnectionRecords(deps);

  /**
   * Flags a fresh authorization for operator review when another account holds a live connection of
   * the same application + seller + region, or Amazon's answer contradicts the seller's other
   * connections: an audit entry on each connection involved and `connection.claim_review` for the
   * operators (once per authorization period), in the transaction of the authorization.
   */
  const flagForReview = async (
    trx: Kysely<Database>,
    row: Row,
    claim: ClaimRecord,
    actor: Actor,
    at: Date,
  ): Promise<void> => {
    const others = await trx
      .selectFrom('connections')
      .select(['id', 'account_id', 'claim_status'])
      .where('application_id', '=', row.application_id)
      .where('selling_partner_id', '=', row.selling_partner_id)
      .where('region', '=', row.region)
      .where('account_id', '!=', row.account_id)
      .where('state', '!=', 'disconnected')
      .where('refresh_token_blob', 'is not', null)
      .orderBy('created_at')
      .execute();
    if (others.length === 0 && claim.mismatch === null) return;
    const reasons = [
      others.length
        ? `Seller ${row.selling_partner_id} (${row.region}) is also connected to ${others.length === 1 ? 'another account' : `${others.length} other accounts`} through this application; this claim was ${claim.status === 'confirmed' ? 'confirmed' : 'not confirmed'} by Amazon.`
        : '',
      claim.mismatch ?? '',
    ].filter(Boolean);
    const reason = reasons.join(' ');
    await deps.audit.record(
      {
        accountId: row.account_id,
        connectionId: row.id,
        actorUserId: actor.userId,
        actor: actor.label,
        action: 'connection.claim_review',
        outcome: 'success',
        detail: { reason: `Flagged for operator review: ${reason}`, claim: claim.status },
        ip: actor.ip,
      },
      trx,
    );
    for (const other of others) {
      await deps.audit.record(
        {
          accountId: other.account_id,
          connectionId: other.id,
          actor: 'system',
          action: 'connection.claim_review',
          outcome: 'success',
          detail: {
            reason: `Flagged for operator review: another account connected seller ${row.selling_partner_id} (${row.region}) through this application.`,
          },
        },
        trx,
      );
    }
    // For the operators only: no account or connection on the event, so no account is told about another.
    await recordEvent(trx, {
      type: 'connection.claim_review',
      at,
      applicationId: row.application_id,
      payload: {
        sellingPartnerId: row.selling_partner_id,
        region: row.region,
        reason,
        connections: [
          { id: row.id, accountId: row.account_id, claim: claim.status, flaggedBy: 'this authorization' },
          ...others.map((o) => ({ id: o.id, accountId: o.account_id, claim: o.claim_status })),
        ],
      },
      dedupeKey: connectionPeriodKey('connection.claim_review', row.id, periodOf(row)),
    });
  };

  /**
   * One state change inside `trx`: the row's new values, its audit entry and its event, together.
   * `onlyFrom` (and `endedBy`) guard a change that must not happen twice; null when the row is not
   * in a state it may leave.
   */
  const applyTransition = async (
    trx: Kysely<Database>,
    id: string,
    at: Date,
    t: {
      set: Updateable<ConnectionsTable>;
      onlyFrom?: readonly ConnectionState[];
      endedBy?: Date;
      audit?: (row: Row) => Omit<AuditEntry, 'accountId' | 'connectionId'>;
      event: { type: EventType; detail: Record<string, unknown>; dedupeKey?: string };
    },
  ): Promise<Row | null> => {
    let update = trx
      .updateTable('connections')
      .set({ ...t.set, state_changed_at: at, updated_at: at })
      .where('id', '=', id);
    if (t.onlyFrom) update = update.where('state', 'in', t.onlyFrom);
    if (t.endedBy) update = update.where('expires_at', '<=', t.endedBy);
    const row = await update.returningAll().executeTakeFirst();
    if (!row) return null;
    if (t.audit)
      await deps.audit.record({ ...t.audit(row), accountId: row.account_id, connectionId: id }, trx);
    await recordConnectionEvent(trx, row, t.event.type, at, t.event.detail, t.event.dedupeKey);
    return row;
  };

  /** Moves one connection past its end to `expired` (audit and event in one transaction); false if it is not due. */
  const expire = async (id: string): Promise<boolean> => {
    const at = now();
    const ended = 'Amazon ended the authorization after its 365 days.';
    const row = await db.transaction().execute((trx) =>
      applyTransition(trx, id, at, {
        set: { state: 'expired', state_reason: ended },
        onlyFrom: ['active', 'expiring', 'error'],
        endedBy: at,
        audit: (r) => ({
          actor: 'system',
          action: 'connection.expired',
          outcome: 'success',
          detail: { expiresAt: r.expires_at?.toISOString() ?? null },
        }),
        event: { type: 'connection.expired', detail: { reason: ended, state: 'expired' } },
      }),
    );
    if (!row) return false;
    changed({ type: 'expired', connectionId: id, accountId: row.account_id });
    return true;
  };

  return {
    /**
     * Stores a fresh authorization: the same application + selling partner + region updates its
     * existing connection (a renewal: new sealed token, new expiry, back to active), otherwise a new
     * connection is created. Audit entry and `connection.connected`/`.renewed` in the same transaction.
     */
    async authorize(input: {
      accountId: string;
      applicationId: string;
      sellingPartnerId: string;
      region: RegionCode;
      kind: 'oauth' | 'self';
      refreshToken: Secret;
      /** null: the authorization does not expire. */
      expiresInDays: number | null;
      participations: Participations | null;
      /** What Amazon's answers for the new token said about the claimed seller id (connections/claims.ts). */
      claim: ClaimRecord;
      actor: Actor;
    }): Promise<{ row: Row; renewed: boolean }> {
      const at = now();
      const expiresAt =
        input.expiresInDays === null ? null : new Date(at.getTime() + input.expiresInDays * DAY);
      const result = await db.transaction().execute(async (trx) => {
        // One connection per application + seller + region *per account*: another account's claim
        // on the same seller never blocks this one (both are flagged for review below).
        const existing = await trx
          .selectFrom('connections')
          .select(['id', 'state', 'marketplace_ids', 'store_name'])
          .where('application_id', '=', input.applicationId)
          .where('selling_partner_id', '=', input.sellingPartnerId)
          .where('region', '=', input.region)
          .where('account_id', '=', input.accountId)
          .forUpdate()
          .executeTakeFirst();
        const id = existing?.id ?? randomUuid(deps.random);
        const sealed = sealRefreshToken(deps.vault, id, input.refreshToken);
        const values = {
          account_id: input.accountId,
          kind: input.kind,
          refresh_token_key_id: sealed.keyId,
          refresh_token_blob: sealed.blob,
          authorized_at: at,
          expires_at: expiresAt,
          state: 'active' as const,
          state_reason: existing ? 'renewed' : 'connected',
          state_changed_at: at,
          marketplace_ids: JSON.stringify(
            input.participations?.marketplaceIds ?? existing?.marketplace_ids ?? [],
          ),
          store_name: input.participations?.storeName ?? existing?.store_name ?? null,
          last_success_at: input.participations ? at : null,
          last_error_code: null,
          last_error_message: null,
          last_error_at: null,
          consecutive_failures: 0,
          claim_status: input.claim.status,
          claim_checked_at: at,
          claim_note: input.claim.note,
          claim_mismatch: input.claim.mismatch,
          updated_at: at,
        };
        const row = existing
          ? await trx
              .updateTable('connections')
              .set(values)
              .where('id', '=', id)
              .returningAll()
              .executeTakeFirstOrThrow()
          : await trx
              .insertInto('connections')
              .values({
                id,
                application_id: input.applicationId,
                selling_partner_id: input.sellingPartnerId,
                region: input.region,
                created_at: at,
                ...values,
              })
              .returningAll()
              .executeTakeFirstOrThrow();
        const type = existing ? 'connection.renewed' : 'connection.connected';
        await deps.audit.record(
          {
            accountId: input.accountId,
            connectionId: id,
            actorUserId: input.actor.userId,
            actor: input.actor.label,
            action: type,
            outcome: 'success',
            detail: {
              kind: input.kind,
              region: input.region,
              sellingPartnerId: input.sellingPartnerId,
              previousState: existing?.state ?? null,
              expiresAt: expiresAt?.toISOString() ?? null,
              marketplaces: input.participations?.marketplaceIds.length ?? null,
              claim: input.claim.status,
            },
            ip: input.actor.ip,
          },
          trx,
        );
        await recordConnectionEvent(trx, row, type, at, { previousState: existing?.state ?? null });
        await flagForReview(trx, row, input.claim, input.actor, at);
        return { row, renewed: Boolean(existing) };
      });
      changed({
        type: result.renewed ? 'renewed' : 'connected',
        connectionId: result.row.id,
        accountId: result.row.account_id,
      });
      return result;
    },

    /** Disconnects: deletes the sealed refresh token; audit and `connection.disconnected` in one transaction. */
    async disconnect(id: string, actor: Actor & { username: string }): Promise<Row> {
      const at = now();
      const row = await db.transaction().execute(async (trx) => {
        const before = await trx
          .selectFrom('connections')
          .select(['state'])
          .where('id', '=', id)
          .forUpdate()
          .executeTakeFirstOrThrow();
        const next = await applyTransition(trx, id, at, {
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
      changed({ type: 'disconnected', connectionId: id, accountId: row.account_id });
      return row;
    },

    /**
     * Amazon refused the refresh token (invalid_grant): the connection is revoked, or expired when
     * past its end. Audit and event in the transaction. Returns the new state and its reason.
     */
    async markDead(
      q: Kysely<Database>,
      id: string,
      amazon: { code: string; message: string | null },
    ): Promise<{ state: 'revoked' | 'expired'; reason: string }> {
      const at = now();
      const result = await inTransaction(q, async (trx) => {
        const before = await trx
          .selectFrom('connections')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        const state: 'revoked' | 'expired' =
          before.expires_at && before.expires_at.getTime() <= at.getTime() ? 'expired' : 'revoked';
        const reason =
          state === 'expired'
            ? 'Amazon ended the authorization after its 365 days.'
            : 'Amazon no longer accepts this authorization (the seller removed the app, or access changed).';
        const row = (await applyTransition(trx, id, at, {
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
      changed({ type: result.state, connectionId: id, accountId: result.accountId });
      return { state: result.state, reason: result.reason };
    },

    /**
     * A transient failure to refresh (or call): counted; after `errorAfter` in a row the connection
     * shows `error` (paused by Amazon) and `connection.error` is recorded once for the incident.
     */
    async recordFailure(
      q: Kysely<Database>,
      id: string,
      failure: { code: string; message: string },
      errorAfter: number,
    ): Promise<void> {
      const at = now();
      // The next success is written at once (not held back by the once-a-minute throttle).
      records.forgetSuccess(id);
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
        const next = await applyTransition(trx, id, at, {
          set: { state: 'error', state_reason: `${errorAfter} failed calls in a row (${failure.code})` },
          onlyFrom: ['active'],
          event: {
            type: 'connection.error',
            detail: { reason: failure.message, code: failure.code },
            dedupeKey: `connection.error:${id}:${at.toISOString()}`,
          },
        });
        return next;
      });
      if (entered) changed({ type: 'error', connectionId: id, accountId: entered.account_id });
    },

    /** A refresh or call worked: failures reset, and an `error` connection is active again. */
    async recordRecovered(q: Kysely<Database>, id: string): Promise<void> {
      const at = now();
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
      if (rows[0]) changed({ type: 'recovered', connectionId: id, accountId: rows[0].account_id });
    },

    /**
     * Moves connections past their end to `expired`, each with its audit entry and
     * `connection.expired` in one transaction. Returns how many moved.
     */
    async expireDue(): Promise<number> {
      const due = await db
        .selectFrom('connections')
        .select('id')
        .where('state', 'in', ['active', 'expiring', 'error'])
        .where('expires_at', '<=', now())
        .execute();
      let moved = 0;
      for (const { id } of due) if (await expire(id)) moved++;
      return moved;
    },

    expire,

    ...records,
  };
}

export type ConnectionLifecycle = ReturnType<typeof createConnectionLifecycle>;
