/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment,
   @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call,
   @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument -- API bodies are parsed JSON the tests inspect freely. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callApi, createKeyOnPortal, expectApiError } from '../api/support.js';
import { describeEachDatabase } from '../support/databases.js';
import type { HttpBrowser } from '../support/http-browser.js';
import { connectRegion, connectionIdOf, signedInBrowser } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';

/**
 * The catalog through the whole service: the first visit of a connection's listings page asks for a
 * refresh (a pg-boss job), the worker walks searchListingsItems, and the page and
 * `GET /api/v1/connections/{id}/catalog` (keyset-paged) show the demo seller's listings.
 */
describeEachDatabase('the catalog in the portal and the API (whole service)', (kind) => {
  let svc: TestService;
  let browser: HttpBrowser;
  let connectionId = '';
  let key = '';

  beforeAll(async () => {
    svc = await startTestService({ database: kind === 'postgres' ? 'postgres' : 'pglite' });
    browser = await signedInBrowser(svc);
    connectionId = connectionIdOf((await connectRegion(browser, svc, 'NA')).url);
    ({ key } = await createKeyOnPortal(browser, svc, 'catalog test'));
  }, 120_000);
  afterAll(async () => {
    await svc?.stop();
  });

  it('shows the demo catalog on the page and pages it through the API', async () => {
    let page = await browser.get(`${svc.url}/connections/${connectionId}/listings`);
    for (let i = 0; i < 60 && !page.text.includes('data-catalog-sync="done"'); i++) {
      await new Promise((r) => setTimeout(r, 1000));
      page = await browser.get(`${svc.url}/connections/${connectionId}/listings`);
    }
    expect(page.text).toContain('data-catalog-row="DEMO-TENT-2P"');
    expect(page.text).toContain(
      `href="/connections/${connectionId}/listings?edit=DEMO-TENT-2P&amp;editMarketplace=ATVPDKIKX0DER#edit"`,
    );

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const answer = await callApi(
        svc,
        key,
        `/api/v1/connections/${connectionId}/catalog?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(answer.status).toBe(200);
      const body: any = answer.json;
      expect(body.refresh).toMatchObject({ status: 'done', items: 5 });
      seen.push(...body.items.map((i: any) => i.sku));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['DEMO-MUG-STEEL', 'DEMO-PACK-30L', 'DEMO-SHIRT-L', 'DEMO-SHIRT-M', 'DEMO-TENT-2P']);

    const errors: any = (await callApi(svc, key, `/api/v1/connections/${connectionId}/catalog?filter=error`))
      .json;
    expect(errors.items).toHaveLength(1);
    expect(errors.items[0]).toMatchObject({ sku: 'DEMO-SHIRT-L', statuses: [], price: { currency: 'USD' } });
    expect(errors.items[0].issues[0]).toMatchObject({ severity: 'ERROR', attributeNames: ['target_gender'] });

    expectApiError(
      await callApi(svc, key, `/api/v1/connections/${connectionId}/catalog?cursor=forged`),
      400,
      'VALIDATION_FAILED',
      'cursor',
    );
    expectApiError(
      await callApi(svc, key, '/api/v1/connections/00000000-0000-4000-8000-000000000000/catalog'),
      404,
      'CONNECTION_NOT_FOUND',
    );
  });

  it('a refused quick edit is shown again with every error; a refresh request answers 303 to the catalog', async () => {
    const page = await browser.get(`${svc.url}/connections/${connectionId}/listings`);
    const refused = await browser.submit(
      page,
      { sku: '..', price: '12,50', quantity: 'many', marketplaceId: 'ATVPDKIKX0DER' },
      { action: '/listings/quick' },
    );
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('data-form-errors="3"');
    for (const field of ['sku', 'price', 'quantity'])
      expect(refused.text).toContain(`data-error-for="${field}"`);
    const refresh = await browser.submit(page, {}, { action: '/listings/refresh', followRedirects: false });
    expect(refresh.status).toBe(303);
    expect(refresh.location).toContain(`/connections/${connectionId}/listings?refresh=queued`);
  });
});
