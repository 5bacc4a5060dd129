import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { recordEvent } from '../../src/events/events.js';
import { COULD_NOT_CONNECT, type Resolve } from '../../src/notify/index.js';
import type { Store } from '../../src/store/database.js';
import { openTestStore } from '../support/databases.js';
import type { HttpBrowser } from '../support/http-browser.js';
import { signedInBrowser } from '../support/portal.js';
import { freePort, startTestService, type TestService } from '../support/service.js';
import { csrfOf, eventually } from '../support/wait.js';
import { createNotifyWorld, startReceiver, subscribeOnPortal, type Receiver } from './support.js';

/** A public address (example.com's) to resolve to when a name should pass the check; never connected to here. */
const PUBLIC = '93.184.215.14';

/** Every form of a non-public address a webhook URL may take, and the rule the refusal names. */
const REFUSED: [url: string, rule: RegExp][] = [
  ['http://127.0.0.1:8080/hook', /loopback/],
  ['http://2130706433/', /loopback/], // 127.0.0.1 in decimal
  ['http://0x7f000001/', /loopback/], // … in hex
  ['http://0177.0.0.1/', /loopback/], // … in octal
  ['http://127.1/', /loopback/],
  ['http://localhost:3000/', /loopback/],
  ['http://api.localhost/', /loopback/],
  ['http://[::1]/', /loopback/],
  ['http://[::ffff:127.0.0.1]/', /loopback/], // IPv4-mapped IPv6
  ['http://[::ffff:a00:5]/', /private/], // IPv4-mapped 10.0.0.5, in hex
  ['http://[64:ff9b::a00:1]/', /private/], // NAT64 of 10.0.0.1
  ['http://[2002:a9fe:a9fe::1]/', /metadata/], // 6to4 of 169.254.169.254
  ['http://169.254.169.254/latest/meta-data/', /metadata/],
  ['http://[fd00:ec2::254]/', /metadata/],
  ['http://10.1.2.3/', /private/],
  ['http://172.16.0.1/', /private/],
  ['http://192.168.1.1/', /private/],
  ['http://[fd12:3456::1]/', /private/],
  ['http://100.64.0.1/', /carrier-grade NAT/],
  ['http://169.254.10.1/', /link-local/],
  ['http://[fe80::1]/', /link-local/],
  ['http://224.0.0.1/', /multicast/],
  ['http://[ff02::1]/', /multicast/],
  ['http://0.0.0.0/', /unspecified/],
  ['http://0/', /unspecified/],
  ['http://[::]/', /unspecified/],
  ['http://255.255.255.255/', /broadcast/],
  ['http://192.0.2.10/', /documentation/],
  ['http://[2001:db8::1]/', /documentation/],
  ['http://198.18.0.1/', /reserved/],
  ['http://240.0.0.1/', /reserved/],
  ['http://[2001::1]/', /reserved/], // Teredo
];

/** A resolver the test controls: `names[host]` is what the name resolves to now. */
function fakeDns(names: Record<string, string[]>): Resolve {
  return (hostname) => {
    const found = names[hostname];
    if (!found)
      return Promise.reject(Object.assign(new Error(`no such host ${hostname}`), { code: 'ENOTFOUND' }));
    return Promise.resolve(found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };
}

/** A port nothing listens on (it was free a moment ago). */
const closedPort = freePort;

describe('webhook URLs: only public hosts, refused at creation (portal, sandbox with WEBHOOK_ALLOW_PRIVATE=false)', () => {
  let svc: TestService;
  let browser: HttpBrowser;

  beforeAll(async () => {
    svc = await startTestService({ env: { WEBHOOK_ALLOW_PRIVATE: 'false' } });
    browser = await signedInBrowser(svc);
  });
  afterAll(async () => svc.stop());

  it('refuses every loopback, private, link-local, metadata, multicast and reserved form, naming the rule', async () => {
    const csrf = csrfOf((await browser.get(`${svc.url}/notifications`)).text);
    for (const [url, rule] of REFUSED) {
      const page = await browser.post(
        `${svc.url}/notifications/webhooks`,
        { _csrf: csrf, url, description: 'probe' },
        { headers: { origin: svc.url } },
      );
      expect(page.status, url).toBe(400);
      expect(page.text, url).toContain('webhooks are sent only to public hosts');
      expect(page.text, url).toMatch(rule);
      expect(page.text, url).not.toContain('data-webhook-secret');
    }
    const stored = await svc.store.db.selectFrom('webhook_endpoints').select('url').execute();
    expect(stored).toEqual([]);

    // A public address is accepted.
    const ok = await browser.post(
      `${svc.url}/notifications/webhooks`,
      { _csrf: csrf, url: `https://${PUBLIC}/hooks`, description: 'public' },
      { headers: { origin: svc.url } },
    );
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('data-webhook-secret');
  });
});

describe('WEBHOOK_ALLOW_PRIVATE', () => {
  const production = {
    SELLERLINK_MODE: 'production',
    SELLERLINK_VAULT_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
  };

  it('is on by default in sandbox mode only, and production refuses to start with it', () => {
    expect(loadConfig({}).notify.webhookAllowPrivate).toBe(true);
    expect(loadConfig({ WEBHOOK_ALLOW_PRIVATE: 'false' }).notify.webhookAllowPrivate).toBe(false);
    expect(loadConfig(production).notify.webhookAllowPrivate).toBe(false);
    expect(() => loadConfig({ ...production, WEBHOOK_ALLOW_PRIVATE: 'true' })).toThrow(
      /WEBHOOK_ALLOW_PRIVATE: only sandbox mode/,
    );
  });
});

describe('webhook delivery: addresses checked after DNS, at every attempt', () => {
  let close: () => Promise<void>;
  let store: Store;
  let w: Awaited<ReturnType<typeof createNotifyWorld>>;
  let dns: Record<string, string[]>;
  let extra: Receiver | null;

  /** Production rules (no private addresses) unless `allowPrivate`, with the test's DNS. */
  const open = async (allowPrivate: boolean) => {
    const opened = await openTestStore('pglite');
    store = opened.store;
    w = await createNotifyWorld(store, { webhooks: { allowPrivate, resolve: fakeDns(dns) } });
    close = async () => {
      await w.close();
      await extra?.close();
      await opened.close();
    };
  };
  /** An event for the account (no connection needed: the address checks are what is tested). */
  const event = async () => {
    await recordEvent(store.db, {
      type: 'connection.error',
      at: new Date(w.world.clock.now()),
      accountId: w.world.accountId,
    });
  };
  const port = () => new URL(w.receiver.url).port;

  beforeEach(() => {
    dns = {};
    extra = null;
  });
  afterEach(async () => close());

  it('refuses at creation, in production rules, https://127.0.0.1, https://10.x, https://localhost and a name resolving to loopback', async () => {
    await open(false);
    dns['evil.test'] = ['127.0.0.1'];
    dns['mixed.test'] = [PUBLIC, '10.0.0.7'];
    for (const url of [
      'https://127.0.0.1/hook',
      'https://10.20.30.40/hook',
      'https://localhost/hook',
      'https://evil.test/hook',
      'https://mixed.test/hook',
    ]) {
      await expect(w.notify.settings.createEndpoint(w.owner, { url }), url).rejects.toThrow(
        /webhooks are sent only to public hosts/,
      );
    }
    await expect(w.notify.settings.createEndpoint(w.owner, { url: 'https://evil.test/' })).rejects.toThrow(
      /evil\.test resolves to a loopback address/,
    );
    expect(await w.notify.settings.listEndpoints(w.owner)).toEqual([]);
  });

  it('refuses at delivery a name that resolved to a public address at creation and to loopback now (DNS rebinding)', async () => {
    await open(false);
    dns['rebind.test'] = [PUBLIC];
    const { endpoint } = await w.notify.settings.createEndpoint(w.owner, {
      url: `http://rebind.test:${port()}/hooks/sellerlink`,
    });
    dns['rebind.test'] = ['127.0.0.1'];
    await event();
    await w.notify.deliveries.runOnce();
    const [d] = await w.notify.deliveries.list(w.owner, { endpointId: endpoint.id });
    expect(d).toMatchObject({ status: 'pending', lastError: COULD_NOT_CONNECT, lastStatus: null });
    // One address among several is enough to refuse.
    dns['rebind.test'] = [PUBLIC, '127.0.0.1'];
    w.world.clock.advance(3_600_000);
    await w.notify.deliveries.runOnce();
    const [again] = await w.notify.deliveries.list(w.owner, { endpointId: endpoint.id });
    expect(again).toMatchObject({ attempts: 2, lastError: COULD_NOT_CONNECT });
    expect(w.receiver.received).toHaveLength(0);
  });

  it('refuses at delivery an endpoint stored before the rule (a loopback literal)', async () => {
    await open(false);
    const { endpoint } = await w.notify.settings.createEndpoint(w.owner, { url: `http://${PUBLIC}/hooks` });
    await store.db
      .updateTable('webhook_endpoints')
      .set({ url: w.receiver.url })
      .where('id', '=', endpoint.id)
      .execute();
    await event();
    await w.notify.deliveries.runOnce();
    const [d] = await w.notify.deliveries.list(w.owner, { endpointId: endpoint.id });
    expect(d).toMatchObject({ status: 'pending', lastError: COULD_NOT_CONNECT });
    expect(w.receiver.received).toHaveLength(0);
  });

  it('connects to the address the checked lookup returned (sandbox: loopback allowed)', async () => {
    await open(true);
    dns['receiver.test'] = ['127.0.0.1'];
    const { endpoint, secret } = await w.notify.settings.createEndpoint(w.owner, {
      url: `http://receiver.test:${port()}/hooks/sellerlink`,
    });
    w.receiver.setSecret(secret.reveal());
    await event();
    await w.notify.deliveries.runOnce();
    const [d] = await w.notify.deliveries.list(w.owner, { endpointId: endpoint.id });
    expect(d).toMatchObject({ status: 'delivered', lastStatus: 204 });
    expect(w.receiver.received).toHaveLength(1);
    expect(w.receiver.received[0]!.signatureValid).toBe(true);
    expect(w.receiver.received[0]!.headers.host).toBe(`receiver.test:${port()}`);
  });

  it('does not follow a redirect, even to an allowed address', async () => {
    await open(true);
    extra = await startReceiver();
    const target = extra.url;
    const redirector = createServer((_req, res) => res.writeHead(302, { location: target }).end());
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    const previous = close;
    close = async () => {
      await new Promise<void>((resolve) => redirector.close(() => resolve()));
      await previous();
    };
    const { endpoint } = await w.notify.settings.createEndpoint(w.owner, {
      url: `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/hook`,
    });
    await event();
    await w.notify.deliveries.runOnce();
    const [d] = await w.notify.deliveries.list(w.owner, { endpointId: endpoint.id });
    expect(d).toMatchObject({ status: 'pending', lastStatus: 302 });
    expect(d!.lastError).toContain('HTTP 302');
    expect(extra.received).toHaveLength(0);
  });

  it('tells the tenant the same thing for a closed port, a refused address and an unknown name', async () => {
    await open(true);
    dns['meta.test'] = [PUBLIC];
    const closed = await w.notify.settings.createEndpoint(w.owner, {
      url: `http://127.0.0.1:${await closedPort()}/hook`,
    });
    const blocked = await w.notify.settings.createEndpoint(w.owner, { url: 'http://meta.test/latest/' });
    const unknown = await w.notify.settings.createEndpoint(w.owner, { url: 'http://nowhere.test/hook' });
    const open404 = await w.notify.settings.createEndpoint(w.owner, { url: w.receiver.url });
    w.receiver.failNext(1, 404);
    // After creation the name moves to the metadata address (refused even in sandbox mode).
    dns['meta.test'] = ['169.254.169.254'];
    await event();
    await w.notify.deliveries.runOnce();
    const errorOf = async (id: string) =>
      (await w.notify.deliveries.list(w.owner, { endpointId: id }))[0]!.lastError;
    expect(await errorOf(closed.endpoint.id)).toBe(COULD_NOT_CONNECT);
    expect(await errorOf(blocked.endpoint.id)).toBe(COULD_NOT_CONNECT);
    expect(await errorOf(unknown.endpoint.id)).toBe(COULD_NOT_CONNECT);
    // A public receiver's own answer is its business, and shown.
    expect(await errorOf(open404.endpoint.id)).toBe('the endpoint answered HTTP 404');
  });
});

describe('webhook event ids and the delivery backlog in /metrics (sandbox service)', () => {
  const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';
  let svc: TestService;
  let receiver: Receiver;

  beforeAll(async () => {
    svc = await startTestService({ env: { NOTIFY_POLL_SECONDS: '1', METRICS_TOKEN } });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await svc.stop();
  });

  const metrics = async (): Promise<string> => {
    const res = await svc.service.fetch!(
      new Request(`${svc.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }),
    );
    expect(res.status).toBe(200);
    return res.text();
  };
  const gauge = (text: string, name: string, channel: string): number | null => {
    const m = new RegExp(`^${name}\\{channel="${channel}"\\} (\\S+)$`, 'm').exec(text);
    return m ? Number(m[1]) : null;
  };

  /** Records an event for the demo account: one webhook delivery to the receiver. */
  const raise = async () => {
    const account = await svc.store.db.selectFrom('accounts').select('id').executeTakeFirstOrThrow();
    const at = new Date(svc.service.clock.now());
    await recordEvent(svc.store.db, { type: 'connection.error', at, accountId: account.id });
  };
  const pendingWebhooks = async (): Promise<number | null> =>
    gauge(await metrics(), 'sellerlink_notification_deliveries_pending', 'webhook');

  it('every attempt and redelivery of a webhook carries the same event id (header and body)', async () => {
    const browser = await signedInBrowser(svc);
    await subscribeOnPortal(browser, svc, receiver);
    receiver.failNext(1, 503);
    await raise();
    await eventually(() => receiver.received.length >= 1);
    // The failed attempt is recorded (its retry scheduled by the clock of that moment) before the
    // clock moves: moved earlier, the retry would be due 30 s after the jump, in real time.
    await eventually(async () => {
      const row = await svc.store.db
        .selectFrom('notification_deliveries')
        .select(['status', 'last_status'])
        .where('channel', '=', 'webhook')
        .executeTakeFirst();
      return row?.status === 'pending' && row.last_status === 503;
    });
    // The retry, due after the backoff (simulated time).
    await svc.sim('/_sim/clock/advance', { minutes: 5 });
    await eventually(() => receiver.received.length >= 2);
    const [d] = await svc.store.db
      .selectFrom('notification_deliveries')
      .select('id')
      .where('channel', '=', 'webhook')
      .execute();
    const log = await browser.get(`${svc.url}/notifications/deliveries?channel=webhook`);
    await browser.post(
      `${svc.url}/notifications/deliveries/${String(d!.id)}/redeliver`,
      { _csrf: csrfOf(log.text) },
      { headers: { origin: svc.url } },
    );
    await eventually(() => receiver.received.length >= 3);
    const body = JSON.parse(receiver.received[0]!.body) as { id: string };
    expect(body.id).toMatch(/^evt_\d+$/);
    expect(receiver.received.map((r) => r.headers['sellerlink-event-id'])).toEqual([
      body.id,
      body.id,
      body.id,
    ]);
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
    expect(receiver.received.every((r) => r.signatureValid)).toBe(true);
  });

  it('shows the delivery backlog and the oldest pending age in /metrics', async () => {
    await eventually(async () => ((await pendingWebhooks()) === 0 ? true : null));
    expect(gauge(await metrics(), 'sellerlink_notification_oldest_pending_seconds', 'webhook')).toBe(0);

    // The receiver fails: the delivery stays pending, and the backlog shows it.
    receiver.failNext(1000, 503);
    const seen = receiver.received.length;
    await raise();
    await eventually(() => receiver.received.length > seen);
    await eventually(async () => ((await pendingWebhooks()) === 1 ? true : null));
    // An hour later (simulated time) the oldest pending delivery is an hour old.
    await svc.sim('/_sim/clock/advance', { hours: 1 });
    const later = await metrics();
    expect(gauge(later, 'sellerlink_notification_deliveries_pending', 'webhook')).toBe(1);
    expect(gauge(later, 'sellerlink_notification_oldest_pending_seconds', 'webhook')).toBeGreaterThanOrEqual(
      3600,
    );
    expect(gauge(later, 'sellerlink_notification_deliveries_pending', 'email')).not.toBeNull();
    expect(later).toMatch(/^sellerlink_notification_events_awaiting_fanout \d+$/m);

    // The receiver recovers: the backlog drains.
    receiver.failNext(0);
    await svc.sim('/_sim/clock/advance', { hours: 1 });
    await eventually(async () => ((await pendingWebhooks()) === 0 ? true : null));
  });
});
