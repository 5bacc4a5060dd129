import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE, iso } from '../../src/kernel/clock.js';
import { orderData } from '../../src/simulator/orders-data.js';
import {
  NA,
  START,
  UK,
  US,
  EU,
  createOrdersWorld,
  errorOf,
  expectConforms,
  qs,
  type OrdersWorld,
} from './orders-support.js';

type V0Order = Record<string, unknown> & { AmazonOrderId: string; OrderStatus: string };
type Money = { amount: string; currencyCode: string };
type Order2026 = {
  orderId: string;
  createdTime: string;
  lastUpdatedTime: string;
  fulfillment: { fulfillmentStatus: string; fulfilledBy: string };
  proceeds: { grandTotal: Money };
  orderItems: { quantityOrdered: number }[];
};
type V0Item = Record<string, unknown> & {
  ItemPrice?: { Amount: string; CurrencyCode: string };
  BuyerInfo?: unknown;
};
type V0Payload = {
  Orders: V0Order[];
  NextToken?: string;
  LastUpdatedBefore?: string;
  CreatedBefore?: string;
};

const GET_ORDERS = '/orders/v0/orders';
const GET_ORDER_V0 = { model: 'ordersV0', operationId: 'getOrder' } as const;

async function getOrders(
  world: OrdersWorld,
  params: Record<string, string | number | undefined>,
  token?: string,
) {
  const res = await world.api(`${GET_ORDERS}?${qs(params)}`, token === undefined ? {} : { token });
  const body = (await res.json()) as { payload: V0Payload };
  return { res, body };
}

/** A world with 40 NA orders of every age, visible to queries. */
async function worldWithOrders(config = {}): Promise<OrdersWorld> {
  const world = createOrdersWorld(config);
  await world.generate({
    sellingPartnerId: NA,
    count: 40,
    marketplaceId: US,
    createdFrom: iso(START - 6 * DAY),
    createdTo: iso(START - HOUR),
  });
  world.clock.advance(5 * MINUTE);
  return world;
}

const ALL = { CreatedAfter: iso(START - 7 * DAY), MarketplaceIds: US };

describe('Orders v0 getOrders', () => {
  it('derives every order from the same stored order as searchOrders', async () => {
    const world = await worldWithOrders();
    const { res, body } = await getOrders(world, ALL);
    expect(res.status).toBe(200);
    expectConforms('getOrders', 200, body);
    expect(body.payload.Orders).toHaveLength(40);
    expect(body.payload.CreatedBefore).toBe('2026-11-01T12:03:00Z');
    const search = await world.api(
      `/orders/2026-01-01/orders?${qs({ createdAfter: ALL.CreatedAfter, marketplaceIds: US, includedData: 'FULFILLMENT,PROCEEDS' })}`,
    );
    const orders2026 = ((await search.json()) as { orders: Order2026[] }).orders;
    const statusMap: Record<string, string> = {
      PENDING: 'Pending',
      UNSHIPPED: 'Unshipped',
      PARTIALLY_SHIPPED: 'PartiallyShipped',
      SHIPPED: 'Shipped',
      CANCELLED: 'Canceled',
      PENDING_AVAILABILITY: 'PendingAvailability',
    };
    expect(body.payload.Orders.map((o) => o.AmazonOrderId)).toEqual(orders2026.map((o) => o.orderId));
    body.payload.Orders.forEach((v0, i) => {
      const o = orders2026[i]!;
      expect(v0.PurchaseDate).toBe(o.createdTime);
      expect(v0.LastUpdateDate).toBe(o.lastUpdatedTime);
      expect(v0.OrderStatus).toBe(statusMap[o.fulfillment.fulfillmentStatus]);
      expect(v0.FulfillmentChannel).toBe(o.fulfillment.fulfilledBy === 'AMAZON' ? 'AFN' : 'MFN');
      expect(v0.SalesChannel).toBe('Amazon.com');
      expect(v0.MarketplaceId).toBe(US);
      if (v0.OrderStatus === 'Pending' || v0.OrderStatus === 'PendingAvailability')
        expect(v0.OrderTotal).toBeUndefined();
      else expect(v0.OrderTotal).toEqual({ CurrencyCode: 'USD', Amount: o.proceeds.grandTotal.amount });
      const units = o.orderItems.reduce((n, i2) => n + i2.quantityOrdered, 0);
      expect((v0.NumberOfItemsShipped as number) + (v0.NumberOfItemsUnshipped as number)).toBe(units);
    });
  });

  it('pages with NextToken, alone or with the same criteria, and refuses different criteria', async () => {
    const world = await worldWithOrders();
    const first = await getOrders(world, { ...ALL, MaxResultsPerPage: 15 });
    expect(first.body.payload.Orders).toHaveLength(15);
    const token = first.body.payload.NextToken!;
    expect(token).toBeTruthy();
    const alone = await getOrders(world, { NextToken: token, MaxResultsPerPage: 15 });
    expect(alone.res.status).toBe(200);
    expectConforms('getOrders', 200, alone.body);
    const withSame = await getOrders(world, { ...ALL, MaxResultsPerPage: 15, NextToken: token });
    expect(withSame.body.payload.Orders.map((o) => o.AmazonOrderId)).toEqual(
      alone.body.payload.Orders.map((o) => o.AmazonOrderId),
    );
    const third = await getOrders(world, { NextToken: alone.body.payload.NextToken! });
    expect(third.body.payload.Orders).toHaveLength(10);
    expect(third.body.payload.NextToken).toBeUndefined();
    const seen = [first, alone, third].flatMap((p) => p.body.payload.Orders.map((o) => o.AmazonOrderId));
    expect(new Set(seen).size).toBe(40);

    const different = await world.api(
      `${GET_ORDERS}?${qs({ ...ALL, OrderStatuses: 'Shipped', NextToken: token })}`,
    );
    expect(different.status).toBe(400);
    expect((await errorOf(different)).message).toMatch(/NextToken belongs to a different query/);
    const otherMarketplace = await world.api(
      `${GET_ORDERS}?${qs({ MarketplaceIds: 'A2EUQ1WTGCTBG2', NextToken: token })}`,
    );
    expect(otherMarketplace.status).toBe(400);
    // A searchOrders token is not a v0 NextToken.
    const search = await world.api(
      `/orders/2026-01-01/orders?${qs({ createdAfter: ALL.CreatedAfter, marketplaceIds: US, maxResultsPerPage: 1 })}`,
    );
    const searchToken = ((await search.json()) as { pagination: { nextToken: string } }).pagination.nextToken;
    const mixed = await world.api(`${GET_ORDERS}?${qs({ NextToken: searchToken })}`);
    expect(mixed.status).toBe(400);
  });

  it('filters by OrderStatuses, FulfillmentChannels, AmazonOrderIds and SellerOrderId', async () => {
    const world = await worldWithOrders();
    const all = (await getOrders(world, ALL)).body.payload.Orders;
    const shipped = await getOrders(world, { ...ALL, OrderStatuses: 'Shipped,PartiallyShipped' });
    expect(shipped.body.payload.Orders.map((o) => o.AmazonOrderId)).toEqual(
      all.filter((o) => ['Shipped', 'PartiallyShipped'].includes(o.OrderStatus)).map((o) => o.AmazonOrderId),
    );
    const afn = await getOrders(world, { ...ALL, FulfillmentChannels: 'AFN' });
    expect(afn.body.payload.Orders.every((o) => o.FulfillmentChannel === 'AFN')).toBe(true);
    expect(afn.body.payload.Orders).toHaveLength(all.filter((o) => o.FulfillmentChannel === 'AFN').length);
    const picked = [all[3]!.AmazonOrderId, all[7]!.AmazonOrderId];
    const byId = await getOrders(world, { ...ALL, AmazonOrderIds: picked.join(',') });
    expect(byId.body.payload.Orders.map((o) => o.AmazonOrderId).sort()).toEqual([...picked].sort());
    const bySellerId = await getOrders(world, { ...ALL, SellerOrderId: String(all[5]!.SellerOrderId) });
    expect(bySellerId.body.payload.Orders.map((o) => o.AmazonOrderId)).toEqual([all[5]!.AmazonOrderId]);
    const easyShip = await getOrders(world, { ...ALL, EasyShipShipmentStatuses: 'PendingPickUp' });
    expect(easyShip.body.payload.Orders).toEqual([]);
  });

  const hourAgo = iso(START - HOUR);
  const cases: [string, Record<string, string | number>, RegExp][] = [
    ['missing MarketplaceIds', { CreatedAfter: hourAgo }, /MarketplaceIds is required/],
    [
      'no CreatedAfter or LastUpdatedAfter',
      { MarketplaceIds: US },
      /Either CreatedAfter or LastUpdatedAfter is required/,
    ],
    [
      'CreatedAfter with LastUpdatedAfter',
      { MarketplaceIds: US, CreatedAfter: hourAgo, LastUpdatedAfter: hourAgo },
      /not both/,
    ],
    [
      'CreatedAfter with LastUpdatedBefore',
      { MarketplaceIds: US, CreatedAfter: hourAgo, LastUpdatedBefore: hourAgo },
      /LastUpdatedBefore cannot be set/,
    ],
    [
      'CreatedBefore less than 2 minutes ago',
      { MarketplaceIds: US, CreatedAfter: hourAgo, CreatedBefore: iso(START - MINUTE) },
      /CreatedBefore must be at least 2 minutes/,
    ],
    [
      'a marketplace of another seller',
      { MarketplaceIds: UK, CreatedAfter: hourAgo },
      /MarketplaceIds: 'A1F83G8C2ARO7P'/,
    ],
    [
      'an unknown OrderStatus',
      { MarketplaceIds: US, CreatedAfter: hourAgo, OrderStatuses: 'Done' },
      /OrderStatuses contains 'Done'/,
    ],
    [
      'MaxResultsPerPage 101',
      { MarketplaceIds: US, CreatedAfter: hourAgo, MaxResultsPerPage: 101 },
      /MaxResultsPerPage must be an integer between 1 and 100/,
    ],
    [
      'SellerOrderId with OrderStatuses',
      { MarketplaceIds: US, CreatedAfter: hourAgo, SellerOrderId: 'SO-1', OrderStatuses: 'Shipped' },
      /SellerOrderId cannot be combined with OrderStatuses/,
    ],
    [
      'an AmazonOrderId not in 3-7-7 format',
      { MarketplaceIds: US, CreatedAfter: hourAgo, AmazonOrderIds: '123-45' },
      /3-7-7/,
    ],
    [
      'a bad IsISPU',
      { MarketplaceIds: US, CreatedAfter: hourAgo, IsISPU: 'yes' },
      /IsISPU must be true or false/,
    ],
  ];
  for (const [name, params, message] of cases) {
    it(`answers 400 InvalidInput for ${name}`, async () => {
      const world = createOrdersWorld();
      const res = await world.api(`${GET_ORDERS}?${qs(params)}`);
      expect(res.status).toBe(400);
      expectConforms('getOrders', 400, await res.clone().json());
      const error = await errorOf(res);
      expect(error.code).toBe('InvalidInput');
      expect(error.message).toMatch(message);
    });
  }
});

describe('Orders v0 PII and Restricted Data Tokens (https://developer-docs.amazon.com/sp-api/docs/tokens-api-use-case-guide)', () => {
  const piiStatuses = ['Unshipped', 'PartiallyShipped', 'Shipped'];

  it('leaves BuyerInfo out and keeps only the non-PII address without an RDT', async () => {
    const world = await worldWithOrders();
    const { body } = await getOrders(world, ALL);
    const withAddress = body.payload.Orders.filter((o) => piiStatuses.includes(o.OrderStatus));
    expect(withAddress.length).toBeGreaterThan(0);
    for (const o of body.payload.Orders) {
      expect(o.BuyerInfo).toBeUndefined();
      if (!piiStatuses.includes(o.OrderStatus)) expect(o.ShippingAddress).toBeUndefined();
    }
    for (const o of withAddress) {
      expect(Object.keys(o.ShippingAddress as object).sort()).toEqual([
        'City',
        'CountryCode',
        'PostalCode',
        'StateOrRegion',
      ]);
    }
    const omitting = await worldWithOrders({ ordersV0AddressWithoutRdt: 'omit' });
    const plain = await getOrders(omitting, ALL);
    expect(
      plain.body.payload.Orders.every((o) => o.ShippingAddress === undefined && o.BuyerInfo === undefined),
    ).toBe(true);
  });

  it('adds BuyerInfo and the full ShippingAddress for the data elements an RDT names', async () => {
    const world = await worldWithOrders();
    const both = world.rdt([
      { method: 'GET', path: '/orders/v0/orders', dataElements: ['buyerInfo', 'shippingAddress'] },
    ]);
    const { res, body } = await getOrders(world, ALL, both.token);
    expect(res.status).toBe(200);
    expectConforms('getOrders', 200, body);
    const shipped = body.payload.Orders.filter((o) => piiStatuses.includes(o.OrderStatus));
    for (const o of shipped) {
      const address = o.ShippingAddress as Record<string, string>;
      expect(address.Name).toBeTruthy();
      expect(address.AddressLine1).toBeTruthy();
      expect(address.CountryCode).toBe('US');
    }
    for (const o of body.payload.Orders)
      expect((o.BuyerInfo as Record<string, string>).BuyerName).toBeTruthy();
    const mfn = body.payload.Orders.filter((o) => o.FulfillmentChannel === 'MFN');
    expect(
      mfn.every((o) => /@marketplace\.amazon\.com$/.test((o.BuyerInfo as { BuyerEmail: string }).BuyerEmail)),
    ).toBe(true);

    const addressOnly = world.rdt([
      { method: 'GET', path: '/orders/v0/orders', dataElements: ['shippingAddress'] },
    ]);
    const partial = await getOrders(world, ALL, addressOnly.token);
    expect(partial.body.payload.Orders.every((o) => o.BuyerInfo === undefined)).toBe(true);
    expect(
      partial.body.payload.Orders.some((o) => (o.ShippingAddress as { Name?: string } | undefined)?.Name),
    ).toBe(true);
  });

  it('honours specific and generic order paths for getOrder and getOrderItems', async () => {
    const world = await worldWithOrders();
    const { body } = await getOrders(world, ALL);
    const order = body.payload.Orders.find((o) => o.OrderStatus === 'Shipped')!;
    const id = order.AmazonOrderId;
    const specific = world.rdt([
      { method: 'GET', path: `/orders/v0/orders/${id}`, dataElements: ['buyerInfo', 'shippingAddress'] },
    ]);
    const one = await world.api(`/orders/v0/orders/${id}`, { token: specific.token });
    expect(one.status).toBe(200);
    const payload = ((await one.json()) as { payload: V0Order }).payload;
    expectConforms(GET_ORDER_V0, 200, { payload });
    expect((payload.ShippingAddress as { AddressLine1?: string }).AddressLine1).toBeTruthy();
    expect(payload.BuyerInfo).toBeDefined();

    // The generic path covers every order; a resource for getOrder does not cover getOrderItems.
    const stored = world.sim.ctx.state.orders.get(id)!;
    orderData(stored).orderItems[0]!.fulfillment!.packing = {
      giftOption: { giftMessage: 'Enjoy!', giftWrapLevel: 'Classic' },
    };
    const generic = world.rdt([
      { method: 'GET', path: '/orders/v0/orders/{orderId}/orderItems', dataElements: ['buyerInfo'] },
    ]);
    const items = await world.api(`/orders/v0/orders/${id}/orderItems`, { token: generic.token });
    expect(items.status).toBe(200);
    const itemsBody = (await items.json()) as {
      payload: { AmazonOrderId: string; OrderItems: V0Item[] };
    };
    expectConforms('getOrderItems', 200, itemsBody);
    expect(itemsBody.payload.OrderItems[0]!.BuyerInfo).toEqual({
      GiftMessageText: 'Enjoy!',
      GiftWrapLevel: 'Classic',
    });
    expect(itemsBody.payload.OrderItems[0]!.IsGift).toBe('true');
    const plainItems = (await (
      await world.api(`/orders/v0/orders/${id}/orderItems`)
    ).json()) as typeof itemsBody;
    expect(plainItems.payload.OrderItems[0]!.BuyerInfo).toBeUndefined();
    const notCovering = await world.api(`/orders/v0/orders/${id}/orderItems`, { token: specific.token });
    expect(notCovering.status).toBe(403);
  });
});

describe('Orders v0 getOrder and getOrderItems', () => {
  it('derives items from the 2026-01-01 items, without pricing while Pending', async () => {
    const world = await worldWithOrders();
    const { body } = await getOrders(world, ALL);
    for (const o of body.payload.Orders.slice(0, 20)) {
      const res = await world.api(`/orders/v0/orders/${o.AmazonOrderId}/orderItems`);
      expect(res.status).toBe(200);
      const items = (await res.json()) as {
        payload: { AmazonOrderId: string; OrderItems: V0Item[] };
      };
      expectConforms('getOrderItems', 200, items);
      expect(items.payload.AmazonOrderId).toBe(o.AmazonOrderId);
      const stored = orderData(world.sim.ctx.state.orders.get(o.AmazonOrderId)!);
      items.payload.OrderItems.forEach((item, i) => {
        const source = stored.orderItems[i]!;
        expect(item.ASIN).toBe(source.product.asin);
        expect(item.SellerSKU).toMatch(/^SKU-\d{4}$/);
        expect(item.QuantityOrdered).toBe(source.quantityOrdered);
        if (o.OrderStatus === 'Pending') expect(item.ItemPrice).toBeUndefined();
        else {
          const unit = Number(source.product.price.unitPrice.amount);
          expect(Number(item.ItemPrice!.Amount)).toBeCloseTo(unit * source.quantityOrdered, 2);
          expect(item.ItemPrice!.CurrencyCode).toBe('USD');
        }
      });
    }
  });

  it('answers 404 for unknown orders and other sellers’ orders, and 400 for an unknown NextToken', async () => {
    const world = await worldWithOrders();
    const [theirs] = await world.generate({ sellingPartnerId: EU, count: 1, marketplaceId: UK });
    for (const path of [
      '/orders/v0/orders/111-0000000-0000000',
      `/orders/v0/orders/${theirs!.orderId}`,
      `/orders/v0/orders/${theirs!.orderId}/orderItems`,
    ]) {
      const res = await world.api(path);
      expect(res.status).toBe(404);
      expectConforms(path.endsWith('orderItems') ? 'getOrderItems' : GET_ORDER_V0, 404, await res.json());
    }
    const euView = await world.api(`/orders/v0/orders/${theirs!.orderId}`, { seller: EU });
    expect(euView.status).toBe(200);
    const mine = [...world.sim.ctx.state.orders.values()].find((o) => o.sellingPartnerId === NA)!;
    const res = await world.api(`/orders/v0/orders/${mine.orderId}/orderItems?NextToken=abc`);
    expect(res.status).toBe(400);
  });
});
