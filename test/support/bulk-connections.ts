import { randomUUID } from 'node:crypto';
import type { Insertable, Kysely } from 'kysely';
import { sealRefreshToken } from '../../src/broker/sealing.js';
import { DAY } from '../../src/kernel/clock.js';
import { Secret } from '../../src/kernel/secret.js';
import { ADS_ADVERTISER_KEY } from '../../src/lifecycle/ads-identity.js';
import type { AmazonApi, ConnectionsTable, Database, RegionCode } from '../../src/store/schema.js';
import type { Vault } from '../../src/vault/envelope.js';

/**
 * Bulk seeding for the operator console's tests and its 100,000-connection check: many accounts and
 * connections written straight into the tables (the issue allows seeding "not through the OAuth
 * flow"), each connection with a sealed dummy refresh token (through the vault, bound to its row, so
 * it is what the lifecycle would store) unless it is disconnected. The connections cycle through
 * every lifecycle state with time applied, both APIs and the three regions, deterministically by
 * their index, so tests can say what each filter must return.
 */

/** An account as the seeder made it. */
export interface SeededAccount {
  id: string;
  name: string;
}

/** What one seeded connection is, by its index (see `SCENARIOS`). */
export interface SeededConnection {
  id: string;
  index: number;
  accountId: string;
  api: AmazonApi;
  region: RegionCode;
  sellingPartnerId: string;
  storeName: string | null;
  createdAt: Date;
}

/** How the connections are spread over the lifecycle (index % SCENARIOS.length). */
export const SCENARIOS = [
  'active',
  'expiring',
  'stored-expiring-but-active',
  'expired-by-time',
  'revoked',
  'error',
  'disconnected',
  'self-no-expiry',
] as const;

const REGIONS: readonly RegionCode[] = ['NA', 'EU', 'FE'];

/** Inserts `count` accounts named `<prefix> <n>` (external ids `<prefix>-ext-<n>` lowercased). */
export async function seedAccounts(
  db: Kysely<Database>,
  count: number,
  prefix = 'Bulk Account',
): Promise<SeededAccount[]> {
  const accounts: SeededAccount[] = [];
  for (let start = 0; start < count; start += 1000) {
    const rows = Array.from({ length: Math.min(1000, count - start) }, (_, k) => {
      const n = start + k + 1;
      return {
        id: randomUUID(),
        name: `${prefix} ${String(n).padStart(5, '0')}`,
        external_id: `${prefix.toLowerCase().replace(/\W+/g, '-')}-ext-${n}`,
      };
    });
    await db.insertInto('accounts').values(rows).execute();
    accounts.push(...rows.map((r) => ({ id: r.id, name: r.name })));
  }
  return accounts;
}

/** An SP-API application row with a sealed dummy secret (for a database without the service's set-up). */
export async function seedApplication(
  db: Kysely<Database>,
  vault: Vault,
  api: AmazonApi = 'sp_api',
): Promise<string> {
  const id = randomUUID();
  const sealed = vault.seal(new Secret(`dummy-secret-${id}`), `application:${id}:client_secret`);
  await db
    .insertInto('applications')
    .values({
      id,
      api,
      name: api === 'ads' ? 'Bulk Ads profile' : 'Bulk SP-API app',
      app_id:
        api === 'ads' ? `amzn1.application-oa2-client.${id.replace(/-/g, '')}` : `amzn1.sp.solution.${id}`,
      lwa_client_id: `amzn1.application-oa2-client.${id.replace(/-/g, '')}`,
      client_secret_key_id: sealed.keyId,
      client_secret_blob: sealed.blob,
      client_secret_issued_at: new Date(),
      status: 'published',
      redirect_uri: 'https://sellerlink.example/oauth/callback',
    } as never)
    .execute();
  return id;
}

/** The seeded connection `index` of an account (values only; the row is built by `rowOf`). */
function describe(
  index: number,
  accounts: readonly SeededAccount[],
  now: number,
  ads: boolean,
): SeededConnection {
  const account = accounts[index % accounts.length]!;
  const region = REGIONS[Math.floor(index / accounts.length) % 3]!;
  const api: AmazonApi = ads ? 'ads' : 'sp_api';
  const hex = index.toString(16).toUpperCase().padStart(8, '0');
  return {
    id: randomUUID(),
    index,
    accountId: account.id,
    api,
    region,
    sellingPartnerId: ads ? ADS_ADVERTISER_KEY : `A${hex}SELLER`,
    storeName: ads ? null : index % 5 === 4 ? null : `Store ${hex} of ${account.name}`,
    // Every three connections share a timestamp: the id breaks the tie in the page order.
    createdAt: new Date(now - 3 * DAY - Math.floor(index / 3) * 1000),
  };
}

/** The row of a seeded connection, in its scenario. */
function rowOf(
  c: SeededConnection,
  vault: Vault,
  now: number,
  applicationId: string,
): Insertable<ConnectionsTable> {
  const scenario = SCENARIOS[c.index % SCENARIOS.length]!;
  const days = (d: number) => new Date(now + d * DAY);
  const sealed =
    scenario === 'disconnected' ? null : sealRefreshToken(vault, c.id, new Secret(`Atzr|dummy-${c.id}`));
  const base = {
    id: c.id,
    api: c.api,
    account_id: c.accountId,
    application_id: applicationId,
    selling_partner_id: c.sellingPartnerId,
    region: c.region,
    marketplace_ids: JSON.stringify([]),
    store_name: c.storeName,
    kind: scenario === 'self-no-expiry' ? ('self' as const) : ('oauth' as const),
    refresh_token_key_id: sealed?.keyId ?? null,
    refresh_token_blob: sealed?.blob ?? null,
    authorized_at: new Date(c.createdAt),
    created_at: c.createdAt,
    state_changed_at: c.createdAt,
  };
  const spread = c.index % 29;
  switch (scenario) {
    case 'active':
      return { ...base, state: 'active', expires_at: days(60 + (c.index % 300)) };
    case 'expiring':
      return { ...base, state: 'active', expires_at: days(1 + spread) };
    case 'stored-expiring-but-active':
      return { ...base, state: 'expiring', expires_at: days(100 + spread) };
    case 'expired-by-time':
      return { ...base, state: 'active', expires_at: days(-1 - spread) };
    case 'revoked':
      return { ...base, state: 'revoked', state_reason: 'invalid_grant', expires_at: days(200) };
    case 'error':
      return { ...base, state: 'error', state_reason: 'repeated failures', expires_at: days(20 + spread) };
    case 'disconnected':
      return {
        ...base,
        state: 'disconnected',
        state_reason: 'disconnected by the user',
        expires_at: days(90),
      };
    case 'self-no-expiry':
      return { ...base, state: 'active', expires_at: null };
  }
}

/**
 * Inserts `count` connections over `accounts` (round robin; the region changes after each round),
 * all of the SP-API application; with `adsApplicationId`, each account also gets one Amazon Ads
 * connection per region until `adsCount` are made. Inserted in batches of 1,000.
 */
export async function seedConnections(
  db: Kysely<Database>,
  vault: Vault,
  options: {
    accounts: readonly SeededAccount[];
    applicationId: string;
    count: number;
    now: number;
    adsApplicationId?: string;
    adsCount?: number;
  },
): Promise<SeededConnection[]> {
  const { accounts, now } = options;
  const all: SeededConnection[] = [];
  for (let i = 0; i < options.count; i++) all.push(describe(i, accounts, now, false));
  const adsCount = options.adsApplicationId ? Math.min(options.adsCount ?? 0, accounts.length * 3) : 0;
  for (let i = 0; i < adsCount; i++) all.push(describe(options.count + i, accounts, now, true));
  for (let start = 0; start < all.length; start += 1000) {
    const rows = all
      .slice(start, start + 1000)
      .map((c) => rowOf(c, vault, now, c.api === 'ads' ? options.adsApplicationId! : options.applicationId));
    await db.insertInto('connections').values(rows).execute();
  }
  return all;
}
