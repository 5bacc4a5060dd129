import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Store } from '../../src/store/database.js';
import { createAmazonWorld, type AmazonWorld } from '../support/amazon-world.js';
import { describeEachDatabase, openTestStore } from '../support/databases.js';
import { controlRequest } from '../support/sim-control.js';

describeEachDatabase('SP-API client', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  let world: AmazonWorld;
  const metrics = { calls: 0, throttled: 0, waited: 0 };

  beforeAll(async () => {
    ({ store, close } = await openTestStore(kind));
    // 200× Amazon's rates: searchOrders refills at 1.12 calls/s after its burst of 20.
    world = await createAmazonWorld(store, {
      simConfig: { speed: 200 },
      metrics: {
        call: () => metrics.calls++,
        throttled: () => metrics.throttled++,
        waited: () => metrics.waited++,
      },
    });
  });
  afterAll(async () => {
    world.sim.stop();
    await close();
  });

  it('calls at the usage-plan bound without a single 429: burst first, then waits at the rate Amazon reports', async () => {
    const { id } = await world.newConnection();
    const createdAfter = new Date(world.clock.now() - 3_600_000).toISOString();
    for (let i = 0; i < 24; i++) {
      const result = await world.client.call<{ orders: unknown[] }>(id, {
        method: 'GET',
        path: '/orders/2026-01-01/orders',
        query: { marketplaceIds: ['ATVPDKIKX0DER'], createdAfter },
      });
      expect(result.status).toBe(200);
      expect(Array.isArray(result.body.orders)).toBe(true);
    }
    expect(world.calls('searchOrders')).toEqual({ total: 24, throttled: 0 });
    expect(metrics.waited).toBeGreaterThanOrEqual(3); // calls 21-24 waited for tokens
  });

  it('retries 503s and 500s with backoff until the call succeeds', async () => {
    const { id } = await world.newConnection();
    world.sim.ctx.state.faults.push({
      id: 'f',
      operation: 'getMarketplaceParticipations',
      kind: '503',
      share: 1,
      remaining: 2,
    });
    world.sim.ctx.state.faults.push({
      id: 'g',
      operation: 'getMarketplaceParticipations',
      kind: '500',
      share: 1,
      remaining: 1,
    });
    const before = world.calls('getMarketplaceParticipations').total;
    const result = await world.client.call(id, {
      method: 'GET',
      path: '/sellers/v1/marketplaceParticipations',
    });
    expect(result.status).toBe(200);
    expect(world.calls('getMarketplaceParticipations').total - before).toBe(4);
  });

  it('gives up after the last attempt with the typed error', async () => {
    const { id } = await world.newConnection();
    world.sim.ctx.state.faults.push({
      id: 'h',
      operation: 'getMarketplaceParticipations',
      kind: '503',
      share: 1,
      remaining: 10,
    });
    await expect(
      world.client.call(id, { method: 'GET', path: '/sellers/v1/marketplaceParticipations' }),
    ).rejects.toMatchObject({
      code: 'SPAPI_UNAVAILABLE',
      retryable: true,
    });
    world.sim.ctx.state.faults.length = 0;
  });

  it('with retryAmbiguous: false, hands a 500 or a dropped connection back after one call (the caller settles it)', async () => {
    const { id } = await world.newConnection();
    const call = () =>
      world.client.call(id, {
        method: 'GET',
        path: '/sellers/v1/marketplaceParticipations',
        retryAmbiguous: false,
      });
    for (const kind of ['500', 'drop'] as const) {
      world.sim.ctx.state.faults.push({
        id: kind,
        operation: 'getMarketplaceParticipations',
        kind,
        share: 1,
        remaining: 1,
      });
      const before = world.calls('getMarketplaceParticipations').total;
      await expect(call()).rejects.toMatchObject({ retryable: true });
      expect(world.calls('getMarketplaceParticipations').total - before).toBe(1);
    }
  });

  it('survives dropped connections', async () => {
    const { id } = await world.newConnection();
    world.sim.ctx.state.faults.push({
      id: 'd',
      operation: 'getMarketplaceParticipations',
      kind: 'drop',
      share: 1,
      remaining: 2,
    });
    const result = await world.client.call(id, {
      method: 'GET',
      path: '/sellers/v1/marketplaceParticipations',
    });
    expect(result.status).toBe(200);
  });

  it('refreshes once and replays once when Amazon says the access token expired early', async () => {
    const { id } = await world.newConnection();
    await world.client.call(id, { method: 'GET', path: '/sellers/v1/marketplaceParticipations' });
    for (const t of world.sim.ctx.state.accessTokens.values()) t.expiresAt = world.clock.now() - 1; // Amazon's side only
    const lwaBefore = world.lwaCalls();
    const result = await world.client.call(id, {
      method: 'GET',
      path: '/sellers/v1/marketplaceParticipations',
    });
    expect(result.status).toBe(200);
    expect(world.lwaCalls() - lwaBefore).toBe(1);
  });

  it('detects a revocation at once when Amazon rejects the cached token as revoked', async () => {
    const { id, authorizationId } = await world.newConnection();
    await world.client.call(id, { method: 'GET', path: '/sellers/v1/marketplaceParticipations' });
    world.sim.ctx.state.authorizations.get(authorizationId)!.revokedAt = world.clock.now();
    await expect(
      world.client.call(id, { method: 'GET', path: '/sellers/v1/marketplaceParticipations' }),
    ).rejects.toMatchObject({
      code: 'TOKEN_CONNECTION_REVOKED',
    });
    const row = await store.db
      .selectFrom('connections')
      .select(['state'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.state).toBe('revoked');
    expect(await world.events()).toContain('connection.revoked');
    const lwaBefore = world.lwaCalls();
    await expect(
      world.client.call(id, { method: 'GET', path: '/sellers/v1/marketplaceParticipations' }),
    ).rejects.toMatchObject({
      code: 'TOKEN_CONNECTION_REVOKED',
    });
    expect(world.lwaCalls()).toBe(lwaBefore);
  });

  it('does not retry a 400 and reports Amazon’s words', async () => {
    const { id } = await world.newConnection();
    await expect(
      world.client.call(id, {
        method: 'GET',
        path: '/orders/2026-01-01/orders',
        query: { marketplaceIds: 'ATVPDKIKX0DER' },
      }),
    ).rejects.toMatchObject({
      code: 'SPAPI_INVALID_INPUT',
      retryable: false,
    });
  });

  it('mints a Restricted Data Token for PII calls and reuses it while valid', async () => {
    const { id, sellingPartnerId } = await world.newConnection();
    await world.sim.fetch(
      controlRequest(world.sim, 'http://sim.test/_sim/orders/generate', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          sellingPartnerId,
          count: 3,
          createdFrom: new Date(world.clock.now() - 7_200_000).toISOString(),
          createdTo: new Date(world.clock.now() - 3_600_000).toISOString(),
        }),
      }),
    );
    const orderId =
      [...world.sim.ctx.state.orders.values()].find(
        (o) => o.sellingPartnerId === sellingPartnerId && o.data.fulfillment !== undefined,
      )?.orderId ??
      [...world.sim.ctx.state.orders.values()].find((o) => o.sellingPartnerId === sellingPartnerId)!.orderId;
    const rdtBefore = world.calls('createRestrictedDataToken').total;
    const path = `/orders/v0/orders/${orderId}`;
    const first = await world.client.call<{ payload: Record<string, unknown> }>(id, {
      method: 'GET',
      path,
      restrictedDataElements: ['buyerInfo'],
    });
    const second = await world.client.call<{ payload: Record<string, unknown> }>(id, {
      method: 'GET',
      path,
      restrictedDataElements: ['buyerInfo'],
    });
    expect(first.body.payload.BuyerInfo).toBeDefined();
    expect(second.body.payload.BuyerInfo).toEqual(first.body.payload.BuyerInfo);
    expect(world.calls('createRestrictedDataToken').total - rdtBefore).toBe(1);
    const plain = await world.client.call<{ payload: Record<string, unknown> }>(id, { method: 'GET', path });
    expect(plain.body.payload.BuyerInfo).toBeUndefined();
  });
});
