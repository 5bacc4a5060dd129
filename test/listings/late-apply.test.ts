/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access,
   @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return --
   simulator control answers are parsed JSON the test inspects freely. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSpApiClient } from '../../src/amazon/client.js';
import { createRateLimiter } from '../../src/amazon/rate-limiter.js';
import { createRateBucketStore } from '../../src/store/rate-buckets.js';
import { systemClock } from '../../src/kernel/clock.js';
import { cryptoRandom } from '../../src/kernel/random.js';
import { listenSimulator, type SimulatorServer } from '../../src/simulator/server.js';
import type { Store } from '../../src/store/database.js';
import { createAmazonWorld, type AmazonWorld } from '../support/amazon-world.js';
import { openTestStore } from '../support/databases.js';
import { createListings, META, OPERATOR, shirt, simControl, simListing } from './support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const text = (value: string) => [{ value, language_tag: 'en_US' }];

/**
 * A change still inside Amazon when its call timed out (or its
 * worker died) was read back at once, before Amazon applied it, so it was sent again; the original
 * then landed after the seller's later change and the listing ended on the wrong version. Now an
 * interrupted send is read back only once it has surely landed or died (inFlightSettleMs).
 */
describe('a send still inside Amazon is not overtaken', () => {
  let store: Store;
  let close: () => Promise<void>;
  let world: AmazonWorld;
  let server: SimulatorServer;
  beforeAll(async () => {
    ({ store, close } = await openTestStore('pglite'));
    world = await createAmazonWorld(store);
    // Over a real socket: a request whose caller gave up still runs to its end inside "Amazon".
    server = await listenSimulator(world.sim, { port: 0 });
  });
  afterAll(async () => {
    await server.close();
    world.sim.stop();
    await close();
  });

  it('a PATCH Amazon applies after the call timed out is not sent again, and the later PUT wins', async () => {
    const listings = createListings(store, world);
    // Amazon answers the PATCH after 3 s; Sellerlink gives up after 1 s and waits 4 s to read back.
    const client = createSpApiClient({
      tokens: world.broker,
      limiter: createRateLimiter({ buckets: createRateBucketStore(store.db), clock: systemClock }),
      fetch: (input, init) =>
        fetch(
          String(input instanceof Request ? input.url : input).replace('http://sim.test', server.url),
          init,
        ),
      endpoints: { NA: 'http://sim.test/na', EU: 'http://sim.test/eu', FE: 'http://sim.test/fe' },
      userAgent: 'Sellerlink/test (Language=TypeScript)',
      clock: world.clock,
      random: cryptoRandom,
      backoffBaseMs: 5,
      backoffCapMs: 50,
      timeoutMs: 1_000,
    });
    const drainer = listings.drainer2(client, { inFlightSettleMs: 4_000 });
    const { id, sellingPartnerId } = await world.newConnection();
    await listings.outbox.submit(
      OPERATOR,
      id,
      {
        sku: 'LATE',
        kind: 'put',
        body: { productType: 'SHIRT', attributes: shirt({ item_name: text('v0') }) },
      },
      META,
    );
    await listings.drainAll(id, drainer);
    await simControl(world, '/_sim/faults', {
      operation: 'patchListingsItem',
      kind: 'latency',
      latencyMs: 3_000,
      remaining: 1,
    });
    const patch = await listings.outbox.submit(
      OPERATOR,
      id,
      {
        sku: 'LATE',
        kind: 'patch',
        body: {
          productType: 'SHIRT',
          patches: [{ op: 'replace', path: '/attributes/item_name', value: text('v1-patch') }],
        },
      },
      META,
    );
    const put = await listings.outbox.submit(
      OPERATOR,
      id,
      {
        sku: 'LATE',
        kind: 'put',
        body: { productType: 'SHIRT', attributes: shirt({ item_name: text('v2-put') }) },
      },
      META,
    );
    // Drain as the job system would: again whenever the drainer asks to come back.
    for (let i = 0; i < 50; i++) {
      const report = await drainer.drain(id);
      if (report.remaining === 0 && report.retryAfterMs === null) break;
      await sleep(Math.min(report.retryAfterMs ?? 0, 1_000) + 50);
    }
    await sleep(3_500); // anything still inside Amazon has landed by now
    expect((await listings.outbox.get(OPERATOR, patch.id)).state).toBe('accepted');
    expect((await listings.outbox.get(OPERATOR, put.id)).state).toBe('accepted');
    const live: any = await simListing(world, sellingPartnerId, 'LATE');
    const methods = live.submissions.map((s: any) => s.method);
    // One PUT, one PATCH (never twice), then the later PUT: in the seller's order.
    expect(methods).toEqual(['PUT', 'PATCH', 'PUT']);
    expect(live.attributes.item_name).toEqual([expect.objectContaining({ value: 'v2-put' })]);
  }, 60_000);
});
