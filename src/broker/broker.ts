import type { Kysely } from 'kysely';
import { AmazonError } from '../amazon/errors.js';
import type { LwaClient, LwaCredentials, LwaTokens } from '../amazon/lwa.js';
import { HEALTH_APPLICATION_COLUMNS, healthInputOf } from '../connections/repository.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import type { Secret } from '../kernel/secret.js';
import type { Applications } from '../lifecycle/applications.js';
import type { ConnectionLifecycle } from '../lifecycle/connections.js';
import { connectionHealth } from '../lifecycle/health.js';
import type { Store } from '../store/database.js';
import type { Database } from '../store/schema.js';
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
  /** Records what Amazon's answers mean for the connection (revoked, failing, recovered). */
  lifecycle: ConnectionLifecycle;
  logger: Logger;
  /** Refresh this long before expiry (https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api: Amazon's SDK uses 60 s). */
  marginMs?: number;
  /** Transient refresh failures in a row before the connection shows `error`. */
  errorAfterFailures?: number;
}

const accessContext = (connectionId: string): string => `connection:${connectionId}:access_token`;

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
      .leftJoin('applications', 'applications.id', 'connections.application_id')
      .selectAll('connections')
      .select(HEALTH_APPLICATION_COLUMNS)
      .select([
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

  /** Refuses at once when the connection's health says Amazon cannot be called (lifecycle/health.ts). */
  const failFast = (row: Row | undefined, id: string): void => {
    if (!row) throw new TokenError('TOKEN_CONNECTION_NOT_FOUND', `no connection ${id}`);
    const health = connectionHealth(healthInputOf(row), deps.clock.now());
    if (health.canCallAmazon) return;
    const code: TokenError['code'] =
      health.state === 'app_rejected'
        ? 'TOKEN_APPLICATION_REJECTED'
        : health.lifecycle === 'disconnected'
          ? 'TOKEN_CONNECTION_DISCONNECTED'
          : health.lifecycle === 'expired'
            ? 'TOKEN_CONNECTION_EXPIRED'
            : 'TOKEN_CONNECTION_REVOKED';
    throw new TokenError(code, `connection ${id}: ${health.label.toLowerCase()}. ${health.advice}`, {
      details: { connectionId: id, health: health.state },
    });
  };

  /** Mints with the app's current secret; on invalid_client, with the rotated-out one while Amazon still takes it. */
  const mint = async (
    credentials: LwaCredentials,
    previous: LwaCredentials | null,
    refreshToken: Secret,
  ): Promise<LwaTokens> => {
    try {
      return await deps.lwa.refresh(credentials, refreshToken);
    } catch (err) {
      if (!(err instanceof AmazonError) || err.code !== 'LWA_INVALID_CLIENT' || !previous) throw err;
      deps.logger.warn({}, 'Amazon refused the current client secret; used the previous one (grace period)');
      return deps.lwa.refresh(previous, refreshToken);
    }
  };

  // Pool connections: withLock holds one for the whole refresh, so nothing inside it may ask the
  // pool for another (with every connection held by a lock holder, that would wait forever). The
  // app's credentials are read before the lock, the flag is cleared after it.
  const refresh = async (id: string, applicationId: string): Promise<AccessToken> => {
    const credentials = await deps.applications.credentials(applicationId);
    const previous = await deps.applications.previousCredentials(applicationId);
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
          const tokens = await mint(credentials, previous, refreshToken);
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
          await deps.lifecycle.recordRecovered(q, id);
          return { access: toAccess(row!, tokens.accessToken, expiresAt), refreshed: true };
        } catch (err) {
          if (!(err instanceof AmazonError)) throw err;
          if (err.code === 'LWA_INVALID_GRANT') {
            const dead = await deps.lifecycle.markDead(q, id, {
              code: err.code,
              message: err.info.amazonMessage ?? null,
            });
            await q.deleteFrom('access_tokens').where('connection_id', '=', id).execute();
            const code = dead.state === 'expired' ? 'TOKEN_CONNECTION_EXPIRED' : 'TOKEN_CONNECTION_REVOKED';
            throw new TokenError(code, `connection ${id}: ${dead.reason}`, {
              cause: err,
              details: { connectionId: id },
            });
          }
          if (err.code === 'LWA_INVALID_CLIENT') {
            const reason =
              "Amazon refused the app's client credentials: its client secret is wrong, rotated out, or expired (secrets must be rotated every 180 days). Every seller of this app is affected.";
            // Recorded after the lock (below): it takes another pool connection.
            rejected = err.info.amazonMessage ?? reason;
            throw new TokenError('TOKEN_APPLICATION_REJECTED', reason, {
              cause: err,
              details: { applicationId: row!.application_id },
            });
          }
          await deps.lifecycle.recordFailure(q, id, { code: err.code, message: err.message }, errorAfter);
          throw new TokenError(
            'TOKEN_REFRESH_FAILED',
            `could not refresh the access token of connection ${id}: ${err.message}`,
            { cause: err, retryable: err.retryable, details: { connectionId: id } },
          );
        }
      })
      .finally(async () => {
        if (rejected !== null) await deps.applications.reject(applicationId, rejected);
      });
    return result.access;
  };

  return {
    /** A valid access token for the connection (cached, or refreshed once for all concurrent callers). */
    accessToken(connectionId: string): Promise<AccessToken> {
      const running = inFlight.get(connectionId);
      if (running) return running;
      const attempt = (async () => {
        const row = await load(db, connectionId);
        // Past its end by the clock but not yet recorded: record the expiry (and its event) now.
        if (row?.expires_at && row.expires_at.getTime() <= deps.clock.now() && row.state !== 'expired')
          await deps.lifecycle.expire(connectionId);
        failFast(row, connectionId);
        return cached(row!) ?? (await refresh(connectionId, row!.application_id));
      })().finally(() => inFlight.delete(connectionId));
      inFlight.set(connectionId, attempt);
      return attempt;
    },

    /** Caches an access token Amazon just issued (code exchange, self-authorization check). */
    prime: async (connectionId: string, tokens: LwaTokens): Promise<void> => {
      const sealed = deps.vault.seal(tokens.accessToken, accessContext(connectionId));
      const values = {
        token_key_id: sealed.keyId,
        token_blob: sealed.blob,
        expires_at: new Date(tokens.expiresAt),
        minted_at: new Date(deps.clock.now()),
      };
      await db
        .insertInto('access_tokens')
        .values({ connection_id: connectionId, ...values })
        .onConflict((oc) => oc.column('connection_id').doUpdateSet(values))
        .execute();
    },

    /** Drops the cached token (SP-API said it expired early): the next call refreshes. */
    async invalidate(connectionId: string): Promise<void> {
      await db.deleteFrom('access_tokens').where('connection_id', '=', connectionId).execute();
    },
  };
}

export type TokenBroker = ReturnType<typeof createTokenBroker>;
