import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listEvents } from '../../src/events/events.js';
import { HOUR, MINUTE } from '../../src/kernel/clock.js';
import { silentLogger } from '../../src/kernel/log.js';
import { createOrderImporter, type OrderImporter } from '../../src/orders/import.js';
import type { SpApiClient } from '../../src/amazon/client-types.js';
import type { Store } from '../../src/store/database.js';
import { createAmazonWorld, type AmazonWorld } from '../support/amazon-world.js';
import { describeEachDatabase, openTestStore } from '../support/databases.js';
import { clientWithFetch, simFetch, SimulatedCrash } from '../listings/support.js';

const ORDERS = 200;
const PAGE = 20;
const PAGES = ORDERS / PAGE;

/**
 * An import that stops mid-walk (its worker died, or its time budget or the usage plan ran
 * out) goes on at its next page, not from the watermark minus the overlap, so repeated crashes
 * cannot keep it re-reading the same pages. Pages are counted in the simulator's request log.
 */
describeEachDatabase('order import resumes at its next page', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  let world: AmazonWorld;

  beforeAll(async () => {
    ({ store, close } = await openTestStore(kind));
    world = await createAmazonWorld(store);
  });
  afterAll(async () => {
    world.sim.stop();
    await close();
  });

  const importerWith = (spApi: SpApiClient): OrderImporter =>
    createOrderImporter({
      store,
      spApi,
      fetch: world.fetch,
      clock: world.clock,
      logger: silentLogger,
      lifecycle: world.lifecycle,
      settings: { initialLookbackMs: 12 * HOUR, pageSize: PAGE, reportBackfillAfterMs: 0 },
    });

  /**
   * A connection whose seller has ORDERS orders in batches of one page: the first 8 batches 30 s
   * apart (well within the 5-minute overlap of each other), the last two 10 minutes apart, so a new
   * walk's overlap before the end reaches one page only.
   */
  const seller = async () => {
    const connection = await world.newConnection();
    for (let batch = 0; batch < PAGES; batch++) {
      await world.control('POST', '/_sim/orders/generate', {
        sellingPartnerId: connection.sellingPartnerId,
        count: PAGE,
      });
      world.clock.advance(batch < 7 ? 30_000 : batch < PAGES - 1 ? 10 * MINUTE : 3 * MINUTE);
    }
    return connection;
  };
  const searches = (sellerId: string) =>
    world.sim.ctx.state.requestLog.filter(
      (e) => e.operation === 'searchOrders' && e.sellingPartnerId === sellerId,
    ).length;
  const syncRow = (connectionId: string) =>
    store.db
      .selectFrom('order_syncs')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .executeTakeFirstOrThrow();
  const expectAllOnce = async (connectionId: string) => {
    const events = await listEvents(store.db, { connectionId, types: ['order.upserted'], limit: 10_000 });
    const created = events.filter((e) => e.payload.created === true).map((e) => e.payload.orderId);
    expect(new Set(created).size).toBe(ORDERS);
    expect(created).toHaveLength(ORDERS);
  };

  it('a run that dies after 4 pages: the next one reads only the 6 pages left, then a new walk', async () => {
    const connection = await seller();
    let calls = 0;
    const inner = simFetch(world);
    const dying = clientWithFetch(world, store, async (input, init) => {
      const request = new Request(input, init);
      if (request.url.includes('/orders/2026-01-01/orders') && ++calls === 5)
        throw new SimulatedCrash('worker died');
      return inner(request);
    });
    await expect(importerWith(dying).sync(connection.id)).rejects.toThrow(SimulatedCrash);
    const after = await syncRow(connection.id);
    expect(Number(after.pages_total)).toBe(4);

    const before = searches(connection.sellingPartnerId);
    const outcome = await importerWith(world.client).sync(connection.id);
    // The 6 pages left of the walk, then a new walk up to now: its overlap holds the last page only.
    // (Restarting at the watermark minus the overlap would have read all 10 pages again.)
    expect(outcome).toMatchObject({ status: 'done', pages: PAGES - 4 + 1 });
    expect(searches(connection.sellingPartnerId) - before).toBe(PAGES - 4 + 1);
    expect((await syncRow(connection.id)).resume_token).toBeNull();
    await expectAllOnce(connection.id);
  });

  it.skipIf(kind !== 'postgres')(
    'a run whose lock connection drops stops at its next write, so two runs never import one connection at once',
    async () => {
      const connection = await seller();
      let calls = 0;
      const inner = simFetch(world);
      const lockHolder = async () =>
        (
          await sql<{ pid: number }>`
            select pid from pg_locks where locktype = 'advisory' and granted and pid <> pg_backend_pid()
              and database = (select oid from pg_database where datname = current_database())`.execute(
            store.db,
          )
        ).rows.map((r) => r.pid);
      const dropped = clientWithFetch(world, store, async (input, init) => {
        const request = new Request(input, init);
        if (request.url.includes('/orders/2026-01-01/orders') && ++calls === 3) {
          // PostgreSQL ends the connection holding the run's lock (a restart, a failover): the
          // advisory lock goes with it.
          const pids = await lockHolder();
          expect(pids).toHaveLength(1);
          await sql`select pg_terminate_backend(${pids[0]!})`.execute(store.db);
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
        return inner(request);
      });
      await expect(importerWith(dropped).sync(connection.id)).rejects.toThrow();
      // The third page was fetched after the lock was gone: it was not committed, nor any after it.
      expect(calls).toBe(3);
      expect(Number((await syncRow(connection.id)).pages_total)).toBe(2);
      // Another process takes the lock and goes on at the next page.
      const outcome = await importerWith(world.client).sync(connection.id);
      expect(outcome).toMatchObject({ status: 'done', pages: PAGES - 2 + 1 });
      await expectAllOnce(connection.id);
    },
  );

  it('a bounded run stops when the usage plan makes it wait past its budget, and the next one goes on', async () => {
    const connection = await seller();
    // Two searchOrders calls left in the shared bucket; the next refill is minutes away.
    await store.db
      .insertInto('rate_buckets')
      .values({
        key: `${connection.id}:searchOrders`,
        tokens: 2,
        updated_ms: Date.now(),
        rate: 0.0055,
        burst: 19,
      })
      .execute();
    const importer = importerWith(world.client);
    const first = await importer.importSome(connection.id, { budgetMs: 5000 });
    expect(first).toMatchObject({ status: 'partial', pages: 2 });
    expect(first.status === 'partial' && first.retryAfterMs).toBeGreaterThan(60_000);
    expect((await syncRow(connection.id)).status).toBe('running');
    expect(await importer.due()).toContain(connection.id);

    await store.db
      .updateTable('rate_buckets')
      .set({ tokens: 19 })
      .where('key', '=', `${connection.id}:searchOrders`)
      .execute();
    const before = searches(connection.sellingPartnerId);
    const second = await importer.importSome(connection.id, { budgetMs: 60_000 });
    expect(second).toMatchObject({ status: 'done', pages: PAGES - 2 + 1 });
    expect(searches(connection.sellingPartnerId) - before).toBe(PAGES - 2 + 1);
    await expectAllOnce(connection.id);
  });

  it('a saved page Amazon no longer takes (its token expired) starts a new walk from the watermark', async () => {
    const connection = await seller();
    const importer = importerWith(world.client);
    let calls = 0;
    const inner = simFetch(world);
    const dying = clientWithFetch(world, store, async (input, init) => {
      const request = new Request(input, init);
      if (request.url.includes('/orders/2026-01-01/orders') && ++calls === 3)
        throw new SimulatedCrash('worker died');
      return inner(request);
    });
    await expect(importerWith(dying).sync(connection.id)).rejects.toThrow(SimulatedCrash);
    await store.db
      .updateTable('order_syncs')
      .set({ resume_token: 'no-longer-valid' })
      .where('connection_id', '=', connection.id)
      .execute();

    const before = searches(connection.sellingPartnerId);
    const outcome = await importer.sync(connection.id);
    expect(outcome.status).toBe('done');
    // One refused call with the saved token, then a new walk from the watermark (page 2) minus the
    // overlap: all 10 pages (the first 8 lie within 5 minutes).
    expect(searches(connection.sellingPartnerId) - before).toBe(1 + PAGES);
    expect((await syncRow(connection.id)).resume_token).toBeNull();
    await expectAllOnce(connection.id);
  });
});
