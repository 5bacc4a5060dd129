import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../src/simulator/seed.js';
import { findForm, type BrowserPage, type HttpBrowser } from '../support/http-browser.js';
import { inProcessBrowser } from '../support/in-process.js';
import {
  approveOnAmazon,
  demoSeller,
  pressConnect,
  signedInBrowser,
  type RegionCode,
} from '../support/portal.js';
import { auditSince, connectionRows, lastAuditId, messageOf } from '../support/security.js';
import { startTestService, type TestService } from '../support/service.js';

/**
 * Every failure of the OAuth callback, driven for real through the portal (in process) and the
 * simulator (over HTTP), shows a clear page, stores nothing, and writes an audit entry.
 */
describe('every failure of the OAuth callback', () => {
  let svc: TestService;
  let browser: HttpBrowser;
  let demoAccountId: string;

  beforeAll(async () => {
    svc = await startTestService();
    browser = await signedInBrowser(svc);
    demoAccountId = (
      await svc.service.store.db
        .selectFrom('accounts')
        .select('id')
        .where('name', '=', 'Demo Seller Co')
        .executeTakeFirstOrThrow()
    ).id;
  });
  afterAll(async () => svc.stop());
  afterEach(async () => {
    await svc.sim('/_sim/faults', undefined, 'DELETE');
  });

  /** Presses Connect, signs in on the simulated Seller Central if asked, and stops at the consent page. */
  async function toConsent(
    b: HttpBrowser,
    region: RegionCode = 'NA',
  ): Promise<{ page: BrowserPage; state: string }> {
    let page = await pressConnect(b, svc, region);
    expect(page.url.startsWith(svc.simUrl)).toBe(true);
    if (/name="password"/.test(page.text)) {
      page = await b.submit(
        page,
        { email: demoSeller(region).email, password: DEMO.sellerPassword },
        { action: '/ap/signin' },
      );
    }
    const form = findForm(page.text, page.url, { action: /\/apps\/authorize\/consent/ });
    expect(form.fields.state).toBeTruthy();
    return { page, state: form.fields.state! };
  }

  /** Runs a flow up to Amazon's redirect to our callback and returns that URL, not followed. */
  async function callbackUrl(b: HttpBrowser = browser, region: RegionCode = 'NA'): Promise<URL> {
    const { page } = await toConsent(b, region);
    const redirect = await approveOnAmazon(b, page, demoSeller(region).email, false);
    expect(redirect.status).toBe(302);
    const url = new URL(redirect.location!);
    expect(`${url.origin}${url.pathname}`).toBe(`${svc.url}/oauth/callback`);
    expect(url.searchParams.get('spapi_oauth_code')).toBeTruthy();
    return url;
  }

  /** The same callback URL with a changed query. */
  function withQuery(url: URL, edit: (q: URLSearchParams) => void): string {
    const next = new URL(url);
    edit(next.searchParams);
    return next.toString();
  }

  interface Expected {
    status: number;
    code: string;
    words: RegExp;
    /** The account the audit entry is filed under (default: the demo account). */
    accountId?: string | null;
    /** The audit actor (default: the demo user). */
    actor?: string;
  }

  /** Asserts the refusal page, that no connection changed, and the one failure audit entry. */
  async function expectRefused(
    page: BrowserPage,
    before: { rows: Awaited<ReturnType<typeof connectionRows>>; auditId: string },
    expected: Expected,
  ): Promise<void> {
    expect(page.url).toContain('/oauth/callback');
    expect(page.status).toBe(expected.status);
    const shown = messageOf(page);
    expect(shown.code).toBe(expected.code);
    expect(shown.title.length).toBeGreaterThan(5);
    expect(shown.message).toMatch(expected.words);
    expect(shown.message).toMatch(/nothing (more )?was (connected|changed)/i);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await connectionRows(svc)).toEqual(before.rows);
    const written = await auditSince(svc, before.auditId);
    expect(written.filter((e) => e.outcome === 'success')).toEqual([]);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({
      action: 'oauth.callback',
      outcome: 'failure',
      account_id: expected.accountId === undefined ? demoAccountId : expected.accountId,
      actor: expected.actor ?? `user:${svc.demo.username}`,
    });
    expect(written[0]!.detail).toMatchObject({ code: expected.code });
    expect(written[0]!.detail.reason).toBe(shown.message);
  }

  const snapshot = async () => ({ rows: await connectionRows(svc), auditId: await lastAuditId(svc) });

  it("Cancel on Amazon's consent page (redirect with no parameters) shows the calm page and stores nothing", async () => {
    const { page } = await toConsent(browser);
    const before = await snapshot();
    const cancelled = await browser.submit(
      page,
      { action: 'cancel' },
      { action: /\/apps\/authorize\/consent/, followRedirects: false },
    );
    expect(cancelled.status).toBe(302);
    expect(cancelled.location).toBe(`${svc.url}/oauth/callback`);
    const back = await browser.get(cancelled.location!);
    // Not an error: the calm "Nothing was connected" page (200), no reference code to quote.
    await expectRefused(back, before, { status: 200, code: 'OAUTH_CALLBACK_INVALID', words: /Cancel/ });
    expect(messageOf(back).title).toBe('Nothing was connected');
    expect(back.text).not.toContain('Reference:');
  });

  it('an Amazon error callback is refused as "not granted": calmly for access_denied (Cancel), with a reference otherwise', async () => {
    const { state } = await toConsent(browser);
    for (const [query, calm] of [
      [`error=access_denied&state=${state}`, true],
      [`error=access_denied&error_description=The+user+denied+the+request&state=${state}`, true],
      ['error=server_error', false],
    ] as const) {
      const before = await snapshot();
      const page = await browser.get(`${svc.url}/oauth/callback?${query}`);
      await expectRefused(page, before, {
        status: calm ? 200 : 400,
        code: 'OAUTH_CONSENT_DENIED',
        words: /not granted/,
      });
      expect(messageOf(page).title).toBe(calm ? 'Nothing was connected' : 'Authorization not granted');
      expect(page.text.includes('Reference:')).toBe(!calm);
      const [entry] = await auditSince(svc, before.auditId);
      expect(entry!.detail.amazonError).toBe(new URLSearchParams(query).get('error'));
    }
  });

  it('missing parameters are refused, naming what is missing', async () => {
    const url = await callbackUrl();
    for (const name of ['state', 'selling_partner_id', 'spapi_oauth_code']) {
      const before = await snapshot();
      const page = await browser.get(withQuery(url, (q) => q.delete(name)));
      await expectRefused(page, before, {
        status: 400,
        code: 'OAUTH_CALLBACK_INVALID',
        words: new RegExp(`missing ${name}`),
      });
    }
    // An empty value counts as missing too.
    const before = await snapshot();
    const page = await browser.get(withQuery(url, (q) => q.set('spapi_oauth_code', '')));
    await expectRefused(page, before, {
      status: 400,
      code: 'OAUTH_CALLBACK_INVALID',
      words: /missing spapi_oauth_code/,
    });
  });

  it('extra and repeated parameters are refused; the untouched link still completes afterwards', async () => {
    const url = await callbackUrl();
    const cases: [string, (q: URLSearchParams) => void, RegExp][] = [
      ['extra', (q) => q.set('redirect_to', 'https://evil.example/'), /unexpected redirect_to/],
      ['repeated state', (q) => q.append('state', 'x'.repeat(43)), /repeated state/],
      ['repeated code', (q) => q.append('spapi_oauth_code', 'ANOTHERCODE'), /repeated spapi_oauth_code/],
      ['repeated seller', (q) => q.append('selling_partner_id', 'A2OTHER'), /repeated selling_partner_id/],
      ['overlong value', (q) => q.set('state', 's'.repeat(500)), /too long/],
    ];
    for (const [, edit, words] of cases) {
      const before = await snapshot();
      const page = await browser.get(withQuery(url, edit));
      await expectRefused(page, before, { status: 400, code: 'OAUTH_CALLBACK_INVALID', words });
    }
    // None of the refusals used up the state or the code: the genuine callback still works.
    const done = await browser.get(url.toString());
    expect(done.status).toBe(200);
    expect(done.url).toMatch(/notice=(connected|renewed)/);
  });

  it('a forged (random) state is refused as unknown', async () => {
    const url = await callbackUrl();
    const before = await snapshot();
    const forged = randomBytes(32).toString('base64url');
    const page = await browser.get(withQuery(url, (q) => q.set('state', forged)));
    await expectRefused(page, before, {
      status: 400,
      code: 'OAUTH_STATE_UNKNOWN',
      words: /not one Sellerlink issued/,
    });
  });

  it('an expired state (consent completed after more than 10 minutes) is refused', async () => {
    const { page } = await toConsent(browser);
    await svc.sim('/_sim/clock/advance', { minutes: 11 });
    const before = await snapshot();
    const back = await approveOnAmazon(browser, page, demoSeller('NA').email);
    await expectRefused(back, before, {
      status: 400,
      code: 'OAUTH_STATE_EXPIRED',
      words: /longer than 10 minutes/,
    });
  });

  it('a replayed callback (the same link again after success) is refused and changes nothing', async () => {
    const url = await callbackUrl();
    const first = await browser.get(url.toString());
    expect(first.url).toMatch(/notice=(connected|renewed)/);
    const before = await snapshot();
    const again = await browser.get(url.toString());
    await expectRefused(again, before, {
      status: 400,
      code: 'OAUTH_STATE_REPLAYED',
      words: /already used/,
    });
  });

  it('two simultaneous uses of one callback link: exactly one connects, the other is refused as replayed', async () => {
    const url = await callbackUrl(browser, 'FE');
    const before = await snapshot();
    const pages = await Promise.all([browser.get(url.toString()), browser.get(url.toString())]);
    const ok = pages.filter((p) => /notice=(connected|renewed)/.test(p.url));
    const refused = pages.filter((p) => p.status === 400);
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(messageOf(refused[0]!).code).toBe('OAUTH_STATE_REPLAYED');
    const after = await connectionRows(svc);
    expect(after).toHaveLength(before.rows.length + 1);
    const written = await auditSince(svc, before.auditId);
    expect(written.map((e) => `${e.action}:${e.outcome}`).sort()).toEqual([
      'connection.connected:success',
      'oauth.callback:failure',
    ]);
  });

  it("a state from another session is refused: the same user's other browser, and a signed-out browser", async () => {
    const url = await callbackUrl();
    const other = await signedInBrowser(svc);
    let before = await snapshot();
    const page = await other.get(url.toString());
    await expectRefused(page, before, {
      status: 400,
      code: 'OAUTH_STATE_OTHER_SESSION',
      words: /another browser session/,
    });

    const anonymous = inProcessBrowser(svc);
    before = await snapshot();
    const signedOut = await anonymous.get(url.toString());
    await expectRefused(signedOut, before, {
      status: 400,
      code: 'OAUTH_STATE_OTHER_SESSION',
      words: /another browser session/,
      actor: 'anonymous',
    });
    expect(signedOut.text).toContain('href="/login"');
  });

  it('an expired authorization code (followed after more than 5 minutes) is refused by Amazon and reported', async () => {
    const url = await callbackUrl();
    await svc.sim('/_sim/clock/advance', { minutes: 6 });
    const before = await snapshot();
    const page = await browser.get(url.toString());
    await expectRefused(page, before, {
      status: 400,
      code: 'OAUTH_CODE_REJECTED',
      words: /expired \(codes last 5 minutes\)/,
    });
    const [entry] = await auditSince(svc, before.auditId);
    expect(entry!.detail.amazon).toBe('LWA_INVALID_GRANT');
  });

  it("a reused authorization code (flow B's state with flow A's code) is refused", async () => {
    const a = await callbackUrl();
    const done = await browser.get(a.toString());
    expect(done.url).toMatch(/notice=(connected|renewed)/);
    const b = await callbackUrl();
    const before = await snapshot();
    const page = await browser.get(
      withQuery(b, (q) => {
        q.set('spapi_oauth_code', a.searchParams.get('spapi_oauth_code')!);
        q.set('selling_partner_id', a.searchParams.get('selling_partner_id')!);
      }),
    );
    await expectRefused(page, before, {
      status: 400,
      code: 'OAUTH_CODE_REJECTED',
      words: /already used/,
    });
  });

  for (const kind of ['500', '503'] as const) {
    it(`an exchange failure (LWA answers ${kind}) is refused and reported`, async () => {
      const url = await callbackUrl();
      await svc.sim('/_sim/faults', { operation: 'lwa', kind, share: 1 });
      const before = await snapshot();
      const page = await browser.get(url.toString());
      await expectRefused(page, before, {
        status: 502,
        code: 'OAUTH_EXCHANGE_FAILED',
        words: /Amazon did not complete the authorization/,
      });
      const [entry] = await auditSince(svc, before.auditId);
      expect(entry!.detail.amazon).toBe(kind === '503' ? 'LWA_UNAVAILABLE' : 'LWA_SERVER_ERROR');
    });
  }

  it('a network error during the exchange (connection dropped) is refused and reported', async () => {
    const url = await callbackUrl();
    await svc.sim('/_sim/faults', { operation: 'lwa', kind: 'drop', share: 1 });
    const before = await snapshot();
    const page = await browser.get(url.toString());
    await expectRefused(page, before, {
      status: 502,
      code: 'OAUTH_EXCHANGE_FAILED',
      words: /could not reach Amazon/,
    });
    const [entry] = await auditSince(svc, before.auditId);
    expect(entry!.detail.amazon).toBe('AMAZON_NETWORK');
  });

  it('a renewal whose exchange fails leaves the connection exactly as it was', async () => {
    const [existing] = (await connectionRows(svc)).filter((r) => r.region === 'NA');
    const detail = await browser.get(`${svc.url}/connections/${existing!.id}`);
    const amazon = await browser.submit(detail, {}, { action: `/connections/${existing!.id}/renew` });
    const redirect = await approveOnAmazon(browser, amazon, demoSeller('NA').email, false);
    await svc.sim('/_sim/faults', { operation: 'lwa', kind: '500', share: 1 });
    const before = await snapshot();
    const page = await browser.get(redirect.location!);
    await expectRefused(page, before, {
      status: 502,
      code: 'OAUTH_EXCHANGE_FAILED',
      words: /Amazon did not complete the authorization/,
    });
    const [entry] = await auditSince(svc, before.auditId);
    expect(entry!.connection_id).toBe(existing!.id);
  });

  it('after every refusal, a fresh flow still connects (nothing was left half-done)', async () => {
    const url = await callbackUrl(browser, 'EU');
    const page = await browser.get(url.toString());
    expect(page.url).toMatch(/notice=(connected|renewed)/);
    const rows = await connectionRows(svc);
    expect(rows.map((r) => `${r.region}:${r.selling_partner_id}:${r.state}`).sort()).toEqual([
      'EU:A1DEMOSELLEREU:active',
      'FE:A1DEMOSELLERFE:active',
      'NA:A1DEMOSELLERNA:active',
    ]);
  });
});
