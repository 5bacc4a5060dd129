import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/kernel/clock.js';
import { createSimulator } from '../../src/simulator/app.js';
import {
  STATE_FILE_FORMAT,
  STATE_FILE_VERSION,
  loadState,
  saveState,
} from '../../src/simulator/persistence.js';
import { routeRegion } from '../../src/simulator/region.js';
import { DEMO } from '../../src/simulator/seed.js';
import { Browser } from './sim-browser.js';
import {
  ADS,
  ADS_CB,
  ORIGIN,
  START,
  adsCall,
  consentCode,
  control,
  demoTokens,
  exchangeCode,
  oaQuery,
  refresh,
  setupAds,
} from './ads-support.js';

describe('Ads demo seed', () => {
  it('has the documented clients, advertisers and profile ids', () => {
    const t = setupAds();
    expect(ADS.client.clientSecret).toHaveLength(DEMO.publishedApp.clientSecret.length);
    expect(ADS.client.clientSecret.startsWith('amzn1.oa2-cs.v1.demoadssecret0')).toBe(true);
    expect(t.ctx.state.adsClients.get(ADS.client.clientId)).toMatchObject({
      approved: true,
      returnUrls: [ADS_CB],
    });
    expect(t.ctx.state.adsClients.get(ADS.unapprovedClient.clientId)?.approved).toBe(false);
    const advertiser = t.ctx.state.advertisers.get(ADS.advertiser.id)!;
    expect(advertiser.name).toBe('Demo Outdoor Goods Ads');
    expect(advertiser.users.map((u) => u.email)).toEqual(DEMO.sellers.map((s) => s.email));
    expect(ADS.advertiser.emails).toEqual(DEMO.sellers.map((s) => s.email));
    expect(advertiser.users.every((u) => u.password === DEMO.sellerPassword)).toBe(true);
    for (const p of advertiser.profiles) {
      expect(Number(p.profileId)).toBeLessThan(2 ** 53);
      expect(p.campaigns.length).toBeGreaterThanOrEqual(2);
      expect(p.campaigns.length).toBeLessThanOrEqual(3);
    }
    const counts = { NA: 0, EU: 0, FE: 0 };
    for (const p of advertiser.profiles) counts[p.region] += 1;
    expect(counts).toEqual({ NA: 2, EU: 3, FE: 1 });
    const empty = t.ctx.state.advertisers.get(ADS.emptyAdvertiser.id)!;
    expect(empty.users).toEqual([{ email: 'no-campaigns@example.com', password: DEMO.sellerPassword }]);
    expect(empty.profiles.every((p) => p.campaigns.length === 0)).toBe(true);
  });

  it('takes adsReturnUrls through POST /_sim/seed/demo (default none)', async () => {
    const sim = createSimulator({ clock: createManualClock(START) });
    const seeded = await control(sim, 'POST', '/_sim/seed/demo', {
      adsReturnUrls: ['https://x.example/ads'],
    });
    expect(seeded.status).toBe(201);
    expect(sim.ctx.state.adsClients.get(ADS.client.clientId)?.returnUrls).toEqual(['https://x.example/ads']);
    await control(sim, 'POST', '/_sim/reset');
    await control(sim, 'POST', '/_sim/seed/demo', {});
    expect(sim.ctx.state.adsClients.get(ADS.client.clientId)?.returnUrls).toEqual([]);
  });
});

describe('/_sim/ads controls', () => {
  it('need the control token', async () => {
    const t = setupAds();
    const res = await t.sim.fetch(new Request(`${ORIGIN}/_sim/ads/authorizations`));
    expect(res.status).toBe(401);
  });

  it('create a client that consents only once approved', async () => {
    const t = setupAds();
    const clientId = 'amzn1.application-oa2-client.vendorads';
    const created = await control(t.sim, 'POST', '/_sim/ads/clients', {
      clientId,
      name: 'Vendor Ads',
      clientSecret: 'vendor-secret',
      approved: false,
      returnUrls: [ADS_CB],
    });
    expect(created.status).toBe(201);
    expect(JSON.stringify(created.json)).not.toContain('vendor-secret');
    const before = await t.browser.get(`/na/ap/oa?${oaQuery({ client_id: clientId })}`);
    expect(new URL(before.headers.get('location')!).searchParams.get('error')).toBe('invalid_scope');
    expect((await control(t.sim, 'POST', `/_sim/ads/clients/${clientId}/approve`)).json.approved).toBe(true);
    const after = await t.browser.get(`/na/ap/oa?${oaQuery({ client_id: clientId })}`);
    expect(after.status).toBe(200);
    const revealed = await control(t.sim, 'GET', '/_sim/ads/clients?reveal=1');
    expect(JSON.stringify(revealed.json)).toContain('vendor-secret');
  });

  it('refuse an Ads client id that an SP-API app uses, and bad input', async () => {
    const t = setupAds();
    const clash = await control(t.sim, 'POST', '/_sim/ads/clients', {
      clientId: DEMO.publishedApp.clientId,
      name: 'x',
      clientSecret: 'y',
    });
    expect(clash.status).toBe(409);
    const bad = await control(t.sim, 'POST', '/_sim/ads/clients', {
      clientId: 'c',
      name: 'x',
      clientSecret: 'y',
      returnUrls: ['nope'],
    });
    expect(bad.status).toBe(400);
    expect(bad.json.field).toBe('returnUrls.0');
  });

  it('fail an Ads client with an expired secret with invalid_client', async () => {
    const t = setupAds();
    await control(t.sim, 'POST', '/_sim/ads/clients', {
      ...ADS.client,
      approved: true,
      returnUrls: [ADS_CB],
      clientSecretExpiresAt: new Date(START + 60_000).toISOString(),
    });
    const code = await consentCode(t.browser, '/na');
    const tokens = await exchangeCode(t.sim, code);
    t.clock.advance(60_000);
    const res = await refresh(t.sim, tokens.refresh_token);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
    expect(t.ctx.state.requestLog.at(-1)?.note).toBe('ads:auth:secret-expired');
  });

  it('create an advertiser whose profiles are listed in their region once they have campaigns', async () => {
    const t = setupAds();
    const created = await control(t.sim, 'POST', '/_sim/ads/advertisers', {
      id: 'adv-test',
      name: 'Test Advertiser',
      users: [{ email: 'ads-user@example.com', password: DEMO.sellerPassword }],
      profiles: [
        {
          countryCode: 'DE',
          currencyCode: 'EUR',
          timezone: 'Europe/Berlin',
          accountInfo: {
            marketplaceStringId: 'A1PA6795UKMFR9',
            id: 'ATESTSELLER',
            type: 'seller',
            name: 'Test',
          },
          campaigns: [{ name: 'One' }],
        },
        {
          profileId: '1234567890123',
          countryCode: 'US',
          currencyCode: 'USD',
          timezone: 'America/Los_Angeles',
          accountInfo: {
            marketplaceStringId: 'ATVPDKIKX0DER',
            id: 'ATESTSELLER',
            type: 'seller',
            name: 'Test',
          },
        },
      ],
    });
    expect(created.status).toBe(201);
    const advertiser = t.ctx.state.advertisers.get('adv-test')!;
    expect(advertiser.profiles.map((p) => p.region)).toEqual(['EU', 'NA']);
    expect(advertiser.profiles[0]!.campaigns[0]).toMatchObject({
      name: 'One',
      state: 'ENABLED',
      startDate: '2026-11-01',
    });
    const browser = new Browser(t.sim);
    const code = await consentCode(browser, '/eu', 'ads-user@example.com');
    const tokens = await exchangeCode(t.sim, code);
    const eu = (await (
      await adsCall(t.sim, '/eu/ads-api/v2/profiles', { token: tokens.access_token })
    ).json()) as unknown[];
    expect(eu).toHaveLength(1);
    const na = (await (
      await adsCall(t.sim, '/na/ads-api/v2/profiles', { token: tokens.access_token })
    ).json()) as unknown[];
    expect(na).toEqual([]);

    const clash = await control(t.sim, 'POST', '/_sim/ads/advertisers', {
      id: 'adv-test',
      name: 'x',
      users: [{ email: 'a', password: 'b' }],
    });
    expect(clash.status).toBe(409);
    const wrongRegion = await control(t.sim, 'POST', '/_sim/ads/advertisers', {
      name: 'x',
      users: [{ email: 'a', password: 'b' }],
      profiles: [
        {
          region: 'FE',
          countryCode: 'US',
          currencyCode: 'USD',
          timezone: 'America/Los_Angeles',
          accountInfo: { marketplaceStringId: 'ATVPDKIKX0DER', id: 'A', type: 'seller', name: 'A' },
        },
      ],
    });
    expect(wrongRegion.status).toBe(400);
    expect(wrongRegion.json.field).toBe('profiles.0.region');
  });

  it('validate behaviour input', async () => {
    const t = setupAds();
    expect((await control(t.sim, 'POST', '/_sim/ads/behaviour', {})).status).toBe(400);
    const bad = await control(t.sim, 'POST', '/_sim/ads/behaviour', { throttle: { rate: 0, burst: 1 } });
    expect(bad.json.field).toBe('throttle.rate');
    expect(t.ctx.state.adsBehaviour.throttle).toEqual({ rate: 1, burst: 2 });
  });
});

describe('Ads state persistence', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-ads-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('saves and loads the Ads slices; a loaded refresh token still works', async () => {
    const t = setupAds();
    const tokens = await demoTokens(t);
    await control(t.sim, 'POST', '/_sim/ads/behaviour', { forceThrottle: 1, retryAfterSeconds: 4 });
    const path = join(dir, 'state.json');
    saveState(t.ctx.state, path);
    const loaded = loadState(path);
    expect(loaded).toEqual(t.ctx.state);
    for (const name of [
      'adsClients',
      'advertisers',
      'adsAuthorizations',
      'adsAuthCodes',
      'adsAccessTokens',
      'adsSessions',
    ] as const) {
      expect(loaded[name]).toBeInstanceOf(Map);
      expect(loaded[name].size, name).toBeGreaterThan(0);
    }
    expect(loaded.adsBehaviour).toEqual({
      throttle: { rate: 1, burst: 2 },
      forceThrottle: 1,
      retryAfterSeconds: 4,
    });

    const other = createSimulator({ clock: createManualClock(START), state: loaded });
    const res = await refresh(other, tokens.refresh_token);
    expect(res.status).toBe(200);
    const profiles = await adsCall(other, '/fe/ads-api/v2/profiles', { token: tokens.access_token });
    expect(profiles.status).toBe(200);
  });

  it('fills the Ads slices of a file saved before them with empty ones', () => {
    const path = join(dir, 'old.json');
    writeFileSync(
      path,
      JSON.stringify({ format: STATE_FILE_FORMAT, version: STATE_FILE_VERSION, state: { faults: [] } }),
    );
    const loaded = loadState(path);
    expect(loaded.adsClients).toEqual(new Map());
    expect(loaded.adsBehaviour).toEqual({
      throttle: { rate: 1, burst: 2 },
      forceThrottle: 0,
      retryAfterSeconds: 1,
    });
    const broken = join(dir, 'broken.json');
    writeFileSync(
      broken,
      JSON.stringify({ format: STATE_FILE_FORMAT, version: STATE_FILE_VERSION, state: { adsBehaviour: 3 } }),
    );
    expect(() => loadState(broken)).toThrow(/slice adsBehaviour is not an object/);
  });
});

describe('Ads hosts in region routing', () => {
  it('maps the consent and API hosts, and puts the API hosts under /ads-api', () => {
    expect(routeRegion('www.amazon.com', '/ap/oa')).toEqual({ region: 'NA', prefix: '', path: '/ap/oa' });
    expect(routeRegion('eu.account.amazon.com', '/ap/oa').region).toBe('EU');
    expect(routeRegion('apac.account.amazon.com', '/ap/oa').region).toBe('FE');
    expect(routeRegion('advertising-api.amazon.com', '/v2/profiles')).toEqual({
      region: 'NA',
      prefix: '',
      path: '/ads-api/v2/profiles',
    });
    expect(routeRegion('advertising-api-eu.amazon.com:443', '/sp/campaigns/list')).toEqual({
      region: 'EU',
      prefix: '',
      path: '/ads-api/sp/campaigns/list',
    });
    expect(routeRegion('advertising-api-fe.amazon.com', '/ads-api/v2/profiles').path).toBe(
      '/ads-api/v2/profiles',
    );
    expect(routeRegion('advertising-api-fe.amazon.com', '/_sim/requests').path).toBe('/_sim/requests');
    expect(routeRegion('127.0.0.1:4000', '/eu/ads-api/v2/profiles')).toEqual({
      region: 'EU',
      prefix: '/eu',
      path: '/ads-api/v2/profiles',
    });
  });
});
