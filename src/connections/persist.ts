import type { Secret } from '../kernel/secret.js';
import { randomUuid } from '../kernel/random.js';
import type { RegionCode } from '../store/schema.js';
import { sealRefreshToken } from '../tokens/sealing.js';
import type { ConnectionsDeps } from './context.js';
import type { Participations } from './participations.js';
import { toConnection, type Connection } from './repository.js';
import { deriveState } from './status.js';

const DAY = 86_400_000;

/**
 * Stores a fresh authorization: the same application + selling partner + region updates its
 * existing connection (a renewal: new sealed token, new expiry, back to active), otherwise a new
 * connection is created. Audit entry in the same transaction; the event after commit.
 */
export async function storeAuthorization(
  deps: ConnectionsDeps,
  input: {
    accountId: string;
    applicationId: string;
    sellingPartnerId: string;
    region: RegionCode;
    kind: 'oauth' | 'self';
    refreshToken: Secret;
    /** null: the authorization does not expire. */
    expiresInDays: number | null;
    participations: Participations | null;
    participationsError: string | null;
    actor: { userId: string | null; label: string; ip: string | null };
  },
): Promise<Connection> {
  const now = deps.clock.now();
  const expiresAt = input.expiresInDays === null ? null : new Date(now + input.expiresInDays * DAY);
  const result = await deps.db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom('connections')
      .select(['id', 'state', 'marketplace_ids', 'store_name'])
      .where('application_id', '=', input.applicationId)
      .where('selling_partner_id', '=', input.sellingPartnerId)
      .where('region', '=', input.region)
      .forUpdate()
      .executeTakeFirst();
    const id = existing?.id ?? randomUuid(deps.random);
    const sealed = sealRefreshToken(deps.vault, id, input.refreshToken);
    const values = {
      account_id: input.accountId,
      kind: input.kind,
      refresh_token_key_id: sealed.keyId,
      refresh_token_blob: sealed.blob,
      authorized_at: new Date(now),
      expires_at: expiresAt,
      state: deriveState('active', expiresAt, now),
      state_reason: existing ? 'renewed' : 'connected',
      state_changed_at: new Date(now),
      marketplace_ids: JSON.stringify(
        input.participations?.marketplaceIds ?? existing?.marketplace_ids ?? [],
      ),
      store_name: input.participations?.storeName ?? existing?.store_name ?? null,
      last_success_at: input.participations ? new Date(now) : null,
      last_error_code: input.participationsError ? 'MARKETPLACES_UNAVAILABLE' : null,
      last_error_message: input.participationsError
        ? 'Connected, but the list of marketplaces could not be fetched yet; it is retried on the next health check.'
        : null,
      last_error_at: input.participationsError ? new Date(now) : null,
      consecutive_failures: 0,
      updated_at: new Date(now),
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
            created_at: new Date(now),
            ...values,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
    await deps.audit.record(
      {
        accountId: input.accountId,
        connectionId: id,
        actorUserId: input.actor.userId,
        actor: input.actor.label,
        action: existing ? 'connection.renewed' : 'connection.connected',
        outcome: 'success',
        detail: {
          kind: input.kind,
          region: input.region,
          sellingPartnerId: input.sellingPartnerId,
          previousState: existing?.state ?? null,
          expiresAt: expiresAt?.toISOString() ?? null,
          marketplaces: input.participations?.marketplaceIds.length ?? null,
        },
        ip: input.actor.ip,
      },
      trx,
    );
    return { row, renewed: Boolean(existing) };
  });
  const connection = toConnection(result.row);
  deps.onEvent?.({
    type: result.renewed ? 'connection.renewed' : 'connection.connected',
    connectionId: connection.id,
    accountId: connection.accountId,
    at: new Date(now),
  });
  return connection;
}
