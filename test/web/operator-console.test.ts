import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccounts } from '../../src/accounts/service.js';
import { searchConnections, type OperatorConnectionQuery } from '../../src/connections/operator-search.js';
import type { Connection, Viewer } from '../../src/connections/repository.js';
import { DAY } from '../../src/kernel/clock.js';
import { cryptoRandom } from '../../src/kernel/random.js';
import { seedAccounts, seedConnections, type SeededAccount } from '../support/bulk-connections.js';
import { decodeEntities, findForm, type BrowserPage, type HttpBrowser } from '../support/http-browser.js';
import { inProcessBrowser } from '../support/in-process.js';
import { signedInBrowser } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';

/**
 * The operators' console in process (sandbox service, PGlite): `/operator/accounts`,
 * `/operator/accounts/{id}` and `/operator/connections` over ~130 connections seeded straight into
 * the database across several accounts, both APIs and every lifecycle state. The search, every
 * filter and the keyset paging are checked against the connections' own health (lifecycle/health.ts)
 * as the connection manager reports it; the forms against what is stored afterwards.
 */

const PASSWORD = 'a long test password';
const CONNECTIONS = '/operator/connections';
const ACCOUNTS = '/operator/accounts';

interface PageRow {
  id: string;
  lifecycle: string;
  health: string;
  region: string;
  api: string;
}

const ROW =
  /<tr data-connection="([^"]+)" data-lifecycle="([^"]+)" data-health="([^"]+)" data-region="([^"]+)" data-api="([^"]+)"/g;

/** The connection rows of a page. */
function rowsOf(page: BrowserPage): PageRow[] {
  return [...page.text.matchAll(ROW)].map((m) => ({
    id: m[1]!,
    lifecycle: m[2]!,
    health: m[3]!,
    region: m[4]!,
    api: m[5]!,
  }));
}

/** The Next or Previous link of a page (decoded), or null. */
function linkOf(page: BrowserPage, rel: 'next' | 'prev'): string | null {
  const m = new RegExp(`<a class="button" rel="${rel}" href="([^"]+)"`).exec(page.text);
  return m ? decodeEntities(m[1]!) : null;
}

/** "1-50 of 126" */
function rangeOf(page: BrowserPage): string {
  return decodeEntities(/<p data-range="[a-z]+">\s*<strong>([^<]*)<\/strong>/.exec(page.text)?.[1] ?? '');
}

/** The alert of a refused form or filter, and the field it names. */
function alertOf(page: BrowserPage): { field: string; message: string } | null {
  const m = /<p class="banner bad" role="alert" data-field="([^"]*)">([\s\S]*?)<\/p>/.exec(page.text);
  return m ? { field: m[1]!, message: decodeEntities(m[2]!.trim()) } : null;
}

/** Newest first, as the console pages: created_at, then id (both descending). */
function byPageOrder(a: Connection, b: Connection): number {
  const t = b.authorizedAt.getTime() - a.authorizedAt.getTime();
  return t !== 0 ? t : b.id < a.id ? -1 : b.id > a.id ? 1 : 0;
}

describe('operator console: accounts, users and every connection', () => {
  let svc: TestService;
  let operator: HttpBrowser;
  let owner: HttpBrowser;
  let member: HttpBrowser;
  let opsViewer: Viewer;
  let accounts: SeededAccount[];
  /** Every connection with its health, as the connection manager reports it. */
  let all: Connection[];
  let now = 0;
  const accountsUseCases = () =>
    createAccounts({ db: svc.store.db, clock: svc.service.clock, random: cryptoRandom });

  /** Follows Next from `path` to the last page; returns every page. */
  const walkForward = async (path: string): Promise<BrowserPage[]> => {
    const pages = [await operator.get(`${svc.url}${path}`)];
    for (let next = linkOf(pages[0]!, 'next'); next; next = linkOf(pages[pages.length - 1]!, 'next')) {
      pages.push(await operator.get(`${svc.url}${next}`));
      expect(pages.length).toBeLessThan(50);
    }
    return pages;
  };
  /** Every connection id the console lists for a query, in page order. */
  const listed = async (query: string): Promise<string[]> =>
    (await walkForward(`${CONNECTIONS}${query}`)).flatMap((p) => rowsOf(p).map((r) => r.id));

  beforeAll(async () => {
    svc = await startTestService({ env: { SECRET_ROTATE_AHEAD_DAYS: '0' } });
    const use = accountsUseCases();
    const ops = await use.addUser({ accountId: null, username: 'ops', password: PASSWORD, role: 'operator' });
    opsViewer = { userId: ops.id, username: ops.username, role: 'operator', accountId: null };
    const demo = (await use.findAccount('Demo Seller Co'))!;
    await use.addUser({ accountId: demo.id, username: 'mia', password: PASSWORD, role: 'member' });
    operator = await signedInBrowser(svc, 'ops', PASSWORD);
    owner = await signedInBrowser(svc);
    member = await signedInBrowser(svc, 'mia', PASSWORD);
    now = svc.service.clock.now();
    // No background work: the seeded refresh tokens are dummies the simulated Amazon refuses, so the
    // health probe and the importers would revoke them while the test looks at them.
    await svc.service.graph.jobs?.stop(10_000);
    accounts = await seedAccounts(svc.store.db, 4, 'Console Co');
    const [spApi] = await svc.service.applications.list('sp_api');
    const [ads] = await svc.service.applications.list('ads');
    await seedConnections(svc.store.db, svc.service.graph.vault, {
      accounts,
      applicationId: spApi!.id,
      count: 120,
      now,
      adsApplicationId: ads!.id,
      adsCount: 6,
    });
    all = (await svc.service.graph.connections.list(opsViewer, undefined, 'all')).sort(byPageOrder);
  });
  afterAll(async () => svc?.stop());

  it('lists every connection of every account, 50 a page, newest first, with the total', async () => {
    expect(all.length).toBeGreaterThanOrEqual(126);
    const page = await operator.get(`${svc.url}${CONNECTIONS}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(rangeOf(page)).toBe(`1-50 of ${all.length}`);
    const rows = rowsOf(page);
    expect(rows.map((r) => r.id)).toEqual(all.slice(0, 50).map((c) => c.id));
    // Each row: the health's state words, its account, and a link to the connection's own page.
    for (const row of rows) {
      const c = all.find((x) => x.id === row.id)!;
      expect(row).toEqual({
        id: c.id,
        lifecycle: c.health.lifecycle,
        health: c.health.state,
        region: c.region,
        api: c.api,
      });
      const path = c.api === 'ads' ? `/ads-connections/${c.id}` : `/connections/${c.id}`;
      expect(page.text).toContain(`href="${path}"`);
      expect(page.text).toContain(`href="/operator/accounts/${c.accountId}"`);
    }
    expect(decodeEntities(page.text)).toContain(all[0]!.health.label);
    // The operator can open a listed connection of another account.
    expect(
      (await operator.get(`${svc.url}/connections/${all.find((c) => c.api === 'sp_api')!.id}`)).status,
    ).toBe(200);
    // Operators get the console in the navigation.
    for (const href of [ACCOUNTS, CONNECTIONS, '/operator/applications'])
      expect(page.text).toContain(`href="${href}"`);
  });

  it('pages forward with Next to the last page and back with Previous, keeping the filters', async () => {
    const pages = await walkForward(CONNECTIONS);
    expect(pages.length).toBe(Math.ceil(all.length / 50));
    expect(pages.flatMap((p) => rowsOf(p).map((r) => r.id))).toEqual(all.map((c) => c.id));
    expect(rangeOf(pages[1]!)).toBe(`51-100 of ${all.length}`);
    expect(linkOf(pages[0]!, 'prev')).toBeNull();
    expect(linkOf(pages[pages.length - 1]!, 'next')).toBeNull();
    // Back from the last page: the same pages in reverse.
    let current = pages[pages.length - 1]!;
    for (let i = pages.length - 2; i >= 0; i--) {
      const prev = linkOf(current, 'prev');
      expect(prev).not.toBeNull();
      current = await operator.get(`${svc.url}${prev}`);
      expect(rowsOf(current).map((r) => r.id)).toEqual(rowsOf(pages[i]!).map((r) => r.id));
      expect(rangeOf(current)).toBe(rangeOf(pages[i]!));
    }
    // Filters ride along on the paging links.
    const filtered = await operator.get(`${svc.url}${CONNECTIONS}?api=sp_api&q=store`);
    const next = linkOf(filtered, 'next');
    expect(next).toMatch(/^\/operator\/connections\?q=store&api=sp_api&after=[A-Za-z0-9_-]+$/);
    const second = await operator.get(`${svc.url}${next}`);
    expect(linkOf(second, 'prev')).toMatch(/^\/operator\/connections\?q=store&api=sp_api&before=/);
  });

  it('filters by every lifecycle state exactly as the connections’ health says', async () => {
    for (const state of ['active', 'expiring', 'expired', 'revoked', 'error', 'disconnected']) {
      const expected = all.filter((c) => c.health.lifecycle === state).map((c) => c.id);
      expect(expected.length, state).toBeGreaterThan(0);
      expect(await listed(`?state=${state}`), state).toEqual(expected);
    }
  });

  it('filters by region, API and "expiring within N days", alone and combined', async () => {
    for (const region of ['NA', 'EU', 'FE']) {
      expect(await listed(`?region=${region}`)).toEqual(
        all.filter((c) => c.region === region).map((c) => c.id),
      );
    }
    const ads = all.filter((c) => c.api === 'ads').map((c) => c.id);
    expect(ads.length).toBe(6);
    expect(await listed('?api=ads')).toEqual(ads);
    expect(await listed('?api=sp_api')).toEqual(all.filter((c) => c.api === 'sp_api').map((c) => c.id));
    const within = (days: number) =>
      all
        .filter(
          (c) =>
            ['active', 'expiring', 'error'].includes(c.health.lifecycle) &&
            c.expiresAt !== null &&
            c.expiresAt.getTime() > now &&
            c.expiresAt.getTime() <= now + days * DAY,
        )
        .map((c) => c.id);
    for (const days of [7, 30, 90]) {
      expect(within(days).length).toBeGreaterThan(0);
      expect(await listed(`?expiring=${days}`)).toEqual(within(days));
    }
    const combined = all
      .filter((c) => c.region === 'EU' && c.health.lifecycle === 'expiring' && c.api === 'sp_api')
      .map((c) => c.id);
    expect(combined.length).toBeGreaterThan(0);
    expect(await listed('?state=expiring&region=EU&api=sp_api')).toEqual(combined);
  });

  it('searches by seller id, store name and account name (start, any case) or a whole id', async () => {
    const seller = all.find((c) => c.api === 'sp_api' && c.storeName)!;
    expect(await listed(`?q=${encodeURIComponent(seller.sellingPartnerId.toLowerCase())}`)).toEqual([
      seller.id,
    ]);
    const store = seller.storeName!.slice(0, 14).toUpperCase(); // "STORE 0000001A"
    expect(await listed(`?q=${encodeURIComponent(store)}`)).toEqual(
      all.filter((c) => c.storeName?.toUpperCase().startsWith(store)).map((c) => c.id),
    );
    const account = accounts[2]!;
    const ofAccount = all.filter((c) => c.accountId === account.id).map((c) => c.id);
    expect(ofAccount.length).toBeGreaterThan(20);
    expect(await listed(`?q=${encodeURIComponent(account.name.toLowerCase())}`)).toEqual(ofAccount);
    expect(await listed(`?q=${all[7]!.id}`)).toEqual([all[7]!.id]);
    expect(await listed(`?account=${account.id}`)).toEqual(ofAccount);
    // LIKE's wildcards are taken literally; a prefix that matches nothing lists nothing.
    for (const q of ['%', '_', 'no such thing']) {
      const page = await operator.get(`${svc.url}${CONNECTIONS}?q=${encodeURIComponent(q)}`);
      expect(rowsOf(page)).toEqual([]);
      expect(rangeOf(page)).toBe('No connections match.');
    }
    // The search form is a GET form whose fields are the filters.
    const form = findForm((await operator.get(`${svc.url}${CONNECTIONS}`)).text, svc.url, {
      action: CONNECTIONS,
    });
    expect(form.method).toBe('GET');
    expect(Object.keys(form.fields).sort()).toEqual(['api', 'expiring', 'q', 'region', 'state']);
    const searched = await operator.submit(
      await operator.get(`${svc.url}${CONNECTIONS}`),
      { q: account.name, region: 'FE' },
      { action: CONNECTIONS },
    );
    expect(rowsOf(searched).map((r) => r.id)).toEqual(
      all.filter((c) => c.accountId === account.id && c.region === 'FE').map((c) => c.id),
    );
  });

  it('reads the same pages walking the created_at index as filtering first (both query plans)', async () => {
    const db = svc.store.db;
    /** Every page of a search, forward then back, as [from, ids] pairs. */
    const walk = async (query: OperatorConnectionQuery, filterFirstBelow: number) => {
      const seen: [number, string[]][] = [];
      let page = await searchConnections(db, opsViewer, { ...query, limit: 7 }, now, { filterFirstBelow });
      seen.push([page.from, page.rows.map((r) => r.connection.id)]);
      while (page.next) {
        page = await searchConnections(db, opsViewer, { ...query, limit: 7, after: page.next }, now, {
          filterFirstBelow,
        });
        seen.push([page.from, page.rows.map((r) => r.connection.id)]);
      }
      while (page.previous) {
        page = await searchConnections(db, opsViewer, { ...query, limit: 7, before: page.previous }, now, {
          filterFirstBelow,
        });
        seen.push([page.from, page.rows.map((r) => r.connection.id)]);
      }
      return seen;
    };
    for (const query of [
      {},
      { state: 'expiring' as const },
      { api: 'ads' as const },
      { q: accounts[0]!.name, region: 'EU' as const },
    ]) {
      const indexOrder = await walk(query, 0);
      expect(indexOrder, JSON.stringify(query)).toEqual(await walk(query, Number.MAX_SAFE_INTEGER));
      const expected = all.filter(
        (c) =>
          (query.state ? c.health.lifecycle === query.state : true) &&
          (query.api ? c.api === query.api : true),
      ).length;
      if (!('q' in query))
        expect(indexOrder.filter(([, ids]) => ids.length).length).toBeGreaterThanOrEqual(
          Math.ceil(expected / 7),
        );
      // Forward then back: the first page again, at position 1.
      expect(indexOrder[indexOrder.length - 1]).toEqual(indexOrder[0]);
      expect(indexOrder[0]![0]).toBe(1);
    }
  });

  it('refuses a bad filter or page link with a 400 that names it', async () => {
    for (const [query, field] of [
      ['state=working', 'state'],
      ['region=US', 'region'],
      ['api=mws', 'api'],
      ['expiring=0', 'expiring'],
      ['expiring=soon', 'expiring'],
      ['account=not-an-id', 'account'],
      ['after=garbage!', 'after'],
      [`before=${Buffer.from('["x","y"]').toString('base64url')}`, 'before'],
      [`q=${'x'.repeat(201)}`, 'q'],
    ] as const) {
      const page = await operator.get(`${svc.url}${CONNECTIONS}?${query}`);
      expect(page.status, query).toBe(400);
      expect(alertOf(page)?.field, query).toBe(field);
      expect(rowsOf(page)).toEqual([]);
    }
  });

  it('lists accounts with their counts, searches them by name or external id, and pages them', async () => {
    const page = await operator.get(`${svc.url}${ACCOUNTS}`);
    expect(page.status).toBe(200);
    const text = decodeEntities(page.text);
    for (const a of accounts) {
      const n = all.filter((c) => c.accountId === a.id).length;
      const row = new RegExp(
        `<tr data-account="${a.id}">[\\s\\S]*?<td data-field="users">0</td><td data-field="connections"><a href="[^"]+">${n}</a>`,
      );
      expect(text).toMatch(row);
    }
    const byName = await operator.get(`${svc.url}${ACCOUNTS}?q=console%20co%2000003`);
    expect([...byName.text.matchAll(/<tr data-account="([^"]+)"/g)].map((m) => m[1])).toEqual([
      accounts[2]!.id,
    ]);
    const byExternal = await operator.get(`${svc.url}${ACCOUNTS}?q=CONSOLE-CO-EXT-4`);
    expect([...byExternal.text.matchAll(/<tr data-account="([^"]+)"/g)].map((m) => m[1])).toEqual([
      accounts[3]!.id,
    ]);
    // 60 more accounts: two pages of a search, forward and back.
    const more = await seedAccounts(svc.store.db, 60, 'Paging Co');
    const first = await operator.get(`${svc.url}${ACCOUNTS}?q=paging`);
    expect(rangeOf(first)).toBe('1-50 of 60');
    const next = linkOf(first, 'next')!;
    expect(next).toMatch(/^\/operator\/accounts\?q=paging&after=/);
    const second = await operator.get(`${svc.url}${ACCOUNTS}${next.slice(ACCOUNTS.length)}`);
    expect(rangeOf(second)).toBe('51-60 of 60');
    const ids = [first, second].flatMap((p) =>
      [...p.text.matchAll(/<tr data-account="([^"]+)"/g)].map((m) => m[1]),
    );
    // Created in one statement, so with one timestamp: the id orders them (newest first, then id).
    expect(ids).toEqual(
      more
        .map((a) => a.id)
        .sort()
        .reverse(),
    );
    const back = await operator.get(`${svc.url}${linkOf(second, 'prev')}`);
    expect(rangeOf(back)).toBe('1-50 of 60');
  });

  it('creates an account (POST, then redirect to it); a bad name is refused and creates nothing', async () => {
    const list = await operator.get(`${svc.url}${ACCOUNTS}`);
    const created = await operator.submit(
      list,
      { name: '  Fresh Seller GmbH ' },
      { action: ACCOUNTS, index: 1, followRedirects: false },
    );
    expect(created.status).toBe(303);
    expect(created.location).toMatch(/^\/operator\/accounts\/[0-9a-f-]{36}\?notice=created$/);
    const shown = await operator.get(`${svc.url}${created.location}`);
    expect(decodeEntities(shown.text)).toContain('<h1>Fresh Seller GmbH</h1>');
    expect(shown.text).toContain('Created the account.');
    const count = (await accountsUseCases().listAccounts()).length;
    for (const name of ['', '   ', 'x'.repeat(201)]) {
      const refused = await operator.submit(
        list,
        { name },
        { action: ACCOUNTS, index: 1, followRedirects: false },
      );
      expect(refused.status).toBe(400);
      expect(alertOf(refused)).toEqual({
        field: 'name',
        message: 'Nothing was created: an account name needs 1-200 characters.',
      });
    }
    // Without the session's CSRF token: refused, nothing created.
    const forged = await operator.submit(
      list,
      { name: 'Forged', _csrf: 'nope' },
      { action: ACCOUNTS, index: 1, followRedirects: false },
    );
    expect(forged.status).toBe(403);
    expect((await accountsUseCases().listAccounts()).length).toBe(count);
  });

  it('shows an account (users, external id, connections) and adds users; bad input changes nothing', async () => {
    const account = accounts[1]!;
    const path = `${ACCOUNTS}/${account.id}`;
    const page = await operator.get(`${svc.url}${path}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<code>console-co-ext-2</code>');
    const ofAccount = all.filter((c) => c.accountId === account.id);
    expect(rangeOf(page)).toBe(`1-${ofAccount.length} of ${ofAccount.length}`);
    expect(rowsOf(page).map((r) => r.id)).toEqual(ofAccount.map((c) => c.id));
    const users = async () =>
      await svc.store.db
        .selectFrom('users')
        .select(['username', 'role', 'email'])
        .where('account_id', '=', account.id)
        .execute();
    const form = { action: `${path}/users`, followRedirects: false };
    const good = {
      username: 'lena.owner',
      role: 'owner',
      email: 'Lena@Example.com',
      password: 'correct horse battery',
    };
    const refusals: [Record<string, string>, string][] = [
      [{ ...good, password: 'short' }, 'password'],
      [{ ...good, password: 'aaaaaaaaaaaaaaaa' }, 'password'],
      [{ ...good, username: 'x' }, 'username'],
      [{ ...good, username: 'has space' }, 'username'],
      [{ ...good, username: 'ops' }, 'username'],
      [{ ...good, role: 'operator' }, 'role'],
      [{ ...good, email: 'not-an-address' }, 'email'],
    ];
    for (const [fields, field] of refusals) {
      const refused = await operator.submit(page, fields, form);
      expect(refused.status, JSON.stringify(fields)).toBe(400);
      expect(alertOf(refused)?.field).toBe(field);
      expect(alertOf(refused)?.message).toMatch(/^Nothing was added: /);
      expect(refused.text).not.toContain(fields.password);
      // The form comes back with what was typed, but never the password.
      expect(findForm(refused.text, refused.url, { action: `${path}/users` }).fields.password).toBe('');
    }
    expect(await users()).toEqual([]);
    const forged = await operator.submit(page, { ...good, _csrf: 'nope' }, form);
    expect(forged.status).toBe(403);
    expect(await users()).toEqual([]);
    const added = await operator.submit(page, good, form);
    expect(added.status).toBe(303);
    expect(added.location).toBe(`${path}?notice=user-added`);
    expect(await users()).toEqual([{ username: 'lena.owner', role: 'owner', email: 'lena@example.com' }]);
    const after = await operator.get(`${svc.url}${added.location}`);
    expect(after.text).toContain('<tr data-user="lena.owner">');
    // The new owner signs in and sees only the account's connections.
    const lena = await signedInBrowser(svc, 'lena.owner', good.password);
    expect((await lena.get(`${svc.url}${CONNECTIONS}`)).status).toBe(404);
    expect(
      (
        await svc.service.graph.connections.list(
          { userId: 'x', username: 'lena.owner', role: 'owner', accountId: account.id },
          undefined,
          'all',
        )
      ).length,
    ).toBe(ofAccount.length);
    // An unknown account is a 404.
    expect((await operator.get(`${svc.url}${ACCOUNTS}/00000000-0000-4000-8000-000000000000`)).status).toBe(
      404,
    );
    expect((await operator.get(`${svc.url}${ACCOUNTS}/nope`)).status).toBe(404);
  });

  it('is the plain 404 of an unknown address for owners and members (pages and forms); sign-in for the anonymous', async () => {
    const before = (await accountsUseCases().listAccounts()).length;
    const paths = [CONNECTIONS, ACCOUNTS, `${ACCOUNTS}/${accounts[0]!.id}`, `${CONNECTIONS}?state=active`];
    for (const browser of [owner, member]) {
      const unknown = await browser.get(`${svc.url}/operator/no-such-page`);
      expect(unknown.status).toBe(404);
      for (const path of paths) {
        const page = await browser.get(`${svc.url}${path}`);
        expect(page.status, path).toBe(404);
        expect(page.text).toBe(unknown.text);
      }
      const home = await browser.get(`${svc.url}/connections`);
      expect(home.text).not.toContain(`href="${ACCOUNTS}"`);
      const csrf = findForm(home.text, home.url, { action: '/logout' }).fields._csrf!;
      for (const [path, body] of [
        [ACCOUNTS, { _csrf: csrf, name: 'Not Mine' }],
        [
          `${ACCOUNTS}/${accounts[0]!.id}/users`,
          { _csrf: csrf, username: 'intruder', role: 'owner', password: PASSWORD },
        ],
      ] as const) {
        const posted = await browser.post(`${svc.url}${path}`, body, {
          headers: { origin: svc.url },
          followRedirects: false,
        });
        expect(posted.status).toBe(404);
        expect(posted.text).toBe(unknown.text);
      }
    }
    expect((await accountsUseCases().listAccounts()).length).toBe(before);
    expect(
      await svc.store.db.selectFrom('users').select('id').where('username', '=', 'intruder').execute(),
    ).toEqual([]);
    const anonymous = inProcessBrowser(svc);
    for (const path of [CONNECTIONS, ACCOUNTS]) {
      const page = await anonymous.get(`${svc.url}${path}`, { followRedirects: false });
      expect(page.status).toBe(302);
      expect(page.location).toBe(`/login?next=${encodeURIComponent(path)}`);
    }
    const post = await anonymous.post(
      `${svc.url}${ACCOUNTS}`,
      { name: 'Anon' },
      { headers: { origin: svc.url }, followRedirects: false },
    );
    expect(post.status).toBe(303);
    expect(post.location).toBe('/login');
  });

  it('rotates an SP-API client secret now from the applications page', async () => {
    const [app] = await svc.service.applications.list('sp_api');
    const page = await operator.get(`${svc.url}/operator/applications`);
    const form = findForm(page.text, page.url, { action: '/operator/applications/rotate' });
    expect(form.fields.application).toBe(app!.id);
    expect(page.text).not.toContain(`<option value="${(await svc.service.applications.list('ads'))[0]!.id}"`);
    const forged = await operator.submit(
      page,
      { _csrf: 'nope' },
      { action: '/operator/applications/rotate', followRedirects: false },
    );
    expect(forged.status).toBe(403);
    expect((await svc.service.applications.get(app!.id)).rotation.state).toBe(app!.rotation.state);
    const done = await operator.submit(
      page,
      {},
      { action: '/operator/applications/rotate', followRedirects: false },
    );
    expect(done.status).toBe(303);
    expect(done.location).toMatch(/^\/operator\/applications\?notice=(rotated|rotation-requested)$/);
    const after = await svc.service.applications.get(app!.id);
    if (done.location!.endsWith('=rotated')) {
      expect(after.clientSecretIssuedAt.getTime()).toBeGreaterThan(app!.clientSecretIssuedAt.getTime());
    } else {
      expect(after.rotation.state).toBe('requested');
    }
    const audit = await svc.store.db
      .selectFrom('audit_log')
      .select(['actor', 'outcome'])
      .where('action', '=', 'application.secret_rotation_requested')
      .execute();
    expect(audit).toContainEqual({ actor: 'user:ops', outcome: 'success' });
    // Owners cannot.
    const home = await owner.get(`${svc.url}/connections`);
    const csrf = findForm(home.text, home.url, { action: '/logout' }).fields._csrf!;
    const refused = await owner.post(
      `${svc.url}/operator/applications/rotate`,
      { _csrf: csrf, application: app!.id },
      { headers: { origin: svc.url }, followRedirects: false },
    );
    expect(refused.status).toBe(404);
  });
});
