import type { Kysely } from 'kysely';
import { AmazonError } from '../amazon/errors.js';
import type { LwaClient } from '../amazon/lwa.js';
import type { Applications } from '../connections/applications.js';
import type { AuditLog } from '../connections/audit.js';
import type { ConnectionEvent } from '../connections/context.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import type { Secret } from '../kernel/secret.js';
import type { Store } from '../store/database.js';
import type { ConnectionState, Database } from '../store/schema.js';
import type { Vault } from '../vault/envelope.js';
import { TokenError } from './errors.js';
import { openRefreshToken } from './sealing.js';

/** A usable access token for one connection. */
export interface AccessToken {
  token: Secret;
  expiresAt: Date;
  connectionId: string;
  sellingPartnerId: string;
  region: 'NA' | 'EU' | 'FE';
  applicationId: string;
}

export interface TokenBrokerDeps {
  store: Store;
  vault: Vault;
  clock: Clock;
  lwa: LwaClient;
  applications: Applications;
  audit: AuditLog;
  logger: Logger;
  /** Refresh this long before expiry (FACTS §2.2: Amazon's SDK uses 60 s). */
  marginMs?: number;
  /** Transient refresh failures in a row before the connection shows `error`. */
  errorAfterFailures?: number;
  onEvent?: (
    event:
      | ConnectionEvent
      | { type: 'application.rejected'; applicationId: string; at: Date; detail: Record<string, unknown> },
  ) => void;
}

const accessContext = (connectionId: string): string => `connection:${connectionId}:access_token`;

const FAIL_FAST: Partial<Record<ConnectionState, TokenError['code']>> = {
  revoked: 'TOKEN_CONNECTION_REVOKED',
  expired: 'TOKEN_CONNECTION_EXPIRED',
  disconnected: 'TOKEN_CONNECTION_DISCONNECTED',
};

/**
 * Mints LWA access tokens for connections. One refresh per connection however many callers ask:
 * single-flight inside the process, a database lock across processes with a re-read of the cached
 * row after taking it, tokens cached sealed in the database for every process, refreshed a margin
 * before expiry. A dead authorization (invalid_grant) moves the connection to revoked or expired
 * at once and every later call fails fast until it is renewed.
 */
export function createTokenBroker(deps: TokenBrokerDeps) {
  const margin = deps.marginMs ?? 60_000;
  const errorAfter = deps.errorAfterFailures ?? 5;
  const inFlight = new Map<string, Promise<AccessToken>>();
  const db = deps.store.db;

  const load = (q: Kysely<Database>, id: string) =>
    q
      .selectFrom('connections')
      .leftJoin('access_tokens', 'access_tokens.connection_id', 'connections.id')
      .select([
        'connections.id',
        'connections.state',
        'connections.expires_at',
        'connections.account_id',
        'connections.application_id',
        'connections.selling_partner_id',
        'connections.region',
        'connections.refresh_token_key_id',
        'connections.refresh_token_blob',
        'access_tokens.token_key_id',
        'access_tokens.token_blob',
        'access_tokens.expires_at as token_expires_at',
      ])
      .where('connections.id', '=', id)
      .executeTakeFirst();

  type Row = NonNullable<Awaited<ReturnType<typeof load>>>;

  const toAccess = (row: Row, token: Secret, expiresAt: Date): AccessToken => ({
    token,
    expiresAt,
    connectionId: row.id,
    sellingPartnerId: row.selling_partner_id,
    region: row.region,
    applicationId: row.application_id,
  });

  /** The cached token when it is still good for at least `margin`. */
  const cached = (row: Row): AccessToken | null => {
    if (!row.token_blob || !row.token_key_id || !row.token_expires_at) return null;
    if (row.token_expires_at.getTime() - margin <= deps.clock.now()) return null;
    try {
      const token = deps.vault.open({ keyId: row.token_key_id, blob: row.token_blob }, accessContext(row.id));
      return toAccess(row, token, row.token_expires_at);
    } catch {
      return null; // sealed with a key no longer configured: mint a new one
    }
  };

  const failFast = (row: Row | undefined, id: string): void => {
    if (!row) throw new TokenError('TOKEN_CONNECTION_NOT_FOUND', `no connection ${id}`);
    const code = FAIL_FAST[row.state];
    if (code) {
      throw new TokenError(code, `connection ${id} is ${row.state}: renew it to call Amazon again`, {
        details: { connectionId: id, state: row.state },
      });
    }
    if (!row.refresh_token_blob || !row.refresh_token_key_id) {
      throw new TokenError('TOKEN_CONNECTION_DISCONNECTED', `connection ${id} has no stored authorization`, {
        details: { connectionId: id },
      });
    }
  };

  /** Records a dead authorization: revoked, or expired when past its 365 days (FACTS §2.3, §3). */
  const markDead = async (q: Kysely<Database>, row: Row, err: AmazonError): Promise<ConnectionEvent> => {
    const now = deps.clock.now();
    const state: ConnectionState = row.expires_at && row.expires_at.getTime() <= now ? 'expired' : 'revoked';
    const reason =
      state === 'expired'
        ? 'Amazon ended the authorization after its 365 days.'
        : 'Amazon no longer accepts this authorization (the seller removed the app, or access changed).';
    await q
      .updateTable('connections')
      .set({
        state,
        state_reason: reason,
        state_changed_at: new Date(now),
        last_error_code: err.code,
        last_error_message: reason,
        last_error_at: new Date(now),
        updated_at: new Date(now),
      })
      .where('id', '=', row.id)
      .execute();
    await q.deleteFrom('access_tokens').where('connection_id', '=', row.id).execute();
    await deps.audit.record(
      {
        accountId: row.account_id,
        connectionId: row.id,
        actor: 'system',
        action: `connection.${state}`,
        outcome: 'failure',
        detail: { reason, amazon: err.info.amazonMessage ?? null },
      },
      q,
    );
    return {
      type: state === 'expired' ? 'connection.expired' : 'connection.revoked',
      connectionId: row.id,
      accountId: row.account_id,
      at: new Date(now),
      detail: { reason },
    };
  };

  // Pool connections: withLock holds one for the whole refresh, so nothing inside it may ask the
  // pool for another (with every connection held by a lock holder, that would wait forever). The
  // app's credentials are read before the lock, the flag is cleared after it.
  const refresh = async (id: string, applicationId: string): Promise<AccessToken> => {
    const credentials = await deps.applications.credentials(applicationId);
    let rejected: string | null = null;
    const result = await deps.store
      .withLock(`access-token:${id}`, async (q) => {
        // Another process may have refreshed while we waited for the lock: read again.
        const row = await load(q, id);
        failFast(row, id);
        const hit = cached(row!);
        if (hit) return { access: hit, refreshed: false };
        const refreshToken = openRefreshToken(deps.vault, id, {
          keyId: row!.refresh_token_key_id!,
          blob: row!.refresh_token_blob!,
        });
        const now = deps.clock.now();
        try {
          const tokens = await deps.lwa.refresh(credentials, refreshToken);
          const sealed = deps.vault.seal(tokens.accessToken, accessContext(id));
          const expiresAt = new Date(tokens.expiresAt);
          await q
            .insertInto('access_tokens')
            .values({
              connection_id: id,
              token_key_id: sealed.keyId,
              token_blob: sealed.blob,
              expires_at: expiresAt,
              minted_at: new Date(now),
            })
            .onConflict((oc) =>
              oc.column('connection_id').doUpdateSet({
                token_key_id: sealed.keyId,
                token_blob: sealed.blob,
                expires_at: expiresAt,
                minted_at: new Date(now),
              }),
            )
            .execute();
          await q
            .updateTable('connections')
            .set({
              consecutive_failures: 0,
              ...(row!.state === 'error'
                ? { state: 'active', state_reason: 'recovered', state_changed_at: new Date(now) }
                : {}),
            })
            .where('id', '=', id)
            .execute();
          return { access: toAccess(row!, tokens.accessToken, expiresAt), refreshed: true };
        } catch (err) {
          if (!(err instanceof AmazonError)) throw err;
          if (err.code === 'LWA_INVALID_GRANT') {
            const event = await markDead(q, row!, err);
            deps.onEvent?.(event);
            const code =
              event.type === 'connection.expired' ? 'TOKEN_CONNECTION_EXPIRED' : 'TOKEN_CONNECTION_REVOKED';
            throw new TokenError(code, `connection ${id}: ${String(event.detail?.reason)}`, {
              cause: err,
              details: { connectionId: id },
            });
          }
          if (err.code === 'LWA_INVALID_CLIENT') {
            const reason =
              "Amazon refused the app's client credentials: its client secret is wrong, rotated out, or expired (secrets must be rotated every 180 days). Every seller of this app is affected.";
            // Flagged and announced after the lock (below): the event's handlers may refine the flag.
            rejected = reason;
            throw new TokenError('TOKEN_APPLICATION_REJECTED', reason, {
              cause: err,
              details: { applicationId: row!.application_id },
            });
          }
          const failures = await q
            .updateTable('connections')
            .set((eb) => ({
              consecutive_failures: eb('consecutive_failures', '+', 1),
              last_error_code: err.code,
              last_error_message: err.message,
              last_error_at: new Date(now),
            }))
            .where('id', '=', id)
            .returning('consecutive_failures')
            .executeTakeFirst();
          if ((failures?.consecutive_failures ?? 0) >= errorAfter && row!.state !== 'error') {
            await q
              .updateTable('connections')
              .set({
                state: 'error',
                state_reason: `${errorAfter} failed refreshes in a row`,
                state_changed_at: new Date(now),
              })
              .where('id', '=', id)
              .execute();
          }
          throw new TokenError(
            'TOKEN_REFRESH_FAILED',
            `could not refresh the access token of connection ${id}: ${err.message}`,
            { cause: err, retryable: err.retryable, details: { connectionId: id } },
          );
        }
      })
      .finally(async () => {
        if (rejected === null) return;
        await deps.applications.flag(applicationId, rejected);
        deps.onEvent?.({
          type: 'application.rejected',
          applicationId,
          at: new Date(deps.clock.now()),
          detail: { reason: rejected },
        });
      });
    if (result.refreshed) await deps.applications.unflag(applicationId);
    return result.access;
  };

  return {
    /** A valid access token for the connection (cached, or refreshed once for all concurrent callers). */
    accessToken(connectionId: string): Promise<AccessToken> {
      const running = inFlight.get(connectionId);
      if (running) return running;
      const attempt = (async () => {
        const row = await load(db, connectionId);
        failFast(row, connectionId);
        return cached(row!) ?? (await refresh(connectionId, row!.application_id));
      })().finally(() => inFlight.delete(connectionId));
      inFlight.set(connectionId, attempt);
      return attempt;
    },

    /** Drops the cached token (SP-API said it expired early): the next call refreshes. */
    async invalidate(connectionId: string): Promise<void> {
      await db.deleteFrom('access_tokens').where('connection_id', '=', connectionId).execute();
    },
  };
}

export type TokenBroker = ReturnType<typeof createTokenBroker>;
