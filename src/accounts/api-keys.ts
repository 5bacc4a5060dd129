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
import { ApiKeyError } from './errors.js';

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
}

export interface ApiKeysDeps {
  db: Kysely<Database>;
  clock: Clock;
  random: Random;
  audit: AuditLog;
  /** last_used_at is written at most this often per key (default one minute). */
  touchEveryMs?: number;
}

const PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const PREFIX_LENGTH = 8;
/** 40 characters of 62: about 238 random bits. */
const SECRET_LENGTH = 40;
const KEY_PATTERN = /^slk_([a-z0-9]{8})_([A-Za-z0-9]{40})$/;
const NAME_MAX = 100;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Random text over `alphabet` with no modulo bias: bytes at or above the largest multiple of the
 * alphabet's size are drawn again. Letters and digits only, so a double-click selects a whole key.
 */
function unbiased(random: Random, length: number, alphabet: string): string {
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const byte of random.bytes(length - out.length + 8)) {
      if (byte < limit && out.length < length) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}

/** Whether a string has the shape of a Sellerlink API key (says nothing about its validity). */
export function looksLikeApiKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}

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

/**
 * API keys for the vendor's software: created (the key is returned once, only its SHA-256 hash and
 * prefix are kept), listed, revoked, and checked on every API call. Owners manage their own
 * account's keys; operators manage every key and may create keys that see every account.
 */
export function createApiKeys(deps: ApiKeysDeps) {
  const { db, clock } = deps;
  const touchEvery = deps.touchEveryMs ?? 60_000;

  /** Refuses members; returns the account an owner is limited to (null for operators). */
  const managerScope = (viewer: Viewer): string | null => {
    if (viewer.role === 'operator') return null;
    if (viewer.role === 'owner' && viewer.accountId) return viewer.accountId;
    throw new ApiKeyError('API_KEY_FORBIDDEN', 'only account owners and operators may manage API keys');
  };

  return {
    /**
     * Creates a key. `accountId` null makes a key that sees every account (operators only). The
     * returned `key` is the only copy: it cannot be shown again.
     */
    async create(
      viewer: Viewer,
      input: { name: string; accountId: string | null },
      ip: string | null = null,
    ): Promise<{ apiKey: ApiKey; key: Secret }> {
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
          (await db.selectFrom('accounts').select('id').where('id', '=', input.accountId).executeTakeFirst());
        if (!exists) throw new ValidationError('no such account', 'accountId');
      }
      const now = new Date(clock.now());
      for (let attempt = 1; ; attempt++) {
        const prefix = unbiased(deps.random, PREFIX_LENGTH, PREFIX_ALPHABET);
        const key = `slk_${prefix}_${unbiased(deps.random, SECRET_LENGTH, SECRET_ALPHABET)}`;
        const taken = await db
          .selectFrom('api_keys')
          .select('id')
          .where('prefix', '=', prefix)
          .executeTakeFirst();
        if (taken) {
          if (attempt >= 5) throw new Error('could not find a free API key prefix');
          continue;
        }
        const row = await db.transaction().execute(async (trx) => {
          const inserted = await trx
            .insertInto('api_keys')
            .values({
              name,
              prefix,
              key_hash: hashToken(key),
              account_id: input.accountId,
              created_by: actorOf(viewer),
              created_by_user_id: userIdOf(viewer),
              created_at: now,
            })
            .returningAll()
            .executeTakeFirstOrThrow();
          await deps.audit.record(
            {
              accountId: input.accountId,
              actorUserId: userIdOf(viewer),
              actor: actorOf(viewer),
              action: 'api_key.created',
              outcome: 'success',
              detail: {
                keyId: inserted.id,
                prefix,
                name,
                scope: input.accountId === null ? 'all' : 'account',
              },
              ip,
            },
            trx,
          );
          return inserted;
        });
        return { apiKey: toApiKey(row), key: new Secret(key) };
      }
    },

    /** Keys the viewer may manage, newest first (owners: their account's; operators: all or one account's). */
    async list(
      viewer: Viewer,
      options: { accountId?: string; includeRevoked?: boolean } = {},
    ): Promise<ApiKey[]> {
      const limitedTo = managerScope(viewer);
      let q = db.selectFrom('api_keys').selectAll();
      if (limitedTo !== null) q = q.where('account_id', '=', limitedTo);
      else if (options.accountId !== undefined) {
        if (!UUID.test(options.accountId)) return [];
        q = q.where('account_id', '=', options.accountId);
      }
      if (options.includeRevoked === false) q = q.where('revoked_at', 'is', null);
      const rows = await q.orderBy('created_at', 'desc').orderBy('id').execute();
      return rows.map(toApiKey);
    },

    /** Revokes a key at once (idempotent). Owners may revoke their account's keys only. */
    async revoke(viewer: Viewer, id: string, ip: string | null = null): Promise<ApiKey> {
      const limitedTo = managerScope(viewer);
      const notFound = () => new ApiKeyError('API_KEY_NOT_FOUND', `no API key ${id}`);
      if (!UUID.test(id)) throw notFound();
      let q = db.selectFrom('api_keys').selectAll().where('id', '=', id);
      if (limitedTo !== null) q = q.where('account_id', '=', limitedTo);
      const row = await q.executeTakeFirst();
      if (!row) throw notFound();
      if (row.revoked_at !== null) return toApiKey(row);
      const now = new Date(clock.now());
      const updated = await db.transaction().execute(async (trx) => {
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
    },

    /**
     * Checks a presented key: found by its public prefix, then its hash compared in constant time.
     * Throws API_KEY_INVALID (unknown, malformed) or API_KEY_REVOKED.
     */
    async authenticate(presented: string): Promise<ApiPrincipal> {
      const invalid = () =>
        new ApiKeyError('API_KEY_INVALID', 'the API key is not valid (check it was copied whole)');
      const match = KEY_PATTERN.exec(presented);
      if (!match) throw invalid();
      const row = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('prefix', '=', match[1]!)
        .executeTakeFirst();
      const presentedHash = Buffer.from(hashToken(presented), 'hex');
      const storedHash = Buffer.from(row?.key_hash ?? '0'.repeat(64), 'hex');
      const same = storedHash.length === presentedHash.length && timingSafeEqual(storedHash, presentedHash);
      if (!row || !same) throw invalid();
      if (row.revoked_at !== null) {
        throw new ApiKeyError('API_KEY_REVOKED', `the API key ${row.prefix} was revoked; create a new one`);
      }
      const now = clock.now();
      if (row.last_used_at === null || now - row.last_used_at.getTime() >= touchEvery) {
        await db
          .updateTable('api_keys')
          .set({ last_used_at: new Date(now) })
          .where('id', '=', row.id)
          .execute();
      }
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
    },
  };
}

export type ApiKeys = ReturnType<typeof createApiKeys>;
