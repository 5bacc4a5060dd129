import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEvents } from '../../src/events/events.js';
import { callApi, createKeyOnPortal, expectApiError } from '../api/support.js';
import type { HttpBrowser } from '../support/http-browser.js';
import { connectRegion, connectionIdOf, demoSeller, signedInBrowser } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';

type OrderList = {
  orders: { orderId: string; status: string; connectionId: string }[];
  nextCursor: string | null;
};

/** Orders show in the portal (list, filters, detail) and the REST API (cursor pages, filters). */
describe('orders in the portal and the REST API', () => {
  let svc: TestService;
  let browser: HttpBrowser;
  let connectionId = '';
  let key = '';
  const seller = demoSeller('NA').sellingPartnerId;

  beforeAll(async () => {
    // The paging walk's portal and API; the backfill by report has its own tests.
    svc = await startTestService({
      database: 'pglite-dir',
      env: { ORDERS_REPORT_BACKFILL_AFTER_HOURS: '0' },
    });
    browser = await signedInBrowser(svc);
    connectionId = connectionIdOf((await connectRegion(browser, svc, 'NA')).url);
    await svc.sim('/_sim/orders/generate', { sellingPartnerId: seller, count: 7 });
    // Amazon lists an order 2 minutes after its last change.
    await svc.sim('/_sim/clock/advance', { minutes: 3 });
    key = (await createKeyOnPortal(browser, svc, 'orders test')).key;
  }, 120_000);
  afterAll(async () => {
    await svc?.stop();
  });

  it('imports on "Import now" and lists the orders with the import state', async () => {
    const before = await browser.get(`${svc.url}/orders`);
    expect(before.status).toBe(200);
    expect(before.text).toContain('data-empty="orders"');
    const after = await browser.submit(before, {}, { action: '/orders/sync' });
    expect(after.url).toContain('/orders?imported=');
    expect(after.text).toContain('7 orders new or changed');
    expect(after.text.match(/data-order="/g)?.length).toBe(7);
    expect(after.text).toContain(`data-sync="${connectionId}"`);
    expect(after.text).toContain('data-sync-status="idle"');
    // Every new order raised order.upserted once.
    const events = await listEvents(svc.store.db, { connectionId, types: ['order.upserted'] });
    expect(events.length).toBe(7);
    // A second import finds nothing new and raises nothing.
    const again = await browser.submit(after, {}, { action: '/orders/sync' });
    expect(again.text).toContain('0 orders new or changed');
    expect((await listEvents(svc.store.db, { connectionId, types: ['order.upserted'] })).length).toBe(7);
  });

  it('filters by status and shows an order with its items', async () => {
    const truth = await svc.sim<{ orders: { orderId: string }[] }>(
      `/_sim/orders?sellingPartnerId=${seller}`,
      undefined,
      'GET',
    );
    const orderId = truth.orders[0]!.orderId;
    const detail = await browser.get(`${svc.url}/orders/${orderId}`);
    expect(detail.status).toBe(200);
    expect(detail.text).toContain(`Order ${orderId}`);
    const status = /data-field="status">([A-Z_]+)</.exec(detail.text)?.[1];
    expect(status).toBeTruthy();
    expect(detail.text).toMatch(/Items: [1-9]\d* units? in [1-9]\d* lines?/);

    const filtered = await browser.get(`${svc.url}/orders?status=${status}`);
    const shown = filtered.text.match(/data-order="/g)?.length ?? 0;
    expect(shown).toBeGreaterThan(0);
    const all = await callApi(svc, key, `/api/v1/orders?limit=200`);
    const expected = (all.json as OrderList).orders.filter((o) => o.status === status).length;
    expect(shown).toBe(expected);

    const bad = await browser.get(`${svc.url}/orders?from=yesterday`);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Created from: enter a date as YYYY-MM-DD.');
    const missing = await browser.get(`${svc.url}/orders/000-0000000-0000000`);
    expect(missing.status).toBe(404);
  });

  it('pages through the REST API with a cursor and answers bad input with the field', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const answer = await callApi(
        svc,
        key,
        `/api/v1/orders?limit=3&connectionId=${connectionId}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(answer.status).toBe(200);
      const body = answer.json as OrderList;
      seen.push(...body.orders.map((o) => o.orderId));
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(7);

    const one = await callApi(svc, key, `/api/v1/orders/${seen[0]}`);
    expect(one.status).toBe(200);
    const order = (one.json as { order: { orderId: string; orderItems: unknown[] } }).order;
    expect(order.orderId).toBe(seen[0]);
    expect(order.orderItems.length).toBeGreaterThan(0);

    expectApiError(await callApi(svc, key, '/api/v1/orders?status=LOST'), 400, 'VALIDATION_FAILED', 'status');
    expectApiError(
      await callApi(svc, key, '/api/v1/orders?createdFrom=soon'),
      400,
      'VALIDATION_FAILED',
      'createdFrom',
    );
    expectApiError(
      await callApi(svc, key, '/api/v1/orders?cursor=bm9wZQ'),
      400,
      'ORDERS_INVALID_FILTER',
      'cursor',
    );
    expectApiError(await callApi(svc, key, '/api/v1/orders/000-0000000-0000000'), 404, 'ORDERS_NOT_FOUND');
    expectApiError(await callApi(svc, null, '/api/v1/orders'), 401, 'API_KEY_MISSING');
    const spec = await callApi(svc, null, '/api/openapi.json');
    const paths = (spec.json as { paths: Record<string, unknown> }).paths;
    expect(Object.keys(paths)).toEqual(expect.arrayContaining(['/v1/orders', '/v1/orders/{orderId}']));
  });
});
