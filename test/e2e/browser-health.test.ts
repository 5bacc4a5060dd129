import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../src/simulator/seed.js';
import { connectSellerAccount, openPortal, signInToPortal, visibleText } from '../support/ads-browser.js';
import { chromiumOrSkip, launchChromium } from '../support/chromium.js';
import { demoSeller, type RegionCode } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';

/**
 * Every connection health state in a real browser (Debian's chromium through playwright-core): the
 * demo seller connects North America, Europe and Far East through the simulated Seller Central,
 * then the simulator's clock, faults and app controls drive the connections into each health state
 * (working, paused_by_amazon, disconnected, renew_needed, app_rejected). For each state the list
 * and the detail page say it in the words a seller needs; full-page screenshots go to
 * test-results/health-<state>-list.png and -detail.png.
 */

const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const REGIONS: readonly RegionCode[] = ['NA', 'EU', 'FE'];
const APP = DEMO.publishedApp.appId;
const chromiumExe = chromiumOrSkip();

/** "2027-01-05": how the health labels write a day. */
/** The day as the pages write it: "2 Dec 2027". */
const isoDay = (d: Date): string =>
  d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

describe.skipIf(!chromiumExe.path)(
  `connection health in a real browser (chromium)${chromiumExe.path ? '' : ` — skipped: ${chromiumExe.reason}`}`,
  () => {
    let browser: Browser | undefined;

    beforeAll(async () => {
      mkdirSync(RESULTS, { recursive: true });
      browser = await launchChromium(chromiumExe.path!);
    });

    afterAll(async () => {
      await browser?.close();
    });

    /** One sandbox service with the demo seller's three regions connected through the browser. */
    interface World {
      svc: TestService;
      context: BrowserContext;
      page: Page;
      /** Connection id per region. */
      ids: Record<RegionCode, string>;
    }

    /**
     * A scenario: its own service and browser context (health states would interfere otherwise),
     * started in beforeAll and stopped in afterAll. A failing step leaves a screenshot of what the
     * browser showed.
     */
    function scenario(): { world: () => World } {
      let world: World | undefined;

      beforeAll(async () => {
        const svc = await startTestService();
        const context = await browser!.newContext({
          viewport: { width: 1280, height: 900 },
          locale: 'en-GB',
        });
        const page = await context.newPage();
        // Generous: a 2-core machine may run other suites beside this browser.
        page.setDefaultTimeout(30_000);
        page.setDefaultNavigationTimeout(60_000);
        world = { svc, context, page, ids: { NA: '', EU: '', FE: '' } };
        await page.goto(`${svc.url}/login`);
        await signInToPortal(world);
        expect(page.url()).toBe(`${svc.url}/connections`);
        for (const region of REGIONS) world.ids[region] = await connectSellerAccount(world, region);
      }, 180_000);

      afterEach(async ({ task }) => {
        if (task.result?.state !== 'fail' || !world) return;
        const name = task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
        await world.page
          .screenshot({ path: `${RESULTS}failed-health-${name}.png`, fullPage: true })
          .catch(() => {});
        console.error(`failed at ${world.page.url()}`);
      });

      afterAll(async () => {
        await world?.context.close();
        await world?.svc.stop();
      });

      return {
        world: () => {
          if (!world) throw new Error('the scenario did not start');
          return world;
        },
      };
    }

    /** Moves the simulated clock (the service runs on it) and runs one monitor pass. */
    async function advanceAndMonitor(world: World, days: number) {
      await world.svc.sim('/_sim/clock/advance', { days });
      return world.svc.service.monitor.runMonitor();
    }

    /** The list's row of a region's connection. */
    const row = (world: World, region: RegionCode): Locator =>
      world.page.locator(`tr[data-connection="${world.ids[region]}"]`);

    /** The detail page's health card. */
    const card = (world: World): Locator => world.page.locator('.card[data-health]');

    /** The data-health attribute every row of the list shows, by region. */
    async function listHealth(world: World): Promise<Record<RegionCode, string | null>> {
      const shown = { NA: '', EU: '', FE: '' } as Record<RegionCode, string | null>;
      for (const region of REGIONS) shown[region] = await row(world, region).getAttribute('data-health');
      return shown;
    }

    const every = (state: string): Record<RegionCode, string> => ({ NA: state, EU: state, FE: state });

    /** The banners the list shows, by kind. */
    async function banners(world: World): Promise<string[]> {
      const kinds = await world.page
        .locator('[data-banner]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-banner') ?? ''));
      return kinds.sort();
    }

    const shot = (world: World, name: string): Promise<Buffer> =>
      world.page.screenshot({ path: `${RESULTS}health-${name}.png`, fullPage: true });

    describe('working, paused by Amazon, and disconnected', () => {
      const { world } = scenario();

      it('working: right after connecting, every row and the detail page say "Working"', async () => {
        const w = world();
        await openPortal(w, '/connections');
        expect(await listHealth(w)).toEqual(every('working'));
        expect(await banners(w)).toEqual([]);
        for (const region of REGIONS) {
          const r = row(w, region);
          expect(await visibleText(r.locator('[data-status]'))).toBe('Working');
          expect(await visibleText(r.locator('[data-reason]'))).toMatch(
            /^The authorization lasts until \d{1,2} \w{3} \d{4} \(365 days left\)\.$/,
          );
          expect(await r.getByRole('button', { name: 'Renew', exact: true }).isEnabled()).toBe(true);
        }
        await shot(w, 'working-list');

        await row(w, 'NA')
          // Rows link the store name sellers know (the seller id is shown beside it).
          .getByRole('link', { name: demoSeller('NA').name })
          .click();
        await w.page.waitForURL(`${w.svc.url}/connections/${w.ids.NA}`);
        expect(await card(w).getAttribute('data-health')).toBe('working');
        expect(await visibleText(card(w).locator('[data-status]'))).toBe('Working');
        expect(await visibleText(card(w).locator('[data-advice]'))).toBe('Nothing to do. Nothing to do.');
        expect(await card(w).getByRole('button', { name: 'Renew', exact: true }).isEnabled()).toBe(true);
        expect(await card(w).getByRole('button', { name: 'Disconnect' }).isEnabled()).toBe(true);
        await shot(w, 'working-detail');
      });

      it('paused_by_amazon: while Amazon\'s token service fails, "Paused by Amazon"; working again once it answers', async () => {
        const w = world();
        await w.svc.sim('/_sim/faults', { operation: 'lwa', kind: '503', share: 1, remaining: 50 });
        // A day later the cached access tokens have expired: the probes must refresh them, and fail.
        const pass = await advanceAndMonitor(w, 1);
        expect(pass.probes).toMatchObject({ probed: 3, failed: 3 });

        await openPortal(w, '/connections');
        expect(await listHealth(w)).toEqual(every('paused_by_amazon'));
        expect(await banners(w)).toEqual(['paused_by_amazon']);
        const banner = w.page.locator('[data-banner="paused_by_amazon"]');
        expect(await visibleText(banner)).toMatch(
          /^Note: Amazon is throttling or failing for .*Sellerlink retries by itself/,
        );
        for (const region of REGIONS) {
          // The banner names each connection by its store name (from Amazon, region included), once.
          expect(demoSeller(region).name).toMatch(new RegExp(`\\(${region}\\)$`));
          expect(await visibleText(banner)).toContain(demoSeller(region).name);
          expect(await visibleText(banner)).not.toContain(`(${region}) (${region})`);
          const r = row(w, region);
          expect(await visibleText(r.locator('[data-status]'))).toBe('Paused by Amazon');
          expect(await visibleText(r.locator('[data-reason]'))).toMatch(
            /^Amazon is throttling or failing: .+\. Sellerlink retries by itself\. Nothing to do: calls are retried/,
          );
          expect(await visibleText(r.locator('.error-text'))).not.toBe('');
        }
        await shot(w, 'paused_by_amazon-list');

        await openPortal(w, `/connections/${w.ids.EU}`);
        expect(await card(w).getAttribute('data-health')).toBe('paused_by_amazon');
        expect(await visibleText(card(w).locator('[data-status]'))).toBe('Paused by Amazon');
        expect(await visibleText(card(w).locator('[data-reason]'))).toContain(
          'Sellerlink retries by itself.',
        );
        expect(await visibleText(card(w).locator('[data-advice]'))).toBe(
          'Sellerlink retries: Nothing to do: calls are retried with backoff and catch up when Amazon answers again.',
        );
        await shot(w, 'paused_by_amazon-detail');

        // Amazon answers again: the next day's probes succeed and every connection works again.
        await w.svc.sim('/_sim/faults', undefined, 'DELETE');
        const again = await advanceAndMonitor(w, 1);
        expect(again.probes).toMatchObject({ probed: 3, ok: 3, failed: 0 });
        await openPortal(w, '/connections');
        expect(await listHealth(w)).toEqual(every('working'));
        expect(await banners(w)).toEqual([]);
        for (const region of REGIONS) {
          expect(await visibleText(row(w, region).locator('[data-status]'))).toBe('Working');
        }
      });

      it('disconnected: pressing Disconnect says "Disconnected" and offers to connect again', async () => {
        const w = world();
        await openPortal(w, `/connections/${w.ids.FE}`);
        await card(w).getByRole('button', { name: 'Disconnect' }).click();
        await w.page.getByRole('button', { name: 'Yes, disconnect' }).click();
        await w.page.waitForURL(`${w.svc.url}/connections/${w.ids.FE}?notice=disconnected`);
        expect(await visibleText(w.page.locator('.banner.good'))).toMatch(
          /^Disconnected: the stored token was deleted\./,
        );
        expect(await card(w).getAttribute('data-health')).toBe('disconnected');
        expect(await visibleText(card(w).locator('[data-status]'))).toBe('Disconnected');
        expect(await visibleText(card(w).locator('[data-reason]'))).toBe(
          'This connection was removed in Sellerlink; its token was deleted.',
        );
        expect(await visibleText(card(w).locator('[data-advice]'))).toMatch(
          /^Your action: Also remove the app in Seller Central → Manage Your Apps\. Connect again at any time/,
        );
        expect(await card(w).getByRole('button', { name: 'Connect again' }).isEnabled()).toBe(true);
        expect(await card(w).getByRole('button', { name: 'Disconnect' }).count()).toBe(0);
        await shot(w, 'disconnected-detail');

        await w.page.getByRole('link', { name: '← All connections' }).click();
        await w.page.waitForURL(`${w.svc.url}/connections`);
        expect(await listHealth(w)).toEqual({ NA: 'working', EU: 'working', FE: 'disconnected' });
        expect(await banners(w)).toEqual([]);
        const fe = row(w, 'FE');
        expect(await visibleText(fe.locator('[data-status]'))).toBe('Disconnected');
        expect(await visibleText(fe.locator('[data-reason]'))).toContain('Connect again at any time');
        expect(await fe.getByRole('button', { name: 'Connect again' }).isEnabled()).toBe(true);
        await shot(w, 'disconnected-list');
      });
    });

    describe('renew needed', () => {
      const { world } = scenario();

      it('renew_needed: within 30 days of the 365-day end, "Renew by <day>" with the days left', async () => {
        const w = world();
        // Client secrets last 180 days: the monitor rotates them ahead, so steps of at most 150 days.
        for (const days of [150, 150, 40]) {
          const pass = await advanceAndMonitor(w, days);
          expect(pass.probes.failed).toBe(0);
        }
        const expires = new Map(
          (await w.svc.store.db.selectFrom('connections').select(['id', 'expires_at']).execute()).map((c) => [
            c.id,
            c.expires_at!,
          ]),
        );

        await openPortal(w, '/connections');
        expect(await listHealth(w)).toEqual(every('renew_needed'));
        expect(await banners(w)).toEqual(['expiring']);
        const banner = w.page.locator('[data-banner="expiring"]');
        expect(await visibleText(banner)).toMatch(/^Note: 3 connections expire within 30 days: /);
        for (const region of REGIONS) {
          expect(await visibleText(banner)).toContain(`${demoSeller(region).name} in 25 days`);
          const r = row(w, region);
          const day = isoDay(expires.get(w.ids[region])!);
          expect(await visibleText(r.locator('[data-status]'))).toBe(`Renew by ${day}`);
          expect(await visibleText(r.locator('[data-reason]'))).toMatch(
            /^The authorization ends in 25 days \(Amazon requires a new one every 365 days\)\..*Renew: one click/,
          );
          expect(await r.getByRole('button', { name: 'Renew', exact: true }).isEnabled()).toBe(true);
        }
        await shot(w, 'renew_needed-list');

        await openPortal(w, `/connections/${w.ids.NA}`);
        expect(await card(w).getAttribute('data-health')).toBe('renew_needed');
        expect(await visibleText(card(w).locator('[data-status]'))).toBe(
          `Renew by ${isoDay(expires.get(w.ids.NA)!)}`,
        );
        expect(await visibleText(card(w).locator('[data-advice]'))).toMatch(
          /^Your action: Renew: one click and a sign-in to Amazon\. Deadline: \d+ \w+ \d{4}, \d{2}:\d{2} UTC\.$/,
        );
        expect(await card(w).getByRole('button', { name: 'Renew', exact: true }).isEnabled()).toBe(true);
        await shot(w, 'renew_needed-detail');
      });

      it('renew_needed: past the end, "Renew needed: expired" and a banner to renew now', async () => {
        const w = world();
        await advanceAndMonitor(w, 30);

        await openPortal(w, '/connections');
        expect(await listHealth(w)).toEqual(every('renew_needed'));
        for (const region of REGIONS) {
          expect(await row(w, region).getAttribute('data-state')).toBe('expired');
        }
        expect(await banners(w)).toEqual(['broken']);
        expect(await visibleText(w.page.locator('[data-banner="broken"]'))).toMatch(
          /^Act now: 3 connections need renewal now: orders and listings for .* are paused until renewed\./i,
        );
        for (const region of REGIONS) {
          const r = row(w, region);
          expect(await visibleText(r.locator('[data-status]'))).toBe('Renew needed: expired');
          expect(await visibleText(r.locator('[data-reason]'))).toMatch(
            /^Amazon requires a new authorization every 365 days, and this one has ended\./,
          );
          expect(await r.getByRole('button', { name: 'Renew', exact: true }).isEnabled()).toBe(true);
        }
        await shot(w, 'renew_needed-expired-list');

        await openPortal(w, `/connections/${w.ids.EU}`);
        expect(await card(w).getAttribute('data-health')).toBe('renew_needed');
        expect(await visibleText(card(w).locator('[data-status]'))).toBe('Renew needed: expired');
        expect(await visibleText(card(w).locator('[data-advice]'))).toMatch(
          /^Your action: Renew: one click and a sign-in to Amazon\. Waiting listing changes go out/,
        );
        expect(await card(w).getByRole('button', { name: 'Renew', exact: true }).isEnabled()).toBe(true);
        await shot(w, 'renew_needed-expired-detail');
      });
    });

    describe('app rejected', () => {
      const { world } = scenario();

      it('app_rejected: "Cut off by the app\'s credentials", nothing asked of the seller, Renew disabled with the reason', async () => {
        const w = world();
        // The secret is rotated in the Developer Console; the notification reaches nobody, and the
        // old secret's grace period passes.
        await w.svc.sim(`/_sim/apps/${APP}/notification-destination`, { url: null }, 'PUT');
        await w.svc.sim(`/_sim/apps/${APP}/rotate-secret`, {});
        const pass = await advanceAndMonitor(w, 8);
        expect(pass.probes.failed).toBe(3);

        await openPortal(w, '/connections');
        expect(await listHealth(w)).toEqual(every('app_rejected'));
        expect(await banners(w)).toEqual(['app_rejected']);
        const banner = w.page.locator('[data-banner="app_rejected"]');
        expect(await visibleText(banner)).toMatch(
          new RegExp(
            `^Act now: Amazon refuses the credentials of the app "${DEMO.publishedApp.name}": 3 connections are cut off`,
            'i',
          ),
        );
        expect(await visibleText(banner)).toContain('Nothing is asked of you');
        for (const region of REGIONS) {
          const r = row(w, region);
          expect(await visibleText(r.locator('[data-status]'))).toBe("Cut off by the app's credentials");
          expect(await visibleText(r.locator('[data-reason]'))).toContain(
            'This is not caused by your authorization.',
          );
          expect(await visibleText(r.locator('[data-reason]'))).toContain('Nothing is asked of you');
          const renew = r.getByRole('button', { name: 'Renew', exact: true });
          expect(await renew.isDisabled()).toBe(true);
          expect(await renew.getAttribute('data-renew-blocked')).not.toBeNull();
          // In the list the reason is the button's tooltip (the banner says it once for all rows).
          expect(await renew.getAttribute('title')).toMatch(/^Renewing cannot help/);
        }
        await shot(w, 'app_rejected-list');

        await openPortal(w, `/connections/${w.ids.FE}`);
        expect(await card(w).getAttribute('data-health')).toBe('app_rejected');
        expect(await visibleText(card(w).locator('[data-status]'))).toBe("Cut off by the app's credentials");
        expect(await visibleText(card(w).locator('[data-reason]'))).toContain(
          `Amazon refuses the credentials of the app "${DEMO.publishedApp.name}"`,
        );
        expect(await visibleText(card(w).locator('[data-advice]'))).toMatch(
          /^The operator acts: Nothing is asked of you: the operator has been alerted/,
        );
        const renew = card(w).getByRole('button', { name: 'Renew', exact: true });
        expect(await renew.isDisabled()).toBe(true);
        expect(await renew.getAttribute('data-renew-blocked')).not.toBeNull();
        expect(await visibleText(card(w).locator('[data-renew-blocked-reason]'))).toBe(
          "Renewing cannot help while Amazon refuses the app's credentials; it works again once the operator has fixed them.",
        );
        await shot(w, 'app_rejected-detail');
      });
    });
  },
);
