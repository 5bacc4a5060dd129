import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccounts } from '../../src/accounts/service.js';
import type { Connection } from '../../src/connections/repository.js';
import { cryptoRandom } from '../../src/kernel/random.js';
import { seedAccounts, seedConnections, type SeededAccount } from '../support/bulk-connections.js';
import { chromiumOrSkip, launchChromium, signedInPage } from '../support/chromium.js';
import { startTestService, type TestService } from '../support/service.js';

/**
 * The operators' console in a real browser (Debian's chromium through playwright-core): an operator
 * signs in, opens "All connections" from the navigation, searches, filters with the form's selects,
 * pages forward and back with the links, and opens the applications page. Connections are seeded
 * straight into the database (test/support/bulk-connections.ts). A screenshot goes to
 * test-results/operator-console.png.
 */

const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const PASSWORD = 'a long test password';
const chromiumExe = chromiumOrSkip();

describe.skipIf(!chromiumExe.path)(
  `operator console in a real browser (chromium)${chromiumExe.path ? '' : ` — skipped: ${chromiumExe.reason}`}`,
  () => {
    let svc: TestService;
    let browser: Browser | undefined;
    let page: Page;
    let accounts: SeededAccount[];
    let all: Connection[];

    /** The connection ids of the table on the page, in order. */
    const listedIds = () =>
      page
        .locator('table[data-table="connections"] tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-connection')));
    const range = () => page.locator('p[data-range]').innerText();
    /** Clicks a link or button and waits for the next page to load. */
    const follow = async (name: string, role: 'link' | 'button' = 'link') => {
      const before = page.url();
      await page.getByRole(role, { name, exact: true }).click();
      await page.waitForURL((url) => url.href !== before);
      await page.waitForLoadState();
    };

    beforeAll(async () => {
      mkdirSync(RESULTS, { recursive: true });
      svc = await startTestService({ env: { SECRET_ROTATE_AHEAD_DAYS: '0' } });
      const use = createAccounts({ db: svc.store.db, clock: svc.service.clock, random: cryptoRandom });
      const ops = await use.addUser({
        accountId: null,
        username: 'ops',
        password: PASSWORD,
        role: 'operator',
      });
      // No background work: the seeded refresh tokens are dummies the simulated Amazon refuses, so the
      // health probe and the importers would revoke them while the test looks at them.
      await svc.service.graph.jobs?.stop(10_000);
      accounts = await seedAccounts(svc.store.db, 3, 'Browser Co');
      const [spApi] = await svc.service.applications.list('sp_api');
      const [ads] = await svc.service.applications.list('ads');
      await seedConnections(svc.store.db, svc.service.graph.vault, {
        accounts,
        applicationId: spApi!.id,
        count: 120,
        now: svc.service.clock.now(),
        adsApplicationId: ads!.id,
        adsCount: 3,
      });
      all = await svc.service.graph.connections.list(
        { userId: ops.id, username: 'ops', role: 'operator', accountId: null },
        undefined,
        'all',
      );
      browser = await launchChromium(chromiumExe.path!);
      ({ page } = await signedInPage(browser, svc.url, { username: 'ops', password: PASSWORD }));
    }, 240_000);

    afterAll(async () => {
      await browser?.close();
      await svc?.stop();
    });

    it('lists every connection and pages forward and back', async () => {
      await follow('All connections');
      expect(page.url()).toBe(`${svc.url}/operator/connections`);
      expect(await range()).toBe(`1-50 of ${all.length}`);
      const first = await listedIds();
      expect(first).toHaveLength(50);
      await follow('Next →');
      expect(page.url()).toMatch(/after=/);
      expect(await range()).toBe(`51-100 of ${all.length}`);
      const second = await listedIds();
      expect(second).toHaveLength(50);
      expect(second.filter((id) => first.includes(id))).toEqual([]);
      await follow('Next →');
      expect(await range()).toBe(`101-${all.length} of ${all.length}`);
      expect(await page.getByRole('link', { name: 'Next →' }).count()).toBe(0);
      await follow('← Previous');
      expect(page.url()).toMatch(/before=/);
      expect(await listedIds()).toEqual(second);
      await follow('← Previous');
      expect(await range()).toBe(`1-50 of ${all.length}`);
      expect(await listedIds()).toEqual(first);
    });

    it('searches by account name and filters by state and region with the form', async () => {
      const account = accounts[1]!;
      await page.goto(`${svc.url}/operator/connections`);
      await page.getByRole('searchbox', { name: 'Search' }).fill(account.name.toUpperCase());
      await follow('Search', 'button');
      expect(page.url()).toMatch(/q=BROWSER/);
      const ofAccount = all.filter((c) => c.accountId === account.id);
      expect(await range()).toBe(`1-${ofAccount.length} of ${ofAccount.length}`);
      expect((await listedIds()).sort()).toEqual(ofAccount.map((c) => c.id).sort());
      // Narrow down: expiring, in Europe (the search stays in the form).
      await page.getByLabel('State').selectOption('expiring');
      await page.getByLabel('Region').selectOption('EU');
      await follow('Search', 'button');
      expect(page.url()).toMatch(/state=expiring&region=EU/);
      expect(await page.getByRole('searchbox', { name: 'Search' }).inputValue()).toBe(
        account.name.toUpperCase(),
      );
      const expected = ofAccount.filter((c) => c.health.lifecycle === 'expiring' && c.region === 'EU');
      expect(expected.length).toBeGreaterThan(0);
      expect((await listedIds()).sort()).toEqual(expected.map((c) => c.id).sort());
      const states = await page.locator('td[data-field="state"] .badge').allInnerTexts();
      expect(states.every((s) => s.startsWith('Renew by'))).toBe(true);
      await page.screenshot({ path: `${RESULTS}operator-console.png`, fullPage: true });
      // A row leads to the connection's own page.
      const firstId = (await listedIds())[0]!;
      await page.locator(`tr[data-connection="${firstId}"] td`).first().getByRole('link').click();
      await page.waitForURL(`${svc.url}/connections/${firstId}`);
      expect(await page.locator('h1').innerText()).toBeTruthy();
    });

    it('opens the applications page with the secret status and "Rotate secret now"', async () => {
      await page.getByRole('link', { name: 'Applications', exact: true }).click();
      await page.waitForURL(`${svc.url}/operator/applications`);
      await expect(page.getByRole('heading', { name: 'Applications', level: 1 }).isVisible()).resolves.toBe(
        true,
      );
      const rows = page.locator('tr[data-application]');
      expect(await rows.count()).toBe((await svc.service.applications.list('all')).length);
      expect(await page.locator('tr[data-api="sp-api"] td[data-status] .badge').first().innerText()).toMatch(
        /Valid|Secret expiring|Rotating/,
      );
      await expect(page.getByRole('button', { name: 'Rotate secret now' }).isVisible()).resolves.toBe(true);
      await page.getByRole('link', { name: 'Accounts', exact: true }).click();
      await page.waitForURL(`${svc.url}/operator/accounts`);
      await expect(page.getByRole('link', { name: accounts[0]!.name }).isVisible()).resolves.toBe(true);
    });
  },
);
