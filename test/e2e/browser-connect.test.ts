import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO } from '../../src/simulator/seed.js';
import { chromiumOrSkip, launchChromium } from '../support/chromium.js';
import { demoSeller } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';

/**
 * The portal in a real browser (Debian's chromium through playwright-core): sign in, connect North
 * America through the simulated Seller Central's sign-in and consent pages, then, 360 simulated days
 * later, see the expiry warning and renew. Screenshots go to test-results/.
 */

const MINUTE = 60_000;
const DAY = 86_400_000;
const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const NA = demoSeller('NA');
const chromiumExe = chromiumOrSkip();

/** "22 Nov 2026, 14:05 UTC", as a person reads the portal's dates. */
function shownDateTime(ms: number): string {
  const date = new Date(ms);
  const day = date.toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  });
  const time = date.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });
  return `${day}, ${time} UTC`;
}

/**
 * The (authorized, expires) texts the connection page may show when the authorization happened
 * between `from` and `to` (simulated clock): one pair per minute in that window.
 */
function expectedDates(from: number, to: number): { authorized: string; expires: string }[] {
  const pairs = [];
  for (let m = Math.floor(from / MINUTE); m <= Math.floor(to / MINUTE); m++) {
    pairs.push({ authorized: shownDateTime(m * MINUTE), expires: shownDateTime(m * MINUTE + 365 * DAY) });
  }
  return pairs;
}

/** Waits until the locator is visible and returns its trimmed text. */
async function visibleText(locator: Locator): Promise<string> {
  await locator.waitFor({ state: 'visible' });
  return (await locator.innerText()).trim();
}

/** The value cell of a row in the connection page's facts table ("Expires on" → its date). */
function fact(page: Page, name: string): Locator {
  return page.getByRole('row', { name: new RegExp(`^${name}`) }).getByRole('cell');
}

describe.skipIf(!chromiumExe.path)(
  `the portal in a real browser (chromium)${chromiumExe.path ? '' : ` — skipped: ${chromiumExe.reason}`}`,
  () => {
    let svc: TestService;
    let browser: Browser | undefined;
    let page: Page;
    let connectionUrl = '';
    let firstAuthorized = '';

    beforeAll(async () => {
      mkdirSync(RESULTS, { recursive: true });
      svc = await startTestService();
      browser = await launchChromium(chromiumExe.path!);
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
      page = await context.newPage();
      // Generous: a 2-core machine runs the whole suite beside this browser.
      page.setDefaultTimeout(30_000);
      page.setDefaultNavigationTimeout(60_000);
    });

    // When a step fails, keep what the browser showed.
    beforeEach(({ onTestFailed, task }) => {
      onTestFailed(async () => {
        const name = task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
        await page?.screenshot({ path: `${RESULTS}failed-${name}.png`, fullPage: true }).catch(() => {});
        console.error(`failed at ${page?.url()}`);
      });
    });

    afterAll(async () => {
      await browser?.close();
      await svc?.stop();
    });

    /** Fills in the portal's sign-in form and waits to leave it. */
    async function signInToPortal(): Promise<void> {
      expect(await visibleText(page.getByRole('heading', { level: 1 }))).toBe('Sign in');
      await page.getByLabel('Username').fill(svc.demo.username);
      await page.getByLabel('Password').fill(svc.demo.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL((url) => url.href.startsWith(svc.url) && url.pathname !== '/login');
    }

    /**
     * On the simulated Seller Central: signs in as the NA demo seller if asked (the simulator may
     * still have the seller signed in), ticks the consent box and confirms; waits to be back on the
     * portal. Screenshots of Amazon's pages are named `<shots>-amazon-sign-in.png` / `-consent.png`.
     * Says whether Amazon asked the seller to sign in.
     */
    async function approveOnAmazon(shots: string): Promise<{ askedToSignIn: boolean }> {
      expect(page.url().startsWith(`${svc.simUrl}/na/`)).toBe(true);
      const password = page.getByLabel('Password');
      const consent = page.getByRole('checkbox', { name: /I have read the terms of use/ });
      await password.or(consent).first().waitFor({ state: 'visible' });
      const askedToSignIn = await password.isVisible();
      if (askedToSignIn) {
        expect(await visibleText(page.getByRole('heading', { level: 1 }))).toBe(
          'Sign in to Seller Central NA',
        );
        await page.getByLabel('Email').fill(NA.email);
        await password.fill(DEMO.sellerPassword);
        await page.screenshot({ path: `${RESULTS}${shots}-amazon-sign-in.png`, fullPage: true });
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      }
      await consent.waitFor({ state: 'visible' });
      expect(await visibleText(page.getByRole('heading', { level: 1 }))).toMatch(/^Authorize /);
      // The consent page names the seller being authorized.
      expect(await visibleText(page.getByText(NA.sellingPartnerId, { exact: true }))).toBe(
        NA.sellingPartnerId,
      );
      await consent.check();
      await page.screenshot({ path: `${RESULTS}${shots}-amazon-consent.png`, fullPage: true });
      await page.getByRole('button', { name: 'Confirm', exact: true }).click();
      await page.waitForURL((url) => url.href.startsWith(`${svc.url}/connections/`));
      return { askedToSignIn };
    }

    it("signs in, connects North America through Amazon's sign-in and consent pages, and shows it active for 365 days", async () => {
      await page.goto(`${svc.url}/login`);
      await signInToPortal();
      expect(page.url()).toBe(`${svc.url}/connections`);
      expect(await visibleText(page.getByRole('heading', { level: 1 }))).toBe('Amazon connections');
      expect(await page.getByText('No connections yet.').isVisible()).toBe(true);

      const before = svc.service.clock.now();
      await page.getByRole('button', { name: 'Connect Amazon North America' }).click();
      await page.waitForURL((url) => url.href.startsWith(svc.simUrl));
      // A fresh browser: Amazon asks the seller to sign in before showing the consent page.
      expect(await approveOnAmazon('connect-na')).toEqual({ askedToSignIn: true });
      const after = svc.service.clock.now();

      expect(page.url()).toMatch(/\/connections\/[0-9a-f-]{36}\?notice=connected$/);
      connectionUrl = page.url().replace(/\?.*$/, '');
      // Titled by the store name sellers know (from Amazon), the seller id beside it.
      expect(await visibleText(page.getByRole('heading', { level: 1 }))).toBe(`${NA.name} · North America`);
      expect(await visibleText(page.locator('[data-seller-id]'))).toBe(`Seller id ${NA.sellingPartnerId}`);
      expect(await visibleText(page.getByText(/^Connected\. Amazon confirmed the authorization/))).toContain(
        'lasts 365 days',
      );
      expect(await visibleText(page.locator('[data-status]'))).toBe('Working');
      expect(await visibleText(page.locator('[data-reason]'))).toContain('(365 days left)');
      const shown = {
        authorized: await visibleText(fact(page, 'Authorized on')),
        expires: await visibleText(fact(page, 'Expires on')),
      };
      expect(expectedDates(before, after)).toContainEqual(shown);
      firstAuthorized = shown.authorized;
      await page.screenshot({ path: `${RESULTS}connect-na.png`, fullPage: true });
    }, 180_000);

    it('360 days later: asks to sign in again, warns "Renew by …" 5 days ahead, and renews through Amazon for another 365 days', async () => {
      expect(connectionUrl).not.toBe('');
      // Amazon's client secrets last 180 days: rotate them as the operator does before they lapse.
      for (const days of [170, 170]) {
        await svc.sim('/_sim/clock/advance', { days });
        await svc.rotateSecret(DEMO.publishedApp.appId);
        await svc.rotateSecret(DEMO.draftApp.appId);
      }
      await svc.sim('/_sim/clock/advance', { days: 20 });

      // Portal sessions last 7 days at most: the reload lands on the sign-in page, then back here.
      await page.reload();
      await page.waitForURL((url) => url.pathname === '/login');
      await signInToPortal();
      expect(page.url()).toBe(connectionUrl);
      expect(await visibleText(page.locator('[data-status]'))).toMatch(/^Renew by \d{1,2} \w{3} \d{4}$/);
      expect(await visibleText(page.locator('[data-reason]'))).toContain('ends in 5 days');

      await page.getByRole('link', { name: 'Connections', exact: true }).click();
      await page.waitForURL(`${svc.url}/connections`);
      const banner = page.getByRole('alert').filter({ hasText: 'within 30 days' });
      expect(await visibleText(banner)).toContain('(NA) in 5 days');
      const row = page.getByRole('row').filter({ hasText: NA.sellingPartnerId });
      expect(await visibleText(row.locator('[data-status]'))).toMatch(/^Renew by /);
      expect(await visibleText(row.locator('[data-reason]'))).toContain('ends in 5 days');
      await page.screenshot({ path: `${RESULTS}renew-expiring.png`, fullPage: true });

      const before = svc.service.clock.now();
      await row.getByRole('button', { name: 'Renew' }).click();
      await page.waitForURL((url) => url.href.startsWith(svc.simUrl));
      await approveOnAmazon('renew-na');
      const after = svc.service.clock.now();

      expect(page.url()).toBe(`${connectionUrl}?notice=renewed`);
      expect(await visibleText(page.getByText(/^Renewed\. The authorization was replaced/))).toContain(
        '365 days start again',
      );
      expect(await visibleText(page.locator('[data-status]'))).toBe('Working');
      expect(await visibleText(page.locator('[data-reason]'))).toContain('(365 days left)');
      expect(await page.getByRole('alert').count()).toBe(0);
      const shown = {
        authorized: await visibleText(fact(page, 'Authorized on')),
        expires: await visibleText(fact(page, 'Expires on')),
      };
      expect(shown.authorized).not.toBe(firstAuthorized);
      expect(expectedDates(before, after)).toContainEqual(shown);
      await page.screenshot({ path: `${RESULTS}renew-na.png`, fullPage: true });
    }, 180_000);
  },
);
