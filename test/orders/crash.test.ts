import type { ChildProcess } from 'node:child_process';
import { startCrashWorker, type CrashWorker } from './crash-support.js';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE } from '../../src/kernel/clock.js';
import { createSeededRandom } from '../../src/kernel/random.js';
import { createOrderQueries } from '../../src/orders/queries.js';
import { listEvents } from '../../src/events/events.js';
import { projectOrder } from '../../src/simulator/orders-data.js';
import { listenSimulator, type SimulatorServer } from '../../src/simulator/server.js';
import type { Store } from '../../src/store/database.js';
import { createAmazonWorld, type AmazonWorld } from '../support/amazon-world.js';
import { openTestStore, postgresAvailable } from '../support/databases.js';

const KILLS = 12;
const ORDERS = 2000;
const OPERATOR = { userId: '', username: 'test', role: 'operator' as const, accountId: null };

/**
 * A worker process importing a large backlog (2,000 orders, 100 pages) is
 * SIGKILLed at random moments 12 times, orders are updated between kills, and a new worker is started
 * each time. The last one finishes, and the imported set is still exactly the simulator's.
 * Real processes need a real database: PostgreSQL only.
 */
describe.runIf(postgresAvailable || process.env.CI === 'true')(
  'order import survives SIGKILL [postgres]',
  () => {
    let store: Store;
    let close: () => Promise<void>;
    let world: AmazonWorld;
    let server: SimulatorServer;
    let url = '';
    const children = new Set<ChildProcess>();

    beforeAll(async () => {
      const opened = await openTestStore('postgres');
      ({ store, close } = opened);
      url = opened.url!;
      // speed 500: searchOrders refills ~2.8 calls/s, so 100 pages take ~30 s after the burst.
      world = await createAmazonWorld(store, { simConfig: { speed: 500 } });
      server = await listenSimulator(world.sim, { port: 0 });
    });
    afterAll(async () => {
      for (const child of children) child.kill('SIGKILL');
      await server?.close();
      await close?.();
    });

    const startWorker = (connectionId: string): CrashWorker =>
      startCrashWorker({
        databaseUrl: url,
        simUrl: server.url,
        controlToken: world.sim.controlToken,
        connectionId,
        children,
      });

    it('imports exactly the simulator’s orders across 12 kills', async () => {
      const random = createSeededRandom(5);
      const connection = await world.newConnection();
      const seller = connection.sellingPartnerId;
      for (let n = 0; n < ORDERS; n += 500)
        await world.control('POST', '/_sim/orders/generate', { sellingPartnerId: seller, count: 500 });
      world.clock.advance(3 * MINUTE);

      let killedMidImport = 0;
      let pagesBeforeKills = 0;
      for (let kill = 0; kill < KILLS; kill++) {
        const worker = startWorker(connection.id);
        // Let it start (tsx) and commit some pages, then kill it at a random moment.
        while (!worker.output.includes('started')) await new Promise((r) => setTimeout(r, 50));
        await new Promise((r) => setTimeout(r, 200 + Math.floor(random.float() * 1500)));
        const finished = worker.output.some((l) => l.startsWith('outcome'));
        worker.child.kill('SIGKILL');
        await worker.exited;
        if (!finished) killedMidImport++;
        pagesBeforeKills += worker.output.filter((l) => l.startsWith('page')).length;
        // The world moves on between kills: updates, and time for them to become visible.
        if (kill % 2 === 1) {
          await world.control('POST', '/_sim/orders/update', { sellingPartnerId: seller, count: 60 });
          world.clock.advance(3 * MINUTE);
        }
      }
      expect(killedMidImport).toBeGreaterThanOrEqual(10);
      // Work was done and committed between kills (not every kill came before the first page).
      expect(pagesBeforeKills).toBeGreaterThan(10);

      const last = startWorker(connection.id);
      expect(await last.exited).toBe(0);
      expect(last.output).toContain('outcome done');

      const truth = await world.control<{
        count: number;
        orders: { orderId: string; lastUpdatedTime: string }[];
      }>('GET', `/_sim/orders?sellingPartnerId=${seller}`);
      const queries = createOrderQueries(store.db);
      const imported = await queries.fingerprint(connection.id);
      expect(truth.count).toBe(ORDERS);
      expect(imported.map((o) => o.orderId)).toEqual(truth.orders.map((o) => o.orderId));
      const included = new Set(['FULFILLMENT', 'PROCEEDS']);
      let stale = 0;
      for (const order of imported) {
        const mine = (await queries.get(OPERATOR, order.orderId, connection.id)).order;
        if (!isDeepStrictEqual(mine, projectOrder(world.sim.ctx.state.orders.get(order.orderId)!, included)))
          stale++;
      }
      expect(stale).toBe(0);
      // None twice: one "created" event per order, whatever was replayed after a kill.
      const events = await listEvents(store.db, {
        connectionId: connection.id,
        types: ['order.upserted'],
        limit: 100_000,
      });
      const created = events.filter((e) => e.payload.created === true).map((e) => e.payload.orderId);
      expect(created.length).toBe(ORDERS);
      expect(new Set(created).size).toBe(ORDERS);
    }, 300_000);
  },
);
