import { describe, expect, it } from 'vitest';
import { AmazonError } from '../../../src/amazon/errors.js';
import {
  processCatalogPage,
  searchCatalogPageRequest,
} from '../../../src/amazon/operations/listings-catalog.js';
import { json, text, urlOf } from './responses.js';

/** searchListingsItems as the catalog walks it (src/amazon/operations/listings-catalog.ts). */

const DE = 'A1PA6795UKMFR9';
const TOKEN = '+/+/eyJvZmZzZXQiOjIwfQ==';

describe('searchListingsItems for the catalog', () => {
  it('asks for one page sorted by SKU with the item data the catalog keeps, the token percent-encoded', () => {
    const url = urlOf(
      searchCatalogPageRequest({ sellerId: 'A1 SELLER', marketplaceId: DE, pageToken: TOKEN }),
    );
    expect(url.pathname).toBe('/listings/2021-08-01/items/A1%20SELLER');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      marketplaceIds: DE,
      includedData: 'summaries,issues,offers,fulfillmentAvailability,attributes',
      pageSize: '20',
      sortBy: 'sku',
      sortOrder: 'ASC',
      pageToken: TOKEN,
    });
    // On the wire `+`, `/` and `=` are escaped: a raw `+` would reach Amazon as a space.
    expect(url.search).toContain('pageToken=%2B%2F%2B%2FeyJvZmZzZXQiOjIwfQ%3D%3D');
    expect(
      urlOf(searchCatalogPageRequest({ sellerId: 'S', marketplaceId: DE })).searchParams.has('pageToken'),
    ).toBe(false);
  });

  it('reads items, their summary in the marketplace, issues, B2C price, own quantity and the next token', async () => {
    const page = await processCatalogPage(
      json(200, {
        numberOfResults: 2,
        pagination: { nextToken: TOKEN },
        items: [
          {
            sku: 'MUG',
            summaries: [
              { marketplaceId: 'OTHER', productType: 'X', status: [] },
              {
                marketplaceId: DE,
                asin: 'B0TEST0001',
                productType: 'KITCHEN',
                itemName: 'Becher',
                conditionType: 'new_new',
                status: ['DISCOVERABLE', 'BUYABLE'],
                createdDate: '2026-01-01T00:00:00Z',
                lastUpdatedDate: '2026-02-01T00:00:00Z',
              },
            ],
            issues: [{ code: '90220', message: 'missing', severity: 'ERROR', attributeNames: ['color'] }],
            offers: [
              { marketplaceId: DE, offerType: 'B2B', price: { currencyCode: 'EUR', amount: '10.00' } },
              { marketplaceId: DE, offerType: 'B2C', price: { currencyCode: 'EUR', amount: '11.50' } },
            ],
            fulfillmentAvailability: [
              { fulfillmentChannelCode: 'AMAZON_EU' },
              { fulfillmentChannelCode: 'DEFAULT', quantity: 7 },
            ],
            attributes: { item_name: [{ value: 'Becher' }] },
          },
          { summaries: [] },
          { sku: 'BARE' },
        ],
      }),
      DE,
    );
    expect(page.nextToken).toBe(TOKEN);
    expect(page.numberOfResults).toBe(2);
    expect(page.items.map((i) => i.sku)).toEqual(['MUG', 'BARE']);
    expect(page.items[0]).toMatchObject({
      asin: 'B0TEST0001',
      productType: 'KITCHEN',
      itemName: 'Becher',
      statuses: ['DISCOVERABLE', 'BUYABLE'],
      issues: [{ code: '90220', severity: 'ERROR', attributeNames: ['color'] }],
      price: { amount: '11.50', currency: 'EUR' },
      quantity: 7,
      createdDate: new Date('2026-01-01T00:00:00Z'),
    });
    expect(page.items[1]).toMatchObject({
      statuses: [],
      issues: [],
      price: null,
      quantity: null,
      attributes: null,
    });
  });

  it('ends on the last page, and refuses an answer without items (never read as an empty catalog)', async () => {
    expect((await processCatalogPage(json(200, { items: [] }), DE)).nextToken).toBeNull();
    for (const answer of [json(200, {}), json(200, [1]), text(200, 'oops')])
      await expect(processCatalogPage(answer, DE)).rejects.toThrow(AmazonError);
  });
});
