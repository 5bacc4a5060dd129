import { afterAll, beforeAll, expect, it } from 'vitest';
import { decodeEntities, type BrowserPage, type HttpBrowser } from '../support/http-browser.js';
import { describeEachDatabase } from '../support/databases.js';
import { connectRegion, connectionIdOf, demoSeller, signedInBrowser } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';

/**
 * The orders list and an order's page with 45 orders: the list says "1–25 of 45" and pages forward
 * and back by keyset (the filter kept), the list's item count and the order page's agree ("3 units in
 * 2 lines"), and the order page shows each line's unit price, quantity, subtotal, tax and total and
 * the order's totals in the order's currency, formatted as Intl.NumberFormat does.
 */

const COUNT = 45;

interface StoredOrder {
  orderItems: {
    orderItemId: string;
    quantityOrdered: number;
    product: { price?: { unitPrice?: { amount: string; currencyCode: string } } };
    proceeds?: {
      proceedsTotal?: { amount: string; currencyCode: string };
      breakdowns?: { type: string; subtotal: { amount: string; currencyCode: string } }[];
    };
  }[];
  proceeds: { grandTotal: { amount: string; currencyCode: string } };
}

/** Intl's own formatting of an amount in its currency (what the page must show). */
const intl = (m: { amount: string; currencyCode: string }): string =>
  new Intl.NumberFormat('en-US', { style: 'currency', currency: m.currencyCode }).format(Number(m.amount));

const rows = (page: BrowserPage): string[] =>
  [...page.text.matchAll(/data-order="([^"]+)"/g)].map((m) => m[1]!);
const range = (page: BrowserPage): string | undefined =>
  /<span class="range" data-range[^>]*>([^<]+)</.exec(page.text)?.[1];
const link = (page: BrowserPage, rel: 'next' | 'prev'): string | null => {
  const href = new RegExp(`<a href="([^"]+)" rel="${rel}"`).exec(page.text)?.[1];
  return href ? decodeEntities(href) : null;
};
/** A field's cell text, e.g. `items` of the row of `orderId`. */
const cell = (html: string, field: string): string | undefined =>
  new RegExp(`data-field="${field}"[^>]*>([^<]*)<`).exec(html)?.[1]?.trim();

describeEachDatabase('orders list and order page with 45 orders', (kind) => {
  let svc: TestService;
  let browser: HttpBrowser;
  let connectionId = '';

  beforeAll(async () => {
    svc = await startTestService({
      database: kind === 'pglite' ? 'pglite' : 'postgres',
      env: { ORDERS_REPORT_BACKFILL_AFTER_HOURS: '0' },
    });
    browser = await signedInBrowser(svc);
    connectionId = connectionIdOf((await connectRegion(browser, svc, 'NA')).url);
    await svc.sim('/_sim/orders/generate', {
      sellingPartnerId: demoSeller('NA').sellingPartnerId,
      count: COUNT,
      marketplaceId: 'ATVPDKIKX0DER',
    });
    // Amazon lists an order 2 minutes after its last change.
    await svc.sim('/_sim/clock/advance', { minutes: 3 });
    const list = await browser.get(`${svc.url}/orders`);
    // "Import now" is a POST answered by a redirect to a GET (a reload imports nothing again).
    const posted = await browser.submit(list, {}, { action: '/orders/sync', followRedirects: false });
    expect(posted.status).toBe(303);
    expect(posted.location).toMatch(/^\/orders\?imported=/);
    const after = await browser.get(new URL(posted.location!, svc.url).toString());
    expect(after.text).toContain(`${COUNT} orders new or changed`);
  }, 180_000);
  afterAll(async () => {
    await svc?.stop();
  });

  it('counts the orders and pages by 25 forward and back', async () => {
    const first = await browser.get(`${svc.url}/orders`);
    expect(first.status).toBe(200);
    expect(range(first)).toBe(`1–25 of ${COUNT}`);
    expect(rows(first)).toHaveLength(25);
    expect(link(first, 'prev')).toBeNull();

    const second = await browser.get(new URL(link(first, 'next')!, svc.url).toString());
    expect(range(second)).toBe(`26–${COUNT} of ${COUNT}`);
    expect(rows(second)).toHaveLength(COUNT - 25);
    expect(link(second, 'next')).toBeNull();
    const all = [...rows(first), ...rows(second)];
    expect(new Set(all).size).toBe(COUNT);

    const back = await browser.get(new URL(link(second, 'prev')!, svc.url).toString());
    expect(range(back)).toBe(`1–25 of ${COUNT}`);
    expect(rows(back)).toEqual(rows(first));

    // The filter stays on every paging link, and the count is the filtered one.
    const filtered = await browser.get(
      `${svc.url}/orders?connection=${connectionId}&marketplace=ATVPDKIKX0DER`,
    );
    expect(range(filtered)).toBe(`1–25 of ${COUNT}`);
    const next = link(filtered, 'next')!;
    expect(next).toContain(`connection=${connectionId}`);
    expect(next).toContain('marketplace=ATVPDKIKX0DER');
    const none = await browser.get(`${svc.url}/orders?status=CANCELLED&from=2000-01-01&to=2000-01-02`);
    expect(range(none)).toBe('0 of 0');
    expect(none.text).toContain('data-empty="orders"');

    // A cursor that is not one the list made is refused with the field named.
    const bad = await browser.get(`${svc.url}/orders?before=bm9wZQ`);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('before: before is not a cursor this API returned');
  });

  it('says units and lines alike on the list and the order page, and shows prices and totals', async () => {
    const stored = await svc.store.db
      .selectFrom('orders')
      .select(['order_id', 'data'])
      .where('connection_id', '=', connectionId)
      .execute();
    expect(stored).toHaveLength(COUNT);
    const pages = [await browser.get(`${svc.url}/orders`)];
    pages.push(await browser.get(new URL(link(pages[0]!, 'next')!, svc.url).toString()));
    const listed = new Map<string, string>();
    for (const page of pages)
      for (const m of page.text.matchAll(/data-order="([^"]+)">([\s\S]*?)<\/tr>/g))
        listed.set(m[1]!, cell(m[2]!, 'items')!);
    expect(listed.size).toBe(COUNT);

    const words = (n: number, one: string) => `${n} ${n === 1 ? one : `${one}s`}`;
    for (const { order_id, data } of stored) {
      const order = data as unknown as StoredOrder;
      const units = order.orderItems.reduce((n, i) => n + i.quantityOrdered, 0);
      expect(listed.get(order_id)).toBe(
        `${words(units, 'unit')} in ${words(order.orderItems.length, 'line')}`,
      );
    }

    // The order with the most lines: its page agrees with the list and prices every line.
    const { order_id: orderId, data } = [...stored].sort(
      (a, b) =>
        (b.data as unknown as StoredOrder).orderItems.length -
        (a.data as unknown as StoredOrder).orderItems.length,
    )[0]!;
    const order = data as unknown as StoredOrder;
    const page = await browser.get(`${svc.url}/orders/${orderId}?connection=${connectionId}`);
    expect(page.status).toBe(200);
    expect(decodeEntities(cell(page.text, 'items')!)).toBe(listed.get(orderId));
    expect(page.text).toContain(`Items: ${listed.get(orderId)}`);
    expect(decodeEntities(cell(page.text, 'total')!)).toBe(intl(order.proceeds.grandTotal));
    expect(decodeEntities(cell(page.text, 'grandTotal')!)).toBe(intl(order.proceeds.grandTotal));
    for (const item of order.orderItems) {
      const row = new RegExp(`data-item="${item.orderItemId}">([\\s\\S]*?)</tr>`).exec(page.text)?.[1];
      expect(row, item.orderItemId).toBeDefined();
      const tax = item.proceeds!.breakdowns!.find((b) => b.type === 'TAX')!.subtotal;
      const subtotal = item.proceeds!.breakdowns!.find((b) => b.type === 'ITEM')!.subtotal;
      expect(decodeEntities(cell(row!, 'unitPrice')!)).toBe(intl(item.product.price!.unitPrice!));
      expect(cell(row!, 'quantity')).toBe(String(item.quantityOrdered));
      expect(decodeEntities(cell(row!, 'subtotal')!)).toBe(intl(subtotal));
      expect(decodeEntities(cell(row!, 'tax')!)).toBe(intl(tax));
      expect(decodeEntities(cell(row!, 'lineTotal')!)).toBe(intl(item.proceeds!.proceedsTotal!));
      // In US dollars, as Intl formats them: "$19.99".
      expect(intl(item.product.price!.unitPrice!)).toMatch(/^\$[\d,]+\.\d\d$/);
    }
  });
});
