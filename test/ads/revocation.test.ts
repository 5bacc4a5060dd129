import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEvents } from '../../src/events/events.js';
import { DEMO } from '../../src/simulator/seed.js';
import { callApi, createKeyOnPortal } from '../api/support.js';
import { adsConnectionIdOf, connectAds } from '../support/ads.js';
import type { HttpBrowser } from '../support/http-browser.js';
import { signedInBrowser } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';

/**
 * An advertiser removes the app at Amazon: the next token refresh gets invalid_grant, and the Ads
 * connection is revoked at once through the lifecycle (one `connection.revoked` event naming Ads),
 * whoever asked: the daily probe here, then every later request fails fast without calling Amazon.
 */
describe('an Ads consent revoked at Amazon', () => {
  let svc: TestService;
  let browser: HttpBrowser;
  let key = '';
  let id = '';

  beforeAll(async () => {
    svc = await startTestService({
      env: { ORDERS_REPORT_BACKFILL_AFTER_HOURS: '0', ANALYTICS_INTERVAL_HOURS: '0' },
    });
    browser = await signedInBrowser(svc);
    key = (await createKeyOnPortal(browser, svc, 'Ads tool')).key;
    id = adsConnectionIdOf((await connectAds(browser, svc, 'EU')).url);
  }, 120_000);
  afterAll(async () => svc?.stop());

  it('is found by the probe, revoked once, and refused at once afterwards', async () => {
    const { authorizations } = await svc.sim<{ authorizations: { id: string; clientId: string }[] }>(
      '/_sim/ads/authorizations',
    );
    const mine = authorizations.filter((a) => a.clientId === DEMO.ads.client.clientId);
    expect(mine).toHaveLength(1);
    await svc.sim(`/_sim/ads/authorizations/${mine[0]!.id}/revoke`, {});
    // The cached access token outlives the revocation at Amazon (an hour): the probe is due a day
    // after the consent, and by then the token has expired and the refresh meets invalid_grant.
    await svc.sim('/_sim/clock/advance', { days: 2 });
    const report = await svc.service.monitor.runMonitor();
    expect(report.probes.failed).toBeGreaterThanOrEqual(1);

    const row = await svc.store.db
      .selectFrom('connections')
      .select(['state', 'api', 'last_probe_outcome'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ state: 'revoked', api: 'ads', last_probe_outcome: 'TOKEN_CONNECTION_REVOKED' });
    const events = await listEvents(svc.store.db, { types: ['connection.revoked'], limit: 10 });
    expect(events).toHaveLength(1);
    expect(events[0]!.payload).toMatchObject({ api: 'ads', sellingPartnerId: null, region: 'EU' });

    // Later requests fail fast with the renew link, without asking Amazon again.
    const lwaBefore = (await svc.sim<{ total: number }>('/_sim/requests?operation=lwa')).total;
    const token = await callApi(svc, key, `/api/v1/ads-connections/${id}/access-token`, { method: 'POST' });
    expect(token.status).toBe(409);
    expect(JSON.stringify(token.json)).toContain('TOKEN_CONNECTION_REVOKED');
    expect(JSON.stringify(token.json)).toContain(`/ads-connections/${id}`);
    expect((await svc.sim<{ total: number }>('/_sim/requests?operation=lwa')).total).toBe(lwaBefore);
    // The portal session ended with the two days; sign in again.
    browser = await signedInBrowser(svc);
    const page = await browser.get(`${svc.url}/ads-connections/${id}`);
    expect(page.text).toContain('Renew needed: revoked');
    expect(page.text).toContain('the app was removed from the Amazon account');
    // Running the monitor again records nothing new.
    await svc.service.monitor.runMonitor();
    expect(await listEvents(svc.store.db, { types: ['connection.revoked'], limit: 10 })).toHaveLength(1);
  }, 120_000);
});
