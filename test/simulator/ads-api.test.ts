import { describe, expect, it } from 'vitest';
import { DAY, SECOND } from '../../src/kernel/clock.js';
import { DEMO } from '../../src/simulator/seed.js';
import { ADS, adsCall, control, demoTokens, refresh, setupAds, tokenRequest } from './ads-support.js';

const US = '3312910465837761';
const UK = '3312910465837763';

type Profile = { profileId: unknown; countryCode: string; accountInfo: Record<string, unknown> } & Record<
  string,
  unknown
>;

async function profiles(
  t: ReturnType<typeof setupAds>,
  token: string,
  prefix: string,
  query = '',
): Promise<Profile[]> {
  const res = await adsCall(t.sim, `${prefix}/ads-api/v2/profiles${query}`, { token });
  expect(res.status).toBe(200);
  return (await res.json()) as Profile[];
}

describe('Ads API /v2/profiles', () => {
  it("lists the advertiser's profiles of the host's region only", async () => {
    const t = setupAds();
    const { access_token: token } = await demoTokens(t);
    const na = await profiles(t, token, '/na');
    const eu = await profiles(t, token, '/eu');
    const fe = await profiles(t, token, '/fe');
    expect(na.map((p) => p.countryCode)).toEqual(['US', 'CA']);
    expect(eu.map((p) => p.countryCode)).toEqual(['UK', 'DE', 'FR']);
    expect(fe.map((p) => p.countryCode)).toEqual(['JP']);
    expect(na[0]!.accountInfo.id).toBe(DEMO.sellers[0].sellingPartnerId);
    expect(eu[0]!.accountInfo.id).toBe(DEMO.sellers[1].sellingPartnerId);
    expect(fe[0]!.accountInfo.id).toBe(DEMO.sellers[2].sellingPartnerId);
    const vendor = eu.find((p) => p.accountInfo.type === 'vendor')!;
    expect(vendor.accountInfo.id).toBe('ENTITY2DEMOVENDOR');
    expect(vendor).not.toHaveProperty('dailyBudget');
  });

  it('serialises profileId as a JSON number, fields in Amazon order, without campaigns', async () => {
    const t = setupAds();
    const { access_token: token } = await demoTokens(t);
    const res = await adsCall(t.sim, '/na/ads-api/v2/profiles', { token });
    const text = await res.text();
    expect(
      text.startsWith(`[{"profileId":${US},"countryCode":"US","currencyCode":"USD","dailyBudget":`),
    ).toBe(true);
    const [first] = JSON.parse(text) as Profile[];
    expect(typeof first!.profileId).toBe('number');
    expect(Object.keys(first!)).toEqual([
      'profileId',
      'countryCode',
      'currencyCode',
      'dailyBudget',
      'timezone',
      'accountInfo',
    ]);
    expect(Object.keys(first!.accountInfo)).toEqual([
      'marketplaceStringId',
      'id',
      'type',
      'name',
      'validPaymentMethod',
    ]);
  });

  it('answers [] for an advertiser whose profiles have no campaign', async () => {
    const t = setupAds();
    const { access_token: token } = await demoTokens(t, ADS.emptyAdvertiser.email);
    expect(await profiles(t, token, '/na')).toEqual([]);
    expect(await profiles(t, token, '/eu')).toEqual([]);
  });

  it('filters by profileTypeFilter', async () => {
    const t = setupAds();
    const { access_token: token } = await demoTokens(t);
    expect((await profiles(t, token, '/eu', '?profileTypeFilter=vendor')).map((p) => p.countryCode)).toEqual([
      'FR',
    ]);
    expect(await profiles(t, token, '/eu', '?profileTypeFilter=seller,agency')).toHaveLength(2);
    const bad = await adsCall(t.sim, '/eu/ads-api/v2/profiles?profileTypeFilter=robot', { token });
    expect(bad.status).toBe(400);
  });

  it('serves the real Ads API hosts without the /ads-api prefix', async () => {
    const t = setupAds();
    const { access_token: token } = await demoTokens(t);
    const res = await adsCall(t.sim, '/v2/profiles', { token, host: 'advertising-api-eu.amazon.com' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Profile[]).map((p) => p.countryCode)).toEqual(['UK', 'DE', 'FR']);
  });

  it('answers 401 UNAUTHORIZED without a valid token or the matching ClientId header', async () => {
    const t = setupAds();
    const { access_token: token } = await demoTokens(t);
    const cases = [
      adsCall(t.sim, '/na/ads-api/v2/profiles', {}),
      adsCall(t.sim, '/na/ads-api/v2/profiles', { token: 'Atza|nope' }),
      adsCall(t.sim, '/na/ads-api/v2/profiles', { token, clientId: null }),
      adsCall(t.sim, '/na/ads-api/v2/profiles', { token, clientId: ADS.unapprovedClient.clientId }),
    ];
    for (const res of await Promise.all(cases)) {
      expect(res.status).toBe(401);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        code: 'UNAUTHORIZED',
        details: 'Not authorized to access this advertiser',
      });
      expect(typeof body.requestId).toBe('string');
    }
    t.clock.advance(3600 * SECOND);
    expect((await adsCall(t.sim, '/na/ads-api/v2/profiles', { token })).status).toBe(401);
  });
});

describe('Ads API POST /sp/campaigns/list', () => {
  it('lists the campaigns of the Scope profile, with paging and a state filter', async () => {
    const t = setupAds();
    const { access_token: token } = await demoTokens(t);
    const res = await adsCall(t.sim, '/na/ads-api/sp/campaigns/list', { token, scope: US, body: {} });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.spCampaign.v3+json');
    const all = (await res.json()) as { campaigns: Record<string, unknown>[]; totalResults: number };
    expect(all.totalResults).toBe(3);
    expect(all).not.toHaveProperty('nextToken');
    expect(Object.keys(all.campaigns[0]!)).toEqual([
      'campaignId',
      'name',
      'state',
      'targetingType',
      'budget',
      'startDate',
    ]);
    expect(all.campaigns[0]!.budget).toEqual({ budget: 50, budgetType: 'DAILY' });

    const first = (await (
      await adsCall(t.sim, '/na/ads-api/sp/campaigns/list', { token, scope: US, body: { maxResults: 2 } })
    ).json()) as { campaigns: unknown[]; nextToken?: string };
    expect(first.campaigns).toHaveLength(2);
    t.realClock.advance(10 * SECOND);
    const second = (await (
      await adsCall(t.sim, '/na/ads-api/sp/campaigns/list', {
        token,
        scope: US,
        body: { maxResults: 2, nextToken: first.nextToken },
      })
    ).json()) as { campaigns: unknown[]; nextToken?: string };
    expect(second.campaigns).toHaveLength(1);
    expect(second.nextToken).toBeUndefined();

    const enabled = (await (
      await adsCall(t.sim, '/na/ads-api/sp/campaigns/list', {
        token,
        scope: US,
        body: { stateFilter: { include: ['ENABLED'] } },
      })
    ).json()) as { campaigns: { state: string }[]; totalResults: number };
    expect(enabled.totalResults).toBe(2);
    expect(enabled.campaigns.every((k) => k.state === 'ENABLED')).toBe(true);
  });

  it('answers 400 without the Scope header', async () => {
    const t = setupAds();
    const { access_token: token } = await demoTokens(t);
    const res = await adsCall(t.sim, '/na/ads-api/sp/campaigns/list', { token, body: {} });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: '400', details: 'Scope header is missing' });
  });

  it("answers 401 for another advertiser's profile or one of another region", async () => {
    const t = setupAds();
    const { access_token: token } = await demoTokens(t);
    const foreign = await adsCall(t.sim, '/na/ads-api/sp/campaigns/list', {
      token,
      scope: ADS.emptyAdvertiser.profiles[0]!.profileId,
      body: {},
    });
    expect(foreign.status).toBe(401);
    expect(await foreign.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    const otherRegion = await adsCall(t.sim, '/na/ads-api/sp/campaigns/list', { token, scope: UK, body: {} });
    expect(otherRegion.status).toBe(401);
    const rightRegion = await adsCall(t.sim, '/eu/ads-api/sp/campaigns/list', { token, scope: UK, body: {} });
    expect(rightRegion.status).toBe(200);
  });
});

describe('Ads API throttling', () => {
  it('answers 429 with Retry-After and amazon-advertising-api-throttled once the bucket is empty', async () => {
    const t = setupAds();
    const { access_token: token } = await demoTokens(t);
    const call = () => adsCall(t.sim, '/na/ads-api/sp/campaigns/list', { token, scope: US, body: {} });
    expect((await call()).status).toBe(200);
    expect((await call()).status).toBe(200);
    const throttled = await call();
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');
    expect(throttled.headers.get('amazon-advertising-api-throttled')).toBe('true');
    expect(await throttled.json()).toEqual({
      code: '429',
      details: 'Request was rate-limited. Retry later.',
    });
    // Another profile has its own bucket; a second of real time refills one token.
    expect(
      (await adsCall(t.sim, '/na/ads-api/sp/campaigns/list', { token, scope: '3312910465837762', body: {} }))
        .status,
    ).toBe(200);
    t.realClock.advance(SECOND);
    expect((await call()).status).toBe(200);
    expect((await call()).status).toBe(429);
  });

  it('takes the rate from /_sim/ads/behaviour', async () => {
    const t = setupAds();
    const { access_token: token } = await demoTokens(t);
    expect(
      (await control(t.sim, 'POST', '/_sim/ads/behaviour', { throttle: { rate: 0.1, burst: 1 } })).status,
    ).toBe(200);
    const call = () => adsCall(t.sim, '/na/ads-api/sp/campaigns/list', { token, scope: US, body: {} });
    expect((await call()).status).toBe(200);
    const throttled = await call();
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('10');
  });

  it('forces the next n calls to 429 with the given Retry-After (forceThrottle), until reset', async () => {
    const t = setupAds();
    const { access_token: token } = await demoTokens(t);
    const set = await control(t.sim, 'POST', '/_sim/ads/behaviour', {
      forceThrottle: 2,
      retryAfterSeconds: 7,
    });
    expect(set.json.behaviour).toMatchObject({ forceThrottle: 2, retryAfterSeconds: 7 });
    const call = () => adsCall(t.sim, '/na/ads-api/sp/campaigns/list', { token, scope: US, body: {} });
    for (let i = 0; i < 2; i++) {
      const res = await call();
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('7');
      expect(res.headers.get('amazon-advertising-api-throttled')).toBe('true');
    }
    expect((await call()).status).toBe(200);
    await control(t.sim, 'POST', '/_sim/ads/behaviour', { forceThrottle: 5 });
    await control(t.sim, 'POST', '/_sim/ads/reset-behaviour');
    expect((await call()).status).toBe(200);
    expect(t.ctx.state.adsBehaviour).toEqual({
      throttle: { rate: 1, burst: 2 },
      forceThrottle: 0,
      retryAfterSeconds: 1,
    });
  });

  it('forgets forced throttling on /_sim/reset', async () => {
    const t = setupAds();
    await control(t.sim, 'POST', '/_sim/ads/behaviour', { forceThrottle: 3 });
    await control(t.sim, 'POST', '/_sim/reset');
    expect(t.ctx.state.adsBehaviour.forceThrottle).toBe(0);
  });
});

describe('Ads revocation and expiry', () => {
  it('revoke → refresh invalid_grant and API 401', async () => {
    const t = setupAds();
    const tokens = await demoTokens(t);
    const list = await control(t.sim, 'GET', '/_sim/ads/authorizations');
    const [view] = list.json.authorizations as Record<string, unknown>[];
    expect(view).toMatchObject({
      clientId: ADS.client.clientId,
      advertiserId: ADS.advertiser.id,
      region: 'NA',
    });
    expect(JSON.stringify(list.json)).not.toContain('Atzr|');
    const revoked = await control(t.sim, 'POST', `/_sim/ads/authorizations/${String(view!.id)}/revoke`);
    expect(revoked.json.revokedAt).toBeTruthy();
    const res = await refresh(t.sim, tokens.refresh_token);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error_description:
        "The request has an invalid grant parameter : refresh_token. User may have revoked or didn't grant the permission.",
      error: 'invalid_grant',
    });
    expect((await adsCall(t.sim, '/na/ads-api/v2/profiles', { token: tokens.access_token })).status).toBe(
      401,
    );
  });

  it('revokes every consent of a client and advertiser pair', async () => {
    const t = setupAds();
    const first = await demoTokens(t);
    const second = await demoTokens(t);
    const res = await control(t.sim, 'POST', '/_sim/ads/revoke', {
      clientId: ADS.client.clientId,
      advertiserId: ADS.advertiser.id,
    });
    expect(res.json.authorizations).toHaveLength(2);
    expect((await refresh(t.sim, first.refresh_token)).status).toBe(400);
    expect((await refresh(t.sim, second.refresh_token)).status).toBe(400);
  });

  it('expires consents given on or after 2026-06-30 after 365 simulated days', async () => {
    const t = setupAds(Date.UTC(2026, 5, 30, 0, 0, 0));
    const tokens = await demoTokens(t);
    const [authorization] = [...t.ctx.state.adsAuthorizations.values()];
    expect(authorization!.expiresAt).toBe(Date.UTC(2026, 5, 30) + 365 * DAY);
    t.clock.advance(365 * DAY - SECOND);
    expect((await refresh(t.sim, tokens.refresh_token)).status).toBe(200);
    const fresh = (await (await refresh(t.sim, tokens.refresh_token)).json()) as { access_token: string };
    t.clock.advance(SECOND);
    const expired = await refresh(t.sim, tokens.refresh_token);
    expect(expired.status).toBe(400);
    expect(((await expired.json()) as { error: string }).error).toBe('invalid_grant');
    expect((await adsCall(t.sim, '/na/ads-api/v2/profiles', { token: fresh.access_token })).status).toBe(401);
    expect(t.ctx.state.requestLog.at(-2)?.note).toBe('ads:refresh:expired');
  });

  it('never expires consents given before 2026-06-30', async () => {
    const t = setupAds(Date.UTC(2026, 5, 29, 23, 59, 59));
    const tokens = await demoTokens(t);
    expect([...t.ctx.state.adsAuthorizations.values()][0]!.expiresAt).toBeNull();
    t.clock.advance(3 * 365 * DAY);
    expect((await refresh(t.sim, tokens.refresh_token)).status).toBe(200);
  });

  it('binds a refresh token and its access tokens to their client', async () => {
    const t = setupAds();
    const tokens = await demoTokens(t);
    await control(t.sim, 'POST', `/_sim/ads/clients/${ADS.unapprovedClient.clientId}/approve`);
    const other = await tokenRequest(t.sim, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_id: ADS.unapprovedClient.clientId,
      client_secret: ADS.unapprovedClient.clientSecret,
    });
    expect(other.status).toBe(400);
    expect(((await other.json()) as { error: string }).error).toBe('invalid_grant');
    const api = await adsCall(t.sim, '/na/ads-api/v2/profiles', {
      token: tokens.access_token,
      clientId: ADS.unapprovedClient.clientId,
    });
    expect(api.status).toBe(401);
    expect((await refresh(t.sim, tokens.refresh_token)).status).toBe(200);
  });
});

describe('Ads request log', () => {
  it('records the ClientId and Scope headers of Ads calls and never a token', async () => {
    const t = setupAds();
    const tokens = await demoTokens(t);
    await adsCall(t.sim, '/eu/ads-api/v2/profiles', { token: tokens.access_token });
    await adsCall(t.sim, '/eu/ads-api/sp/campaigns/list', {
      token: tokens.access_token,
      scope: UK,
      body: {},
    });
    const listed = await control(t.sim, 'GET', '/_sim/requests?operation=adsListCampaigns');
    expect(listed.json.total).toBe(1);
    const [entry] = listed.json.requests as Record<string, unknown>[];
    expect(entry).toMatchObject({
      operation: 'adsListCampaigns',
      path: '/eu/ads-api/sp/campaigns/list',
      region: 'EU',
      status: 200,
      advertiserId: ADS.advertiser.id,
      headers: { clientId: ADS.client.clientId, scope: UK },
    });
    const profilesEntry = t.ctx.state.requestLog.find((e) => e.operation === 'adsListProfiles');
    expect(profilesEntry?.headers).toEqual({ clientId: ADS.client.clientId });
    const lwa = await control(t.sim, 'GET', '/_sim/requests?operation=lwa');
    expect(lwa.json.total).toBe(1);
    const log = JSON.stringify(t.ctx.state.requestLog);
    expect(log).not.toContain(tokens.access_token);
    expect(log).not.toContain(tokens.refresh_token);
    expect(log).not.toContain('Atza|');
    expect(log).not.toContain('Atzr|');
  });
});
