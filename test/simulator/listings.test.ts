/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument --
   reply bodies are parsed JSON that the tests inspect freely. */
import { describe, expect, it } from 'vitest';
import { MINUTE } from '../../src/kernel/clock.js';

// Less than an access token's hour, so the caller's token stays valid.
const LATER = 30 * MINUTE;
import { listingKey } from '../../src/simulator/state.js';
import {
  CA,
  SELLER,
  START,
  US,
  expectModelValid,
  itemUrl,
  send,
  setup,
  shirtAttributes,
} from './listings-fixtures.js';

const ALL = 'includedData=summaries,attributes,issues,offers,fulfillmentAvailability,productTypes';

describe('listings items lifecycle', () => {
  it('puts, reads, patches, reads and deletes a listing', async () => {
    const w = setup();
    const put = await w.call('PUT', itemUrl('TRAIL-RED-M'), {
      productType: 'SHIRT',
      requirements: 'LISTING',
      attributes: shirtAttributes(),
    });
    expect(put.status).toBe(200);
    expectModelValid('putListingsItem', put);
    expect(put.body).toMatchObject({ sku: 'TRAIL-RED-M', status: 'ACCEPTED', issues: [] });
    expect(put.body.submissionId).toMatch(/^[0-9a-f]{32}$/);

    const got = await w.call('GET', itemUrl('TRAIL-RED-M', US, ALL));
    expect(got.status).toBe(200);
    expectModelValid('getListingsItem', got);
    expect(got.body.summaries).toEqual([
      {
        marketplaceId: US,
        asin: expect.stringMatching(/^B0[0-9A-Z]{8}$/),
        productType: 'SHIRT',
        conditionType: 'new_new',
        status: ['DISCOVERABLE', 'BUYABLE'],
        itemName: 'Trail Shirt, Red, M',
        createdDate: new Date(START).toISOString(),
        lastUpdatedDate: new Date(START).toISOString(),
        mainImage: { link: 'https://img.example/shirt.jpg', height: 500, width: 500 },
      },
    ]);
    // Amazon shows each value with the marketplace it applies to.
    expect(got.body.attributes.item_name).toEqual([
      { value: 'Trail Shirt, Red, M', language_tag: 'en_US', marketplace_id: US },
    ]);
    expect(got.body.offers).toEqual([
      {
        marketplaceId: US,
        offerType: 'B2C',
        price: { currencyCode: 'USD', amount: '19.99' },
        audience: { value: 'ALL', displayName: 'Sell on Amazon' },
      },
    ]);
    expect(got.body.fulfillmentAvailability).toEqual([{ fulfillmentChannelCode: 'DEFAULT', quantity: 12 }]);
    expect(got.body.issues).toEqual([]);
    expect(got.body.productTypes).toEqual([{ marketplaceId: US, productType: 'SHIRT' }]);

    w.clock.advance(LATER);
    const patch = await w.call('PATCH', itemUrl('TRAIL-RED-M'), {
      productType: 'SHIRT',
      patches: [
        {
          op: 'replace',
          path: '/attributes/purchasable_offer',
          value: [{ currency: 'USD', our_price: [{ schedule: [{ value_with_tax: 24.5 }] }] }],
        },
        {
          op: 'replace',
          path: '/attributes/fulfillment_availability',
          value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 0 }],
        },
      ],
    });
    expectModelValid('patchListingsItem', patch);
    expect(patch.body).toMatchObject({ status: 'ACCEPTED', issues: [] });

    const after = await w.call('GET', itemUrl('TRAIL-RED-M', US, ALL));
    expect(after.body.offers[0].price).toEqual({ currencyCode: 'USD', amount: '24.50' });
    expect(after.body.fulfillmentAvailability).toEqual([{ fulfillmentChannelCode: 'DEFAULT', quantity: 0 }]);
    // Out of stock: still discoverable, no longer buyable.
    expect(after.body.summaries[0].status).toEqual(['DISCOVERABLE']);
    expect(after.body.summaries[0].lastUpdatedDate).toBe(new Date(START + LATER).toISOString());
    expect(after.body.summaries[0].createdDate).toBe(new Date(START).toISOString());

    const del = await w.call('DELETE', itemUrl('TRAIL-RED-M'));
    expect(del.status).toBe(200);
    expectModelValid('deleteListingsItem', del);
    expect(del.body).toMatchObject({ sku: 'TRAIL-RED-M', status: 'ACCEPTED', issues: [] });

    const gone = await w.call('GET', itemUrl('TRAIL-RED-M'));
    expect(gone.status).toBe(404);
    expectModelValid('getListingsItem', gone);
    expect(gone.body).toEqual({
      errors: [{ code: 'NOT_FOUND', message: `SKU 'TRAIL-RED-M' not found in marketplace ${US}` }],
    });

    const stored = w.ctx.state.listings.get(listingKey(SELLER, 'TRAIL-RED-M'))!;
    expect(stored.deleted).toBe(true);
    expect(stored.submissions.map((s) => [s.method, s.mode, s.status])).toEqual([
      ['PUT', 'LIVE', 'ACCEPTED'],
      ['PATCH', 'LIVE', 'ACCEPTED'],
      ['DELETE', 'LIVE', 'ACCEPTED'],
    ]);
  });

  it('answers getListingsItem with only summaries by default', async () => {
    const w = setup();
    await w.call('PUT', itemUrl('S1'), { productType: 'SHIRT', attributes: shirtAttributes() });
    const got = await w.call('GET', itemUrl('S1'));
    expect(Object.keys(got.body).sort()).toEqual(['sku', 'summaries']);
  });

  it('decodes the SKU in the path', async () => {
    const w = setup();
    const sku = 'Trail Shirt #1 (red)';
    const put = await w.call('PUT', itemUrl(sku), { productType: 'SHIRT', attributes: shirtAttributes() });
    expect(put.body.sku).toBe(sku);
    const got = await w.call('GET', itemUrl(sku));
    expect(got.status).toBe(200);
    expect(got.body.sku).toBe(sku);
  });

  it('VALIDATION_PREVIEW validates without applying', async () => {
    const w = setup();
    const preview = await w.call(
      'PUT',
      itemUrl('NEW-1', US, 'mode=VALIDATION_PREVIEW&includedData=identifiers,issues'),
      {
        productType: 'SHIRT',
        attributes: shirtAttributes(),
      },
    );
    expectModelValid('putListingsItem', preview);
    expect(preview.body).toMatchObject({ status: 'VALID', issues: [] });
    expect(preview.body.identifiers).toEqual([{ marketplaceId: US, asin: expect.stringMatching(/^B0/) }]);
    expect((await w.call('GET', itemUrl('NEW-1'))).status).toBe(404);

    const invalid = await w.call(
      'PUT',
      itemUrl('NEW-1', US, 'mode=VALIDATION_PREVIEW&includedData=identifiers,issues'),
      {
        productType: 'SHIRT',
        attributes: shirtAttributes({ brand: undefined }),
      },
    );
    expect(invalid.body).toMatchObject({ status: 'INVALID', identifiers: [] });

    await w.call('PUT', itemUrl('NEW-1'), { productType: 'SHIRT', attributes: shirtAttributes() });
    const patchPreview = await w.call('PATCH', itemUrl('NEW-1', US, 'mode=VALIDATION_PREVIEW'), {
      productType: 'SHIRT',
      patches: [
        { op: 'replace', path: '/attributes/color', value: [{ value: 'Blue', language_tag: 'en_US' }] },
      ],
    });
    expect(patchPreview.body.status).toBe('VALID');
    const got = await w.call('GET', itemUrl('NEW-1', US, 'includedData=attributes'));
    expect(got.body.attributes.color[0].value).toBe('Red');
    const history = w.ctx.state.listings.get(listingKey(SELLER, 'NEW-1'))!.submissions;
    expect(history.map((s) => [s.method, s.mode, s.status])).toEqual([
      ['PUT', 'VALIDATION_PREVIEW', 'VALID'],
      ['PUT', 'VALIDATION_PREVIEW', 'INVALID'],
      ['PUT', 'LIVE', 'ACCEPTED'],
      ['PATCH', 'VALIDATION_PREVIEW', 'VALID'],
    ]);
  });

  it('leaves the listing unchanged when a submission is INVALID', async () => {
    const w = setup();
    await w.call('PUT', itemUrl('S2'), { productType: 'SHIRT', attributes: shirtAttributes() });
    const before = await w.call('GET', itemUrl('S2', US, 'includedData=attributes'));
    const put = await w.call('PUT', itemUrl('S2'), {
      productType: 'SHIRT',
      attributes: shirtAttributes({ color: [{ value: 'Green', language_tag: 'en_US' }], size: undefined }),
    });
    expect(put.body.status).toBe('INVALID');
    const patch = await w.call('PATCH', itemUrl('S2'), {
      productType: 'SHIRT',
      patches: [
        { op: 'replace', path: '/attributes/color', value: [{ value: 'Green', language_tag: 'en_US' }] },
        { op: 'replace', path: '/attributes/purchasable_offer', value: [{ currency: 'USD', our_price: [] }] },
      ],
    });
    expect(patch.body.status).toBe('INVALID');
    const after = await w.call('GET', itemUrl('S2', US, 'includedData=attributes'));
    expect(after.body).toEqual(before.body);
  });

  it('keeps a listing per marketplace: a DELETE in one leaves the other', async () => {
    const w = setup();
    await w.call('PUT', itemUrl('DUO'), { productType: 'SHIRT', attributes: shirtAttributes() });
    const caAttributes = shirtAttributes({
      purchasable_offer: [{ currency: 'CAD', our_price: [{ schedule: [{ value_with_tax: 26 }] }] }],
    });
    expect(
      (await w.call('PUT', itemUrl('DUO', CA), { productType: 'SHIRT', attributes: caAttributes })).body
        .status,
    ).toBe('ACCEPTED');
    const ca = await w.call('GET', itemUrl('DUO', CA, 'includedData=offers'));
    expect(ca.body.offers[0].price).toEqual({ currencyCode: 'CAD', amount: '26.00' });
    const us = await w.call('GET', itemUrl('DUO', US, 'includedData=offers'));
    expect(us.body.offers[0].price).toEqual({ currencyCode: 'USD', amount: '19.99' });

    await w.call('DELETE', itemUrl('DUO', CA));
    expect((await w.call('GET', itemUrl('DUO', CA))).status).toBe(404);
    const still = await w.call('GET', itemUrl('DUO', US, 'includedData=offers'));
    expect(still.status).toBe(200);
    expect(still.body.offers).toHaveLength(1);
  });

  it('a deleted SKU can be listed again', async () => {
    const w = setup();
    await w.call('PUT', itemUrl('AGAIN'), { productType: 'SHIRT', attributes: shirtAttributes() });
    await w.call('DELETE', itemUrl('AGAIN'));
    w.clock.advance(LATER);
    await w.call('PUT', itemUrl('AGAIN'), { productType: 'SHIRT', attributes: shirtAttributes() });
    const got = await w.call('GET', itemUrl('AGAIN'));
    expect(got.status).toBe(200);
    expect(got.body.summaries[0].createdDate).toBe(new Date(START + LATER).toISOString());
  });

  it('merges and deletes attribute values with PATCH', async () => {
    const w = setup();
    await w.call('PUT', itemUrl('P1'), {
      productType: 'SHIRT',
      attributes: shirtAttributes({ bullet_point: [{ value: 'Soft', language_tag: 'en_US' }] }),
    });
    const patch = await w.call('PATCH', itemUrl('P1'), {
      productType: 'SHIRT',
      patches: [
        {
          op: 'merge',
          path: '/attributes/fulfillment_availability',
          value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 3 }],
        },
        { op: 'delete', path: '/attributes/bullet_point', value: [{ language_tag: 'en_US' }] },
        { op: 'add', path: '/attributes/material', value: [{ value: 'Cotton', language_tag: 'en_US' }] },
      ],
    });
    expect(patch.body.status).toBe('ACCEPTED');
    const got = await w.call('GET', itemUrl('P1', US, 'includedData=attributes'));
    expect(got.body.attributes.fulfillment_availability).toEqual([
      { fulfillment_channel_code: 'DEFAULT', quantity: 3 },
    ]);
    expect(got.body.attributes.bullet_point).toBeUndefined();
    expect(got.body.attributes.material).toEqual([
      { value: 'Cotton', language_tag: 'en_US', marketplace_id: US },
    ]);
  });

  it('accepts a PATCH of an unlisted SKU as a partial listing by default', async () => {
    const w = setup();
    const patch = await w.call('PATCH', itemUrl('PRICE-ONLY'), {
      productType: 'PRODUCT',
      patches: [
        {
          op: 'replace',
          path: '/attributes/purchasable_offer',
          value: [{ currency: 'USD', our_price: [{ schedule: [{ value_with_tax: 9.99 }] }] }],
        },
      ],
    });
    expect(patch.body).toMatchObject({ status: 'ACCEPTED', issues: [] });
    const got = await w.call('GET', itemUrl('PRICE-ONLY', US, 'includedData=summaries,issues'));
    expect(got.status).toBe(200);
    expectModelValid('getListingsItem', got);
    // The partial listing is not buyable and its issues say what is missing.
    expect(got.body.summaries[0].status).toEqual([]);
    expect(got.body.issues.map((i: { attributeNames: string[] }) => i.attributeNames[0])).toEqual([
      'condition_type',
      'fulfillment_availability',
      'merchant_suggested_asin',
    ]);
    expect(got.body.issues[0]).toMatchObject({
      code: '90220',
      marketplaceIds: [US],
      categories: ['MISSING_ATTRIBUTE'],
    });

    const del = await w.call('DELETE', itemUrl('NEVER-LISTED'));
    expect(del.body).toMatchObject({ status: 'ACCEPTED', issues: [] });
  });

  it("answers INVALID for an unlisted SKU when listingsMissingSku is 'invalid'", async () => {
    const w = setup({ listingsMissingSku: 'invalid' });
    const body = {
      productType: 'PRODUCT',
      patches: [
        {
          op: 'replace',
          path: '/attributes/fulfillment_availability',
          value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 1 }],
        },
      ],
    };
    const patch = await w.call('PATCH', itemUrl('GHOST'), body);
    expectModelValid('patchListingsItem', patch);
    expect(patch.body.status).toBe('INVALID');
    expect(patch.body.issues[0].message).toBe(`SKU 'GHOST' not found in marketplace ${US}`);
    expect((await w.call('GET', itemUrl('GHOST'))).status).toBe(404);
    expect((await w.call('DELETE', itemUrl('GHOST'))).body.status).toBe('INVALID');
  });

  it('shows listings and their submission history at /_sim/listings', async () => {
    const w = setup();
    await w.call('PUT', itemUrl('C1'), { productType: 'SHIRT', attributes: shirtAttributes() });
    await w.call('PUT', itemUrl('C2'), { productType: 'NOT_A_TYPE', attributes: {} });
    const res = await send(w.sim, 'GET', `/_sim/listings?sellingPartnerId=${SELLER}`);
    expect(res.status).toBe(200);
    const bySku = Object.fromEntries(res.body.listings.map((l: { sku: string }) => [l.sku, l]));
    expect(bySku.C1).toMatchObject({ state: 'live', productType: 'SHIRT', marketplaceIds: [US] });
    expect(bySku.C1.attributes.brand[0].value).toBe('Trailco');
    expect(bySku.C1.submissions[0]).toMatchObject({ method: 'PUT', status: 'ACCEPTED', marketplaceId: US });
    expect(bySku.C2).toMatchObject({ state: 'never-listed' });
    expect(bySku.C2.submissions[0].issues[0].code).toBe('4000003');
    const none = await send(w.sim, 'GET', '/_sim/listings?sellingPartnerId=NOBODY');
    expect(none.body.listings).toEqual([]);
  });
});
