import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../notify/support.js';
import { chromiumOrSkip, launchChromium } from '../support/chromium.js';
import { connectRegion, signedInBrowser } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';
import { eventually } from '../support/wait.js';

/**
 * Issue 18, items 4 and 8, walked in a real browser (Debian's chromium through playwright-core) as
 * a new user would: banners 30, 7 and 1 day before expiry look different and grow in urgency, the
 * same banner looks the same on two pages, adding a webhook and reloading answers no 404, a test
 * event is sent and its delivery shown, a refused URL keeps what was typed, and the daily digest
 * gathers the reminders of three connections into one e-mail. Screenshots:
 * test-results/walk/notify-*.png.
 */

const RESULTS = fileURLToPath(new URL('../../test-results/walk/', import.meta.url));
const chromiumExe = chromiumOrSkip();

/** What a banner looks like: its level, role, and drawn colours. */
async function looks(banner: Locator) {
  return {
    level: await banner.getAttribute('data-level'),
    role: await banner.getAttribute('role'),
    style: await banner.evaluate((el) => {
      const s = getComputedStyle(el);
      return `${s.backgroundColor} ${s.borderLeftColor} ${s.borderLeftWidth} ${s.fontWeight}`;
    }),
  };
}

describe.skipIf(!chromiumExe.path)(
  `notifications walk in a real browser (chromium)${chromiumExe.path ? '' : ` — skipped: ${chromiumExe.reason}`}`,
  () => {
    let svc: TestService;
    let receiver: Receiver;
    let browser: Browser | undefined;
    let page: Page;

    const shot = (name: string) => page.screenshot({ path: `${RESULTS}notify-${name}.png`, fullPage: true });
    const signIn = async () => {
      await page.goto(`${svc.url}/login`);
      if (page.url() === `${svc.url}/connections`) return;
      await page.getByLabel('Username').fill(svc.demo.username);
      await page.getByLabel('Password').fill(svc.demo.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL(`${svc.url}/connections`);
    };
    /** Moves the simulated clock, runs the expiry monitor, and signs in again (sessions last 7 days). */
    const jump = async (days: number) => {
      await svc.sim('/_sim/clock/advance', { days });
      await svc.service.monitor.runMonitor();
      await signIn();
    };
    const expiringBanner = () =>
      page.locator('[data-banners] [data-banner-kind="connection.expiring"]').first();

    beforeAll(async () => {
      mkdirSync(RESULTS, { recursive: true });
      svc = await startTestService({ env: { NOTIFY_POLL_SECONDS: '1' } });
      receiver = await startReceiver();
      // Three stores, one per region, connected the same day: their reminders fall on the same days.
      const http = await signedInBrowser(svc);
      for (const region of ['NA', 'EU', 'FE'] as const) await connectRegion(http, svc, region);
      browser = await launchChromium(chromiumExe.path!);
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      page = await context.newPage();
      page.setDefaultTimeout(30_000);
      page.setDefaultNavigationTimeout(60_000);
      await signIn();
    }, 300_000);

    afterAll(async () => {
      await browser?.close();
      await receiver?.close();
      await svc?.stop();
    });

    it('adds a webhook, reloads without a 404, and keeps a refused URL with its reason', async () => {
      await page.goto(`${svc.url}/notifications`);
      const refusedUrl = 'http://169.254.169.254/latest/meta-data';
      await page.getByLabel('URL', { exact: true }).fill(refusedUrl);
      await page.getByRole('button', { name: 'Add endpoint' }).click();
      await page.waitForLoadState();
      expect(await page.getByLabel('URL', { exact: true }).inputValue()).toBe(refusedUrl);
      await expect(page.getByRole('alert').first().innerText()).resolves.toContain('only to public hosts');
      await shot('url-refused');

      await page.getByLabel('URL', { exact: true }).fill(receiver.url);
      await page.getByRole('button', { name: 'Add endpoint' }).click();
      await page.waitForURL(/\/notifications\?created=/);
      const secret = await page.locator('[data-webhook-secret]').innerText();
      expect(secret).toMatch(/^whsec_/);
      receiver.setSecret(secret);
      await shot('webhook-added');
      const reloaded = await page.reload();
      expect(reloaded?.status()).toBe(200);
      expect(await page.locator('[data-webhook-secret]').count()).toBe(0);
      expect(await page.locator('[data-endpoint-id]').count()).toBe(1);
      // The old answer's address (the form's action), opened again: the settings page, not a 404.
      const old = await page.goto(`${svc.url}/notifications/webhooks`);
      expect(old?.status()).toBe(200);
      expect(page.url()).toBe(`${svc.url}/notifications`);
      await shot('webhook-reloaded');
    });

    it('sends a test event and shows its delivery', async () => {
      await page.goto(`${svc.url}/notifications`);
      await page.getByRole('button', { name: 'Send a test event' }).click();
      await page.waitForURL(/\/notifications\/deliveries\?endpoint=/);
      await eventually(() => receiver.received.length >= 1);
      expect(receiver.received[0]!.signatureValid).toBe(true);
      expect((JSON.parse(receiver.received[0]!.body) as { type: string }).type).toBe('webhook.test');
      const row = page.locator('tr[data-status="delivered"]', { hasText: 'webhook.test' });
      await eventually(async () => {
        await page.reload();
        return (await row.count()) === 1;
      });
      await shot('test-event');
    });

    it('chooses the daily digest', async () => {
      await page.goto(`${svc.url}/notifications`);
      await page.getByLabel(/A daily digest/).check();
      await page.getByRole('button', { name: 'Save e-mail settings' }).click();
      await page.waitForURL(/notice=saved/);
      expect(await page.getByLabel(/A daily digest/).isChecked()).toBe(true);
    });

    it('draws banners 30, 7 and 1 day before expiry ever more urgent, the same on every page', async () => {
      // The monitor runs on the way, as it does daily, so client secrets rotate before they expire.
      await jump(150);
      await jump(150);
      await jump(36); // 29 days left
      await page.goto(`${svc.url}/orders`);
      const at30 = await looks(expiringBanner());
      await shot('banner-30');
      await jump(22); // 7 days left: yesterday's reminders (three stores) went out as one digest
      await page.goto(`${svc.url}/orders`);
      const at7 = await looks(expiringBanner());
      await shot('banner-7');

      const digest = await eventually(async () => {
        await page.goto(`${svc.url}/sandbox/mail`);
        const card = page.locator('[data-mail-id]', { hasText: 'Daily digest' });
        return (await card.count()) > 0 ? card.first() : null;
      });
      const text = await digest.innerText();
      expect(text).toMatch(/Daily digest: 3 reminders/);
      for (const region of ['North America', 'Europe', 'Far East']) expect(text).toContain(region);
      expect(await page.locator('[data-mail-id]', { hasText: 'ends in 29 days' }).count()).toBe(1);
      await shot('digest');

      await jump(6); // 1 day left
      await page.goto(`${svc.url}/orders`);
      const at1 = await looks(expiringBanner());
      await shot('banner-1');
      expect([at30.level, at7.level, at1.level]).toEqual(['info', 'warning', 'danger']);
      expect([at30.role, at7.role, at1.role]).toEqual(['status', 'alert', 'alert']);
      expect(new Set([at30.style, at7.style, at1.style]).size).toBe(3);

      // The same banner on another page, and the connections page's own, drawn the same way.
      await page.goto(`${svc.url}/notifications`);
      expect(await looks(expiringBanner())).toEqual(at1);
      await shot('same-banner-notifications');
      await page.goto(`${svc.url}/connections`);
      expect(await looks(page.locator('[data-banner="expiring"]'))).toEqual(at1);
      await shot('same-banner-connections');
    });
  },
);
