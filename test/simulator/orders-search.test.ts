import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE, iso } from '../../src/kernel/clock.js';
import {
  CA,
  EU,
  JP,
  MX,
  NA,
  START,
  UK,
  US,
  createOrdersWorld,
  errorOf,
  expectConforms,
  qs,
  type OrdersWorld,
} from './orders-support.js';

type Order = Record<string, unknown> & {
  orderId: string;
  createdTime: string;
  lastUpdatedTime: string;
  orderItems: Record<string, unknown>[];
};
type SearchBody = {
  orders: Order[];
  pagination?: { nextToken: string };
  lastUpdatedBefore?: string;
  createdBefore?: string;
};

const SEARCH = '/orders/2026-01-01/orders';
const GET_ORDER = { model: 'orders_2026-01-01', operationId: 'getOrder' } as const;

async function search(
  world: OrdersWorld,
  params: Record<string, string | number | string[] | undefined>,
  seller: string = NA,
) {
  const res = await world.api(`${SEARCH}?${qs(params)}`, { seller });
  return { res, body: (await res.json()) as SearchBody };
}

/** Reads every page of a query, checking each against the model. */
async function searchAll(world: OrdersWorld, params: Record<string, string | number | string[] | undefined>) {
  const pages: SearchBody[] = [];
  let token: string | undefined;
  do {
    const { res, body } = await search(world, { ...params, paginationToken: token });
    expect(res.status).toBe(200);
    expectConforms('searchOrders', 200, body);
    pages.push(body);
    token = body.pagination?.nextToken;
  } while (token);
  return pages;
}

describe('searchOrders parameter validation', () => {
  const now = START;
  const hourAgo = iso(now - HOUR);
  const cases: [string, Record<string, string | number | string[]>, RegExp][] = [
    ['neither createdAfter nor lastUpdatedAfter', { marketplaceIds: US }, /createdAfter or lastUpdatedAfter/],
    [
      'both createdAfter and lastUpdatedAfter',
      { createdAfter: hourAgo, lastUpdatedAfter: hourAgo },
      /exactly one/,
    ],
    [
      'createdAfter with lastUpdatedBefore',
      { createdAfter: hourAgo, lastUpdatedBefore: iso(now - 10 * MINUTE) },
      /lastUpdatedBefore/,
    ],
    [
      'lastUpdatedAfter with createdBefore',
      { lastUpdatedAfter: hourAgo, createdBefore: iso(now - 10 * MINUTE) },
      /createdBefore/,
    ],
    ['a malformed date', { createdAfter: 'yesterday' }, /createdAfter must be an ISO 8601/],
    [
      'createdBefore before createdAfter',
      { createdAfter: hourAgo, createdBefore: iso(now - 2 * HOUR) },
      /createdBefore must be equal to or after createdAfter/,
    ],
    [
      'createdBefore within 2 minutes of now',
      { createdAfter: hourAgo, createdBefore: iso(now - MINUTE) },
      /createdBefore must be at least 2 minutes before/,
    ],
    [
      'lastUpdatedBefore in the future',
      { lastUpdatedAfter: hourAgo, lastUpdatedBefore: iso(now + HOUR) },
      /lastUpdatedBefore must be at least 2 minutes/,
    ],
    [
      'more than 50 marketplaces',
      { createdAfter: hourAgo, marketplaceIds: Array.from({ length: 51 }, () => US) },
      /at most 50/,
    ],
    [
      "another region's marketplace",
      { createdAfter: hourAgo, marketplaceIds: [US, UK] },
      /marketplaceIds: 'A1F83G8C2ARO7P' is not a marketplace this seller participates in/,
    ],
    [
      'an unknown marketplace id',
      { createdAfter: hourAgo, marketplaceIds: 'NOTAMARKET' },
      /'NOTAMARKET' is not a valid marketplace id/,
    ],
    [
      'maxResultsPerPage 0',
      { createdAfter: hourAgo, maxResultsPerPage: 0 },
      /maxResultsPerPage must be an integer between 1 and 100/,
    ],
    ['maxResultsPerPage 101', { createdAfter: hourAgo, maxResultsPerPage: 101 }, /maxResultsPerPage/],
    [
      'maxResultsPerPage not a number',
      { createdAfter: hourAgo, maxResultsPerPage: '1.5' },
      /maxResultsPerPage/,
    ],
    [
      'an unknown fulfillment status',
      { createdAfter: hourAgo, fulfillmentStatuses: 'SHIPPED,LOST' },
      /fulfillmentStatuses contains 'LOST'/,
    ],
    [
      'an unknown fulfilledBy',
      { createdAfter: hourAgo, fulfilledBy: 'SELLER' },
      /fulfilledBy contains 'SELLER'/,
    ],
    [
      'an unknown includedData value',
      { createdAfter: hourAgo, includedData: 'BUYER,ITEMS' },
      /includedData contains 'ITEMS'/,
    ],
    [
      'a garbled paginationToken',
      { createdAfter: hourAgo, paginationToken: 'abc.def' },
      /paginationToken is invalid/,
    ],
  ];
  const world = createOrdersWorld();
  for (const [name, params, message] of cases) {
    it(`answers 400 InvalidInput for ${name}`, async () => {
      const res = await world.api(`${SEARCH}?${qs({ marketplaceIds: US, ...params })}`);
      expect(res.status).toBe(400);
      const body = (await res.clone().json()) as unknown;
      expectConforms('searchOrders', 400, body);
      const error = await errorOf(res);
      expect(error.code).toBe('InvalidInput');
      expect(error.message).toMatch(message);
    });
  }

  it('accepts the edges: createdBefore exactly 2 minutes ago, page sizes 1 and 100', async () => {
    for (const extra of [
      { createdBefore: iso(now - 2 * MINUTE) },
      { maxResultsPerPage: 1 },
      { maxResultsPerPage: 100 },
    ]) {
      const { res } = await search(world, { createdAfter: hourAgo, marketplaceIds: US, ...extra });
      expect(res.status).toBe(200);
    }
  });

  it('searches all of the seller’s marketplaces when marketplaceIds is left out, unless configured to require it', async () => {
    const w = createOrdersWorld();
    await w.generate({
      sellingPartnerId: NA,
      count: 5,
      marketplaceId: CA,
      createdFrom: iso(START - 2 * HOUR),
      createdTo: iso(START - HOUR),
    });
    w.clock.advance(3 * MINUTE);
    const { body } = await search(w, { createdAfter: iso(START - DAY) });
    expect(body.orders).toHaveLength(5);
    const strict = createOrdersWorld({ searchOrdersRequireMarketplaceIds: true });
    const res = await strict.api(`${SEARCH}?${qs({ createdAfter: iso(START - DAY) })}`);
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toMatch(/marketplaceIds is required/);
  });
});

describe('searchOrders pagination', () => {
  it('walks several pages in (lastUpdatedTime, orderId) order with a token bound to its query', async () => {
    const world = createOrdersWorld();
    const created = await world.generate({ sellingPartnerId: NA, count: 25, marketplaceId: US });
    world.clock.advance(5 * MINUTE);
    const params = { lastUpdatedAfter: iso(START - DAY), marketplaceIds: US, maxResultsPerPage: 10 };
    const pages = await searchAll(world, params);
    expect(pages.map((p) => p.orders.length)).toEqual([10, 10, 5]);
    const ids = pages.flatMap((p) => p.orders.map((o) => o.orderId));
    expect(new Set(ids).size).toBe(25);
    expect([...ids].sort()).toEqual(created.map((o) => o.orderId).sort());
    const keys = pages.flatMap((p) => p.orders.map((o) => `${o.lastUpdatedTime}|${o.orderId}`));
    expect(keys).toEqual([...keys].sort());
    expect(pages.at(-1)!.pagination).toBeUndefined();
    expect(pages.every((p) => p.lastUpdatedBefore === iso(START + 3 * MINUTE).replace('.000Z', 'Z'))).toBe(
      true,
    );
  });

  it('lets maxResultsPerPage and includedData change between pages but not the filters', async () => {
    const world = createOrdersWorld();
    await world.generate({ sellingPartnerId: NA, count: 12, marketplaceId: US });
    world.clock.advance(5 * MINUTE);
    const params = { lastUpdatedAfter: iso(START - DAY), marketplaceIds: US, maxResultsPerPage: 5 };
    const first = await search(world, params);
    const token = first.body.pagination!.nextToken;
    const changedPaging = await search(world, {
      ...params,
      maxResultsPerPage: 2,
      includedData: 'BUYER',
      paginationToken: token,
    });
    expect(changedPaging.res.status).toBe(200);
    expect(changedPaging.body.orders).toHaveLength(2);
    expect(changedPaging.body.orders[0]!.buyer).toBeDefined();

    for (const changed of [
      { lastUpdatedAfter: iso(START - 2 * DAY) },
      { fulfilledBy: 'AMAZON' },
      { marketplaceIds: `${US},${CA}` },
      { lastUpdatedBefore: iso(START) },
    ]) {
      const res = await world.api(`${SEARCH}?${qs({ ...params, ...changed, paginationToken: token })}`);
      expect(res.status).toBe(400);
      expect((await errorOf(res)).message).toMatch(/paginationToken belongs to a different query/);
    }
    // Another seller cannot use the token.
    const other = await world.api(
      `${SEARCH}?${qs({ ...params, marketplaceIds: UK, paginationToken: token })}`,
      { seller: EU },
    );
    expect(other.status).toBe(400);
    expect((await errorOf(other)).message).toMatch(/paginationToken is invalid/);
    // A token with an edited body fails its checksum.
    const [body, sum] = token.split('.');
    const edited = `${body!.slice(0, -2)}AA.${sum}`;
    const garbled = await world.api(`${SEARCH}?${qs({ ...params, paginationToken: edited })}`);
    expect((await errorOf(garbled)).message).toMatch(/invalid/);
  });

  it('expires tokens after 24 simulated hours', async () => {
    const world = createOrdersWorld();
    await world.generate({ sellingPartnerId: NA, count: 3, marketplaceId: US });
    world.clock.advance(5 * MINUTE);
    const params = { lastUpdatedAfter: iso(START - DAY), marketplaceIds: US, maxResultsPerPage: 1 };
    const token = (await search(world, params)).body.pagination!.nextToken;
    world.clock.advance(DAY - MINUTE);
    expect((await search(world, { ...params, paginationToken: token })).res.status).toBe(200);
    world.clock.advance(2 * MINUTE);
    const res = await world.api(`${SEARCH}?${qs({ ...params, paginationToken: token })}`);
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toMatch(/paginationToken has expired/);
  });
});

describe('searchOrders time window', () => {
  it('leaves out orders changed in the last 2 minutes unless a bound is given, and echoes the bound', async () => {
    const world = createOrdersWorld();
    await world.generate({ sellingPartnerId: NA, count: 4, marketplaceId: US });
    const early = await search(world, { lastUpdatedAfter: iso(START - DAY), marketplaceIds: US });
    expect(early.body.orders).toHaveLength(0);
    expect(early.body.lastUpdatedBefore).toBe('2026-11-01T11:58:00Z');
    world.clock.advance(2 * MINUTE);
    const later = await search(world, { lastUpdatedAfter: iso(START - DAY), marketplaceIds: US });
    expect(later.body.orders).toHaveLength(4);
    expect(later.body.lastUpdatedBefore).toBe('2026-11-01T12:00:00Z');
  });

  it('filters and sorts by createdTime for created* queries and echoes createdBefore', async () => {
    const world = createOrdersWorld();
    await world.generate({
      sellingPartnerId: NA,
      count: 10,
      marketplaceId: US,
      createdFrom: iso(START - 10 * HOUR),
      createdTo: iso(START - 5 * HOUR),
    });
    await world.generate({
      sellingPartnerId: NA,
      count: 10,
      marketplaceId: US,
      createdFrom: iso(START - 4 * HOUR),
      createdTo: iso(START - HOUR),
    });
    const createdBefore = iso(START - 5 * HOUR);
    const { body } = await search(world, {
      createdAfter: iso(START - DAY),
      createdBefore,
      marketplaceIds: US,
    });
    expectConforms('searchOrders', 200, body);
    expect(body.orders).toHaveLength(10);
    expect(body.createdBefore).toBe('2026-11-01T07:00:00Z');
    expect(body.lastUpdatedBefore).toBeUndefined();
    const times = body.orders.map((o) => o.createdTime);
    expect(times).toEqual([...times].sort());
  });

  it('does not return orders older than two years, except in JP, AU and SG', async () => {
    const world = createOrdersWorld();
    const old = START - 800 * DAY;
    await world.generate({
      sellingPartnerId: NA,
      count: 2,
      marketplaceId: US,
      createdFrom: iso(old),
      createdTo: iso(old),
    });
    world.clock.advance(5 * MINUTE);
    const { body } = await search(world, { createdAfter: iso(old - DAY), marketplaceIds: US });
    expect(body.orders).toHaveLength(0);
    await world.generate({
      sellingPartnerId: 'A1DEMOSELLERFE',
      count: 2,
      marketplaceId: JP,
      createdFrom: iso(old),
      createdTo: iso(old),
    });
    world.clock.advance(5 * MINUTE);
    const fe = await search(world, { createdAfter: iso(old - DAY), marketplaceIds: JP }, 'A1DEMOSELLERFE');
    expect(fe.body.orders).toHaveLength(2);
  });
});

describe('searchOrders incremental import', () => {
  /** An importer: pages through lastUpdatedAfter=watermark and keeps the newest version of each order. */
  async function importSince(
    world: OrdersWorld,
    watermark: string,
    store: Map<string, string>,
    between?: () => Promise<void>,
  ) {
    let token: string | undefined;
    let bound = watermark;
    let page = 0;
    do {
      const { res, body } = await search(world, {
        lastUpdatedAfter: watermark,
        marketplaceIds: `${US},${CA},${MX}`,
        maxResultsPerPage: 7,
        paginationToken: token,
      });
      expect(res.status).toBe(200);
      for (const o of body.orders) store.set(o.orderId, o.lastUpdatedTime);
      bound = body.lastUpdatedBefore!;
      token = body.pagination?.nextToken;
      page += 1;
      if (token && page === 1 && between) await between();
    } while (token);
    return bound;
  }

  it('picks up every order updated after the watermark, even when updates land between pages', async () => {
    const world = createOrdersWorld();
    await world.generate({
      sellingPartnerId: NA,
      count: 40,
      createdFrom: iso(START - 3 * DAY),
      createdTo: iso(START - HOUR),
    });
    world.clock.advance(5 * MINUTE);
    const store = new Map<string, string>();
    const update = async () => {
      world.clock.advance(10 * MINUTE);
      const res = await world.control('POST', '/_sim/orders/update', { sellingPartnerId: NA, count: 15 });
      expect(res.status).toBe(200);
    };
    let watermark = await importSince(world, iso(START - 30 * DAY), store, update);
    // Updates during the walk moved some orders past the window: the next run from the watermark gets them.
    world.clock.advance(5 * MINUTE);
    watermark = await importSince(world, watermark, store);
    await update();
    world.clock.advance(3 * MINUTE);
    await importSince(world, watermark, store);

    const truth = (await (await world.control('GET', `/_sim/orders?sellingPartnerId=${NA}`)).json()) as {
      orders: { orderId: string; lastUpdatedTime: string }[];
    };
    expect(truth.orders).toHaveLength(40);
    expect(Object.fromEntries(store)).toEqual(
      Object.fromEntries(truth.orders.map((o) => [o.orderId, o.lastUpdatedTime])),
    );
  });
});

describe('searchOrders filters and includedData', () => {
  it('filters by fulfillmentStatuses and fulfilledBy', async () => {
    const world = createOrdersWorld();
    await world.generate({
      sellingPartnerId: NA,
      count: 60,
      marketplaceId: US,
      createdFrom: iso(START - 2 * DAY),
      createdTo: iso(START - HOUR),
    });
    world.clock.advance(5 * MINUTE);
    const all = (
      await searchAll(world, {
        createdAfter: iso(START - 3 * DAY),
        marketplaceIds: US,
        includedData: 'FULFILLMENT',
      })
    ).flatMap((p) => p.orders);
    const statusOf = (o: Order) => (o.fulfillment as { fulfillmentStatus: string }).fulfillmentStatus;
    const byOf = (o: Order) => (o.fulfillment as { fulfilledBy: string }).fulfilledBy;
    const { body } = await search(world, {
      createdAfter: iso(START - 3 * DAY),
      marketplaceIds: US,
      fulfillmentStatuses: 'UNSHIPPED,PENDING',
      includedData: 'FULFILLMENT',
    });
    const expected = all.filter((o) => ['UNSHIPPED', 'PENDING'].includes(statusOf(o)));
    expect(expected.length).toBeGreaterThan(0);
    expect(body.orders.map((o) => o.orderId)).toEqual(expected.map((o) => o.orderId));
    const fba = await search(world, {
      createdAfter: iso(START - 3 * DAY),
      marketplaceIds: US,
      fulfilledBy: 'AMAZON',
      includedData: 'FULFILLMENT',
    });
    expect(fba.body.orders.map((o) => o.orderId)).toEqual(
      all.filter((o) => byOf(o) === 'AMAZON').map((o) => o.orderId),
    );
  });

  it('returns only basic data by default and each optional part when asked for', async () => {
    const world = createOrdersWorld();
    await world.generate({
      sellingPartnerId: NA,
      count: 30,
      marketplaceId: US,
      createdFrom: iso(START - 3 * DAY),
      createdTo: iso(START - HOUR),
    });
    world.clock.advance(5 * MINUTE);
    const basic = await search(world, { createdAfter: iso(START - 4 * DAY), marketplaceIds: US });
    for (const o of basic.body.orders) {
      for (const key of ['buyer', 'recipient', 'proceeds', 'payment', 'tax', 'fulfillment', 'packages'])
        expect(o).not.toHaveProperty(key);
      expect(o.salesChannel).toEqual({
        channelName: 'AMAZON',
        marketplaceId: US,
        marketplaceName: 'Amazon.com',
      });
      for (const item of o.orderItems) {
        expect(Object.keys(item).sort()).toEqual(
          expect.arrayContaining(['orderItemId', 'product', 'quantityOrdered']),
        );
        for (const key of ['proceeds', 'fulfillment', 'tax', 'promotion', 'cancellation', 'expense'])
          expect(item).not.toHaveProperty(key);
      }
    }
    const everything =
      'BUYER,RECIPIENT,PROCEEDS,EXPENSE,PROMOTION,CANCELLATION,FULFILLMENT,PACKAGES,TAX,PAYMENT,FULFILLMENT_ORDERS';
    const full = await search(world, {
      createdAfter: iso(START - 4 * DAY),
      marketplaceIds: US,
      includedData: everything,
    });
    expectConforms('searchOrders', 200, full.body);
    for (const o of full.body.orders) {
      for (const key of ['buyer', 'recipient', 'proceeds', 'payment', 'fulfillment'])
        expect(o).toHaveProperty(key);
      for (const item of o.orderItems)
        for (const key of ['proceeds', 'fulfillment', 'tax']) expect(item).toHaveProperty(key);
    }
    const shippedMfn = full.body.orders.filter((o) => {
      const f = o.fulfillment as { fulfillmentStatus: string; fulfilledBy: string };
      return f.fulfillmentStatus === 'SHIPPED' && f.fulfilledBy === 'MERCHANT';
    });
    expect(shippedMfn.length).toBeGreaterThan(0);
    for (const o of shippedMfn)
      expect((o.packages as { carrier: string }[]).every((p) => p.carrier.length > 0)).toBe(true);
    const onlyBuyer = await search(world, {
      createdAfter: iso(START - 4 * DAY),
      marketplaceIds: US,
      includedData: 'BUYER',
    });
    expect(onlyBuyer.body.orders.every((o) => o.buyer !== undefined && o.recipient === undefined)).toBe(true);
  });
});

describe('getOrder (2026-01-01)', () => {
  it('returns the order with includedData, and 404 for unknown or another seller’s orders', async () => {
    const world = createOrdersWorld();
    const [mine] = await world.generate({ sellingPartnerId: NA, count: 1, marketplaceId: US });
    const [theirs] = await world.generate({ sellingPartnerId: EU, count: 1, marketplaceId: UK });
    const res = await world.api(`/orders/2026-01-01/orders/${mine!.orderId}?includedData=RECIPIENT,PROCEEDS`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { order: Order };
    expectConforms(GET_ORDER, 200, body);
    expect(body.order.orderId).toBe(mine!.orderId);
    expect(body.order.recipient).toBeDefined();
    expect(body.order.buyer).toBeUndefined();
    expect((body.order.proceeds as { grandTotal: { currencyCode: string } }).grandTotal.currencyCode).toBe(
      'USD',
    );

    for (const [id, seller] of [
      ['111-0000000-0000000', NA],
      [theirs!.orderId, NA],
      [mine!.orderId, EU],
    ] as const) {
      const missing = await world.api(`/orders/2026-01-01/orders/${id}`, { seller });
      expect(missing.status).toBe(404);
      const error = (await missing.json()) as unknown;
      expectConforms(GET_ORDER, 404, error);
    }
    const bad = await world.api(`/orders/2026-01-01/orders/${mine!.orderId}?includedData=EVERYTHING`);
    expect(bad.status).toBe(400);
  });
});
