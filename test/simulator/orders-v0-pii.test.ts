import { afterAll, describe, expect, it } from 'vitest';
import { HOUR } from '../../src/kernel/clock.js';
import { orderData } from '../../src/simulator/orders-data.js';
import { createConformanceRecorder, type CheckedResponse } from '../support/spapi-schemas.js';
import { createConformanceWorld, describeCall, schemas, type CallOptions } from './conformance-fixtures.js';

/**
 * Issue 18 D1: the Orders v0 PII operations getOrderAddress, getOrderBuyerInfo and
 * getOrderItemsBuyerInfo (spapi-models/ordersV0.json) answer only to a Restricted Data Token covering
 * the call (https://developer-docs.amazon.com/sp-api/docs/tokens-api-use-case-guide): 200 with the PII, 403 for the regular access token,
 * 404 for an order that is not the seller's, 429 past the usage plan (0.5 rps, burst 30). Every
 * response validates against the model, undeclared properties included.
 */

const recorder = createConformanceRecorder(schemas);
const OPERATIONS = [
  { id: 'getOrderAddress', suffix: '/address' },
  { id: 'getOrderBuyerInfo', suffix: '/buyerInfo' },
  { id: 'getOrderItemsBuyerInfo', suffix: '/orderItems/buyerInfo' },
] as const;
const generic = (suffix: string) => `/orders/v0/orders/{orderId}${suffix}`;

type Payload = Record<string, unknown> & { AmazonOrderId: string };

function world() {
  const w = createConformanceWorld(recorder);
  const orders = w.seedOrders('NA', 12);
  const other = w.seedOrders('EU', 2);
  /** GET with the real clock an hour on, so usage plans never throttle. */
  const get = (path: string, options: CallOptions = {}) => {
    w.realClock.advance(HOUR);
    return w.call('GET', path, options);
  };
  /** An RDT from the Tokens API for GET resources at these paths (or these resources). */
  const rdt = async (...resources: (string | Record<string, unknown>)[]): Promise<string> => {
    const restrictedResources = resources.map((r) =>
      typeof r === 'string' ? { method: 'GET', path: r } : r,
    );
    const r = await w.call('POST', '/tokens/2021-03-01/restrictedDataToken', {
      body: { restrictedResources },
    });
    expectConforms(r, 200);
    return (r.body as { restrictedDataToken: string }).restrictedDataToken;
  };
  return { ...w, orders, other, get, rdt };
}

function expectConforms(r: CheckedResponse, status: number): void {
  expect(r.status, describeCall(r)).toBe(status);
  expect(r.errors, describeCall(r)).toEqual([]);
}

const payloadOf = (r: CheckedResponse): Payload => (r.body as { payload: Payload }).payload;

afterAll(() => {
  console.log(`conformance (orders v0 PII):\n${recorder.summary()}`);
});

describe('Orders v0 PII operations', () => {
  it('refuse the regular access token with 403 and empty details, as Amazon does', async () => {
    const w = world();
    const orderId = w.orders[1]!.orderId;
    // An RDT for getOrder's buyer data does not open the PII operations either.
    const getOrderToken = await w.rdt({
      method: 'GET',
      path: '/orders/v0/orders/{orderId}',
      dataElements: ['buyerInfo'],
    });
    for (const { suffix } of OPERATIONS) {
      for (const token of [undefined, getOrderToken]) {
        const r = await w.get(`/orders/v0/orders/${orderId}${suffix}`, token ? { token } : {});
        expectConforms(r, 403);
        expect(r.body).toEqual({
          errors: [{ code: 'Unauthorized', message: 'Access to requested resource is denied.', details: '' }],
        });
      }
    }
  });

  it('answer an RDT for their generic paths with the order’s PII, for every order', async () => {
    const w = world();
    const token = await w.rdt(...OPERATIONS.map((op) => generic(op.suffix)));
    let shippable = 0;
    for (const order of w.orders) {
      const data = orderData(order);
      const status = data.fulfillment!.fulfillmentStatus;
      const address = await w.get(`/orders/v0/orders/${order.orderId}/address`, { token });
      expectConforms(address, 200);
      const shipping = payloadOf(address).ShippingAddress as Record<string, string> | undefined;
      expect(payloadOf(address).AmazonOrderId).toBe(order.orderId);
      if (['UNSHIPPED', 'PARTIALLY_SHIPPED', 'SHIPPED'].includes(status)) {
        shippable++;
        expect(shipping).toBeDefined();
        expect(shipping?.Name).toBe(data.recipient!.deliveryAddress.name);
        expect(shipping?.AddressLine1).toBe(data.recipient!.deliveryAddress.addressLine1);
        // Model, Address.Phone: suppressed for Amazon-fulfilled orders.
        if (data.fulfillment!.fulfilledBy === 'AMAZON') expect(shipping).not.toHaveProperty('Phone');
      } else {
        expect(shipping).toBeUndefined();
      }

      const buyer = await w.get(`/orders/v0/orders/${order.orderId}/buyerInfo`, { token });
      expectConforms(buyer, 200);
      const b = data.buyer ?? {};
      expect(payloadOf(buyer)).toEqual({
        AmazonOrderId: order.orderId,
        ...(b.buyerEmail ? { BuyerEmail: b.buyerEmail } : {}),
        ...(b.buyerName ? { BuyerName: b.buyerName } : {}),
        ...(b.buyerPurchaseOrderNumber ? { PurchaseOrderNumber: b.buyerPurchaseOrderNumber } : {}),
      });

      const items = await w.get(`/orders/v0/orders/${order.orderId}/orderItems/buyerInfo`, { token });
      expectConforms(items, 200);
      const listed = payloadOf(items).OrderItems as { OrderItemId: string; GiftMessageText?: string }[];
      expect(listed.map((i) => i.OrderItemId)).toEqual(data.orderItems.map((i) => i.orderItemId));
      for (const [i, item] of data.orderItems.entries()) {
        expect(listed[i]!.GiftMessageText).toBe(item.fulfillment?.packing?.giftOption.giftMessage);
      }
    }
    expect(shippable).toBeGreaterThan(0);
  });

  it('a specific-path RDT covers its own order and operation only', async () => {
    const w = world();
    const [mine, another] = [w.orders[1]!.orderId, w.orders[2]!.orderId];
    const token = await w.rdt(`/orders/v0/orders/${mine}/address`);
    expectConforms(await w.get(`/orders/v0/orders/${mine}/address`, { token }), 200);
    expectConforms(await w.get(`/orders/v0/orders/${another}/address`, { token }), 403);
    expectConforms(await w.get(`/orders/v0/orders/${mine}/buyerInfo`, { token }), 403);
  });

  it('404 for an unknown order and for another region’s order', async () => {
    const w = world();
    const token = await w.rdt(...OPERATIONS.map((op) => generic(op.suffix)));
    for (const { suffix } of OPERATIONS) {
      expectConforms(await w.get(`/orders/v0/orders/111-9999999-9999999${suffix}`, { token }), 404);
      expectConforms(await w.get(`/orders/v0/orders/${w.other[0]!.orderId}${suffix}`, { token }), 404);
    }
  });

  it('follow their usage plan: 30 at once, then 429 until the bucket refills at 0.5 per second', async () => {
    const w = world();
    const token = await w.rdt(...OPERATIONS.map((op) => generic(op.suffix)));
    const orderId = w.orders[2]!.orderId;
    for (const { suffix } of OPERATIONS) {
      const path = `/orders/v0/orders/${orderId}${suffix}`;
      for (let i = 0; i < 30; i++) {
        const r = await w.call('GET', path, { token });
        expectConforms(r, 200);
        expect(r.headers.get('x-amzn-RateLimit-Limit')).toBe('0.5');
      }
      const throttled = await w.call('GET', path, { token });
      expectConforms(throttled, 429);
      expect((throttled.body as { errors: { code: string }[] }).errors[0]!.code).toBe('QuotaExceeded');
      w.realClock.advance(2_000);
      expectConforms(await w.call('GET', path, { token }), 200);
    }
  });

  it('getOrderItemsBuyerInfo: a NextToken sent without percent-encoding is Amazon’s 400', async () => {
    const w = world();
    const token = await w.rdt(generic('/orderItems/buyerInfo'));
    const r = await w.get(
      `/orders/v0/orders/${w.orders[1]!.orderId}/orderItems/buyerInfo?NextToken=ab+c/d==`,
      {
        token,
      },
    );
    expectConforms(r, 400);
    expect((r.body as { errors: { code: string; message: string }[] }).errors[0]).toMatchObject({
      code: 'InvalidInput',
      message: expect.stringMatching(/^We could not decode your NextToken\./) as unknown,
    });
  });

  it('send no property the model does not declare (in any call of this file)', () => {
    const undeclared = recorder.calls.flatMap((c) =>
      c.undeclared.map((u) => `${c.operation} ${c.status} ${u}`),
    );
    expect([...new Set(undeclared)]).toEqual([]);
  });
});
