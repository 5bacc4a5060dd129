import { describe, expect, it } from 'vitest';
import {
  createRestrictedDataTokenRequest,
  processCreateRestrictedDataToken,
} from '../../../src/amazon/operations.js';
import { json, SP_API_ERRORS, urlOf } from './responses.js';

const NOW = Date.parse('2026-03-01T10:00:00Z');

describe('createRestrictedDataTokenRequest', () => {
  it('posts the restricted resources as Amazon’s body', () => {
    const resources = [
      {
        method: 'GET',
        path: '/orders/v0/orders/123-1234567-1234567',
        dataElements: ['buyerInfo', 'shippingAddress'],
      },
      { method: 'GET', path: '/mfn/v0/shipments/FBA1234ABC5D' },
    ];
    const request = createRestrictedDataTokenRequest(resources);
    expect(request).toEqual({
      operationId: 'createRestrictedDataToken',
      method: 'POST',
      path: '/tokens/2021-03-01/restrictedDataToken',
      body: { restrictedResources: resources },
    });
    expect(urlOf(request).search).toBe('');
  });
});

describe('processCreateRestrictedDataToken', () => {
  it('reads the token and its expiry by our clock', async () => {
    const rdt = await processCreateRestrictedDataToken(
      json(200, { restrictedDataToken: 'Atz.sprdt|x', expiresIn: 3600 }),
      NOW,
    );
    expect(rdt).toEqual({ token: 'Atz.sprdt|x', expiresAt: new Date(NOW + 3_600_000) });
  });

  it.each([
    ['no token', { expiresIn: 3600 }],
    ['no expiry', { restrictedDataToken: 'Atz.sprdt|x' }],
    ['an expiry as text', { restrictedDataToken: 'Atz.sprdt|x', expiresIn: '3600' }],
    ['no body at all', null],
  ])('a success with %s is SPAPI_BAD_RESPONSE', async (_name, body) => {
    await expect(processCreateRestrictedDataToken(json(200, body), NOW)).rejects.toMatchObject({
      code: 'SPAPI_BAD_RESPONSE',
      message: 'createRestrictedDataToken answered without a token',
    });
  });

  it.each(SP_API_ERRORS)('%s → %s', async (_name, code, retryable, response) => {
    await expect(processCreateRestrictedDataToken(response(), NOW)).rejects.toMatchObject({
      code,
      retryable,
    });
  });
});
