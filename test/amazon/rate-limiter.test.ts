import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiter, type RateBucketStore } from '../../src/amazon/rate-limiter.js';
import { createRateBucketStore } from '../../src/store/rate-buckets.js';
import { createManualClock } from '../../src/kernel/clock.js';
import type { Store } from '../../src/store/database.js';
import { describeEachDatabase, openTestStore } from '../support/databases.js';

/** No safety cushion: the schedule is exactly the plan's. */
const exact = { burstHeldBack: 0, rateRounding: 0 };

describeEachDatabase('shared rate limiter', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await openTestStore(kind));
  });
  afterAll(async () => close());

  it('lets the burst through, then spaces calls at the rate, across two limiters sharing the database', async () => {
    const clock = createManualClock(1_000_000);
    // Sleeping does not move time here: each acquire reports the wait it reserved.
    const noSleep = () => Promise.resolve();
    const a = createRateLimiter({
      buckets: createRateBucketStore(store.db),
      clock,
      sleep: noSleep,
      safety: exact,
    });
    const b = createRateLimiter({
      buckets: createRateBucketStore(store.db),
      clock,
      sleep: noSleep,
      safety: exact,
    });
    const plan = { rate: 2, burst: 3 };
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) waits.push(await (i % 2 === 0 ? a : b).acquire('conn-1:op', plan));
    expect(waits).toEqual([0, 0, 0, 500, 1000, 1500, 2000]);
    // Time passes: the reserved calls are paid back, then the bucket refills to the burst.
    clock.advance(10_000);
    const after: number[] = [];
    for (let i = 0; i < 4; i++) after.push(await a.acquire('conn-1:op', plan));
    expect(after).toEqual([0, 0, 0, 500]);
    // Another key is another bucket.
    expect(await b.acquire('conn-2:op', plan)).toBe(0);
  });

  it('adopts a rate Amazon reports, and drains after a 429', async () => {
    const clock = createManualClock(5_000_000);
    const limiter = createRateLimiter({
      buckets: createRateBucketStore(store.db),
      clock,
      sleep: () => Promise.resolve(),
      safety: exact,
    });
    const plan = { rate: 1, burst: 1 };
    expect(await limiter.acquire('k', plan)).toBe(0);
    expect(await limiter.acquire('k', plan)).toBe(1000);
    await limiter.learnRate('k', 4);
    clock.advance(2000); // at rate 4 the debt of 1 token is repaid after 250 ms
    expect(await limiter.acquire('k', plan)).toBe(0);
    clock.advance(10_000);
    await limiter.drain('k');
    expect(await limiter.acquire('k', plan)).toBe(250);
  });

  it('holds back one burst token and refills half a unit of the fourth decimal under the plan by default', async () => {
    const clock = createManualClock(12_000_000);
    const limiter = createRateLimiter({
      buckets: createRateBucketStore(store.db),
      clock,
      sleep: () => Promise.resolve(),
    });
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) waits.push(await limiter.acquire('cushion', { rate: 1, burst: 3 }));
    expect(waits).toEqual([0, 0, Math.ceil(1000 / 0.99995), Math.ceil(2000 / 0.99995)]);
    // A small rate as Amazon reports it (0.0056 for 1/180 s) may stand for 0.00555/s.
    const slow: number[] = [];
    for (let i = 0; i < 2; i++) slow.push(await limiter.acquire('slow', { rate: 0.0056, burst: 2 }));
    slow.push(await limiter.acquire('slow', { rate: 0.0056, burst: 2 }));
    expect(slow).toEqual([0, Math.ceil(1000 / 0.00555), Math.ceil(2000 / 0.00555)]);
  });

  it('holds back as much more of the burst as the rate refills in the jitter cushion, also after learning a rate', async () => {
    const clock = createManualClock(15_000_000);
    const limiter = createRateLimiter({
      buckets: createRateBucketStore(store.db),
      clock,
      sleep: () => Promise.resolve(),
    });
    const immediate = async (key: string, plan: { rate: number; burst: number }): Promise<number> => {
      let n = 0;
      while ((await limiter.acquire(key, plan)) === 0) n++;
      return n;
    };
    // 50/s × 250 ms = 12 tokens more than the one always held back: 2 of 15 go at once.
    expect(await immediate('fast', { rate: 50, burst: 15 })).toBe(2);
    // 5/s: one more held back.
    expect(await immediate('medium', { rate: 5, burst: 10 })).toBe(8);
    // A bucket seeded at a slow model rate shrinks once Amazon reports a fast one.
    expect(await immediate('learned', { rate: 0.016, burst: 15 })).toBe(14);
    await limiter.learnRate('learned', 50);
    clock.advance(60_000);
    expect(await immediate('learned', { rate: 0.016, burst: 15 })).toBe(2);
  });

  it('queues a caller again when it wakes long after its turn, so it and the next caller do not go at once', async () => {
    const clock = createManualClock(18_000_000);
    const plan = { rate: 10, burst: 2 }; // 9.99995/s, at most 1 token at once
    const quick = createRateLimiter({
      buckets: createRateBucketStore(store.db),
      clock,
      sleep: () => Promise.resolve(),
    });
    // This caller's process stalls for a second while it sleeps.
    const stalled = createRateLimiter({
      buckets: createRateBucketStore(store.db),
      clock,
      sleep: (ms) => {
        clock.advance(ms + 1000);
        return Promise.resolve();
      },
    });
    expect(await quick.acquire('stall', plan)).toBe(0);
    expect(await stalled.acquire('stall', plan)).toBe(Math.ceil(1000 / 9.99995));
    // The stalled caller took the token that refilled while it slept: the next one waits its turn.
    expect(await quick.acquire('stall', plan)).toBe(Math.ceil(1000 / 9.99995));
  });

  it('waits for real when given a real sleep', async () => {
    const clock = createManualClock(9_000_000);
    const slept: number[] = [];
    const limiter = createRateLimiter({
      buckets: createRateBucketStore(store.db),
      clock,
      safety: exact,
      sleep: (ms) => {
        slept.push(ms);
        clock.advance(ms);
        return Promise.resolve();
      },
    });
    for (let i = 0; i < 4; i++) await limiter.acquire('s', { rate: 10, burst: 2 });
    expect(slept).toEqual([100, 100]);
  });
});

describeEachDatabase('the rate_buckets store', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await openTestStore(kind));
  });
  afterAll(async () => close());

  it('peeks at a bucket: none before its first call, then its balance and rate', async () => {
    const clock = createManualClock(7_000_000);
    const limiter = createRateLimiter({ buckets: createRateBucketStore(store.db), clock, safety: exact });
    expect(await limiter.peek('peek')).toBeNull();
    await limiter.acquire('peek', { rate: 2, burst: 3 });
    expect(await limiter.peek('peek')).toEqual({ tokens: 2, rate: 2 });
    await limiter.drain('peek');
    expect(await limiter.peek('peek')).toEqual({ tokens: 0, rate: 2 });
  });
});

/** The port's contract, kept in memory: what any RateBucketStore must do (store/rate-buckets.ts does it in SQL). */
function memoryBuckets(): RateBucketStore {
  const rows = new Map<string, { tokens: number; updatedMs: number; rate: number; burst: number }>();
  return {
    take(key, { now, full, rate, burst, capJitterSeconds }) {
      const b = rows.get(key);
      if (!b) {
        rows.set(key, { tokens: full - 1, updatedMs: now, rate, burst });
        return Promise.resolve({ tokens: full - 1, rate });
      }
      const cap = Math.max(1, b.burst - Math.floor(b.rate * capJitterSeconds));
      b.tokens = Math.min(cap, b.tokens + (Math.max(0, now - b.updatedMs) / 1000) * b.rate) - 1;
      b.updatedMs = Math.max(b.updatedMs, now);
      return Promise.resolve({ tokens: b.tokens, rate: b.rate });
    },
    giveBack(key) {
      const b = rows.get(key);
      if (b) b.tokens += 1;
      return Promise.resolve();
    },
    setRate(key, rate) {
      const b = rows.get(key);
      if (b) b.rate = rate;
      return Promise.resolve();
    },
    empty(key, now) {
      const b = rows.get(key);
      if (b) Object.assign(b, { tokens: Math.min(b.tokens, 0), updatedMs: Math.max(b.updatedMs, now) });
      return Promise.resolve();
    },
    read(key) {
      const b = rows.get(key);
      return Promise.resolve(b ? { tokens: b.tokens, rate: b.rate } : null);
    },
  };
}

describe('rate limiter over any bucket store', () => {
  it('schedules the same over an in-memory store as over the database', async () => {
    const clock = createManualClock(1_000_000);
    const limiter = createRateLimiter({
      buckets: memoryBuckets(),
      clock,
      sleep: () => Promise.resolve(),
      safety: exact,
    });
    const plan = { rate: 2, burst: 3 };
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) waits.push(await limiter.acquire('conn-1:op', plan));
    expect(waits).toEqual([0, 0, 0, 500, 1000, 1500, 2000]);
  });

  it('refuses to wait past maxWaitMs and gives the reservation back', async () => {
    const clock = createManualClock(1_000_000);
    const buckets = memoryBuckets();
    const limiter = createRateLimiter({ buckets, clock, sleep: () => Promise.resolve(), safety: exact });
    await limiter.acquire('k', { rate: 1, burst: 1 });
    await expect(limiter.acquire('k', { rate: 1, burst: 1 }, { maxWaitMs: 500 })).rejects.toMatchObject({
      code: 'SPAPI_WAIT_TOO_LONG',
      info: { retryAfterMs: 1000 },
    });
    expect(await buckets.read('k')).toEqual({ tokens: 0, rate: 1 });
  });
});
