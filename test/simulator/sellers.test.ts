/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call --
   reply bodies are parsed JSON that the tests inspect freely. */
import { describe, expect, it } from 'vitest';
import { MARKETPLACES, findMarketplace, marketplacesInRegion } from '../../src/simulator/marketplaces.js';
import { addSeller, authorize, issueAccessToken } from '../../src/simulator/world.js';
import { CA, US, expectModelValid, setup } from './listings-fixtures.js';

const PATH = '/sellers/v1/marketplaceParticipations';

describe('getMarketplaceParticipations', () => {
  it("lists the caller seller's marketplaces in the model shape", async () => {
    const w = setup();
    const reply = await w.call('GET', PATH);
    expect(reply.status).toBe(200);
    expectModelValid('getMarketplaceParticipations', reply);
    expect(reply.body).toEqual({
      payload: [
        {
          marketplace: {
            id: US,
            name: 'Amazon.com',
            countryCode: 'US',
            defaultCurrencyCode: 'USD',
            defaultLanguageCode: 'en_US',
            domainName: 'www.amazon.com',
          },
          participation: { isParticipating: true, hasSuspendedListings: false },
          storeName: 'Trail Shirts',
        },
        {
          marketplace: {
            id: CA,
            name: 'Amazon.ca',
            countryCode: 'CA',
            defaultCurrencyCode: 'CAD',
            defaultLanguageCode: 'en_CA',
            domainName: 'www.amazon.ca',
          },
          participation: { isParticipating: true, hasSuspendedListings: false },
          storeName: 'Trail Shirts',
        },
      ],
    });
  });

  it('answers for an EU seller on the EU endpoint, with GB as the UK country code', async () => {
    const w = setup();
    addSeller(w.ctx, {
      sellingPartnerId: 'A3EUSELLER0001',
      name: 'Euro Goods',
      region: 'EU',
      marketplaceIds: ['A1F83G8C2ARO7P', 'A1PA6795UKMFR9'],
    });
    const authorization = authorize(w.ctx, {
      appId: w.app.appId,
      sellingPartnerId: 'A3EUSELLER0001',
      kind: 'oauth',
    });
    const token = issueAccessToken(w.ctx, {
      kind: 'user',
      clientId: w.app.clientId,
      appId: w.app.appId,
      authorizationId: authorization.id,
    }).token;
    const reply = await w.call('GET', `/eu${PATH}`, undefined, token);
    expect(reply.status).toBe(200);
    expectModelValid('getMarketplaceParticipations', reply);
    expect(
      reply.body.payload.map((p: { marketplace: { countryCode: string } }) => p.marketplace.countryCode),
    ).toEqual(['GB', 'DE']);
    expect(reply.body.payload[1].marketplace).toMatchObject({
      defaultCurrencyCode: 'EUR',
      domainName: 'www.amazon.de',
    });
  });

  it('refuses a grantless token with 403 and empty details', async () => {
    const w = setup();
    const grantless = issueAccessToken(w.ctx, {
      kind: 'grantless',
      clientId: w.app.clientId,
      appId: w.app.appId,
      scope: 'sellingpartnerapi::notifications',
    }).token;
    const reply = await w.call('GET', PATH, undefined, grantless);
    expect(reply.status).toBe(403);
    expectModelValid('getMarketplaceParticipations', reply);
    expect(reply.body.errors[0]).toMatchObject({ code: 'Unauthorized', details: '' });
  });
});

describe('marketplace table', () => {
  it('holds every marketplace of https://developer-docs.amazon.com/sp-api/docs/marketplace-ids with its region', () => {
    expect(MARKETPLACES).toHaveLength(23);
    expect(new Set(MARKETPLACES.map((m) => m.id)).size).toBe(23);
    expect(marketplacesInRegion('NA').map((m) => m.countryCode)).toEqual(['CA', 'US', 'MX', 'BR']);
    expect(marketplacesInRegion('FE').map((m) => m.countryCode)).toEqual(['SG', 'AU', 'JP']);
    expect(marketplacesInRegion('EU')).toHaveLength(16);
    expect(findMarketplace('A1VC38T7YXB528')).toMatchObject({
      name: 'Amazon.co.jp',
      defaultCurrencyCode: 'JPY',
    });
    expect(findMarketplace('A21TJRUUN4KGV')).toMatchObject({ region: 'EU', countryCode: 'IN' });
    for (const m of MARKETPLACES) expect(m.countryCode).toMatch(/^[A-Z]{2}$/);
  });
});
