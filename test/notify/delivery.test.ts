import { afterEach, beforeEach, expect, it } from 'vitest';
import { recordEvent } from '../../src/events/events.js';
import { DAY, HOUR } from '../../src/kernel/clock.js';
import type { Store } from '../../src/store/database.js';
import { describeEachDatabase, openTestStore } from '../support/databases.js';
import { createNotifyWorld } from './support.js';

type NotifyWorld = Awaited<ReturnType<typeof createNotifyWorld>>;

/**
 * What the expiry monitor does, written out here so delivery is tested on the same
 * kind of events: one `connection.expiring` per threshold and `connection.expired` once per
 * authorization period, kept unique by dedupe keys, however often it runs.
 */
async function monitorPass(store: Store, now: number, connectionId: string): Promise<void> {
  const c = await store.db
    .selectFrom('connections')
    .selectAll()
    .where('id', '=', connectionId)
    .executeTakeFirstOrThrow();
  if (!c.expires_at) return;
  const period = c.authorized_at.toISOString();
  const left = (c.expires_at.getTime() - now) / DAY;
  const base = {
    at: new Date(now),
    accountId: c.account_id,
    connectionId: c.id,
    applicationId: c.application_id,
  };
  if (left <= 0) {
    await recordEvent(store.db, {
      ...base,
      type: 'connection.expired',
      payload: { expiresAt: c.expires_at.toISOString() },
      dedupeKey: `connection.expired:${c.id}:${period}`,
    });
    return;
  }
  const threshold = [1, 3, 7, 14, 30].find((t) => left <= t);
  if (threshold === undefined) return;
  await recordEvent(store.db, {
    ...base,
    type: 'connection.expiring',
    payload: { threshold, expiresAt: c.expires_at.toISOString() },
    dedupeKey: `connection.expiring:${c.id}:${period}:${threshold}`,
  });
}

describeEachDatabase('notification delivery', (kind) => {
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

  it('delivers every reminder of a year once by e-mail and signed webhook, and again after renewal', async () => {
    const { notify, owner, world, catcher, receiver } = w;
    const connection = await world.newConnection();
    await notify.settings.update(owner, {
      emailEnabled: true,
      recipients: 'ops@seller.test, Boss@Seller.test',
      eventTypes: ['connection.expiring', 'connection.expired', 'connection.renewed'],
    });
    const { secret } = await notify.settings.createEndpoint(owner, { url: receiver.url, description: 'ERP' });
    receiver.setSecret(secret.reveal());

    /** Walks the clock forward, the monitor and the delivery job running at each step. */
    const walk = async (days: number) => {
      for (let d = 0; d < days; d++) {
        world.clock.advance(DAY);
        await monitorPass(store, world.clock.now(), connection.id);
        // The monitor runs again (a restart): dedupe keys keep it from raising anything twice.
        await monitorPass(store, world.clock.now(), connection.id);
        await notify.deliveries.runOnce();
      }
    };
    await walk(370);

    const subjects = catcher
      .messages()
      .map((m) => `${m.to} ${m.subject}`)
      .sort();
    const expected = ['in 30 days', 'in 14 days', 'in 7 days', 'in 3 days', 'within a day'].map(
      (s) => `Action needed: Amazon authorization for ${connection.sellingPartnerId} (NA) ends ${s}`,
    );
    expected.push(`Amazon authorization for ${connection.sellingPartnerId} (NA) has ended`);
    expect(subjects).toEqual(
      ['boss@seller.test', 'ops@seller.test'].flatMap((to) => expected.map((s) => `${to} ${s}`)).sort(),
    );
    const thirty = catcher.messages().find((m) => m.subject.includes('30 days'))!;
    expect(thirty.from).toContain('alerts@sellerlink.test');
    expect(thirty.text).toContain(`seller ${connection.sellingPartnerId}`);
    expect(thirty.text).toContain('North America');
    expect(thirty.text).toContain('new orders stop coming in');
    expect(thirty.text).toContain(`https://portal.example/connections/${connection.id}`);

    expect(receiver.received).toHaveLength(6);
    expect(receiver.received.every((r) => r.signatureValid)).toBe(true);
    const bodies = receiver.received.map(
      (r) => JSON.parse(r.body) as { type: string; connection: { id: string } },
    );
    expect(bodies.map((b) => b.type)).toEqual([
      ...Array<string>(5).fill('connection.expiring'),
      'connection.expired',
    ]);
    expect(bodies.every((b) => b.connection.id === connection.id)).toBe(true);
    expect(new Set(receiver.received.map((r) => r.headers['sellerlink-delivery'])).size).toBe(6);

    // Renewal: a new authorization period, so the cycle starts again (the renewal records its event).
    await world.renew(connection);
    await walk(336);
    const after = catcher
      .messages()
      .slice(0, 4)
      .map((m) => m.subject);
    expect(after.filter((s) => s.includes('renewed'))).toHaveLength(2);
    expect(after.filter((s) => s.includes('ends in 30 days'))).toHaveLength(2);
    expect(catcher.messages()).toHaveLength(16);
    expect(receiver.received.map((r) => (JSON.parse(r.body) as { type: string }).type).slice(6)).toEqual([
      'connection.renewed',
      'connection.expiring',
    ]);
  });

  it('retries a failing receiver with growing delays, then gives up after 24 hours', async () => {
    const { notify, owner, world, receiver } = w;
    const connection = await world.newConnection();
    const { secret, endpoint } = await notify.settings.createEndpoint(owner, { url: receiver.url });
    receiver.setSecret(secret.reveal());
    receiver.failNext(3, 503);
    await recordEvent(store.db, {
      type: 'connection.revoked',
      at: new Date(world.clock.now()),
      accountId: world.accountId,
      connectionId: connection.id,
    });
    await notify.deliveries.runOnce();
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [d] = await notify.deliveries.list(owner, { endpointId: endpoint.id });
      expect(d!.status).toBe('pending');
      expect(d!.lastStatus).toBe(503);
      expect(d!.lastError).toContain('HTTP 503');
      delays.push(d!.nextAttemptAt!.getTime() - d!.lastAttemptAt!.getTime());
      // Not due yet: nothing is sent.
      await notify.deliveries.runOnce();
      expect(receiver.received).toHaveLength(i + 1);
      world.clock.advance(delays[i]! + 1000);
      await notify.deliveries.runOnce();
    }
    expect(delays[1]!).toBeGreaterThan(delays[0]! * 1.5);
    expect(delays[2]!).toBeGreaterThan(delays[1]! * 1.5);
    const [done] = await notify.deliveries.list(owner, { endpointId: endpoint.id });
    expect(done).toMatchObject({ status: 'delivered', attempts: 4, lastError: null });
    expect(receiver.received).toHaveLength(4);
    // Every attempt carries the same body and delivery id, each validly signed.
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
    expect(new Set(receiver.received.map((r) => r.headers['sellerlink-delivery'])).size).toBe(1);
    expect(receiver.received.every((r) => r.signatureValid)).toBe(true);

    // A receiver that never recovers: retried for 24 hours, then given up.
    receiver.failNext(1000, 500);
    await recordEvent(store.db, {
      type: 'connection.error',
      at: new Date(world.clock.now()),
      accountId: world.accountId,
      connectionId: connection.id,
    });
    for (let h = 0; h < 30; h++) {
      await notify.deliveries.runOnce();
      world.clock.advance(HOUR);
    }
    const [failed] = await notify.deliveries.list(owner, { endpointId: endpoint.id, status: 'failed' });
    expect(failed!.eventType).toBe('connection.error');
    expect(failed!.attempts).toBeGreaterThan(8);
    expect(failed!.nextAttemptAt).toBeNull();
    // No retry is scheduled past 24 hours (the last one runs at the test's next hourly step at most).
    expect(failed!.lastAttemptAt!.getTime() - failed!.createdAt.getTime()).toBeLessThanOrEqual(25 * HOUR);
    expect(failed!.lastAttemptAt!.getTime() - failed!.createdAt.getTime()).toBeGreaterThan(12 * HOUR);
  });

  it('redelivers on request: same body and delivery id, fresh signature', async () => {
    const { notify, owner, world, receiver } = w;
    const connection = await world.newConnection();
    const { secret } = await notify.settings.createEndpoint(owner, { url: receiver.url });
    receiver.setSecret(secret.reveal());
    await recordEvent(store.db, {
      type: 'connection.expired',
      at: new Date(world.clock.now()),
      accountId: world.accountId,
      connectionId: connection.id,
    });
    await notify.deliveries.runOnce();
    const [delivery] = await notify.deliveries.list(owner, { channel: 'webhook' });
    expect(delivery!.status).toBe('delivered');
    await notify.deliveries.runOnce();
    expect(receiver.received).toHaveLength(1);

    const again = await notify.deliveries.redeliver(owner, delivery!.id);
    expect(again.status).toBe('pending');
    await notify.deliveries.runOnce();
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]!.body).toBe(receiver.received[0]!.body);
    expect(receiver.received[1]!.headers['sellerlink-delivery']).toBe(String(delivery!.id));
    expect(receiver.received[1]!.signatureValid).toBe(true);
    const [after] = await notify.deliveries.list(owner, { channel: 'webhook' });
    expect(after).toMatchObject({ id: delivery!.id, status: 'delivered', attempts: 2 });

    // Another account sees neither the delivery nor may redeliver it; members may not redeliver.
    const stranger = { ...owner, accountId: '00000000-0000-4000-8000-000000000000' };
    expect(await notify.deliveries.list(stranger)).toEqual([]);
    await expect(notify.deliveries.redeliver(stranger, delivery!.id)).rejects.toMatchObject({
      code: 'NOTIFY_DELIVERY_NOT_FOUND',
    });
    await expect(
      notify.deliveries.redeliver({ ...owner, role: 'member' }, delivery!.id),
    ).rejects.toMatchObject({
      code: 'NOTIFY_FORBIDDEN',
    });
  });

  it('follows the settings: event types, endpoint filters, disabled e-mail, operators, new endpoints', async () => {
    const { notify, owner, operator, world, catcher, receiver } = w;
    const connection = await world.newConnection();
    const event = (type: 'connection.revoked' | 'order.upserted' | 'listing.rejected') =>
      recordEvent(store.db, {
        type,
        at: new Date(world.clock.now()),
        accountId: world.accountId,
        connectionId: connection.id,
        payload: type === 'order.upserted' ? { orderId: '111-1' } : {},
      });
    // An event recorded before the endpoint exists is not sent to it.
    await event('connection.revoked');
    await notify.deliveries.runOnce();
    const revokedOnly = await notify.settings.createEndpoint(owner, {
      url: receiver.url,
      eventTypes: ['connection.revoked'],
    });
    receiver.setSecret(revokedOnly.secret.reveal());
    await notify.settings.update(owner, {
      emailEnabled: true,
      recipients: ['seller@seller.test'],
      eventTypes: ['listing.rejected'],
    });
    await event('order.upserted');
    await event('listing.rejected');
    await event('connection.revoked');
    await notify.deliveries.runOnce();
    expect(catcher.messages().map((m) => m.subject)).toEqual([
      `Amazon rejected a listing change for ${connection.sellingPartnerId} (NA)`,
    ]);
    expect(receiver.received.map((r) => (JSON.parse(r.body) as { type: string }).type)).toEqual([
      'connection.revoked',
    ]);

    await notify.settings.update(owner, {
      emailEnabled: false,
      recipients: [],
      eventTypes: ['listing.rejected'],
    });
    await event('listing.rejected');
    await notify.deliveries.runOnce();
    expect(catcher.messages()).toHaveLength(1);

    // Operators: application events from their own settings.
    await notify.settings.update(operator, {
      scope: 'operators',
      emailEnabled: true,
      recipients: 'oncall@vendor.test',
      eventTypes: ['application.rejected'],
    });
    await recordEvent(store.db, {
      type: 'application.rejected',
      at: new Date(world.clock.now()),
      applicationId: world.applicationId,
      payload: { reason: 'invalid_client' },
    });
    await notify.deliveries.runOnce();
    const alert = catcher.messages()[0]!;
    expect(alert.to).toBe('oncall@vendor.test');
    expect(alert.subject).toContain('Amazon rejected the credentials');
    expect(alert.text).toContain('every seller connected through this app');

    // Rights and validation.
    await expect(
      notify.settings.update(
        { ...owner, role: 'member' },
        { emailEnabled: true, recipients: [], eventTypes: [] },
      ),
    ).rejects.toMatchObject({ code: 'NOTIFY_FORBIDDEN' });
    await expect(
      notify.settings.update(owner, { emailEnabled: true, recipients: 'not-an-address', eventTypes: [] }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(notify.settings.createEndpoint(owner, { url: 'ftp://x.test/' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(notify.settings.get(owner, '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      code: 'NOTIFY_FORBIDDEN',
    });
  });

  it('does not deliver twice when runs overlap', async () => {
    const { notify, owner, world, catcher, receiver } = w;
    const connection = await world.newConnection();
    const { secret } = await notify.settings.createEndpoint(owner, { url: receiver.url });
    receiver.setSecret(secret.reveal());
    await notify.settings.update(owner, {
      emailEnabled: true,
      recipients: 'a@seller.test',
      eventTypes: ['connection.revoked'],
    });
    for (let i = 0; i < 5; i++) {
      await recordEvent(store.db, {
        type: 'connection.revoked',
        at: new Date(world.clock.now()),
        accountId: world.accountId,
        connectionId: connection.id,
        dedupeKey: `revoked-${i}`,
      });
    }
    await Promise.all([
      notify.deliveries.runOnce(),
      notify.deliveries.runOnce(),
      notify.deliveries.runOnce(),
    ]);
    await notify.deliveries.runOnce();
    expect(catcher.messages()).toHaveLength(5);
    expect(receiver.received).toHaveLength(5);
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(5);
  });
});
