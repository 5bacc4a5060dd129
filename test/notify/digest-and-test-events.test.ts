import { afterEach, beforeEach, expect, it } from 'vitest';
import { recordEvent } from '../../src/events/events.js';
import { DAY, HOUR, systemClock } from '../../src/kernel/clock.js';
import { silentLogger } from '../../src/kernel/log.js';
import { cryptoRandom, randomUuid } from '../../src/kernel/random.js';
import { Secret } from '../../src/kernel/secret.js';
import { createNotify, createSmtpMailer, type Mailer } from '../../src/notify/index.js';
import type { Store } from '../../src/store/database.js';
import { createVault } from '../../src/vault/envelope.js';
import { createKeyRing } from '../../src/vault/keyring.js';
import { describeEachDatabase, openTestStore } from '../support/databases.js';
import { createNotifyWorld } from './support.js';

type NotifyWorld = Awaited<ReturnType<typeof createNotifyWorld>>;

/** An expiry reminder as the monitor records it (one per connection and threshold). */
async function remind(store: Store, at: number, connectionId: string, threshold: number): Promise<void> {
  const c = await store.db
    .selectFrom('connections')
    .selectAll()
    .where('id', '=', connectionId)
    .executeTakeFirstOrThrow();
  await recordEvent(store.db, {
    type: 'connection.expiring',
    at: new Date(at),
    accountId: c.account_id,
    connectionId: c.id,
    applicationId: c.application_id,
    payload: { threshold, expiresAt: new Date(at + threshold * DAY).toISOString() },
    dedupeKey: `test:${c.id}:${threshold}`,
  });
}

describeEachDatabase('daily digest and webhook test events', (kind) => {
  let close: () => Promise<void>;
  let store: Store;
  let w: NotifyWorld;

  beforeEach(async () => {
    const opened = await openTestStore(kind);
    store = opened.store;
    w = await createNotifyWorld(store);
    close = async () => {
      await w.close();
      await opened.close();
    };
  });
  afterEach(async () => close());

  it("gathers a day's reminders of several connections into one e-mail over SMTP, surviving a restart and a refusing mail server", async () => {
    const { notify, owner, world, catcher, receiver } = w;
    // 01:00 UTC: the day's reminders all arrive before midnight.
    world.clock.advance(DAY - (world.clock.now() % DAY) + HOUR);
    const [a, b, c, d] = [
      await world.newConnection(),
      await world.newConnection(),
      await world.newConnection(),
      await world.newConnection(),
    ];
    expect((await notify.settings.get(owner)).emailMode).toBe('each');
    await expect(
      notify.settings.update(owner, {
        emailEnabled: true,
        recipients: 'x@y.test',
        eventTypes: [],
        emailMode: 'weekly',
      }),
    ).rejects.toThrow(/daily digest/);
    const saved = await notify.settings.update(owner, {
      emailEnabled: true,
      recipients: 'ops@seller.test',
      eventTypes: ['connection.expiring'],
      emailMode: 'digest',
    });
    expect(saved.emailMode).toBe('digest');
    const { secret } = await notify.settings.createEndpoint(owner, { url: receiver.url });
    receiver.setSecret(secret.reveal());

    const now = world.clock.now();
    await remind(store, now, a.id, 30);
    await remind(store, now + HOUR, b.id, 14);
    await remind(store, now + 2 * HOUR, c.id, 7);
    // The last day's reminder cannot wait for tomorrow: it goes at once.
    await remind(store, now + 3 * HOUR, d.id, 1);
    await notify.deliveries.runOnce();
    expect(catcher.messages().map((m) => m.subject)).toEqual([
      `Action needed: Amazon authorization for ${d.sellingPartnerId} (NA) ends within a day`,
    ]);
    // Webhooks stay per event.
    expect(receiver.received).toHaveLength(4);
    const held = await notify.deliveries.list(owner, { status: 'held' });
    expect(held).toHaveLength(3);

    // A restart (a new process over the same database) whose mail server refuses the first try.
    let refusals = 1;
    const smtp = createSmtpMailer(new Secret(`${catcher.url}?ignoreTLS=true`));
    const flaky: Mailer = {
      send: (m) => (refusals-- > 0 ? Promise.reject(new Error('421 try again later')) : smtp.send(m)),
      close: () => smtp.close(),
    };
    const restarted = createNotify({
      store,
      vault: createVault(
        createKeyRing([{ id: 'n1', base64: Buffer.alloc(32, 9).toString('base64') }]),
        cryptoRandom,
      ),
      clock: world.clock,
      wallClock: systemClock,
      random: cryptoRandom,
      logger: silentLogger,
      newId: () => randomUuid(cryptoRandom),
      mailer: flaky,
      mailFrom: 'Sellerlink <alerts@sellerlink.test>',
      publicUrl: 'https://portal.example',
      webhooks: { allowPrivate: true },
      delivery: { timeoutMs: 5_000, baseDelayMs: 1_000 },
    });
    try {
      // Still the same day: nothing is composed yet.
      await restarted.deliveries.runOnce();
      expect(catcher.messages()).toHaveLength(1);
      // After midnight UTC the digest is composed and tried: the server refuses, the row stays pending.
      world.clock.advance(DAY);
      const first = await restarted.deliveries.runOnce();
      expect(first).toMatchObject({ digestsComposed: 1, delivered: 0 });
      expect(catcher.messages()).toHaveLength(1);
      world.clock.advance(2_000);
      await restarted.deliveries.runOnce();
      await restarted.deliveries.runOnce();
    } finally {
      flaky.close();
    }
    const mails = catcher.messages();
    expect(mails).toHaveLength(2);
    const digest = mails[0]!;
    expect(digest.to).toContain('ops@seller.test');
    expect(digest.subject).toMatch(/^Daily digest: 3 reminders \(\d{4}-\d{2}-\d{2}\)$/);
    for (const conn of [a, b, c]) expect(digest.text).toContain(conn.sellingPartnerId);
    expect(digest.text).not.toContain(d.sellingPartnerId);
    expect(digest.text).toContain('ends in 30 days');
    expect(digest.text).toContain('ends in 7 days');
    expect(digest.headers['x-sellerlink-digest']).toBe('3');

    const log = await notify.deliveries.list(owner, { channel: 'email' });
    const carrier = log.find((x) => x.digestId === x.id)!;
    expect(carrier.status).toBe('delivered');
    expect(carrier.summary).toBe(digest.subject);
    expect(log.filter((x) => x.status === 'digested').map((x) => x.digestId)).toEqual([
      carrier.id,
      carrier.id,
    ]);
    expect(log.filter((x) => x.status === 'held')).toEqual([]);
  });

  it("puts a reminder in its own day's digest even when it is fanned out after midnight", async () => {
    const { notify, owner, world, catcher } = w;
    // 23:00 UTC: two reminders happen; the notify pass that fans them out runs only after midnight
    // (a busy or restarted worker). They are yesterday's reminders: the first pass of the new day
    // sends them as yesterday's digest, not tomorrow's.
    world.clock.advance(DAY - (world.clock.now() % DAY) + 23 * HOUR);
    const [a, b] = [await world.newConnection(), await world.newConnection()];
    await notify.settings.update(owner, {
      emailEnabled: true,
      recipients: 'ops@seller.test',
      eventTypes: ['connection.expiring'],
      emailMode: 'digest',
    });
    const day = new Date(world.clock.now()).toISOString().slice(0, 10);
    await remind(store, world.clock.now(), a.id, 30);
    await remind(store, world.clock.now() + 10 * 60_000, b.id, 7);
    world.clock.advance(2 * HOUR); // 01:00 the next day
    await notify.deliveries.runOnce();
    await notify.deliveries.runOnce();
    const mails = catcher.messages();
    expect(mails.map((m) => m.subject)).toEqual([`Daily digest: 2 reminders (${day})`]);
    expect(await notify.deliveries.list(owner, { status: 'held' })).toEqual([]);
  });

  it('sends a webhook.test event to the one endpoint asked for, signed, in its delivery log, and shows a new secret once', async () => {
    const { notify, owner, operator, world, receiver, catcher } = w;
    const { endpoint, secret } = await notify.settings.createEndpoint(owner, { url: receiver.url });
    receiver.setSecret(secret.reveal());
    const other = await notify.settings.createEndpoint(owner, {
      url: `${receiver.url}/other`,
      eventTypes: ['order.upserted'],
    });

    // The secret: once, to the user who added the endpoint.
    expect(await notify.settings.revealNewSecret(operator, endpoint.id)).toBeNull();
    expect((await notify.settings.revealNewSecret(owner, endpoint.id))?.secret.reveal()).toBe(
      secret.reveal(),
    );
    expect(await notify.settings.revealNewSecret(owner, endpoint.id)).toBeNull();

    const stranger = { ...owner, username: 'stranger', accountId: randomUuid(cryptoRandom) };
    await expect(notify.settings.sendTestEvent(stranger, endpoint.id)).rejects.toMatchObject({
      code: 'NOTIFY_ENDPOINT_NOT_FOUND',
    });
    const member = { ...owner, username: 'member', role: 'member' as const };
    const sent = await notify.settings.sendTestEvent(member, endpoint.id);
    await notify.deliveries.runOnce();

    expect(receiver.received).toHaveLength(1);
    const got = receiver.received[0]!;
    expect(got.signatureValid).toBe(true);
    expect(got.headers['sellerlink-event']).toBe('webhook.test');
    expect(got.headers['sellerlink-event-id']).toBe(`evt_${sent.eventId}`);
    expect(JSON.parse(got.body)).toMatchObject({
      id: `evt_${sent.eventId}`,
      type: 'webhook.test',
      accountId: world.accountId,
      data: { endpointId: endpoint.id },
    });
    expect(catcher.messages()).toEqual([]);
    const log = await notify.deliveries.list(owner, { endpointId: endpoint.id });
    expect(log.map((x) => [x.eventType, x.status])).toEqual([['webhook.test', 'delivered']]);
    expect(await notify.deliveries.list(owner, { endpointId: other.endpoint.id })).toEqual([]);
  });

  it('refuses an http:// URL when https is required (production)', async () => {
    const strict = createNotify({
      store,
      vault: createVault(
        createKeyRing([{ id: 'n1', base64: Buffer.alloc(32, 9).toString('base64') }]),
        cryptoRandom,
      ),
      clock: w.world.clock,
      wallClock: systemClock,
      random: cryptoRandom,
      logger: silentLogger,
      newId: () => randomUuid(cryptoRandom),
      mailer: null,
      mailFrom: 'x@y.test',
      publicUrl: 'https://portal.example',
      requireHttps: true,
      webhooks: { resolve: () => Promise.resolve([{ address: '93.184.215.14', family: 4 }]) },
    });
    await expect(
      strict.settings.createEndpoint(w.owner, { url: 'http://erp.example.com/hooks' }),
    ).rejects.toMatchObject({ message: 'the URL must use https', field: 'url' });
    expect(await strict.settings.listEndpoints(w.owner)).toEqual([]);
  });
});
