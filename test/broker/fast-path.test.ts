import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKeys, type ApiKeys } from '../../src/accounts/api-keys.js';
import type { TokenBroker } from '../../src/broker/broker.js';
import { createCacheVersions, VersionedMemo } from '../../src/broker/cache.js';
import { createAuditLog } from '../../src/connections/audit.js';
import { DAY, HOUR } from '../../src/kernel/clock.js';
import { cryptoRandom, randomUuid } from '../../src/kernel/random.js';
import { Secret } from '../../src/kernel/secret.js';
import type { Sellerlink } from '../../src/service/compose.js';
import { createSimulator, type Simulator } from '../../src/simulator/app.js';
import { DEMO, seedDemo } from '../../src/simulator/seed.js';
import { listenSimulator, type SimulatorServer } from '../../src/simulator/server.js';
import { authorize } from '../../src/simulator/world.js';
import { openStore, type Store } from '../../src/store/database.js';
import type { Database } from '../../src/store/schema.js';
import { createVault, type Vault } from '../../src/vault/envelope.js';
import { createKeyRing } from '../../src/vault/keyring.js';
import { createAmazonWorld, type AmazonWorld } from '../support/amazon-world.js';
import { composeUseCases, TEST_VAULT_KEY } from '../support/compose.js';
import {
  createPostgresDatabase,
  describeEachDatabase,
  openTestStore,
  postgresAvailable,
} from '../support/databases.js';

/**
 * The broker's fast path (src/broker/cache.ts): access tokens and API keys answered from memory at
 * the cache version, and every revocation, disconnection, renewal, expiry, invalidation and key
 * revocation honoured by the very next request: in one process (PGlite and PostgreSQL), and across
 * two processes over one PostgreSQL database (no waiting between the change and the request).
 */

const OPERATOR = { userId: '', username: 'test', role: 'operator' as const, accountId: null, actor: 'test' };
const REDIRECT = 'https://vendor.example/oauth/callback';
const DEAD = { code: 'LWA_INVALID_GRANT', message: null };

/** Replaces a connection's cached access token in the database without moving the cache version. */
async function overwriteStoredToken(db: Kysely<Database>, vault: Vault, id: string, value: string) {
  const sealed = vault.seal(new Secret(value), `connection:${id}:access_token`);
  await db
    .updateTable('access_tokens')
    .set({ token_key_id: sealed.keyId, token_blob: sealed.blob })
    .where('connection_id', '=', id)
    .execute();
}

describe('cache versions', () => {
  it('never answers a caller with a read that started before it called; callers waiting share the next read', async () => {
    const reads: { resolve: (v: string) => void }[] = [];
    const fakeDb = {
      executeQuery: () =>
        new Promise((resolve) =>
          reads.push({ resolve: (version: string) => resolve({ rows: [{ version }] }) }),
        ),
    } as unknown as Kysely<Database>;
    const versions = createCacheVersions(fakeDb);
    const first = versions.fresh();
    const second = versions.fresh(); // the first read is in flight: it may predate this call
    const third = versions.fresh();
    expect(reads).toHaveLength(1);
    reads[0]!.resolve('7'); // the version when the first read ran; a change commits after it
    expect(await first).toBe('7');
    await new Promise((r) => setImmediate(r));
    expect(reads).toHaveLength(2);
    reads[1]!.resolve('8');
    expect(await second).toBe('8');
    expect(await third).toBe('8');
    expect(reads).toHaveLength(2);
  });

  it('keeps values only at the newest version seen', () => {
    const memo = new VersionedMemo<string>();
    memo.set('a', 'at 9', '9');
    expect(memo.get('a', '9')).toBe('at 9');
    expect(memo.get('a', '10')).toBeUndefined();
    expect(memo.size).toBe(0); // a newer version drops everything older
    memo.set('a', 'late, at 9', '9');
    expect(memo.get('a', '10')).toBeUndefined();
    expect(memo.get('a', '9')).toBeUndefined();
  });
});

describeEachDatabase('broker fast path in one process', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  let world: AmazonWorld;
  let broker: TokenBroker;
  let keys: ApiKeys;
  let vault: Vault;

  beforeAll(async () => {
    ({ store, close } = await openTestStore(kind));
    world = await createAmazonWorld(store);
    broker = world.broker;
    vault = createVault(createKeyRing([TEST_VAULT_KEY]), cryptoRandom);
    keys = createApiKeys({
      db: store.db,
      clock: world.clock,
      random: cryptoRandom,
      audit: createAuditLog(store.db, world.clock),
      cacheVersion: broker.cacheVersion,
    });
  });
  afterAll(async () => {
    world.sim.stop();
    await close();
  });

  it('serves a token from memory while nothing it depends on changes, and refuses a revocation at once', async () => {
    const { id } = await world.newConnection();
    const first = (await broker.accessToken(id)).token.reveal();
    await overwriteStoredToken(store.db, vault, id, 'Atza|changed-without-a-version');
    expect((await broker.accessToken(id)).token.reveal()).toBe(first); // from memory
    await world.lifecycle.markDead(store.db, id, DEAD);
    await expect(broker.accessToken(id)).rejects.toMatchObject({ code: 'TOKEN_CONNECTION_REVOKED' });
  });

  it('refuses a disconnected connection at once, and serves the renewed one at once', async () => {
    const connection = await world.newConnection();
    await broker.accessToken(connection.id);
    await world.lifecycle.disconnect(connection.id, {
      userId: null,
      label: 'test',
      ip: null,
      username: 'test',
    });
    await expect(broker.accessToken(connection.id)).rejects.toMatchObject({
      code: 'TOKEN_CONNECTION_DISCONNECTED',
    });
    await world.renew(connection);
    expect((await broker.accessToken(connection.id)).token.reveal()).toMatch(/^Atza\|/);
  });

  it('reloads after an invalidation and after a prime', async () => {
    const { id } = await world.newConnection();
    const first = (await broker.accessToken(id)).token.reveal();
    const before = world.lwaCalls();
    await broker.invalidate(id);
    const second = (await broker.accessToken(id)).token.reveal();
    expect(second).not.toBe(first);
    expect(world.lwaCalls() - before).toBe(1);
    const primed = 'Atza|primed-by-a-code-exchange';
    const expiresAt = world.clock.now() + HOUR;
    await broker.prime(id, { accessToken: new Secret(primed), expiresIn: 3600, expiresAt });
    expect((await broker.accessToken(id)).token.reveal()).toBe(primed);
  });

  it('remembers a checked API key until it is revoked, and refuses it at once after', async () => {
    const { apiKey, key } = await keys.create(OPERATOR, { name: 'fast', accountId: world.accountId });
    const first = await keys.authenticate(key.reveal());
    expect(first.keyId).toBe(apiKey.id);
    expect(first.cacheVersion).toMatch(/^\d+$/);
    await store.db.updateTable('api_keys').set({ name: 'renamed' }).where('id', '=', apiKey.id).execute();
    expect((await keys.authenticate(key.reveal())).name).toBe('fast'); // from memory
    const wrong = key.reveal().slice(0, -1) + (key.reveal().endsWith('A') ? 'B' : 'A');
    await expect(keys.authenticate(wrong)).rejects.toMatchObject({ code: 'API_KEY_INVALID' });
    await keys.revoke(OPERATOR, apiKey.id);
    await expect(keys.authenticate(key.reveal())).rejects.toMatchObject({ code: 'API_KEY_REVOKED' });
  });

  it('never serves from memory past the authorization’s end (by the clock, no version moved)', async () => {
    const { id } = await world.newConnection();
    await broker.accessToken(id);
    const row = await store.db
      .selectFrom('connections')
      .select('expires_at')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    world.clock.advance(row.expires_at!.getTime() - world.clock.now() + 1000);
    await expect(broker.accessToken(id)).rejects.toMatchObject({ code: 'TOKEN_CONNECTION_EXPIRED' });
  });

  it('refuses at once when Amazon rejects the application', async () => {
    const { id } = await world.newConnection();
    await broker.accessToken(id);
    await world.applications.reject(world.applicationId, 'invalid_client');
    await expect(broker.accessToken(id)).rejects.toMatchObject({ code: 'TOKEN_APPLICATION_REJECTED' });
  });
});

/** The other process: `sellerlink web` over the same database, reached over HTTP. */
async function startServiceProcess(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['bin/sellerlink-dev.js', 'test/broker/fast-path-serve.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the service process exited early with ${code}`)));
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const ready = /ready (\S+)/.exec(out);
      if (ready) resolve(ready[1]!);
    });
  });
  return { child, url };
}

describe.skipIf(!postgresAvailable)('broker fast path across two processes [postgres]', () => {
  let database: { url: string; drop: () => Promise<void> };
  let store: Store;
  let sim: Simulator;
  let simServer: SimulatorServer;
  let graph: Sellerlink;
  let service: { child: ChildProcess; url: string };
  let applicationId = '';
  let accountId = '';
  let key = '';
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sellerlink-fast-path-'));

  const newConnection = async () => {
    const spid = `A${randomUuid(cryptoRandom).replace(/-/g, '').slice(0, 12).toUpperCase()}`;
    sim.ctx.state.sellers.set(spid, {
      sellingPartnerId: spid,
      name: spid,
      region: 'NA',
      marketplaceIds: ['ATVPDKIKX0DER'],
      users: [],
    });
    return renew(spid);
  };
  /** The seller authorizes the app (again) and the token is imported here: connects, or renews. */
  const renew = async (spid: string) => {
    const auth = authorize(sim.ctx, { appId: DEMO.publishedApp.appId, sellingPartnerId: spid, kind: 'self' });
    const c = await graph.connections.importSelfAuthorized(
      OPERATOR,
      {
        applicationId,
        region: 'NA',
        sellingPartnerId: spid,
        refreshToken: new Secret(auth.refreshToken),
        accountId,
      },
      null,
    );
    return { id: c.id, spid };
  };
  /** `POST /api/v1/connections/{id}/access-token` on the other process. */
  const tokenThere = async (id: string, apiKey = key) => {
    const res = await fetch(`${service.url}/api/v1/connections/${id}/access-token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}` },
    });
    const body = (await res.json()) as { accessToken?: string; error?: { code: string } };
    return { status: res.status, token: body.accessToken, code: body.error?.code };
  };
  const lwaCalls = () => sim.ctx.state.requestLog.filter((e) => e.operation === 'lwa').length;

  beforeAll(async () => {
    database = await createPostgresDatabase();
    store = await openStore({ kind: 'postgres', url: database.url });
    sim = createSimulator({ config: { clientSecretLifetimeMs: 1000 * DAY } });
    seedDemo(sim.ctx, { redirectUris: [REDIRECT] });
    simServer = await listenSimulator(sim, { port: 0 });
    const fetchSim = (input: RequestInfo | URL, init?: RequestInit) => sim.fetch(new Request(input, init));
    graph = await composeUseCases({ store, origin: simServer.url, fetch: fetchSim });
    applicationId = (
      await graph.applications.upsert({
        name: 'Demo',
        appId: DEMO.publishedApp.appId,
        clientId: DEMO.publishedApp.clientId,
        clientSecret: new Secret(DEMO.publishedApp.clientSecret),
        status: 'published',
        redirectUri: REDIRECT,
      })
    ).id;
    accountId = (
      await store.db
        .insertInto('accounts')
        .values({ name: 'Fast path' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    key = (await graph.apiKeys.create(OPERATOR, { name: 'vendor', accountId })).key.reveal();
    service = await startServiceProcess({
      PORT: '0',
      HOST: '127.0.0.1',
      SELLERLINK_MODE: 'production',
      SELLERLINK_DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      DATABASE_URL: database.url,
      SELLERLINK_VAULT_KEYS: `${TEST_VAULT_KEY.id}:${TEST_VAULT_KEY.base64}`,
      AMAZON_APP_ID: DEMO.publishedApp.appId,
      AMAZON_CLIENT_ID: DEMO.publishedApp.clientId,
      AMAZON_CLIENT_SECRET: DEMO.publishedApp.clientSecret,
      LWA_TOKEN_URL: `${simServer.url}/auth/o2/token`,
      SPAPI_URL_NA: simServer.url,
      SPAPI_URL_EU: simServer.url,
      SPAPI_URL_FE: simServer.url,
    });
  }, 120_000);

  afterAll(async () => {
    if (service?.child.exitCode === null) {
      const exited = new Promise((r) => service.child.once('exit', r));
      service.child.kill('SIGTERM');
      await exited;
    }
    await graph?.close();
    await simServer?.close();
    sim?.stop();
    await store?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves from memory there, refuses a revocation made here at once, and serves the renewal at once', async () => {
    const { id, spid } = await newConnection();
    const first = await tokenThere(id);
    expect(first.status).toBe(200);
    expect((await tokenThere(id)).token).toBe(first.token);
    await overwriteStoredToken(store.db, graph.vault, id, 'Atza|changed-without-a-version');
    expect((await tokenThere(id)).token).toBe(first.token); // the other process answers from memory
    await graph.amazon.lifecycle.markDead(store.db, id, DEAD); // Amazon said invalid_grant here
    expect(await tokenThere(id)).toMatchObject({ status: 409, code: 'TOKEN_CONNECTION_REVOKED' });
    await renew(spid);
    const here = (await graph.amazon.tokens.accessToken(id)).token.reveal();
    expect(await tokenThere(id)).toEqual({ status: 200, token: here, code: undefined });
  });

  it('refuses a connection disconnected here at once', async () => {
    const { id } = await newConnection();
    expect((await tokenThere(id)).status).toBe(200);
    await graph.connections.disconnect(OPERATOR, id, null);
    expect(await tokenThere(id)).toMatchObject({ status: 409, code: 'TOKEN_CONNECTION_DISCONNECTED' });
  });

  it('hands out a token primed or invalidated here at once', async () => {
    const { id } = await newConnection();
    const first = (await tokenThere(id)).token;
    const primed = 'Atza|primed-here';
    await graph.amazon.tokens.prime(id, {
      accessToken: new Secret(primed),
      expiresIn: 3600,
      expiresAt: Date.now() + HOUR,
    });
    expect((await tokenThere(id)).token).toBe(primed);
    const before = lwaCalls();
    await graph.amazon.tokens.invalidate(id);
    const next = (await tokenThere(id)).token;
    expect(next).not.toBe(primed);
    expect(next).not.toBe(first);
    expect(lwaCalls() - before).toBe(1);
  });

  it('never shows a token in memory there to a key of another account', async () => {
    const { id } = await newConnection();
    expect((await tokenThere(id)).status).toBe(200);
    const other = (
      await store.db
        .insertInto('accounts')
        .values({ name: 'Other' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    const otherKey = (await graph.apiKeys.create(OPERATOR, { name: 'other', accountId: other })).key.reveal();
    expect(await tokenThere(id, otherKey)).toMatchObject({ status: 404, code: 'CONNECTION_NOT_FOUND' });
  });

  it('refuses an API key revoked here at once', async () => {
    const { id } = await newConnection();
    const created = await graph.apiKeys.create(OPERATOR, { name: 'to revoke', accountId });
    const revokable = created.key.reveal();
    expect((await tokenThere(id, revokable)).status).toBe(200);
    expect((await tokenThere(id, revokable)).status).toBe(200);
    await graph.apiKeys.revoke(OPERATOR, created.apiKey.id);
    expect(await tokenThere(id, revokable)).toMatchObject({ status: 401, code: 'API_KEY_REVOKED' });
    expect((await tokenThere(id)).status).toBe(200); // the other key still works
  });

  it('refuses at once when the application is rejected here', async () => {
    const { id } = await newConnection();
    expect((await tokenThere(id)).status).toBe(200);
    await graph.applications.reject(applicationId, 'invalid_client');
    expect(await tokenThere(id)).toMatchObject({ status: 502, code: 'TOKEN_APPLICATION_REJECTED' });
  });
});
