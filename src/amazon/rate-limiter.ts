import { sql, type Kysely } from 'kysely';
import type { Clock } from '../kernel/clock.js';
import { AmazonError } from './errors.js';
import type { Database } from '../store/schema.js';

/**
 * A token bucket per key, shared by every process through one database row, so several workers
 * together stay inside Amazon's plan. Each acquire atomically reserves a token (the balance may go
 * negative) and returns how long to wait for it; callers sleep that long instead of sending a call
 * that would be throttled (FACTS §6: bucket starts full, refills at `rate` per second to `burst`).
 */
export interface RateLimiter {
  /** Reserves one call; resolves when it may be sent. Returns the time waited (ms). */
  acquire(
    key: string,
    plan: { rate: number; burst: number },
    options?: { maxWaitMs?: number },
  ): Promise<number>;
  /** Adopts the rate Amazon reported (x-amzn-RateLimit-Limit) for later refills. */
  learnRate(key: string, rate: number): Promise<void>;
  /** Empties a bucket after a 429: Amazon's bucket is empty, ours should be too. */
  drain(key: string): Promise<void>;
}

/**
 * Safety cushion against timing differences between our clock and Amazon's (request latency
 * jitter) and rates reported rounded up ("0.0167" for 1/60 s): one token of the burst is held
 * back and refills run 1 % under the plan. Throughput cost: about 1 % at steady state.
 */
export const RATE_SAFETY = { burstHeldBack: 1, rateFactor: 0.99 } as const;

export function createRateLimiter(deps: {
  db: Kysely<Database>;
  clock: Clock;
  sleep?: (ms: number) => Promise<void>;
  safety?: { burstHeldBack: number; rateFactor: number };
}): RateLimiter {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const safety = deps.safety ?? RATE_SAFETY;
  return {
    async acquire(key, given, options = {}) {
      const plan = {
        rate: given.rate * safety.rateFactor,
        burst: Math.max(1, given.burst - safety.burstHeldBack),
      };
      const now = deps.clock.now();
      const row = await sql<{ tokens: number; rate: number }>`
        insert into rate_buckets as b (key, tokens, updated_ms, rate, burst)
        values (${key}, ${plan.burst - 1}, ${now}, ${plan.rate}, ${plan.burst})
        on conflict (key) do update set
          tokens = least(b.burst, b.tokens + greatest(0, ${now}::float8 - b.updated_ms) / 1000.0 * b.rate) - 1,
          updated_ms = greatest(b.updated_ms, ${now}::float8)
        returning tokens, rate`.execute(deps.db);
      const { tokens, rate } = row.rows[0]!;
      if (tokens >= 0) return 0;
      const waitMs = Math.ceil((-tokens / rate) * 1000);
      if (options.maxWaitMs !== undefined && waitMs > options.maxWaitMs) {
        // Give the reservation back: the caller will not send this call now.
        await sql`update rate_buckets set tokens = tokens + 1 where key = ${key}`.execute(deps.db);
        throw new AmazonError(
          'SPAPI_WAIT_TOO_LONG',
          `the usage plan allows the next call in ${Math.ceil(waitMs / 1000)} s`,
          {
            retryable: true,
            retryAfterMs: waitMs,
          },
        );
      }
      await sleep(waitMs);
      return waitMs;
    },
    async learnRate(key, reported) {
      if (!(reported > 0) || !Number.isFinite(reported)) return;
      const rate = reported * safety.rateFactor;
      await deps.db
        .updateTable('rate_buckets')
        .set({ rate })
        .where('key', '=', key)
        .where('rate', '!=', rate)
        .execute();
    },
    async drain(key) {
      const now = deps.clock.now();
      await deps.db
        .updateTable('rate_buckets')
        .set((eb) => ({
          tokens: sql<number>`least(${eb.ref('tokens')}, 0)`,
          updated_ms: sql<number>`greatest(${eb.ref('updated_ms')}, ${now}::float8)`,
        }))
        .where('key', '=', key)
        .execute();
    },
  };
}
