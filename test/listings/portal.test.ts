/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment,
   @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call,
   @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument --
   simulator control answers, API bodies and CLI --json output are parsed JSON the tests inspect freely. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callApi, createKeyOnPortal, expectApiError } from '../api/support.js';
import { describeEachDatabase } from '../support/databases.js';
import type { HttpBrowser } from '../support/http-browser.js';
import {
  approveOnAmazon,
  connectionIdOf,
  connectRegion,
  demoSeller,
  signedInBrowser,
} from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';
import { price, pricePatch, shirt } from './support.js';

const US = 'ATVPDKIKX0DER';

describeEachDatabase('listings in the portal and the API (whole service)', (kind) => {
  let svc: TestService;
  let browser: HttpBrowser;
  let connectionId = '';
  let seller = '';
  let key = '';

  beforeAll(async () => {
    svc = await startTestService({ database: kind === 'postgres' ? 'postgres' : 'pglite' });
    browser = await signedInBrowser(svc);
    const page = await connectRegion(browser, svc, 'NA');
    connectionId = connectionIdOf(page.url);
    seller = demoSeller('NA').sellingPartnerId;
    ({ key } = await createKeyOnPortal(browser, svc, 'listings test'));
  }, 120_000);
  afterAll(async () => {
    await svc?.stop();
  });

  const simListing = async (sku: string): Promise<any> =>
    (await svc.sim<any>(`/_sim/listings?sellingPartnerId=${seller}&sku=${encodeURIComponent(sku)}`))
      .listings[0] ?? null;

  /** Polls the change through the API until it has a final state. */
  const settled = async (changeId: string): Promise<any> => {
    for (let i = 0; i < 150; i++) {
      const answer = await callApi(svc, key, `/api/v1/listing-changes/${changeId}`);
      const change: any = answer.json;
      if (['accepted', 'rejected', 'valid', 'failed', 'superseded'].includes(change.state)) return change;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`change ${changeId} did not settle`);
  };

  it('a listing edited in the portal reaches the simulator; an invalid one shows Amazon’s issues', async () => {
    const listings = await browser.get(`${svc.url}/listings`);
    expect(listings.url).toBe(`${svc.url}/connections/${connectionId}/listings`);
    expect(listings.text).toContain('data-form="put"');

    const queued = await browser.submit(
      listings,
      { sku: 'PORTAL-1', productType: 'SHIRT', attributes: JSON.stringify(shirt()), marketplaceId: US },
      { action: new RegExp(`/connections/${connectionId}/listings$`) },
    );
    expect(queued.url).toContain(`/connections/${connectionId}/listings/PORTAL-1?queued=`);
    const changeId = /queued=([0-9a-f-]{36})/.exec(queued.url)![1]!;
    expect((await settled(changeId)).state).toBe('accepted');
    expect((await simListing('PORTAL-1')).state).toBe('live');

    const quick = await browser.submit(
      await browser.get(`${svc.url}/connections/${connectionId}/listings`),
      { sku: 'PORTAL-1', price: '27.50', quantity: '3', marketplaceId: US },
      { action: '/listings/quick' },
    );
    const quickId = /queued=([0-9a-f-]{36})/.exec(quick.url)![1]!;
    expect((await settled(quickId)).state).toBe('accepted');
    const live = await simListing('PORTAL-1');
    expect(live.attributes.purchasable_offer[0].our_price).toEqual(price(27.5)[0]!.our_price);
    expect(live.attributes.fulfillment_availability[0].quantity).toBe(3);

    const bad = await browser.submit(
      await browser.get(`${svc.url}/connections/${connectionId}/listings`),
      {
        sku: 'PORTAL-BAD',
        productType: 'SHIRT',
        attributes: JSON.stringify(shirt({ brand: undefined })),
        marketplaceId: US,
      },
      { action: new RegExp(`/connections/${connectionId}/listings$`) },
    );
    const badId = /queued=([0-9a-f-]{36})/.exec(bad.url)![1]!;
    expect((await settled(badId)).state).toBe('rejected');
    const history = await browser.get(`${svc.url}/connections/${connectionId}/listings/PORTAL-BAD`);
    expect(history.text).toContain('data-change-state="rejected"');
    expect(history.text).toContain('data-issue="90220"');
    expect(history.text).toMatch(/data-amazon-status[^>]*>INVALID</);
    expect(history.text).toMatch(/brand/);
  });

  it('refuses a form with bad JSON, naming the field and queuing nothing', async () => {
    const page = await browser.get(`${svc.url}/connections/${connectionId}/listings`);
    const refused = await browser.submit(
      page,
      { sku: 'PORTAL-JSON', productType: 'SHIRT', attributes: '{not json', marketplaceId: US },
      { action: new RegExp(`/connections/${connectionId}/listings$`) },
    );
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('data-field="attributes"');
    const history: any = (await callApi(svc, key, `/api/v1/connections/${connectionId}/listings/PORTAL-JSON`))
      .json;
    expect(history.changes).toEqual([]);
  });

  it('the API queues PUT / PATCH / DELETE at once (202) and reports results and history', async () => {
    const base = `/api/v1/connections/${connectionId}/listings/API-1`;
    const put = await callApi(svc, key, base, {
      method: 'PUT',
      body: { productType: 'SHIRT', attributes: shirt() },
    });
    expect(put.status).toBe(202);
    expect((put.json as any).state).toMatch(/queued|sending|accepted/);
    expect((await settled((put.json as any).id)).amazonStatus).toBe('ACCEPTED');

    const preview = await callApi(svc, key, `${base}?mode=VALIDATION_PREVIEW`, {
      method: 'PATCH',
      body: pricePatch(12),
    });
    expect(preview.status).toBe(202);
    expect((await settled((preview.json as any).id)).amazonStatus).toBe('VALID');

    const patch = await callApi(svc, key, base, { method: 'PATCH', body: pricePatch(13) });
    expect((await settled((patch.json as any).id)).state).toBe('accepted');
    expect((await simListing('API-1')).attributes.purchasable_offer[0].our_price).toEqual(
      price(13)[0]!.our_price,
    );

    const del = await callApi(svc, key, base, { method: 'DELETE' });
    expect(del.status).toBe(202);
    expect((await settled((del.json as any).id)).state).toBe('accepted');
    expect((await simListing('API-1')).state).toBe('deleted');

    const history: any = (await callApi(svc, key, base)).json;
    expect(history.changes.map((c: any) => c.kind)).toEqual(['delete', 'patch', 'patch', 'put']);

    expectApiError(
      await callApi(svc, key, base, {
        method: 'PUT',
        body: { productType: 'SHIRT', attributes: { color: 'red' } },
      }),
      400,
      'VALIDATION_FAILED',
      'attributes.color',
    );
    expectApiError(
      await callApi(svc, key, `${base}?marketplaceIds=A1F83G8C2ARO7P`, { method: 'DELETE' }),
      400,
      'VALIDATION_FAILED',
      'marketplaceId',
    );
    expectApiError(
      await callApi(svc, key, '/api/v1/listing-changes/00000000-0000-4000-8000-000000000000'),
      404,
      'LISTING_CHANGE_NOT_FOUND',
    );
    const doc: any = (await callApi(svc, null, '/api/openapi.json')).json;
    expect(Object.keys(doc.paths)).toContain('/v1/connections/{id}/listings/{sku}');
  });

  it('while the authorization is revoked changes wait for renewal, then go out after the seller renews', async () => {
    const auths = await svc.sim<any>(`/_sim/authorizations?sellingPartnerId=${seller}`);
    const auth = auths.authorizations.find((a: any) => a.status === 'active');
    await svc.sim(`/_sim/authorizations/${auth.id}/revoke`, {});

    const base = `/api/v1/connections/${connectionId}/listings/OUTAGE-1`;
    const put: any = (
      await callApi(svc, key, base, { method: 'PUT', body: { productType: 'SHIRT', attributes: shirt() } })
    ).json;
    let change: any = put;
    for (let i = 0; i < 150 && change.state !== 'waiting'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      change = (await callApi(svc, key, `/api/v1/listing-changes/${put.id}`)).json;
    }
    expect(change.stateLabel).toBe('waiting for the connection');
    const page = await browser.get(`${svc.url}/connections/${connectionId}/listings`);
    expect(page.text).toContain('data-waiting');
    expect(await simListing('OUTAGE-1')).toBeNull();

    const detail = await browser.get(`${svc.url}/connections/${connectionId}`);
    const amazon = await browser.submit(detail, {}, { action: `/connections/${connectionId}/renew` });
    const renewed = await approveOnAmazon(browser, amazon, demoSeller('NA').email);
    expect(renewed.url).toContain('notice=renewed');
    expect((await settled(put.id)).state).toBe('accepted');
    expect((await simListing('OUTAGE-1')).state).toBe('live');
  });
});
