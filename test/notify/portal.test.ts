import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { secretsIn } from '../support/security.js';
import type { HttpBrowser } from '../support/http-browser.js';
import { connectRegion, connectionIdOf, demoSeller, signedInBrowser } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';
import { describeEachDatabase } from '../support/databases.js';
import { startReceiver, type Receiver } from './support.js';
import { csrfOf, eventually } from '../support/wait.js';

describeEachDatabase('notifications in the portal (sandbox service)', (kind) => {
  let svc: TestService;
  let receiver: Receiver;
  let browser: HttpBrowser;

  beforeEach(async () => {
    svc = await startTestService({
      database: kind === 'postgres' ? 'postgres' : 'pglite',
      env: { NOTIFY_POLL_SECONDS: '1' },
    });
    receiver = await startReceiver();
    browser = await signedInBrowser(svc);
  });
  afterEach(async () => {
    await receiver.close();
    await svc.stop();
  });

  it('settings, a webhook endpoint shown once, e-mail in the mail catcher, banners, log and redelivery', async () => {
    const connected = await connectRegion(browser, svc, 'NA');
    const connectionId = connectionIdOf(connected.url);

    const settingsPage = await browser.get(`${svc.url}/notifications`);
    expect(settingsPage.status).toBe(200);
    expect(settingsPage.text).toContain('Not saved yet');
    // Sandbox: the demo owner has no address, so the mail catcher gets a made-up one until settings are saved.
    expect(settingsPage.text).toContain('demo@sandbox.sellerlink.test');
    const csrf = csrfOf(settingsPage.text);
    const form = new URLSearchParams({ _csrf: csrf, emailEnabled: 'on', recipients: 'seller@demo.test' });
    form.append('eventTypes', 'connection.expiring');
    form.append('eventTypes', 'connection.expired');
    const saved = await browser.post(`${svc.url}/notifications/settings`, form.toString(), {
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: svc.url },
    });
    expect(saved.url).toBe(`${svc.url}/notifications?notice=saved`);
    expect(saved.text).toContain('seller@demo.test');

    const created = await browser.post(
      `${svc.url}/notifications/webhooks`,
      { _csrf: csrf, url: receiver.url, description: 'ERP' },
      { headers: { origin: svc.url } },
    );
    const secret = /data-webhook-secret[^>]*>(whsec_[A-Za-z0-9_-]+)</.exec(created.text)?.[1];
    expect(secret).toBeDefined();
    receiver.setSecret(secret!);
    // Shown once: the settings page lists the endpoint, never its secret.
    const again = await browser.get(`${svc.url}/notifications`);
    expect(again.text).toContain(receiver.url);
    expect(again.text).not.toContain(secret!);

    // 29 days before expiry: a banner, and the expiry reminder goes out by e-mail and webhook. The
    // monitor runs on the way, as it does daily, so client secrets rotate before they expire.
    for (const days of [150, 150]) {
      await svc.sim('/_sim/clock/advance', { days });
      await svc.service.monitor.runMonitor();
    }
    await svc.sim('/_sim/clock/advance', { days: 36 });
    // The session ended with the time jump: sign in again.
    browser = await signedInBrowser(svc);
    // The expiry monitor raises the reminder (running it again changes nothing: dedupe keys).
    await svc.service.monitor.runMonitor();
    await svc.service.monitor.runMonitor();
    const mail = await eventually(async () => {
      const page = await browser.get(`${svc.url}/sandbox/mail`);
      return page.text.includes('data-mail-id') ? page : null;
    });
    expect(mail.text).toContain('ends in 29 days');
    expect(mail.text).toContain('To seller@demo.test');
    expect(mail.text).toContain(`seller ${demoSeller('NA').sellingPartnerId}`);
    expect(mail.text).toContain(`/connections/${connectionId}`);
    expect(mail.text.match(/data-mail-id/g)).toHaveLength(1);
    await eventually(() => receiver.received.length > 0);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.signatureValid).toBe(true);
    expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({
      type: 'connection.expiring',
      connectionId,
      links: { renew: `${svc.url}/connections/${connectionId}` },
    });

    const withBanner = await browser.get(`${svc.url}/account`);
    expect(withBanner.text).toContain('data-banner-kind="connection.expiring"');
    expect(withBanner.text).toContain('ends in 29 days');

    const log = await eventually(async () => {
      const page = await browser.get(`${svc.url}/notifications/deliveries?channel=webhook`);
      return page.text.includes('data-status="delivered"') ? page : null;
    });
    const deliveryId = /data-delivery-id="(\d+)"/.exec(log.text)![1]!;
    const redeliver = await browser.post(
      `${svc.url}/notifications/deliveries/${deliveryId}/redeliver`,
      { _csrf: csrfOf(log.text) },
      { headers: { origin: svc.url } },
    );
    expect(redeliver.url).toBe(`${svc.url}/notifications/deliveries?notice=redelivered`);
    await eventually(() => receiver.received.length === 2);
    expect(receiver.received[1]!.body).toBe(receiver.received[0]!.body);
    expect(receiver.received[1]!.headers['sellerlink-delivery']).toBe(deliveryId);
    expect(receiver.received[1]!.signatureValid).toBe(true);

    // A form without the session's token changes nothing.
    const forged = await browser.post(
      `${svc.url}/notifications/settings`,
      { _csrf: 'forged', recipients: 'attacker@evil.test' },
      { headers: { origin: svc.url } },
    );
    expect(forged.status).toBe(403);
    expect((await browser.get(`${svc.url}/notifications`)).text).not.toContain('attacker@evil.test');

    // The webhook secret is in no log line, no database row and no delivered body (it is sealed).
    const named = [{ name: 'webhook secret', value: secret! }];
    expect(secretsIn(`control ${secret!} control`, named)).toEqual(['webhook secret']);
    expect(secretsIn(svc.logs.join('\n'), named)).toEqual([]);
    const rows = [
      ...(await sql`select to_jsonb(w) as r from webhook_endpoints w`.execute(svc.store.db)).rows,
      ...(await sql`select to_jsonb(d) as r from notification_deliveries d`.execute(svc.store.db)).rows,
    ];
    expect(rows.length).toBeGreaterThan(1);
    expect(secretsIn(JSON.stringify(rows), named)).toEqual([]);
    expect(secretsIn(JSON.stringify(receiver.received.map((r) => r.body)), named)).toEqual([]);
  });
});
