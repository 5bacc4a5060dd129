import { randomBytes } from 'node:crypto';
import { createManualClock, DAY, HOUR, type OffsetClock } from '../src/kernel/clock.js';
import type { OrderImporter } from '../src/orders/import.js';
import { createOrderQueries } from '../src/orders/queries.js';
import { listEvents } from '../src/events/events.js';
import { createSimulator, type Simulator } from '../src/simulator/app.js';
import { generateOrders } from '../src/simulator/orders-generator.js';
import { seedDemo } from '../src/simulator/seed.js';
import { usagePlanFor } from '../src/simulator/spapi/usage-plans.js';
import { openStore, type Store } from '../src/store/database.js';
import { composeUseCases, testConfig } from '../test/support/compose.js';
import { benchSellers, freshDatabase, postgresUrl } from './support.js';

/**
 * A 30-day backlog of ORDERS orders, filled (a) by order reports and (b) by searchOrders paging, at
 * Amazon's **default** usage plans, in simulated time: the simulator and Sellerlink share a virtual
 * clock that moves only when someone waits for Amazon (the rate limiter waiting for its bucket, the
 * importer waiting for a report). So the times are Amazon's seconds, not the machine's: the
 * simulated report takes REPORT_QUEUE_S + REPORT_PROCESSING_S, a searchOrders page costs
 * 1 / 0.0056 s after the burst, and Sellerlink's own work (parsing, PostgreSQL) costs no simulated
 * time; its wall time is reported beside. Both paths run in the same process and database, for two
 * sellers with the same orders, each until the orders store equals the simulator's view; then
 * missing, duplicated (created twice) and stale orders are counted, and the 429s the simulator
 * answered.
 */
const ORDERS = 50_000;
const DAYS = 30;
/** Simulated report timing: Amazon's order reports typically take minutes (REPORTS-ADS §6). */
const REPORT_QUEUE_S = 60;
const REPORT_PROCESSING_S = 600;
const MARKETPLACE = 'ATVPDKIKX0DER';
const REPORT_SELLER = 'A1BACKFILLREPORT';
const PAGING_SELLER = 'A1BACKFILLPAGING';
const BENCH_DB = 'sellerlink_bench_backfill';

/** ORDERS orders for each seller over DAYS days, an hour's worth at a time on the virtual clock. */
function generateBacklog(sim: Simulator, clock: OffsetClock): void {
  const hours = DAYS * 24;
  for (let h = 0; h < hours; h++) {
    clock.advance(HOUR);
    const count = Math.floor(((h + 1) * ORDERS) / hours) - Math.floor((h * ORDERS) / hours);
    for (const seller of [REPORT_SELLER, PAGING_SELLER])
      generateOrders(sim.ctx, {
        sellingPartnerId: seller,
        count,
        marketplaceId: MARKETPLACE,
        createdFrom: clock.now() - HOUR,
        createdTo: clock.now(),
      });
  }
}

/** A wait that moves the virtual clock instead of the machine's time. */
function virtualSleep(clock: OffsetClock): (ms: number) => Promise<void> {
  return (ms) => {
    if (ms > 0) clock.advance(ms);
    return new Promise((resolve) => setImmediate(resolve));
  };
}

/** The importer of a graph on the virtual clock, with the given backfill threshold. */
async function importerOn(
  store: Store,
  sim: Simulator,
  clock: OffsetClock,
  vaultKey: string,
  reportBackfillAfterMs: number,
): Promise<OrderImporter> {
  const graph = await composeUseCases({
    store,
    origin: 'http://sim.invalid',
    fetch: (input, init) => sim.fetch(new Request(input, init)),
    clock,
    config: testConfig({ SELLERLINK_VAULT_KEYS: `bench:${vaultKey}` }),
    overrides: {
      limiterClock: clock,
      sleep: virtualSleep(clock),
      // The whole backlog: it began DAYS + 1 hours ago.
      orderImport: { reportBackfillAfterMs, initialLookbackMs: (DAYS + 1) * DAY },
    },
  });
  return graph.orderImporter;
}

/**
 * Runs bounded imports (as the jobs do) until done; waiting for a report, or for the usage plan past
 * a job's budget, moves the virtual clock by the time Sellerlink said it would wait.
 */
async function importUntilDone(
  importer: OrderImporter,
  clock: OffsetClock,
  connectionId: string,
): Promise<void> {
  for (;;) {
    const outcome = await importer.importSome(connectionId, { budgetMs: 45_000 });
    if (outcome.status === 'done') return;
    if (outcome.status === 'partial') {
      if (outcome.retryAfterMs) clock.advance(outcome.retryAfterMs);
      continue;
    }
    throw new Error(`import ended ${JSON.stringify(outcome)}`);
  }
}

/** Missing, duplicated (created twice or never) and stale orders against the simulator's view. */
async function compare(store: Store, sim: Simulator, seller: string, connectionId: string) {
  const truth = new Map(
    [...sim.ctx.state.orders.values()]
      .filter((o) => o.sellingPartnerId === seller)
      .map((o) => [o.orderId, o] as const),
  );
  const stored = await createOrderQueries(store.db).fingerprint(connectionId);
  const storedIds = new Set(stored.map((o) => o.orderId));
  const missing = [...truth.keys()].filter((id) => !storedIds.has(id)).length;
  let stale = 0;
  for (const row of stored) {
    const simOrder = truth.get(row.orderId);
    const status = (simOrder?.data.fulfillment as { fulfillmentStatus?: string } | undefined)
      ?.fulfillmentStatus;
    if (
      !simOrder ||
      Math.floor(simOrder.lastUpdatedAt / 1000) !== Math.floor(row.lastUpdatedTime.getTime() / 1000) ||
      status !== row.status
    )
      stale++;
  }
  const events = await listEvents(store.db, { connectionId, types: ['order.upserted'], limit: 1_000_000 });
  const created = new Map<string, number>();
  for (const e of events)
    if (e.payload.created === true)
      created.set(String(e.payload.orderId), (created.get(String(e.payload.orderId)) ?? 0) + 1);
  const duplicates = [...created.values()].filter((n) => n > 1).length;
  return { truth: truth.size, stored: stored.length, missing, duplicates, stale };
}

/** One path: import the seller's backlog, timed in virtual and wall seconds. */
async function runPath(
  importer: OrderImporter,
  clock: OffsetClock,
  connectionId: string,
): Promise<{ seconds: number; wallSeconds: number }> {
  const simStart = clock.now();
  const wallStart = performance.now();
  await importUntilDone(importer, clock, connectionId);
  return { seconds: (clock.now() - simStart) / 1000, wallSeconds: (performance.now() - wallStart) / 1000 };
}

export const bench = {
  description: `${DAYS}-day backlog of ${ORDERS} orders at the default usage plans, simulated time: by order reports vs searchOrders paging`,
  async run() {
    const database = await freshDatabase(postgresUrl(), BENCH_DB);
    // The backlog is generated as it would have happened: the clock starts DAYS ago and moves an
    // hour at a time, each hour's orders created (and last updated) within that hour.
    const clock = createManualClock(Date.now() - DAYS * DAY);
    const sim = createSimulator({
      clock,
      realClock: clock,
      config: {
        speed: 1,
        requestLogLimit: 100_000,
        clientSecretLifetimeMs: 1000 * DAY,
        reportQueueSeconds: REPORT_QUEUE_S,
        reportProcessingSeconds: REPORT_PROCESSING_S,
      },
    });
    seedDemo(sim.ctx, { redirectUris: ['https://vendor.example/oauth/callback'] });
    const store = await openStore({ kind: 'postgres', url: database.url });
    try {
      const vaultKey = randomBytes(32).toString('base64');
      const sellers = await benchSellers({ store, sim, simUrl: 'http://sim.invalid', vaultKey, clock });
      const a = await sellers.connect(REPORT_SELLER, [MARKETPLACE]);
      const b = await sellers.connect(PAGING_SELLER, [MARKETPLACE]);
      generateBacklog(sim, clock);
      clock.advance(HOUR);
      const byReport = await runPath(
        await importerOn(store, sim, clock, vaultKey, 6 * 3_600_000),
        clock,
        a.id,
      );
      const byPaging = await runPath(await importerOn(store, sim, clock, vaultKey, 0), clock, b.id);
      const reportCheck = await compare(store, sim, 'A1BACKFILLREPORT', a.id);
      const pagingCheck = await compare(store, sim, 'A1BACKFILLPAGING', b.id);
      const plan = usagePlanFor('searchOrders')!;
      const pages = Math.ceil(ORDERS / 100);
      const pagingMinimumSeconds = Math.max(0, pages - plan.burst) / plan.rate;
      const log = sim.ctx.state.requestLog;
      const throttled429 = log.filter((e) => e.status === 429).length;
      const ops = (op: string) => log.filter((e) => e.operation === op).length;
      const data = {
        orders: ORDERS,
        days: DAYS,
        clock: 'virtual (discrete-event): moves only while waiting for Amazon',
        reportQueueSeconds: REPORT_QUEUE_S,
        reportProcessingSeconds: REPORT_PROCESSING_S,
        reportSeconds: Math.round(byReport.seconds),
        reportWallSeconds: Number(byReport.wallSeconds.toFixed(1)),
        pagingSeconds: Math.round(byPaging.seconds),
        pagingWallSeconds: Number(byPaging.wallSeconds.toFixed(1)),
        pagingMinimumSeconds: Math.round(pagingMinimumSeconds),
        ratio: Number((byReport.seconds / pagingMinimumSeconds).toFixed(4)),
        missing: reportCheck.missing,
        duplicates: reportCheck.duplicates,
        stale: reportCheck.stale,
        paging: pagingCheck,
        throttled429,
        calls: {
          createReport: ops('createReport'),
          getReport: ops('getReport'),
          getReportDocument: ops('getReportDocument'),
          searchOrders: ops('searchOrders'),
        },
      };
      const summary =
        `backfill ${ORDERS} orders / ${DAYS} days at default plans: by report ${data.reportSeconds} s, ` +
        `by paging ${data.pagingSeconds} s (minimum ${data.pagingMinimumSeconds} s); ratio ${data.ratio} ` +
        `(target ≤ 0.01); missing ${data.missing}, duplicates ${data.duplicates}, stale ${data.stale}, ` +
        `429s ${throttled429}; simulated report ${REPORT_QUEUE_S}+${REPORT_PROCESSING_S} s`;
      return { summary, data };
    } finally {
      sim.stop();
      await store.close();
      await database.drop();
    }
  },
};
