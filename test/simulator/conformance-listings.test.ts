import { afterAll, describe, expect, it } from 'vitest';
import { createConformanceRecorder, type CheckedResponse } from '../support/spapi-schemas.js';
import {
  createConformanceWorld,
  describeCall,
  implementedOperations,
  SELLERS,
  schemas,
  US,
  type CallOptions,
} from './conformance-fixtures.js';

/**
 * Listings Items API 2021-08-01: a listing's life (put, preview, get, patch, search, delete) and the
 * errors a client can provoke, each response validated against the model for its operation and status.
 */

const recorder = createConformanceRecorder(schemas);
const implemented = implementedOperations();
const CA = 'A2EUQ1WTGCTBG2';
const ITEMS = `/listings/2021-08-01/items/${SELLERS.NA}`;
const ALL_GET_INCLUDED =
  'summaries,attributes,issues,offers,fulfillmentAvailability,procurement,relationships,productTypes';

const itemUrl = (sku: string, query = '', marketplaceId = US) =>
  `${ITEMS}/${encodeURIComponent(sku)}?marketplaceIds=${marketplaceId}${query ? `&${query}` : ''}`;

function shirt(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const text = (value: string) => [{ value, language_tag: 'en_US' }];
  return {
    item_name: text('Trail Shirt, Blue, L'),
    brand: text('Trailco'),
    color: text('Blue'),
    size: text('L'),
    department: text('womens'),
    target_gender: [{ value: 'female' }],
    externally_assigned_product_identifier: [{ type: 'ean', value: '4006381333931' }],
    condition_type: [{ value: 'new_new' }],
    purchasable_offer: [{ currency: 'USD', our_price: [{ schedule: [{ value_with_tax: 24.5 }] }] }],
    fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT', quantity: 7 }],
    main_product_image_locator: [{ media_location: 'https://img.example/blue-shirt.jpg' }],
    ...overrides,
  };
}

/** A world whose real clock jumps before every call, so usage plans only throttle where a test wants. */
function listingsWorld() {
  const w = createConformanceWorld(recorder);
  const send = (method: string, path: string, options: CallOptions = {}) => {
    w.realClock.advance(10_000);
    return w.call(method, path, options);
  };
  return { ...w, send };
}

function expectConforms(r: CheckedResponse, status: number): void {
  expect(r.status, describeCall(r)).toBe(status);
  expect(r.errors, describeCall(r)).toEqual([]);
}

afterAll(() => {
  console.log(`conformance (listings):\n${recorder.summary()}`);
});

const allListings = ['getListingsItem', 'putListingsItem', 'patchListingsItem', 'deleteListingsItem'];

describe.skipIf(!allListings.every((id) => implemented.has(id)))('conformance: Listings Items', () => {
  it('200 through a listing’s life: preview, put, get, patch, delete', async () => {
    const w = listingsWorld();
    const sku = 'TRAIL-SHIRT-BLUE-L';
    const preview = await w.send(
      'PUT',
      itemUrl(sku, 'mode=VALIDATION_PREVIEW&includedData=identifiers,issues'),
      {
        body: { productType: 'SHIRT', requirements: 'LISTING', attributes: shirt() },
      },
    );
    expectConforms(preview, 200);
    expect(preview.body).toMatchObject({ status: 'VALID' });

    const put = await w.send('PUT', itemUrl(sku), { body: { productType: 'SHIRT', attributes: shirt() } });
    expectConforms(put, 200);
    expect(put.body).toMatchObject({ status: 'ACCEPTED' });

    for (const query of [
      '',
      `includedData=${ALL_GET_INCLUDED}`,
      'includedData=summaries,issues&issueLocale=en_US',
    ]) {
      expectConforms(await w.send('GET', itemUrl(sku, query)), 200);
    }

    const patch = await w.send('PATCH', itemUrl(sku), {
      body: {
        productType: 'SHIRT',
        patches: [
          {
            op: 'replace',
            path: '/attributes/fulfillment_availability',
            value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 0 }],
          },
          { op: 'delete', path: '/attributes/main_product_image_locator' },
        ],
      },
    });
    expectConforms(patch, 200);
    expect(patch.body).toMatchObject({ status: 'ACCEPTED' });
    expectConforms(await w.send('GET', itemUrl(sku, `includedData=${ALL_GET_INCLUDED}`)), 200);

    const previewPatch = await w.send(
      'PATCH',
      itemUrl(sku, 'mode=VALIDATION_PREVIEW&includedData=identifiers,issues'),
      {
        body: {
          productType: 'SHIRT',
          patches: [{ op: 'replace', path: '/attributes/color', value: [{ value: 'Navy' }] }],
        },
      },
    );
    expectConforms(previewPatch, 200);

    expectConforms(await w.send('DELETE', itemUrl(sku)), 200);
    expectConforms(await w.send('GET', itemUrl(sku)), 404);
  });

  it('200 INVALID submissions with issues', async () => {
    const w = listingsWorld();
    const bodies = [
      { productType: 'SHIRT', attributes: shirt({ brand: undefined, color: undefined }) },
      { productType: 'SHIRT', attributes: shirt({ target_gender: [{ value: 'robot' }] }) },
      { productType: 'NOT_A_TYPE', attributes: shirt() },
      {
        productType: 'PRODUCT',
        requirements: 'LISTING_OFFER_ONLY',
        attributes: { condition_type: [{ value: 'new_new' }] },
      },
    ];
    for (const body of bodies) {
      const r = await w.send('PUT', itemUrl('BROKEN-1', 'includedData=issues'), { body });
      expectConforms(r, 200);
      expect(r.body).toMatchObject({ status: 'INVALID' });
    }
    const patch = await w.send('PATCH', itemUrl('BROKEN-1'), {
      body: {
        productType: 'SHIRT',
        patches: [{ op: 'replace', path: '/attributes/unknown_thing', value: [{ value: 1 }] }],
      },
    });
    expectConforms(patch, 200);
  });

  it('400 for bad requests, 403 for another seller, 404 for unknown SKUs', async () => {
    const w = listingsWorld();
    const body = { productType: 'SHIRT', attributes: shirt() };
    const bad: [string, string, CallOptions][] = [
      ['PUT', `${ITEMS}/SKU-1`, { body }],
      ['PUT', itemUrl('SKU-1', '', `${US},${CA}`), { body }],
      ['PUT', itemUrl('SKU-1', '', 'A1F83G8C2ARO7P'), { body }],
      ['PUT', itemUrl('SKU-1'), { body: '{"productType":' }],
      ['PUT', itemUrl('SKU-1'), { body: { attributes: shirt() } }],
      ['PUT', itemUrl('SKU-1', 'mode=LIVE'), { body }],
      ['PUT', itemUrl('SKU-1', 'includedData=identifiers'), { body }],
      ['PATCH', itemUrl('SKU-1'), { body: { productType: 'SHIRT', patches: 'all of them' } }],
      ['GET', itemUrl('SKU-1', 'includedData=everything'), {}],
      ['DELETE', `${ITEMS}/SKU-1`, {}],
    ];
    for (const [method, path, options] of bad) expectConforms(await w.send(method, path, options), 400);

    const otherSeller = `/listings/2021-08-01/items/A1DEMOSELLEREU/SKU-1?marketplaceIds=${US}`;
    expectConforms(await w.send('GET', otherSeller), 403);
    expectConforms(await w.send('PUT', otherSeller, { body }), 403);
    expectConforms(await w.send('GET', itemUrl('NO-SUCH-SKU')), 404);
  });

  it('429 when patches outrun the usage plan (rate 5, burst 5)', async () => {
    const w = listingsWorld();
    const body = {
      productType: 'SHIRT',
      patches: [{ op: 'replace', path: '/attributes/color', value: [{ value: 'Red' }] }],
    };
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await w.call('PATCH', itemUrl('FAST-1'), { body });
      expect(r.errors, describeCall(r)).toEqual([]);
      statuses.push(r.status);
    }
    expect(statuses.at(-1)).toBe(429);
  });
});

describe.skipIf(!implemented.has('searchListingsItems') || !implemented.has('putListingsItem'))(
  'conformance: Listings Items searchListingsItems',
  () => {
    it('200 with identifiers, filters, includedData and every page', async () => {
      const w = listingsWorld();
      for (const [i, color] of ['Red', 'Green', 'Blue', 'Black', 'White'].entries()) {
        const sku = `SEARCH-${i}`;
        const attributes = shirt({ color: [{ value: color, language_tag: 'en_US' }] });
        expectConforms(
          await w.send('PUT', itemUrl(sku), { body: { productType: 'SHIRT', attributes } }),
          200,
        );
      }
      const queries = [
        `marketplaceIds=${US}`,
        `marketplaceIds=${US}&identifiersType=SKU&identifiers=SEARCH-0,SEARCH-3&includedData=${ALL_GET_INCLUDED}`,
        `marketplaceIds=${US}&withStatus=BUYABLE&sortBy=sku&sortOrder=ASC`,
        `marketplaceIds=${CA}`,
      ];
      for (const q of queries) expectConforms(await w.send('GET', `${ITEMS}?${q}`), 200);

      let r = await w.send('GET', `${ITEMS}?marketplaceIds=${US}&pageSize=2`);
      for (let page = 0; page < 5; page++) {
        expectConforms(r, 200);
        const next = (r.body as { pagination?: { nextToken?: string } }).pagination?.nextToken;
        if (!next) break;
        r = await w.send(
          'GET',
          `${ITEMS}?marketplaceIds=${US}&pageSize=2&pageToken=${encodeURIComponent(next)}`,
        );
      }
    });

    it('400 for bad parameters', async () => {
      const w = listingsWorld();
      const queries = [
        '',
        'marketplaceIds=invalid',
        `marketplaceIds=${US}&identifiers=SEARCH-0`,
        `marketplaceIds=${US}&identifiersType=SKU`,
        `marketplaceIds=${US}&pageSize=0`,
        `marketplaceIds=${US}&includedData=everything`,
        `marketplaceIds=${US}&pageToken=not-a-token`,
      ];
      for (const q of queries) expectConforms(await w.send('GET', `${ITEMS}?${q}`), 400);
    });
  },
);

describe('conformance: model properties (listings)', () => {
  it('sends no property the models do not declare (in any call of this file)', () => {
    const undeclared = recorder.calls.flatMap((c) =>
      c.undeclared.map((u) => `${c.operation} ${c.status} ${u}`),
    );
    expect([...new Set(undeclared)]).toEqual([]);
  });
});
