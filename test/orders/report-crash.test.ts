import type { ChildProcess } from 'node:child_process';
import { startCrashWorker, type CrashWorker } from './crash-support.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../../src/kernel/clock.js';
import { createSeededRandom } from '../../src/kernel/random.js';
import { listenSimulator, type SimulatorServer } from '../../src/simulator/server.js';
import type { Store } from '../../src/store/database.js';
import { createAmazonWorld, type AmazonWorld } from '../support/amazon-world.js';
import { createOrderImporter } from '../../src/orders/import.js';
import { silentLogger } from '../../src/kernel/log.js';
import { REPORT_CRASH_SETTINGS } from './crash-settings.js';
import { openTestStore, postgresAvailable } from '../support/databases.js';
import { openStore } from '../../src/store/database.js';
import { createdTwiceOrNever, simulatorView, storedView } from './report-support.js';

const KILLS = 10;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const ORDERS = 4000;

/**
 * After a 30-day outage (a revoked authorization, renewed), a worker process backfilling it by
 * report (4,000 orders, merged 10 at a time) is
 * SIGKILLed at random moments while it polls, downloads and merges, and a new worker is started
 * each time. The last one finishes, and the stored orders equal the simulator's: none lost, none
 * created twice. On PostgreSQL, and on the embedded PGlite's data directory (the default database:
 * one worker at a time holds it, and each kill leaves it for the next to recover).
 */
for (const kind of ['pglite', 'postgres'] as const)
  describe.runIf(kind === 'pglite' || postgresAvailable || process.env.CI === 'true')(
    `order backfill by report survives SIGKILL [${kind}]`,
    () => {
      let store: Store;
      let close: () => Promise<void>;
      let world: AmazonWorld;
      let server: SimulatorServer;
      let url = '';
      const children = new Set<ChildProcess>();

      let dataDir = '';
      /** The test's own handle on the database: PGlite's directory is given up while workers run. */
      const reopen = async (): Promise<Store> =>
        (store = await openStore({ kind: 'pglite', dataDir }, { migrate: false }));

      beforeAll(async () => {
        if (kind === 'pglite') {
          dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'sl-report-crash-')), 'db');
          store = await openStore({ kind: 'pglite', dataDir });
          url = `pglite:${dataDir}`;
          close = async () => {
            await store.close().catch(() => undefined);
          };
        } else {
          const opened = await openTestStore('postgres');
          ({ store, close } = opened);
          url = opened.url!;
        }
        world = await createAmazonWorld(store, {
          simConfig: { speed: 500, reportQueueSeconds: 0, reportProcessingSeconds: 1, reportGzipMinBytes: 0 },
        });
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
          mode: 'report',
          children,
        });

      /** Reports being merged (orders merged, not all yet), read between workers. */
      const midMerge = async (connectionId: string): Promise<number> => {
        const db = kind === 'pglite' ? (await reopen()).db : store.db;
        try {
          const rows = await db
            .selectFrom('order_backfill_reports')
            .select(['status', 'rows_merged'])
            .where('connection_id', '=', connectionId)
            .execute();
          return rows.filter((r) => r.status === 'ready' && r.rows_merged > 0).length;
        } finally {
          if (kind === 'pglite') await store.close();
        }
      };

      /**
       * Waits until the running worker is merging: on PostgreSQL watched live; PGlite's directory is
       * the worker's alone, so from the worker's own word that a report document's download has
       * begun (its merge follows at once), then a moment for the first batches to commit.
       */
      const untilMerging = async (worker: CrashWorker, connectionId: string, random: () => number) => {
        const until = Date.now() + 10_000;
        if (kind === 'pglite') {
          const begun = () => worker.output.some((l) => l === 'document' || l.startsWith('outcome'));
          while (Date.now() < until && !begun()) await sleep(10);
          return sleep(50 + Math.floor(random() * 250));
        }
        while (Date.now() < until && (await midMerge(connectionId)) === 0) await sleep(10);
      };

      it('stores exactly the simulator’s orders across 10 kills', async () => {
        const random = createSeededRandom(11);
        const connection = await world.newConnection();
        const seller = connection.sellingPartnerId;
        // Imported once, then a 30-day outage: the authorization is revoked while orders come in
        // (last updated when generated: four batches ten days apart), then renewed.
        const importer = createOrderImporter({
          store,
          spApi: world.client,
          fetch: world.fetch,
          clock: world.clock,
          logger: silentLogger,
          lifecycle: world.lifecycle,
          settings: { ...REPORT_CRASH_SETTINGS, reportBackfillAfterMs: 0 },
        });
        expect((await importer.sync(connection.id)).status).toBe('done');
        await world.control('POST', `/_sim/authorizations/${connection.authorizationId}/revoke`);
        for (let n = 0; n < ORDERS; n += ORDERS / 4) {
          await world.control('POST', '/_sim/orders/generate', {
            sellingPartnerId: seller,
            count: ORDERS / 4,
            createdFrom: new Date(world.clock.now() - 2 * DAY).toISOString(),
          });
          world.clock.advance(n + ORDERS / 4 < ORDERS ? 10 * DAY : 2 * HOUR);
        }
        await world.renew(connection);

        if (kind === 'pglite') await store.close();
        let killedMidMerge = 0;
        let killedBeforeDone = 0;
        for (let kill = 0; kill < KILLS; kill++) {
          const worker = startWorker(connection.id);
          while (!worker.output.includes('started')) await new Promise((r) => setTimeout(r, 50));
          if (kill % 2 === 0) {
            // Every other kill lands while a report is being merged (its document half read).
            await untilMerging(worker, connection.id, () => random.float());
            await sleep(Math.floor(random.float() * 100));
          } else await sleep(100 + Math.floor(random.float() * 1200));
          const finished = worker.output.some((l) => l.startsWith('outcome'));
          worker.child.kill('SIGKILL');
          await worker.exited;
          if (!finished) killedBeforeDone++;
          if (!finished && (await midMerge(connection.id)) > 0) killedMidMerge++;
          if (kill % 3 === 2) {
            await world.control('POST', '/_sim/orders/update', { sellingPartnerId: seller, count: 50 });
            world.clock.advance(3 * MINUTE);
          }
        }
        expect(killedBeforeDone).toBeGreaterThanOrEqual(3);
        expect(killedMidMerge).toBeGreaterThanOrEqual(3);

        const last = startWorker(connection.id);
        expect(await last.exited).toBe(0);
        expect(last.output).toContain('outcome done');
        if (kind === 'pglite') await reopen();
        const truth = simulatorView(world.sim, seller);
        expect(truth).toHaveLength(ORDERS);
        const stored = await storedView(store, connection.id);
        expect(stored.orders).toEqual(truth);
        expect(stored.sources.report ?? 0).toBeGreaterThan(ORDERS / 2);
        expect(
          await createdTwiceOrNever(
            store,
            connection.id,
            truth.map((o) => o.orderId),
          ),
        ).toEqual([]);
        // Reports were requested once per window: the kills did not make new ones.
        expect(world.calls('createReport').total).toBe(2);
      }, 300_000);
    },
  );
