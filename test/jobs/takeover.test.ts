/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access,
   @typescript-eslint/no-unsafe-return --
   simulator control answers are parsed JSON the tests inspect freely. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { recordEvent } from '../../src/events/events.js';
import { MINUTE } from '../../src/kernel/clock.js';
import { FINAL_STATES, type ChangeState } from '../../src/listings/model.js';
import { listenSimulator, type SimulatorServer } from '../../src/simulator/server.js';
import { openStore, type Store } from '../../src/store/database.js';
import {
  createListings,
  META,
  OPERATOR,
  pricePatch,
  shirt,
  simControl,
  simListing,
  submissionsOf,
} from '../listings/support.js';
import { createAmazonWorld, type AmazonWorld } from '../support/amazon-world.js';
import { createPostgresDatabase, postgresAvailable } from '../support/databases.js';
import { createNotifyWorld } from '../notify/support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A worker SIGKILLed in the middle of its job must not stall the work. Real worker
 * processes (test/jobs/work-worker.ts: the service's own job code on pg-boss, job timing shortened)
 * on PostgreSQL against the simulator over HTTP: one is killed mid-job, another takes over.
 */
describe.skipIf(!postgresAvailable)('a dead worker’s job is taken over [postgres]', () => {
  let database: { url: string; drop: () => Promise<void> } | null = null;
  let store: Store | null = null;
  let world: AmazonWorld | null = null;
  let server: SimulatorServer | null = null;
  const children = new Set<ChildProcess>();
  let cleanUp: (() => Promise<void>) | null = null;

  const setUp = async (
    makeWorld: (store: Store) => Promise<AmazonWorld> = createAmazonWorld,
  ): Promise<{ store: Store; world: AmazonWorld; server: SimulatorServer; url: string }> => {
    database = await createPostgresDatabase();
    store = await openStore({ kind: 'postgres', url: database.url });
    world = await makeWorld(store);
    server = await listenSimulator(world.sim, { port: 0 });
    return { store, world, server, url: database.url };
  };

  afterEach(async () => {
    for (const child of children) child.kill('SIGKILL');
    await cleanUp?.();
    cleanUp = null;
    await server?.close();
    world?.sim.stop();
    await store?.close();
    await database?.drop();
    database = store = world = server = null;
  });

  const startWorker = async (
    url: string,
    simUrl: string,
    what: 'listings' | 'orders' | 'notify',
  ): Promise<ChildProcess> => {
    const child = spawn(
      process.execPath,
      ['bin/sellerlink-dev.js', 'test/jobs/work-worker.ts', url, simUrl, what],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, SIM_CONTROL_TOKEN: world!.sim.controlToken },
      },
    );
    children.add(child);
    child.once('exit', () => children.delete(child));
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve();
      });
    });
    return child;
  };

  const kill = async (child: ChildProcess): Promise<void> => {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  };

  it('listings: a worker killed mid-drain; another delivers the rest, each change once and in order', async () => {
    const { store, world, server, url } = await setUp();
    const listings = createListings(store, world);
    const { id, sellingPartnerId } = await world.newConnection();
    const skus = Array.from({ length: 8 }, (_, i) => `TAKE-${i}`);
    const changes = [];
    for (const sku of skus) {
      changes.push(
        await listings.outbox.submit(
          OPERATOR,
          id,
          { sku, kind: 'put', body: { productType: 'SHIRT', attributes: shirt() } },
          META,
        ),
      );
      changes.push(
        await listings.outbox.submit(OPERATOR, id, { sku, kind: 'patch', body: pricePatch(20) }, META),
      );
    }
    // Every PUT spends 1.5 s inside the simulator, so the worker dies with one on the wire.
    await simControl(world, '/_sim/faults', {
      operation: 'putListingsItem',
      kind: 'latency',
      latencyMs: 1500,
    });
    const states = async () =>
      (
        await store.db.selectFrom('listing_changes').select('state').where('connection_id', '=', id).execute()
      ).map((r) => r.state);

    const first = await startWorker(url, server.url, 'listings');
    await expect
      .poll(
        async () => {
          const now = await states();
          return now.filter((s) => s === 'accepted').length >= 2 && now.includes('sending');
        },
        { timeout: 60_000, interval: 100 },
      )
      .toBe(true);
    await kill(first);
    const left = (await states()).filter((s) => !FINAL_STATES.includes(s as ChangeState)).length;
    expect(left).toBeGreaterThan(0);

    await startWorker(url, server.url, 'listings');
    // Generous deadline: the sweep runs at the new worker's start and every minute.
    await expect
      .poll(async () => (await states()).every((s) => FINAL_STATES.includes(s as ChangeState)), {
        timeout: 120_000,
        interval: 250,
      })
      .toBe(true);

    const results = await Promise.all(changes.map((c) => listings.outbox.get(OPERATOR, c.id)));
    expect(results.map((r) => r.state)).toEqual(changes.map(() => 'accepted'));
    for (const sku of skus)
      expect(
        submissionsOf(await simListing(world, sellingPartnerId, sku)).map((s: any) => s.method),
        sku,
      ).toEqual(['PUT', 'PATCH']);
  }, 240_000);

  it('orders: a worker killed mid-import; the next run goes on at the next page and no job stays active', async () => {
    const { store, world, server, url } = await setUp();
    const connection = await world.newConnection();
    const seller = connection.sellingPartnerId;
    // 15 batches of one page each (work-worker.ts: pages of 20): 13 of them 30 s apart, then two 10
    // minutes apart, so a new walk's 5-minute overlap before its end holds one page. Each page
    // spends 700 ms inside the simulator.
    for (let batch = 0; batch < 15; batch++) {
      await world.control('POST', '/_sim/orders/generate', { sellingPartnerId: seller, count: 20 });
      world.clock.advance(batch < 12 ? 30_000 : batch < 14 ? 10 * MINUTE : 3 * MINUTE);
    }
    await world.control('POST', '/_sim/faults', {
      operation: 'searchOrders',
      kind: 'latency',
      latencyMs: 700,
    });
    const searches = () =>
      world.sim.ctx.state.requestLog.filter(
        (e) => e.operation === 'searchOrders' && e.sellingPartnerId === seller,
      );
    const sync = () =>
      store.db
        .selectFrom('order_syncs')
        .select(['status', 'pages_total', 'resume_token'])
        .where('connection_id', '=', connection.id)
        .executeTakeFirst();

    const first = await startWorker(url, server.url, 'orders');
    await expect
      .poll(async () => Number((await sync())?.pages_total ?? 0), { timeout: 60_000, interval: 100 })
      .toBeGreaterThanOrEqual(4);
    await kill(first);
    await sleep(1500); // the dead worker's request still inside the simulator ends and is logged
    const committed = Number((await sync())!.pages_total);
    expect(committed).toBeLessThan(15);
    const before = searches().length;

    await startWorker(url, server.url, 'orders');
    await expect.poll(async () => (await sync())?.status, { timeout: 120_000, interval: 250 }).toBe('idle');
    const paged = (e: { query?: string }) => new URLSearchParams(e.query).has('paginationToken');
    // The walk went on at the first page not committed: each of its calls carried a page token, so
    // none was read twice. (Restarting at the watermark minus 5 minutes would begin at a first page
    // and read them all again.)
    const resumed = searches().slice(before, before + 15 - committed);
    expect(resumed.map(paged)).toEqual(resumed.map(() => true));
    expect(resumed).toHaveLength(15 - committed);
    // Then each new walk up to now (this run's, and any later run's: the dead job's retry or the next
    // dispatch may come before the check) read its 5-minute overlap: one first page and no more.
    // Polled: a later run's call is logged just before its page is committed.
    await expect
      .poll(
        async () => {
          const walks = searches().slice(before + 15 - committed);
          const pages = Number((await sync())!.pages_total);
          return {
            firstPagesOnly: walks.every((e) => !paged(e)),
            atLeastOne: walks.length >= 1,
            committed: pages - 15 - walks.length,
          };
        },
        { timeout: 10_000, interval: 100 },
      )
      .toEqual({ firstPagesOnly: true, atLeastOne: true, committed: 0 });
    const imported = await store.db
      .selectFrom('orders')
      .select(store.db.fn.countAll<string>().as('n'))
      .where('connection_id', '=', connection.id)
      .executeTakeFirstOrThrow();
    expect(Number(imported.n)).toBe(300);
    // The dead worker's job does not stay active: it expires and its retry completes.
    await expect
      .poll(
        async () =>
          (
            await sql<{
              n: string;
            }>`select count(*) as n from pgboss.job where name = 'orders-import' and state = 'active'`.execute(
              store.db,
            )
          ).rows[0]!.n,
        { timeout: 60_000, interval: 250 },
      )
      .toBe('0');
  }, 240_000);

  it('notifications: a worker killed mid-run; another delivers every webhook', async () => {
    let notifyWorld: Awaited<ReturnType<typeof createNotifyWorld>> | null = null;
    const { store, world, server, url } = await setUp(async (s) => {
      notifyWorld = await createNotifyWorld(s);
      return notifyWorld.world;
    });
    const { notify, owner } = notifyWorld!;
    cleanUp = () => notifyWorld!.close();
    // A receiver that takes 800 ms per webhook, so the worker dies with deliveries on the wire.
    const hits: string[] = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        hits.push(Buffer.concat(chunks).toString('utf8'));
        setTimeout(() => res.writeHead(204).end(), 800);
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const stopReceiver = cleanUp;
    cleanUp = async () => {
      receiver.closeAllConnections();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
      await stopReceiver();
    };
    await notify.settings.createEndpoint(owner, {
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
      eventTypes: ['order.upserted'],
    });
    const orderIds = Array.from({ length: 20 }, (_, i) => `111-0000000-${String(i).padStart(7, '0')}`);
    for (const orderId of orderIds)
      await recordEvent(store.db, {
        type: 'order.upserted',
        at: new Date(),
        accountId: world.accountId,
        payload: { orderId, status: 'Unshipped', created: true },
      });
    const pending = async () =>
      Number(
        (
          await store.db
            .selectFrom('notification_deliveries')
            .select(store.db.fn.countAll<string>().as('n'))
            .where('status', '!=', 'delivered')
            .executeTakeFirstOrThrow()
        ).n,
      );

    const first = await startWorker(url, server.url, 'notify');
    await expect.poll(() => hits.length, { timeout: 60_000, interval: 50 }).toBeGreaterThanOrEqual(3);
    await kill(first);
    expect(await pending()).toBeGreaterThan(0);

    await startWorker(url, server.url, 'notify');
    await expect.poll(pending, { timeout: 120_000, interval: 250 }).toBe(0);
    // Every event arrived (a webhook on the wire when its worker died may arrive twice).
    for (const orderId of orderIds)
      expect(
        hits.some((h) => h.includes(orderId)),
        orderId,
      ).toBe(true);
  }, 240_000);
});
