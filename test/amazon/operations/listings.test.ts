import { describe, expect, it } from 'vitest';
import {
  deleteListingsItemRequest,
  getListingsItemRequest,
  patchListingsItemRequest,
  processGetListingsItem,
  processListingsItemSubmission,
  processSearchListingsItems,
  putListingsItemRequest,
  searchListingsItemsRequest,
} from '../../../src/amazon/operations.js';
import { errors, json, SP_API_ERRORS, text, urlOf } from './responses.js';

const US = 'ATVPDKIKX0DER';
const put = { productType: 'PRODUCT', attributes: { item_name: [{ value: 'Mug', marketplace_id: US }] } };
const patch = {
  productType: 'PRODUCT',
  patches: [{ op: 'replace' as const, path: '/attributes/item_name', value: [{ value: 'Cup' }] }],
};

describe('Listings Items request builders', () => {
  it.each([
    ['a plain SKU', 'A1SELLER', 'MUG-1', '/listings/2021-08-01/items/A1SELLER/MUG-1'],
    [
      'a SKU with a slash, a space and a hash',
      'A1SELLER',
      'a/b c#1',
      '/listings/2021-08-01/items/A1SELLER/a%2Fb%20c%231',
    ],
    ['a non-ASCII SKU', 'A1SELLER', 'tasse-ü', '/listings/2021-08-01/items/A1SELLER/tasse-%C3%BC'],
    ['a SKU with ? and %', 'A1SELLER', '50%?', '/listings/2021-08-01/items/A1SELLER/50%25%3F'],
  ])('%s: every operation on one SKU encodes it in the path', (_name, sellerId, sku, path) => {
    const target = { sellerId, sku, marketplaceId: US };
    for (const request of [
      putListingsItemRequest(target, put),
      patchListingsItemRequest(target, patch),
      deleteListingsItemRequest(target),
      getListingsItemRequest(target),
    ]) {
      expect(request.path).toBe(path);
      expect(urlOf(request).pathname).toBe(path);
    }
  });

  it.each([
    [
      'put',
      putListingsItemRequest({ sellerId: 'S', sku: 'K', marketplaceId: US }, put),
      { operationId: 'putListingsItem', method: 'PUT', body: put },
      { marketplaceIds: US, includedData: 'issues' },
    ],
    [
      'put as a preview',
      putListingsItemRequest({ sellerId: 'S', sku: 'K', marketplaceId: US, preview: true }, put),
      { operationId: 'putListingsItem', method: 'PUT', body: put },
      { marketplaceIds: US, includedData: 'issues', mode: 'VALIDATION_PREVIEW' },
    ],
    [
      'patch',
      patchListingsItemRequest({ sellerId: 'S', sku: 'K', marketplaceId: US, preview: false }, patch),
      { operationId: 'patchListingsItem', method: 'PATCH', body: patch },
      { marketplaceIds: US, includedData: 'issues' },
    ],
    [
      'delete',
      deleteListingsItemRequest({ sellerId: 'S', sku: 'K', marketplaceId: US }),
      { operationId: 'deleteListingsItem', method: 'DELETE' },
      { marketplaceIds: US },
    ],
    [
      'get, attributes by default',
      getListingsItemRequest({ sellerId: 'S', sku: 'K', marketplaceId: US }),
      { operationId: 'getListingsItem', method: 'GET' },
      { marketplaceIds: US, includedData: 'attributes' },
    ],
    [
      'get with more item data',
      getListingsItemRequest({ sellerId: 'S', sku: 'K', marketplaceId: US }, [
        'summaries',
        'attributes',
        'issues',
      ]),
      { operationId: 'getListingsItem', method: 'GET' },
      { marketplaceIds: US, includedData: 'summaries,attributes,issues' },
    ],
    [
      'search, one item (the seller-id probe)',
      searchListingsItemsRequest({ sellerId: 'A1 SELLER', marketplaceId: US, pageSize: 1 }),
      { operationId: 'searchListingsItems', method: 'GET', path: '/listings/2021-08-01/items/A1%20SELLER' },
      { marketplaceIds: US, pageSize: '1' },
    ],
  ])('%s', (_name, request, expected, query) => {
    expect(request).toMatchObject(expected);
    if (!('body' in expected)) expect(request.body).toBeUndefined();
    expect(Object.fromEntries(urlOf(request).searchParams)).toEqual(query);
  });

  it('leaves the caller’s retry policy alone: a write is sent once only when the caller says so', () => {
    const request = putListingsItemRequest({ sellerId: 'S', sku: 'K', marketplaceId: US }, put);
    expect(request.retryAmbiguous).toBeUndefined();
  });
});

const issue = {
  code: '90220',
  message: 'item_name is required',
  severity: 'ERROR',
  attributeNames: ['item_name'],
  categories: [],
};

describe('processListingsItemSubmission', () => {
  it.each([
    [
      'ACCEPTED',
      { sku: 'K', status: 'ACCEPTED', submissionId: 'sub-1', issues: [] },
      { status: 'ACCEPTED', reportedStatus: 'ACCEPTED', submissionId: 'sub-1', issues: [] },
    ],
    [
      'INVALID with issues',
      { sku: 'K', status: 'INVALID', submissionId: 'sub-2', issues: [issue] },
      {
        status: 'INVALID',
        reportedStatus: 'INVALID',
        submissionId: 'sub-2',
        issues: [
          {
            code: '90220',
            message: 'item_name is required',
            severity: 'ERROR',
            attributeNames: ['item_name'],
          },
        ],
      },
    ],
    [
      'VALID (a preview), a warning without attribute names',
      {
        sku: 'K',
        status: 'VALID',
        submissionId: 'sub-3',
        issues: [{ code: 'W', message: 'w', severity: 'WARNING' }],
      },
      {
        status: 'VALID',
        reportedStatus: 'VALID',
        submissionId: 'sub-3',
        issues: [{ code: 'W', message: 'w', severity: 'WARNING', attributeNames: [] }],
      },
    ],
    [
      'an unknown status is kept as reported, with no status',
      { sku: 'K', status: 'PENDING', submissionId: 'sub-4' },
      { status: null, reportedStatus: 'PENDING', submissionId: 'sub-4', issues: [] },
    ],
    [
      'no status, malformed issues',
      { submissionId: 7, issues: [null, 'x', { severity: 'FATAL' }] },
      {
        status: null,
        reportedStatus: null,
        submissionId: null,
        issues: [{ code: '', message: '', severity: 'ERROR', attributeNames: [] }],
      },
    ],
    [
      'a body that is not an object',
      ['ACCEPTED'],
      { status: null, reportedStatus: null, submissionId: null, issues: [] },
    ],
  ])('%s', async (_name, body, expected) => {
    expect(await processListingsItemSubmission(json(200, body))).toEqual(expected);
  });

  it.each(SP_API_ERRORS)('%s → %s', async (_name, code, retryable, response) => {
    await expect(processListingsItemSubmission(response())).rejects.toMatchObject({ code, retryable });
  });

  it('a 404 is SPAPI_NOT_FOUND', async () => {
    await expect(
      processListingsItemSubmission(json(404, errors('NotFound', 'no such SKU'))),
    ).rejects.toMatchObject({
      code: 'SPAPI_NOT_FOUND',
      retryable: false,
    });
  });
});

describe('processGetListingsItem', () => {
  it.each([
    [
      'an item with attributes',
      { sku: 'K', attributes: { item_name: [{ value: 'Mug' }] } },
      { attributes: { item_name: [{ value: 'Mug' }] } },
    ],
    ['an item without attributes', { sku: 'K', summaries: [] }, { attributes: {} }],
  ])('%s', async (_name, body, expected) => {
    expect(await processGetListingsItem(json(200, body))).toEqual(expected);
  });

  it('a 404 is no such SKU: null, not an error', async () => {
    expect(await processGetListingsItem(json(404, errors('NOT_FOUND', 'SKU not found')))).toBeNull();
  });

  it.each([
    ['not an object', 'item'],
    ['null', null],
    ['attributes that are a list', { sku: 'K', attributes: [] }],
  ])('a success whose body is %s is SPAPI_BAD_RESPONSE', async (_name, body) => {
    await expect(processGetListingsItem(json(200, body))).rejects.toMatchObject({
      code: 'SPAPI_BAD_RESPONSE',
    });
  });

  it.each(SP_API_ERRORS)('%s → %s', async (_name, code, retryable, response) => {
    await expect(processGetListingsItem(response())).rejects.toMatchObject({ code, retryable });
  });
});

describe('processSearchListingsItems', () => {
  it.each([
    ['one item', { numberOfResults: 12, items: [{ sku: 'A' }] }, { numberOfResults: 12, skus: ['A'] }],
    ['no items', { numberOfResults: 0, items: [] }, { numberOfResults: 0, skus: [] }],
    // Any success confirms the seller id: a body missing fields is read as empty, not refused.
    ['an empty body', {}, { numberOfResults: null, skus: [] }],
    ['items without SKUs', { items: [{}, null, { sku: 3 }] }, { numberOfResults: null, skus: [] }],
  ])('%s', async (_name, body, expected) => {
    expect(await processSearchListingsItems(json(200, body))).toEqual(expected);
  });

  it('a 200 whose body is not JSON is SPAPI_BAD_RESPONSE', async () => {
    await expect(processSearchListingsItems(text(200, 'nope'))).rejects.toMatchObject({
      code: 'SPAPI_BAD_RESPONSE',
    });
  });

  it.each(SP_API_ERRORS)('%s → %s', async (_name, code, retryable, response) => {
    await expect(processSearchListingsItems(response())).rejects.toMatchObject({ code, retryable });
  });
});
