import type { Kysely } from 'kysely';
import type { Participations } from '../amazon/operations.js';
import { sealRefreshToken } from '../broker/sealing.js';
import { recordEvent } from '../events/events.js';
import { randomUuid } from '../kernel/random.js';
import type { Secret } from '../kernel/secret.js';
import type { AmazonApi, Database, RegionCode } from '../store/schema.js';
import type { Sealed } from '../vault/envelope.js';
import type { Actor, ClaimRecord, ConnectionRow, LifecycleContext } from './connection-context.js';
import { connectionPeriodKey, periodOf, recordConnectionEvent } from './event-keys.js';

/**
 * Storing a fresh authorization (connect or renew) and flagging a contested seller claim for
 * operator review, in one transaction with the audit entries and events.
 */

const DAY = 86_400_000;

/** A fresh authorization to store (OAuth callback, self-authorization import). */
export interface AuthorizationInput {
  /** Default `sp_api`; an Ads connection gives `ADS_ADVERTISER_KEY` as its seller id. */
  api?: AmazonApi;
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
}

/** This account's existing connection of the same application + seller + region (locked), if any. */
type Existing = Pick<ConnectionRow, 'id' | 'state' | 'marketplace_ids' | 'store_name'>;

/**
 * Stores a fresh authorization: the same application + selling partner + region updates its
 * existing connection (a renewal: new sealed token, new expiry, back to active), otherwise a new
 * connection is created. Audit entry and `connection.connected`/`.renewed` in the same transaction.
 */
export async function authorizeConnection(
  ctx: LifecycleContext,
  input: AuthorizationInput,
): Promise<{ row: ConnectionRow; renewed: boolean }> {
  const at = ctx.now();
  const expiresAt = input.expiresInDays === null ? null : new Date(at.getTime() + input.expiresInDays * DAY);
  const result = await ctx.deps.db
    .transaction()
    .execute((trx) => storeAuthorization(ctx, trx, input, at, expiresAt));
  ctx.changed({
    type: result.renewed ? 'renewed' : 'connected',
    connectionId: result.row.id,
    accountId: result.row.account_id,
  });
  return result;
}

/** The transaction of `authorizeConnection`: row, audit entry, event and review flag. */
async function storeAuthorization(
  ctx: LifecycleContext,
  trx: Kysely<Database>,
  input: AuthorizationInput,
  at: Date,
  expiresAt: Date | null,
): Promise<{ row: ConnectionRow; renewed: boolean }> {
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
  const id = existing?.id ?? randomUuid(ctx.deps.random);
  const sealed = sealRefreshToken(ctx.deps.vault, id, input.refreshToken);
  const values = authorizationValues(input, existing, sealed, at, expiresAt);
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
          api: input.api ?? 'sp_api',
          application_id: input.applicationId,
          selling_partner_id: input.sellingPartnerId,
          region: input.region,
          created_at: at,
          ...values,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
  const type = existing ? 'connection.renewed' : 'connection.connected';
  await ctx.deps.audit.record(
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
  // Ads connections share one advertiser key per region: no seller claim to review.
  if (row.api !== 'ads') await flagForReview(ctx, trx, row, input.claim, input.actor, at);
  return { row, renewed: Boolean(existing) };
}

/**
 * The row values of a fresh authorization: active from `at`, failures cleared, the claim as checked,
 * and the marketplaces Amazon listed (else the ones the row had).
 */
export function authorizationValues(
  input: AuthorizationInput,
  existing: Existing | undefined,
  sealed: Sealed,
  at: Date,
  expiresAt: Date | null,
) {
  return {
    account_id: input.accountId,
    kind: input.kind,
    refresh_token_key_id: sealed.keyId,
    refresh_token_blob: sealed.blob,
    authorized_at: at,
    expires_at: expiresAt,
    state: 'active' as const,
    state_reason: existing ? 'renewed' : 'connected',
    state_changed_at: at,
    marketplace_ids: JSON.stringify(input.participations?.marketplaceIds ?? existing?.marketplace_ids ?? []),
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
}

/** Another account's live connection of the same application + seller + region. */
type OtherHolder = Pick<ConnectionRow, 'id' | 'account_id' | 'claim_status'>;

/** Why a fresh authorization goes to operator review, or null when it does not. */
export function reviewReason(
  row: Pick<ConnectionRow, 'selling_partner_id' | 'region'>,
  claim: ClaimRecord,
  others: number,
): string | null {
  if (others === 0 && claim.mismatch === null) return null;
  return [
    others
      ? `Seller ${row.selling_partner_id} (${row.region}) is also connected to ${others === 1 ? 'another account' : `${others} other accounts`} through this application; this claim was ${claim.status === 'confirmed' ? 'confirmed' : 'not confirmed'} by Amazon.`
      : '',
    claim.mismatch ?? '',
  ]
    .filter(Boolean)
    .join(' ');
}

/**
 * Flags a fresh authorization for operator review when another account holds a live connection of
 * the same application + seller + region, or Amazon's answer contradicts the seller's other
 * connections: an audit entry on each connection involved and `connection.claim_review` for the
 * operators (once per authorization period), in the transaction of the authorization.
 */
export async function flagForReview(
  ctx: LifecycleContext,
  trx: Kysely<Database>,
  row: ConnectionRow,
  claim: ClaimRecord,
  actor: Actor,
  at: Date,
): Promise<void> {
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
  const reason = reviewReason(row, claim, others.length);
  if (reason === null) return;
  await auditReview(ctx, trx, row, others, { reason, claim, actor });
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
}

/** The review's audit entries: one on the new authorization, one on each other holder's connection. */
async function auditReview(
  ctx: LifecycleContext,
  trx: Kysely<Database>,
  row: ConnectionRow,
  others: readonly OtherHolder[],
  review: { reason: string; claim: ClaimRecord; actor: Actor },
): Promise<void> {
  await ctx.deps.audit.record(
    {
      accountId: row.account_id,
      connectionId: row.id,
      actorUserId: review.actor.userId,
      actor: review.actor.label,
      action: 'connection.claim_review',
      outcome: 'success',
      detail: { reason: `Flagged for operator review: ${review.reason}`, claim: review.claim.status },
      ip: review.actor.ip,
    },
    trx,
  );
  for (const other of others) {
    await ctx.deps.audit.record(
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
}
