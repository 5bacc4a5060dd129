import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpBrowser, type BrowserPage, type HttpBrowser } from '../support/http-browser.js';
import { inProcessFetch } from '../support/in-process.js';
import { approveAdsOnAmazon } from '../support/ads.js';
import { DEMO } from '../../src/simulator/seed.js';
import {
  approveOnAmazon,
  connectionIdOf,
  connectRegion,
  demoSeller,
  signedInBrowser,
} from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';
import { callApi, createKeyOnPortal } from '../api/support.js';
import { allRowsAsText, secretsIn } from '../support/security.js';

/**
 * Connect links in process (the real-browser walk through the vendor's side is
 * test/e2e/browser-connect-link.test.ts): created by API with an account key, followed by a seller
 * with no Sellerlink login, through the simulated Seller Central, back to the vendor's return URL
 * with the outcome. The return-URL allow-list here is the service-wide CONNECT_RETURN_URLS.
 */

const VENDOR = 'https://vendor.example';
const RETURN = `${VENDOR}/settings/amazon?tab=connections`;

describe('connect links', () => {
  let svc: TestService;
  let key = '';
  let owner: HttpBrowser;

  /** A seller's browser: no Sellerlink session; the vendor's site answers with a plain page. */
  const sellerBrowser = (): HttpBrowser =>
    createHttpBrowser({
      fetch: inProcessFetch(svc, (request) =>
        new URL(request.url).origin === VENDOR
          ? Promise.resolve(new Response('vendor page'))
          : fetch(request),
      ),
    });

  const create = (body: Record<string, unknown>, apiKey = key) =>
    callApi(svc, apiKey, '/api/v1/connect-sessions', { method: 'POST', body });

  /** The outcome parameters of a page on the vendor's return URL. */
  function outcomeOf(page: BrowserPage): Record<string, string> {
    const url = new URL(page.url);
    expect(url.origin + url.pathname).toBe(`${VENDOR}/settings/amazon`);
    expect(url.searchParams.get('tab')).toBe('connections');
    const out = Object.fromEntries(url.searchParams);
    delete out.tab;
    return out;
  }

  beforeAll(async () => {
    svc = await startTestService({
      env: {
        CONNECT_RETURN_URLS: `${VENDOR}/settings`,
        ORDERS_REPORT_BACKFILL_AFTER_HOURS: '0',
        ANALYTICS_INTERVAL_HOURS: '0',
      },
    });
    owner = await signedInBrowser(svc);
    ({ key } = await createKeyOnPortal(owner, svc, 'vendor'));
  });
  afterAll(async () => svc?.stop());

  it('connects a region for the key’s account without a Sellerlink login and returns the outcome', async () => {
    const made = await create({ region: 'EU', returnUrl: RETURN, vendorName: 'Acme Repricer' });
    expect(made.status).toBe(201);
    const { session, url } = made.json as { session: Record<string, unknown>; url: string };
    expect(url).toMatch(new RegExp(`^${svc.url}/connect/[A-Za-z0-9_-]{43}$`));
    expect(session).toMatchObject({ status: 'pending', purpose: 'connect', region: 'EU', api: 'sp-api' });

    const seller = sellerBrowser();
    const landing = await seller.get(url);
    expect(landing.status).toBe(200);
    expect(landing.text).toContain('Acme Repricer');
    expect(landing.text).toContain('Continue to Amazon');
    // Looking at the page spends nothing.
    expect((await seller.get(url)).status).toBe(200);

    const amazon = await seller.submit(landing, {}, { action: new URL(url).pathname });
    expect(amazon.url.startsWith(svc.simUrl)).toBe(true);
    const cookie = seller.cookies(svc.url).sl_connect!;
    expect(cookie).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const back = await approveOnAmazon(seller, amazon, demoSeller('EU').email);
    const outcome = outcomeOf(back);
    expect(outcome).toMatchObject({ outcome: 'connected', sessionId: session.id });
    expect(outcome.connectionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(seller.cookies(svc.url).sl_session).toBeUndefined();

    const read = await callApi(svc, key, `/api/v1/connect-sessions/${String(session.id)}`);
    expect(read.json).toMatchObject({
      status: 'completed',
      outcome: 'connected',
      resultConnectionId: outcome.connectionId,
    });
    const connection = await callApi(svc, key, `/api/v1/connections/${outcome.connectionId}`);
    expect(connection.json).toMatchObject({
      accountId: session.accountId,
      region: 'EU',
      sellingPartnerId: demoSeller('EU').sellingPartnerId,
    });

    // Replayed: the page and the form both send the seller back with CONNECT_LINK_USED; nothing changes.
    const again = await seller.get(url);
    expect(outcomeOf(again)).toMatchObject({
      outcome: 'error',
      code: 'CONNECT_LINK_USED',
      sessionId: session.id,
    });
    const other = sellerBrowser();
    const replay = await other.post(url, { region: 'EU' }, { headers: { origin: svc.url } });
    expect(outcomeOf(replay)).toMatchObject({ outcome: 'error', code: 'CONNECT_LINK_USED' });
    // The link's token and the connect cookie are bearer values: only their hashes are stored, and
    // neither is logged.
    const token = new URL(url).pathname.split('/').pop()!;
    const secrets = [
      { name: 'link token', value: token, fragment: true },
      { name: 'connect cookie', value: cookie, fragment: true },
    ];
    expect(secretsIn(await allRowsAsText(svc.store.db), secrets)).toEqual([]);
    expect(secretsIn(svc.logs.join('\n'), secrets)).toEqual([]);
    const still = await callApi(svc, key, `/api/v1/connect-sessions/${String(session.id)}`);
    expect(still.json).toMatchObject({ outcome: 'connected', resultConnectionId: outcome.connectionId });
  });

  it('lets the seller choose the region, and renews with a renew link of the same connection', async () => {
    const na = connectionIdOf((await connectRegion(owner, svc, 'NA')).url);
    const made = await create({ purpose: 'renew', connectionId: na, returnUrl: RETURN });
    expect(made.status).toBe(201);
    const { url, session } = made.json as { url: string; session: { region: string } };
    expect(session.region).toBe('NA');
    const seller = sellerBrowser();
    const landing = await seller.get(url);
    expect(landing.text).toContain('Renew the authorization');
    const amazon = await seller.submit(landing, {}, { action: new URL(url).pathname });
    const back = await approveOnAmazon(seller, amazon, demoSeller('NA').email);
    expect(outcomeOf(back)).toMatchObject({ outcome: 'renewed', connectionId: na });

    const choose = await create({ returnUrl: RETURN });
    const chooseUrl = (choose.json as { url: string }).url;
    const page = await seller.get(chooseUrl);
    expect(page.text).toContain('name="region"');
    const refused = await seller.post(chooseUrl, { region: 'XX' }, { headers: { origin: svc.url } });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('Choose North America, Europe or Far East');
    // The refusal spent nothing: the seller can still choose.
    const fe = await seller.submit(page, { region: 'FE' }, { action: new URL(chooseUrl).pathname });
    expect(new URL(fe.url).pathname.startsWith('/fe/')).toBe(true);
  });

  it('sends the seller back with cancelled when they cancel on Amazon or on the link’s page', async () => {
    const made = await create({ region: 'EU', returnUrl: RETURN });
    const { url } = made.json as { url: string };
    const seller = sellerBrowser();
    const landing = await seller.get(url);
    let page = await seller.submit(landing, {}, { action: new URL(url).pathname });
    if (/name="password"/.test(page.text)) {
      page = await seller.submit(
        page,
        { email: demoSeller('EU').email, password: 'demo-password' },
        { action: '/ap/signin' },
      );
    }
    const cancelled = await seller.submit(
      page,
      { action: 'cancel' },
      { action: /\/apps\/authorize\/(consent|start)/ },
    );
    expect(outcomeOf(cancelled)).toMatchObject({ outcome: 'cancelled' });

    const second = (await create({ region: 'EU', returnUrl: RETURN })).json as {
      url: string;
      session: { id: string };
    };
    const atLink = await sellerBrowser().post(`${second.url}/cancel`, {}, { headers: { origin: svc.url } });
    expect(outcomeOf(atLink)).toMatchObject({ outcome: 'cancelled', sessionId: second.session.id });
  });

  it('refuses a return URL outside the allow-list, another account, and bad input, creating nothing', async () => {
    const outside = await create({ region: 'EU', returnUrl: 'https://vendor.example.evil.test/settings' });
    expect(outside.status).toBe(400);
    expect(outside.json).toMatchObject({ error: { code: 'RETURN_URL_NOT_ALLOWED', field: 'returnUrl' } });
    const sibling = await create({ region: 'EU', returnUrl: `${VENDOR}/settingsX` });
    expect(sibling.status).toBe(400);
    const http = await create({ region: 'EU', returnUrl: 'http://vendor.example/settings' });
    expect(http.json).toMatchObject({ error: { field: 'returnUrl' } });
    const foreign = await create({
      accountId: '00000000-0000-4000-8000-000000000000',
      region: 'EU',
      returnUrl: RETURN,
    });
    expect(foreign.status).toBe(404);
    for (const [body, field] of [
      [{ region: 'XX', returnUrl: RETURN }, 'region'],
      [{ purpose: 'renew', returnUrl: RETURN }, 'connectionId'],
      [{ returnUrl: RETURN, expiresInMinutes: 0 }, 'expiresInMinutes'],
      [{ returnUrl: RETURN, secret: 'x' }, 'secret'],
    ] as const) {
      const r = await create(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect((r.json as { error: { field?: string } }).error.field).toBe(field);
    }
  });

  it('sends an expired link back with CONNECT_LINK_EXPIRED, and an unknown one to a plain page', async () => {
    const made = (await create({ region: 'EU', returnUrl: RETURN, expiresInMinutes: 5 })).json as {
      url: string;
      session: { id: string };
    };
    await svc.sim('/_sim/clock/advance', { minutes: 6 });
    const seller = sellerBrowser();
    const expired = await seller.get(made.url);
    expect(outcomeOf(expired)).toMatchObject({ outcome: 'error', code: 'CONNECT_LINK_EXPIRED' });
    const read = await callApi(svc, key, `/api/v1/connect-sessions/${made.session.id}`);
    expect(read.json).toMatchObject({
      status: 'completed',
      outcome: 'error',
      errorCode: 'CONNECT_LINK_EXPIRED',
    });
    const unknown = await seller.get(`${svc.url}/connect/${'A'.repeat(43)}`);
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('This connect link is not valid');
  });

  it('binds the OAuth state to the browser that spent the link', async () => {
    const made = (await create({ region: 'EU', returnUrl: RETURN })).json as {
      url: string;
      session: { id: string };
    };
    const seller = sellerBrowser();
    const landing = await seller.get(made.url);
    const amazon = await seller.submit(landing, {}, { action: new URL(made.url).pathname });
    const callback = await approveOnAmazon(seller, amazon, demoSeller('EU').email, false);
    const callbackUrl = callback.location!;
    expect(callbackUrl).toContain('/oauth/callback');
    // Another browser (no connect cookie) presenting the same callback is refused and ends nothing.
    const attacker = sellerBrowser();
    const stolen = await attacker.get(new URL(callbackUrl, svc.url).toString());
    expect(stolen.status).toBe(400);
    expect(stolen.text).toContain('another browser session');
    const read = await callApi(svc, key, `/api/v1/connect-sessions/${made.session.id}`);
    expect(read.json).toMatchObject({ status: 'started', outcome: null });
    // The seller's own browser still completes it.
    const back = await seller.get(new URL(callbackUrl, svc.url).toString());
    expect(outcomeOf(back)).toMatchObject({ outcome: 'connected' });
  });

  it('connects Amazon Ads through a link and lists its profiles', async () => {
    const made = await create({ api: 'ads', region: 'NA', returnUrl: RETURN });
    expect(made.status).toBe(201);
    const { url } = made.json as { url: string };
    const seller = sellerBrowser();
    const landing = await seller.get(url);
    expect(landing.text).toContain('Amazon Ads (advertising) account');
    const amazon = await seller.submit(landing, {}, { action: new URL(url).pathname });
    const back = await approveAdsOnAmazon(seller, amazon, DEMO.sellers[0].email);
    const outcome = outcomeOf(back);
    expect(outcome).toMatchObject({ outcome: 'connected' });
    const ads = await callApi(svc, key, `/api/v1/ads-connections/${outcome.connectionId}`);
    expect(ads.status).toBe(200);
    expect((ads.json as { profiles: unknown[] }).profiles.length).toBeGreaterThan(0);

    // A second account connects Amazon Ads in the same region through an operator key's link: Ads
    // connections share one advertiser key per region, so neither is flagged as a seller claim review.
    const graph = svc.service.graph;
    const operator = {
      userId: '',
      username: 'ops',
      role: 'operator' as const,
      accountId: null,
      actor: 'cli',
    };
    const other = await graph.accounts.createAccount('Second tenant');
    const { key: opKey } = await graph.apiKeys.create(operator, { name: 'ops', accountId: null });
    const second = await callApi(svc, opKey.reveal(), '/api/v1/connect-sessions', {
      method: 'POST',
      body: { accountId: other.id, api: 'ads', region: 'NA', returnUrl: RETURN },
    });
    expect(second.status).toBe(201);
    const browser2 = sellerBrowser();
    const url2 = (second.json as { url: string }).url;
    const page2 = await browser2.get(url2);
    const consent2 = await browser2.submit(page2, {}, { action: new URL(url2).pathname });
    const back2 = outcomeOf(await approveAdsOnAmazon(browser2, consent2, DEMO.sellers[0].email));
    expect(back2.outcome).toBe('connected');
    for (const id of [outcome.connectionId!, back2.connectionId!]) {
      const c = await graph.connections.get(operator, id, 'ads');
      expect(c.claim).toMatchObject({ otherAccounts: 0, review: null });
    }
  });
});
