import { afterEach, beforeEach, expect, it } from 'vitest';
import { listEvents } from '../../src/events/events.js';
import { DEMO } from '../../src/simulator/seed.js';
import { callApi, createKeyOnPortal } from '../api/support.js';
import { shirt } from '../listings/support.js';
import { startReceiver, subscribeOnPortal, type Receiver } from '../notify/support.js';
import { describeEachDatabase } from '../support/databases.js';
import type { HttpBrowser } from '../support/http-browser.js';
import { connectRegion, connectionIdOf, signedInBrowser } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';
import { csrfOf, eventually } from '../support/wait.js';

/**
 * An application rejection end to end: the demo app's secret is rotated elsewhere (Developer
 * Console, no notification to us) and its grace period passes, so Amazon answers invalid_client.
 * One monitor pass later every page, banner and API answer says "cut off by the app's credentials",
 * the account is told once by e-mail and webhook, imports and drains pause without errors piling
 * up; once a verified secret is in place (the forwarded notification), everything recovers.
 */

const APP = DEMO.publishedApp.appId;

describeEachDatabase('an application Amazon rejects (sandbox service)', (kind) => {
  let svc: TestService;
  let receiver: Receiver;
  let browser: HttpBrowser;

  beforeEach(async () => {
    svc = await startTestService({
      database: kind === 'postgres' ? 'postgres' : 'pglite',
      env: { NOTIFY_POLL_SECONDS: '1', SIMULATOR_SPEED: '100' },
    });
    receiver = await startReceiver();
    browser = await signedInBrowser(svc);
  }, 120_000);
  afterEach(async () => {
    await receiver.close();
    await svc.stop();
  });

  it('cuts off every connection of the app, tells the account once, pauses work, and recovers by itself', async () => {
    const ids: string[] = [];
    for (const region of ['NA', 'EU', 'FE'] as const) {
      ids.push(connectionIdOf((await connectRegion(browser, svc, region)).url));
    }
    const settings = await browser.get(`${svc.url}/notifications`);
    const csrf = csrfOf(settings.text);
    const form = new URLSearchParams({ _csrf: csrf, emailEnabled: 'on', recipients: 'seller@demo.test' });
    for (const t of ['application.rejected', 'application.recovered']) form.append('eventTypes', t);
    await browser.post(`${svc.url}/notifications/settings`, form.toString(), {
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: svc.url },
    });
    await subscribeOnPortal(browser, svc, receiver);
    const { key } = await createKeyOnPortal(browser, svc, 'ERP');

    // Working before: the list says so and the API agrees.
    const before = await callApi(svc, key, '/api/v1/connections');
    expect(
      (before.json as { connections: { health: { state: string } }[] }).connections.map(
        (c) => c.health.state,
      ),
    ).toEqual(['working', 'working', 'working']);

    // Someone rotates the secret in the Developer Console; the notification reaches nobody.
    await svc.sim(`/_sim/apps/${APP}/notification-destination`, { url: null }, 'PUT');
    await svc.sim(`/_sim/apps/${APP}/rotate-secret`, {});
    await svc.sim('/_sim/clock/advance', { days: 8 });
    browser = await signedInBrowser(svc);
    await svc.service.monitor.runMonitor();
    // This pass, or the service's own scheduled one if it ran meanwhile, probed every connection: a
    // background call in flight across the clock jump counts as a success when it was sent, before
    // the jump, so it does not spare its connection the probe.
    const outcomes = await eventually(async () => {
      const rows = await svc.store.db.selectFrom('connections').select('last_probe_outcome').execute();
      return rows.every((r) => r.last_probe_outcome !== 'running') ? rows : null;
    });
    expect(outcomes.map((r) => r.last_probe_outcome)).toEqual(Array(3).fill('TOKEN_APPLICATION_REJECTED'));

    // Every page, banner and API answer says it, and names who acts.
    const list = await browser.get(`${svc.url}/connections`);
    expect(list.text.match(/data-health="app_rejected"/g)).toHaveLength(3);
    expect(list.text).not.toContain('data-health="working"');
    expect(list.text).toContain('data-banner="app_rejected"');
    expect(list.text).toContain('Nothing is asked of you');
    expect(list.text).toContain('data-renew-blocked');
    for (const id of ids) {
      const page = await browser.get(`${svc.url}/connections/${id}`);
      expect(page.text).toContain('data-health="app_rejected"');
      expect(page.text).toContain('Cut off by the app&#39;s credentials');
      expect(page.text).toContain('The operator acts:');
      // Renew is disabled with the reason, and posting it anyway answers 409 with words, not a 502.
      expect(page.text).toMatch(/<button[^>]*disabled[^>]*data-renew=/);
      const renew = await browser.post(
        `${svc.url}/connections/${id}/renew`,
        { _csrf: csrfOf(page.text) },
        { headers: { origin: svc.url } },
      );
      expect(renew.status).toBe(409);
      expect(renew.text).toContain('Renewing cannot help');
    }
    const account = await browser.get(`${svc.url}/account`);
    expect(account.text).toContain('data-banner-kind="application.rejected"');
    const api = await callApi(svc, key, '/api/v1/connections?health=app_rejected');
    const cut = (api.json as { connections: { health: Record<string, unknown> }[] }).connections;
    expect(cut).toHaveLength(3);
    for (const c of cut) {
      expect(c.health).toMatchObject({
        state: 'app_rejected',
        action: 'operator',
        canCallAmazon: false,
        canRenew: false,
      });
      expect(typeof c.health.since).toBe('string');
      expect(c.health.reason).toContain('not caused by your authorization');
    }

    // The account is told once, by e-mail and webhook, whatever runs again.
    await svc.service.monitor.runMonitor();
    await svc.service.monitor.runMonitor();
    await eventually(() =>
      Promise.resolve(receiver.received.some((r) => r.body.includes('"application.rejected"'))),
    );
    const mail = await eventually(async () => {
      const page = await browser.get(`${svc.url}/sandbox/mail`);
      return page.text.includes('Amazon connections paused') ? page : null;
    });
    expect(mail.text).toContain('nothing is asked of you');
    const rejected = (await listEvents(svc.store.db, { types: ['application.rejected'], limit: 100 })).filter(
      (e) => e.accountId !== null,
    );
    expect(rejected).toHaveLength(1);
    expect(receiver.received.filter((r) => r.body.includes('"application.rejected"'))).toHaveLength(1);

    // Imports and drains pause without errors piling up: no call is made while it cannot work.
    const spApiCalls = async () =>
      (await svc.sim<{ total: number }>('/_sim/requests')).total -
      (await svc.sim<{ total: number }>('/_sim/requests?operation=lwa')).total;
    const requestsBefore = await spApiCalls();
    // A listing change made meanwhile waits, and says why.
    const listing = `/api/v1/connections/${ids[0]!}/listings/CUTOFF-1`;
    const put = (
      await callApi(svc, key, listing, {
        method: 'PUT',
        body: { productType: 'SHIRT', attributes: shirt() },
      })
    ).json as { id: string };
    const waiting = await eventually(async () => {
      const change = (await callApi(svc, key, `/api/v1/listing-changes/${put.id}`)).json as {
        state: string;
        stateReason: string | null;
      };
      return change.state === 'waiting' ? change : null;
    });
    expect(waiting.stateReason).toContain("cut off by the app's credentials");
    await svc.service.monitor.runMonitor();
    const syncs = await svc.store.db.selectFrom('order_syncs').select(['status', 'paused_reason']).execute();
    for (const s of syncs) expect(s.status === 'failed').toBe(false);
    const failures = await svc.store.db.selectFrom('connections').select('consecutive_failures').execute();
    for (const f of failures) expect(f.consecutive_failures).toBe(0);
    // No SP-API call was made (the monitor only checks the app's credentials with LWA).
    expect(await spApiCalls()).toBe(requestsBefore);

    // A verified secret is put in place: the operator forwards Amazon's message; everything recovers.
    const { notifications } = await svc.sim<{ notifications: { body: unknown }[] }>(
      `/_sim/notifications?appId=${APP}`,
    );
    const result = await svc.service.secrets.ingest(notifications.at(-1)!.body);
    expect(result.status).toBe('rotated');
    const after = await callApi(svc, key, '/api/v1/connections');
    expect(
      (after.json as { connections: { health: { state: string } }[] }).connections.map((c) => c.health.state),
    ).toEqual(['working', 'working', 'working']);
    expect((await browser.get(`${svc.url}/connections`)).text).not.toContain('data-banner="app_rejected"');
    await eventually(() =>
      Promise.resolve(receiver.received.some((r) => r.body.includes('"application.recovered"'))),
    );
    const recovered = (
      await listEvents(svc.store.db, { types: ['application.recovered'], limit: 100 })
    ).filter((e) => e.accountId !== null);
    expect(recovered).toHaveLength(1);
    // Calls work again, and the waiting listing change goes out.
    const again = await svc.service.monitor.runMonitor();
    expect(again.probes.failed).toBe(0);
    const sent = await eventually(async () => {
      const change = (await callApi(svc, key, `/api/v1/listing-changes/${put.id}`)).json as { state: string };
      return change.state === 'accepted' ? change : null;
    }, 90_000);
    expect(sent.state).toBe('accepted');
  }, 300_000);
});
