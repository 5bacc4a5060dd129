import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../src/simulator/seed.js';
import { adsConnectionIdOf, connectAds } from '../support/ads.js';
import type { HttpBrowser } from '../support/http-browser.js';
import { signedInBrowser } from '../support/portal.js';
import { recordingFetch, secretsIn, type NamedSecret } from '../support/security.js';
import type { TestService } from '../support/service.js';
import { typedClient } from '../support/typed-client.js';
import {
  callApi,
  createKeyOnPortal,
  expectApiError,
  expectTypedError,
  keyOfAnotherAccount,
  startApiWorld,
  type TypedAnswer,
} from './support.js';

/**
 * The REST API for Amazon Ads connections, in process against the sandbox service and its
 * simulator: connections of both APIs in one list, the Ads connections with their profiles, Ads
 * access tokens, the Ads API proxy (the three headers reach Amazon, unknown profiles are refused
 * with nothing sent, a 429 is waited out), the refusal of the other API's ids, account scoping,
 * and no token in the logs. The documented operations are called with the typed client
 * (support/typed-client.ts); the Ads API proxy, which passes Amazon's bytes and headers through,
 * with raw requests (`callApi`).
 */

interface LogEntry {
  requestId: string;
  method: string;
  path: string;
  region: string;
  status: number;
  headers?: { clientId?: string; scope?: string };
  note?: string;
}

const US = '3312910465837761';
const CA = '3312910465837762';
const UK = '3312910465837763';
const CAMPAIGN_TYPE = 'application/vnd.spCampaign.v3+json';

describe('REST API: Amazon Ads', () => {
  let svc: TestService;
  let owner: HttpBrowser;
  let key = '';
  let spId = '';
  let adsId = '';
  const recorder = recordingFetch();
  /** The typed client with the demo account's key. */
  const api = (apiKey = key) => typedClient(svc, apiKey);
  const byId = (id: string) => ({ params: { path: { id } } });
  const adsConnection = (id: string, apiKey = key) => api(apiKey).GET('/v1/ads-connections/{id}', byId(id));
  const adsAccessToken = (id: string, apiKey = key) =>
    api(apiKey).POST('/v1/ads-connections/{id}/access-token', byId(id));
  const refreshProfiles = (id: string, apiKey = key) =>
    api(apiKey).POST('/v1/ads-connections/{id}/profiles/refresh', byId(id));

  /** The simulator's campaign-list log, oldest first, and how many entries it has in all. */
  async function campaignLog(): Promise<{ total: number; entries: LogEntry[] }> {
    const log = await svc.sim<{ total: number; requests: LogEntry[] }>(
      '/_sim/requests?operation=adsListCampaigns&limit=1000',
    );
    return { total: log.total, entries: log.requests.reverse() };
  }

  /** Lists campaigns of a profile through the proxy. */
  function listCampaigns(profileId: string | null, extra: { path?: string; key?: string } = {}) {
    return callApi(
      svc,
      extra.key ?? key,
      extra.path ?? `/api/v1/ads-connections/${adsId}/ads-api/sp/campaigns/list`,
      {
        method: 'POST',
        rawBody: JSON.stringify({ maxResults: 10 }),
        headers: {
          'content-type': CAMPAIGN_TYPE,
          accept: CAMPAIGN_TYPE,
          ...(profileId === null ? {} : { 'Amazon-Advertising-API-Scope': profileId }),
        },
      },
    );
  }

  beforeAll(async () => {
    const world = await startApiWorld(['NA'], { toAmazon: recorder.fetch });
    ({ svc, owner } = world);
    spId = world.ids.NA!;
    key = (await createKeyOnPortal(owner, svc, 'Ads tool')).key;
    adsId = adsConnectionIdOf((await connectAds(owner, svc, 'NA')).url);
  });
  afterAll(async () => svc?.stop());

  describe('connections of both APIs', () => {
    it('GET /v1/connections lists SP-API and Ads connections; ?api= filters', async () => {
      const all = await api().GET('/v1/connections');
      expect(all.response.status).toBe(200);
      const { connections } = all.data!;
      const byId = new Map(connections.map((c) => [c.id, c]));
      expect(byId.get(spId)).toMatchObject({
        api: 'sp-api',
        sellingPartnerId: 'A1DEMOSELLERNA',
        renewUrl: `${svc.url}/connections/${spId}`,
      });
      expect(byId.get(adsId)).toMatchObject({
        api: 'ads',
        region: 'NA',
        sellingPartnerId: null,
        renewUrl: `${svc.url}/ads-connections/${adsId}`,
      });
      // The plain list has no profiles: those are on /v1/ads-connections.
      expect(byId.get(adsId)).not.toHaveProperty('profiles');

      const ads = await api().GET('/v1/connections', { params: { query: { api: 'ads' } } });
      expect(ads.data!.connections.map((c) => c.id)).toEqual([adsId]);
      const sp = await api().GET('/v1/connections', { params: { query: { api: 'sp-api' } } });
      expect(sp.data!.connections.map((c) => c.id)).toEqual([spId]);
      // A value the schema forbids, sent anyway: the API refuses it as it documents.
      const wrong = await api().GET('/v1/connections', {
        // @ts-expect-error: not an API
        params: { query: { api: 'ads-api' } },
      });
      expectTypedError(wrong, 400, 'VALIDATION_FAILED', 'api');
    });

    it('the SP-API routes refuse an Ads id, and the Ads routes an SP-API id, naming the right route', async () => {
      const spRoutes: (() => Promise<TypedAnswer>)[] = [
        () => api().GET('/v1/connections/{id}', byId(adsId)),
        () => api().POST('/v1/connections/{id}/access-token', byId(adsId)),
      ];
      for (const call of spRoutes) {
        const body = expectTypedError(await call(), 404, 'CONNECTION_NOT_FOUND');
        expect(body.error.message).toContain(`/api/v1/ads-connections/${adsId}`);
      }
      // The SP-API proxy's path is sent as it is (the typed client would encode its slashes).
      const spProxied = await callApi(
        svc,
        key,
        `/api/v1/connections/${adsId}/sp-api/sellers/v1/marketplaceParticipations`,
      );
      expect(expectApiError(spProxied, 404, 'CONNECTION_NOT_FOUND').error.message).toContain(
        `/api/v1/ads-connections/${adsId}`,
      );
      for (const call of [adsConnection, adsAccessToken, refreshProfiles]) {
        const body = expectTypedError(await call(spId), 404, 'CONNECTION_NOT_FOUND');
        expect(body.error.message).toContain(`/api/v1/connections/${spId}`);
      }
      const before = (await campaignLog()).total;
      const proxied = await listCampaigns(US, {
        path: `/api/v1/ads-connections/${spId}/ads-api/sp/campaigns/list`,
      });
      expect(expectApiError(proxied, 404, 'CONNECTION_NOT_FOUND').error.message).toContain(
        `/api/v1/connections/${spId}`,
      );
      expect((await campaignLog()).total).toBe(before);
    });
  });

  describe('Ads connections and profiles', () => {
    it('lists the profiles of all three regions, seller profiles matched to the SP-API connection', async () => {
      const list = await api().GET('/v1/ads-connections');
      expect(list.response.status).toBe(200);
      const { connections } = list.data!;
      expect(connections.map((c) => c.id)).toEqual([adsId]);
      const [ads] = connections;
      expect(ads!.listedAt).not.toBeNull();
      expect(ads!.failedRegions).toEqual([]);
      expect(ads!.profilesNote).toBeNull();
      const byCountry = new Map(ads!.profiles.map((p) => [p.countryCode, p]));
      expect([...byCountry.keys()].sort()).toEqual(['CA', 'DE', 'FR', 'JP', 'UK', 'US']);
      expect(byCountry.get('US')).toMatchObject({
        profileId: US,
        region: 'NA',
        accountType: 'seller',
        accountId: 'A1DEMOSELLERNA',
        match: { connectionId: spId, sellingPartnerId: 'A1DEMOSELLERNA' },
      });
      expect(byCountry.get('UK')).toMatchObject({ profileId: UK, region: 'EU', match: null });
      expect(byCountry.get('FR')).toMatchObject({ accountType: 'vendor', match: null });

      const one = await adsConnection(adsId);
      expect(one.response.status).toBe(200);
      expect(one.data).toEqual(ads);
    });

    it('refresh lists the profiles again now', async () => {
      const before = (await adsConnection(adsId)).data!;
      const refreshed = await refreshProfiles(adsId);
      expect(refreshed.response.status).toBe(200);
      const body = refreshed.data!;
      expect(body.profiles).toEqual(before.profiles);
      expect(Date.parse(body.listedAt!)).toBeGreaterThanOrEqual(Date.parse(before.listedAt!));
      const log = await svc.sim<{ requests: LogEntry[] }>('/_sim/requests?operation=adsListProfiles&limit=3');
      expect(log.requests.map((r) => r.region).sort()).toEqual(['EU', 'FE', 'NA']);
      expect(log.requests.every((r) => r.status === 200)).toBe(true);
    });

    it('an advertiser without campaigns has no profiles, and the note says why', async () => {
      const browser = await signedInBrowser(svc);
      // Sign out of the demo advertiser on the simulator, then consent as the one without campaigns (EU).
      browser.clearCookies(svc.simUrl);
      const page = await connectAds(browser, svc, 'EU', DEMO.ads.emptyAdvertiser.email);
      const emptyId = adsConnectionIdOf(page.url);
      const one = await adsConnection(emptyId);
      expect(one.response.status).toBe(200);
      const body = one.data!;
      expect(body.profiles).toEqual([]);
      expect(body.profilesNote).toContain(
        'No advertising profiles: Amazon lists none until the advertiser has created at least one campaign',
      );
      const list = await api().GET('/v1/ads-connections', { params: { query: { region: 'EU' } } });
      expect(list.data!.connections.map((c) => c.id)).toEqual([emptyId]);
    });
  });

  describe('access tokens', () => {
    it('hands out a token the Ads API accepts, with the client id and the three hosts; no-store', async () => {
      const { data, error, response } = await adsAccessToken(adsId);
      expect(error).toBeUndefined();
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const body = data!;
      expect(body).toMatchObject({ tokenType: 'bearer', clientId: DEMO.ads.client.clientId, region: 'NA' });
      expect(body.endpoints).toEqual({
        NA: `${svc.simUrl}/na/ads-api`,
        EU: `${svc.simUrl}/eu/ads-api`,
        FE: `${svc.simUrl}/fe/ads-api`,
      });
      expect(Date.parse(body.expiresAt)).toBeGreaterThan(svc.service.clock.now());
      // The token works on another region's host, as Amazon's do.
      const profiles = await fetch(`${body.endpoints.EU}/v2/profiles`, {
        headers: {
          authorization: `Bearer ${body.accessToken}`,
          'amazon-advertising-api-clientid': body.clientId,
        },
      });
      expect(profiles.status).toBe(200);
      expect(((await profiles.json()) as { countryCode: string }[]).map((p) => p.countryCode).sort()).toEqual(
        ['DE', 'FR', 'UK'],
      );
    });
  });

  describe('the Ads API proxy', () => {
    it('forwards with the three headers to the profile’s region; Amazon’s answer comes back as it is', async () => {
      const before = (await campaignLog()).total;
      const answer = await listCampaigns(US);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toBe(CAMPAIGN_TYPE);
      const body = answer.json as { campaigns: { name: string }[]; totalResults: number };
      expect(body.totalResults).toBe(3);
      expect(body.campaigns.map((c) => c.name)).toContain('US Tents - Manual');

      const log = await campaignLog();
      expect(log.total).toBe(before + 1);
      const entry = log.entries.at(-1)!;
      // Authorization was the connection's Ads token (the simulator authenticated the call), and
      // the ClientId and Scope headers were Sellerlink's.
      expect(entry).toMatchObject({
        region: 'NA',
        status: 200,
        path: '/na/ads-api/sp/campaigns/list',
        headers: { clientId: DEMO.ads.client.clientId, scope: US },
      });
      expect(entry.note ?? '').not.toContain('auth:');
      expect(answer.headers.get('x-amzn-requestid')).toBe(entry.requestId);
    });

    it('takes the profile from ?profileId= too (not forwarded), and sends an EU profile to the EU host', async () => {
      const answer = await listCampaigns(null, {
        path: `/api/v1/ads-connections/${adsId}/ads-api/sp/campaigns/list?profileId=${UK}`,
      });
      expect(answer.status).toBe(200);
      const entry = (await campaignLog()).entries.at(-1)!;
      expect(entry).toMatchObject({ region: 'EU', status: 200, headers: { scope: UK } });
    });

    it('refuses an unknown profile, a missing one, other media types and odd paths; nothing is sent', async () => {
      const before = (await campaignLog()).total;
      expectApiError(await listCampaigns('999999999'), 404, 'ADS_PROFILE_UNKNOWN');
      expectApiError(await listCampaigns(null), 400, 'ADS_REQUEST_INVALID');
      const text = await callApi(svc, key, `/api/v1/ads-connections/${adsId}/ads-api/sp/campaigns/list`, {
        method: 'POST',
        rawBody: 'maxResults=10',
        headers: { 'content-type': 'text/plain', 'Amazon-Advertising-API-Scope': US },
      });
      expectApiError(text, 415, 'UNSUPPORTED_MEDIA_TYPE');
      for (const path of ['sp/..%2Fv2/profiles', '2/campaigns', 'sp//campaigns/list', 'sp/%0A/list']) {
        const refused = await listCampaigns(US, { path: `/api/v1/ads-connections/${adsId}/ads-api/${path}` });
        expectApiError(refused, 400, 'ADS_PATH_REFUSED', 'path');
      }
      const head = await callApi(svc, key, `/api/v1/ads-connections/${adsId}/ads-api/v2/profiles`, {
        method: 'OPTIONS',
      });
      expectApiError(head, 405, 'METHOD_NOT_ALLOWED');
      expect((await campaignLog()).total).toBe(before);
    });

    it('Amazon’s 429 with Retry-After 2 is waited out: one 429, then the 200 the caller gets', async () => {
      const before = (await campaignLog()).total;
      await svc.sim('/_sim/ads/behaviour', { forceThrottle: 1, retryAfterSeconds: 2 });
      try {
        const answer = await listCampaigns(CA);
        expect(answer.status).toBe(200);
        expect((answer.json as { totalResults: number }).totalResults).toBe(2);
      } finally {
        await svc.sim('/_sim/ads/reset-behaviour', {});
      }
      const log = await campaignLog();
      const fresh = log.entries.slice(log.entries.length - (log.total - before));
      expect(fresh.map((e) => e.status)).toEqual([429, 200]);
      expect(fresh.every((e) => e.headers?.scope === CA)).toBe(true);
    });
  });

  describe('account scoping', () => {
    let otherKey = '';

    beforeAll(async () => {
      otherKey = await keyOfAnotherAccount(svc, {
        account: 'Other Advertiser Ltd',
        username: 'ads-other-owner',
        password: 'ads-other-password-1',
      });
    });

    it("another account's key sees no Ads connection: 404 as if it did not exist, nothing sent", async () => {
      const list = await api(otherKey).GET('/v1/ads-connections');
      expect(list.data).toEqual({ connections: [] });
      const before = (await campaignLog()).total;
      for (const call of [adsConnection, adsAccessToken, refreshProfiles]) {
        const body = expectTypedError(await call(adsId, otherKey), 404, 'CONNECTION_NOT_FOUND');
        expect(body.error.message).not.toContain('ads-connections');
      }
      expectApiError(await listCampaigns(US, { key: otherKey }), 404, 'CONNECTION_NOT_FOUND');
      expect((await campaignLog()).total).toBe(before);
    });
  });

  describe('secrets', () => {
    it('no Ads access or refresh token, nor the client secret, is ever logged', async () => {
      const secrets: NamedSecret[] = [{ name: 'Ads client secret', value: DEMO.ads.client.clientSecret }];
      for (const exchange of recorder.exchanges) {
        if (!exchange.url.endsWith('/auth/o2/token') || exchange.status !== 200) continue;
        const body = JSON.parse(exchange.body) as { access_token?: string; refresh_token?: string };
        if (body.access_token)
          secrets.push({ name: 'access token', value: body.access_token, fragment: true });
        if (body.refresh_token)
          secrets.push({ name: 'refresh token', value: body.refresh_token, fragment: true });
      }
      const adsToken = (await adsAccessToken(adsId)).data!.accessToken;
      expect(secrets.some((s) => s.value === adsToken)).toBe(true);
      expect(secrets.filter((s) => s.name === 'refresh token').length).toBeGreaterThanOrEqual(2);
      await listCampaigns(US);

      const logs = svc.logs.join('\n');
      expect(secretsIn(logs, secrets)).toEqual([]);
      // Control: the search finds what the logs do hold (the key's prefix, logged with each call).
      const prefix = key.slice(4, 12);
      expect(secretsIn(logs, [{ name: 'key prefix', value: `"apiKeyPrefix":"${prefix}"` }])).toEqual([
        'key prefix',
      ]);
      expect(logs).toContain('Ads API call over the proxy');
    });
  });
});
