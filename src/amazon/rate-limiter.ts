import { sql, type Kysely } from 'kysely';
import type { Clock } from '../kernel/clock.js';
import { AmazonError } from './errors.js';
import type { Database } from '../store/schema.js';

/**
 * A token bucket per key, shared by every process through one database row, so several workers
 * together stay inside Amazon's plan. Each acquire atomically reserves a token (the balance may go
 * negative) and returns how long to wait for it; callers sleep that long instead of sending a call
 * that would be throttled (https://developer-docs.amazon.com/sp-api/docs/usage-plans-and-rate-limits: bucket starts full, refills at `rate` per second to `burst`).
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
 *
 * `jitterMs`: a token is taken from our bucket when the call is scheduled, but Amazon's bucket
 * counts it when the request arrives, some time later. When that delay shrinks (a slow moment
 * followed by a fast one: event-loop stalls, a busy database), calls scheduled apart arrive
 * together, up to `rate × delay` more than the plan's burst. So as many more burst tokens as the
 * rate refills in `jitterMs` are held back (at least one token stays): none more at 0.5/s, 1 more
 * at 5/s, 12 more at 50/s (2 of a burst of 15 left). The steady rate is unchanged; only a bucket
 * refilled by idleness lets fewer calls go at once. A caller that wakes more than half of
 * `jitterMs` after its turn (and late by at least one token) gives the turn back and queues again,
 * so a stalled process does not send all its overdue calls at once.
 */
export const RATE_SAFETY = { burstHeldBack: 1, rateFactor: 0.99, jitterMs: 250 } as const;

/** A safety cushion (see RATE_SAFETY); `jitterMs` defaults to 0. */
export type RateSafety = { burstHeldBack: number; rateFactor: number; jitterMs?: number };

export function createRateLimiter(deps: {
  db: Kysely<Database>;
  clock: Clock;
  sleep?: (ms: number) => Promise<void>;
  safety?: RateSafety;
}): RateLimiter {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const safety = deps.safety ?? RATE_SAFETY;
  const jitterSeconds = (safety.jitterMs ?? 0) / 1000;
  /** The most tokens a bucket may hold at `rate`: the burst less the jitter cushion, at least 1. */
  const cap = (burst: number, rate: number): number => Math.max(1, burst - Math.floor(rate * jitterSeconds));
  const giveBack = async (key: string): Promise<void> => {
    await sql`update rate_buckets set tokens = tokens + 1 where key = ${key}`.execute(deps.db);
  };
  return {
    async acquire(key, given, options = {}) {
      const plan = {
        rate: given.rate * safety.rateFactor,
        burst: Math.max(1, given.burst - safety.burstHeldBack),
      };
      let waited = 0;
      for (;;) {
        const now = deps.clock.now();
        const row = await sql<{ tokens: number; rate: number }>`
          insert into rate_buckets as b (key, tokens, updated_ms, rate, burst)
          values (${key}, ${cap(plan.burst, plan.rate) - 1}, ${now}, ${plan.rate}, ${plan.burst})
          on conflict (key) do update set
            tokens = least(
              greatest(1, b.burst - floor(b.rate * ${jitterSeconds}::float8)),
              b.tokens + greatest(0, ${now}::float8 - b.updated_ms) / 1000.0 * b.rate
            ) - 1,
            updated_ms = greatest(b.updated_ms, ${now}::float8)
          returning tokens, rate`.execute(deps.db);
        const { tokens, rate } = row.rows[0]!;
        if (tokens >= 0) return waited;
        const waitMs = Math.ceil((-tokens / rate) * 1000);
        if (options.maxWaitMs !== undefined && waited + waitMs > options.maxWaitMs) {
          // Give the reservation back: the caller will not send this call now.
          await giveBack(key);
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
        waited += waitMs;
        // Woke well after its turn (the process stalled): the callers queued behind it are waking
        // too, and sending now would land them on Amazon together, beyond the burst. Give the
        // turn back and queue again: the bucket's cap then bounds how many go at once.
        const late = deps.clock.now() - (now + waitMs);
        if (jitterSeconds === 0 || late <= (jitterSeconds * 1000) / 2 || (late / 1000) * rate < 1)
          return waited;
        await giveBack(key);
      }
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
