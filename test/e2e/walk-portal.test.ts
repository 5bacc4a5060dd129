import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO } from '../../src/simulator/seed.js';
import { connectSellerAccount, openPortal, visibleText, type PortalTab } from '../support/ads-browser.js';
import { chromiumOrSkip, launchChromium } from '../support/chromium.js';
import { demoSeller } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';

/**
 * A new user's walk through the portal in a real browser (issue 18, items 2, 3, 5 and the favicon):
 * the favicon is served; with every region connected the Connect buttons step back and Renew stays
 * quiet at 365 days left; connecting a connected region again says "Renewed"; a connection's page
 * is titled by its store name; Cancel on Amazon's consent page gives the calm page; the sandbox
 * toolbar reaches 30 days before the next expiry in one action, and reloading its result does not
 * move the clock again; then Renew is the prominent action. Screenshots: test-results/walk/portal-*.png.
 */

const DAY = 86_400_000;
const RESULTS = fileURLToPath(new URL('../../test-results/walk/', import.meta.url));
const ORANGE = 'rgb(255, 153, 0)';
const WHITE = 'rgb(255, 255, 255)';
const chromiumExe = chromiumOrSkip();

const background = (locator: Locator): Promise<string> =>
  locator.evaluate((el) => getComputedStyle(el).backgroundColor);

describe.skipIf(!chromiumExe.path)(
  `a new user's walk through the portal (chromium)${chromiumExe.path ? '' : ` — skipped: ${chromiumExe.reason}`}`,
  () => {
    let svc: TestService;
    let browser: Browser | undefined;
    let page: Page;
    let tab: PortalTab;
    const shot = (name: string) => page.screenshot({ path: `${RESULTS}portal-${name}.png`, fullPage: true });
    const simNow = async (): Promise<number> => (await svc.sim<{ nowMs: number }>('/_sim/clock')).nowMs;

    beforeAll(async () => {
      mkdirSync(RESULTS, { recursive: true });
      svc = await startTestService();
      browser = await launchChromium(chromiumExe.path!);
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
      page = await context.newPage();
      page.setDefaultTimeout(30_000);
      page.setDefaultNavigationTimeout(60_000);
      tab = { svc, page };
    });
    beforeEach(({ onTestFailed, task }) => {
      onTestFailed(async () => {
        const name = task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
        await page?.screenshot({ path: `${RESULTS}failed-${name}.png`, fullPage: true }).catch(() => {});
      });
    });
    afterAll(async () => {
      await browser?.close();
      await svc?.stop();
    });

    it('serves a favicon (no 404 on every page)', async () => {
      await openPortal(tab, '/connections');
      const icon = page.locator('link[rel="icon"]');
      expect(await icon.getAttribute('href')).toBe('/favicon.svg');
      for (const path of ['/favicon.svg', '/favicon.ico']) {
        const answer = await page.request.get(`${svc.url}${path}`);
        expect(answer.status(), path).toBe(200);
        expect(answer.headers()['content-type']).toContain('image/svg+xml');
      }
    }, 120_000);

    it('every region connected: the Connect buttons step back, Renew stays quiet at 365 days left', async () => {
      for (const region of ['NA', 'EU', 'FE'] as const) await connectSellerAccount(tab, region);
      await openPortal(tab, '/connections');
      expect(await visibleText(page.locator('[data-connect-help]'))).toContain('Every region is connected');
      for (const name of ['North America', 'Europe', 'Far East']) {
        const button = page.getByRole('button', { name: `Connect Amazon ${name}`, exact: true });
        expect(await background(button)).toBe(WHITE);
      }
      const renews = page.locator('button[data-renew]');
      expect(await renews.count()).toBe(3);
      for (const renew of await renews.all()) {
        expect(await renew.getAttribute('data-renew-due')).toBe('no');
        expect(await background(renew)).toBe(WHITE);
      }
      await shot('all-connected');
    }, 240_000);

    it('connecting an already connected region says "Renewed", on a page titled by the store name', async () => {
      const na = demoSeller('NA');
      await openPortal(tab, '/connections');
      await page.getByRole('button', { name: 'Connect Amazon North America', exact: true }).click();
      await page.waitForURL((url) => url.href.startsWith(svc.simUrl));
      const consent = page.getByRole('checkbox', { name: /I have read the terms of use/ });
      await consent.check();
      await page.getByRole('button', { name: 'Confirm', exact: true }).click();
      await page.waitForURL((url) => url.href.startsWith(`${svc.url}/connections/`));
      expect(page.url()).toMatch(/\?notice=renewed$/);
      expect(await visibleText(page.getByText(/^Renewed\./))).toContain('365 days start again');
      expect(await visibleText(page.getByRole('heading', { level: 1 }))).toBe(`${na.name} · North America`);
      expect(await page.title()).toBe(`${na.name} · North America · Sellerlink`);
      expect(await visibleText(page.locator('[data-seller-id]'))).toBe(`Seller id ${na.sellingPartnerId}`);
      expect(await visibleText(page.locator('tr[data-audit]').first())).toContain('renew');
      await shot('renewed-by-store-name');
    }, 120_000);

    it('Cancel on the consent page shows the calm "Nothing was connected" page', async () => {
      await openPortal(tab, '/connections');
      await page.getByRole('button', { name: 'Connect Amazon Far East', exact: true }).click();
      await page.waitForURL((url) => url.href.startsWith(svc.simUrl));
      const callback = page.waitForResponse((r) => new URL(r.url()).pathname === '/oauth/callback');
      await page.getByRole('button', { name: 'Cancel', exact: true }).click();
      expect((await callback).status()).toBe(200);
      expect(await visibleText(page.getByRole('heading', { level: 1 }))).toBe('Nothing was connected');
      expect(await page.getByText('Could not connect').count()).toBe(0);
      expect(await page.getByText('Reference:').count()).toBe(0);
      expect(await page.locator('p.banner.info[data-code]').count()).toBe(1);
      await shot('cancelled');
    }, 120_000);

    it('the sandbox toolbar jumps to 30 days before the next expiry in one action; a reload does not move the clock', async () => {
      // Client secrets last 180 days: first 170 days pass with the secrets rotated, as the daily
      // monitor would do, so that the jump's remaining 165 days stay within the new secrets' life.
      await svc.sim('/_sim/clock/advance', { days: 170 });
      await svc.rotateSecret(DEMO.publishedApp.appId);
      await svc.rotateSecret(DEMO.draftApp.appId);
      await openPortal(tab, '/sandbox');
      expect(await visibleText(page.getByTestId('next-expiry'))).toMatch(/\(19[45] days left\)/);
      await page.getByLabel('Move the clock to').selectOption('30');
      await shot('sandbox-before-jump');
      await page.getByRole('button', { name: 'Jump', exact: true }).click();
      await page.waitForURL(`${svc.url}/sandbox?before=30`);
      expect(await visibleText(page.getByText('Moved to 30 days before the next expiry.'))).toBeTruthy();
      expect(await visibleText(page.getByTestId('next-expiry'))).toContain('(30 days left)');
      const after = await simNow();
      await page.reload();
      expect(page.url()).toBe(`${svc.url}/sandbox?before=30`);
      expect((await simNow()) - after).toBeLessThan(DAY);
      expect(await visibleText(page.getByTestId('next-expiry'))).toContain('(30 days left)');
      await shot('sandbox-jumped');
    }, 180_000);

    it('then Renew is the prominent action on the connections due, and only there', async () => {
      await openPortal(tab, '/connections');
      const rows = page.locator('tr[data-connection]');
      expect(await rows.count()).toBe(3);
      const due: string[] = [];
      for (const row of await rows.all()) {
        const renew = row.locator('button[data-renew]');
        // Those authorized even seconds after Europe's still have 31 days (days round up): not due yet.
        const expiring = (await row.getAttribute('data-state')) === 'expiring';
        expect(await renew.getAttribute('data-renew-due')).toBe(expiring ? 'yes' : 'no');
        expect(await background(renew)).toBe(expiring ? ORANGE : WHITE);
        if (expiring) due.push((await row.getAttribute('data-region'))!);
      }
      // Europe's authorization ends first: the jump landed 30 days before it.
      expect(due).toContain('EU');
      await shot('renew-due');
    }, 120_000);
  },
);
