import type { Kysely } from 'kysely';
import type { ConnectionLifecycle } from '../lifecycle/connections.js';
import type { Database } from '../store/schema.js';
import type { Vault } from '../vault/envelope.js';
import { openRefreshToken, sealRefreshToken } from './sealing.js';

/** How many stored secrets one vault key id seals. */
export interface KeyUsage {
  keyId: string;
  /** Client secrets of applications. */
  applications: number;
  /** Refresh tokens of connections (disconnected ones hold none). */
  connections: number;
  /** Cached access tokens (a cache: minted again on demand, so rotation drops old ones). */
  accessTokens: number;
  /** Webhook endpoint secrets (notify/), merged in by the CLI. */
  webhookSecrets: number;
}

/**
 * Counts sealed secrets per vault key id, from the key id columns only (nothing is opened): what key
 * rotation needs to know before it starts, and what `sellerlink keys status` shows. Ordered by key id.
 */
export async function vaultKeyUsage(db: Kysely<Database>): Promise<KeyUsage[]> {
  const apps = await db
    .selectFrom('applications')
    .select(['client_secret_key_id as keyId', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy('client_secret_key_id')
    .execute();
  const connections = await db
    .selectFrom('connections')
    .select(['refresh_token_key_id as keyId', (eb) => eb.fn.countAll<string>().as('n')])
    .where('refresh_token_blob', 'is not', null)
    .where('refresh_token_key_id', 'is not', null)
    .groupBy('refresh_token_key_id')
    .execute();
  const cached = await db
    .selectFrom('access_tokens')
    .select(['token_key_id as keyId', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy('token_key_id')
    .execute();
  const usage = new Map<string, KeyUsage>();
  const entry = (keyId: string): KeyUsage => {
    let found = usage.get(keyId);
    if (!found)
      usage.set(
        keyId,
        (found = { keyId, applications: 0, connections: 0, accessTokens: 0, webhookSecrets: 0 }),
      );
    return found;
  };
  for (const row of apps) entry(row.keyId).applications += Number(row.n);
  for (const row of connections) if (row.keyId !== null) entry(row.keyId).connections += Number(row.n);
  for (const row of cached) entry(row.keyId).accessTokens += Number(row.n);
  return [...usage.values()].sort((a, b) => a.keyId.localeCompare(b.keyId));
}

/**
 * Key rotation for connections' tokens (only broker/ opens them): check that every stored
 * refresh token opens, re-seal the ones an older key sealed with the vault's newest key, and drop
 * cached access tokens sealed with an older key (the broker mints them again on demand).
 */
export function createRefreshTokenResealer(deps: {
  db: Kysely<Database>;
  vault: Vault;
  lifecycle: ConnectionLifecycle;
}) {
  const { db, vault } = deps;
  const sealedRows = () =>
    db
      .selectFrom('connections')
      .select(['id', 'refresh_token_key_id', 'refresh_token_blob'])
      .where('refresh_token_blob', 'is not', null)
      .where('refresh_token_key_id', 'is not', null)
      .orderBy('id')
      .execute();

  return {
    /**
     * Opens every stored refresh token and writes nothing; throws the vault's error (naming the key
     * id) for the first that does not open. Returns how many were checked.
     */
    async verifyAll(): Promise<number> {
      const rows = await sealedRows();
      for (const r of rows) {
        openRefreshToken(vault, r.id, { keyId: r.refresh_token_key_id!, blob: r.refresh_token_blob! });
      }
      return rows.length;
    },

    /**
     * Re-seals every refresh token not sealed with the vault's current key; returns how many moved.
     * A row changed meanwhile (renewed, disconnected) is left alone: its new value is already sealed
     * with the current key, or gone.
     */
    async resealAll(): Promise<number> {
      let moved = 0;
      for (const r of await sealedRows()) {
        const sealed = { keyId: r.refresh_token_key_id!, blob: r.refresh_token_blob! };
        if (!vault.needsReseal(sealed)) continue;
        const next = sealRefreshToken(vault, r.id, openRefreshToken(vault, r.id, sealed));
        if (await deps.lifecycle.resealRefreshToken(r.id, sealed, next)) moved++;
      }
      return moved;
    },

    /**
     * Deletes cached access tokens not sealed with the vault's current key, so no row needs an old
     * key once it is removed. Returns how many were dropped.
     */
    async dropStaleAccessTokens(): Promise<number> {
      const result = await db
        .deleteFrom('access_tokens')
        .where('token_key_id', '!=', vault.currentKeyId)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type RefreshTokenResealer = ReturnType<typeof createRefreshTokenResealer>;
