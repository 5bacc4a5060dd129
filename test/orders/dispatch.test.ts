import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startJobs, type Jobs } from '../../src/jobs/boss.js';
import { MINUTE } from '../../src/kernel/clock.js';
import { silentLogger } from '../../src/kernel/log.js';
import { cryptoRandom } from '../../src/kernel/random.js';
import { DUE_BATCH, PAUSED_RECHECK_MS, dueConnectionBatch, dueConnections } from '../../src/orders/due.js';
import { ORDERS_IMPORT_QUEUE, dispatchOrderImports, startOrderJobs } from '../../src/orders/jobs.js';
import type { Store } from '../../src/store/database.js';
import type { OrderSyncStatus } from '../../src/store/schema.js';
import { createVault } from '../../src/vault/envelope.js';
import { createKeyRing } from '../../src/vault/keyring.js';
import { createAmazonWorld, type AmazonWorld } from '../support/amazon-world.js';
import {
  seedAccounts,
  seedApplication,
  seedConnections,
  type SeededConnection,
} from '../support/bulk-connections.js';
import { TEST_VAULT_KEY } from '../support/compose.js';
import { describeEachDatabase, openTestStore } from '../support/databases.js';

/**
 * The order-import dispatcher at scale (bench/scale.ts): which imports are due is decided in SQL a
 * batch at a time (orders/due.ts), a paused import is looked at again only when something changed
 * (or after PAUSED_RECHECK_MS) instead of every minute, and the queue never holds two waiting jobs
 * for one connection (its `short` policy), however often the dispatcher runs.
 */
const INTERVAL = 5 * MINUTE;

describeEachDatabase('order-import dispatcher', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  let world: AmazonWorld;
  let seeded: SeededConnection[];

  beforeEach(async () => {
    ({ store, close } = await openTestStore(kind));
    world = await createAmazonWorld(store);
    const vault = createVault(createKeyRing([TEST_VAULT_KEY]), cryptoRandom);
    const accounts = await seedAccounts(store.db, 2, 'Dispatch Co');
    seeded = await seedConnections(store.db, vault, {
      accounts,
      applicationId: world.applicationId,
      count: 40,
      now: world.clock.now(),
      adsApplicationId: await seedApplication(store.db, vault, 'ads'),
      adsCount: 3,
    });
  });
  afterEach(async () => close());

  const due = (after: string | null = null, limit?: number) =>
    dueConnectionBatch({ db: store.db, clock: world.clock }, { intervalMs: INTERVAL }, after, limit);
  /** Seeded SP-API connections that are not disconnected (index % 8 !== 6, bulk-connections.ts SCENARIOS). */
  const live = () => seeded.filter((c) => c.api === 'sp_api' && c.index % 8 !== 6);
  const sync = async (
    connectionId: string,
    status: OrderSyncStatus,
    lastStartedAgoMs: number | null,
    updatedAgoMs = 0,
  ) => {
    const now = world.clock.now();
    await store.db
      .insertInto('order_syncs')
      .values({
        connection_id: connectionId,
        watermark: new Date(now - INTERVAL),
        status,
        last_started_at: lastStartedAgoMs === null ? null : new Date(now - lastStartedAgoMs),
        updated_at: new Date(now - updatedAgoMs),
      })
      .execute();
  };
  /** Makes `updated_at` of the connections (and of their application) older than anything below. */
  const settle = async () => {
    const long = new Date(world.clock.now() - 10 * PAUSED_RECHECK_MS);
    await store.db.updateTable('connections').set({ updated_at: long }).execute();
    await store.db.updateTable('applications').set({ updated_at: long }).execute();
  };

  it('is due: never imported, started an interval ago, running or failed; paused only after a change', async () => {
    await settle();
    const [never, recent, old, running, failed, paused, changed, stale] = live();
    await sync(recent!.id, 'idle', MINUTE);
    await sync(old!.id, 'idle', INTERVAL);
    await sync(running!.id, 'running', 0);
    await sync(failed!.id, 'failed', MINUTE);
    await sync(paused!.id, 'paused', 2 * INTERVAL, MINUTE);
    await sync(changed!.id, 'paused', 2 * INTERVAL, MINUTE);
    await sync(stale!.id, 'paused', 2 * INTERVAL, PAUSED_RECHECK_MS);
    for (const c of live().slice(8)) await sync(c.id, 'idle', 0);
    // The connection changed after its import paused (a renewal, marketplaces stored).
    await store.db
      .updateTable('connections')
      .set({ updated_at: new Date(world.clock.now()) })
      .where('id', '=', changed!.id)
      .execute();

    expect(new Set(await due())).toEqual(
      new Set([never!.id, old!.id, running!.id, failed!.id, changed!.id, stale!.id]),
    );

    // The application recovered after the pause: every paused import is looked at again.
    await store.db
      .updateTable('applications')
      .set({ updated_at: new Date(world.clock.now()) })
      .execute();
    expect(await due()).toContain(paused!.id);
  });

  it('never dispatches a disconnected connection or an Ads one, and reads in id order a batch at a time', async () => {
    expect(seeded.filter((c) => c.index % 8 === 6).length).toBeGreaterThan(0);
    expect(seeded.filter((c) => c.api === 'ads').length).toBe(3);
    const all = await dueConnections({ db: store.db, clock: world.clock }, { intervalMs: INTERVAL });
    expect([...all].sort()).toEqual(
      live()
        .map((c) => c.id)
        .sort(),
    );
    expect(all).toEqual([...all].sort());
    const paged: string[] = [];
    for (let batch = await due(null, 4); batch.length > 0; batch = await due(paged.at(-1), 4)) {
      expect(batch.length).toBeLessThanOrEqual(4);
      paged.push(...batch);
    }
    expect(paged).toEqual(all);
  });

  describeJobs(() => ({ store, world }));
});

/** The dispatcher on the job system: one waiting job per connection, batches of DUE_BATCH. */
function describeJobs(ctx: () => { store: Store; world: AmazonWorld }): void {
  let jobs: Jobs;
  afterEach(async () => jobs?.stop(2000));

  it('queues one job per due connection, in batches, and never a second one while it waits', async () => {
    const { store } = ctx();
    jobs = await startJobs({ store, supervise: false });
    // The queue as the service sets it up (no import workers: nothing takes the jobs).
    await startOrderJobs({
      boss: jobs.boss,
      importer: { dueBatch: () => Promise.resolve([]) } as never,
      logger: silentLogger,
      concurrency: 0,
    });
    const ids = Array.from({ length: DUE_BATCH + 5 }, () => randomUUID()).sort();
    const importer = {
      dueBatch: (after: string | null) =>
        Promise.resolve(ids.filter((id) => after === null || id > after).slice(0, DUE_BATCH)),
    };
    expect(await dispatchOrderImports(jobs.boss, importer)).toBe(ids.length);
    expect(await dispatchOrderImports(jobs.boss, importer)).toBe(ids.length);
    // A follow-up for a connection whose job still waits is not queued beside it.
    expect(
      await jobs.boss.send(ORDERS_IMPORT_QUEUE, { connectionId: ids[0] }, { singletonKey: ids[0]! }),
    ).toBeNull();
    const waiting = await sql<{ key: string; n: string | number }>`
      select singleton_key as key, count(*) as n from pgboss.job
      where name = ${ORDERS_IMPORT_QUEUE} and state = 'created' group by singleton_key`.execute(store.db);
    expect(waiting.rows.map((r) => r.key).sort()).toEqual(ids);
    expect(waiting.rows.every((r) => Number(r.n) === 1)).toBe(true);
  });
}
