import { describe, expect, it } from 'vitest';
import { MINUTE, SECOND } from '../../src/kernel/clock.js';
import { DEMO } from '../../src/simulator/seed.js';
import {
  ADS,
  ADS_CB,
  ORIGIN,
  PREFIXES,
  START,
  consentCode,
  exchangeCode,
  hiddenFields,
  oaQuery,
  pressConsent,
  refresh,
  setupAds,
  signInAds,
  tokenRequest,
} from './ads-support.js';

const NA_EMAIL = DEMO.sellers[0].email;

describe('Ads consent (/ap/oa) per region', () => {
  it.each([
    ['NA', '/auth/o2/token'],
    ['EU', '/eu/auth/o2/token'],
    ['FE', '/fe/auth/o2/token'],
  ] as const)('runs sign-in → Allow → code → token → refresh in %s', async (region, tokenPath) => {
    const t = setupAds();
    const prefix = PREFIXES[region];
    const html = await signInAds(t.browser, prefix, NA_EMAIL);
    expect(html).toContain(`${ADS.client.name} would like to access your Amazon Advertising data`);
    expect(html).toContain('id="ads-allow"');
    expect(html).toContain('id="ads-cancel"');
    expect(html).toContain('Not you? Sign out');
    expect(t.browser.cookies.has(`ads_session_${region.toLowerCase()}`)).toBe(true);

    const target = await pressConsent(t.browser, prefix, html, 'allow');
    expect(`${target.origin}${target.pathname}`).toBe(ADS_CB);
    expect(target.searchParams.get('scope')).toBe('advertising::campaign_management');
    expect(target.searchParams.get('state')).toBe('st-1');
    const code = target.searchParams.get('code')!;
    expect(code).toMatch(/^AN/);

    const tokens = await exchangeCode(t.sim, code, tokenPath);
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.expires_in).toBe(3600);
    expect(tokens.access_token).toMatch(/^Atza\|/);
    expect(tokens.refresh_token).toMatch(/^Atzr\|/);

    const [authorization] = [...t.ctx.state.adsAuthorizations.values()];
    expect(authorization).toMatchObject({
      clientId: ADS.client.clientId,
      advertiserId: ADS.advertiser.id,
      region,
      consentedAt: START,
    });

    const again = await refresh(t.sim, tokens.refresh_token, tokenPath);
    expect(again.status).toBe(200);
    const body = (await again.json()) as Record<string, unknown>;
    expect(body.refresh_token).toBe(tokens.refresh_token);
    expect(body.access_token).not.toBe(tokens.access_token);
    // Logged as LWA calls, with a note naming the Ads grant.
    const notes = t.ctx.state.requestLog.filter((e) => e.operation === 'lwa').map((e) => e.note);
    expect(notes).toEqual(['ads:code', 'ads:refresh']);
  });

  it('accepts the real consent hosts as the region', async () => {
    const t = setupAds();
    const res = await t.sim.fetch(
      new Request(`http://eu.account.amazon.com/ap/oa?${oaQuery()}`, {
        headers: { host: 'eu.account.amazon.com' },
      }),
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('region EU');
  });

  it('gives each consent a new refresh token and keeps the earlier one working', async () => {
    const t = setupAds();
    const first = await exchangeCode(t.sim, await consentCode(t.browser, '/na'));
    const second = await exchangeCode(t.sim, await consentCode(t.browser, '/na'));
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect((await refresh(t.sim, first.refresh_token)).status).toBe(200);
    expect(t.ctx.state.adsAuthorizations.size).toBe(2);
  });
});

describe('Ads consent refusals', () => {
  it('redirects Cancel with access_denied', async () => {
    const t = setupAds();
    const html = await signInAds(t.browser, '/na', NA_EMAIL);
    const target = await pressConsent(t.browser, '/na', html, 'cancel');
    expect(`${target.origin}${target.pathname}`).toBe(ADS_CB);
    expect(target.searchParams.get('error')).toBe('access_denied');
    expect(target.searchParams.get('error_description')).toBe('The user denied the request');
    expect(target.searchParams.get('state')).toBe('st-1');
    expect(target.search).toContain('error_description=The+user+denied+the+request');
    expect(t.ctx.state.adsAuthorizations.size).toBe(0);
  });

  it('redirects an unapproved client with invalid_scope', async () => {
    const t = setupAds();
    const res = await t.browser.get(`/na/ap/oa?${oaQuery({ client_id: ADS.unapprovedClient.clientId })}`);
    expect(res.status).toBe(302);
    const target = new URL(res.headers.get('location')!);
    expect(`${target.origin}${target.pathname}`).toBe(ADS_CB);
    expect(target.searchParams.get('error')).toBe('invalid_scope');
    expect(target.search).toContain('error_description=An+unknown+scope+was+requested');
    expect(target.searchParams.get('state')).toBe('st-1');
  });

  it('redirects an unknown scope with invalid_scope and a wrong response_type with unsupported_response_type', async () => {
    const t = setupAds();
    const scope = await t.browser.get(`/eu/ap/oa?${oaQuery({ scope: 'advertising::amazon_stores_view' })}`);
    expect(new URL(scope.headers.get('location')!).searchParams.get('error')).toBe('invalid_scope');
    const legacy = await t.browser.get(
      `/eu/ap/oa?${oaQuery({ scope: 'cpc_advertising:campaign_management profile' })}`,
    );
    expect(legacy.status).toBe(200);
    const type = await t.browser.get(`/eu/ap/oa?${oaQuery({ response_type: 'token' })}`);
    expect(type.status).toBe(302);
    expect(new URL(type.headers.get('location')!).searchParams.get('error')).toBe(
      'unsupported_response_type',
    );
  });

  it('shows a 400 page, never a redirect, for an unregistered redirect URI or an unknown client', async () => {
    const t = setupAds();
    const res = await t.browser.get(`/na/ap/oa?${oaQuery({ redirect_uri: 'https://evil.example/cb' })}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    const html = await res.text();
    expect(html).toContain('The redirect URI you provided has not been whitelisted for your application');
    expect(html).toContain('lwa-invalid-parameter-bad-redirect-uri-vendor');
    const unknown = await t.browser.get(
      `/na/ap/oa?${oaQuery({ client_id: 'amzn1.application-oa2-client.nope' })}`,
    );
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('location')).toBeNull();
  });

  it('shows the sign-in form again for a wrong password or an unknown email', async () => {
    const t = setupAds();
    const page = await (await t.browser.get(`/na/ap/oa?${oaQuery()}`)).text();
    const wrong = await t.browser.post('/na/ap/oa/signin', {
      ...hiddenFields(page),
      email: NA_EMAIL,
      password: 'not-the-password',
    });
    expect(wrong.status).toBe(400);
    const html = await wrong.text();
    expect(html).toContain('Your password is incorrect.');
    expect(html).toContain('id="ads-signin"');
    expect(hiddenFields(html).client_id).toBe(ADS.client.clientId);
    const unknown = await t.browser.post('/na/ap/oa/signin', {
      ...hiddenFields(page),
      email: 'nobody@example.com',
      password: 'x',
    });
    expect(await unknown.text()).toContain('We cannot find an account with that email address.');
    expect(t.browser.cookies.size).toBe(0);
  });

  it('keeps sign-ins per region and signs out', async () => {
    const t = setupAds();
    await signInAds(t.browser, '/na', NA_EMAIL);
    const eu = await t.browser.get(`/eu/ap/oa?${oaQuery()}`);
    expect(await eu.text()).toContain('id="ads-signin"');
    const out = await t.browser.get(`/na/ap/oa/signout?${oaQuery()}`);
    expect(out.status).toBe(302);
    expect(t.browser.cookies.has('ads_session_na')).toBe(false);
    expect(await (await t.browser.get(out.headers.get('location')!)).text()).toContain('id="ads-signin"');
  });

  it('refuses a consent POST without the form token of the session', async () => {
    const t = setupAds();
    const html = await signInAds(t.browser, '/na', NA_EMAIL);
    const fields = { ...hiddenFields(html), form_token: 'forged', action: 'allow' };
    const res = await t.browser.post('/na/ap/oa/consent', fields);
    expect(res.status).toBe(403);
    const crossSite = await t.browser.post(
      '/na/ap/oa/consent',
      { ...hiddenFields(html), action: 'allow' },
      {
        origin: 'https://evil.example',
      },
    );
    expect(crossSite.status).toBe(403);
    expect(t.ctx.state.adsAuthorizations.size).toBe(0);
  });
});

describe('Ads authorization codes', () => {
  const exchange = (t: ReturnType<typeof setupAds>, code: string, overrides: Record<string, string> = {}) =>
    tokenRequest(t.sim, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: ADS_CB,
      client_id: ADS.client.clientId,
      client_secret: ADS.client.clientSecret,
      ...overrides,
    });

  it('is single use', async () => {
    const t = setupAds();
    const code = await consentCode(t.browser, '/na');
    expect((await exchange(t, code)).status).toBe(200);
    const second = await exchange(t, code);
    expect(second.status).toBe(400);
    expect(await second.json()).toEqual({
      error_description: 'The request has an invalid grant parameter : code',
      error: 'invalid_grant',
    });
  });

  it('expires after 5 minutes', async () => {
    const t = setupAds();
    const code = await consentCode(t.browser, '/na');
    t.clock.advance(5 * MINUTE - SECOND);
    const stillOk = await consentCode(t.browser, '/na');
    t.clock.advance(SECOND);
    expect((await exchange(t, code)).status).toBe(400);
    expect((await exchange(t, stillOk)).status).toBe(200);
  });

  it('is bound to the redirect URI and the client', async () => {
    const t = setupAds();
    const code = await consentCode(t.browser, '/na');
    expect((await exchange(t, code, { redirect_uri: `${ORIGIN}/_sim/landing` })).status).toBe(400);
    const other = await exchange(t, code, {
      client_id: ADS.unapprovedClient.clientId,
      client_secret: ADS.unapprovedClient.clientSecret,
    });
    expect(other.status).toBe(400);
    expect((await exchange(t, code)).status).toBe(200);
  });

  it('answers invalid_client for a wrong secret', async () => {
    const t = setupAds();
    const code = await consentCode(t.browser, '/na');
    const res = await exchange(t, code, { client_secret: 'wrong' });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
  });

  it('does not let an SP-API app use an Ads code, nor an Ads client an SP-API grant type', async () => {
    const t = setupAds();
    const code = await consentCode(t.browser, '/na');
    const spApi = await exchange(t, code, {
      client_id: DEMO.publishedApp.clientId,
      client_secret: DEMO.publishedApp.clientSecret,
    });
    expect(spApi.status).toBe(400);
    const grantless = await tokenRequest(t.sim, {
      grant_type: 'client_credentials',
      scope: 'sellingpartnerapi::notifications',
      client_id: ADS.client.clientId,
      client_secret: ADS.client.clientSecret,
    });
    expect(grantless.status).toBe(400);
    expect(((await grantless.json()) as { error: string }).error).toBe('invalid_scope');
  });
});
