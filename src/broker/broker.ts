import type { Kysely } from 'kysely';
import { AmazonError } from '../amazon/errors.js';
import type { LwaClient } from '../amazon/lwa.js';
import type { LwaCredentials, LwaTokens } from '../amazon/operations.js';
import { HEALTH_APPLICATION_COLUMNS, healthInputOf } from '../connections/repository.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import type { Secret } from '../kernel/secret.js';
import type { Applications } from '../lifecycle/applications.js';
import type { ConnectionLifecycle } from '../lifecycle/connections.js';
import { connectionHealth, type Health } from '../lifecycle/health.js';
import type { Store } from '../store/database.js';
import type { AmazonApi, Database } from '../store/schema.js';
import type { Vault } from '../vault/envelope.js';
import { bumpCacheVersion, createCacheVersions, VersionedMemo } from './cache.js';
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

/**
 * An access token as the broker keeps it in memory: with the connection's account and API (for the
 * REST API's visibility check without a database read) and the authorization's end.
 */
export interface CachedAccessToken extends AccessToken {
  accountId: string;
  api: AmazonApi;
  /** When the authorization ends (null: never): nothing is served from memory past it. */
  connectionExpiresAt: Date | null;
}

export interface TokenBrokerDeps {
  store: Store;
  vault: Vault;
  clock: Clock;
  lwa: LwaClient;
  /** The LWA token endpoint an Ads connection refreshes at, per region (default: `lwa`). */
  adsLwa?: Record<'NA' | 'EU' | 'FE', LwaClient>;
  applications: Applications;
  /** Records what Amazon's answers mean for the connection (revoked, failing, recovered). */
  lifecycle: ConnectionLifecycle;
  logger: Logger;
  /** Refresh this long before expiry (https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api: Amazon's SDK uses 60 s). */
  marginMs?: number;
  /** Transient refresh failures in a row before the connection shows `error`. */
  errorAfterFailures?: number;
}

/** The broker's deps with their defaults applied. */
interface BrokerContext {
  deps: TokenBrokerDeps;
  margin: number;
  errorAfter: number;
}

const accessContext = (connectionId: string): string => `connection:${connectionId}:access_token`;

/** A connection with its application's health columns and its cached access token (sealed). */
function loadConnectionToken(q: Kysely<Database>, id: string) {
  return q
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
}

type Row = NonNullable<Awaited<ReturnType<typeof loadConnectionToken>>>;

function toAccess(row: Row, token: Secret, expiresAt: Date): CachedAccessToken {
  return {
    token,
    expiresAt,
    connectionId: row.id,
    sellingPartnerId: row.selling_partner_id,
    region: row.region,
    applicationId: row.application_id,
    accountId: row.account_id,
    api: row.api,
    connectionExpiresAt: row.expires_at,
  };
}

/** The cached token when it is still good for at least the margin. */
function cachedToken(ctx: BrokerContext, row: Row): CachedAccessToken | null {
  if (!row.token_blob || !row.token_key_id || !row.token_expires_at) return null;
  if (row.token_expires_at.getTime() - ctx.margin <= ctx.deps.clock.now()) return null;
  try {
    const token = ctx.deps.vault.open(
      { keyId: row.token_key_id, blob: row.token_blob },
      accessContext(row.id),
    );
    return toAccess(row, token, row.token_expires_at);
  } catch {
    return null; // sealed with a key no longer configured: mint a new one
  }
}

/** Why a connection whose health forbids calling Amazon gets no token: the error the broker throws. */
export function refusalOf(health: Health, connectionId: string): TokenError {
  const code: TokenError['code'] =
    health.state === 'app_rejected'
      ? 'TOKEN_APPLICATION_REJECTED'
      : health.lifecycle === 'disconnected'
        ? 'TOKEN_CONNECTION_DISCONNECTED'
        : health.lifecycle === 'expired'
          ? 'TOKEN_CONNECTION_EXPIRED'
          : 'TOKEN_CONNECTION_REVOKED';
  return new TokenError(code, `connection ${connectionId}: ${health.label.toLowerCase()}. ${health.advice}`, {
    details: { connectionId, health: health.state },
  });
}

/** Refuses at once when the connection's health says Amazon cannot be called (lifecycle/health.ts). */
function failFast(ctx: BrokerContext, row: Row | undefined, id: string): asserts row is Row {
  if (!row) throw new TokenError('TOKEN_CONNECTION_NOT_FOUND', `no connection ${id}`);
  const health = connectionHealth(healthInputOf(row), ctx.deps.clock.now());
  if (!health.canCallAmazon) throw refusalOf(health, id);
}

/** Mints with the app's current secret; on invalid_client, with the rotated-out one while Amazon still takes it. */
async function mint(
  ctx: BrokerContext,
  row: Row,
  app: { credentials: LwaCredentials; previous: LwaCredentials | null },
  refreshToken: Secret,
): Promise<LwaTokens> {
  const { credentials, previous } = app;
  const lwa = row.api === 'ads' ? (ctx.deps.adsLwa?.[row.region] ?? ctx.deps.lwa) : ctx.deps.lwa;
  try {
    return await lwa.refresh(credentials, refreshToken);
  } catch (err) {
    if (!(err instanceof AmazonError) || err.code !== 'LWA_INVALID_CLIENT' || !previous) throw err;
    ctx.deps.logger.warn(
      {},
      'Amazon refused the current client secret; used the previous one (grace period)',
    );
    return lwa.refresh(previous, refreshToken);
  }
}

/** Seals and stores (or replaces) a connection's cached access token. */
async function storeAccessToken(
  ctx: BrokerContext,
  q: Kysely<Database>,
  connectionId: string,
  tokens: LwaTokens,
  mintedAt: Date,
): Promise<Date> {
  const sealed = ctx.deps.vault.seal(tokens.accessToken, accessContext(connectionId));
  const values = {
    token_key_id: sealed.keyId,
    token_blob: sealed.blob,
    expires_at: new Date(tokens.expiresAt),
    minted_at: mintedAt,
  };
  await q
    .insertInto('access_tokens')
    .values({ connection_id: connectionId, ...values })
    .onConflict((oc) => oc.column('connection_id').doUpdateSet(values))
    .execute();
  return values.expires_at;
}

/**
 * What a refusal from LWA means for the connection, recorded through the lifecycle inside the lock,
 * as the TokenError to throw. invalid_client is only reported through `onRejected`: rejecting the
 * application takes another pool connection, so the caller records it after the lock.
 */
async function refreshFailure(
  ctx: BrokerContext,
  q: Kysely<Database>,
  row: Row,
  err: AmazonError,
  onRejected: (amazonMessage: string) => void,
): Promise<TokenError> {
  const id = row.id;
  if (err.code === 'LWA_INVALID_GRANT') {
    const dead = await ctx.deps.lifecycle.markDead(q, id, {
      code: err.code,
      message: err.info.amazonMessage ?? null,
    });
    await q.deleteFrom('access_tokens').where('connection_id', '=', id).execute();
    const code = dead.state === 'expired' ? 'TOKEN_CONNECTION_EXPIRED' : 'TOKEN_CONNECTION_REVOKED';
    return new TokenError(code, `connection ${id}: ${dead.reason}`, {
      cause: err,
      details: { connectionId: id },
    });
  }
  if (err.code === 'LWA_INVALID_CLIENT') {
    const reason =
      "Amazon refused the app's client credentials: its client secret is wrong, rotated out, or expired (secrets must be rotated every 180 days). Every seller of this app is affected.";
    onRejected(err.info.amazonMessage ?? reason);
    return new TokenError('TOKEN_APPLICATION_REJECTED', reason, {
      cause: err,
      details: { applicationId: row.application_id },
    });
  }
  await ctx.deps.lifecycle.recordFailure(q, id, { code: err.code, message: err.message }, ctx.errorAfter);
  return new TokenError(
    'TOKEN_REFRESH_FAILED',
    `could not refresh the access token of connection ${id}: ${err.message}`,
    {
      cause: err,
      retryable: err.retryable,
      details: { connectionId: id },
    },
  );
}

/**
 * The refresh inside the connection's lock: read the row again (another process may have refreshed
 * while this one waited), fail fast, else mint, store, and record the recovery or the failure.
 */
async function refreshLocked(
  ctx: BrokerContext,
  q: Kysely<Database>,
  id: string,
  app: { credentials: LwaCredentials; previous: LwaCredentials | null },
  onRejected: (amazonMessage: string) => void,
): Promise<CachedAccessToken> {
  const row = await loadConnectionToken(q, id);
  failFast(ctx, row, id);
  const hit = cachedToken(ctx, row);
  if (hit) return hit;
  const refreshToken = openRefreshToken(ctx.deps.vault, id, {
    keyId: row.refresh_token_key_id!,
    blob: row.refresh_token_blob!,
  });
  const now = ctx.deps.clock.now();
  let tokens: LwaTokens;
  try {
    tokens = await mint(ctx, row, app, refreshToken);
  } catch (err) {
    if (!(err instanceof AmazonError)) throw err;
    throw await refreshFailure(ctx, q, row, err, onRejected);
  }
  const expiresAt = await storeAccessToken(ctx, q, id, tokens, new Date(now));
  await ctx.deps.lifecycle.recordRecovered(q, id);
  return toAccess(row, tokens.accessToken, expiresAt);
}

// Pool connections: withLock holds one for the whole refresh, so nothing inside it may ask the
// pool for another (with every connection held by a lock holder, that would wait forever). The
// app's credentials are read before the lock, the rejection is recorded after it.
/** Refreshes a connection's access token under its cross-process lock. */
async function refreshAccessToken(
  ctx: BrokerContext,
  id: string,
  applicationId: string,
): Promise<CachedAccessToken> {
  const credentials = await ctx.deps.applications.credentials(applicationId);
  const previous = await ctx.deps.applications.previousCredentials(applicationId);
  let rejected: string | null = null;
  return ctx.deps.store
    .withLock(`access-token:${id}`, (q) =>
      refreshLocked(ctx, q, id, { credentials, previous }, (message) => {
        rejected = message;
      }),
    )
    .finally(async () => {
      if (rejected !== null) await ctx.deps.applications.reject(applicationId, rejected);
    });
}

/** One attempt at a connection's access token: the cached one, else a refresh. */
async function accessTokenOnce(ctx: BrokerContext, connectionId: string): Promise<CachedAccessToken> {
  const row = await loadConnectionToken(ctx.deps.store.db, connectionId);
  // Past its end by the clock but not yet recorded: record the expiry (and its event) now.
  if (row?.expires_at && row.expires_at.getTime() <= ctx.deps.clock.now() && row.state !== 'expired')
    await ctx.deps.lifecycle.expire(connectionId);
  failFast(ctx, row, connectionId);
  return cachedToken(ctx, row) ?? (await refreshAccessToken(ctx, connectionId, row.application_id));
}

/** Whether a token kept in memory may still be handed out at `now`: a margin before its expiry, and before the authorization ends. */
function servable(ctx: BrokerContext, access: CachedAccessToken, now: number): boolean {
  if (access.expiresAt.getTime() - ctx.margin <= now) return false;
  return access.connectionExpiresAt === null || now < access.connectionExpiresAt.getTime();
}

/**
 * Mints LWA access tokens for connections. One refresh per connection however many callers ask:
 * single-flight inside the process, a database lock across processes with a re-read of the cached
 * row after taking it, tokens cached sealed in the database for every process, refreshed a margin
 * before expiry. A dead authorization (invalid_grant) moves the connection to revoked or expired
 * at once and every later call fails fast until it is renewed.
 *
 * Fast path: a token handed out is also kept in this process's memory (unsealed: it is what the
 * API hands out; never a refresh token), tagged with the cache version read before it was loaded
 * (cache.ts). It is served again only at that same version, before its margin and the
 * authorization's end; any revocation, disconnection, renewal, expiry or invalidation anywhere
 * moves the version in its own transaction, so the next call on every process reloads.
 */
export function createTokenBroker(deps: TokenBrokerDeps) {
  const ctx: BrokerContext = {
    deps,
    margin: deps.marginMs ?? 60_000,
    errorAfter: deps.errorAfterFailures ?? 5,
  };
  const inFlight = new Map<string, Promise<CachedAccessToken>>();
  const memory = new VersionedMemo<CachedAccessToken>();
  const versions = createCacheVersions(deps.store.db);
  const db = deps.store.db;

  /** The token kept in memory at `version`, if it may still be handed out. */
  const cached = (connectionId: string, version: string): CachedAccessToken | null => {
    const hit = memory.get(connectionId, version);
    return hit && servable(ctx, hit, deps.clock.now()) ? hit : null;
  };

  /** From the database (or Amazon), once for all concurrent callers at the same version; kept in memory. */
  const load = (connectionId: string, version: string): Promise<CachedAccessToken> => {
    const key = `${connectionId}@${version}`;
    const running = inFlight.get(key);
    if (running) return running;
    const attempt = accessTokenOnce(ctx, connectionId)
      .then((access) => {
        memory.set(connectionId, access, version);
        return access;
      })
      .finally(() => inFlight.delete(key));
    inFlight.set(key, attempt);
    return attempt;
  };

  return {
    /**
     * A valid access token for the connection (from memory, the database, or refreshed once for all
     * concurrent callers). `cacheVersion`: a version the caller read after its request arrived
     * (`cacheVersion()`), else one is read now.
     */
    async accessToken(connectionId: string, cacheVersion?: string): Promise<CachedAccessToken> {
      const version = cacheVersion ?? (await versions.fresh());
      return cached(connectionId, version) ?? load(connectionId, version);
    },

    /** The token this process keeps in memory at `cacheVersion`, or null (then ask `accessToken`). */
    cached,

    /** The current cache version, from a read that started after this call (shared by concurrent callers). */
    cacheVersion: (): Promise<string> => versions.fresh(),

    /** Caches an access token Amazon just issued (code exchange, self-authorization check). */
    prime: async (connectionId: string, tokens: LwaTokens): Promise<void> => {
      // Another process may have loaded the token this one replaces after the authorization
      // committed: the version moves with the new token.
      await db.transaction().execute(async (trx) => {
        await storeAccessToken(ctx, trx, connectionId, tokens, new Date(deps.clock.now()));
        await bumpCacheVersion(trx);
      });
      memory.delete(connectionId);
    },

    /** Drops the cached token (SP-API said it expired early): the next call refreshes, on every process. */
    async invalidate(connectionId: string): Promise<void> {
      // The delete moves the cache version (a trigger, migration 0020): other processes reload too.
      await db.deleteFrom('access_tokens').where('connection_id', '=', connectionId).execute();
      memory.delete(connectionId);
    },
  };
}

export type TokenBroker = ReturnType<typeof createTokenBroker>;
