import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApiKeys } from '../../src/accounts/api-keys.js';
import { createAccounts } from '../../src/accounts/service.js';
import { CONNECTION_PAGE_MAX } from '../../src/connections/list-page.js';
import type { Connection, Viewer } from '../../src/connections/repository.js';
import { cryptoRandom } from '../../src/kernel/random.js';
import { seedAccounts, seedConnections, type SeededAccount } from '../support/bulk-connections.js';
import { describeEachDatabase } from '../support/databases.js';
import { startTestService, type TestService } from '../support/service.js';
import { callApi, expectApiError } from './support.js';

/**
 * `GET /api/v1/connections` a page at a time (connections/list-page.ts), on both databases, over
 * 1,030 connections seeded straight into the tables (every lifecycle state, both APIs, three regions,
 * four accounts): `limit` + `cursor` pages walk every connection once in the list's order, every filter
 * and the search agree with the connections' own health as the connection manager reports it, an
 * account key sees its own account only, and without `limit` the answer is what it always was (at
 * most CONNECTION_PAGE_MAX, `nextCursor` only when cut).
 */

type View = { id: string; accountId: string; region: string; api: string; state: string };
type ListBody = { connections: View[]; nextCursor?: string | null };

describeEachDatabase('GET /api/v1/connections, a page at a time', (kind) => {
  let svc: TestService;
  let operatorKey: string;
  let accountKey: string;
  let accounts: SeededAccount[];
  /** Every connection with its health, as the connection manager reports it. */
  let all: Connection[];

  const list = async (key: string, query: string): Promise<ListBody> => {
    const answer = await callApi(svc, key, `/api/v1/connections${query}`);
    expect(answer.status).toBe(200);
    return answer.json as ListBody;
  };
  /** Every id the API lists for `query`, following nextCursor with pages of `limit`. */
  const walk = async (key: string, query: string, limit: number): Promise<string[]> => {
    const ids: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 200; pages++) {
      const suffix: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const body = await list(key, `?limit=${limit}${query}${suffix}`);
      expect(body.connections.length).toBeLessThanOrEqual(limit);
      ids.push(...body.connections.map((c) => c.id));
      cursor = body.nextCursor ?? null;
      if (cursor === null) return ids;
    }
    throw new Error('more than 200 pages');
  };
  const idsOf = (cs: Connection[]) => cs.map((c) => c.id).sort();

  beforeAll(async () => {
    svc = await startTestService({ database: kind });
    // No background work: the seeded refresh tokens are dummies the simulated Amazon refuses.
    await svc.service.graph.jobs?.stop(10_000);
    const use = createAccounts({ db: svc.store.db, clock: svc.service.clock, random: cryptoRandom });
    const ops = await use.addUser({
      accountId: null,
      username: 'ops',
      password: 'a long test password',
      role: 'operator',
    });
    const opsViewer: Viewer = { userId: ops.id, username: 'ops', role: 'operator', accountId: null };
    accounts = await seedAccounts(svc.store.db, 4, 'Paging Co');
    const [spApi] = await svc.service.applications.list('sp_api');
    const [ads] = await svc.service.applications.list('ads');
    await seedConnections(svc.store.db, svc.service.graph.vault, {
      accounts,
      applicationId: spApi!.id,
      count: 1020,
      now: svc.service.clock.now(),
      adsApplicationId: ads!.id,
      adsCount: 10,
    });
    const keys = createApiKeys({
      db: svc.store.db,
      clock: svc.service.clock,
      random: cryptoRandom,
      audit: svc.service.graph.audit,
    });
    operatorKey = (await keys.create(opsViewer, { name: 'ops', accountId: null })).key.reveal();
    accountKey = (await keys.create(opsViewer, { name: 'account', accountId: accounts[0]!.id })).key.reveal();
    all = await svc.service.graph.connections.list(opsViewer, undefined, 'all');
  }, 300_000);
  afterAll(async () => svc?.stop());

  it('walks every connection once, in the same order whatever the page size', async () => {
    expect(all.length).toBeGreaterThan(CONNECTION_PAGE_MAX);
    const small = await walk(operatorKey, '', 50);
    expect(new Set(small).size).toBe(small.length);
    expect([...small].sort()).toEqual(idsOf(all));
    expect(await walk(operatorKey, '', 333)).toEqual(small);
    // Region first (text order: EU, FE, NA), then seller.
    const region = new Map(all.map((c) => [c.id, c.region]));
    const regions = small.map((id) => region.get(id)!);
    expect(regions).toEqual([...regions].sort());
  });

  it('answers as before without limit: at most the maximum, nextCursor only when it cut the list', async () => {
    const operator = await list(operatorKey, '');
    expect(operator.connections).toHaveLength(CONNECTION_PAGE_MAX);
    expect(typeof operator.nextCursor).toBe('string');
    const rest = await list(operatorKey, `?cursor=${encodeURIComponent(operator.nextCursor!)}`);
    expect(rest.nextCursor).toBeNull();
    expect([...operator.connections, ...rest.connections].map((c) => c.id).sort()).toEqual(idsOf(all));

    const account = await list(accountKey, '');
    expect(Object.keys(account)).toEqual(['connections']);
    expect(account.connections.map((c) => c.id).sort()).toEqual(
      idsOf(all.filter((c) => c.accountId === accounts[0]!.id)),
    );
  });

  it('filters by state, health, region and API, and searches, page after page', async () => {
    const cases: [string, (c: Connection) => boolean][] = [
      ['&state=expiring', (c) => c.health.lifecycle === 'expiring'],
      ['&state=expired', (c) => c.health.lifecycle === 'expired'],
      ['&health=renew_needed', (c) => c.health.state === 'renew_needed'],
      ['&health=paused_by_amazon', (c) => c.health.state === 'paused_by_amazon'],
      ['&health=working', (c) => c.health.state === 'working'],
      ['&health=disconnected&region=EU', (c) => c.health.state === 'disconnected' && c.region === 'EU'],
      ['&api=ads', (c) => c.api === 'ads'],
      ['&q=a00000', (c) => c.sellingPartnerId.toLowerCase().startsWith('a00000')],
      ['&q=store%2000000', (c) => (c.storeName ?? '').toLowerCase().startsWith('store 00000')],
      [`&q=${encodeURIComponent(accounts[2]!.name)}`, (c) => c.accountId === accounts[2]!.id],
    ];
    for (const [query, expected] of cases) {
      const want = idsOf(all.filter(expected));
      expect(want.length, query).toBeGreaterThan(0);
      expect([...(await walk(operatorKey, query, 40))].sort(), query).toEqual(want);
    }
  });

  it('an account key sees its own account only, whatever accountId or the search names', async () => {
    const other = accounts[1]!;
    const own = idsOf(all.filter((c) => c.accountId === accounts[0]!.id));
    expect((await walk(accountKey, `&accountId=${other.id}`, 100)).sort()).toEqual(own);
    expect(await walk(accountKey, `&q=${encodeURIComponent(other.name)}`, 100)).toEqual([]);
    const operatorView = await walk(operatorKey, `&accountId=${other.id}`, 100);
    expect(operatorView.sort()).toEqual(idsOf(all.filter((c) => c.accountId === other.id)));
  });

  it('refuses a cursor it did not give and a limit out of range, naming the parameter', async () => {
    expectApiError(
      await callApi(svc, operatorKey, '/api/v1/connections?cursor=nonsense'),
      400,
      'VALIDATION_FAILED',
      'cursor',
    );
    for (const limit of ['0', String(CONNECTION_PAGE_MAX + 1), 'x'])
      expectApiError(
        await callApi(svc, operatorKey, `/api/v1/connections?limit=${limit}`),
        400,
        'VALIDATION_FAILED',
        'limit',
      );
  });
});
