import { afterAll, beforeAll, expect, it } from 'vitest';
import { callApi, createKeyOnPortal, expectApiError } from '../api/support.js';
import { describeEachDatabase } from '../support/databases.js';
import type { HttpBrowser } from '../support/http-browser.js';
import { connectRegion, connectionIdOf, demoSeller, signedInBrowser } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';
import { fetchUntilSettled, ordersOverTenDays } from './service-support.js';
import { SALES_AND_TRAFFIC, US } from './support.js';

type DailyBody = {
  connectionId: string;
  marketplaceId: string;
  from: string;
  to: string;
  rows: { date: string; unitsOrdered: number; sessions: number; orderedProductSales: { amount: string } }[];
};
type SettlementsBody = {
  settlementReports: { reportId: string; downloadable: boolean; documentPath: string | null }[];
};

/**
 * Analytics in the whole sandbox service (in process): the connection's analytics page (chart,
 * table, CSV, fetch status with a FATAL reason, settlement downloads) and the REST API (JSON, CSV by
 * Accept or format, settlement reports and documents, 400s naming the field, another account's 404).
 */
describeEachDatabase('analytics in the portal and the REST API', (kind) => {
  let svc: TestService;
  let browser: HttpBrowser;
  let connectionId = '';
  let key = '';
  let otherKey = '';
  const seller = demoSeller('NA').sellingPartnerId;

  beforeAll(async () => {
    svc = await startTestService({ database: kind === 'postgres' ? 'postgres' : 'pglite' });
    browser = await signedInBrowser(svc);
    connectionId = connectionIdOf((await connectRegion(browser, svc, 'NA')).url);
    await ordersOverTenDays(svc, seller, 30);
    await fetchUntilSettled(svc, connectionId);
    key = (await createKeyOnPortal(browser, svc, 'analytics test')).key;
    const accounts = svc.service.graph.accounts;
    const other = await accounts.createAccount('Other Seller Ltd');
    await accounts.addUser({
      accountId: other.id,
      username: 'other-owner',
      password: 'other-password-1',
      role: 'owner',
    });
    otherKey = (
      await createKeyOnPortal(await signedInBrowser(svc, 'other-owner', 'other-password-1'), svc, 'B')
    ).key;
  }, 180_000);
  afterAll(async () => {
    await svc?.stop();
  });

  it('the analytics page: a chart with a point per day, the same numbers in a table, a CSV download', async () => {
    const connection = await browser.get(`${svc.url}/connections/${connectionId}`);
    expect(connection.text).toContain(`href="/connections/${connectionId}/analytics"`);
    const page = await browser.get(`${svc.url}/connections/${connectionId}/analytics`);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<svg[^>]*role="img"[^>]*aria-labelledby="chart-title chart-desc"/);
    expect(page.text).toContain('<desc id="chart-desc">30 days from ');
    const points = [...page.text.matchAll(/data-point="(\d{4}-\d{2}-\d{2})" data-sales="([\d.]+)"/g)];
    expect(points).toHaveLength(30);
    expect(page.text.match(/<tr data-day="/g)).toHaveLength(30);
    // Every marketplace of the seller has its fetch status.
    for (const m of ['ATVPDKIKX0DER', 'A2EUQ1WTGCTBG2', 'A1AM78C64UM0Y8'])
      expect(page.text).toContain(`data-fetch="${m}" data-fetch-status="idle"`);

    const api = (await callApi(svc, key, `/api/v1/connections/${connectionId}/analytics/daily`))
      .json as DailyBody;
    expect(points.map(([, date, sales]) => [date, sales])).toEqual(
      api.rows.map((r) => [r.date, r.orderedProductSales.amount]),
    );

    const csvHref = /href="([^"]+analytics\.csv[^"]*)"/.exec(page.text)![1]!.replace(/&amp;/g, '&');
    const csv = await browser.get(`${svc.url}${csvHref}`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="analytics-ATVPDKIKX0DER-/);
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^date,marketplace_id,ordered_product_sales,currency,units_ordered/);
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(api.rows.map((r) => r.date));
    expect(lines[1]!.split(',')[4]).toBe(String(api.rows[0]!.unitsOrdered));
  });

  it('bad dates, from after to and an unknown marketplace: 400 with the reason, on the page and the CSV', async () => {
    const base = `${svc.url}/connections/${connectionId}`;
    const cases = [
      ['from=2026-02-30', 'from: enter a date as YYYY-MM-DD'],
      ['from=2026-03-10&to=2026-03-01', 'from: 2026-03-10 is after to (2026-03-01)'],
      [
        'marketplaceId=A1PA6795UKMFR9',
        'marketplaceId: A1PA6795UKMFR9 is not a marketplace of this connection',
      ],
    ] as const;
    for (const [query, message] of cases) {
      const page = await browser.get(`${base}/analytics?${query}`);
      expect(page.status, query).toBe(400);
      expect(page.text).toContain(message);
      const csv = await browser.get(`${base}/analytics.csv?${query}`);
      expect(csv.status, query).toBe(400);
      expect(csv.text).toContain(message);
    }
  });

  it('a FATAL report shows its reason on the page; settlement reports download as tab-separated text', async () => {
    await svc.sim('/_sim/reports/behaviour', {
      outcome: 'fatal',
      reportType: SALES_AND_TRAFFIC,
      sellingPartnerId: seller,
      count: 1,
    });
    await svc.sim('/_sim/clock/advance', { hours: 7 });
    await fetchUntilSettled(svc, connectionId);
    const page = await browser.get(`${svc.url}/connections/${connectionId}/analytics`);
    expect(page.text).toMatch(/data-fetch-status="failed"/);
    expect(page.text).toMatch(
      /data-failure="true" class="error-text">Amazon could not make report \S+ \(FATAL\): [^<]*simulated FATAL outcome/,
    );

    const href = /href="(\/connections\/[^"]+\/settlement-reports\/[^"]+\/document)"/.exec(page.text)?.[1];
    expect(href).toBeDefined();
    const download = await browser.get(`${svc.url}${href}`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toContain('text/tab-separated-values');
    expect(download.headers.get('content-disposition')).toMatch(
      /^attachment; filename="settlement-\d+\.tsv"$/,
    );
    expect(download.text.startsWith('settlement-id\tsettlement-start-date\t')).toBe(true);
    const missing = await browser.get(
      `${svc.url}/connections/${connectionId}/settlement-reports/123/document`,
    );
    expect(missing.status).toBe(404);
  });

  it('the REST API: JSON and CSV, settlement reports and their documents, in the OpenAPI document', async () => {
    const path = `/api/v1/connections/${connectionId}/analytics/daily?marketplaceId=${US}`;
    const json = await callApi(svc, key, path);
    expect(json.status).toBe(200);
    const body = json.json as DailyBody;
    expect(body).toMatchObject({ connectionId, marketplaceId: US });
    expect(body.rows).toHaveLength(30);
    const byFormat = await callApi(svc, key, `${path}&format=csv`);
    const byAccept = await callApi(svc, key, path, { headers: { accept: 'text/csv' } });
    for (const csv of [byFormat, byAccept]) {
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toContain('text/csv');
      expect(csv.text.trimEnd().split('\r\n')).toHaveLength(31);
    }
    expect(byAccept.text).toBe(byFormat.text);
    const one = await callApi(svc, key, `${path}&from=${body.rows[3]!.date}&to=${body.rows[3]!.date}`);
    expect((one.json as DailyBody).rows).toEqual([body.rows[3]]);

    const list = await callApi(svc, key, `/api/v1/connections/${connectionId}/settlement-reports`);
    expect(list.status).toBe(200);
    const reports = (list.json as SettlementsBody).settlementReports;
    expect(reports.length).toBeGreaterThan(0);
    const document = await callApi(svc, key, reports[0]!.documentPath!);
    expect(document.status).toBe(200);
    expect(document.headers.get('content-type')).toContain('text/tab-separated-values');
    expect(document.text.split('\n')[0]).toMatch(/^settlement-id\t/);
    expectApiError(
      await callApi(svc, key, `/api/v1/connections/${connectionId}/settlement-reports/999/document`),
      404,
      'ANALYTICS_REPORT_NOT_FOUND',
      'reportId',
    );

    const spec = (await callApi(svc, null, '/api/openapi.json')).json as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/v1/connections/{id}/analytics/daily',
        '/v1/connections/{id}/settlement-reports',
        '/v1/connections/{id}/settlement-reports/{reportId}/document',
      ]),
    );
  });

  it('the REST API refuses bad input with the field, and another account gets 404', async () => {
    const daily = `/api/v1/connections/${connectionId}/analytics/daily`;
    expectApiError(await callApi(svc, key, `${daily}?from=2026-02-30`), 400, 'VALIDATION_FAILED', 'from');
    expectApiError(await callApi(svc, key, `${daily}?to=soon`), 400, 'VALIDATION_FAILED', 'to');
    expectApiError(
      await callApi(svc, key, `${daily}?from=2026-03-10&to=2026-03-01`),
      400,
      'VALIDATION_FAILED',
      'from',
    );
    expectApiError(
      await callApi(svc, key, `${daily}?marketplaceId=A1PA6795UKMFR9`),
      400,
      'VALIDATION_FAILED',
      'marketplaceId',
    );
    expectApiError(await callApi(svc, key, `${daily}?format=xml`), 400, 'VALIDATION_FAILED', 'format');
    expectApiError(await callApi(svc, key, `${daily}?color=red`), 400, 'VALIDATION_FAILED', 'color');
    for (const path of [
      daily,
      `/api/v1/connections/${connectionId}/settlement-reports`,
      `/api/v1/connections/${connectionId}/settlement-reports/1/document`,
    ])
      expectApiError(await callApi(svc, otherKey, path), 404, 'CONNECTION_NOT_FOUND');
    const other = await signedInBrowser(svc, 'other-owner', 'other-password-1');
    for (const path of ['analytics', 'analytics.csv'])
      expect((await other.get(`${svc.url}/connections/${connectionId}/${path}`)).status).toBe(404);
  });
});
