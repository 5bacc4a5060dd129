import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLwaClient } from '../../src/amazon/lwa.js';
import { simulatorEndpoints } from '../../src/config/config.js';
import { createApplications } from '../../src/connections/applications.js';
import { createAuditLog } from '../../src/connections/audit.js';
import { createConnectionManager } from '../../src/connections/manage.js';
import type { Viewer } from '../../src/connections/repository.js';
import { DAY, SECOND, createOffsetClock, systemClock } from '../../src/kernel/clock.js';
import { silentLogger } from '../../src/kernel/log.js';
import { cryptoRandom, randomUuid } from '../../src/kernel/random.js';
import { Secret } from '../../src/kernel/secret.js';
import { createSimulator } from '../../src/simulator/app.js';
import { DEMO, seedDemo } from '../../src/simulator/seed.js';
import { authorize } from '../../src/simulator/world.js';
import type { Store } from '../../src/store/database.js';
import { createTokenBroker, type TokenBroker } from '../../src/tokens/broker.js';
import { createVault } from '../../src/vault/envelope.js';
import { createKeyRing } from '../../src/vault/keyring.js';
import { describeEachDatabase, openTestStore } from '../support/databases.js';

const ORIGIN = 'http://sim.test';

describeEachDatabase('token broker', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  const clock = createOffsetClock(systemClock);
  // Client secrets live long here so a year can pass without rotations (tested elsewhere).
  const sim = createSimulator({ clock, config: { clientSecretLifetimeMs: 1000 * DAY } });
  const fetchSim = (input: RequestInfo | URL, init?: RequestInit) => sim.fetch(new Request(input, init));
  const vault = createVault(
    createKeyRing([{ id: 'k1', base64: Buffer.alloc(32, 7).toString('base64') }]),
    cryptoRandom,
  );
  let broker: TokenBroker;
  let appId = '';
  let accountId = '';
  const events: string[] = [];
  const lwaCalls = () => sim.ctx.state.requestLog.filter((e) => e.operation === 'lwa').length;

  const viewer = (): Viewer => ({
    userId: '',
    username: 'ops',
    role: 'operator',
    accountId: null,
    actor: 'cli',
  });
  let manager: ReturnType<typeof createConnectionManager>;
  let applications: ReturnType<typeof createApplications>;

  /** A connection for a fresh simulated seller, imported through the public use case. */
  const newConnection = async (
    authKind: 'oauth' | 'self' = 'self',
  ): Promise<{ id: string; authorizationId: string }> => {
    const spid = `A${randomUuid(cryptoRandom).replace(/-/g, '').slice(0, 12).toUpperCase()}`;
    sim.ctx.state.sellers.set(spid, {
      sellingPartnerId: spid,
      name: spid,
      region: 'NA',
      marketplaceIds: ['ATVPDKIKX0DER'],
      users: [],
    });
    const auth = authorize(sim.ctx, {
      appId: DEMO.publishedApp.appId,
      sellingPartnerId: spid,
      kind: authKind,
    });
    const c = await manager.importSelfAuthorized(
      viewer(),
      {
        applicationId: appId,
        region: 'NA',
        sellingPartnerId: spid,
        refreshToken: new Secret(auth.refreshToken),
        accountId,
      },
      null,
    );
    return { id: c.id, authorizationId: auth.id };
  };

  beforeAll(async () => {
    ({ store, close } = await openTestStore(kind));
    seedDemo(sim.ctx, { redirectUris: ['https://vendor.example/oauth/callback'] });
    const endpoints = simulatorEndpoints(ORIGIN);
    const lwa = createLwaClient({ fetch: fetchSim, endpoint: endpoints.lwaTokenUrl, clock });
    applications = createApplications({ db: store.db, vault, clock, newId: () => randomUuid(cryptoRandom) });
    const audit = createAuditLog(store.db, clock);
    appId = (
      await applications.upsert({
        name: 'Demo',
        appId: DEMO.publishedApp.appId,
        clientId: DEMO.publishedApp.clientId,
        clientSecret: new Secret(DEMO.publishedApp.clientSecret),
        status: 'published',
        redirectUri: 'https://vendor.example/oauth/callback',
      })
    ).id;
    accountId = (
      await store.db
        .insertInto('accounts')
        .values({ name: 'Broker test' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    manager = createConnectionManager({
      db: store.db,
      vault,
      clock,
      random: cryptoRandom,
      lwa,
      fetch: fetchSim,
      applications,
      audit,
      endpoints,
      userAgent: 'test/1 (Language=TS)',
      logger: silentLogger,
    });
    broker = createTokenBroker({
      store,
      vault,
      clock,
      lwa,
      applications,
      audit,
      logger: silentLogger,
      onEvent: (e) => events.push(e.type),
    });
  });
  afterAll(async () => {
    sim.stop();
    await close();
  });

  it('makes exactly one LWA call per connection for 60 concurrent requests over 6 connections, then none while cached', async () => {
    const ids = await Promise.all(Array.from({ length: 6 }, () => newConnection()));
    const before = lwaCalls();
    const tokens = await Promise.all(
      Array.from({ length: 60 }, (_, i) => broker.accessToken(ids[i % 6]!.id)),
    );
    expect(lwaCalls() - before).toBe(6);
    for (let c = 0; c < 6; c++) {
      const mine = tokens.filter((t) => t.connectionId === ids[c]!.id).map((t) => t.token.reveal());
      expect(new Set(mine).size).toBe(1);
      expect(mine[0]).toMatch(/^Atza\|/);
    }
    await Promise.all(ids.map((c) => broker.accessToken(c.id)));
    expect(lwaCalls() - before).toBe(6);
    const stored = await store.db.selectFrom('access_tokens').select(['token_blob']).execute();
    for (const t of tokens) expect(stored.some((s) => s.token_blob.includes(t.token.reveal()))).toBe(false);
  });

  it('refreshes once, 60 s before expiry', async () => {
    const { id } = await newConnection();
    const first = await broker.accessToken(id);
    clock.advance(3600 * SECOND - 59 * SECOND);
    const before = lwaCalls();
    const [a, b] = await Promise.all([broker.accessToken(id), broker.accessToken(id)]);
    expect(lwaCalls() - before).toBe(1);
    expect(a.token.reveal()).toBe(b.token.reveal());
    expect(a.token.reveal()).not.toBe(first.token.reveal());
  });

  it('marks a revoked authorization revoked, raises the event, and then fails fast with no call to Amazon', async () => {
    const { id, authorizationId } = await newConnection();
    sim.ctx.state.authorizations.get(authorizationId)!.revokedAt = clock.now();
    await expect(broker.accessToken(id)).rejects.toMatchObject({ code: 'TOKEN_CONNECTION_REVOKED' });
    const row = await store.db
      .selectFrom('connections')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.state).toBe('revoked');
    expect(row.state_reason).toMatch(/no longer accepts/);
    expect(events).toContain('connection.revoked');
    const audit = await store.db
      .selectFrom('audit_log')
      .select('action')
      .where('connection_id', '=', id)
      .execute();
    expect(audit.map((a) => a.action)).toContain('connection.revoked');
    const before = lwaCalls();
    for (let i = 0; i < 5; i++)
      await expect(broker.accessToken(id)).rejects.toMatchObject({ code: 'TOKEN_CONNECTION_REVOKED' });
    expect(lwaCalls()).toBe(before);
  });

  it('marks an authorization past its 365 days expired', async () => {
    const { id } = await newConnection('oauth');
    clock.advance(366 * DAY);
    await expect(broker.accessToken(id)).rejects.toMatchObject({ code: 'TOKEN_CONNECTION_EXPIRED' });
    const row = await store.db
      .selectFrom('connections')
      .select(['state'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.state).toBe('expired');
    expect(events).toContain('connection.expired');
  });

  it('flags the application on invalid_client, and clears the flag once a call succeeds', async () => {
    const { id } = await newConnection();
    await broker.invalidate(id);
    const app = await applications.get(appId);
    await applications.upsert({
      name: app.name,
      appId: app.appId,
      clientId: app.clientId,
      clientSecret: new Secret('amzn1.oa2-cs.v1.wrong'),
      status: app.status,
      redirectUri: app.redirectUri,
    });
    await expect(broker.accessToken(id)).rejects.toMatchObject({ code: 'TOKEN_APPLICATION_REJECTED' });
    expect((await applications.get(appId)).flaggedReason).toMatch(/client secret/);
    expect(events).toContain('application.rejected');
    const row = await store.db
      .selectFrom('connections')
      .select(['state'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.state).toBe('active');
    await applications.upsert({
      name: app.name,
      appId: app.appId,
      clientId: app.clientId,
      clientSecret: new Secret(DEMO.publishedApp.clientSecret),
      status: app.status,
      redirectUri: app.redirectUri,
    });
    await broker.accessToken(id);
    expect((await applications.get(appId)).flaggedAt).toBeNull();
  });

  it('counts transient failures, shows error after 5 in a row, and recovers on success', async () => {
    const { id } = await newConnection();
    await broker.invalidate(id);
    sim.ctx.state.faults.push({ id: 'lwa-503', operation: 'lwa', kind: '503', share: 1 });
    for (let i = 0; i < 5; i++) {
      const err = await broker.accessToken(id).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'TOKEN_REFRESH_FAILED' });
      expect((err as { retryable: boolean }).retryable).toBe(true);
    }
    const broken = await store.db
      .selectFrom('connections')
      .select(['state', 'consecutive_failures'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(broken).toEqual({ state: 'error', consecutive_failures: 5 });
    sim.ctx.state.faults.length = 0;
    await broker.accessToken(id);
    const healed = await store.db
      .selectFrom('connections')
      .select(['state', 'consecutive_failures'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(healed).toEqual({ state: 'active', consecutive_failures: 0 });
  });
});
