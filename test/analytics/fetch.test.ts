import { afterAll, beforeAll, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../../src/kernel/clock.js';
import type { Store } from '../../src/store/database.js';
import { createAmazonWorld, type AmazonWorld } from '../support/amazon-world.js';
import { describeEachDatabase, openTestStore } from '../support/databases.js';
import {
  SALES_AND_TRAFFIC,
  US,
  analyticsOf,
  ownerOf,
  salesFromOrders,
  simCalls,
  simReports,
} from './support.js';

/** The simulator's report processing (15 s queued + 120 s in progress) is over after this. */
const REPORT_READY = 3 * MINUTE;
const SETTLEMENT = 'GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2';

/**
 * The analytics fetch against the in-process simulator and a real database: it requests one sales
 * and traffic report per marketplace, polls it, stores the simulator's numbers per day; a restart
 * polls the same report; FATAL is recorded with Amazon's reason; settlement reports are listed as
 * Amazon makes them and downloaded; bad input and another account's connection change nothing.
 */
describeEachDatabase('analytics fetch (simulator)', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  let world: AmazonWorld;

  beforeAll(async () => {
    ({ store, close } = await openTestStore(kind));
    world = await createAmazonWorld(store);
  });
  afterAll(async () => {
    world?.sim.stop();
    await close?.();
  });

  /** A connection whose seller has orders spread over the last 10 days. */
  const sellerWithOrders = async () => {
    const connection = await world.newConnection();
    const now = world.clock.now();
    await world.control('POST', '/_sim/orders/generate', {
      sellingPartnerId: connection.sellingPartnerId,
      count: 25,
      createdFrom: new Date(now - 10 * DAY).toISOString(),
      createdTo: new Date(now - 2 * HOUR).toISOString(),
    });
    return connection;
  };

  it("stores the simulator's numbers per day (sales and units match its orders)", async () => {
    const connection = await sellerWithOrders();
    const { fetcher, analytics } = analyticsOf(store, world);
    const first = await fetcher.run(connection.id);
    expect(first).toMatchObject({ status: 'done', requested: 1, daysStored: 0 });
    // Not ready yet, and the next poll is not due: nothing is asked again.
    expect(await fetcher.run(connection.id)).toMatchObject({ status: 'done', requested: 0 });
    expect(simCalls(world, connection.sellingPartnerId, 'getReport')).toBe(0);

    world.clock.advance(REPORT_READY);
    const second = await fetcher.run(connection.id);
    expect(second).toMatchObject({ status: 'done', requested: 0, daysStored: 30, failed: 0 });
    expect(simReports(world, connection.sellingPartnerId, SALES_AND_TRAFFIC)).toHaveLength(1);

    const viewer = ownerOf(world.accountId);
    const daily = await analytics.daily(viewer, connection.id, {});
    expect(daily.marketplaceId).toBe(US);
    expect(daily.rows).toHaveLength(30);
    const truth = salesFromOrders(world, connection.sellingPartnerId, US);
    expect(truth.size).toBeGreaterThan(3);
    for (const row of daily.rows) {
      const expected = truth.get(row.date) ?? { units: 0, cents: 0, items: 0 };
      expect({ date: row.date, units: row.unitsOrdered, items: row.totalOrderItems }).toEqual({
        date: row.date,
        units: expected.units,
        items: expected.items,
      });
      expect(Math.round(Number(row.orderedProductSales.amount) * 100)).toBe(expected.cents);
      expect(row.orderedProductSales.currencyCode).toBe('USD');
      expect(row.sessions).toBeGreaterThan(0);
      expect(row.pageViews).toBeGreaterThanOrEqual(row.sessions);
    }
    const overview = await analytics.overview(viewer, connection.id);
    expect(overview.fetches).toEqual([
      expect.objectContaining({ marketplaceId: US, status: 'idle', storedDays: 30, failureReason: null }),
    ]);
    expect(overview.fetches[0]!.lastFetchedAt).not.toBeNull();

    // The next request comes one interval later and reads the last 3 days again.
    expect(await fetcher.run(connection.id)).toMatchObject({ requested: 0 });
    world.clock.advance(6 * HOUR);
    expect(await fetcher.run(connection.id)).toMatchObject({ requested: 1 });
    const reports = simReports(world, connection.sellingPartnerId, SALES_AND_TRAFFIC);
    expect(reports).toHaveLength(2);
    const latest = reports.sort((a, b) => b.createdAt - a.createdAt)[0]!;
    expect(Math.round((latest.dataEndTime - latest.dataStartTime) / DAY)).toBeLessThanOrEqual(4);
  });

  it('a restart polls the pending report instead of requesting another', async () => {
    const connection = await sellerWithOrders();
    const before = analyticsOf(store, world);
    expect(await before.fetcher.run(connection.id)).toMatchObject({ status: 'done', requested: 1 });
    const pending = (await before.analytics.overview(ownerOf(world.accountId), connection.id)).fetches[0]!;
    expect(pending.status).toBe('requested');
    expect(pending.pendingReportId).not.toBeNull();

    world.clock.advance(REPORT_READY);
    const after = analyticsOf(store, world);
    expect(await after.fetcher.run(connection.id)).toMatchObject({ requested: 0, daysStored: 30 });
    const reports = simReports(world, connection.sellingPartnerId, SALES_AND_TRAFFIC);
    expect(reports.map((r) => r.reportId)).toEqual([pending.pendingReportId]);
    expect(simCalls(world, connection.sellingPartnerId, 'createReport')).toBe(1);
    const done = (await after.analytics.overview(ownerOf(world.accountId), connection.id)).fetches[0]!;
    expect(done).toMatchObject({
      status: 'idle',
      lastReportId: pending.pendingReportId,
      pendingReportId: null,
    });
  });

  it("a FATAL report is recorded with Amazon's reason, and the next interval asks again", async () => {
    const connection = await sellerWithOrders();
    await world.control('POST', '/_sim/reports/behaviour', {
      outcome: 'fatal',
      reportType: SALES_AND_TRAFFIC,
      sellingPartnerId: connection.sellingPartnerId,
      count: 1,
    });
    const { fetcher, analytics } = analyticsOf(store, world);
    await fetcher.run(connection.id);
    world.clock.advance(REPORT_READY);
    expect(await fetcher.run(connection.id)).toMatchObject({ failed: 1, daysStored: 0 });
    const failed = (await analytics.overview(ownerOf(world.accountId), connection.id)).fetches[0]!;
    expect(failed.status).toBe('failed');
    expect(failed.failureReason).toContain('FATAL');
    // The simulator's FATAL document says why; the reason carries it.
    expect(failed.failureReason).toContain('simulated FATAL outcome');
    expect(failed.storedDays).toBe(0);

    world.clock.advance(6 * HOUR);
    expect(await fetcher.run(connection.id)).toMatchObject({ requested: 1 });
    world.clock.advance(REPORT_READY);
    expect(await fetcher.run(connection.id)).toMatchObject({ failed: 0, daysStored: 30 });
    const recovered = (await analytics.overview(ownerOf(world.accountId), connection.id)).fetches[0]!;
    expect(recovered).toMatchObject({ status: 'idle', failureReason: null, storedDays: 30 });
  });

  it('lists settlement reports as Amazon makes them (every 14 days) and downloads one', async () => {
    const connection = await world.newConnection();
    const { fetcher, analytics } = analyticsOf(store, world);
    const viewer = ownerOf(world.accountId);
    const first = await fetcher.run(connection.id);
    expect(first.status === 'done' && first.settlements).toBeGreaterThan(0);
    const listed = await analytics.settlements(viewer, connection.id);
    const truth = simReports(world, connection.sellingPartnerId, SETTLEMENT);
    expect(listed.map((s) => s.reportId).sort()).toEqual(truth.map((r) => r.reportId).sort());

    world.clock.advance(14 * DAY + HOUR);
    const later = await fetcher.run(connection.id);
    expect(later.status === 'done' && later.settlements).toBeGreaterThan(0);
    const relisted = await analytics.settlements(viewer, connection.id);
    expect(relisted.length).toBe(listed.length + 1);
    const newest = relisted[0]!;
    expect(listed.map((s) => s.reportId)).not.toContain(newest.reportId);
    expect(newest.downloadable).toBe(true);
    expect(newest.marketplaceId).toBe(US);

    const document = await analytics.settlementDocument(viewer, connection.id, newest.reportId);
    expect(document.text.split('\n')[0]!.split('\t').slice(0, 3)).toEqual([
      'settlement-id',
      'settlement-start-date',
      'settlement-end-date',
    ]);
    expect(document.fileName).toBe(`settlement-${newest.reportId}.tsv`);
    // No download URL is stored anywhere (it is a bearer link).
    const rows = await store.db.selectFrom('settlement_reports').selectAll().execute();
    expect(JSON.stringify(rows)).not.toMatch(/https?:\/\//);
    await expect(analytics.settlementDocument(viewer, connection.id, 'nope')).rejects.toMatchObject({
      code: 'ANALYTICS_REPORT_NOT_FOUND',
    });
  });

  it('bad input is refused with the field and changes nothing; another account sees no connection', async () => {
    const connection = await sellerWithOrders();
    const { fetcher, analytics } = analyticsOf(store, world);
    await fetcher.run(connection.id);
    world.clock.advance(REPORT_READY);
    await fetcher.run(connection.id);
    const viewer = ownerOf(world.accountId);
    const stored = async () =>
      JSON.stringify(
        await store.db
          .selectFrom('analytics_daily')
          .selectAll()
          .where('connection_id', '=', connection.id)
          .execute(),
      );
    const before = await stored();
    const calls = world.sim.ctx.state.requestLog.length;
    const refused = [
      [{ from: '2026-02-30' }, 'from'],
      [{ to: 'yesterday' }, 'to'],
      [{ from: '2026-03-10', to: '2026-03-01' }, 'from'],
      [{ marketplaceId: 'A1PA6795UKMFR9' }, 'marketplaceId'],
    ] as const;
    for (const [query, field] of refused)
      await expect(
        analytics.daily(viewer, connection.id, query),
        JSON.stringify(query),
      ).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        field,
      });
    expect(await stored()).toBe(before);
    expect(world.sim.ctx.state.requestLog.length).toBe(calls);

    const stranger = ownerOf('00000000-0000-0000-0000-0000000000ff');
    for (const call of [
      () => analytics.daily(stranger, connection.id, {}),
      () => analytics.overview(stranger, connection.id),
      () => analytics.settlements(stranger, connection.id),
      () => analytics.settlementDocument(stranger, connection.id, 'x'),
    ])
      await expect(call()).rejects.toMatchObject({ code: 'CONNECTION_NOT_FOUND' });
  });

  it('dispatches connections that are due, and none while analytics are off (interval 0)', async () => {
    const connection = await world.newConnection();
    const { fetcher } = analyticsOf(store, world);
    expect(await fetcher.due()).toContain(connection.id);
    await fetcher.run(connection.id);
    expect(await fetcher.due()).not.toContain(connection.id);
    world.clock.advance(REPORT_READY);
    expect(await fetcher.due()).toContain(connection.id);
    expect(await analyticsOf(store, world, { intervalMs: 0 }).fetcher.due()).toEqual([]);
  });

  it('pauses while the connection cannot call Amazon and goes on after renewal', async () => {
    const connection = await world.newConnection();
    await world.control('POST', `/_sim/authorizations/${connection.authorizationId}/revoke`, {});
    const { fetcher } = analyticsOf(store, world);
    // The first run learns of the revocation (from its health, or from Amazon's answer).
    expect(await fetcher.run(connection.id)).toMatchObject({ status: 'paused' });
    const calls = world.sim.ctx.state.requestLog.length;
    const paused = await fetcher.run(connection.id);
    expect(paused).toMatchObject({ status: 'paused' });
    expect(paused.status === 'paused' && paused.reason).toMatch(/^Paused: /);
    expect(world.sim.ctx.state.requestLog.length).toBe(calls);
    expect(simReports(world, connection.sellingPartnerId, SALES_AND_TRAFFIC)).toHaveLength(0);

    await world.renew(connection);
    expect(await fetcher.run(connection.id)).toMatchObject({ status: 'done', requested: 1 });
  });
});
