import { describe, expect, it } from 'vitest';
import {
  getMarketplaceParticipationsRequest,
  processGetMarketplaceParticipations,
} from '../../../src/amazon/operations.js';
import { json, SP_API_ERRORS, urlOf } from './responses.js';

const entry = (id: string, isParticipating = true, storeName = '') => ({
  marketplace: {
    id,
    name: id,
    countryCode: 'US',
    defaultCurrencyCode: 'USD',
    defaultLanguageCode: 'en_US',
    domainName: 'amazon.com',
  },
  participation: { isParticipating, hasSuspendedListings: false },
  storeName,
});

describe('getMarketplaceParticipationsRequest', () => {
  it('asks the Sellers API for the participations, with no query and no body', () => {
    const request = getMarketplaceParticipationsRequest();
    expect(request).toEqual({
      operationId: 'getMarketplaceParticipations',
      method: 'GET',
      path: '/sellers/v1/marketplaceParticipations',
    });
    expect(urlOf(request).search).toBe('');
  });
});

describe('processGetMarketplaceParticipations', () => {
  it.each([
    [
      'two marketplaces, the store name of the first that has one',
      { payload: [entry('ATVPDKIKX0DER', true, ''), entry('A2EUQ1WTGCTBG2', true, 'Shop')] },
      { marketplaceIds: ['ATVPDKIKX0DER', 'A2EUQ1WTGCTBG2'], storeName: 'Shop' },
    ],
    [
      'a marketplace left is not listed',
      { payload: [entry('ATVPDKIKX0DER', false, 'Gone'), entry('A1AM78C64UM0Y8', true)] },
      { marketplaceIds: ['A1AM78C64UM0Y8'], storeName: null },
    ],
    ['no payload', {}, { marketplaceIds: [], storeName: null }],
    ['an empty payload', { payload: [] }, { marketplaceIds: [], storeName: null }],
  ])('%s', async (_name, body, expected) => {
    expect(await processGetMarketplaceParticipations(json(200, body))).toEqual(expected);
  });

  it.each([
    ['a payload that is an object', { payload: { marketplace: { id: 'X' } } }],
    ['a string', 'payload'],
    ['null', null],
  ])('a success with %s is SPAPI_BAD_RESPONSE', async (_name, body) => {
    await expect(processGetMarketplaceParticipations(json(200, body))).rejects.toMatchObject({
      code: 'SPAPI_BAD_RESPONSE',
      retryable: false,
    });
  });

  it.each(SP_API_ERRORS)('%s → %s', async (_name, code, retryable, response) => {
    await expect(processGetMarketplaceParticipations(response())).rejects.toMatchObject({ code, retryable });
  });
});
