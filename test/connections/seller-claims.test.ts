import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createAccounts } from '../../src/accounts/service.js';
import { cryptoRandom } from '../../src/kernel/random.js';
import { DEMO } from '../../src/simulator/seed.js';
import { describeEachDatabase } from '../support/databases.js';
import { findForm, type BrowserPage, type HttpBrowser } from '../support/http-browser.js';
import {
  approveOnAmazon,
  connectionIdOf,
  demoSeller,
  pressConnect,
  signedInBrowser,
  type RegionCode,
} from '../support/portal.js';
import { auditSince, connectionRows, lastAuditId, messageOf } from '../support/security.js';
import { startTestService, type TestService } from '../support/service.js';

/**
 * The seller id of the OAuth callback and of the self-authorization import is
 * checked with Amazon before anything is stored. An edited id is refused, an unconfirmed claim never
 * blocks the seller's real owner, two accounts holding one seller go to operator review instead of
 * a 409, and a code of another region than the flow's is refused.
 */
describeEachDatabase('seller claims are not trusted blindly', (kind) => {
  let svc: TestService;
  let attacker: HttpBrowser;
  let owner: HttpBrowser;
  const accountIds = { demo: '', owner: '' };
  const password = 'correct horse battery';
  const VICTIM = 'A2VICTIMSELLERNA';
  const SECOND = 'A3SECONDVICTIMNA';

  beforeAll(async () => {
    svc = await startTestService({ database: kind });
    const accounts = createAccounts({ db: svc.store.db, clock: svc.service.clock, random: cryptoRandom });
    const ownerAccount = await accounts.createAccount('Real Owner Goods Ltd');
    accountIds.owner = ownerAccount.id;
    accountIds.demo = (await accounts.findAccount('Demo Seller Co'))!.id;
    await accounts.addUser({ accountId: ownerAccount.id, username: 'real-owner', password, role: 'owner' });
    for (const [sellingPartnerId, email] of [
      [VICTIM, 'victim-na@example.com'],
      [SECOND, 'second-na@example.com'],
    ] as const) {
      await svc.sim('/_sim/sellers', {
        name: `Store of ${sellingPartnerId}`,
        region: 'NA',
        marketplaceIds: ['ATVPDKIKX0DER'],
        users: [{ email, password: DEMO.sellerPassword }],
        sellingPartnerId,
      });
    }
    attacker = await signedInBrowser(svc);
    owner = await signedInBrowser(svc, 'real-owner', password);
  });
  afterAll(async () => svc.stop());
  afterEach(async () => {
    await svc.sim('/_sim/faults', undefined, 'DELETE');
  });

  /** Runs a connect flow up to Amazon's redirect to our callback, signed in to Amazon as `email`. */
  async function callbackUrl(browser: HttpBrowser, region: RegionCode, email: string): Promise<URL> {
    browser.clearCookies(svc.simUrl);
    const redirect = await approveOnAmazon(browser, await pressConnect(browser, svc, region), email, false);
    expect(redirect.status).toBe(302);
    const url = new URL(redirect.location!);
    expect(url.pathname).toBe('/oauth/callback');
    return url;
  }

  /** Connects `region` as the Amazon user `email` and returns the final portal page. */
  async function connectAs(browser: HttpBrowser, region: RegionCode, email: string): Promise<BrowserPage> {
    browser.clearCookies(svc.simUrl);
    return approveOnAmazon(browser, await pressConnect(browser, svc, region), email);
  }

  const rowsOf = async (sellingPartnerId: string) =>
    svc.store.db
      .selectFrom('connections')
      .selectAll()
      .where('selling_partner_id', '=', sellingPartnerId)
      .orderBy('created_at')
      .execute();

  const claimEvents = async () =>
    (
      await svc.store.db
        .selectFrom('events')
        .selectAll()
        .where('type', '=', 'connection.claim_review')
        .orderBy('id')
        .execute()
    ).map((e) => ({ accountId: e.account_id, connectionId: e.connection_id, payload: e.payload }));

  it('an edited selling_partner_id is refused (Amazon contradicts it); the real owner then connects its seller', async () => {
    const url = await callbackUrl(attacker, 'NA', demoSeller('NA').email);
    url.searchParams.set('selling_partner_id', VICTIM);
    const rows = await connectionRows(svc);
    const audit = await lastAuditId(svc);

    const page = await attacker.get(url.toString());
    expect(page.status).toBe(400);
    const shown = messageOf(page);
    expect(shown.code).toBe('OAUTH_SELLER_MISMATCH');
    expect(shown.message).toContain(VICTIM);
    expect(shown.message).toMatch(/nothing was connected/i);
    expect(await connectionRows(svc)).toEqual(rows);
    expect(await rowsOf(VICTIM)).toEqual([]);
    const written = await auditSince(svc, audit);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({
      action: 'oauth.callback',
      outcome: 'failure',
      account_id: accountIds.demo,
    });
    expect(written[0]!.detail).toMatchObject({ code: 'OAUTH_SELLER_MISMATCH', claimed: VICTIM });
    // The operators are told (and no account is).
    const events = await claimEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      accountId: null,
      connectionId: null,
      payload: { refused: true, sellingPartnerId: VICTIM, claimedByAccountId: accountIds.demo },
    });

    const connected = await connectAs(owner, 'NA', 'victim-na@example.com');
    expect(connected.url).toContain('notice=connected');
    const [row] = await rowsOf(VICTIM);
    expect(row).toMatchObject({
      id: connectionIdOf(connected.url),
      account_id: accountIds.owner,
      state: 'active',
      claim_status: 'confirmed',
      claim_mismatch: null,
    });
    expect(row!.marketplace_ids).toEqual(['ATVPDKIKX0DER']);
    expect(connected.text).toContain('data-claim="confirmed"');
    expect(connected.text).not.toContain('data-claim-review');
  });

  it('an unconfirmed claim (Amazon did not answer the check) never blocks the real owner; both go to review', async () => {
    const url = await callbackUrl(attacker, 'NA', demoSeller('NA').email);
    url.searchParams.set('selling_partner_id', SECOND);
    // Amazon fails every attempt of the seller-id check until the fault is removed: the claim cannot
    // be confirmed (no count of failures: the background catalog refresh calls the same operation).
    await svc.sim('/_sim/faults', { operation: 'searchListingsItems', kind: '503', share: 1 });
    const squat = await attacker.get(url.toString());
    expect(squat.url).toContain('notice=connected');
    expect(squat.text).toContain('data-claim="unconfirmed"');
    await svc.sim('/_sim/faults', undefined, 'DELETE');
    expect(await claimEvents()).toHaveLength(1);

    const connected = await connectAs(owner, 'NA', 'second-na@example.com');
    expect(connected.status).toBe(200);
    expect(connected.url).toContain('notice=connected');
    const rows = await rowsOf(SECOND);
    expect(rows.map((r) => [r.account_id, r.claim_status, r.state])).toEqual([
      [accountIds.demo, 'unconfirmed', 'active'],
      [accountIds.owner, 'confirmed', 'active'],
    ]);
    // Both pages show the review; the operators got one notice naming both connections.
    expect(connected.text).toContain('data-claim-review');
    const squatter = await attacker.get(`${svc.url}/connections/${rows[0]!.id}`);
    expect(squatter.text).toContain('data-claim-review');
    const [, review] = await claimEvents();
    expect(review).toMatchObject({ accountId: null, connectionId: null });
    expect(review!.payload).toMatchObject({ sellingPartnerId: SECOND, region: 'NA' });
    expect((review!.payload.connections as { id: string }[]).map((c) => c.id).sort()).toEqual(
      rows.map((r) => r.id).sort(),
    );
  }, 60_000);

  it('a second account whose token Amazon confirms for a seller already connected elsewhere is not refused: both go to review', async () => {
    const first = await connectAs(attacker, 'NA', demoSeller('NA').email);
    expect(first.url).toContain('notice=connected');
    expect(first.text).not.toContain('data-claim-review');
    const [demoRow] = await rowsOf('A1DEMOSELLERNA');
    const events = (await claimEvents()).length;

    const second = await connectAs(owner, 'NA', demoSeller('NA').email);
    expect(second.status).toBe(200);
    expect(second.url).toContain('notice=connected');
    const rows = await rowsOf('A1DEMOSELLERNA');
    expect(rows.map((r) => [r.account_id, r.claim_status])).toEqual([
      [accountIds.demo, 'confirmed'],
      [accountIds.owner, 'confirmed'],
    ]);
    // The first account's connection is the same one, untouched by the second.
    expect(rows[0]).toMatchObject({ id: demoRow!.id, state: 'active' });
    expect(rows[0]!.refresh_token_blob).toBe(demoRow!.refresh_token_blob);
    expect(second.text).toContain('data-claim-review');
    expect((await attacker.get(`${svc.url}/connections/${demoRow!.id}`)).text).toContain('data-claim-review');
    expect(await claimEvents()).toHaveLength(events + 1);
  });

  it('an NA connect state with an EU authorization code is refused and stores nothing', async () => {
    const eu = await callbackUrl(attacker, 'EU', demoSeller('EU').email);
    attacker.clearCookies(svc.simUrl);
    let consent = await pressConnect(attacker, svc, 'NA');
    if (/name="password"/.test(consent.text)) {
      consent = await attacker.submit(
        consent,
        { email: demoSeller('NA').email, password: DEMO.sellerPassword },
        { action: '/ap/signin' },
      );
    }
    const naState = findForm(consent.text, consent.url, { action: /\/apps\/authorize\/consent/ }).fields
      .state!;
    const forged = new URL(eu);
    forged.searchParams.set('state', naState);
    const rows = await connectionRows(svc);

    const page = await attacker.get(forged.toString());
    expect(page.status).toBe(400);
    const shown = messageOf(page);
    expect(shown.code).toBe('OAUTH_REGION_MISMATCH');
    expect(shown.message).toContain('North America');
    expect(shown.message).toMatch(/nothing was connected/i);
    expect(await connectionRows(svc)).toEqual(rows);
    expect(await rowsOf(demoSeller('EU').sellingPartnerId)).toEqual([]);
  });

  it('the self-authorization import checks the seller id and region the same way', async () => {
    const { refreshToken } = await svc.sim<{ refreshToken: string }>(
      `/_sim/apps/${DEMO.draftApp.appId}/self-authorize`,
      {},
    );
    const apps = await svc.store.db.selectFrom('applications').select(['id', 'app_id']).execute();
    const applicationId = apps.find((a) => a.app_id === DEMO.draftApp.appId)!.id;
    const selfRows = () =>
      svc.store.db.selectFrom('connections').select('id').where('kind', '=', 'self').execute();
    const submit = async (fields: Record<string, string>) =>
      attacker.submit(
        await attacker.get(`${svc.url}/connections/import`),
        { applicationId, refreshToken, ...fields },
        { action: '/connections/import' },
      );

    const events = (await claimEvents()).length;
    const audit = await lastAuditId(svc);
    const wrongSeller = await submit({ region: 'NA', sellingPartnerId: VICTIM });
    expect(wrongSeller.status).toBe(400);
    expect(wrongSeller.text).toContain(`not for seller ${VICTIM}`);
    expect(wrongSeller.text).toContain('Nothing was stored');
    expect(await selfRows()).toEqual([]);
    const written = await auditSince(svc, audit);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({ action: 'connection.self_authorize', outcome: 'failure' });
    expect(written[0]!.detail).toMatchObject({ code: 'SELF_AUTH_REJECTED', field: 'sellingPartnerId' });
    const refused = (await claimEvents())[events];
    expect(refused!.payload).toMatchObject({ refused: true, via: 'self', sellingPartnerId: VICTIM });

    const wrongRegion = await submit({ region: 'EU', sellingPartnerId: DEMO.selfAuthSellingPartnerId });
    expect(wrongRegion.status).toBe(400);
    expect(wrongRegion.text).toContain('Europe');
    expect(await selfRows()).toEqual([]);

    const good = await submit({ region: 'NA', sellingPartnerId: DEMO.selfAuthSellingPartnerId });
    expect(good.url).toContain('notice=imported');
    const row = await svc.store.db
      .selectFrom('connections')
      .selectAll()
      .where('id', '=', connectionIdOf(good.url))
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ kind: 'self', claim_status: 'confirmed', account_id: accountIds.demo });
  });
});
