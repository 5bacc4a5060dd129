import { afterEach, describe, expect, it, vi } from 'vitest';
import { DAY, HOUR, MINUTE, createManualClock, iso } from '../../src/kernel/clock.js';
import { createSimulator } from '../../src/simulator/app.js';
import { MARKETPLACES } from '../../src/simulator/orders-catalog.js';
import { orderData, type FulfillmentStatus } from '../../src/simulator/orders-data.js';
import { seedDemo } from '../../src/simulator/seed.js';
import { EU, FE, JP, NA, START, UK, US, createOrdersWorld, expectConforms, qs } from './orders-support.js';
import { controlRequest } from '../support/sim-control.js';

type Summary = {
  orderId: string;
  marketplaceId: string;
  status: string;
  createdTime: string;
  lastUpdatedTime: string;
  version: number;
};

const EVERYTHING =
  'BUYER,RECIPIENT,PROCEEDS,EXPENSE,PROMOTION,CANCELLATION,FULFILLMENT,PACKAGES,TAX,PAYMENT,FULFILLMENT_ORDERS';

describe('POST /_sim/orders/generate', () => {
  const invalid: [string, Record<string, unknown>, string][] = [
    ['a missing sellingPartnerId', { count: 1 }, 'sellingPartnerId'],
    ['an unknown seller', { sellingPartnerId: 'ANOBODY', count: 1 }, 'sellingPartnerId'],
    ['count 0', { sellingPartnerId: NA, count: 0 }, 'count'],
    ['a fractional count', { sellingPartnerId: NA, count: 1.5 }, 'count'],
    [
      'a marketplace the seller does not sell in',
      { sellingPartnerId: NA, count: 1, marketplaceId: UK },
      'marketplaceId',
    ],
    [
      'createdTo in the future',
      { sellingPartnerId: NA, count: 1, createdTo: iso(START + HOUR) },
      'createdTo',
    ],
    [
      'createdFrom after createdTo',
      { sellingPartnerId: NA, count: 1, createdFrom: iso(START - HOUR), createdTo: iso(START - 2 * HOUR) },
      'createdFrom',
    ],
    ['a malformed date', { sellingPartnerId: NA, count: 1, createdFrom: 'yesterday' }, 'createdFrom'],
    ['an unknown field', { sellingPartnerId: NA, count: 1, colour: 'red' }, 'colour'],
  ];
  for (const [name, body, field] of invalid) {
    it(`answers 400 naming the field for ${name}`, async () => {
      const world = createOrdersWorld();
      const res = await world.control('POST', '/_sim/orders/generate', body);
      expect(res.status).toBe(400);
      const error = (await res.json()) as { field: string; message: string };
      expect(error.field).toBe(field);
      expect(error.message).toContain(field);
      expect(world.sim.ctx.state.orders.size).toBe(0);
    });
  }

  it('creates realistic orders in the window, visible from now, in the marketplace currency', async () => {
    const world = createOrdersWorld();
    const res = await world.control('POST', '/_sim/orders/generate', {
      sellingPartnerId: EU,
      count: 50,
      marketplaceId: UK,
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { created: number; orders: Summary[] };
    expect(body.created).toBe(50);
    for (const o of body.orders) {
      expect(o.orderId).toMatch(/^\d{3}-\d{7}-\d{7}$/);
      expect(Date.parse(o.createdTime)).toBeGreaterThanOrEqual(START - HOUR - 1000);
      expect(Date.parse(o.createdTime)).toBeLessThanOrEqual(START);
      expect(o.lastUpdatedTime).toBe('2026-11-01T12:00:00Z');
      expect(o.version).toBe(1);
      const data = orderData(world.sim.ctx.state.orders.get(o.orderId)!);
      expect(data.proceeds!.grandTotal.currencyCode).toBe('GBP');
      expect(data.proceeds!.grandTotal.amount).toMatch(/^\d+\.\d{2}$/);
      expect(data.recipient!.deliveryAddress.countryCode).toBe('GB');
      for (const item of data.orderItems) {
        expect(item.product.asin).toMatch(/^B0[A-Z0-9]{8}$/);
        expect(item.product.sellerSku).toMatch(/^SKU-\d{4}$/);
        expect(item.orderItemId).toMatch(/^\d{14}$/);
        expect(item.quantityOrdered).toBeGreaterThanOrEqual(1);
      }
    }
    const statuses = new Set(body.orders.map((o) => o.status));
    expect(statuses.has('PENDING') || statuses.has('UNSHIPPED')).toBe(true);
  });

  it('prices Japanese orders in whole yen and spreads orders over the seller’s marketplaces', async () => {
    const world = createOrdersWorld();
    const orders = await world.generate({ sellingPartnerId: FE, count: 60 });
    const marketplaces = new Set(orders.map((o) => world.sim.ctx.state.orders.get(o.orderId)!.marketplaceId));
    expect(marketplaces.size).toBeGreaterThan(1);
    for (const o of orders) {
      const stored = world.sim.ctx.state.orders.get(o.orderId)!;
      const total = orderData(stored).proceeds!.grandTotal;
      expect(total.currencyCode).toBe(MARKETPLACES.get(stored.marketplaceId)!.currency);
      if (stored.marketplaceId === JP) expect(total.amount).toMatch(/^\d+$/);
    }
  });

  it('is reproducible with the same seed', async () => {
    const ids = async (seed: number) => {
      const world = createOrdersWorld({ seed });
      return (await world.generate({ sellingPartnerId: NA, count: 5 })).map((o) => o.orderId);
    };
    expect(await ids(7)).toEqual(await ids(7));
    expect(await ids(7)).not.toEqual(await ids(8));
  });

  it('produces orders that conform to both Orders models in every region', async () => {
    const world = createOrdersWorld();
    await world.generate({
      sellingPartnerId: NA,
      count: 150,
      createdFrom: iso(START - 10 * DAY),
      createdTo: iso(START),
    });
    await world.generate({
      sellingPartnerId: EU,
      count: 150,
      createdFrom: iso(START - 10 * DAY),
      createdTo: iso(START),
    });
    await world.generate({
      sellingPartnerId: FE,
      count: 150,
      createdFrom: iso(START - 10 * DAY),
      createdTo: iso(START),
    });
    await world.control('POST', '/_sim/orders/update', { count: 200 });
    world.clock.advance(5 * MINUTE);
    for (const seller of [NA, EU, FE]) {
      const marketplaceIds = world.sim.ctx.state.sellers.get(seller)!.marketplaceIds;
      const rdt = world.rdt(
        [{ method: 'GET', path: '/orders/v0/orders', dataElements: ['buyerInfo', 'shippingAddress'] }],
        seller,
      );
      let seen = 0;
      let paginationToken: string | undefined;
      let nextToken: string | undefined;
      do {
        const query = {
          createdAfter: iso(START - 11 * DAY),
          marketplaceIds,
          includedData: EVERYTHING,
          paginationToken,
        };
        const res = await world.api(`/orders/2026-01-01/orders?${qs(query)}`, { seller });
        const body = (await res.json()) as { orders: unknown[]; pagination?: { nextToken: string } };
        expectConforms('searchOrders', 200, body);
        seen += body.orders.length;
        paginationToken = body.pagination?.nextToken;
        const v0Query =
          nextToken === undefined
            ? { CreatedAfter: iso(START - 11 * DAY), MarketplaceIds: marketplaceIds }
            : { NextToken: nextToken };
        const v0 = await world.api(`/orders/v0/orders?${qs(v0Query)}`, { seller, token: rdt.token });
        const v0Body = (await v0.json()) as { payload: { NextToken?: string } };
        expectConforms('getOrders', 200, v0Body);
        nextToken = v0Body.payload.NextToken;
      } while (paginationToken);
      expect(seen).toBe(150);
    }
  });
});

describe('POST /_sim/orders/update', () => {
  const rank: Record<FulfillmentStatus, number> = {
    PENDING_AVAILABILITY: 0,
    PENDING: 1,
    UNSHIPPED: 2,
    PARTIALLY_SHIPPED: 3,
    SHIPPED: 4,
    CANCELLED: 5,
    UNFULFILLABLE: 5,
  };

  it('moves orders forward, bumping version and lastUpdatedTime to now', async () => {
    const world = createOrdersWorld();
    await world.generate({ sellingPartnerId: NA, count: 20 });
    const before = new Map(
      [...world.sim.ctx.state.orders.values()].map((o) => [
        o.orderId,
        orderData(o).fulfillment!.fulfillmentStatus,
      ]),
    );
    world.clock.advance(30 * MINUTE);
    const res = await world.control('POST', '/_sim/orders/update', { sellingPartnerId: NA, count: 8 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { updated: number; orders: Summary[] };
    expect(body.updated).toBe(8);
    expect(new Set(body.orders.map((o) => o.orderId)).size).toBe(8);
    for (const o of body.orders) {
      expect(o.version).toBe(2);
      expect(o.lastUpdatedTime).toBe('2026-11-01T12:30:00Z');
      const was = before.get(o.orderId)!;
      if (was !== 'SHIPPED' && was !== 'CANCELLED')
        expect(rank[o.status as FulfillmentStatus]).toBeGreaterThan(rank[was]);
    }
    const again = (await (await world.control('POST', '/_sim/orders/update', { count: 100 })).json()) as {
      updated: number;
    };
    expect(again.updated).toBe(20);
  });

  it('validates its input', async () => {
    const world = createOrdersWorld();
    for (const [body, field] of [
      [{ count: 0 }, 'count'],
      [{ sellingPartnerId: 'ANOBODY', count: 1 }, 'sellingPartnerId'],
      [{}, 'count'],
    ] as const) {
      const res = await world.control('POST', '/_sim/orders/update', body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { field: string }).field).toBe(field);
    }
  });
});

describe('GET /_sim/orders', () => {
  it('lists every order exactly and cheaply, even 10,000 of them', async () => {
    const world = createOrdersWorld();
    await world.generate({ sellingPartnerId: NA, count: 10_000, createdFrom: iso(START - 30 * DAY) });
    await world.generate({ sellingPartnerId: EU, count: 10 });
    await world.control('POST', '/_sim/orders/update', { sellingPartnerId: NA, count: 500 });
    const started = performance.now();
    const res = await world.control('GET', `/_sim/orders?sellingPartnerId=${NA}`);
    const elapsed = performance.now() - started;
    const body = (await res.json()) as {
      count: number;
      orders: { orderId: string; version: number; lastUpdatedTime: string }[];
    };
    expect(elapsed).toBeLessThan(1000);
    expect(body.count).toBe(10_000);
    expect(body.orders).toHaveLength(10_000);
    expect(Object.keys(body.orders[0]!).sort()).toEqual(['lastUpdatedTime', 'orderId', 'version']);
    expect(body.orders.filter((o) => o.version === 2)).toHaveLength(500);
    const ids = body.orders.map((o) => o.orderId);
    expect(ids).toEqual([...ids].sort());
    const all = (await (await world.control('GET', '/_sim/orders')).json()) as { count: number };
    expect(all.count).toBe(10_010);
  });

  it('shows one stored order in full, and 404 for an unknown id', async () => {
    const world = createOrdersWorld();
    const [o] = await world.generate({ sellingPartnerId: NA, count: 1, marketplaceId: US });
    const res = await world.control('GET', `/_sim/orders/${o!.orderId}`);
    const body = (await res.json()) as {
      order: { orderId: string; sellingPartnerId: string; version: number; data: { orderId: string } };
    };
    expect(body.order).toMatchObject({
      orderId: o!.orderId,
      sellingPartnerId: NA,
      version: 1,
      data: { orderId: o!.orderId },
    });
    expect((await world.control('GET', '/_sim/orders/111-0000000-0000000')).status).toBe(404);
    expect((await world.control('GET', '/_sim/orders?sellingPartnerId=ANOBODY')).status).toBe(400);
  });
});

describe('/_sim/orders/stream', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('creates and updates orders on real timers scaled by speed until stopped', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const clock = createManualClock(START);
    const realClock = createManualClock(1_000_000);
    const sim = createSimulator({ clock, realClock, config: { speed: 2 } });
    seedDemo(sim.ctx, { redirectUris: ['https://app.test/cb'] });
    const post = (path: string, body: unknown, method = 'POST') =>
      sim.fetch(controlRequest(sim, `http://sim.test${path}`, { method, body: JSON.stringify(body) }));

    const bad = await post('/_sim/orders/stream', {
      sellingPartnerId: NA,
      createPerMinute: -1,
      updatePerMinute: 0,
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { field: string }).field).toBe('createPerMinute');

    const res = await post('/_sim/orders/stream', {
      sellingPartnerId: NA,
      createPerMinute: 30,
      updatePerMinute: 12,
    });
    expect(res.status).toBe(200);
    for (let i = 0; i < 240; i++) {
      realClock.advance(250);
      clock.advance(250);
      await vi.advanceTimersByTimeAsync(250);
    }
    // One real minute at speed 2: 60 orders created and 24 updates.
    expect(sim.ctx.state.orders.size).toBe(60);
    const updated = [...sim.ctx.state.orders.values()].filter((o) => o.version > 1);
    expect(updated.length).toBeGreaterThan(0);
    const list = (await (
      await sim.fetch(controlRequest(sim, 'http://sim.test/_sim/orders/stream'))
    ).json()) as {
      streams: { created: number; updated: number }[];
    };
    expect(list.streams).toEqual([
      expect.objectContaining({ sellingPartnerId: NA, created: 60, updated: 24 }),
    ]);

    const stopped = await sim.fetch(
      controlRequest(sim, `http://sim.test/_sim/orders/stream?sellingPartnerId=${NA}`, { method: 'DELETE' }),
    );
    expect(((await stopped.json()) as { stopped: unknown[] }).stopped).toHaveLength(1);
    realClock.advance(60_000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sim.ctx.state.orders.size).toBe(60);

    // sim.stop() ends streams too.
    await post('/_sim/orders/stream', { sellingPartnerId: NA, createPerMinute: 60, updatePerMinute: 0 });
    sim.stop();
    realClock.advance(60_000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sim.ctx.state.orders.size).toBe(60);
  });
});
