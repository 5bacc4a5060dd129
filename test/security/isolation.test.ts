import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccounts } from '../../src/accounts/service.js';
import { cryptoRandom } from '../../src/kernel/random.js';
import { DEMO } from '../../src/simulator/seed.js';
import { findForm, type BrowserPage, type HttpBrowser } from '../support/http-browser.js';
import {
  approveOnAmazon,
  connectionIdOf,
  connectRegion,
  pressConnect,
  signedInBrowser,
} from '../support/portal.js';
import { auditSince, connectionRows, lastAuditId, messageOf } from '../support/security.js';
import { startTestService, type TestService } from '../support/service.js';

/**
 * One account cannot read, renew or disconnect another account's connection (an
 * operator sees all), and forms are protected from cross-site requests: a POST without the session's
 * CSRF token, with another session's token, or from another site is refused and changes nothing.
 */
describe('accounts are isolated from each other, and forms from other sites', () => {
  let svc: TestService;
  let demo: HttpBrowser;
  let other: HttpBrowser;
  let operator: HttpBrowser;
  const ids = { demoNA: '', demoEU: '', otherNA: '' };
  const accountIds = { demo: '', other: '' };
  const password = 'correct horse battery';
  const OTHER_SELLER = 'A2ISOLATEDNA';

  beforeAll(async () => {
    svc = await startTestService();
    const accounts = createAccounts({ db: svc.store.db, clock: svc.service.clock, random: cryptoRandom });
    const otherAccount = await accounts.createAccount('Other Seller Ltd');
    accountIds.other = otherAccount.id;
    accountIds.demo = (await accounts.findAccount('Demo Seller Co'))!.id;
    await accounts.addUser({ accountId: otherAccount.id, username: 'other-owner', password, role: 'owner' });
    await accounts.addUser({ accountId: null, username: 'ops', password, role: 'operator' });
    await svc.sim('/_sim/sellers', {
      name: 'Isolated Goods (NA)',
      region: 'NA',
      marketplaceIds: ['ATVPDKIKX0DER'],
      users: [{ email: 'isolated-na@example.com', password: DEMO.sellerPassword }],
      sellingPartnerId: OTHER_SELLER,
    });

    demo = await signedInBrowser(svc);
    ids.demoNA = connectionIdOf((await connectRegion(demo, svc, 'NA')).url);
    ids.demoEU = connectionIdOf((await connectRegion(demo, svc, 'EU')).url);
    other = await signedInBrowser(svc, 'other-owner', password);
    ids.otherNA = connectionIdOf(
      (await approveOnAmazon(other, await pressConnect(other, svc, 'NA'), 'isolated-na@example.com')).url,
    );
    operator = await signedInBrowser(svc, 'ops', password);
  });
  afterAll(async () => svc.stop());

  /** The connection ids a connections list shows. */
  const listed = (page: BrowserPage): string[] =>
    [...page.text.matchAll(/data-connection="([0-9a-f-]{36})"/g)].map((m) => m[1]!).sort();

  /** A form field of a page (the session's CSRF token, for example). */
  const csrfOf = (page: BrowserPage): string =>
    findForm(page.text, page.url, { action: '/logout' }).fields._csrf!;

  const oauthStateCount = async () =>
    (await svc.store.db.selectFrom('oauth_states').select('state_hash').execute()).length;

  /** Runs `step` and asserts that no connection, OAuth state or audit entry changed. */
  async function changesNothing(step: () => Promise<void>): Promise<void> {
    const rows = await connectionRows(svc);
    const states = await oauthStateCount();
    const audit = await lastAuditId(svc);
    await step();
    expect(await connectionRows(svc)).toEqual(rows);
    expect(await oauthStateCount()).toBe(states);
    expect(await auditSince(svc, audit)).toEqual([]);
  }

  it("each account's list shows only its own connections; an operator's shows both accounts'", async () => {
    expect(listed(await demo.get(`${svc.url}/connections`))).toEqual([ids.demoNA, ids.demoEU].sort());
    expect(listed(await other.get(`${svc.url}/connections`))).toEqual([ids.otherNA]);
    const all = await operator.get(`${svc.url}/connections`);
    expect(listed(all)).toEqual([ids.demoNA, ids.demoEU, ids.otherNA].sort());
    expect(all.text).toContain('Demo Seller Co');
    expect(all.text).toContain('Other Seller Ltd');
  });

  it("another account's connection page is not found (404), in both directions; the operator can open both", async () => {
    for (const [browser, id, seller] of [
      [demo, ids.otherNA, OTHER_SELLER],
      [other, ids.demoNA, 'A1DEMOSELLERNA'],
    ] as const) {
      const page = await browser.get(`${svc.url}/connections/${id}`);
      expect(page.status).toBe(404);
      expect(messageOf(page).code).toBe('CONNECTION_NOT_FOUND');
      expect(page.text).not.toContain(seller);
    }
    for (const id of [ids.demoNA, ids.otherNA]) {
      const page = await operator.get(`${svc.url}/connections/${id}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain(`/connections/${id}/renew`);
    }
    // An id that is no connection at all looks the same as another account's.
    const missing = await demo.get(`${svc.url}/connections/00000000-0000-4000-8000-000000000000`);
    expect(missing.status).toBe(404);
    expect((await demo.get(`${svc.url}/connections/not-a-uuid`)).status).toBe(404);
  });

  it("renewing another account's connection (with a valid form token) is not found and starts nothing", async () => {
    const list = await demo.get(`${svc.url}/connections`);
    await changesNothing(async () => {
      const page = await demo.post(
        `${svc.url}/connections/${ids.otherNA}/renew`,
        { _csrf: csrfOf(list) },
        { headers: { origin: svc.url }, followRedirects: false },
      );
      expect(page.status).toBe(404);
      expect(messageOf(page).code).toBe('CONNECTION_NOT_FOUND');
      expect(page.location).toBeNull();
    });
  });

  it("disconnecting another account's connection (with a valid form token) is not found and changes nothing", async () => {
    const list = await other.get(`${svc.url}/connections`);
    await changesNothing(async () => {
      const page = await other.post(
        `${svc.url}/connections/${ids.demoNA}/disconnect`,
        { _csrf: csrfOf(list) },
        { headers: { origin: svc.url } },
      );
      expect(page.status).toBe(404);
      expect(messageOf(page).code).toBe('CONNECTION_NOT_FOUND');
    });
    const row = (await connectionRows(svc)).find((r) => r.id === ids.demoNA)!;
    expect(row).toMatchObject({ state: 'active', account_id: accountIds.demo });
    expect(row.refresh_token_blob).not.toBeNull();
  });

  it("an account cannot take over another account's connection: Amazon's own seller gets its own, flagged for review; a bad token is refused", async () => {
    const before = (await connectionRows(svc)).find((r) => r.id === ids.demoNA);
    // This browser's simulated Seller Central session is the other seller's: sign in to Amazon afresh.
    other.clearCookies(svc.simUrl);
    const amazon = await pressConnect(other, svc, 'NA');
    expect(amazon.text).toContain('name="password"');
    // Amazon confirms the token is A1DEMOSELLERNA's: not a 409, but a connection of this account that
    // operators review (test/connections/seller-claims.test.ts). The demo account's is untouched.
    const page = await approveOnAmazon(other, amazon, 'demo-na@example.com');
    expect(page.url).toContain('notice=connected');
    expect(connectionIdOf(page.url)).not.toBe(ids.demoNA);
    expect(page.text).toContain('data-claim-review');
    expect((await connectionRows(svc)).find((r) => r.id === ids.demoNA)).toEqual(before);
    const rows = await connectionRows(svc);

    const apps = await svc.store.db.selectFrom('applications').select(['id', 'app_id']).execute();
    const form = await other.get(`${svc.url}/connections/import`);
    const audit = await lastAuditId(svc);
    const refused = await other.submit(
      form,
      {
        applicationId: apps.find((a) => a.app_id === DEMO.publishedApp.appId)!.id,
        region: 'NA',
        sellingPartnerId: 'A1DEMOSELLERNA',
        refreshToken: 'Atzr|a-token-for-someone-elses-seller',
      },
      { action: '/connections/import' },
    );
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('Nothing was stored');
    expect(await connectionRows(svc)).toEqual(rows);
    // The refusal itself is audited, against the refused account, and nothing else is written.
    const entries = await auditSince(svc, audit);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: 'connection.self_authorize',
      outcome: 'failure',
      account_id: accountIds.other,
    });
    expect(entries[0]!.detail.code).toBe('LWA_INVALID_GRANT');
  });

  it('an accountId smuggled into the connect form by a non-operator is ignored', async () => {
    const list = await demo.get(`${svc.url}/connections`);
    const amazon = await demo.submit(
      list,
      { accountId: accountIds.other },
      { action: '/connections/connect', index: 2 },
    );
    const page = await approveOnAmazon(demo, amazon, 'demo-fe@example.com');
    const row = (await connectionRows(svc)).find((r) => r.id === connectionIdOf(page.url))!;
    expect(row).toMatchObject({ region: 'FE', account_id: accountIds.demo });
    expect(listed(await other.get(`${svc.url}/connections`))).not.toContain(row.id);
  });

  describe('CSRF', () => {
    /** Posts a form to the portal from the portal's own origin unless told otherwise. */
    const postForm = (
      browser: HttpBrowser,
      path: string,
      fields: Record<string, string>,
      headers: Record<string, string> = { origin: svc.url },
    ) => browser.post(`${svc.url}${path}`, fields, { headers, followRedirects: false });

    const refused403 = (page: BrowserPage) => {
      expect(page.status).toBe(403);
      expect(page.location).toBeNull();
    };

    it('a POST without the _csrf token is refused (403) on every portal form and changes nothing', async () => {
      const apps = await svc.store.db.selectFrom('applications').select('id').execute();
      await changesNothing(async () => {
        for (const [path, fields] of [
          [`/connections/${ids.demoNA}/disconnect`, {}],
          [`/connections/${ids.demoNA}/renew`, {}],
          ['/connections/connect', { region: 'NA' }],
          [
            '/connections/import',
            {
              applicationId: apps[0]!.id,
              region: 'NA',
              sellingPartnerId: 'A1DEMOSELLERNA',
              refreshToken: 'Atzr|x',
            },
          ],
          ['/account/password', { current: svc.demo.password, next: 'a-new-password-123' }],
        ] as const) {
          const page = await postForm(demo, path, fields);
          refused403(page);
          expect(messageOf(page).code).toBe('CSRF_FAILED');
        }
      });
      // The password did not change: the demo user still signs in with the old one.
      await signedInBrowser(svc);
    });

    it("a POST with another session's token is refused (403): the same user's other session, and another user's", async () => {
      const secondSession = await signedInBrowser(svc);
      const foreignTokens = [
        csrfOf(await secondSession.get(`${svc.url}/connections`)),
        csrfOf(await other.get(`${svc.url}/connections`)),
        csrfOf(await operator.get(`${svc.url}/connections`)),
      ];
      const own = csrfOf(await demo.get(`${svc.url}/connections`));
      expect(new Set([own, ...foreignTokens]).size).toBe(4);
      await changesNothing(async () => {
        for (const token of foreignTokens) {
          const page = await postForm(demo, `/connections/${ids.demoNA}/disconnect`, { _csrf: token });
          refused403(page);
          expect(messageOf(page).code).toBe('CSRF_FAILED');
          refused403(await postForm(demo, '/connections/connect', { _csrf: token, region: 'EU' }));
        }
      });
    });

    it('a cross-site POST (Origin: https://evil.example) is refused even with the right token, and changes nothing', async () => {
      const token = csrfOf(await demo.get(`${svc.url}/connections`));
      await changesNothing(async () => {
        for (const headers of [
          { origin: 'https://evil.example' },
          { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
          { origin: 'null' },
        ]) {
          for (const page of [
            await postForm(demo, `/connections/${ids.demoNA}/disconnect`, { _csrf: token }, headers),
            await postForm(demo, '/connections/connect', { _csrf: token, region: 'EU' }, headers),
          ]) {
            refused403(page);
            expect(messageOf(page).code).toBe('CSRF_FAILED');
          }
        }
      });
      // A refusal is not a crash: nothing was logged as a failed request.
      expect(svc.logs.filter((line) => line.includes('request failed'))).toEqual([]);
      // Sign-in from another site is refused too (login CSRF).
      const login = await other.get(`${svc.url}/login`);
      expect(login.url).toContain('/connections');
      const fresh = await signedInBrowser(svc);
      await fresh.post(
        `${svc.url}/logout`,
        { _csrf: csrfOf(await fresh.get(`${svc.url}/connections`)) },
        {
          headers: { origin: svc.url },
        },
      );
      const form = await fresh.get(`${svc.url}/login`);
      const page = await fresh.post(
        `${svc.url}/login`,
        {
          ...findForm(form.text, form.url, { action: '/login' }).fields,
          username: 'demo',
          password: svc.demo.password,
        },
        { headers: { origin: 'https://evil.example' }, followRedirects: false },
      );
      refused403(page);
      expect(fresh.cookies(svc.url).sl_session).toBeUndefined();
      // The same token and fields from the portal's own origin work: the refusals were about the origin.
      const ok = await postForm(demo, `/connections/${ids.demoEU}/disconnect`, {
        _csrf: token,
        confirm: 'yes',
      });
      expect(ok.status).toBe(303);
      const row = (await connectionRows(svc)).find((r) => r.id === ids.demoEU)!;
      expect(row.state).toBe('disconnected');
    });
  });
  it('once the holding account disconnects a seller, another account connects it as its own connection', async () => {
    const detail = await demo.get(`${svc.url}/connections/${ids.demoEU}`);
    // Earlier tests may have disconnected it already.
    if (detail.text.includes(`/connections/${ids.demoEU}/disconnect`)) {
      const confirm = await demo.submit(detail, {}, { action: `/connections/${ids.demoEU}/disconnect` });
      await demo.submit(confirm, {}, { action: `/connections/${ids.demoEU}/disconnect` });
    }
    expect((await connectionRows(svc)).find((r) => r.id === ids.demoEU)).toMatchObject({
      state: 'disconnected',
    });
    other.clearCookies(svc.simUrl);
    const amazon = await pressConnect(other, svc, 'EU');
    const page = await approveOnAmazon(other, amazon, 'demo-eu@example.com');
    expect(page.url).toContain('notice=connected');
    // A connection never moves between accounts (nor its history): the other account gets its own,
    // and a disconnected one does not put it under review.
    const id = connectionIdOf(page.url);
    expect(id).not.toBe(ids.demoEU);
    const rows = await connectionRows(svc);
    expect(rows.find((r) => r.id === id)).toMatchObject({ account_id: accountIds.other, state: 'active' });
    expect(rows.find((r) => r.id === ids.demoEU)).toMatchObject({
      account_id: accountIds.demo,
      state: 'disconnected',
    });
    expect(page.text).not.toContain('data-claim-review');
    expect(listed(await demo.get(`${svc.url}/connections`))).not.toContain(id);
  });
});
