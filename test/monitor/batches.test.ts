import { afterEach, beforeEach, expect, it } from 'vitest';
import { listEvents, recordEvent } from '../../src/events/events.js';
import { DAY } from '../../src/kernel/clock.js';
import { cryptoRandom } from '../../src/kernel/random.js';
import { connectionsDueForProbe, expiringEvent, remindConnections } from '../../src/monitor/connections.js';
import type { Store } from '../../src/store/database.js';
import { createVault } from '../../src/vault/envelope.js';
import { createKeyRing } from '../../src/vault/keyring.js';
import { createAmazonWorld, type AmazonWorld } from '../support/amazon-world.js';
import { seedAccounts, seedConnections } from '../support/bulk-connections.js';
import { TEST_VAULT_KEY } from '../support/compose.js';
import { describeEachDatabase, openTestStore } from '../support/databases.js';

/**
 * The monitor's pass reads the connections a batch at a time (bench/scale.ts: 100,000 of them): with
 * batches of 7 over 80 connections in every lifecycle state (test/support/bulk-connections.ts), it
 * must expire exactly the connections past their end and raise exactly the reminders due, each
 * once; and the health probe must reach the connections never probed before those probed already.
 */
describeEachDatabase('monitor passes in batches', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  let world: AmazonWorld;

  beforeEach(async () => {
    ({ store, close } = await openTestStore(kind));
    world = await createAmazonWorld(store);
    const vault = createVault(createKeyRing([TEST_VAULT_KEY]), cryptoRandom);
    const accounts = await seedAccounts(store.db, 3, 'Batch Co');
    await seedConnections(store.db, vault, {
      accounts,
      applicationId: world.applicationId,
      count: 80,
      now: world.clock.now(),
    });
  });
  afterEach(async () => close());

  const liveRows = () =>
    store.db
      .selectFrom('connections')
      .select([
        'id',
        'api',
        'account_id',
        'application_id',
        'selling_partner_id',
        'region',
        'store_name',
        'state',
        'expires_at',
      ])
      .where('state', 'in', ['active', 'expiring', 'error'])
      .execute();

  it('expires every connection past its end and raises each due reminder once, across batches', async () => {
    const now = world.clock.now();
    const before = await liveRows();
    const dueToExpire = before.filter((r) => r.expires_at !== null && r.expires_at.getTime() <= now);
    const dueReminders = before.flatMap((r) => expiringEvent(r, now) ?? []);
    expect(dueToExpire.length).toBeGreaterThan(7);
    expect(dueReminders.length).toBeGreaterThan(7);
    // One reminder already raised (an earlier pass): it is not raised again, nor counted.
    await recordEvent(store.db, dueReminders[0]!);

    const deps = { db: store.db, clock: world.clock, lifecycle: world.lifecycle, batch: 7 };
    const pass = await remindConnections(deps);
    expect(pass.expired).toBe(dueToExpire.length);
    expect(pass.expiring).toBe(dueReminders.length - 1);
    const withExpiry = before.filter((r) => r.expires_at !== null);
    expect(pass.checked).toBe(withExpiry.length - dueToExpire.length);

    const raised = await listEvents(store.db, { types: ['connection.expiring'], limit: 1000 });
    expect(raised.map((e) => `${e.connectionId}:${String(e.payload.threshold)}`).sort()).toEqual(
      dueReminders.map((e) => `${e.connectionId}:${String(e.payload?.threshold)}`).sort(),
    );
    const expired = await listEvents(store.db, { types: ['connection.expired'], limit: 1000 });
    expect(expired.map((e) => e.connectionId).sort()).toEqual(dueToExpire.map((r) => r.id).sort());
    const states = await store.db
      .selectFrom('connections')
      .select('state')
      .where(
        'id',
        'in',
        dueToExpire.map((r) => r.id),
      )
      .execute();
    expect(new Set(states.map((s) => s.state))).toEqual(new Set(['expired']));

    // The next pass finds nothing new.
    expect(await remindConnections(deps)).toMatchObject({ expired: 0, expiring: 0 });
    expect(await listEvents(store.db, { types: ['connection.expiring'], limit: 1000 })).toHaveLength(
      raised.length,
    );
  });

  it('probes the connections never probed before those probed a day ago or more', async () => {
    const now = world.clock.now();
    const due = await connectionsDueForProbe(store.db, now, now - DAY, 1000);
    expect(due.length).toBeGreaterThan(10);
    // Half of them were probed two days ago: due again, but after every one never probed.
    const probed = due.filter((_, i) => i % 2 === 0).map((r) => r.id);
    await store.db
      .updateTable('connections')
      .set({ last_probe_at: new Date(now - 2 * DAY), last_probe_outcome: 'ok' })
      .where('id', 'in', probed)
      .execute();
    const never = due.length - probed.length;
    const first = await connectionsDueForProbe(store.db, now, now - DAY, never);
    expect(first.map((r) => r.last_probe_at)).toEqual(Array.from({ length: never }, () => null));
    const all = await connectionsDueForProbe(store.db, now, now - DAY, 1000);
    expect(
      all
        .slice(never)
        .map((r) => r.id)
        .sort(),
    ).toEqual([...probed].sort());
  });
});
