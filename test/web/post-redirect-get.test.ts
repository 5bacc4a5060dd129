import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAccounts } from '../../src/accounts/service.js';
import { cryptoRandom } from '../../src/kernel/random.js';
import { DEMO } from '../../src/simulator/seed.js';
import { callApi, createKeyOnPortal } from '../api/support.js';
import { connectAds, adsConnectionIdOf } from '../support/ads.js';
import { createHttpBrowser, findForm, type BrowserPage, type HttpBrowser } from '../support/http-browser.js';
import { inProcessBrowser, inProcessFetch } from '../support/in-process.js';
import { connectRegion, connectionIdOf, signedInBrowser } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';
import { shirt } from '../listings/support.js';
import { startReceiver, type Receiver } from '../notify/support.js';

/**
 * POST-redirect-GET on every form of the portal: each POST route of the web app (src/web/routes/*,
 * read from the app itself, so a new route without a case here fails) is sent a form a person would
 * send from its page, and a successful one answers 303 with a Location that a GET answers with a
 * page, so a reload of the result never sends the form again. The REST API (/api/…) and Amazon's
 * notifications (server to server) are not forms and are left out.
 */

const PASSWORD = 'a long test password';
const VENDOR = 'https://vendor.example';
const US = 'ATVPDKIKX0DER';

describe('POST-redirect-GET on every form', () => {
  let svc: TestService;
  let owner: HttpBrowser;
  let ops: HttpBrowser;
  let receiver: Receiver;
  const covered = new Set<string>();
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    svc = await startTestService({ env: { CONNECT_RETURN_URLS: `${VENDOR}/settings` } });
    receiver = await startReceiver();
    const use = createAccounts({ db: svc.store.db, clock: svc.service.clock, random: cryptoRandom });
    await use.addUser({ accountId: null, username: 'ops', password: PASSWORD, role: 'operator' });
    owner = await signedInBrowser(svc);
    ops = await signedInBrowser(svc, 'ops', PASSWORD);
    ids.NA = connectionIdOf((await connectRegion(owner, svc, 'NA')).url);
    ids.EU = connectionIdOf((await connectRegion(owner, svc, 'EU')).url);
    ids.ads = adsConnectionIdOf((await connectAds(owner, svc, 'NA')).url);
  }, 300_000);
  afterAll(async () => {
    await receiver?.close();
    await svc?.stop();
  });

  /**
   * Asserts the answer to a successful form POST: 303 to a page a GET answers (200), on the portal
   * or on Amazon's (the simulator's) consent page; the vendor's return URL is not ours to load.
   */
  async function expectPrg(route: string, browser: HttpBrowser, answer: BrowserPage): Promise<string> {
    expect(
      answer.status,
      `${route} answered ${answer.status}: ${(answer.text.match(/(error|banner)[^>]*>[^<]+/g) ?? []).join(' | ')}`,
    ).toBe(303);
    const location = new URL(answer.location!, answer.url).toString();
    covered.add(route);
    if (location.startsWith(VENDOR)) return location;
    // Amazon's consent page may first send the seller to its sign-in page.
    const page = await browser.get(location, { followRedirects: location.startsWith(svc.simUrl) });
    expect(page.status, `GET ${location} after ${route}`).toBe(200);
    expect(page.headers.get('content-type') ?? '').toContain('text/html');
    return location;
  }

  /** Submits a form of the page at `path` (matched by action) without following the answer. */
  async function post(
    browser: HttpBrowser,
    path: string,
    action: string | RegExp,
    fields: Record<string, string | null> = {},
  ): Promise<BrowserPage> {
    const page = await browser.get(`${svc.url}${path}`);
    expect(page.status, `GET ${path}`).toBe(200);
    // The POST form of that action (a search form may share it).
    let index = 0;
    while (findForm(page.text, page.url, { action, index }).method !== 'POST') index++;
    return browser.submit(page, fields, { action, index, followRedirects: false });
  }

  it('sign-in, sign-out and password change', async () => {
    const fresh = inProcessBrowser(svc);
    const login = await fresh.get(`${svc.url}/login`);
    await expectPrg(
      'POST /login',
      fresh,
      await fresh.submit(
        login,
        { username: 'ops', password: PASSWORD },
        { action: '/login', followRedirects: false },
      ),
    );
    await expectPrg('POST /logout', fresh, await post(fresh, '/account', '/logout'));
    const use = createAccounts({ db: svc.store.db, clock: svc.service.clock, random: cryptoRandom });
    await use.addUser({ accountId: null, username: 'ops2', password: PASSWORD, role: 'operator' });
    const changer = await signedInBrowser(svc, 'ops2', PASSWORD);
    const changed = await post(changer, '/account', '/account/password', {
      current: PASSWORD,
      next: `${PASSWORD} changed`,
    });
    expect(await expectPrg('POST /account/password', changer, changed)).toContain('/account?');
  });

  it('connections: connect, renew, import, disconnect (the confirmation step included)', async () => {
    const toAmazon = await post(owner, '/connections', '/connections/connect');
    expect(await expectPrg('POST /connections/connect', owner, toAmazon)).toMatch(
      new RegExp(`^${svc.simUrl}`),
    );
    const renew = await post(owner, `/connections/${ids.NA}`, `/connections/${ids.NA}/renew`);
    expect(await expectPrg('POST /connections/:id/renew', owner, renew)).toMatch(
      new RegExp(`^${svc.simUrl}`),
    );

    const { refreshToken } = await svc.sim<{ refreshToken: string }>(
      `/_sim/apps/${DEMO.draftApp.appId}/self-authorize`,
      {},
    );
    const apps = await svc.store.db.selectFrom('applications').select(['id', 'app_id']).execute();
    const draftId = apps.find((a) => a.app_id === DEMO.draftApp.appId)!.id;
    const imported = await post(owner, '/connections/import', '/connections/import', {
      applicationId: draftId,
      region: 'NA',
      sellingPartnerId: 'A1DEMOSELLERNA',
      refreshToken,
    });
    const importedAt = await expectPrg('POST /connections/import', owner, imported);
    const selfId = connectionIdOf(importedAt);
    // Without the confirmation field: to the confirmation page (a GET), nothing deleted.
    const unconfirmed = await owner.post(
      `${svc.url}/connections/${selfId}/disconnect`,
      { _csrf: csrfOf(owner, await owner.get(`${svc.url}/connections`)) },
      { headers: { origin: svc.url }, followRedirects: false },
    );
    expect(unconfirmed.status).toBe(303);
    expect(unconfirmed.location).toBe(`/connections/${selfId}/disconnect`);
    const confirmed = await post(
      owner,
      `/connections/${selfId}/disconnect`,
      `/connections/${selfId}/disconnect`,
    );
    await expectPrg('POST /connections/:id/disconnect', owner, confirmed);
  });

  it('Amazon Ads: connect, renew, list profiles again, disconnect', async () => {
    const page = `/ads-connections/${ids.ads}`;
    const toAmazon = await post(owner, '/connections', '/ads-connections/connect', { region: 'EU' });
    await expectPrg('POST /ads-connections/connect', owner, toAmazon);
    await expectPrg('POST /ads-connections/:id/renew', owner, await post(owner, page, `${page}/renew`));
    await expectPrg('POST /ads-connections/:id/profiles', owner, await post(owner, page, `${page}/profiles`));
    await expectPrg(
      'POST /ads-connections/:id/disconnect',
      owner,
      await post(owner, page, `${page}/disconnect`, { confirm: 'yes' }),
    );
  });

  it('API keys: create (the new key shown once after the redirect) and revoke', async () => {
    const created = await post(owner, '/api-keys', /\/api-keys$/, { name: 'prg' });
    const shownAt = await expectPrg('POST /api-keys', owner, created);
    // expectPrg's GET showed the key and spent the hand-over: a reload shows it no more.
    const reloaded = await owner.get(shownAt);
    expect(reloaded.text).not.toContain('<code data-api-key');
    const id = new URL(shownAt).searchParams.get('created')!;
    await expectPrg(
      'POST /api-keys/:id/revoke',
      owner,
      await post(owner, '/api-keys', `/api-keys/${id}/revoke`),
    );
  });

  it("the operators' console and applications", async () => {
    const account = await post(ops, '/operator/accounts', /\/operator\/accounts$/, { name: 'PRG Co' });
    const accountUrl = await expectPrg('POST /operator/accounts', ops, account);
    const accountPath = new URL(accountUrl).pathname;
    const user = await post(ops, accountPath, `${accountPath}/users`, {
      username: 'prg-member',
      password: PASSWORD,
      role: 'member',
      email: '',
    });
    await expectPrg('POST /operator/accounts/:id/users', ops, user);
    const profile = await post(ops, '/operator/applications', /\/operator\/applications$/, {
      name: 'PRG Ads',
      clientId: 'amzn1.application-oa2-client.prg',
      clientSecret: 'prg-secret-value-123456',
    });
    await expectPrg('POST /operator/applications', ops, profile);
    const rotated = await post(ops, '/operator/applications', '/operator/applications/rotate');
    await expectPrg('POST /operator/applications/rotate', ops, rotated);
  });

  it('connect links: continue to Amazon, and cancel', async () => {
    const { key } = await createKeyOnPortal(owner, svc, 'vendor');
    const seller = createHttpBrowser({
      fetch: inProcessFetch(svc, (request) =>
        new URL(request.url).origin === VENDOR
          ? Promise.resolve(new Response('vendor page'))
          : fetch(request),
      ),
    });
    const link = async (): Promise<string> => {
      const made = await callApi(svc, key, '/api/v1/connect-sessions', {
        method: 'POST',
        body: { region: 'FE', returnUrl: `${VENDOR}/settings/amazon` },
      });
      expect(made.status).toBe(201);
      return (made.json as { url: string }).url;
    };
    const begin = await seller.submit(await seller.get(await link()), {}, { followRedirects: false });
    expect(await expectPrg('POST /connect/:token', seller, begin)).toMatch(new RegExp(`^${svc.simUrl}`));
    const landing = await seller.get(await link());
    const cancel = await seller.submit(landing, {}, { action: /\/cancel$/, followRedirects: false });
    expect(await expectPrg('POST /connect/:token/cancel', seller, cancel)).toMatch(new RegExp(`^${VENDOR}`));
  });

  it('notifications: settings, webhooks (add, test, delete), redelivery', async () => {
    await expectPrg(
      'POST /notifications/settings',
      owner,
      await post(owner, '/notifications', '/notifications/settings'),
    );
    const added = await post(owner, '/notifications', /\/notifications\/webhooks$/, {
      url: receiver.url,
      description: 'PRG',
    });
    await expectPrg('POST /notifications/webhooks', owner, added);
    const listed = await owner.get(`${svc.url}/notifications`);
    const endpoint = /\/notifications\/webhooks\/([^/"]+)\/test/.exec(listed.text)?.[1] ?? '';
    expect(endpoint, listed.text.slice(-3000)).not.toBe('');
    await expectPrg(
      'POST /notifications/webhooks/:id/test',
      owner,
      await post(owner, '/notifications', `/notifications/webhooks/${endpoint}/test`),
    );
    // The test event's delivery is logged once the delivery job has taken it.
    let delivery = '';
    await vi.waitFor(
      async () => {
        const log = await owner.get(`${svc.url}/notifications/deliveries`);
        delivery = /\/notifications\/deliveries\/(\d+)\/redeliver/.exec(log.text)?.[1] ?? '';
        expect(delivery).not.toBe('');
      },
      { timeout: 30_000, interval: 250 },
    );
    await expectPrg(
      'POST /notifications/deliveries/:id/redeliver',
      owner,
      await post(owner, '/notifications/deliveries', `/notifications/deliveries/${delivery}/redeliver`),
    );
    await expectPrg(
      'POST /notifications/webhooks/:id/delete',
      owner,
      await post(owner, '/notifications', `/notifications/webhooks/${endpoint}/delete`),
    );
  });

  it('orders and listings', async () => {
    await expectPrg('POST /orders/sync', owner, await post(owner, '/orders', '/orders/sync'));
    const listings = `/connections/${ids.NA}/listings`;
    const put = await post(owner, listings, new RegExp(`${listings}$`), {
      sku: 'PRG-1',
      productType: 'SHIRT',
      attributes: JSON.stringify(shirt()),
      marketplaceId: US,
    });
    await expectPrg('POST /connections/:id/listings', owner, put);
    const quick = await post(owner, listings, `${listings}/quick`, {
      sku: 'PRG-1',
      price: '12.50',
      quantity: '2',
      marketplaceId: US,
    });
    await expectPrg('POST /connections/:id/listings/quick', owner, quick);
    const del = await post(owner, listings, `${listings}/delete`, { sku: 'PRG-1', marketplaceId: US });
    await expectPrg('POST /connections/:id/listings/delete', owner, del);
    const refresh = await post(owner, listings, `${listings}/refresh`);
    await expectPrg('POST /connections/:id/listings/refresh', owner, refresh);
    const template = await owner.get(`${svc.url}${listings}?template=SHIRT`);
    // Every field of the template filled as a person would: a listed value where there is a list.
    const form = findForm(template.text, template.url, { action: /\/template$/ });
    const filled: Record<string, string> = { sku: 'PRG-2', marketplaceId: US };
    const sample = (name: string): string => {
      const select = new RegExp(`<select[^>]*name="${name}"[^>]*>([\\s\\S]*?)</select>`).exec(form.html);
      const option = select ? /<option value="([^"]+)"/.exec(select[1]!)?.[1] : undefined;
      if (option) return option;
      if (/identifier/.test(name)) return '012345678905';
      if (/offer|price/.test(name)) return '12.50';
      if (/availability|quantity/.test(name)) return '3';
      return 'PRG value';
    };
    for (const control of form.controls) {
      if (control.type === 'hidden' || filled[control.name] !== undefined || control.value !== '') continue;
      filled[control.name] = sample(control.name);
    }
    const sent = await owner.submit(template, filled, { action: /\/template$/, followRedirects: false });
    await expectPrg('POST /connections/:id/listings/template', owner, sent);
  });

  it('sandbox toolbar: rotate secrets, +1 day, and jump before the next expiry', async () => {
    await expectPrg(
      'POST /sandbox/rotate-secrets',
      owner,
      await post(owner, '/sandbox', '/sandbox/rotate-secrets'),
    );
    const moved = await post(owner, '/sandbox', /\/sandbox\/clock$/, { days: '1' });
    await expectPrg('POST /sandbox/clock', owner, moved);
    const jumped = await post(owner, '/sandbox', '/sandbox/clock/before-expiry', { days: '30' });
    await expectPrg('POST /sandbox/clock/before-expiry', owner, jumped);
  });

  it('covers every POST route of the portal', () => {
    const posts = svc.service.routes
      .filter((r) => r.method === 'POST')
      .map((r) => `POST ${r.path}`)
      .filter((r) => !r.startsWith('POST /api/') && r !== 'POST /amazon/notifications');
    expect(posts.length).toBeGreaterThan(20);
    expect([...new Set(posts)].filter((r) => !covered.has(r)).sort()).toEqual([]);
  });
});

/** The session's CSRF token as a page's forms carry it. */
function csrfOf(_browser: HttpBrowser, page: BrowserPage): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
  expect(token).toBeTruthy();
  return token!;
}
