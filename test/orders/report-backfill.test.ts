import { afterAll, beforeAll, expect, it } from 'vitest';
import { DAY, MINUTE } from '../../src/kernel/clock.js';
import {
  createOrderImporter,
  type BoundedImportOutcome,
  type OrderImporter,
} from '../../src/orders/import.js';
import { createOrderQueries } from '../../src/orders/queries.js';
import type { Store } from '../../src/store/database.js';
import { silentLogger } from '../../src/kernel/log.js';
import { createAmazonWorld, type AmazonWorld } from '../support/amazon-world.js';
import { describeEachDatabase, openTestStore } from '../support/databases.js';
import { createdTwiceOrNever, simulatorView, storedView } from './report-support.js';

const OPERATOR = { userId: '', username: 'test', role: 'operator' as const, accountId: null };

/**
 * Backfill by report against the simulator's Reports API: a first connect and a 30-day outage are
 * filled from order reports (not 500 searchOrders pages), and the stored orders equal the
 * simulator's and what the paging path stores; a FATAL, a stuck report and an expired document
 * link are handled.
 */
describeEachDatabase('order backfill by report', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  let world: AmazonWorld;
  /** The next document download is refused as expired first (the control expires every link). */
  let expireNextDownload = false;
  let downloads = 0;

  beforeAll(async () => {
    ({ store, close } = await openTestStore(kind));
    world = await createAmazonWorld(store, {
      simConfig: { speed: 2000, reportQueueSeconds: 10, reportProcessingSeconds: 120 },
    });
  });
  afterAll(async () => {
    world.sim.stop();
    await close();
  });

  /** A fetch that reaches the simulator; it can expire the document links just before a download. */
  const fetchDocuments = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.pathname.includes('/_s3/')) {
      downloads++;
      if (expireNextDownload) {
        expireNextDownload = false;
        await world.control('POST', '/_sim/reports/expire-document-urls');
      }
    }
    return world.fetch(input, init);
  }) as typeof fetch;

  const importer = (settings: Record<string, number> = {}): OrderImporter =>
    createOrderImporter({
      store,
      spApi: world.client,
      fetch: fetchDocuments,
      clock: world.clock,
      logger: silentLogger,
      lifecycle: world.lifecycle,
      settings: { reportMergeBatch: 40, reportPollMs: 30_000, ...settings },
    });

  /** Bounded runs until the import is done, the simulated clock moving a minute while it waits. */
  async function importUntilDone(i: OrderImporter, connectionId: string): Promise<BoundedImportOutcome[]> {
    const outcomes: BoundedImportOutcome[] = [];
    for (let run = 0; run < 200; run++) {
      const outcome = await i.importSome(connectionId, { budgetMs: 60_000 });
      outcomes.push(outcome);
      if (outcome.status === 'done' || outcome.status === 'paused') return outcomes;
      world.clock.advance(MINUTE);
    }
    throw new Error(`the import did not finish: ${JSON.stringify(outcomes.slice(-3))}`);
  }

  const syncOf = async (connectionId: string) =>
    (await createOrderQueries(store.db).syncs(OPERATOR)).find((s) => s.connectionId === connectionId)!;

  it('fills a first connect and a 30-day outage from reports; equal to the simulator and to paging', async () => {
    const connection = await world.newConnection();
    const seller = connection.sellingPartnerId;
    const i = importer();
    // First connect (30-day lookback): reports, though there is nothing to find yet.
    expect((await importUntilDone(i, connection.id)).at(-1)?.status).toBe('done');
    expect((await syncOf(connection.id)).backfill?.status).toBe('done');

    // A 30-day outage: the seller's authorization is revoked while orders keep coming.
    await world.control('POST', `/_sim/authorizations/${connection.authorizationId}/revoke`);
    for (let round = 0; round < 10; round++) {
      await world.control('POST', '/_sim/orders/generate', { sellingPartnerId: seller, count: 30 });
      if (round > 0)
        await world.control('POST', '/_sim/orders/update', { sellingPartnerId: seller, count: 10 });
      world.clock.advance(3 * DAY);
    }
    expect((await i.importSome(connection.id, { budgetMs: 60_000 })).status).toBe('paused');
    await world.renew(connection);
    const pagesBefore = world.calls('searchOrders').total;
    const reportsBefore = world.calls('createReport').total;
    const outcomes = await importUntilDone(i, connection.id);
    expect(outcomes.at(-1)?.status).toBe('done');
    // Two windows of at most 29 days, one marketplace: two reports instead of paging 300 orders.
    expect(world.calls('createReport').total - reportsBefore).toBe(2);
    expect(world.calls('searchOrders').total - pagesBefore).toBeLessThanOrEqual(2);
    expect(world.calls('createReport').throttled).toBe(0);

    const truth = simulatorView(world.sim, seller);
    expect(truth).toHaveLength(300);
    const byReport = await storedView(store, connection.id);
    expect(byReport.orders).toEqual(truth);
    expect(byReport.sources.report).toBeGreaterThan(250);
    expect(
      await createdTwiceOrNever(
        store,
        connection.id,
        truth.map((o) => o.orderId),
      ),
    ).toEqual([]);
    const sync = await syncOf(connection.id);
    expect(sync.backfill).toMatchObject({ status: 'done', reportsTotal: 2, reportsSettled: 2 });
    // The incremental walk took over from the report's end (30 minutes before the backfill began).
    expect(sync.watermark.getTime()).toBeGreaterThan(world.clock.now() - 40 * MINUTE);

    // The paging path over the same 30 days stores the same orders.
    await store.db.deleteFrom('orders').where('connection_id', '=', connection.id).execute();
    await store.db
      .updateTable('order_syncs')
      .set({ watermark: new Date(world.clock.now() - 31 * DAY) })
      .where('connection_id', '=', connection.id)
      .execute();
    await importUntilDone(importer({ reportBackfillAfterMs: 0 }), connection.id);
    const byPaging = await storedView(store, connection.id);
    expect(byPaging.sources).toEqual({ api: 300 });
    expect(byPaging.orders).toEqual(byReport.orders);
  }, 240_000);

  it('a FATAL report falls back to paging and says why; the orders are still all there', async () => {
    const connection = await world.newConnection();
    const seller = connection.sellingPartnerId;
    await world.control('POST', '/_sim/orders/generate', {
      sellingPartnerId: seller,
      count: 60,
      createdFrom: new Date(world.clock.now() - 20 * DAY).toISOString(),
      createdTo: new Date(world.clock.now() - DAY).toISOString(),
    });
    await world.control('POST', '/_sim/reports/behaviour', { outcome: 'fatal', sellingPartnerId: seller });
    const outcomes = await importUntilDone(importer(), connection.id);
    expect(outcomes.at(-1)?.status).toBe('done');
    const sync = await syncOf(connection.id);
    expect(sync.backfill?.status).toBe('fell_back');
    expect(sync.backfill?.reason).toMatch(/fell back to paging: .*report \S+ failed \(FATAL\)/);
    const stored = await storedView(store, connection.id);
    expect(stored.orders).toEqual(simulatorView(world.sim, seller));
    expect(stored.sources).toEqual({ api: 60 });
    await world.control('POST', '/_sim/reports/behaviour', { outcome: 'normal', sellingPartnerId: seller });
  }, 120_000);

  it('a report stuck IN_PROGRESS falls back after the timeout', async () => {
    const connection = await world.newConnection();
    const seller = connection.sellingPartnerId;
    await world.control('POST', '/_sim/orders/generate', { sellingPartnerId: seller, count: 20 });
    world.clock.advance(10 * MINUTE);
    await world.control('POST', '/_sim/reports/behaviour', { outcome: 'stuck', sellingPartnerId: seller });
    const outcomes = await importUntilDone(importer({ reportTimeoutMs: 15 * MINUTE }), connection.id);
    expect(outcomes.filter((o) => o.status === 'partial').length).toBeGreaterThanOrEqual(10);
    const sync = await syncOf(connection.id);
    expect(sync.backfill?.reason).toMatch(/still IN_(PROGRESS|QUEUE) after \d+ minutes/);
    expect((await storedView(store, connection.id)).orders).toEqual(simulatorView(world.sim, seller));
    await world.control('POST', '/_sim/reports/behaviour', { outcome: 'normal', sellingPartnerId: seller });
  }, 120_000);

  it('an expired document link is asked for again, and the merge completes', async () => {
    const connection = await world.newConnection();
    const seller = connection.sellingPartnerId;
    await world.control('POST', '/_sim/orders/generate', {
      sellingPartnerId: seller,
      count: 50,
      createdFrom: new Date(world.clock.now() - 10 * DAY).toISOString(),
      createdTo: new Date(world.clock.now() - DAY).toISOString(),
    });
    // Generated orders are last updated now: an hour on, they are inside the reports' range.
    world.clock.advance(60 * MINUTE);
    const before = downloads;
    expireNextDownload = true;
    expect((await importUntilDone(importer(), connection.id)).at(-1)?.status).toBe('done');
    expect(downloads - before).toBe(2);
    expect((await syncOf(connection.id)).backfill?.status).toBe('done');
    expect((await storedView(store, connection.id)).orders).toEqual(simulatorView(world.sim, seller));
  }, 120_000);
});
