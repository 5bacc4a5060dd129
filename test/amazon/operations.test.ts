import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getMarketplaceParticipationsRequest,
  parseParticipations,
  rotateApplicationClientSecretRequest,
} from '../../src/amazon/operations.js';
import { USAGE_PLANS, operationFor } from '../../src/amazon/usage-plans.js';
import type { Store } from '../../src/store/database.js';
import { describeEachDatabase, openTestStore } from '../support/databases.js';
import { createSimClient, type SimClient } from './sim-client.js';

describeEachDatabase('getMarketplaceParticipations through the client', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  let sc: SimClient;

  beforeAll(async () => {
    ({ store, close } = await openTestStore(kind));
    sc = createSimClient(store);
  });
  afterAll(async () => {
    sc.sim.stop();
    await close();
  });

  it('reads a connection’s marketplaces and store name from Amazon’s answer', async () => {
    // A repeated id comes back as two entries; an id Amazon does not know, as none.
    const { connectionId, sellingPartnerId } = sc.newConnection([
      'ATVPDKIKX0DER',
      'A2EUQ1WTGCTBG2',
      'ATVPDKIKX0DER',
      'ANOSUCHMARKET',
    ]);
    const result = await sc.client.call(connectionId, getMarketplaceParticipationsRequest());
    expect(result.status).toBe(200);
    expect((result.body as { payload: unknown[] }).payload).toHaveLength(3);
    expect(parseParticipations(result.body)).toEqual({
      marketplaceIds: ['ATVPDKIKX0DER', 'A2EUQ1WTGCTBG2'],
      storeName: `Store ${sellingPartnerId}`,
    });
  });
});

describe('parseParticipations', () => {
  const entry = (id: string | undefined, isParticipating: boolean | undefined, storeName?: string) => ({
    ...(id === undefined ? {} : { marketplace: { id, name: id, countryCode: 'US' } }),
    ...(isParticipating === undefined
      ? {}
      : { participation: { isParticipating, hasSuspendedListings: false } }),
    ...(storeName === undefined ? {} : { storeName }),
  });

  it('keeps marketplaces not marked as non-participating that have an id, once each, and the first store name', () => {
    expect(
      parseParticipations({
        payload: [
          entry('A1F83G8C2ARO7P', false, 'Left store'),
          entry(undefined, true, 'No marketplace'),
          entry('A1PA6795UKMFR9', true, ''),
          entry('A13V1IB3VIYZZH', undefined, 'Shop EU'),
          entry('A1PA6795UKMFR9', true, 'Shop DE'),
          null,
        ],
      }),
    ).toEqual({ marketplaceIds: ['A1PA6795UKMFR9', 'A13V1IB3VIYZZH'], storeName: 'Shop EU' });
  });

  it('reads an answer without participations as none, with no store name', () => {
    expect(parseParticipations({})).toEqual({ marketplaceIds: [], storeName: null });
    expect(parseParticipations({ payload: [entry('ATVPDKIKX0DER', true)] })).toEqual({
      marketplaceIds: ['ATVPDKIKX0DER'],
      storeName: null,
    });
  });

  it('refuses a body that is not an answer of this operation', () => {
    for (const body of [undefined, null, 'text', { payload: { marketplace: { id: 'X' } } }])
      expect(() => parseParticipations(body)).toThrow(
        expect.objectContaining({ code: 'SPAPI_BAD_RESPONSE' }),
      );
  });
});

describe('operation request builders', () => {
  it('name operations the usage-plan table knows, with the operation their method and path call', () => {
    for (const request of [getMarketplaceParticipationsRequest(), rotateApplicationClientSecretRequest()]) {
      expect(operationFor(request.method, request.path)).toBe(request.operationId);
      expect(USAGE_PLANS[request.operationId!]).toBeDefined();
    }
    expect(USAGE_PLANS.rotateApplicationClientSecret).toEqual({ rate: 0.0167, burst: 1 });
  });

  it('never retries a rotation blindly, and reads participations freely', () => {
    expect(rotateApplicationClientSecretRequest()).toMatchObject({
      method: 'POST',
      path: '/applications/2023-11-30/clientSecret',
      retryAmbiguous: false,
    });
    expect(getMarketplaceParticipationsRequest().retryAmbiguous).not.toBe(false);
  });
});
