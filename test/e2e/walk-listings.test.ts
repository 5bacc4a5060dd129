/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access,
   @typescript-eslint/no-unsafe-assignment -- simulator control answers are parsed JSON. */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumOrSkip, launchChromium, signedInPage } from '../support/chromium.js';
import { connectRegion, connectionIdOf, demoSeller, signedInBrowser } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';

/**
 * The listings walk in a real browser (Debian's chromium through playwright-core), as a new seller
 * does it (issue 18 item 7): open Listings and see the demo seller's catalog from Amazon with each
 * SKU's status and issues; press "Edit" on a row and find the forms filled in for that SKU; choose
 * a product type and get a form asking for exactly its required attributes; on the German
 * marketplace type the price as Germans write it (`12,50`) and see Amazon receive 12.5; send a
 * quick edit with three mistakes and see all three, each by its field. Screenshots go to
 * test-results/walk/listings-*.png.
 */

const RESULTS = fileURLToPath(new URL('../../test-results/walk/', import.meta.url));
const GERMANY = 'A1PA6795UKMFR9';
const chromiumExe = chromiumOrSkip();

describe.skipIf(!chromiumExe.path)(
  `listings walk in a real browser (chromium)${chromiumExe.path ? '' : ` — skipped: ${chromiumExe.reason}`}`,
  () => {
    let svc: TestService;
    let browser: Browser | undefined;
    let page: Page;
    const ids: Record<string, string> = {};

    const shot = (name: string) =>
      page.screenshot({ path: `${RESULTS}listings-${name}.png`, fullPage: true });
    /**
     * Opens a connection's listings and reloads until the catalog shows `sku` and its refresh has
     * ended (rows appear while the refresh still runs, and the page shows the state it was drawn in).
     */
    const openCatalog = async (connectionId: string, sku: string) => {
      await page.goto(`${svc.url}/connections/${connectionId}/listings`);
      const shown = async () =>
        (await page.locator(`[data-catalog-row="${sku}"]`).count()) > 0 &&
        (await page.locator('[data-catalog-sync="done"]').count()) > 0;
      for (let i = 0; i < 60 && !(await shown()); i++) {
        await new Promise((r) => setTimeout(r, 1000));
        await page.reload();
      }
      await page.locator(`[data-catalog-row="${sku}"]`).first().waitFor();
    };
    const simListing = async (region: 'NA' | 'EU', sku: string): Promise<any> =>
      (
        await svc.sim<any>(
          `/_sim/listings?sellingPartnerId=${demoSeller(region).sellingPartnerId}&sku=${encodeURIComponent(sku)}`,
        )
      ).listings[0];
    /** Reloads the SKU's history page until its newest change is final; returns its state. */
    const settledState = async (): Promise<string> => {
      for (let i = 0; i < 60; i++) {
        const state = await page.locator('[data-change-state]').first().getAttribute('data-change-state');
        if (state && !['queued', 'sending', 'waiting'].includes(state)) return state;
        await new Promise((r) => setTimeout(r, 500));
        await page.reload();
      }
      throw new Error('the change did not settle');
    };

    beforeAll(async () => {
      mkdirSync(RESULTS, { recursive: true });
      svc = await startTestService();
      const http = await signedInBrowser(svc);
      ids.NA = connectionIdOf((await connectRegion(http, svc, 'NA')).url);
      ids.EU = connectionIdOf((await connectRegion(http, svc, 'EU')).url);
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

    it("shows the demo seller's catalog from Amazon with status and issues", async () => {
      await openCatalog(ids.NA!, 'DEMO-TENT-2P');
      const rows = await page
        .locator('[data-catalog-row]')
        .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-catalog-row')));
      expect(rows).toEqual([
        'DEMO-MUG-STEEL',
        'DEMO-PACK-30L',
        'DEMO-SHIRT-L',
        'DEMO-SHIRT-M',
        'DEMO-TENT-2P',
      ]);
      const tent = page.locator('[data-catalog-row="DEMO-TENT-2P"]');
      await expect(tent.locator('[data-status="BUYABLE"]').count()).resolves.toBe(1);
      await expect(tent.innerText()).resolves.toContain('189.00 USD');
      // Out of stock: discoverable, not buyable.
      const mug = page.locator('[data-catalog-row="DEMO-MUG-STEEL"]');
      await expect(mug.locator('[data-status="BUYABLE"]').count()).resolves.toBe(0);
      await expect(mug.locator('[data-status="DISCOVERABLE"]').count()).resolves.toBe(1);
      // A required attribute missing: Amazon's issue, and not discoverable.
      const shirt = page.locator('[data-catalog-row="DEMO-SHIRT-L"]');
      await expect(shirt.locator('[data-status="INACTIVE"]').count()).resolves.toBe(1);
      await expect(shirt.locator('[data-catalog-issues]').innerText()).resolves.toMatch(
        /error: .*target_gender/i,
      );
      await expect(page.locator('[data-catalog-sync="done"]').innerText()).resolves.toContain('5 items');
      await shot('catalog');
    });

    it("starts an edit from a row: the forms are filled in from Amazon's listing", async () => {
      await page.locator('[data-edit="DEMO-SHIRT-M"]').click();
      await page.waitForURL(/edit=DEMO-SHIRT-M/);
      await expect(page.locator('[data-editing]').innerText()).resolves.toContain('DEMO-SHIRT-M');
      await expect(page.locator('#q-sku').inputValue()).resolves.toBe('DEMO-SHIRT-M');
      await expect(page.locator('#q-price').inputValue()).resolves.toBe('49.00');
      await expect(page.locator('#q-qty').inputValue()).resolves.toBe('25');
      // The SHIRT template, filled in.
      await expect(page.locator('[data-form-template]').getAttribute('data-form-template')).resolves.toBe(
        'SHIRT',
      );
      await expect(page.locator('#t-sku').inputValue()).resolves.toBe('DEMO-SHIRT-M');
      await expect(page.locator('#t-color').inputValue()).resolves.toBe('Blue');
      await expect(page.locator('#t-target_gender').inputValue()).resolves.toBe('male');
      await expect(page.locator('#put-type').inputValue()).resolves.toBe('SHIRT');
      await expect(page.locator('#put-attrs').inputValue()).resolves.toContain('"item_name"');
      await shot('edit');

      await page.locator('#q-qty').fill('30');
      await page.locator('form[data-form="quick"]').getByRole('button', { name: 'Queue edit' }).click();
      await page.waitForURL(/\/listings\/DEMO-SHIRT-M\?queued=/);
      expect(await settledState()).toBe('accepted');
      expect((await simListing('NA', 'DEMO-SHIRT-M')).attributes.fulfillment_availability[0].quantity).toBe(
        30,
      );
    });

    it("asks for the chosen product type's required attributes and lists from them", async () => {
      await page.goto(`${svc.url}/connections/${ids.NA}/listings`);
      await page.locator('[data-template-type="BACKPACK"]').click();
      await page.waitForURL(/template=BACKPACK/);
      const fields = await page
        .locator('form[data-form="template"] [data-template-field]')
        .evaluateAll((divs) => divs.map((d) => d.getAttribute('data-template-field')));
      expect(fields).toEqual([
        'item_name',
        'brand',
        'externally_assigned_product_identifier',
        'color',
        'material',
        'condition_type',
        'purchasable_offer',
        'fulfillment_availability',
      ]);
      await expect(page.locator('form[data-form="template"]').innerText()).resolves.toContain('required');
      await page.locator('#t-sku').fill('WALK-PACK');
      await page.locator('#t-item_name').fill('Walk daypack');
      await page.locator('#t-brand').fill('Walkco');
      await page.locator('#t-externally_assigned_product_identifier').fill('036000291452');
      await page.locator('#t-color').fill('Red');
      await page.locator('#t-material').fill('Canvas');
      await page.locator('#t-condition_type').selectOption('new_new');
      await page.locator('#t-purchasable_offer').fill('59.90');
      await page.locator('#t-fulfillment_availability').fill('4');
      await shot('template');
      await page.locator('form[data-form="template"]').getByRole('button', { name: 'Queue listing' }).click();
      await page.waitForURL(/\/listings\/WALK-PACK\?queued=/);
      expect(await settledState()).toBe('accepted');
      const live = await simListing('NA', 'WALK-PACK');
      expect(live.state).toBe('live');
      expect(live.productType).toBe('BACKPACK');
    });

    it('takes 12,50 on a German listing and sends 12.5 to Amazon', async () => {
      await openCatalog(ids.EU!, 'DEMO-BECHER');
      await page.locator('[data-edit="DEMO-BECHER"]').click();
      await page.waitForURL(/edit=DEMO-BECHER/);
      // Prefilled as Germans write it.
      await expect(page.locator('#q-price').inputValue()).resolves.toBe('11,50');
      await expect(page.locator('#q-mp').inputValue()).resolves.toBe(GERMANY);
      await page.locator('#q-price').fill('12,50');
      await shot('german-price');
      await page.locator('form[data-form="quick"]').getByRole('button', { name: 'Queue edit' }).click();
      await page.waitForURL(/\/listings\/DEMO-BECHER\?queued=/);
      expect(await settledState()).toBe('accepted');
      const offers: any[] = (await simListing('EU', 'DEMO-BECHER')).attributes.purchasable_offer;
      const offer = offers.find((o) => o.marketplace_id === GERMANY);
      expect(offer.currency).toBe('EUR');
      expect(offer.our_price[0].schedule[0].value_with_tax).toBe(12.5);
    });

    it('shows every error of a refused quick edit, each by its field, and queues nothing', async () => {
      await page.goto(`${svc.url}/connections/${ids.NA}/listings`);
      const changes = await page.locator('[data-changes] [data-change]').count();
      await page.locator('#q-sku').fill('.');
      await page.locator('#q-price').fill('12,50');
      await page.locator('#q-qty').fill('-2');
      await page.locator('form[data-form="quick"]').getByRole('button', { name: 'Queue edit' }).click();
      await page.locator('[data-form-errors]').waitFor();
      await expect(page.locator('[data-form-errors]').getAttribute('data-form-errors')).resolves.toBe('3');
      for (const field of ['sku', 'price', 'quantity'])
        await expect(
          page.locator(`form[data-form="quick"] [data-error-for="${field}"]`).count(),
        ).resolves.toBe(1);
      await expect(page.locator('[data-error-for="price"]').innerText()).resolves.toContain('12.50');
      // The values typed are kept.
      await expect(page.locator('#q-price').inputValue()).resolves.toBe('12,50');
      await shot('errors');
      await page.goto(`${svc.url}/connections/${ids.NA}/listings`);
      await expect(page.locator('[data-changes] [data-change]').count()).resolves.toBe(changes);
    });
  },
);
