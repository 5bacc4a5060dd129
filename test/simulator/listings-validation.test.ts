/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-return --
   reply bodies are parsed JSON that the tests inspect freely. */
import { describe, expect, it } from 'vitest';
import { US, expectModelValid, itemUrl, setup, shirtAttributes, type World } from './listings-fixtures.js';

/** PUTs a SHIRT (or `productType`) for the US and returns the submission response body. */
async function put(
  w: World,
  attributes: Record<string, unknown>,
  productType = 'SHIRT',
  requirements?: string,
): Promise<{ status: string; issues: Record<string, unknown>[] }> {
  const reply = await w.call('PUT', itemUrl('V-1'), {
    productType,
    ...(requirements ? { requirements } : {}),
    attributes,
  });
  expect(reply.status).toBe(200);
  expectModelValid('putListingsItem', reply);
  return reply.body;
}

const offerOnly = {
  merchant_suggested_asin: [{ value: 'B07N4M94X4' }],
  condition_type: [{ value: 'new_new' }],
  purchasable_offer: [{ currency: 'USD', our_price: [{ schedule: [{ value_with_tax: 12 }] }] }],
  fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT', quantity: 4 }],
};

describe('listings items validation issues', () => {
  it('reports every missing required attribute as 90220', async () => {
    const w = setup();
    const body = await put(w, { item_name: [{ value: 'Shirt', language_tag: 'en_US' }] });
    expect(body.status).toBe('INVALID');
    expect(body.issues.map((i) => i.attributeNames)).toEqual([
      ['brand'],
      ['color'],
      ['size'],
      ['department'],
      ['target_gender'],
      ['externally_assigned_product_identifier'],
      ['condition_type'],
      ['purchasable_offer'],
      ['fulfillment_availability'],
    ]);
    expect(body.issues[0]).toEqual({
      code: '90220',
      message: "'brand' is required but not supplied.",
      severity: 'ERROR',
      attributeNames: ['brand'],
      categories: ['MISSING_ATTRIBUTE'],
    });
  });

  it('needs fewer attributes for LISTING_PRODUCT_ONLY and LISTING_OFFER_ONLY', async () => {
    const w = setup();
    const { condition_type, purchasable_offer, fulfillment_availability, ...productOnly } = shirtAttributes();
    expect([condition_type, purchasable_offer, fulfillment_availability]).not.toContain(undefined);
    expect((await put(w, productOnly, 'SHIRT', 'LISTING_PRODUCT_ONLY')).status).toBe('ACCEPTED');
    expect((await put(w, offerOnly, 'SHIRT', 'LISTING_OFFER_ONLY')).status).toBe('ACCEPTED');
    const { merchant_suggested_asin, ...noAsin } = offerOnly;
    expect(merchant_suggested_asin).toBeDefined();
    const body = await put(w, noAsin, 'SHIRT', 'LISTING_OFFER_ONLY');
    expect(body.issues).toEqual([
      expect.objectContaining({ code: '90220', attributeNames: ['merchant_suggested_asin'] }),
    ]);
  });

  it('refuses unknown product types and product creation with PRODUCT', async () => {
    const w = setup();
    const unknown = await put(w, shirtAttributes(), 'DRINKING CUP');
    expect(unknown).toMatchObject({
      status: 'INVALID',
      issues: [
        {
          code: '4000003',
          message: 'The Amazon product type specified is invalid or not supported.',
          severity: 'ERROR',
          categories: [],
        },
      ],
    });
    const generic = await put(w, shirtAttributes(), 'PRODUCT');
    expect(generic.issues).toEqual([
      expect.objectContaining({
        code: '4000004',
        message: expect.stringContaining(
          'Creating products is not supported with the "PRODUCT" Amazon product type',
        ),
      }),
    ]);
    expect((await put(w, offerOnly, 'PRODUCT', 'LISTING_OFFER_ONLY')).status).toBe('ACCEPTED');
  });

  it('reports unknown attributes as 90000900', async () => {
    const w = setup();
    const body = await put(w, shirtAttributes({ fake_attribute: [{ value: 'x' }] }));
    expect(body).toMatchObject({
      status: 'INVALID',
      issues: [
        {
          code: '90000900',
          message: 'The attributes are invalid.',
          attributeNames: ['fake_attribute'],
          categories: ['INVALID_ATTRIBUTE'],
        },
      ],
    });
  });

  it.each([
    ['a value that is not an array', { brand: 'Trailco' }, 'Brand Name', 'brand'],
    ['text without a language tag', { brand: [{ value: 'Trailco' }] }, 'Language Tag', 'brand'],
    ['an empty text', { color: [{ value: ' ', language_tag: 'en_US' }] }, 'Color', 'color'],
    [
      'a value for another marketplace',
      { color: [{ value: 'Red', language_tag: 'en_US', marketplace_id: 'A1F83G8C2ARO7P' }] },
      'Marketplace',
      'color',
    ],
    [
      'an enum value Amazon does not know',
      { condition_type: [{ value: 'brand_new' }] },
      'Offering Condition Type',
      'condition_type',
    ],
    [
      'a zero price',
      { purchasable_offer: [{ currency: 'USD', our_price: [{ schedule: [{ value_with_tax: 0 }] }] }] },
      'Your Price',
      'purchasable_offer',
    ],
    [
      'a negative price',
      { purchasable_offer: [{ currency: 'USD', our_price: [{ schedule: [{ value_with_tax: -5 }] }] }] },
      'Your Price',
      'purchasable_offer',
    ],
    [
      'a price given as a string',
      { purchasable_offer: [{ currency: 'USD', our_price: [{ schedule: [{ value_with_tax: '19.99' }] }] }] },
      'Your Price',
      'purchasable_offer',
    ],
    [
      'a currency of another marketplace',
      { purchasable_offer: [{ currency: 'EUR', our_price: [{ schedule: [{ value_with_tax: 9 }] }] }] },
      'Currency',
      'purchasable_offer',
    ],
    [
      'a negative quantity',
      { fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT', quantity: -1 }] },
      'Quantity',
      'fulfillment_availability',
    ],
    [
      'a fractional quantity',
      { fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT', quantity: 1.5 }] },
      'Quantity',
      'fulfillment_availability',
    ],
    [
      'a missing quantity for merchant fulfilment',
      { fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT' }] },
      'Quantity',
      'fulfillment_availability',
    ],
    [
      'a UPC with a wrong check digit',
      { externally_assigned_product_identifier: [{ type: 'upc', value: '036000291453' }] },
      'External Product ID',
      'externally_assigned_product_identifier',
    ],
    [
      'an image that is not an https URL',
      { main_product_image_locator: [{ media_location: 'ftp://x/y.jpg' }] },
      'Main Image Location',
      'main_product_image_locator',
    ],
  ])('reports %s as 4000001', async (_what, override, label, name) => {
    const w = setup();
    const body = await put(w, shirtAttributes(override));
    expect(body.status).toBe('INVALID');
    expect(body.issues).toEqual([
      {
        code: '4000001',
        message: `The provided value for '${label}' is invalid.`,
        severity: 'ERROR',
        attributeNames: [name],
        categories: ['INVALID_ATTRIBUTE'],
      },
    ]);
  });

  it('accepts an EAN, a GTIN exemption and an ISBN-10 as identifiers', async () => {
    const w = setup();
    const ean = { externally_assigned_product_identifier: [{ type: 'ean', value: '4006381333931' }] };
    expect((await put(w, shirtAttributes(ean))).status).toBe('ACCEPTED');
    const exempt = {
      externally_assigned_product_identifier: undefined,
      supplier_declared_has_product_identifier_exemption: [{ value: true }],
    };
    expect((await put(w, shirtAttributes(exempt))).status).toBe('ACCEPTED');
    const isbn = { externally_assigned_product_identifier: [{ type: 'isbn', value: '0306406152' }] };
    expect((await put(w, shirtAttributes(isbn))).status).toBe('ACCEPTED');
  });

  it('reports an empty value list as 99022', async () => {
    const w = setup();
    const body = await put(w, shirtAttributes({ bullet_point: [] }));
    expect(body.issues).toEqual([
      {
        code: '99022',
        message:
          "The field 'value' for the attribute 'Bullet Point' does not have enough values. The required minimum is '1' value(s).",
        severity: 'ERROR',
        attributeNames: ['bullet_point'],
        categories: ['INVALID_ATTRIBUTE'],
      },
    ]);
  });

  it('reports a minimum price above the price as 18155', async () => {
    const w = setup();
    const offer = {
      currency: 'USD',
      our_price: [{ schedule: [{ value_with_tax: 10 }] }],
      minimum_seller_allowed_price: [{ schedule: [{ value_with_tax: 15 }] }],
    };
    const body = await put(w, shirtAttributes({ purchasable_offer: [offer] }));
    expect(body.issues).toEqual([
      expect.objectContaining({
        code: '18155',
        categories: ['INVALID_PRICE'],
        attributeNames: ['purchasable_offer'],
      }),
    ]);
  });

  it('checks only the patched attributes, and a delete of a required one', async () => {
    const w = setup();
    await w.call('PUT', itemUrl('V-2'), { productType: 'SHIRT', attributes: shirtAttributes() });
    const patch = async (patches: unknown[]) => {
      const reply = await w.call('PATCH', itemUrl('V-2'), { productType: 'SHIRT', patches });
      expectModelValid('patchListingsItem', reply);
      return reply.body as { status: string; issues: { code: string; attributeNames: string[] }[] };
    };
    const deleteBrand = await patch([{ op: 'delete', path: '/attributes/brand' }]);
    expect(deleteBrand.status).toBe('INVALID');
    expect(deleteBrand.issues).toEqual([
      expect.objectContaining({ code: '90220', attributeNames: ['brand'] }),
    ]);

    const unknown = await patch([{ op: 'add', path: '/attributes/colour', value: [{ value: 'Red' }] }]);
    expect(unknown.issues).toEqual([
      expect.objectContaining({ code: '90000900', attributeNames: ['colour'] }),
    ]);

    const badQuantity = await patch([
      {
        op: 'replace',
        path: '/attributes/fulfillment_availability',
        value: [{ fulfillment_channel_code: 'DEFAULT', quantity: -2 }],
      },
    ]);
    expect(badQuantity.issues).toEqual([
      expect.objectContaining({ code: '4000001', attributeNames: ['fulfillment_availability'] }),
    ]);

    const unknownType = await patch([{ op: 'delete', path: '/attributes/bullet_point' }]);
    expect(unknownType.status).toBe('ACCEPTED');
    const reply = await w.call('PATCH', itemUrl('V-2'), {
      productType: 'NOPE',
      patches: [{ op: 'delete', path: '/attributes/style' }],
    });
    expect(reply.body.issues[0].code).toBe('4000003');
  });

  it('omits issues when includedData asks only for identifiers in a preview', async () => {
    const w = setup();
    const reply = await w.call(
      'PUT',
      itemUrl('V-3', US, 'mode=VALIDATION_PREVIEW&includedData=identifiers'),
      {
        productType: 'SHIRT',
        attributes: shirtAttributes(),
      },
    );
    expect(reply.body.issues).toBeUndefined();
    expect(reply.body.identifiers).toHaveLength(1);
  });
});
