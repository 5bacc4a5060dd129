import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AmazonError } from '../../src/amazon/errors.js';
import { HOUR, MINUTE } from '../../src/kernel/clock.js';
import { silentLogger } from '../../src/kernel/log.js';
import { createOrderImporter, type OrderImporter } from '../../src/orders/import.js';
import { createOrderQueries } from '../../src/orders/queries.js';
import { listEvents } from '../../src/events/events.js';
import type { Store } from '../../src/store/database.js';
import { projectOrder } from '../../src/simulator/orders-data.js';
import { createAmazonWorld, type AmazonWorld } from '../support/amazon-world.js';
import { describeEachDatabase, openTestStore } from '../support/databases.js';

type Truth = { count: number; orders: { orderId: string; version: number; lastUpdatedTime: string }[] };

/**
 * Exactness: the simulator creates and updates orders continuously while faults are
 * injected (429s, 500/503s, dropped connections) and the authorization is revoked and later renewed;
 * afterwards the imported set equals the simulator's exactly — none missing, none twice, the latest
 * version of each.
 */
describeEachDatabase('order import exactness', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  let world: AmazonWorld;
  let importer: OrderImporter;

  beforeAll(async () => {
    ({ store, close } = await openTestStore(kind));
    // speed 2000: searchOrders refills ~11 calls/s instead of one per 3 minutes.
    world = await createAmazonWorld(store, { simConfig: { speed: 2000 } });
    importer = createOrderImporter({
      store,
      spApi: world.client,
      fetch: world.fetch,
      clock: world.clock,
      logger: silentLogger,
      lifecycle: world.lifecycle,
      settings: { initialLookbackMs: 6 * HOUR, pageSize: 25, reportBackfillAfterMs: 0 },
    });
  });
  afterAll(async () => {
    world.sim.stop();
    await close();
  });

  it('imports exactly the simulator’s orders through faults, a revocation and a renewal', async () => {
    const connection = await world.newConnection();
    const seller = connection.sellingPartnerId;
    const outcomes: string[] = [];
    const syncOnce = async (): Promise<void> => {
      try {
        const outcome = await importer.sync(connection.id);
        outcomes.push(outcome.status);
      } catch (err) {
        // Retries exhausted under injected faults: the run stops; the next one resumes from the watermark.
        if (!(err instanceof AmazonError)) throw err;
        outcomes.push(`failed:${err.code}`);
      }
    };
    const faults: { kind: string; share: number; remaining: number }[] = [
      { kind: '429', share: 0.5, remaining: 6 },
      { kind: '500', share: 0.5, remaining: 4 },
      { kind: '503', share: 0.5, remaining: 4 },
      { kind: 'drop', share: 0.5, remaining: 3 },
    ];
    let authorizationId = connection.authorizationId;
    for (let round = 0; round < 14; round++) {
      await world.control('POST', '/_sim/orders/generate', { sellingPartnerId: seller, count: 30 });
      if (round > 0)
        await world.control('POST', '/_sim/orders/update', { sellingPartnerId: seller, count: 25 });
      // Round 0 runs clean: the client learns the (sped-up) rate from Amazon's rate-limit header first.
      const fault = faults[round % faults.length]!;
      if (round > 0) await world.control('POST', '/_sim/faults', { operation: 'searchOrders', ...fault });
      if (round === 5) {
        await world.control('POST', `/_sim/authorizations/${authorizationId}/revoke`);
      }
      if (round === 9) authorizationId = (await world.renew(connection)).authorizationId;
      // Orders become visible to searchOrders 2 minutes after their last update (lastUpdatedBefore).
      world.clock.advance(3 * MINUTE);
      await syncOnce();
      // A second run in the same minute re-reads the overlap: it must change nothing twice.
      if (round % 3 === 0) await syncOnce();
    }
    // While revoked, the import paused (and said why) instead of calling Amazon in a loop.
    expect(outcomes).toContain('paused');
    const syncs = await createOrderQueries(store.db).syncs({
      userId: '',
      username: 'test',
      role: 'operator',
      accountId: null,
    });
    expect(syncs.find((s) => s.connectionId === connection.id)?.pausedReason ?? null).toBeNull();

    // Faults off, one last round of changes, then catch up.
    await world.control('DELETE', '/_sim/faults');
    await world.control('POST', '/_sim/orders/update', { sellingPartnerId: seller, count: 40 });
    world.clock.advance(3 * MINUTE);
    await syncOnce();
    expect(outcomes.at(-1)).toBe('done');

    const truth = await world.control<Truth>('GET', `/_sim/orders?sellingPartnerId=${seller}`);
    const imported = await createOrderQueries(store.db).fingerprint(connection.id);
    expect(truth.count).toBe(30 * 14);
    expect(imported.map((o) => o.orderId)).toEqual(truth.orders.map((o) => o.orderId));
    expect(imported.map((o) => o.lastUpdatedTime.toISOString().replace('.000Z', 'Z'))).toEqual(
      truth.orders.map((o) => o.lastUpdatedTime),
    );
    // The latest version of each: what was stored is the simulator's current order (status, items).
    const queries = createOrderQueries(store.db);
    const operator = { userId: '', username: 'test', role: 'operator' as const, accountId: null };
    const mismatched: string[] = [];
    const included = new Set(importer.settings.includedData);
    for (const order of imported) {
      const simOrder = world.sim.ctx.state.orders.get(order.orderId)!;
      // The simulator's current order, as searchOrders projects it for our includedData.
      const expected = projectOrder(simOrder, included);
      const mine = (await queries.get(operator, order.orderId, connection.id)).order;
      if (!isDeepStrictEqual(mine, expected)) mismatched.push(order.orderId);
    }
    expect(mismatched).toEqual([]);
    // None twice: each order was created once (one `order.upserted` with created=true per order).
    const events = await listEvents(store.db, {
      connectionId: connection.id,
      types: ['order.upserted'],
      limit: 100000,
    });
    const created = events.filter((e) => e.payload.created === true).map((e) => e.payload.orderId as string);
    expect(created.length).toBe(truth.count);
    expect(new Set(created).size).toBe(truth.count);
    // Faults really happened: the simulator answered errors to some searchOrders calls.
    const log = world.sim.ctx.state.requestLog.filter((e) => e.operation === 'searchOrders');
    expect(log.some((e) => e.status === 429)).toBe(true);
    expect(log.some((e) => e.status >= 500)).toBe(true);
  }, 240_000);
});
