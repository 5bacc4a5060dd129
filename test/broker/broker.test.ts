import { afterAll, beforeAll, expect, it } from 'vitest';
import { DAY, SECOND } from '../../src/kernel/clock.js';
import { Secret } from '../../src/kernel/secret.js';
import { DEMO } from '../../src/simulator/seed.js';
import type { Store } from '../../src/store/database.js';
import type { TokenBroker } from '../../src/broker/broker.js';
import { createAmazonWorld, type AmazonWorld } from '../support/amazon-world.js';
import { describeEachDatabase, openTestStore } from '../support/databases.js';

describeEachDatabase('token broker', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  let world: AmazonWorld;
  let broker: TokenBroker;
  let appId = '';

  beforeAll(async () => {
    ({ store, close } = await openTestStore(kind));
    world = await createAmazonWorld(store);
    broker = world.broker;
    appId = world.applicationId;
  });
  afterAll(async () => {
    world.sim.stop();
    await close();
  });

  it('makes exactly one LWA call per connection for 60 concurrent requests over 6 connections, then none while cached', async () => {
    const ids = await Promise.all(Array.from({ length: 6 }, () => world.newConnection()));
    // The import cached the access token Amazon gave while checking the refresh token: drop it.
    await Promise.all(ids.map((c) => broker.invalidate(c.id)));
    const before = world.lwaCalls();
    const tokens = await Promise.all(
      Array.from({ length: 60 }, (_, i) => broker.accessToken(ids[i % 6]!.id)),
    );
    expect(world.lwaCalls() - before).toBe(6);
    for (let c = 0; c < 6; c++) {
      const mine = tokens.filter((t) => t.connectionId === ids[c]!.id).map((t) => t.token.reveal());
      expect(new Set(mine).size).toBe(1);
      expect(mine[0]).toMatch(/^Atza\|/);
    }
    await Promise.all(ids.map((c) => broker.accessToken(c.id)));
    expect(world.lwaCalls() - before).toBe(6);
    const stored = await store.db.selectFrom('access_tokens').select(['token_blob']).execute();
    for (const t of tokens) expect(stored.some((s) => s.token_blob.includes(t.token.reveal()))).toBe(false);
  });

  it('refreshes once, 60 s before expiry', async () => {
    const { id } = await world.newConnection();
    const first = await broker.accessToken(id);
    world.clock.advance(3600 * SECOND - 59 * SECOND);
    const before = world.lwaCalls();
    const [a, b] = await Promise.all([broker.accessToken(id), broker.accessToken(id)]);
    expect(world.lwaCalls() - before).toBe(1);
    expect(a.token.reveal()).toBe(b.token.reveal());
    expect(a.token.reveal()).not.toBe(first.token.reveal());
  });

  it('marks a revoked authorization revoked, raises the event, and then fails fast with no call to Amazon', async () => {
    const { id, authorizationId } = await world.newConnection();
    await broker.invalidate(id);
    world.sim.ctx.state.authorizations.get(authorizationId)!.revokedAt = world.clock.now();
    await expect(broker.accessToken(id)).rejects.toMatchObject({ code: 'TOKEN_CONNECTION_REVOKED' });
    const row = await store.db
      .selectFrom('connections')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.state).toBe('revoked');
    expect(row.state_reason).toMatch(/no longer accepts/);
    expect(await world.events()).toContain('connection.revoked');
    const audit = await store.db
      .selectFrom('audit_log')
      .select('action')
      .where('connection_id', '=', id)
      .execute();
    expect(audit.map((a) => a.action)).toContain('connection.revoked');
    const before = world.lwaCalls();
    for (let i = 0; i < 5; i++)
      await expect(broker.accessToken(id)).rejects.toMatchObject({ code: 'TOKEN_CONNECTION_REVOKED' });
    expect(world.lwaCalls()).toBe(before);
  });

  it('marks an authorization past its 365 days expired', async () => {
    const { id } = await world.newConnection('oauth');
    world.clock.advance(366 * DAY);
    await expect(broker.accessToken(id)).rejects.toMatchObject({ code: 'TOKEN_CONNECTION_EXPIRED' });
    const row = await store.db
      .selectFrom('connections')
      .select(['state'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.state).toBe('expired');
    expect(await world.events()).toContain('connection.expired');
  });

  it('flags the application on invalid_client, and clears the flag once a call succeeds', async () => {
    const { id } = await world.newConnection();
    await broker.invalidate(id);
    const app = await world.applications.get(appId);
    await world.applications.upsert({
      name: app.name,
      appId: app.appId,
      clientId: app.clientId,
      clientSecret: new Secret('amzn1.oa2-cs.v1.wrong'),
      status: app.status,
      redirectUri: app.redirectUri,
    });
    await expect(broker.accessToken(id)).rejects.toMatchObject({ code: 'TOKEN_APPLICATION_REJECTED' });
    expect((await world.applications.get(appId)).flaggedReason).toMatch(/client secret/);
    expect(await world.events()).toContain('application.rejected');
    const row = await store.db
      .selectFrom('connections')
      .select(['state'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.state).toBe('active');
    await world.applications.upsert({
      name: app.name,
      appId: app.appId,
      clientId: app.clientId,
      clientSecret: new Secret(DEMO.publishedApp.clientSecret),
      status: app.status,
      redirectUri: app.redirectUri,
    });
    await broker.accessToken(id);
    expect((await world.applications.get(appId)).flaggedAt).toBeNull();
  });

  it('counts transient failures, shows error after 5 in a row, and recovers on success', async () => {
    const { id } = await world.newConnection();
    await broker.invalidate(id);
    world.sim.ctx.state.faults.push({ id: 'lwa-503', operation: 'lwa', kind: '503', share: 1 });
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
    world.sim.ctx.state.faults.length = 0;
    await broker.accessToken(id);
    const healed = await store.db
      .selectFrom('connections')
      .select(['state', 'consecutive_failures'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(healed).toEqual({ state: 'active', consecutive_failures: 0 });
  });
});
