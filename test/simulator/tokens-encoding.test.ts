/* eslint-disable @typescript-eslint/no-unsafe-member-access --
   reply bodies are parsed JSON that the tests inspect freely. */
import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE, iso } from '../../src/kernel/clock.js';
import { ITEMS, US as LISTINGS_US, itemUrl, setup, shirtAttributes } from './listings-fixtures.js';
import { NA, START, US, createOrdersWorld, errorOf, expectConforms, qs } from './orders-support.js';

/**
 * Issue 18 D2: Amazon's page tokens are standard base64 (`+`, `/`, `=`), so a client that puts one in
 * a query string without percent-encoding it sends a `+` that arrives as a space, and Amazon answers
 * 400 InvalidInput "We could not decode your NextToken. ..." (https://github.com/amzn/selling-partner-api-docs/issues/422).
 * The simulator's tokens carry all three characters, so that mistake fails here as it does there.
 */

const UNDECODABLE =
  'We could not decode your NextToken. Possible reasons include: a transmission error, improper quoting or a truncation problem.';

/** A world with 6 NA orders, so pages of 2 need tokens. */
async function ordersWorld() {
  const world = createOrdersWorld();
  await world.generate({
    sellingPartnerId: NA,
    count: 6,
    marketplaceId: US,
    createdFrom: iso(START - 2 * DAY),
    createdTo: iso(START - HOUR),
  });
  return world;
}

/** Every character Amazon's base64 tokens hold that a query string changes or splits on. */
function expectAmazonAlphabet(token: string): void {
  expect(token).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
  expect(token).toContain('+');
  expect(token).toContain('/');
  expect(token).toContain('=');
}

describe('v0 NextToken', () => {
  const first = { MarketplaceIds: US, CreatedAfter: iso(START - 3 * DAY), MaxResultsPerPage: 2 };

  it('is standard base64 with + / =, and works when percent-encoded', async () => {
    const world = await ordersWorld();
    const res = await world.api(`/orders/v0/orders?${qs(first)}`);
    expect(res.status).toBe(200);
    const token = ((await res.json()) as { payload: { NextToken: string } }).payload.NextToken;
    expectAmazonAlphabet(token);
    const next = await world.api(`/orders/v0/orders?${qs({ MarketplaceIds: US, NextToken: token })}`);
    expect(next.status).toBe(200);
    const body = (await next.json()) as { payload: { Orders: unknown[] } };
    expectConforms('getOrders', 200, body);
    // MaxResultsPerPage is not part of the token: the next page takes the default, the 4 left.
    expect(body.payload.Orders).toHaveLength(4);
  });

  it('sent without percent-encoding: 400 InvalidInput, Amazon’s words, model-valid', async () => {
    const world = await ordersWorld();
    const res = await world.api(`/orders/v0/orders?${qs(first)}`);
    const token = ((await res.json()) as { payload: { NextToken: string } }).payload.NextToken;
    const raw = await world.api(`/orders/v0/orders?MarketplaceIds=${US}&NextToken=${token}`);
    expect(raw.status).toBe(400);
    const body = (await raw.json()) as { errors: { code: string; message: string }[] };
    expectConforms('getOrders', 400, body);
    expect(body.errors[0]).toMatchObject({ code: 'InvalidInput', message: UNDECODABLE });
  });

  it('a truncated token gets the same answer; getOrderItems too', async () => {
    const world = await ordersWorld();
    const res = await world.api(`/orders/v0/orders?${qs(first)}`);
    const body = (await res.json()) as {
      payload: { NextToken: string; Orders: { AmazonOrderId: string }[] };
    };
    const cut = body.payload.NextToken.slice(0, -6);
    const truncated = await world.api(`/orders/v0/orders?${qs({ MarketplaceIds: US, NextToken: cut })}`);
    expect(await errorOf(truncated)).toMatchObject({ code: 'InvalidInput', message: UNDECODABLE });
    const orderId = body.payload.Orders[0]!.AmazonOrderId;
    const items = await world.api(`/orders/v0/orders/${orderId}/orderItems?NextToken=a+b`);
    expect(items.status).toBe(400);
    expect(await errorOf(items)).toMatchObject({ code: 'InvalidInput', message: UNDECODABLE });
  });
});

describe('Orders 2026-01-01 paginationToken', () => {
  const first = { createdAfter: iso(START - 3 * DAY), maxResultsPerPage: 2 };

  it('is standard base64 with + / =; refused unencoded, followed encoded', async () => {
    const world = await ordersWorld();
    const res = await world.api(`/orders/2026-01-01/orders?${qs(first)}`);
    const token = ((await res.json()) as { pagination: { nextToken: string } }).pagination.nextToken;
    expectAmazonAlphabet(token);
    const raw = await world.api(`/orders/2026-01-01/orders?${qs(first)}&paginationToken=${token}`);
    expect(raw.status).toBe(400);
    const refused = (await raw.json()) as { errors: { code: string }[] };
    expectConforms('searchOrders', 400, refused);
    expect(refused.errors[0]!.code).toBe('InvalidInput');
    const encoded = await world.api(`/orders/2026-01-01/orders?${qs({ ...first, paginationToken: token })}`);
    expect(encoded.status).toBe(200);
  });
});

describe('Listings searchListingsItems pageToken', () => {
  it('is standard base64 with + / =; refused unencoded, followed encoded', async () => {
    const w = setup();
    for (const sku of ['SKU-A', 'SKU-B', 'SKU-C']) {
      await w.call('PUT', itemUrl(sku), { productType: 'SHIRT', attributes: shirtAttributes() });
      w.clock.advance(MINUTE);
    }
    const first = await w.call('GET', `${ITEMS}?marketplaceIds=${LISTINGS_US}&pageSize=2`);
    expect(first.status).toBe(200);
    const token = first.body.pagination.nextToken as string;
    expectAmazonAlphabet(token);
    const raw = await w.call('GET', `${ITEMS}?marketplaceIds=${LISTINGS_US}&pageSize=2&pageToken=${token}`);
    expect(raw.status).toBe(400);
    const encoded = await w.call(
      'GET',
      `${ITEMS}?marketplaceIds=${LISTINGS_US}&pageSize=2&pageToken=${encodeURIComponent(token)}`,
    );
    expect(encoded.status).toBe(200);
    expect(encoded.body.items).toHaveLength(1);
    expectAmazonAlphabet(encoded.body.pagination.previousToken as string);
  });
});
