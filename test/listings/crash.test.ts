import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenSimulator, type SimulatorServer } from '../../src/simulator/server.js';
import { openStore, type Store } from '../../src/store/database.js';
import { createAmazonWorld, type AmazonWorld } from '../support/amazon-world.js';
import { createPostgresDatabase, postgresAvailable } from '../support/databases.js';
import { createListings, META, OPERATOR, shirt, simControl, simListing, submissionsOf } from './support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A real worker process SIGKILLed while its PUT is on the wire; another process finishes the job. */
describe.skipIf(!postgresAvailable)('listings: a worker process killed mid-send [postgres]', () => {
  let database: { url: string; drop: () => Promise<void> };
  let store: Store;
  let world: AmazonWorld;
  let server: SimulatorServer;
  let child: ChildProcess | null = null;
  let putArrived: () => void = () => {};

  beforeAll(async () => {
    database = await createPostgresDatabase();
    store = await openStore({ kind: 'postgres', url: database.url });
    world = await createAmazonWorld(store);
    // Served over HTTP for the worker process; tells the test when a PUT has reached the simulator.
    server = await listenSimulator(
      {
        ...world.sim,
        fetch: (request, onDrop) => {
          if (request.method === 'PUT') putArrived();
          return world.sim.fetch(request, onDrop);
        },
      },
      { port: 0 },
    );
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await server.close();
    world.sim.stop();
    await store.close();
    await database.drop();
  });

  it('the change Amazon took while the worker died is not sent again; every change ends accepted', async () => {
    const listings = createListings(store, world);
    const { id, sellingPartnerId } = await world.newConnection();
    const changes = [];
    for (const sku of ['KILL-1', 'KILL-2', 'KILL-3'])
      changes.push(
        await listings.outbox.submit(
          OPERATOR,
          id,
          { sku, kind: 'put', body: { productType: 'SHIRT', attributes: shirt() } },
          META,
        ),
      );
    // The first PUT waits 2 s inside the simulator before it is applied: the worker dies meanwhile.
    await simControl(world, '/_sim/faults', {
      operation: 'putListingsItem',
      kind: 'latency',
      latencyMs: 2000,
      remaining: 1,
    });
    const worker = spawn(
      process.execPath,
      ['bin/sellerlink-dev.js', 'test/listings/drain-worker.ts', database.url, server.url, id],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    child = worker;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const arrived = new Promise<void>((resolve) => (putArrived = resolve));
    await Promise.race([
      arrived,
      exited.then(() => Promise.reject(new Error('the worker exited before its PUT reached the simulator'))),
    ]);
    expect((await listings.outbox.get(OPERATOR, changes[0]!.id)).state).toBe('sending');
    await sleep(200);
    worker.kill('SIGKILL');
    await exited;
    child = null;
    // The simulator finishes the request the dead worker sent: Amazon took it, nobody heard the answer.
    for (
      let i = 0;
      i < 200 && submissionsOf(await simListing(world, sellingPartnerId, 'KILL-1')).length === 0;
      i++
    )
      await sleep(50);
    expect(submissionsOf(await simListing(world, sellingPartnerId, 'KILL-1'))).toHaveLength(1);
    expect((await listings.outbox.get(OPERATOR, changes[0]!.id)).state).toBe('sending');

    // Another process's drainer (this one) takes the lock the dead worker's session released.
    await listings.drainAll(id);
    const results = await Promise.all(changes.map((c) => listings.outbox.get(OPERATOR, c.id)));
    expect(results.map((r) => r.state)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(results[0]!.stateReason).toMatch(/already shows this change/);
    for (const sku of ['KILL-1', 'KILL-2', 'KILL-3'])
      expect(submissionsOf(await simListing(world, sellingPartnerId, sku))).toHaveLength(1);
  });
});
