import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAccounts } from '../../src/accounts/service.js';
import type { Connection, Viewer } from '../../src/connections/repository.js';
import { cryptoRandom } from '../../src/kernel/random.js';
import { CONNECTIONS_PAGE_SIZE } from '../../src/web/routes/connections.js';
import { seedAccounts, seedConnections, type SeededAccount } from '../support/bulk-connections.js';
import { describeEachDatabase } from '../support/databases.js';
import { decodeEntities, type BrowserPage } from '../support/http-browser.js';
import { signedInBrowser } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';

/**
 * The portal's `/connections` a page at a time (connections/list-page.ts): an operator, who sees
 * every account, pages through all of them with Next, and the banners still speak of connections on
 * other pages; an account whose connections fit on one page sees them all, with no page links.
 */

const PASSWORD = 'a long test password';
const ROW = /<tr\s+data-connection="([^"]+)"/g;

const rowsOf = (page: BrowserPage): string[] => [...page.text.matchAll(ROW)].map((m) => m[1]!);
const nextOf = (page: BrowserPage): string | null => {
  const m = /<a class="button" rel="next" href="([^"]+)"/.exec(page.text);
  return m ? decodeEntities(m[1]!) : null;
};

describeEachDatabase('/connections a page at a time', (kind) => {
  let svc: TestService;
  let accounts: SeededAccount[];
  let all: Connection[];

  beforeAll(async () => {
    svc = await startTestService({ database: kind });
    // No background work: the seeded refresh tokens are dummies the simulated Amazon refuses.
    await svc.service.graph.jobs?.stop(10_000);
    const use = createAccounts({ db: svc.store.db, clock: svc.service.clock, random: cryptoRandom });
    const ops = await use.addUser({ accountId: null, username: 'ops', password: PASSWORD, role: 'operator' });
    accounts = await seedAccounts(svc.store.db, 3, 'Pages Co');
    await use.addUser({ accountId: accounts[0]!.id, username: 'owner0', password: PASSWORD, role: 'owner' });
    const [spApi] = await svc.service.applications.list('sp_api');
    await seedConnections(svc.store.db, svc.service.graph.vault, {
      accounts,
      applicationId: spApi!.id,
      count: 2 * CONNECTIONS_PAGE_SIZE + 40,
      now: svc.service.clock.now(),
    });
    const viewer: Viewer = { userId: ops.id, username: 'ops', role: 'operator', accountId: null };
    all = await svc.service.graph.connections.list(viewer, undefined, 'sp_api');
  }, 300_000);
  afterAll(async () => svc?.stop());

  it("pages through every account's connections for an operator, the banners over all of them", async () => {
    const browser = await signedInBrowser(svc, 'ops', PASSWORD);
    const pages = [await browser.get(`${svc.url}/connections`)];
    for (let next = nextOf(pages[0]!); next; next = nextOf(pages.at(-1)!)) {
      pages.push(await browser.get(`${svc.url}${next}`));
      expect(pages.length).toBeLessThan(10);
    }
    expect(pages.map((p) => rowsOf(p).length)).toEqual([CONNECTIONS_PAGE_SIZE, CONNECTIONS_PAGE_SIZE, 40]);
    const listed = pages.flatMap(rowsOf);
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual(all.map((c) => c.id).sort());
    // The last page's banners still count the revoked connections listed on the first pages.
    const revoked = all.filter((c) => c.health.lifecycle === 'revoked' && c.health.state === 'renew_needed');
    expect(revoked.length).toBeGreaterThan(0);
    const last = pages.at(-1)!;
    expect(last.text).toContain('data-banner="broken"');
    const elsewhere = revoked.find((c) => rowsOf(pages[0]!).includes(c.id) && c.storeName !== null)!;
    expect(decodeEntities(last.text)).toContain(elsewhere.storeName!);
    expect(last.text).toContain('rel="first"');
  });

  it('shows an account whose connections fit on one page whole, without page links', async () => {
    const browser = await signedInBrowser(svc, 'owner0', PASSWORD);
    const page = await browser.get(`${svc.url}/connections`);
    const own = all.filter((c) => c.accountId === accounts[0]!.id);
    expect(own.length).toBeLessThanOrEqual(CONNECTIONS_PAGE_SIZE);
    expect(rowsOf(page).sort()).toEqual(own.map((c) => c.id).sort());
    expect(page.text).not.toContain('rel="next"');
    expect(page.text).not.toContain('data-pages');
  });

  it('answers a page link that is not valid any more with 400, not a page of someone else', async () => {
    const browser = await signedInBrowser(svc, 'ops', PASSWORD);
    const page = await browser.get(`${svc.url}/connections?cursor=not-a-cursor`);
    expect(page.status).toBe(400);
    expect(rowsOf(page)).toEqual([]);
  });
});
