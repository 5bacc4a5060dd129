/* eslint-disable @typescript-eslint/no-unsafe-member-access --
   reply bodies are parsed JSON that the tests inspect freely. */
import { describe, expect, it } from 'vitest';
import { ACCESS_DENIED } from '../../src/simulator/http.js';
import { issueAccessToken } from '../../src/simulator/world.js';
import {
  ITEMS,
  OTHER_SELLER,
  UK,
  US,
  expectModelValid,
  itemUrl,
  setup,
  shirtAttributes,
} from './listings-fixtures.js';

const UNPARSEABLE = 'Request has missing or invalid parameters and cannot be parsed.';

describe('listings items request errors', () => {
  it('answers 403 Unauthorized with empty details for another seller', async () => {
    const w = setup();
    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
      const reply = await w.call(
        method,
        `/listings/2021-08-01/items/${OTHER_SELLER}/SKU-1?marketplaceIds=${US}`,
        method === 'PUT' || method === 'PATCH' ? {} : undefined,
      );
      expect(reply.status, method).toBe(403);
      expect(reply.body).toEqual({ errors: [{ code: 'Unauthorized', message: ACCESS_DENIED, details: '' }] });
    }
  });

  it('refuses a grantless token', async () => {
    const w = setup();
    const grantless = issueAccessToken(w.ctx, {
      kind: 'grantless',
      clientId: w.app.clientId,
      appId: w.app.appId,
      scope: 'sellingpartnerapi::notifications',
    }).token;
    const reply = await w.call('GET', itemUrl('SKU-1'), undefined, grantless);
    expect(reply.status).toBe(403);
  });

  it.each([
    ['missing', `${ITEMS}/SKU-1`, UNPARSEABLE, "Missing required parameter 'marketplaceIds'."],
    [
      'two',
      `${ITEMS}/SKU-1?marketplaceIds=${US},A2EUQ1WTGCTBG2`,
      "Invalid 'marketplaceIds' provided.",
      'Only one marketplace ID is supported.',
    ],
    ['unknown', `${ITEMS}/SKU-1?marketplaceIds=NOPE`, "Invalid 'marketplaceIds' provided.", ''],
    ["not the seller's", `${ITEMS}/SKU-1?marketplaceIds=${UK}`, "Invalid 'marketplaceIds' provided.", ''],
  ])('answers 400 InvalidInput for %s marketplaceIds', async (_what, url, message, details) => {
    const w = setup();
    for (const [method, op] of [
      ['GET', 'getListingsItem'],
      ['PUT', 'putListingsItem'],
      ['DELETE', 'deleteListingsItem'],
    ] as const) {
      const reply = await w.call(
        method,
        url,
        method === 'PUT' ? { productType: 'SHIRT', attributes: {} } : undefined,
      );
      expect(reply.status).toBe(400);
      expectModelValid(op, reply);
      expect(reply.body).toEqual({ errors: [{ code: 'InvalidInput', message, details }] });
    }
  });

  it.each([
    ['a body that is not JSON', 'PUT', '{"productType":', 'The request body is not valid JSON.'],
    ['a body that is not an object', 'PUT', [], 'The request body must be a JSON object.'],
    [
      'a missing productType',
      'PUT',
      { attributes: {} },
      "'productType' is required and must be a non-empty string.",
    ],
    [
      'missing attributes',
      'PUT',
      { productType: 'SHIRT' },
      "'attributes' is required and must be a JSON object.",
    ],
    [
      'attributes as an array',
      'PUT',
      { productType: 'SHIRT', attributes: [] },
      "'attributes' is required and must be a JSON object.",
    ],
    [
      'unknown requirements',
      'PUT',
      { productType: 'SHIRT', requirements: 'OFFER', attributes: {} },
      "'requirements' must be one of LISTING, LISTING_PRODUCT_ONLY, LISTING_OFFER_ONLY.",
    ],
    [
      'no patches',
      'PATCH',
      { productType: 'SHIRT', patches: [] },
      "'patches' is required and must be a non-empty array.",
    ],
    [
      'an unknown op',
      'PATCH',
      { productType: 'SHIRT', patches: [{ op: 'set', path: '/attributes/brand', value: [] }] },
      "'patches[0].op' must be one of add, replace, merge, delete.",
    ],
    [
      'a replace without value',
      'PATCH',
      { productType: 'SHIRT', patches: [{ op: 'replace', path: '/attributes/brand' }] },
      "'patches[0].value' is required for the 'replace' operation.",
    ],
    [
      'a value that is not a list of objects',
      'PATCH',
      { productType: 'SHIRT', patches: [{ op: 'add', path: '/attributes/brand', value: 'Trailco' }] },
      "'patches[0].value' must be an array of objects.",
    ],
  ])('answers 400 InvalidInput naming the field for %s', async (_what, method, body, details) => {
    const w = setup();
    const reply = await w.call(method, itemUrl('SKU-1'), body);
    expect(reply.status).toBe(400);
    expectModelValid(method === 'PUT' ? 'putListingsItem' : 'patchListingsItem', reply);
    expect(reply.body).toEqual({ errors: [{ code: 'InvalidInput', message: UNPARSEABLE, details }] });
    expect(w.ctx.state.listings.size).toBe(0);
  });

  it("answers Amazon's message for a patch path outside /attributes", async () => {
    const w = setup();
    const reply = await w.call('PATCH', itemUrl('SKU-1'), {
      productType: 'SHIRT',
      patches: [
        { op: 'delete', path: '/attributes/style' },
        { op: 'replace', path: '/attributes/brand/0/value', value: [{ value: 'x' }] },
      ],
    });
    expect(reply.status).toBe(400);
    expect(reply.body.errors[0]).toMatchObject({
      code: 'InvalidInput',
      message: 'Invalid path provided in patch at index of 1.',
    });
  });

  it('answers 400 for bad includedData and mode, and for identifiers outside a preview', async () => {
    const w = setup();
    const bad = [
      await w.call('GET', itemUrl('SKU-1', US, 'includedData=summaries,everything')),
      await w.call('PUT', itemUrl('SKU-1', US, 'includedData=offers'), {
        productType: 'SHIRT',
        attributes: shirtAttributes(),
      }),
      await w.call('PUT', itemUrl('SKU-1', US, 'mode=DRY_RUN'), {
        productType: 'SHIRT',
        attributes: shirtAttributes(),
      }),
      await w.call('PUT', itemUrl('SKU-1', US, 'includedData=identifiers'), {
        productType: 'SHIRT',
        attributes: shirtAttributes(),
      }),
    ];
    expect(bad.map((r) => r.status)).toEqual([400, 400, 400, 400]);
    expect(bad.map((r) => r.body.errors[0].details as string)).toEqual([
      expect.stringContaining('includedData'),
      expect.stringContaining('includedData'),
      expect.stringContaining('mode'),
      expect.stringContaining('VALIDATION_PREVIEW'),
    ]);
    expect(w.ctx.state.listings.size).toBe(0);
  });

  it('answers 404 NOT_FOUND for an unknown SKU, in the model shape', async () => {
    const w = setup();
    const reply = await w.call('GET', itemUrl('NO SUCH SKU'));
    expect(reply.status).toBe(404);
    expectModelValid('getListingsItem', reply);
    expect(reply.body.errors[0]).toEqual({
      code: 'NOT_FOUND',
      message: `SKU 'NO SUCH SKU' not found in marketplace ${US}`,
    });
  });
});
