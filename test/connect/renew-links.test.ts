import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpBrowser, type HttpBrowser } from '../support/http-browser.js';
import { inProcessFetch } from '../support/in-process.js';
import {
  approveOnAmazon,
  connectionIdOf,
  connectRegion,
  demoSeller,
  signedInBrowser,
} from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';
import { eventually } from '../support/wait.js';
import { startReceiver, subscribeOnPortal, type Receiver } from '../notify/support.js';

/**
 * Renew links in reminders (issue 16, point 3): the expiry reminder's webhook and e-mail carry a
 * signed one-click link that renews the connection without a Sellerlink login, works until it
 * expires (RENEW_LINK_DAYS), cannot be altered, and ends on Sellerlink's result page (the account
 * has no default return URL).
 */

describe('renew links in reminders', () => {
  let svc: TestService;
  let receiver: Receiver;
  let connectionId = '';
  let link = '';

  const seller = (): HttpBrowser => createHttpBrowser({ fetch: inProcessFetch(svc) });

  beforeAll(async () => {
    svc = await startTestService({
      env: { ORDERS_REPORT_BACKFILL_AFTER_HOURS: '0', ANALYTICS_INTERVAL_HOURS: '0', RENEW_LINK_DAYS: '10' },
    });
    receiver = await startReceiver();
    let owner = await signedInBrowser(svc);
    connectionId = connectionIdOf((await connectRegion(owner, svc, 'NA')).url);
    await subscribeOnPortal(owner, svc, receiver);
    for (const days of [150, 150]) {
      await svc.sim('/_sim/clock/advance', { days });
      await svc.service.monitor.runMonitor();
    }
    await svc.sim('/_sim/clock/advance', { days: 36 });
    await svc.service.monitor.runMonitor();
    owner = await signedInBrowser(svc);
    await eventually(() => receiver.received.some((r) => r.body.includes('"connection.expiring"')));
  });
  afterAll(async () => {
    await svc?.stop();
    await receiver?.close();
  });

  it('puts a signed renew link valid RENEW_LINK_DAYS in the reminder’s webhook and e-mail', async () => {
    const body = JSON.parse(
      receiver.received.find((r) => r.body.includes('"connection.expiring"'))!.body,
    ) as {
      links: { renew: string; renewLink: string; renewLinkExpiresAt: string };
      occurredAt: string;
    };
    expect(body.links.renew).toBe(`${svc.url}/connections/${connectionId}`);
    link = body.links.renewLink;
    expect(link).toMatch(
      new RegExp(`^${svc.url}/connect/renew/${connectionId}\\.\\d+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}$`),
    );
    const days = (Date.parse(body.links.renewLinkExpiresAt) - Date.parse(body.occurredAt)) / 86_400_000;
    expect(Math.round(days)).toBe(10);
    const owner = await signedInBrowser(svc);
    const mail = await eventually(async () => {
      const page = await owner.get(`${svc.url}/sandbox/mail`);
      // The page's banner says "ends in 29 days" too: wait for the e-mail itself.
      return page.text.includes('data-mail-id') && page.text.includes('Action needed') ? page : null;
    });
    expect(mail.text).toContain('Or renew without signing in to Sellerlink');
    expect(mail.text).toContain(link.replace(svc.url, ''));
  });

  it('refuses an altered link: another connection, a later expiry, a changed signature', async () => {
    const [id, expires, keyId, mac] = link.slice(`${svc.url}/connect/renew/`.length).split('.');
    const other = '00000000-0000-4000-8000-000000000000';
    for (const forged of [
      `${other}.${expires}.${keyId}.${mac}`,
      `${id}.${Number(expires) + 86_400}.${keyId}.${mac}`,
      `${id}.${expires}.${keyId}.${mac!.slice(0, -1)}${mac!.endsWith('A') ? 'B' : 'A'}`,
      `${id}.${expires}.nokey.${mac}`,
    ]) {
      const page = await seller().get(`${svc.url}/connect/renew/${forged}`);
      expect(page.status, forged).toBe(404);
      expect(page.text).toContain('This renew link is not valid');
    }
  });

  it('renews the connection in one click, without a Sellerlink login, and works again after a cancel', async () => {
    const browser = seller();
    const landing = await browser.get(link);
    expect(landing.status).toBe(200);
    expect(new URL(landing.url).pathname).toMatch(/^\/connect\/[A-Za-z0-9_-]{43}$/);
    expect(landing.text).toContain('Renew the authorization');
    const cancelled = await browser.submit(landing, {}, { action: /\/cancel$/ });
    expect(cancelled.url).toBe(
      `${svc.url}/connect/done?outcome=cancelled&sessionId=${new URL(cancelled.url).searchParams.get('sessionId')}`,
    );
    expect(cancelled.text).toContain('Nothing was connected');

    const again = await browser.get(link);
    const amazon = await browser.submit(again, {}, { action: new URL(again.url).pathname });
    const done = await approveOnAmazon(browser, amazon, demoSeller('NA').email);
    const url = new URL(done.url);
    expect(url.pathname).toBe('/connect/done');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ outcome: 'renewed', connectionId });
    expect(done.text).toContain('renewed for another year');
    await eventually(() =>
      receiver.received.some(
        (r) => r.body.includes('"connect_session.completed"') && r.body.includes('"renewed"'),
      ),
    );
  });

  it('stops working when it expires', async () => {
    await svc.sim('/_sim/clock/advance', { days: 11 });
    const page = await seller().get(link);
    expect(page.status).toBe(410);
    expect(page.text).toContain('This renew link has expired');
  });
});
