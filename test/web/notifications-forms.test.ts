import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEntities, type HttpBrowser } from '../support/http-browser.js';
import { createKeyOnPortal } from '../api/support.js';
import { startReceiver, type Receiver } from '../notify/support.js';

import { request } from '../support/in-process.js';
import { signedInBrowser } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';
import { csrfOf, eventually } from '../support/wait.js';

/**
 * The notification forms of the portal (issue 18, items 4 and 8): every form answers with a redirect
 * (a reload neither resubmits nor lands on a 404), a refused webhook URL is kept with its reason, a
 * test event reaches one endpoint and shows in its log, the digest setting is saved, and the API
 * sends a test event too.
 */
describe('notification forms in the portal', () => {
  let svc: TestService;
  let receiver: Receiver;
  let browser: HttpBrowser;

  beforeAll(async () => {
    svc = await startTestService({ env: { NOTIFY_POLL_SECONDS: '1' } });
    receiver = await startReceiver();
    browser = await signedInBrowser(svc);
  });
  afterAll(async () => {
    await receiver.close();
    await svc.stop();
  });

  /** Adds the receiver on the portal; returns the page the form led to. */
  async function addEndpoint(url: string) {
    const page = await browser.get(`${svc.url}/notifications`);
    return browser.submit(page, { url, description: 'ERP' }, { action: /\/notifications\/webhooks$/ });
  }

  it('adds a webhook with a redirect: the secret once, and reloading the addresses answers no 404', async () => {
    const created = await addEndpoint(receiver.url);
    expect(created.status).toBe(200);
    expect(created.url).toMatch(
      new RegExp(`^${svc.url}/notifications\\?created=[0-9a-f-]{36}#endpoint-secret$`),
    );
    const secret = /data-webhook-secret[^>]*>(whsec_[A-Za-z0-9_-]+)</.exec(created.text)?.[1];
    expect(secret).toBeDefined();
    receiver.setSecret(secret!);

    // Reloading the page the form led to shows the secret no more (and adds nothing).
    const reloaded = await browser.get(created.url);
    expect(reloaded.text).not.toContain(secret!);
    expect(reloaded.text).toContain('The signing secret was shown once');
    expect(reloaded.text.match(/data-endpoint-id=/g)).toHaveLength(1);

    // The form's own address, opened again (as the old answer-at-the-POST-URL page did on reload): no 404.
    for (const path of ['/notifications/webhooks', '/notifications/settings']) {
      const answer = await request(svc, path, { headers: { cookie: cookieHeader() } });
      expect(answer.status).toBe(303);
      expect(answer.headers.get('location')).toBe('/notifications');
    }
    expect((await browser.get(`${svc.url}/notifications/webhooks`)).url).toBe(`${svc.url}/notifications`);
  });

  it('keeps what was typed when a URL is refused, and says why', async () => {
    const typed = 'http://169.254.169.254/latest/meta-data';
    const refused = await addEndpoint(typed);
    expect(refused.status).toBe(400);
    expect(decodeEntities(refused.text)).toContain(`value="${typed}"`);
    expect(refused.text).toMatch(/role="alert"[^>]*>[^<]*only to public hosts/);
    expect((await browser.get(`${svc.url}/notifications`)).text).not.toContain('169.254.169.254');
  });

  it('sends a test event from the page and from the API, each shown in the delivery log', async () => {
    const settings = await browser.get(`${svc.url}/notifications`);
    const id = /data-test-endpoint="([0-9a-f-]{36})"/.exec(settings.text)![1]!;
    const sent = await browser.submit(settings, {}, { action: `/notifications/webhooks/${id}/test` });
    expect(sent.url).toBe(`${svc.url}/notifications/deliveries?endpoint=${id}&notice=test-sent`);
    await eventually(() => receiver.received.length === 1);
    expect(receiver.received[0]!.signatureValid).toBe(true);
    expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({
      type: 'webhook.test',
      data: { endpointId: id },
    });
    const log = await eventually(async () => {
      const page = await browser.get(`${svc.url}/notifications/deliveries?endpoint=${id}`);
      return page.text.includes('data-status="delivered"') ? page : null;
    });
    expect(log.text).toContain('webhook.test');

    const { key } = await createKeyOnPortal(browser, svc, 'ERP');
    const auth = { authorization: `Bearer ${key}` };
    const listed = await request(svc, '/api/v1/webhooks', { headers: auth });
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { endpoints: { id: string }[] }).endpoints.map((e) => e.id)).toEqual([
      id,
    ]);
    const viaApi = await request(svc, `/api/v1/webhooks/${id}/test`, { method: 'POST', headers: auth });
    expect(viaApi.status).toBe(202);
    const body = (await viaApi.json()) as { eventId: string; type: string };
    expect(body.type).toBe('webhook.test');
    await eventually(() => receiver.received.length === 2);
    expect(receiver.received[1]!.headers['sellerlink-event-id']).toBe(body.eventId);
    expect(receiver.received[1]!.signatureValid).toBe(true);
    const missing = await request(svc, `/api/v1/webhooks/${crypto.randomUUID()}/test`, {
      method: 'POST',
      headers: auth,
    });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe(
      'NOTIFY_ENDPOINT_NOT_FOUND',
    );
  });

  it('saves the daily digest setting with a redirect', async () => {
    const page = await browser.get(`${svc.url}/notifications`);
    const saved = await browser.submit(
      page,
      { emailMode: 'digest', recipients: 'ops@seller.test' },
      { action: '/notifications/settings' },
    );
    expect(saved.url).toBe(`${svc.url}/notifications?notice=saved`);
    expect(saved.text).toMatch(/value="digest"\s+checked/);
    const csrf = csrfOf(saved.text);
    const bad = await browser.post(
      `${svc.url}/notifications/settings`,
      { _csrf: csrf, emailMode: 'weekly', recipients: 'ops@seller.test' },
      { headers: { origin: svc.url } },
    );
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('a daily digest');
  });

  /** The browser's cookies for the service, as a Cookie header. */
  function cookieHeader(): string {
    return Object.entries(browser.cookies(svc.url))
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
  }
});
