import { afterAll, describe, expect, it } from 'vitest';
import { HOUR, MINUTE, iso } from '../../src/kernel/clock.js';
import type { Region, SimOrder } from '../../src/simulator/state.js';
import { createConformanceRecorder, type CheckedResponse } from '../support/spapi-schemas.js';
import {
  createConformanceWorld,
  describeCall,
  implementedOperations,
  START,
  schemas,
  US,
  type CallOptions,
} from './conformance-fixtures.js';

/**
 * Orders API 2026-01-01 (searchOrders, getOrder) and v0 (getOrders, getOrder, getOrderItems): every
 * response of realistic scenarios, over orders in every state and marketplace of the demo sellers,
 * validates against the model for its operation and status.
 */

const recorder = createConformanceRecorder(schemas);
const implemented = implementedOperations();
const ALL_INCLUDED =
  'BUYER,RECIPIENT,FULFILLMENT,PROCEEDS,EXPENSE,PROMOTION,CANCELLATION,TAX,PACKAGES,PAYMENT';
const WEEK_AGO = iso(START - 7 * 24 * HOUR);
const LONG_AGO = iso(START - 30 * 24 * HOUR);

/** A world with orders for each region's demo seller; real time jumps an hour before every call so
 * the low Orders usage plans (searchOrders: 0.0056 rps) never throttle the scenarios. */
function ordersWorld() {
  const w = createConformanceWorld(recorder);
  const orders: Record<Region, SimOrder[]> = {
    NA: w.seedOrders('NA', 30),
    EU: w.seedOrders('EU', 15),
    FE: w.seedOrders('FE', 12),
  };
  const get = (path: string, options: CallOptions = {}) => {
    w.realClock.advance(HOUR);
    return w.call('GET', path, options);
  };
  return { ...w, orders, get };
}

function expectConforms(r: CheckedResponse, status: number): void {
  expect(r.status, describeCall(r)).toBe(status);
  expect(r.errors, describeCall(r)).toEqual([]);
}

/** Creates an RDT through the Tokens API for the given resources (https://developer-docs.amazon.com/sp-api/docs/tokens-api-use-case-guide). */
async function rdt(w: ReturnType<typeof ordersWorld>, path: string): Promise<string> {
  const r = await w.call('POST', '/tokens/2021-03-01/restrictedDataToken', {
    body: { restrictedResources: [{ method: 'GET', path, dataElements: ['buyerInfo', 'shippingAddress'] }] },
  });
  expectConforms(r, 200);
  return (r.body as { restrictedDataToken: string }).restrictedDataToken;
}

afterAll(() => {
  console.log(`conformance (orders):\n${recorder.summary()}`);
});

describe.skipIf(!implemented.has('searchOrders'))('conformance: Orders 2026-01-01 searchOrders', () => {
  const search = '/orders/2026-01-01/orders';

  it('200 in every region with all includedData', async () => {
    const w = ordersWorld();
    for (const region of ['NA', 'EU', 'FE'] as const) {
      const r = await w.get(`${search}?createdAfter=${LONG_AGO}&includedData=${ALL_INCLUDED}`, { region });
      expectConforms(r, 200);
      expect((r.body as { orders: unknown[] }).orders.length).toBe(w.orders[region].length);
    }
  });

  it('200 by lastUpdated with filters, and 200 with no orders', async () => {
    const w = ordersWorld();
    const queries = [
      `lastUpdatedAfter=${WEEK_AGO}&lastUpdatedBefore=${iso(START - 5 * MINUTE)}&marketplaceIds=${US}`,
      `createdAfter=${LONG_AGO}&fulfillmentStatuses=SHIPPED,CANCELLED&fulfilledBy=MERCHANT&includedData=PACKAGES,CANCELLATION`,
      `createdAfter=${iso(START - MINUTE)}`,
    ];
    for (const q of queries) expectConforms(await w.get(`${search}?${q}`), 200);
  });

  it('200 on every page of a paginated search', async () => {
    const w = ordersWorld();
    // The model: every request names createdAfter or lastUpdatedAfter, next pages included.
    const query = `${search}?createdAfter=${LONG_AGO}&maxResultsPerPage=7&includedData=${ALL_INCLUDED}`;
    let r = await w.get(query);
    let seen = 0;
    for (let page = 0; page < 10; page++) {
      expectConforms(r, 200);
      const body = r.body as { orders: unknown[]; pagination?: { nextToken?: string } };
      seen += body.orders.length;
      const next = body.pagination?.nextToken;
      if (!next) break;
      r = await w.get(`${query}&paginationToken=${encodeURIComponent(next)}`);
    }
    expect(seen).toBe(w.orders.NA.length);
  });

  it('400 for bad parameters', async () => {
    const w = ordersWorld();
    const queries = [
      '',
      `createdAfter=${LONG_AGO}&lastUpdatedAfter=${LONG_AGO}`,
      'createdAfter=last-tuesday',
      `createdAfter=${LONG_AGO}&createdBefore=${iso(START)}`,
      `createdAfter=${LONG_AGO}&maxResultsPerPage=0`,
      `createdAfter=${LONG_AGO}&maxResultsPerPage=101`,
      `createdAfter=${LONG_AGO}&includedData=EVERYTHING`,
      `createdAfter=${LONG_AGO}&fulfillmentStatuses=LOST`,
      `createdAfter=${LONG_AGO}&marketplaceIds=NOT-A-MARKETPLACE`,
      `createdAfter=${LONG_AGO}&paginationToken=not-a-token`,
    ];
    for (const q of queries) expectConforms(await w.get(`${search}?${q}`), 400);
  });

  it('400 for a pagination token past its 24 hours', async () => {
    const w = ordersWorld();
    const query = `${search}?createdAfter=${LONG_AGO}&maxResultsPerPage=5`;
    const first = await w.get(query);
    expectConforms(first, 200);
    const next = (first.body as { pagination?: { nextToken?: string } }).pagination?.nextToken;
    expect(next).toBeTruthy();
    w.clock.advance(25 * HOUR);
    // The user token expired with the jump; a fresh one keeps the call about the pagination token.
    const fresh = w.userToken('NA');
    expectConforms(
      await w.get(`${query}&paginationToken=${encodeURIComponent(next!)}`, { token: fresh }),
      400,
    );
  });
});

describe.skipIf(!implemented.has('getOrder'))('conformance: Orders 2026-01-01 getOrder', () => {
  it('200 for every order of every region, with and without includedData', async () => {
    const w = ordersWorld();
    for (const region of ['NA', 'EU', 'FE'] as const) {
      for (const [i, order] of w.orders[region].entries()) {
        const query = i % 3 === 0 ? '' : `?includedData=${ALL_INCLUDED}`;
        expectConforms(await w.get(`/orders/2026-01-01/orders/${order.orderId}${query}`, { region }), 200);
      }
    }
  });

  it('404 for unknown orders and other regions’ orders, 400 for bad includedData', async () => {
    const w = ordersWorld();
    expectConforms(await w.get('/orders/2026-01-01/orders/111-9999999-9999999'), 404);
    expectConforms(await w.get(`/orders/2026-01-01/orders/${w.orders.EU[0]!.orderId}`), 404);
    expectConforms(await w.get(`/orders/2026-01-01/orders/${w.orders.NA[0]!.orderId}?includedData=ALL`), 400);
  });
});

describe.skipIf(!implemented.has('getOrders'))('conformance: Orders v0 getOrders', () => {
  const v0 = '/orders/v0/orders';

  it('200 in every region, by creation and by update, and with filters', async () => {
    const w = ordersWorld();
    const ids: Record<Region, string> = {
      NA: 'ATVPDKIKX0DER,A2EUQ1WTGCTBG2,A1AM78C64UM0Y8',
      EU: 'A1F83G8C2ARO7P,A1PA6795UKMFR9,A13V1IB3VIYZZH,APJ6JRA9NG5V4,A1RKKUPIHCS9HS',
      FE: 'A1VC38T7YXB528,A39IBJ37TRP1C6,A19VAU5U5O7RUS',
    };
    for (const region of ['NA', 'EU', 'FE'] as const) {
      const r = await w.get(`${v0}?MarketplaceIds=${ids[region]}&CreatedAfter=${LONG_AGO}`, { region });
      expectConforms(r, 200);
      expect((r.body as { payload: { Orders: unknown[] } }).payload.Orders.length).toBe(
        w.orders[region].length,
      );
    }
    const more = [
      `LastUpdatedAfter=${WEEK_AGO}&LastUpdatedBefore=${iso(START - 5 * MINUTE)}`,
      `CreatedAfter=${LONG_AGO}&OrderStatuses=Unshipped,PartiallyShipped&FulfillmentChannels=MFN`,
      `CreatedAfter=${LONG_AGO}&OrderStatuses=Canceled,Shipped`,
    ];
    for (const q of more) expectConforms(await w.get(`${v0}?MarketplaceIds=${ids.NA}&${q}`), 200);
  });

  it('200 on every page, and with an RDT for buyer and address data', async () => {
    const w = ordersWorld();
    const first = `${v0}?MarketplaceIds=${US}&CreatedAfter=${LONG_AGO}&MaxResultsPerPage=4`;
    let r = await w.get(first);
    for (let page = 0; page < 10; page++) {
      expectConforms(r, 200);
      const next = (r.body as { payload: { NextToken?: string } }).payload.NextToken;
      if (!next) break;
      r = await w.get(`${v0}?MarketplaceIds=${US}&NextToken=${encodeURIComponent(next)}`);
    }
    const token = await rdt(w, v0);
    const withPii = await w.get(`${v0}?MarketplaceIds=${US}&CreatedAfter=${LONG_AGO}`, { token });
    expectConforms(withPii, 200);
  });

  it('400 for bad parameters', async () => {
    const w = ordersWorld();
    const queries = [
      `CreatedAfter=${LONG_AGO}`,
      `MarketplaceIds=${US}`,
      `MarketplaceIds=${US}&CreatedAfter=${LONG_AGO}&LastUpdatedAfter=${LONG_AGO}`,
      `MarketplaceIds=${US}&CreatedAfter=${LONG_AGO}&CreatedBefore=${iso(START)}`,
      `MarketplaceIds=${US}&CreatedAfter=${LONG_AGO}&MaxResultsPerPage=101`,
      `MarketplaceIds=${US}&CreatedAfter=${LONG_AGO}&OrderStatuses=Lost`,
      `MarketplaceIds=${US}&CreatedAfter=not-a-date`,
      `MarketplaceIds=${US}&NextToken=not-a-token`,
    ];
    for (const q of queries) expectConforms(await w.get(`${v0}?${q}`), 400);
  });
});

describe.skipIf(!implemented.has('getOrderV0') || !implemented.has('getOrderItems'))(
  'conformance: Orders v0 getOrder and getOrderItems',
  () => {
    it('200 for every order of every region', async () => {
      const w = ordersWorld();
      for (const region of ['NA', 'EU', 'FE'] as const) {
        for (const order of w.orders[region]) {
          expectConforms(await w.get(`/orders/v0/orders/${order.orderId}`, { region }), 200);
          expectConforms(await w.get(`/orders/v0/orders/${order.orderId}/orderItems`, { region }), 200);
        }
      }
    });

    it('200 with an RDT for buyer and address data', async () => {
      const w = ordersWorld();
      const orderToken = await rdt(w, '/orders/v0/orders/{orderId}');
      const itemsToken = await rdt(w, '/orders/v0/orders/{orderId}/orderItems');
      for (const order of w.orders.NA.slice(0, 12)) {
        const r = await w.get(`/orders/v0/orders/${order.orderId}`, { token: orderToken });
        expectConforms(r, 200);
        expect(r.body).toHaveProperty('payload.BuyerInfo');
        expectConforms(
          await w.get(`/orders/v0/orders/${order.orderId}/orderItems`, { token: itemsToken }),
          200,
        );
      }
    });

    it('404 for unknown orders', async () => {
      const w = ordersWorld();
      expectConforms(await w.get('/orders/v0/orders/111-9999999-9999999'), 404);
      expectConforms(await w.get('/orders/v0/orders/111-9999999-9999999/orderItems'), 404);
      expectConforms(await w.get(`/orders/v0/orders/${w.orders.FE[0]!.orderId}`), 404);
    });
  },
);

describe('conformance: model properties (orders)', () => {
  it('sends no property the models do not declare (in any call of this file)', () => {
    const undeclared = recorder.calls.flatMap((c) =>
      c.undeclared.map((u) => `${c.operation} ${c.status} ${u}`),
    );
    expect([...new Set(undeclared)]).toEqual([]);
  });
});
