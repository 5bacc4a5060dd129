import { describe, expect, it } from 'vitest';
import { DAY, MINUTE, createManualClock, iso } from '../../src/kernel/clock.js';
import { createSimulator, type Simulator } from '../../src/simulator/app.js';
import { DEMO, seedDemo } from '../../src/simulator/seed.js';
import { addApp, addSeller } from '../../src/simulator/world.js';
import { Browser } from './sim-browser.js';
import { controlRequest } from '../support/sim-control.js';

const START = Date.UTC(2026, 10, 1, 12, 0, 0);
const ORIGIN = 'http://sim.test';
const LANDING = `${ORIGIN}/_sim/landing`;
const VENDOR_CB = 'https://vendor.example/cb';
const LOGIN_URI = 'https://vendor.example/login';
const NA = DEMO.sellers[0];
const EU = DEMO.sellers[1];
const INVALID_REFRESH =
  "The request has an invalid grant parameter : refresh_token. User may have revoked or didn't grant the permission.";

function setup() {
  const clock = createManualClock(START);
  const sim = createSimulator({ clock });
  seedDemo(sim.ctx, { redirectUris: [LANDING, VENDOR_CB], loginUri: LOGIN_URI });
  return { sim, ctx: sim.ctx, clock, browser: new Browser(sim) };
}

const formToken = (html: string) => /name="form_token" value="([^"]+)"/.exec(html)?.[1] ?? '';

async function signIn(browser: Browser, email: string, prefix = '') {
  const res = await browser.post(`${prefix}/ap/signin`, { email, password: DEMO.sellerPassword });
  expect(res.status).toBe(302);
}

function lwa(sim: Simulator, fields: Record<string, string>): Promise<Response> {
  return sim.fetch(
    new Request(`${ORIGIN}/auth/o2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    }),
  );
}

function refresh(sim: Simulator, refreshToken: string, app: { clientId: string; clientSecret: string }) {
  return lwa(sim, {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: app.clientId,
    client_secret: app.clientSecret,
  });
}

/** Seller Central → consent → "Login to app now": returns the Login URI the browser was sent to. */
async function startAmazonFlow(browser: Browser, appId: string, prefix = ''): Promise<URL> {
  const page = await browser.get(`${prefix}/apps/authorize/start/${appId}`);
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain('Login to');
  const res = await browser.post(`${prefix}/apps/authorize/start/${appId}`, {
    form_token: formToken(html),
    agree: 'yes',
    action: 'confirm',
  });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location')!);
}

/** What the vendor's site does after its own sign-in: back to amazon_callback_uri. */
function callbackPath(login: URL, extra: Record<string, string>): string {
  const callback = new URL(login.searchParams.get('amazon_callback_uri')!);
  callback.searchParams.set('amazon_state', login.searchParams.get('amazon_state')!);
  for (const [k, v] of Object.entries(extra)) callback.searchParams.set(k, v);
  return callback.pathname + callback.search;
}

describe('Amazon-initiated authorization (Login URI flow)', () => {
  it('runs Manage Your Apps → consent → Login URI → callback → redirect with code → exchange', async () => {
    const { browser, sim } = setup();
    await signIn(browser, NA.email);
    const manage = await (await browser.get('/apps/manage')).text();
    expect(manage).toContain(`/apps/authorize/start/${DEMO.publishedApp.appId}`);

    const login = await startAmazonFlow(browser, DEMO.publishedApp.appId);
    expect(`${login.origin}${login.pathname}`).toBe(LOGIN_URI);
    expect(login.searchParams.get('amazon_callback_uri')).toBe(
      `${ORIGIN}/apps/authorize/confirm/${DEMO.publishedApp.appId}`,
    );
    expect(login.searchParams.get('selling_partner_id')).toBe(NA.sellingPartnerId);
    expect(login.searchParams.get('amazon_state')).toBeTruthy();
    expect(login.searchParams.has('version')).toBe(false);

    const back = await browser.get(callbackPath(login, { state: 'vendor-state', redirect_uri: VENDOR_CB }));
    expect(back.status).toBe(302);
    expect(back.headers.get('referrer-policy')).toBe('no-referrer');
    const target = new URL(back.headers.get('location')!);
    expect(`${target.origin}${target.pathname}`).toBe(VENDOR_CB);
    expect(target.searchParams.get('state')).toBe('vendor-state');
    expect(target.searchParams.get('selling_partner_id')).toBe(NA.sellingPartnerId);
    const exchange = await lwa(sim, {
      grant_type: 'authorization_code',
      code: target.searchParams.get('spapi_oauth_code')!,
      redirect_uri: VENDOR_CB,
      client_id: DEMO.publishedApp.clientId,
      client_secret: DEMO.publishedApp.clientSecret,
    });
    expect(exchange.status).toBe(200);

    // amazon_state is single use.
    const again = await browser.get(callbackPath(login, { state: 'vendor-state' }));
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('already been used');
  });

  it('adds version=beta for a Draft app and requires it on the callback', async () => {
    const { browser } = setup();
    await signIn(browser, NA.email);
    const login = await startAmazonFlow(browser, DEMO.draftApp.appId);
    expect(login.searchParams.get('version')).toBe('beta');
    const withoutBeta = await browser.get(callbackPath(login, { state: 's' }));
    expect(withoutBeta.status).toBe(400);
    expect(await withoutBeta.text()).toContain('draft_requires_beta');
    const withBeta = await browser.get(callbackPath(login, { state: 's', version: 'beta' }));
    expect(withBeta.status).toBe(302);
    expect(new URL(withBeta.headers.get('location')!).toString()).toContain(LANDING);
  });

  it('keeps the region prefix in amazon_callback_uri', async () => {
    const { browser } = setup();
    await signIn(browser, EU.email, '/eu');
    const login = await startAmazonFlow(browser, DEMO.publishedApp.appId, '/eu');
    expect(login.searchParams.get('amazon_callback_uri')).toBe(
      `${ORIGIN}/eu/apps/authorize/confirm/${DEMO.publishedApp.appId}`,
    );
    const back = await browser.get(callbackPath(login, { state: 's' }));
    expect(new URL(back.headers.get('location')!).searchParams.get('selling_partner_id')).toBe(
      EU.sellingPartnerId,
    );
  });

  it('refuses a missing state, a missing, expired or foreign amazon_state, and an unregistered redirect_uri', async () => {
    const { browser, clock } = setup();
    await signIn(browser, NA.email);
    const login = await startAmazonFlow(browser, DEMO.publishedApp.appId);
    const noState = await browser.get(callbackPath(login, {}));
    expect(await noState.text()).toContain('missing_state');
    const badUri = await browser.get(
      callbackPath(login, { state: 's', redirect_uri: 'https://evil.example/' }),
    );
    expect(badUri.status).toBe(400);
    expect(badUri.headers.get('location')).toBeNull();
    const noAmazonState = await browser.get(`/apps/authorize/confirm/${DEMO.publishedApp.appId}?state=s`);
    expect(await noAmazonState.text()).toContain('missing_amazon_state');
    const forged = await browser.get(
      `/apps/authorize/confirm/${DEMO.publishedApp.appId}?state=s&amazon_state=forged`,
    );
    expect(await forged.text()).toContain('not issued by Amazon');
    // The state was issued for the published app, not the draft one.
    const otherApp = new URL(login);
    otherApp.searchParams.set(
      'amazon_callback_uri',
      `${ORIGIN}/apps/authorize/confirm/${DEMO.draftApp.appId}`,
    );
    expect(
      await (await browser.get(callbackPath(otherApp, { state: 's', version: 'beta' }))).text(),
    ).toContain('issued for another app');
    clock.advance(15 * MINUTE);
    const expired = await browser.get(callbackPath(login, { state: 's' }));
    expect(expired.status).toBe(400);
    expect(await expired.text()).toContain('expired');
  });

  it('binds amazon_state to the seller who started the flow', async () => {
    const { browser, sim, ctx } = setup();
    await signIn(browser, NA.email);
    const login = await startAmazonFlow(browser, DEMO.publishedApp.appId);
    // Another NA seller's browser replays the callback.
    addSeller(ctx, {
      name: 'Other NA',
      region: 'NA',
      marketplaceIds: ['ATVPDKIKX0DER'],
      users: [{ email: 'other@example.com', password: 'pw' }],
    });
    const intruder = new Browser(sim);
    expect((await intruder.post('/ap/signin', { email: 'other@example.com', password: 'pw' })).status).toBe(
      302,
    );
    const res = await intruder.get(callbackPath(login, { state: 's' }));
    expect(await res.text()).toContain('another selling account');
  });

  it('offers no Re-Authorize for an app without a Login URI', async () => {
    const { browser, ctx } = setup();
    const app = addApp(ctx, { name: 'No Login App', status: 'published', redirectUris: [LANDING] });
    await signIn(browser, NA.email);
    const html = await (await browser.get('/apps/manage')).text();
    expect(html).not.toContain(`/apps/authorize/start/${app.appId}`);
    const start = await browser.get(`/apps/authorize/start/${app.appId}`);
    expect(start.status).toBe(400);
    expect(await start.text()).toContain('no_login_uri');
  });
});

describe('Manage Your Apps', () => {
  async function consent(browser: Browser, appId: string, extra: Record<string, string> = {}) {
    const query = new URLSearchParams({ application_id: appId, state: 's', ...extra });
    const html = await (await browser.get(`/apps/authorize/consent?${query.toString()}`)).text();
    const res = await browser.post('/apps/authorize/consent', {
      ...Object.fromEntries(query),
      form_token: formToken(html),
      agree: 'yes',
      action: 'confirm',
    });
    expect(res.status).toBe(302);
  }

  it('lists authorizations with dates and status, and revoking makes refresh fail', async () => {
    const { browser, sim, ctx, clock } = setup();
    await signIn(browser, NA.email);
    await consent(browser, DEMO.publishedApp.appId);
    const authorization = [...ctx.state.authorizations.values()][0]!;
    const html = await (await browser.get('/apps/manage')).text();
    expect(html).toContain(DEMO.publishedApp.name);
    expect(html).toContain(iso(START).slice(0, 10));
    expect(html).toContain(iso(START + 365 * DAY).slice(0, 10));
    expect(html).toContain('data-status="active"');
    expect(html).toContain('Re-Authorize');
    expect((await refresh(sim, authorization.refreshToken, DEMO.publishedApp)).status).toBe(200);

    clock.advance(DAY);
    const revoke = await browser.post('/apps/manage/revoke', {
      form_token: formToken(html),
      authorization_id: authorization.id,
    });
    expect(revoke.status).toBe(303);
    expect(revoke.headers.get('location')).toBe('/apps/manage?notice=revoked');
    const after = await (await browser.get('/apps/manage?notice=revoked')).text();
    expect(after).toContain('data-status="revoked"');
    expect(after).toContain('was revoked');
    const res = await refresh(sim, authorization.refreshToken, DEMO.publishedApp);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_grant', error_description: INVALID_REFRESH });
  });

  it('shows Expired after 365 days and "does not expire" for a self-authorization', async () => {
    const { browser, sim, clock } = setup();
    await signIn(browser, NA.email);
    await consent(browser, DEMO.draftApp.appId, { version: 'beta' });
    const self = await sim.fetch(
      controlRequest(sim, `${ORIGIN}/_sim/apps/${DEMO.publishedApp.appId}/self-authorize`, {
        method: 'POST',
      }),
    );
    expect(self.status).toBe(200);
    clock.advance(365 * DAY);
    const html = await (await browser.get('/apps/manage')).text();
    expect(html).toContain('data-status="expired"');
    expect(html).toContain('does not expire');
    expect(html).toContain('Self-authorization');
  });

  it('refuses a revoke without the form token or for another seller', async () => {
    const { browser, sim, ctx } = setup();
    await signIn(browser, NA.email);
    await consent(browser, DEMO.publishedApp.appId);
    const authorization = [...ctx.state.authorizations.values()][0]!;
    const noToken = await browser.post('/apps/manage/revoke', { authorization_id: authorization.id });
    expect(noToken.status).toBe(403);
    const eu = new Browser(sim);
    await signIn(eu, EU.email, '/eu');
    const euHtml = await (await eu.get('/eu/apps/manage')).text();
    const foreign = await eu.post('/eu/apps/manage/revoke', {
      form_token: formToken(euHtml),
      authorization_id: authorization.id,
    });
    expect(foreign.status).toBe(404);
    expect(authorization.revokedAt).toBeNull();
  });
});

describe('Developer Console self-authorization', () => {
  it('shows a working refresh token for the owner seller from the "Authorize app" button', async () => {
    const { browser, sim } = setup();
    const page = await browser.get('/sellingpartner/developerconsole');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Authorize app');
    expect(html).toContain(DEMO.draftApp.name);
    const res = await browser.post('/sellingpartner/developerconsole/authorize', {
      app_id: DEMO.draftApp.appId,
      selling_partner_id: DEMO.selfAuthSellingPartnerId,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const token = /<pre data-refresh-token[^>]*>([^<]+)<\/pre>/.exec(await res.text())![1]!;
    expect(token).toMatch(/^Atzr\|/);
    expect((await refresh(sim, token, DEMO.draftApp)).status).toBe(200);
  });

  it('self-authorizes through the JSON control, for the owner or a given seller', async () => {
    const { sim, ctx } = setup();
    const call = (appId: string, body?: unknown) =>
      sim.fetch(
        controlRequest(sim, `${ORIGIN}/_sim/apps/${appId}/self-authorize`, {
          method: 'POST',
          ...(body === undefined
            ? {}
            : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
        }),
      );
    const owner = await call(DEMO.publishedApp.appId);
    expect(owner.status).toBe(200);
    const ownerBody = (await owner.json()) as Record<string, unknown>;
    expect(ownerBody).toMatchObject({
      sellingPartnerId: DEMO.selfAuthSellingPartnerId,
      region: 'NA',
      authorizedAt: iso(START),
      expiresAt: null,
    });
    expect((await refresh(sim, String(ownerBody.refreshToken), DEMO.publishedApp)).status).toBe(200);
    const eu = (await (
      await call(DEMO.publishedApp.appId, { sellingPartnerId: EU.sellingPartnerId })
    ).json()) as Record<string, unknown>;
    expect(eu).toMatchObject({ sellingPartnerId: EU.sellingPartnerId, region: 'EU' });
    expect((await call('amzn1.sp.solution.nope')).status).toBe(404);
    expect((await call(DEMO.publishedApp.appId, { sellingPartnerId: 'ANOPE' })).status).toBe(404);
    expect((await call(DEMO.publishedApp.appId, { seller: 'x' })).status).toBe(400);
    const ownerless = addApp(ctx, { name: 'Ownerless', status: 'draft', redirectUris: [LANDING] });
    const noOwner = await call(ownerless.appId);
    expect(noOwner.status).toBe(400);
    expect(((await noOwner.json()) as { error: string }).error).toBe('invalid_request');
  });
});
