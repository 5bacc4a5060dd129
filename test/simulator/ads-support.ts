import { expect } from 'vitest';
import { createManualClock } from '../../src/kernel/clock.js';
import { createSimulator, type Simulator } from '../../src/simulator/app.js';
import { DEMO, seedDemo } from '../../src/simulator/seed.js';
import { controlRequest } from '../support/sim-control.js';
import { Browser } from './sim-browser.js';

/** Shared world and helpers of the Amazon Ads simulator tests. */

export const ORIGIN = 'http://sim.test';
/** After 2026-06-30: consents given now expire after 365 days. */
export const START = Date.UTC(2026, 10, 1, 12, 0, 0);
export const ADS_CB = 'https://app.example/oauth/ads/callback';
export const ADS = DEMO.ads;
export const SCOPE = 'advertising::campaign_management';
export const PREFIXES = { NA: '/na', EU: '/eu', FE: '/fe' } as const;

/** A simulator with the demo seed (Ads return URL `ADS_CB`) on manual simulated and real clocks. */
export function setupAds(start = START) {
  const clock = createManualClock(start);
  const realClock = createManualClock(start);
  const sim = createSimulator({ clock, realClock });
  seedDemo(sim.ctx, { redirectUris: [`${ORIGIN}/_sim/landing`], adsReturnUrls: [ADS_CB] });
  return { sim, ctx: sim.ctx, clock, realClock, browser: new Browser(sim) };
}

/** The consent URL query for the demo Ads client. */
export function oaQuery(overrides: Record<string, string | undefined> = {}): string {
  const fields: Record<string, string | undefined> = {
    client_id: ADS.client.clientId,
    scope: SCOPE,
    response_type: 'code',
    redirect_uri: ADS_CB,
    state: 'st-1',
    ...overrides,
  };
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) query.set(k, v);
  return query.toString();
}

/** The hidden fields of the first form on a page (name → value). */
export function hiddenFields(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
    out[m[1]!] = m[2]!
      .replace(/&amp;/g, '&')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'");
  }
  return out;
}

/** Signs in (unless already signed in) on the consent page of a region; returns the consent page's HTML. */
export async function signInAds(
  browser: Browser,
  prefix: string,
  email: string,
  query = oaQuery(),
): Promise<string> {
  const first = await browser.get(`${prefix}/ap/oa?${query}`);
  expect(first.status).toBe(200);
  const signInPage = await first.text();
  if (signInPage.includes('id="ads-allow"')) return signInPage; // already signed in
  expect(signInPage).toContain('id="ads-signin"');
  const signedIn = await browser.post(`${prefix}/ap/oa/signin`, {
    ...hiddenFields(signInPage),
    email,
    password: DEMO.sellerPassword,
  });
  expect(signedIn.status).toBe(302);
  const back = await browser.get(signedIn.headers.get('location')!);
  expect(back.status).toBe(200);
  return back.text();
}

/** Presses a consent button; returns the redirect target. */
export async function pressConsent(
  browser: Browser,
  prefix: string,
  consentHtml: string,
  action: 'allow' | 'cancel',
): Promise<URL> {
  const res = await browser.post(`${prefix}/ap/oa/consent`, { ...hiddenFields(consentHtml), action });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location')!);
}

/** The whole consent in a region for a demo user: the code from the redirect. */
export async function consentCode(
  browser: Browser,
  prefix: string,
  email: string = DEMO.sellers[0].email,
): Promise<string> {
  const html = await signInAds(browser, prefix, email);
  const target = await pressConsent(browser, prefix, html, 'allow');
  const code = target.searchParams.get('code');
  expect(code).toBeTruthy();
  return code!;
}

/** POSTs a form to a token endpoint path. */
export function tokenRequest(sim: Simulator, fields: Record<string, string>, path = '/auth/o2/token') {
  return sim.fetch(
    new Request(`${ORIGIN}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    }),
  );
}

/** Exchanges a code of the demo Ads client. */
export async function exchangeCode(
  sim: Simulator,
  code: string,
  path = '/auth/o2/token',
): Promise<{ access_token: string; refresh_token: string; token_type: string; expires_in: number }> {
  const res = await tokenRequest(
    sim,
    {
      grant_type: 'authorization_code',
      code,
      redirect_uri: ADS_CB,
      client_id: ADS.client.clientId,
      client_secret: ADS.client.clientSecret,
    },
    path,
  );
  expect(res.status).toBe(200);
  return (await res.json()) as {
    access_token: string;
    refresh_token: string;
    token_type: string;
    expires_in: number;
  };
}

/** A refresh with the demo Ads client. */
export function refresh(sim: Simulator, refreshToken: string, path = '/auth/o2/token'): Promise<Response> {
  return tokenRequest(
    sim,
    {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: ADS.client.clientId,
      client_secret: ADS.client.clientSecret,
    },
    path,
  );
}

/** Consent in NA for the demo advertiser and exchange: the token pair. */
export async function demoTokens(t: ReturnType<typeof setupAds>, email: string = DEMO.sellers[0].email) {
  return exchangeCode(t.sim, await consentCode(t.browser, '/na', email));
}

/** Calls the Ads API. */
export function adsCall(
  sim: Simulator,
  path: string,
  options: { token?: string; clientId?: string | null; scope?: string; body?: unknown; host?: string } = {},
): Promise<Response> {
  const headers = new Headers();
  if (options.token !== undefined) headers.set('authorization', `Bearer ${options.token}`);
  if (options.clientId !== null)
    headers.set('amazon-advertising-api-clientid', options.clientId ?? ADS.client.clientId);
  if (options.scope !== undefined) headers.set('amazon-advertising-api-scope', options.scope);
  if (options.host !== undefined) headers.set('host', options.host);
  const init: RequestInit = { headers };
  if (options.body !== undefined) {
    headers.set('content-type', 'application/vnd.spCampaign.v3+json');
    headers.set('accept', 'application/vnd.spCampaign.v3+json');
    init.method = 'POST';
    init.body = JSON.stringify(options.body);
  }
  const base = options.host === undefined ? ORIGIN : `http://${options.host}`;
  return sim.fetch(new Request(`${base}${path}`, init));
}

/** Calls a `/_sim/` control with a JSON body. */
export async function control(
  sim: Simulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const init: RequestInit = { method };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await sim.fetch(controlRequest(sim, `${ORIGIN}${path}`, init));
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
