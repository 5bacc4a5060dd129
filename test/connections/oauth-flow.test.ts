import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../src/simulator/seed.js';
import { createHttpBrowser, type HttpBrowser } from '../support/http-browser.js';
import { inProcessBrowser } from '../support/in-process.js';
import {
  approveOnAmazon,
  connectRegion,
  connectionIdOf,
  demoSeller,
  pressConnect,
  signedInBrowser,
} from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';

const DAY = 86_400_000;

/**
 * The portal in process (support/in-process.ts), the simulator over HTTP; the first test makes its
 * round trip over real HTTP.
 */
describe('connecting sellers per region through the simulator', () => {
  let svc: TestService;
  let browser: HttpBrowser;
  const ids = { NA: '', EU: '', FE: '' };

  beforeAll(async () => {
    svc = await startTestService();
    browser = await signedInBrowser(svc);
  });
  afterAll(async () => svc.stop());

  it('connects North America: back on the portal, active, expiring 365 days after authorization', async () => {
    // Over real HTTP (global fetch, the service's socket): the one OAuth round trip kept end to end.
    const overHttp = createHttpBrowser();
    const login = await overHttp.get(`${svc.url}/login`);
    const signedIn = await overHttp.submit(login, {
      username: svc.demo.username,
      password: svc.demo.password,
    });
    expect(signedIn.url).toBe(`${svc.url}/connections`);
    const page = await connectRegion(overHttp, svc, 'NA');
    expect(page.url).toContain('notice=connected');
    ids.NA = connectionIdOf(page.url);
    const row = await svc.store.db
      .selectFrom('connections')
      .selectAll()
      .where('id', '=', ids.NA)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      selling_partner_id: 'A1DEMOSELLERNA',
      region: 'NA',
      state: 'active',
      kind: 'oauth',
    });
    expect(row.expires_at!.getTime() - row.authorized_at.getTime()).toBe(365 * DAY);
    expect(row.marketplace_ids).toEqual(
      expect.arrayContaining(['ATVPDKIKX0DER', 'A2EUQ1WTGCTBG2', 'A1AM78C64UM0Y8']),
    );
    expect(row.refresh_token_blob).toMatch(/^v1\./);
    expect(page.text).toContain('Working');
    expect(page.text).toContain('(365 days left)');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('connects Europe and Far East, each on its own Seller Central, and lists all three with expiry dates', async () => {
    for (const region of ['EU', 'FE'] as const) {
      const amazon = await pressConnect(browser, svc, region);
      expect(amazon.url.startsWith(`${svc.simUrl}/${region.toLowerCase()}/`)).toBe(true);
      const page = await approveOnAmazon(browser, amazon, demoSeller(region).email);
      ids[region] = connectionIdOf(page.url);
    }
    const list = await browser.get(`${svc.url}/connections`);
    for (const region of ['NA', 'EU', 'FE'] as const)
      expect(list.text).toContain(`data-connection="${ids[region]}"`);
    const expiry = new Date(svc.service.clock.now() + 365 * DAY).toLocaleDateString('en-GB', {
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      timeZone: 'UTC',
    });
    expect(list.text).toContain(expiry);
    expect(await svc.store.db.selectFrom('connections').select('id').execute()).toHaveLength(3);
  });

  it('connecting the same seller again updates the connection instead of duplicating it', async () => {
    const page = await connectRegion(browser, svc, 'NA');
    expect(connectionIdOf(page.url)).toBe(ids.NA);
    // The same connection, renewed: the notice says so, as the history does.
    expect(page.url).toContain('notice=renewed');
    expect(await svc.store.db.selectFrom('connections').select('id').execute()).toHaveLength(3);
  });

  it('warns 5 days before expiry and renews: new token, new 365 days, back to active, same connection', async () => {
    const before = await svc.store.db
      .selectFrom('connections')
      .selectAll()
      .where('id', '=', ids.NA)
      .executeTakeFirstOrThrow();
    // Amazon's client secrets last 180 days: rotate as the operator does (automated by the monitor).
    for (const days of [170, 170]) {
      await svc.sim('/_sim/clock/advance', { days });
      await svc.rotateSecret(DEMO.publishedApp.appId);
      await svc.rotateSecret(DEMO.draftApp.appId);
    }
    await svc.sim('/_sim/clock/advance', { days: 20 });
    // Portal sessions last 7 days at most: after 360 days the user signs in again.
    const expired = await browser.get(`${svc.url}/connections`);
    expect(expired.url).toContain('/login');
    await browser.submit(expired, { username: svc.demo.username, password: svc.demo.password });
    const list = await browser.get(`${svc.url}/connections`);
    expect(list.text).toContain('data-banner="expiring"');
    expect(list.text).toMatch(/Renew by \d{1,2} \w{3} \d{4}/);
    expect(list.text).toMatch(/ends in 5 days/);
    const detail = await browser.get(`${svc.url}/connections/${ids.NA}`);
    const amazon = await browser.submit(detail, {}, { action: `/connections/${ids.NA}/renew` });
    const page = await approveOnAmazon(browser, amazon, demoSeller('NA').email);
    expect(page.url).toContain(`/connections/${ids.NA}?notice=renewed`);
    const after = await svc.store.db
      .selectFrom('connections')
      .selectAll()
      .where('id', '=', ids.NA)
      .executeTakeFirstOrThrow();
    expect(after.state).toBe('active');
    expect(after.refresh_token_blob).not.toBe(before.refresh_token_blob);
    expect(after.authorized_at.getTime()).toBeGreaterThan(before.authorized_at.getTime() + 359 * DAY);
    expect(after.expires_at!.getTime() - after.authorized_at.getTime()).toBe(365 * DAY);
    expect(page.text).toContain('Working');
    expect(page.text).toContain('(365 days left)');
    const history = await browser.get(`${svc.url}/connections/${ids.NA}`);
    expect(history.text).toContain('data-audit="connection.renewed"');
  });

  it('refuses a renew completed by a different selling partner, changing nothing', async () => {
    await svc.sim('/_sim/sellers', {
      name: 'Other NA seller',
      region: 'NA',
      marketplaceIds: ['ATVPDKIKX0DER'],
      users: [{ email: 'other@example.com', password: DEMO.sellerPassword }],
      sellingPartnerId: 'A2OTHERSELLER1',
    });
    const before = await svc.store.db
      .selectFrom('connections')
      .selectAll()
      .where('id', '=', ids.NA)
      .executeTakeFirstOrThrow();
    const fresh = inProcessBrowser(svc);
    const login = await fresh.get(`${svc.url}/login`);
    await fresh.submit(login, { username: svc.demo.username, password: svc.demo.password });
    const detail = await fresh.get(`${svc.url}/connections/${ids.NA}`);
    const amazon = await fresh.submit(detail, {}, { action: `/connections/${ids.NA}/renew` });
    const page = await approveOnAmazon(fresh, amazon, 'other@example.com');
    expect(page.status).toBe(400);
    expect(page.text).toContain('A2OTHERSELLER1');
    expect(page.text).toContain('A1DEMOSELLERNA');
    expect(page.text).toContain('OAUTH_PARTNER_MISMATCH');
    const after = await svc.store.db
      .selectFrom('connections')
      .selectAll()
      .where('id', '=', ids.NA)
      .executeTakeFirstOrThrow();
    // Everything but the record of Amazon's answers to the connection's background work (order
    // import, listings, health probes), which goes on meanwhile.
    const authorization = (row: typeof before) => {
      const { last_success_at: _s, last_probe_at: _p, last_probe_outcome: _o, ...rest } = row;
      return rest;
    };
    expect(authorization(after)).toEqual(authorization(before));
    expect(await svc.store.db.selectFrom('connections').select('id').execute()).toHaveLength(3);
  });

  it("renews through Amazon's own Re-Authorize button (Login URI flow)", async () => {
    const before = await svc.store.db
      .selectFrom('connections')
      .selectAll()
      .where('id', '=', ids.EU)
      .executeTakeFirstOrThrow();
    // The seller is signed in to the simulated Seller Central (EU) in this browser from the connect step.
    const manage = await browser.get(`${svc.simUrl}/eu/apps/manage`);
    expect(manage.text).toContain(DEMO.publishedApp.name);
    expect(manage.text).toContain('Re-Authorize');
    const consent = await browser.get(`${svc.simUrl}/eu/apps/authorize/start/${DEMO.publishedApp.appId}`);
    const final = await approveOnAmazon(browser, consent, demoSeller('EU').email);
    expect(final.url).toContain(`/connections/${ids.EU}?notice=renewed`);
    const after = await svc.store.db
      .selectFrom('connections')
      .selectAll()
      .where('id', '=', ids.EU)
      .executeTakeFirstOrThrow();
    expect(after.authorized_at.getTime()).toBeGreaterThan(before.authorized_at.getTime());
  });

  it('imports a self-authorized refresh token after checking it with Amazon; a bad one stores nothing', async () => {
    const { refreshToken } = await svc.sim<{ refreshToken: string }>(
      `/_sim/apps/${DEMO.draftApp.appId}/self-authorize`,
      {},
    );
    const form = await browser.get(`${svc.url}/connections/import`);
    const apps = await svc.store.db.selectFrom('applications').select(['id', 'app_id']).execute();
    const draftId = apps.find((a) => a.app_id === DEMO.draftApp.appId)!.id;
    const bad = await browser.submit(
      form,
      {
        applicationId: draftId,
        region: 'NA',
        sellingPartnerId: 'A1DEMOSELLERNA',
        refreshToken: 'Atzr|not-a-real-token',
      },
      { action: '/connections/import' },
    );
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Nothing was stored');
    expect(
      await svc.store.db.selectFrom('connections').select('id').where('kind', '=', 'self').execute(),
    ).toHaveLength(0);
    const good = await browser.submit(
      form,
      { applicationId: draftId, region: 'NA', sellingPartnerId: 'A1DEMOSELLERNA', refreshToken },
      { action: '/connections/import' },
    );
    expect(good.url).toContain('notice=imported');
    const row = await svc.store.db
      .selectFrom('connections')
      .selectAll()
      .where('id', '=', connectionIdOf(good.url))
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ kind: 'self', state: 'active', expires_at: null });
    expect(good.text).toContain('Does not expire');
  });

  it('disconnects: deletes the sealed token, marks it disconnected, says to remove the app in Seller Central', async () => {
    const detail = await browser.get(`${svc.url}/connections/${ids.FE}`);
    const confirm = await browser.submit(detail, {}, { action: `/connections/${ids.FE}/disconnect` });
    const page = await browser.submit(confirm, {}, { action: `/connections/${ids.FE}/disconnect` });
    expect(page.text).toContain('Seller Central');
    expect(page.text).toContain('Disconnected');
    const row = await svc.store.db
      .selectFrom('connections')
      .selectAll()
      .where('id', '=', ids.FE)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      state: 'disconnected',
      refresh_token_blob: null,
      refresh_token_key_id: null,
    });
  });
});
