import type { Kysely, Selectable } from 'kysely';
import { timingSafeEqual } from 'node:crypto';
import { hashToken } from '../kernel/opaque-token.js';
import type { AuditLog } from '../connections/audit.js';
import type { Viewer } from '../connections/repository.js';
import type { Clock } from '../kernel/clock.js';
import { ValidationError } from '../kernel/errors.js';
import type { Random } from '../kernel/random.js';
import { Secret } from '../kernel/secret.js';
import type { ApiKeysTable, Database } from '../store/schema.js';
import { apiKeyPrefix, newApiKeyValue } from './api-key-format.js';
import { ApiKeyError } from './errors.js';

export { looksLikeApiKey } from './api-key-format.js';

/** An API key as it is listed: never the key itself, only its visible prefix. */
export interface ApiKey {
  id: string;
  name: string;
  /** `slk_<prefix>_…`: enough to recognise a key, useless to call with. */
  prefix: string;
  /** The account the key sees, or null for every account (operator keys). */
  accountId: string | null;
  createdAt: Date;
  createdBy: string;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  revokedBy: string | null;
}

/** Who is calling the API: the key's scope as a connections viewer. */
export interface ApiPrincipal {
  keyId: string;
  prefix: string;
  name: string;
  accountId: string | null;
  /** For the connections use cases: account-scoped keys see one account, 'all' keys see every one. */
  viewer: Viewer;
  /**
   * The cache version read while checking this request's key (after the request arrived), when the
   * keys are cached: the token broker serves from memory at the same version (broker/cache.ts).
   */
  cacheVersion?: string;
}

export interface ApiKeysDeps {
  db: Kysely<Database>;
  clock: Clock;
  random: Random;
  audit: AuditLog;
  /** last_used_at is written at most this often per key (default one minute). */
  touchEveryMs?: number;
  /**
   * The cache version (the token broker's `cacheVersion`, broker/cache.ts): with it, checked keys
   * are kept in memory and served while the version stays the same; a revocation moves it.
   */
  cacheVersion?: () => Promise<string>;
}

/** A key as kept in memory after a check: its hash (never the key), its principal, when it was last touched. */
interface RememberedKey {
  version: string;
  keyHash: Buffer;
  principal: ApiPrincipal;
  id: string;
  lastUsedAt: number | null;
}

/** Checked keys by prefix (one map per `createApiKeys`). */
export type ApiKeyMemo = Map<string, RememberedKey>;

const NAME_MAX = 100;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function toApiKey(row: Selectable<ApiKeysTable>): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    accountId: row.account_id,
    createdAt: row.created_at,
    createdBy: row.created_by,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
  };
}

const actorOf = (viewer: Viewer): string => viewer.actor ?? `user:${viewer.username}`;
const userIdOf = (viewer: Viewer): string | null =>
  viewer.actor === undefined && viewer.userId ? viewer.userId : null;

/** Refuses members; returns the account an owner is limited to (null for operators). */
export function managerScope(viewer: Viewer): string | null {
  if (viewer.role === 'operator') return null;
  if (viewer.role === 'owner' && viewer.accountId) return viewer.accountId;
  throw new ApiKeyError('API_KEY_FORBIDDEN', 'only account owners and operators may manage API keys');
}

/** What a new key is given: a name, and the account it sees (null: every account). */
export interface NewApiKey {
  name: string;
  accountId: string | null;
}

/** Checks who may create which key, and that its account exists; returns the trimmed name. */
async function checkNewKey(deps: ApiKeysDeps, viewer: Viewer, input: NewApiKey): Promise<string> {
  const limitedTo = managerScope(viewer);
  const name = input.name.trim();
  if (!name || name.length > NAME_MAX) {
    throw new ValidationError(`give the key a name of 1-${NAME_MAX} characters`, 'name');
  }
  if (input.accountId === null && limitedTo !== null) {
    throw new ApiKeyError('API_KEY_FORBIDDEN', 'only operators may create keys that see every account');
  }
  if (limitedTo !== null && input.accountId !== limitedTo) {
    throw new ApiKeyError('API_KEY_FORBIDDEN', 'owners may create keys for their own account only');
  }
  if (input.accountId !== null) {
    const exists =
      UUID.test(input.accountId) &&
      (await deps.db
        .selectFrom('accounts')
        .select('id')
        .where('id', '=', input.accountId)
        .executeTakeFirst());
    if (!exists) throw new ValidationError('no such account', 'accountId');
  }
  return name;
}

/** Stores a new key (its hash and prefix only) with its audit entry, in one transaction. */
async function storeKey(
  deps: ApiKeysDeps,
  viewer: Viewer,
  key: { name: string; prefix: string; value: string; accountId: string | null; at: Date },
  ip: string | null,
): Promise<Selectable<ApiKeysTable>> {
  return deps.db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('api_keys')
      .values({
        name: key.name,
        prefix: key.prefix,
        key_hash: hashToken(key.value),
        account_id: key.accountId,
        created_by: actorOf(viewer),
        created_by_user_id: userIdOf(viewer),
        created_at: key.at,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await deps.audit.record(
      {
        accountId: key.accountId,
        actorUserId: userIdOf(viewer),
        actor: actorOf(viewer),
        action: 'api_key.created',
        outcome: 'success',
        detail: {
          keyId: inserted.id,
          prefix: key.prefix,
          name: key.name,
          scope: key.accountId === null ? 'all' : 'account',
        },
        ip,
      },
      trx,
    );
    return inserted;
  });
}

/**
 * Creates a key. `accountId` null makes a key that sees every account (operators only). The
 * returned `key` is the only copy: it cannot be shown again.
 */
export async function createApiKey(
  deps: ApiKeysDeps,
  viewer: Viewer,
  input: NewApiKey,
  ip: string | null = null,
): Promise<{ apiKey: ApiKey; key: Secret }> {
  const name = await checkNewKey(deps, viewer, input);
  const at = new Date(deps.clock.now());
  for (let attempt = 1; ; attempt++) {
    const { prefix, value } = newApiKeyValue(deps.random);
    const taken = await deps.db
      .selectFrom('api_keys')
      .select('id')
      .where('prefix', '=', prefix)
      .executeTakeFirst();
    if (taken) {
      if (attempt >= 5) throw new Error('could not find a free API key prefix');
      continue;
    }
    const row = await storeKey(deps, viewer, { name, prefix, value, accountId: input.accountId, at }, ip);
    return { apiKey: toApiKey(row), key: new Secret(value) };
  }
}

/** Keys the viewer may manage, newest first (owners: their account's; operators: all or one account's). */
export async function listApiKeys(
  deps: ApiKeysDeps,
  viewer: Viewer,
  options: { accountId?: string; includeRevoked?: boolean } = {},
): Promise<ApiKey[]> {
  const limitedTo = managerScope(viewer);
  let q = deps.db.selectFrom('api_keys').selectAll();
  if (limitedTo !== null) q = q.where('account_id', '=', limitedTo);
  else if (options.accountId !== undefined) {
    if (!UUID.test(options.accountId)) return [];
    q = q.where('account_id', '=', options.accountId);
  }
  if (options.includeRevoked === false) q = q.where('revoked_at', 'is', null);
  const rows = await q.orderBy('created_at', 'desc').orderBy('id').execute();
  return rows.map(toApiKey);
}

/** Revokes a key at once (idempotent). Owners may revoke their account's keys only. */
export async function revokeApiKey(
  deps: ApiKeysDeps,
  viewer: Viewer,
  id: string,
  ip: string | null = null,
): Promise<ApiKey> {
  const limitedTo = managerScope(viewer);
  const notFound = () => new ApiKeyError('API_KEY_NOT_FOUND', `no API key ${id}`);
  if (!UUID.test(id)) throw notFound();
  let q = deps.db.selectFrom('api_keys').selectAll().where('id', '=', id);
  if (limitedTo !== null) q = q.where('account_id', '=', limitedTo);
  const row = await q.executeTakeFirst();
  if (!row) throw notFound();
  if (row.revoked_at !== null) return toApiKey(row);
  const now = new Date(deps.clock.now());
  const updated = await deps.db.transaction().execute(async (trx) => {
    const next = await trx
      .updateTable('api_keys')
      .set({ revoked_at: now, revoked_by: actorOf(viewer) })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await deps.audit.record(
      {
        accountId: row.account_id,
        actorUserId: userIdOf(viewer),
        actor: actorOf(viewer),
        action: 'api_key.revoked',
        outcome: 'success',
        detail: { keyId: id, prefix: row.prefix, name: row.name },
        ip,
      },
      trx,
    );
    return next;
  });
  return toApiKey(updated);
}

/** Who a key's calls act as: account-scoped keys see one account (as a member), 'all' keys every one. */
export function principalOf(
  row: Pick<Selectable<ApiKeysTable>, 'id' | 'prefix' | 'name' | 'account_id'>,
): ApiPrincipal {
  const actor = `api-key:${row.prefix}`;
  return {
    keyId: row.id,
    prefix: row.prefix,
    name: row.name,
    accountId: row.account_id,
    viewer:
      row.account_id === null
        ? { userId: '', username: actor, role: 'operator', accountId: null, actor }
        : { userId: '', username: actor, role: 'member', accountId: row.account_id, actor },
  };
}

const invalidKey = (): ApiKeyError =>
  new ApiKeyError('API_KEY_INVALID', 'the API key is not valid (check it was copied whole)');

/** Compares two SHA-256 digests in constant time. */
function sameHash(stored: Buffer, presented: Buffer): boolean {
  return stored.length === presented.length && timingSafeEqual(stored, presented);
}

/** Whether last_used_at is due for a write: never written, or longer ago than `touchEveryMs`. */
const touchDue = (deps: ApiKeysDeps, lastUsedAt: number | null, now: number): boolean =>
  lastUsedAt === null || now - lastUsedAt >= (deps.touchEveryMs ?? 60_000);

async function touch(deps: ApiKeysDeps, id: string, now: number): Promise<void> {
  await deps.db
    .updateTable('api_keys')
    .set({ last_used_at: new Date(now) })
    .where('id', '=', id)
    .execute();
}

/** The database check: the row by prefix, its hash in constant time, not revoked. */
async function checkStoredKey(
  deps: ApiKeysDeps,
  prefix: string,
  presentedHash: Buffer,
): Promise<Selectable<ApiKeysTable>> {
  const row = await deps.db
    .selectFrom('api_keys')
    .selectAll()
    .where('prefix', '=', prefix)
    .executeTakeFirst();
  const storedHash = Buffer.from(row?.key_hash ?? '0'.repeat(64), 'hex');
  if (!sameHash(storedHash, presentedHash) || !row) throw invalidKey();
  if (row.revoked_at !== null) {
    throw new ApiKeyError('API_KEY_REVOKED', `the API key ${row.prefix} was revoked; create a new one`);
  }
  return row;
}

/** A key checked at this cache version before: its hash compared in constant time, touched when due. */
async function rememberedPrincipal(
  deps: ApiKeysDeps,
  known: RememberedKey,
  presentedHash: Buffer,
): Promise<ApiPrincipal> {
  if (!sameHash(known.keyHash, presentedHash)) throw invalidKey();
  const now = deps.clock.now();
  if (touchDue(deps, known.lastUsedAt, now)) {
    known.lastUsedAt = now; // before the write: concurrent requests do not all write
    await touch(deps, known.id, now);
  }
  return { ...known.principal, cacheVersion: known.version };
}

/**
 * Checks a presented key: found by its public prefix, then its hash compared in constant time.
 * Throws API_KEY_INVALID (unknown, malformed) or API_KEY_REVOKED. With `deps.cacheVersion` and a
 * `memo`, a key checked at the current cache version is answered from memory (one read of the
 * version instead of the key's row); only valid keys are remembered, and only their hash.
 */
export async function authenticateApiKey(
  deps: ApiKeysDeps,
  presented: string,
  memo?: ApiKeyMemo,
): Promise<ApiPrincipal> {
  const prefix = apiKeyPrefix(presented);
  if (prefix === null) throw invalidKey();
  const version = memo && deps.cacheVersion ? await deps.cacheVersion() : undefined;
  const presentedHash = Buffer.from(hashToken(presented), 'hex');
  const known = memo?.get(prefix);
  if (known && known.version === version) return rememberedPrincipal(deps, known, presentedHash);
  const row = await checkStoredKey(deps, prefix, presentedHash);
  const now = deps.clock.now();
  let lastUsedAt = row.last_used_at?.getTime() ?? null;
  if (touchDue(deps, lastUsedAt, now)) {
    await touch(deps, row.id, now);
    lastUsedAt = now;
  }
  const principal = principalOf(row);
  if (memo && version !== undefined) {
    const keyHash = Buffer.from(row.key_hash, 'hex');
    memo.set(prefix, { version, keyHash, principal, id: row.id, lastUsedAt });
  }
  return version === undefined ? principal : { ...principal, cacheVersion: version };
}

/**
 * API keys for the vendor's software: created (the key is returned once, only its SHA-256 hash and
 * prefix are kept), listed, revoked, and checked on every API call. Owners manage their own
 * account's keys; operators manage every key and may create keys that see every account.
 */
export function createApiKeys(deps: ApiKeysDeps) {
  const memo: ApiKeyMemo = new Map();
  return {
    /** Creates a key; the returned `key` is the only copy. See `createApiKey`. */
    create: (
      viewer: Viewer,
      input: NewApiKey,
      ip: string | null = null,
    ): Promise<{ apiKey: ApiKey; key: Secret }> => createApiKey(deps, viewer, input, ip),

    /** Keys the viewer may manage, newest first. */
    list: (
      viewer: Viewer,
      options: { accountId?: string; includeRevoked?: boolean } = {},
    ): Promise<ApiKey[]> => listApiKeys(deps, viewer, options),

    /** Revokes a key at once (idempotent). Owners may revoke their account's keys only. */
    revoke: (viewer: Viewer, id: string, ip: string | null = null): Promise<ApiKey> =>
      revokeApiKey(deps, viewer, id, ip),

    /** Checks a presented key; throws API_KEY_INVALID or API_KEY_REVOKED. */
    authenticate: (presented: string): Promise<ApiPrincipal> => authenticateApiKey(deps, presented, memo),
  };
}

export type ApiKeys = ReturnType<typeof createApiKeys>;
