/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call --
   reply bodies are parsed JSON that the tests inspect freely. */
import { describe, expect, it } from 'vitest';
import { MINUTE } from '../../src/kernel/clock.js';
import {
  ITEMS,
  US,
  expectModelValid,
  itemUrl,
  setup,
  shirtAttributes,
  type World,
} from './listings-fixtures.js';

/** Lists SKU-A..SKU-E one minute apart; SKU-C is out of stock. */
async function listFive(w: World): Promise<void> {
  for (const sku of ['SKU-A', 'SKU-B', 'SKU-C', 'SKU-D', 'SKU-E']) {
    const quantity = sku === 'SKU-C' ? 0 : 5;
    const attributes = shirtAttributes({
      fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT', quantity }],
    });
    await w.call('PUT', itemUrl(sku), { productType: 'SHIRT', attributes });
    w.clock.advance(MINUTE);
  }
}

describe('searchListingsItems', () => {
  it('pages through the seller listings, newest first by default', async () => {
    const w = setup();
    await listFive(w);
    const first = await w.call('GET', `${ITEMS}?marketplaceIds=${US}&pageSize=2`);
    expect(first.status).toBe(200);
    expectModelValid('searchListingsItems', first);
    expect(first.body.numberOfResults).toBe(5);
    expect(first.body.items.map((i: { sku: string }) => i.sku)).toEqual(['SKU-E', 'SKU-D']);
    expect(first.body.items[0].summaries[0].productType).toBe('SHIRT');
    const token = first.body.pagination.nextToken as string;
    const second = await w.call(
      'GET',
      `${ITEMS}?marketplaceIds=${US}&pageSize=2&pageToken=${encodeURIComponent(token)}`,
    );
    expect(second.body.items.map((i: { sku: string }) => i.sku)).toEqual(['SKU-C', 'SKU-B']);
    expect(second.body.pagination.previousToken).toBeDefined();
  });

  it('filters by SKU identifiers and by status, and sorts by sku', async () => {
    const w = setup();
    await listFive(w);
    const bySku = await w.call(
      'GET',
      `${ITEMS}?marketplaceIds=${US}&identifiers=SKU-B,SKU-D&identifiersType=SKU&sortBy=sku&sortOrder=ASC`,
    );
    expect(bySku.body.items.map((i: { sku: string }) => i.sku)).toEqual(['SKU-B', 'SKU-D']);
    const notBuyable = await w.call('GET', `${ITEMS}?marketplaceIds=${US}&withoutStatus=BUYABLE`);
    expect(notBuyable.body.items.map((i: { sku: string }) => i.sku)).toEqual(['SKU-C']);
  });

  it('leaves out deleted listings and answers 400 for bad parameters', async () => {
    const w = setup();
    await listFive(w);
    await w.call('DELETE', itemUrl('SKU-A'));
    const all = await w.call('GET', `${ITEMS}?marketplaceIds=${US}&pageSize=20`);
    expect(all.body.numberOfResults).toBe(4);
    for (const query of [
      'pageSize=21',
      'identifiers=SKU-A',
      'sortBy=price',
      'withStatus=GONE',
      'createdAfter=yesterday',
    ]) {
      const reply = await w.call('GET', `${ITEMS}?marketplaceIds=${US}&${query}`);
      expect(reply.status, query).toBe(400);
      expect(reply.body.errors[0].code).toBe('InvalidInput');
    }
  });
});
