import { describe, expect, it } from 'vitest';
import { processSearchOrders, searchOrdersRequest } from '../../../src/amazon/operations.js';
import { errors, json, SP_API_ERRORS, urlOf } from './responses.js';

const after = new Date('2026-03-01T10:00:00.000Z');
const before = new Date('2026-03-02T09:58:00.000Z');

describe('searchOrdersRequest', () => {
  it.each([
    [
      'one marketplace, no extras',
      { marketplaceIds: ['ATVPDKIKX0DER'] },
      { marketplaceIds: 'ATVPDKIKX0DER' },
    ],
    [
      'marketplaces and includedData comma-separated, page size',
      {
        marketplaceIds: ['ATVPDKIKX0DER', 'A2EUQ1WTGCTBG2'],
        includedData: ['FULFILLMENT', 'PROCEEDS'],
        maxResultsPerPage: 100,
      },
      {
        marketplaceIds: 'ATVPDKIKX0DER,A2EUQ1WTGCTBG2',
        includedData: 'FULFILLMENT,PROCEEDS',
        maxResultsPerPage: '100',
      },
    ],
    [
      'an empty includedData is left out',
      { marketplaceIds: ['ATVPDKIKX0DER'], includedData: [] },
      { marketplaceIds: 'ATVPDKIKX0DER' },
    ],
    [
      'the next page: its token, encoded',
      { marketplaceIds: ['ATVPDKIKX0DER'], paginationToken: 'abc+/= ü' },
      { marketplaceIds: 'ATVPDKIKX0DER', paginationToken: 'abc+/= ü' },
    ],
    [
      'an empty token is no token',
      { marketplaceIds: ['ATVPDKIKX0DER'], paginationToken: '' },
      { marketplaceIds: 'ATVPDKIKX0DER' },
    ],
  ])('%s', (_name, params, expected) => {
    const request = searchOrdersRequest({ lastUpdatedAfter: after, lastUpdatedBefore: before, ...params });
    expect(request).toMatchObject({
      operationId: 'searchOrders',
      method: 'GET',
      path: '/orders/2026-01-01/orders',
    });
    expect(request.body).toBeUndefined();
    const url = urlOf(request);
    expect(url.pathname).toBe('/orders/2026-01-01/orders');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      lastUpdatedAfter: '2026-03-01T10:00:00.000Z',
      lastUpdatedBefore: '2026-03-02T09:58:00.000Z',
      ...expected,
    });
  });

  it('puts a pagination token with reserved characters on the wire percent-encoded', () => {
    const url = urlOf(
      searchOrdersRequest({
        marketplaceIds: ['ATVPDKIKX0DER'],
        lastUpdatedAfter: after,
        lastUpdatedBefore: before,
        paginationToken: 'a+b/c=&d',
      }),
    );
    expect(url.search).toContain('paginationToken=a%2Bb%2Fc%3D%26d');
  });
});

const order = (id: string, lastUpdatedTime: string) => ({ orderId: id, lastUpdatedTime });

describe('processSearchOrders', () => {
  it.each([
    [
      'a middle page: orders, the next token and the bound Amazon applied',
      {
        orders: [order('1', '2026-03-01T11:00:00Z'), order('2', '2026-03-01T12:00:00Z')],
        pagination: { nextToken: 'next-1' },
        lastUpdatedBefore: '2026-03-02T09:58:00Z',
      },
      { count: 2, nextToken: 'next-1', lastUpdatedBefore: new Date('2026-03-02T09:58:00Z') },
    ],
    [
      'the last page: no pagination',
      { orders: [order('3', '2026-03-01T13:00:00Z')] },
      { count: 1, nextToken: null, lastUpdatedBefore: null },
    ],
    [
      'an empty page with an empty token',
      { orders: [], pagination: { nextToken: '' }, lastUpdatedBefore: 'not a date' },
      { count: 0, nextToken: null, lastUpdatedBefore: null },
    ],
    [
      'a pagination that is not an object',
      { orders: [], pagination: 'next' },
      { count: 0, nextToken: null, lastUpdatedBefore: null },
    ],
  ])('%s', async (_name, body, expected) => {
    const page = await processSearchOrders(json(200, body));
    expect(page.orders).toHaveLength(expected.count);
    expect(page.nextToken).toBe(expected.nextToken);
    expect(page.lastUpdatedBefore).toEqual(expected.lastUpdatedBefore);
  });

  it('reads the client’s answer the same way as a Response', async () => {
    const answer = {
      status: 200,
      body: { orders: [order('1', '2026-03-01T11:00:00Z')] },
      requestId: null,
      rateLimit: null,
    };
    expect(await processSearchOrders(Promise.resolve(answer))).toMatchObject({ nextToken: null });
    expect((await processSearchOrders(answer)).orders).toHaveLength(1);
  });

  it.each([
    ['no orders array', { pagination: { nextToken: 'x' } }],
    ['orders that are not a list', { orders: { orderId: '1' } }],
    ['a list instead of an object', [order('1', '2026-03-01T11:00:00Z')]],
    ['null', null],
    ['a string', 'orders'],
  ])('a success with %s is SPAPI_BAD_RESPONSE', async (_name, body) => {
    await expect(processSearchOrders(json(200, body))).rejects.toMatchObject({
      code: 'SPAPI_BAD_RESPONSE',
      retryable: false,
    });
  });

  it('a 204 without a body is SPAPI_BAD_RESPONSE', async () => {
    await expect(processSearchOrders(new Response(null, { status: 204 }))).rejects.toMatchObject({
      code: 'SPAPI_BAD_RESPONSE',
    });
  });

  it.each(SP_API_ERRORS)('%s → %s', async (_name, code, retryable, response) => {
    await expect(processSearchOrders(response())).rejects.toMatchObject({ code, retryable });
  });

  it('keeps Amazon’s code and message on the error', async () => {
    const err = await processSearchOrders(json(400, errors('InvalidInput', 'Invalid marketplace'))).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      code: 'SPAPI_INVALID_INPUT',
      info: { status: 400, amazonCode: 'InvalidInput', amazonMessage: 'Invalid marketplace' },
    });
  });

  it('a 404 is SPAPI_NOT_FOUND', async () => {
    await expect(processSearchOrders(json(404, errors('NotFound', 'no such')))).rejects.toMatchObject({
      code: 'SPAPI_NOT_FOUND',
    });
  });
});
