import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumOrSkip, launchChromium, signedInPage } from '../support/chromium.js';
import { connectRegion, demoSeller, signedInBrowser } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';

/**
 * The orders walk in a real browser (Debian's chromium through playwright-core), as a seller does it:
 * sign in, open Orders, press "Import now" (a POST answered by a redirect: reloading the result
 * imports nothing again), read "1–25 of 45", page forward and back, see the filter form in one row,
 * open an order and see its header block, its lines with prices and its totals. Screenshots go to
 * test-results/walk/orders-*.png.
 */

const RESULTS = fileURLToPath(new URL('../../test-results/walk/', import.meta.url));
const COUNT = 45;
const chromiumExe = chromiumOrSkip();

describe.skipIf(!chromiumExe.path)(
  `orders walk in a real browser (chromium)${chromiumExe.path ? '' : ` — skipped: ${chromiumExe.reason}`}`,
  () => {
    let svc: TestService;
    let browser: Browser | undefined;
    let page: Page;

    const range = () => page.locator('.pager [data-range]').first().innerText();
    const listed = () =>
      page
        .locator('table[data-table="orders"] tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-order')));
    /** Clicks a link or button and waits for the next page to load. */
    const follow = async (name: string, role: 'link' | 'button' = 'link') => {
      const before = page.url();
      await page.getByRole(role, { name, exact: true }).first().click();
      await page.waitForURL((url) => url.href !== before);
      await page.waitForLoadState();
    };

    beforeAll(async () => {
      mkdirSync(RESULTS, { recursive: true });
      svc = await startTestService({
        env: { ORDERS_REPORT_BACKFILL_AFTER_HOURS: '0', ORDERS_IMPORT_INTERVAL_SECONDS: '86400' },
      });
      // The seller's NA connection (connected over HTTP; the walk below is the browser's).
      await connectRegion(await signedInBrowser(svc), svc, 'NA');
      await svc.sim('/_sim/orders/generate', {
        sellingPartnerId: demoSeller('NA').sellingPartnerId,
        count: COUNT,
        marketplaceId: 'ATVPDKIKX0DER',
      });
      // Amazon lists an order 2 minutes after its last change.
      await svc.sim('/_sim/clock/advance', { minutes: 3 });
      browser = await launchChromium(chromiumExe.path!);
      ({ page } = await signedInPage(browser, svc.url, {
        username: svc.demo.username,
        password: svc.demo.password,
      }));
    }, 240_000);

    afterAll(async () => {
      await browser?.close();
      await svc?.stop();
    });

    it('imports, counts and pages the orders list', async () => {
      await page.goto(`${svc.url}/orders`);
      await follow('Import now', 'button');
      expect(page.url()).toMatch(/\/orders\?imported=/);
      // The import's result (the background import may have taken some of the orders first: the
      // count is whatever this run found; the list below shows them all).
      await expect(page.getByText(/\b\d+ orders? new or changed/).isVisible()).resolves.toBe(true);
      // The result is a GET: a reload shows it again and imports nothing.
      const imported = page.url();
      await page.reload();
      expect(page.url()).toBe(imported);

      await page.goto(`${svc.url}/orders`);
      expect(await range()).toBe(`1–25 of ${COUNT}`);
      const first = await listed();
      expect(first).toHaveLength(25);
      await page.screenshot({ path: `${RESULTS}orders-list.png`, fullPage: true });
      // The filter form is one row: every field shares the same band of the page.
      const boxes = await page
        .locator('form.filters label')
        .evaluateAll((labels) => labels.map((l) => l.getBoundingClientRect()).map((r) => [r.top, r.bottom]));
      expect(boxes).toHaveLength(5);
      expect(Math.max(...boxes.map(([top]) => top!))).toBeLessThan(
        Math.min(...boxes.map(([, bottom]) => bottom!)),
      );
      // Units and lines, in words.
      expect(await page.locator('td[data-field="items"]').first().innerText()).toMatch(
        /^\d+ units? in \d+ lines?$/,
      );

      await follow('Next →');
      expect(page.url()).toMatch(/cursor=/);
      expect(await range()).toBe(`26–${COUNT} of ${COUNT}`);
      const second = await listed();
      expect(second).toHaveLength(COUNT - 25);
      expect(second.filter((id) => first.includes(id))).toEqual([]);
      expect(await page.getByRole('link', { name: 'Next →' }).count()).toBe(0);
      await page.screenshot({ path: `${RESULTS}orders-list-page-2.png`, fullPage: true });

      await follow('← Previous');
      expect(page.url()).toMatch(/before=/);
      expect(await range()).toBe(`1–25 of ${COUNT}`);
      expect(await listed()).toEqual(first);
    });

    it("opens an order: header block, each line's prices, the totals", async () => {
      await page.goto(`${svc.url}/orders`);
      const orderId = (await listed())[0]!;
      await page.locator(`tr[data-order="${orderId}"] a`).first().click();
      await page.waitForURL(new RegExp(`/orders/${orderId}`));
      expect(await page.locator('h1').innerText()).toBe(`Order ${orderId}`);
      // The header block is a card laid out as a grid, not a bare list.
      const head = page.locator('dl.order-head');
      expect(await head.evaluate((el) => getComputedStyle(el).display)).toBe('grid');
      const items = await page.locator('dd[data-field="items"]').innerText();
      expect(items).toMatch(/^\d+ units? in \d+ lines?$/);
      const lines = Number(/in (\d+) line/.exec(items)![1]);
      expect(await page.locator('table[data-table="items"] tbody tr').count()).toBe(lines);
      for (const field of ['unitPrice', 'subtotal', 'tax', 'lineTotal'])
        expect(await page.locator(`td[data-field="${field}"]`).first().innerText()).toMatch(
          /^\$[\d,]+\.\d\d$/,
        );
      const total = await page.locator('dd[data-field="total"]').innerText();
      expect(total).toMatch(/^\$[\d,]+\.\d\d$/);
      expect(await page.locator('td[data-field="grandTotal"]').innerText()).toBe(total);
      await page.screenshot({ path: `${RESULTS}orders-order.png`, fullPage: true });
    });
  },
);
