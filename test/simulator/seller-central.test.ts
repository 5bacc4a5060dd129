import { describe, expect, it } from 'vitest';
import { DAY, createManualClock } from '../../src/kernel/clock.js';
import { createSimulator } from '../../src/simulator/app.js';
import type { SimulatorConfig } from '../../src/simulator/config.js';
import { DEMO, seedDemo } from '../../src/simulator/seed.js';
import { addApp } from '../../src/simulator/world.js';
import { Browser } from './sim-browser.js';

const START = Date.UTC(2026, 10, 1, 12, 0, 0);
const ORIGIN = 'http://sim.test';
const LANDING = `${ORIGIN}/_sim/landing`;
const VENDOR_CB = 'https://vendor.example/cb';
const NA = DEMO.sellers[0];
const EU = DEMO.sellers[1];

function setup(config: Partial<SimulatorConfig> = {}) {
  const clock = createManualClock(START);
  const sim = createSimulator({ clock, config });
  seedDemo(sim.ctx, { redirectUris: [LANDING, VENDOR_CB] });
  return { sim, ctx: sim.ctx, clock, browser: new Browser(sim) };
}

const formToken = (html: string) => /name="form_token" value="([^"]+)"/.exec(html)?.[1] ?? '';
const consentPath = (query: Record<string, string>, prefix = '') =>
  `${prefix}/apps/authorize/consent?${new URLSearchParams(query).toString()}`;

async function signIn(browser: Browser, email: string, prefix = '') {
  const res = await browser.post(`${prefix}/ap/signin`, {
    email,
    password: DEMO.sellerPassword,
    return_to: `${prefix}/apps/manage`,
  });
  expect(res.status).toBe(302);
  return res;
}

/** Opens the consent page (signed in) and returns its HTML and form token. */
async function openConsent(browser: Browser, query: Record<string, string>, prefix = '') {
  const res = await browser.get(consentPath(query, prefix));
  const html = await res.text();
  return { res, html, token: formToken(html) };
}

describe('Seller Central sign-in', () => {
  it('sends a signed-out seller to sign in and back to the consent page', async () => {
    const { browser } = setup();
    const path = consentPath({ application_id: DEMO.publishedApp.appId, state: 'st-1' });
    const first = await browser.get(path);
    expect(first.status).toBe(302);
    const signInUrl = new URL(first.headers.get('location')!, ORIGIN);
    expect(signInUrl.pathname).toBe('/ap/signin');
    expect(signInUrl.searchParams.get('return_to')).toBe(path);
    const page = await browser.get(signInUrl.pathname + signInUrl.search);
    expect(page.status).toBe(200);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await page.text()).toContain(NA.email);
    const signedIn = await browser.post('/ap/signin', {
      email: NA.email,
      password: DEMO.sellerPassword,
      return_to: path,
    });
    expect(signedIn.status).toBe(302);
    expect(signedIn.headers.get('location')).toBe(path);
    expect(browser.cookies.has('sc_session_na')).toBe(true);
    expect((await browser.get(path)).status).toBe(200);
  });

  it('refuses a wrong password and an unknown email', async () => {
    const { browser } = setup();
    const wrong = await browser.post('/ap/signin', {
      email: NA.email,
      password: 'nope',
      return_to: '/apps/manage',
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('Your password is incorrect.');
    const unknown = await browser.post('/ap/signin', { email: 'x@example.com', password: 'nope' });
    expect(await unknown.text()).toContain('cannot find an account');
    expect(browser.cookies.size).toBe(0);
  });

  it("lets a seller sign in only on their own region's Seller Central", async () => {
    const { browser } = setup();
    const onNa = await browser.post('/ap/signin', { email: EU.email, password: DEMO.sellerPassword });
    expect(onNa.status).toBe(403);
    const html = await onNa.text();
    expect(html).toContain('data-error-code="wrong_region"');
    expect(html).toContain('href="/eu/ap/signin"');
    expect(browser.cookies.size).toBe(0);
    await signIn(browser, EU.email, '/eu');
    expect(browser.cookies.has('sc_session_eu')).toBe(true);
  });

  it('does not follow a return_to that leaves the site', async () => {
    const { browser } = setup();
    const res = await browser.post('/ap/signin', {
      email: NA.email,
      password: DEMO.sellerPassword,
      return_to: '//evil.example/x',
    });
    expect(res.headers.get('location')).toBe('/apps/manage');
  });

  it('signs out', async () => {
    const { browser } = setup();
    await signIn(browser, NA.email);
    const manage = await browser.get('/apps/manage');
    const out = await browser.post('/ap/signout', { form_token: formToken(await manage.text()) });
    expect(out.status).toBe(200);
    expect(browser.cookies.size).toBe(0);
    expect((await browser.get('/apps/manage')).status).toBe(302);
  });
});

describe('consent page (website authorization workflow)', () => {
  it('runs sign in → consent → confirm → redirect with code → exchange', async () => {
    const { browser, sim, ctx } = setup();
    await signIn(browser, NA.email);
    const { res, html, token } = await openConsent(browser, {
      application_id: DEMO.publishedApp.appId,
      state: 'state-123',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    for (const text of [
      DEMO.publishedApp.name,
      NA.name,
      NA.sellingPartnerId,
      'NA',
      'Product Listing',
      'I have read',
    ]) {
      expect(html).toContain(text);
    }
    const confirm = await browser.post('/apps/authorize/consent', {
      form_token: token,
      application_id: DEMO.publishedApp.appId,
      state: 'state-123',
      agree: 'yes',
      action: 'confirm',
    });
    expect(confirm.status).toBe(302);
    expect(confirm.headers.get('referrer-policy')).toBe('no-referrer');
    const target = new URL(confirm.headers.get('location')!);
    expect(`${target.origin}${target.pathname}`).toBe(LANDING);
    expect(target.searchParams.get('state')).toBe('state-123');
    expect(target.searchParams.get('selling_partner_id')).toBe(NA.sellingPartnerId);
    expect(target.searchParams.has('mws_auth_token')).toBe(false);
    const code = target.searchParams.get('spapi_oauth_code')!;
    expect(code).toBeTruthy();

    const exchange = await sim.fetch(
      new Request(`${ORIGIN}/auth/o2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: LANDING,
          client_id: DEMO.publishedApp.clientId,
          client_secret: DEMO.publishedApp.clientSecret,
        }).toString(),
      }),
    );
    expect(exchange.status).toBe(200);
    const body = (await exchange.json()) as { refresh_token: string };
    const authorization = [...ctx.state.authorizations.values()][0]!;
    expect(body.refresh_token).toBe(authorization.refreshToken);
    expect(authorization).toMatchObject({
      sellingPartnerId: NA.sellingPartnerId,
      kind: 'oauth',
      region: 'NA',
    });
    expect(authorization.expiresAt).toBe(START + 365 * DAY);
  });

  it("authorizes the EU seller on EU's Seller Central", async () => {
    const { browser } = setup();
    await signIn(browser, EU.email, '/eu');
    const { html, token } = await openConsent(
      browser,
      { application_id: DEMO.publishedApp.appId, state: 's' },
      '/eu',
    );
    expect(html).toContain('action="/eu/apps/authorize/consent"');
    const confirm = await browser.post('/eu/apps/authorize/consent', {
      form_token: token,
      application_id: DEMO.publishedApp.appId,
      state: 's',
      agree: 'yes',
      action: 'confirm',
    });
    expect(new URL(confirm.headers.get('location')!).searchParams.get('selling_partner_id')).toBe(
      EU.sellingPartnerId,
    );
  });

  it('applies the version=beta rules for draft and published apps', async () => {
    const { browser } = setup();
    await signIn(browser, NA.email);
    const draftNoBeta = await openConsent(browser, { application_id: DEMO.draftApp.appId, state: 's' });
    expect(draftNoBeta.res.status).toBe(400);
    expect(draftNoBeta.html).toContain('data-error-code="draft_requires_beta"');
    const draftBeta = await openConsent(browser, {
      application_id: DEMO.draftApp.appId,
      state: 's',
      version: 'beta',
    });
    expect(draftBeta.res.status).toBe(200);
    expect(draftBeta.html).toContain('name="version" value="beta"');
    const publishedBeta = await openConsent(browser, {
      application_id: DEMO.publishedApp.appId,
      state: 's',
      version: 'beta',
    });
    expect(publishedBeta.res.status).toBe(400);
    expect(publishedBeta.html).toContain('data-error-code="beta_on_published_app"');
  });

  it('shows error pages for an unknown app, a missing state and an unregistered redirect_uri', async () => {
    const { browser } = setup();
    await signIn(browser, NA.email);
    const unknown = await openConsent(browser, { application_id: 'amzn1.sp.solution.nope', state: 's' });
    expect(unknown.res.status).toBe(404);
    expect(unknown.html).toContain('data-error-code="unknown_application"');
    const noState = await openConsent(browser, { application_id: DEMO.publishedApp.appId });
    expect(noState.res.status).toBe(400);
    expect(noState.html).toContain('data-error-code="missing_state"');
    const badUri = await openConsent(browser, {
      application_id: DEMO.publishedApp.appId,
      state: 's',
      redirect_uri: 'https://evil.example/cb',
    });
    expect(badUri.res.status).toBe(400);
    expect(badUri.res.headers.get('location')).toBeNull();
    expect(badUri.html).toContain('data-error-code="redirect_uri_not_registered"');
  });

  it('redirects to an explicit registered redirect_uri and binds the code to it', async () => {
    const { browser, ctx } = setup();
    await signIn(browser, NA.email);
    const query = { application_id: DEMO.publishedApp.appId, state: 's', redirect_uri: VENDOR_CB };
    const { token } = await openConsent(browser, query);
    const res = await browser.post('/apps/authorize/consent', {
      ...query,
      form_token: token,
      agree: 'yes',
      action: 'confirm',
    });
    const target = new URL(res.headers.get('location')!);
    expect(`${target.origin}${target.pathname}`).toBe(VENDOR_CB);
    expect(ctx.state.authCodes.get(target.searchParams.get('spapi_oauth_code')!)?.redirectUri).toBe(
      VENDOR_CB,
    );
  });

  it('asks again when Confirm is pressed without the checkbox', async () => {
    const { browser, ctx } = setup();
    await signIn(browser, NA.email);
    const { token } = await openConsent(browser, { application_id: DEMO.publishedApp.appId, state: 's' });
    const res = await browser.post('/apps/authorize/consent', {
      form_token: token,
      application_id: DEMO.publishedApp.appId,
      state: 's',
      action: 'confirm',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('Tick the box');
    expect(ctx.state.authorizations.size).toBe(0);
  });

  it('refuses a POST without the form token or from another site', async () => {
    const { browser, ctx } = setup();
    await signIn(browser, NA.email);
    const { token } = await openConsent(browser, { application_id: DEMO.publishedApp.appId, state: 's' });
    const fields = { application_id: DEMO.publishedApp.appId, state: 's', agree: 'yes', action: 'confirm' };
    const noToken = await browser.post('/apps/authorize/consent', fields);
    expect(noToken.status).toBe(403);
    expect(await noToken.text()).toContain('invalid_form_token');
    const crossSite = await browser.post(
      '/apps/authorize/consent',
      { ...fields, form_token: token },
      { origin: 'https://evil.example' },
    );
    expect(crossSite.status).toBe(403);
    expect(ctx.state.authorizations.size).toBe(0);
  });

  it.each([
    ['none', (u: URL) => expect(u.toString()).toBe(LANDING)],
    [
      'error',
      (u: URL) => {
        expect(u.searchParams.get('error')).toBe('access_denied');
        expect(u.searchParams.get('state')).toBe('s');
        expect(u.searchParams.has('spapi_oauth_code')).toBe(false);
      },
    ],
  ] as const)('Cancel with consentCancel=%s redirects accordingly', async (mode, check) => {
    const { browser, ctx } = setup({ consentCancel: mode });
    await signIn(browser, NA.email);
    const { token } = await openConsent(browser, { application_id: DEMO.publishedApp.appId, state: 's' });
    const res = await browser.post('/apps/authorize/consent', {
      form_token: token,
      application_id: DEMO.publishedApp.appId,
      state: 's',
      action: 'cancel',
    });
    expect(res.status).toBe(302);
    check(new URL(res.headers.get('location')!));
    expect(ctx.state.authorizations.size).toBe(0);
  });

  it('Cancel with consentCancel=stay shows a page', async () => {
    const { browser, ctx } = setup({ consentCancel: 'stay' });
    await signIn(browser, NA.email);
    const { token } = await openConsent(browser, { application_id: DEMO.publishedApp.appId, state: 's' });
    const res = await browser.post('/apps/authorize/consent', {
      form_token: token,
      application_id: DEMO.publishedApp.appId,
      state: 's',
      action: 'cancel',
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('You did not authorize');
    expect(ctx.state.authorizations.size).toBe(0);
  });
});

describe('landing page', () => {
  it('shows what Amazon sent and a curl command that exchanges the demo code', async () => {
    const { browser, sim } = setup();
    await signIn(browser, NA.email);
    const { token } = await openConsent(browser, { application_id: DEMO.publishedApp.appId, state: 'st-9' });
    const confirm = await browser.post('/apps/authorize/consent', {
      form_token: token,
      application_id: DEMO.publishedApp.appId,
      state: 'st-9',
      agree: 'yes',
      action: 'confirm',
    });
    const location = new URL(confirm.headers.get('location')!);
    const landing = await browser.get(location.pathname + location.search);
    expect(landing.status).toBe(200);
    expect(landing.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await landing.text();
    const code = location.searchParams.get('spapi_oauth_code')!;
    for (const text of ['st-9', NA.sellingPartnerId, code, '5 minutes', DEMO.publishedApp.clientId]) {
      expect(html).toContain(text);
    }
    // Run the command's fields against the token endpoint, as a newcomer pasting it would.
    const curl = /<pre data-curl="?[^>]*>([\s\S]*?)<\/pre>/
      .exec(html)![1]!
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
    expect(curl).toContain(`'${ORIGIN}/auth/o2/token'`);
    const fields = [...curl.matchAll(/--data-urlencode '([^=]+)=([^']*)'/g)].map((m) => [m[1]!, m[2]!]);
    const exchange = await sim.fetch(
      new Request(`${ORIGIN}/auth/o2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      }),
    );
    expect(exchange.status).toBe(200);
  });

  it('uses placeholders for a code of a non-demo app', async () => {
    const { browser, ctx } = setup();
    const app = addApp(ctx, { name: 'Private App', status: 'published', redirectUris: [LANDING] });
    await signIn(browser, NA.email);
    const { token } = await openConsent(browser, { application_id: app.appId, state: 's' });
    const confirm = await browser.post('/apps/authorize/consent', {
      form_token: token,
      application_id: app.appId,
      state: 's',
      agree: 'yes',
      action: 'confirm',
    });
    const location = new URL(confirm.headers.get('location')!);
    const html = await (await browser.get(location.pathname + location.search)).text();
    expect(html).toContain('&lt;your LWA client secret&gt;');
    expect(html).not.toContain(app.clientSecrets[0]!.secret);
  });
});

describe('form origin checks (real browsers)', () => {
  it('accepts Origin: null when Sec-Fetch-Site says same-origin, as Chromium sends from no-referrer pages', async () => {
    const { browser } = setup();
    const ok = await browser.post(
      '/ap/signin',
      { email: NA.email, password: DEMO.sellerPassword, return_to: '/apps/manage' },
      { origin: 'null', 'sec-fetch-site': 'same-origin' },
    );
    expect(ok.status).toBe(302);
    expect(browser.cookies.has('sc_session_na')).toBe(true);
  });

  it('refuses same-site and cross-site posts even with a plausible Origin', async () => {
    for (const site of ['same-site', 'cross-site']) {
      const { browser } = setup();
      const refused = await browser.post(
        '/ap/signin',
        { email: NA.email, password: DEMO.sellerPassword, return_to: '/apps/manage' },
        { origin: ORIGIN, 'sec-fetch-site': site },
      );
      expect(refused.status).toBe(403);
      expect(browser.cookies.size).toBe(0);
    }
  });
});
