import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, createKeyOnPortal } from '../api/support.js';
import type { HttpBrowser } from '../support/http-browser.js';
import { connectRegion, connectionIdOf, demoSeller, signedInBrowser } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';

/**
 * The backfill by report as a seller sees it (the whole sandbox service, in process): "Import now"
 * while Amazon prepares the report says the import goes on in the background; once merged, /orders
 * says what was backfilled, and an order from the report says which of its fields are pending, on
 * the page and in the REST API.
 */
describe('backfill by report in the portal and the REST API', () => {
  let svc: TestService;
  let browser: HttpBrowser;
  let connectionId = '';
  const seller = demoSeller('NA').sellingPartnerId;

  beforeAll(async () => {
    // The simulated report takes 10 minutes: long enough to be seen pending.
    svc = await startTestService({ env: { SIMULATOR_REPORT_SECONDS: '600', ANALYTICS_INTERVAL_HOURS: '0' } });
    browser = await signedInBrowser(svc);
    await svc.sim('/_sim/orders/generate', { sellingPartnerId: seller, count: 12 });
    // Orders last updated an hour ago are inside the report's range (it ends 30 minutes before now).
    await svc.sim('/_sim/clock/advance', { minutes: 60 });
    connectionId = connectionIdOf((await connectRegion(browser, svc, 'NA')).url);
  }, 120_000);
  afterAll(async () => {
    await svc?.stop();
  });

  it('shows the backfill pending, then done, and the pending fields of a report order', async () => {
    const orders = await browser.get(`${svc.url}/orders`);
    const pending = await browser.submit(orders, {}, { action: '/orders/sync' });
    expect(pending.text).toContain('still importing in the background');
    expect(pending.text).toContain('data-backfill="running"');

    // Amazon's report is done after its 10 simulated minutes; the next runs merge it.
    await svc.sim('/_sim/clock/advance', { minutes: 11 });
    let page = pending;
    for (let i = 0; i < 10 && !page.text.includes('data-backfill="done"'); i++) {
      await svc.service.graph.orderImporter.importSome(connectionId, { budgetMs: 20_000 });
      page = await browser.get(`${svc.url}/orders`);
    }
    expect(page.text).toContain('data-backfill="done"');
    expect(page.text).toMatch(/Backfilled .* by report \(12 orders\)/);
    expect(page.text.match(/data-order="/g)?.length).toBe(12);

    const orderId = /data-order="([^"]+)"/.exec(page.text)![1]!;
    const detail = await browser.get(`${svc.url}/orders/${orderId}?connection=${connectionId}`);
    expect(detail.text).toContain('order report (backfill). Pending until Amazon next updates this order');
    expect(detail.text).toContain('orderItems[].orderItemId');

    const key = (await createKeyOnPortal(browser, svc, 'report orders')).key;
    const api = await callApi(svc, key, `/api/v1/orders/${orderId}?connectionId=${connectionId}`);
    expect(api.status).toBe(200);
    const body = api.json as { source: string; pendingFields: string[] };
    expect(body.source).toBe('report');
    expect(body.pendingFields).toContain('buyer');
  }, 120_000);
});
