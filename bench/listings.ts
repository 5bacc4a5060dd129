import { createSpApiClient } from '../src/amazon/client.js';
import { createRateLimiter } from '../src/amazon/rate-limiter.js';
import { createRateBucketStore } from '../src/store/rate-buckets.js';
import { USAGE_PLANS } from '../src/amazon/usage-plans.js';
import { simulatorEndpoints } from '../src/config/config.js';
import type { Viewer } from '../src/connections/repository.js';
import { systemClock } from '../src/kernel/clock.js';
import { silentLogger } from '../src/kernel/log.js';
import { cryptoRandom } from '../src/kernel/random.js';
import { createListingDrainer } from '../src/listings/drain.js';
import { createListingOutbox } from '../src/listings/outbox.js';
import { openStore } from '../src/store/database.js';
import { createAmazonWorld } from '../test/support/amazon-world.js';

/**
 * Listings delivery at the usage-plan bound: CHANGES full listings (PUT) queued
 * for one connection, drained by one drainer through the real SP-API client (shared limiter) against
 * the in-process simulator at Amazon's rates (putListingsItem: 5/s, burst 10). Reports the sustained
 * submissions per second after the burst (from the simulator's own log), its ratio to the plan's
 * rate (target ≥ 0.9, at most 1), and the 429s the simulator sent (target 0).
 */
const CHANGES = Number(process.env.BENCH_LISTINGS_CHANGES ?? 160);
const OPERATOR: Viewer = { userId: '', username: 'bench', role: 'operator', accountId: null, actor: 'bench' };

function shirt(i: number): Record<string, unknown> {
  const text = (value: string) => [{ value, language_tag: 'en_US' }];
  return {
    item_name: text(`Bench Shirt ${i}`),
    brand: text('Benchco'),
    color: text('Red'),
    size: text('M'),
    department: text('mens'),
    target_gender: [{ value: 'male' }],
    supplier_declared_has_product_identifier_exemption: [{ value: true }],
    condition_type: [{ value: 'new_new' }],
    purchasable_offer: [{ currency: 'USD', our_price: [{ schedule: [{ value_with_tax: 10 + i / 100 }] }] }],
    fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT', quantity: 5 }],
  };
}

export const bench = {
  description: `${CHANGES} listing PUTs through the outbox at the putListingsItem plan (5/s): rate ÷ bound, 429s`,
  async run(): Promise<{ summary: string; data: Record<string, unknown> }> {
    const store = await openStore({ kind: 'pglite', dataDir: 'memory://' });
    const world = await createAmazonWorld(store);
    try {
      const { id, sellingPartnerId } = await world.newConnection();
      const outbox = createListingOutbox({ db: store.db, clock: world.clock, random: cryptoRandom });
      const spApi = createSpApiClient({
        tokens: world.broker,
        limiter: createRateLimiter({ buckets: createRateBucketStore(store.db), clock: systemClock }),
        fetch: (input, init) => world.sim.fetch(new Request(input, init)),
        endpoints: simulatorEndpoints('http://sim.test').spApi,
        userAgent: 'Sellerlink/bench (Language=TypeScript)',
        clock: world.clock,
        random: cryptoRandom,
      });
      const drainer = createListingDrainer({
        store,
        spApi,
        clock: world.clock,
        logger: silentLogger,
        batchLimit: CHANGES,
      });
      await outbox.submitMany(
        OPERATOR,
        id,
        Array.from({ length: CHANGES }, (_, i) => ({
          sku: `BENCH-${String(i).padStart(5, '0')}`,
          kind: 'put',
          body: { productType: 'SHIRT', attributes: shirt(i) },
        })),
        { source: 'cli', actor: 'bench' },
      );
      const started = performance.now();
      const report = await drainer.drain(id);
      const seconds = (performance.now() - started) / 1000;

      const log = world.sim.ctx.state.requestLog.filter(
        (e) => e.operation === 'putListingsItem' && e.path.includes(sellingPartnerId),
      );
      const ok = log
        .filter((e) => e.status === 200)
        .map((e) => e.at)
        .sort((a, b) => a - b);
      const throttled = log.filter((e) => e.status === 429).length;
      const plan = USAGE_PLANS.putListingsItem!;
      // After the burst the bucket refills at `rate`: the calls after the first `burst` over their span.
      const after = ok.slice(plan.burst);
      const spanS = after.length > 1 ? (after.at(-1)! - ok[plan.burst - 1]!) / 1000 : NaN;
      const sustained = after.length / spanS;
      const ratio = sustained / plan.rate;
      const results = await outbox.recent(OPERATOR, id, { limit: CHANGES });
      const accepted = results.filter((c) => c.state === 'accepted').length;
      const data = {
        changes: CHANGES,
        accepted,
        finished: report.finished,
        seconds: Number(seconds.toFixed(2)),
        overallPerSecond: Number((ok.length / seconds).toFixed(3)),
        sustainedPerSecond: Number(sustained.toFixed(3)),
        plan: { operation: 'putListingsItem', rate: plan.rate, burst: plan.burst },
        ratio: Number(ratio.toFixed(3)),
        throttled429: throttled,
      };
      const summary = `${accepted}/${CHANGES} accepted in ${data.seconds} s; sustained ${data.sustainedPerSecond}/s vs plan ${plan.rate}/s → ratio ${data.ratio}; 429s: ${throttled}`;
      return { summary, data };
    } finally {
      world.sim.stop();
      await store.close();
    }
  },
};
