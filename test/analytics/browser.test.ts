import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumOrSkip, launchChromium, signedInPage } from '../support/chromium.js';
import { connectRegion, connectionIdOf, demoSeller, signedInBrowser } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';
import { fetchUntilSettled, ordersOverTenDays } from './service-support.js';

/**
 * The demo seller's analytics page in a real browser (Debian's chromium through playwright-core):
 * the chart is an SVG image with an accessible name and description and a point per day, the same
 * numbers are in a table, and "Download CSV" downloads a file with a header row and one row per day.
 * A screenshot goes to test-results/analytics.png.
 */

const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const chromiumExe = chromiumOrSkip();

describe.skipIf(!chromiumExe.path)(
  `analytics page in a real browser (chromium)${chromiumExe.path ? '' : ` — skipped: ${chromiumExe.reason}`}`,
  () => {
    let svc: TestService;
    let browser: Browser | undefined;
    let page: Page;
    let connectionId = '';

    beforeAll(async () => {
      mkdirSync(RESULTS, { recursive: true });
      svc = await startTestService();
      // The connection and its data come through the portal and the simulator (in process)…
      const http = await signedInBrowser(svc);
      connectionId = connectionIdOf((await connectRegion(http, svc, 'NA')).url);
      await ordersOverTenDays(svc, demoSeller('NA').sellingPartnerId, 30);
      await fetchUntilSettled(svc, connectionId);
      // …and the browser signs in as the demo seller.
      browser = await launchChromium(chromiumExe.path!);
      ({ page } = await signedInPage(
        browser,
        svc.url,
        { username: svc.demo.username, password: svc.demo.password },
        { acceptDownloads: true },
      ));
    }, 240_000);

    afterAll(async () => {
      await browser?.close();
      await svc?.stop();
    });

    it('shows the chart as an accessible image with a point per day, and the same numbers in a table', async () => {
      await page.goto(`${svc.url}/connections/${connectionId}`);
      await page.getByRole('link', { name: /Analytics: sales, traffic and settlement reports/ }).click();
      await page.waitForURL(`${svc.url}/connections/${connectionId}/analytics`);
      const chart = page.getByRole('img', {
        name: /Ordered product sales and sessions per day, United States/,
      });
      await chart.waitFor({ state: 'visible' });
      expect(await chart.getAttribute('aria-labelledby')).toBe('chart-title chart-desc');
      expect(await page.locator('#chart-desc').textContent()).toMatch(/^30 days from \d{4}-\d{2}-\d{2} to /);
      const points = chart.locator('circle[data-point]');
      expect(await points.count()).toBe(30);
      expect(await chart.locator('rect[data-sessions]').count()).toBe(30);
      const box = await chart.boundingBox();
      expect(box!.width).toBeGreaterThan(300);
      // The table repeats the chart's numbers: the same days and sales.
      const dates = await points.evaluateAll((els) => els.map((e) => e.getAttribute('data-point')));
      const rows = page.locator('table[data-table="daily"] tbody tr');
      expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-day')))).toEqual(dates);
      const sales = await points.evaluateAll((els) => els.map((e) => e.getAttribute('data-sales')));
      const cells = await rows
        .locator('td[data-field="sales"]')
        .evaluateAll((els) => els.map((e) => (e.textContent ?? '').split(' ')[0]));
      expect(cells).toEqual(sales);
      await page.screenshot({ path: `${RESULTS}analytics.png`, fullPage: true });
    });

    it('downloads the CSV of the days shown', async () => {
      await page.goto(`${svc.url}/connections/${connectionId}/analytics`);
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'Download CSV' }).click(),
      ]);
      expect(download.suggestedFilename()).toMatch(
        /^analytics-ATVPDKIKX0DER-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/,
      );
      const text = readFileSync(await download.path(), 'utf8');
      const lines = text.trimEnd().split('\r\n');
      expect(lines[0]).toBe(
        'date,marketplace_id,ordered_product_sales,currency,units_ordered,total_order_items,sessions,page_views,unit_session_percentage',
      );
      expect(lines).toHaveLength(31);
      const shown = await page
        .locator('table[data-table="daily"] tbody tr')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-day')));
      expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(shown);
      expect(lines.slice(1).every((l) => l.split(',')[1] === 'ATVPDKIKX0DER')).toBe(true);
    });
  },
);
