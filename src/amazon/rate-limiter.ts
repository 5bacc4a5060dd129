import type { Clock } from '../kernel/clock.js';
import { AmazonError } from './errors.js';

/**
 * A token bucket per key, kept in a RateBucketStore; the service's store is one database row per
 * key, shared by every process, so several workers together stay inside Amazon's plan. Each acquire atomically reserves a token (the balance may go
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
  /** Adopts the rate Amazon reported (x-amzn-RateLimit-Limit) for later refills of a plan with `burst`. */
  learnRate(key: string, rate: number, burst?: number): Promise<void>;
  /** Empties a bucket after a 429: Amazon's bucket is empty, ours should be too. */
  drain(key: string): Promise<void>;
  /** A bucket's balance (whole tokens are free calls; negative: calls are queued) and rate, or null before its first call. */
  peek(key: string): Promise<{ tokens: number; rate: number } | null>;
}

/**
 * Where the buckets live: a port, so the protocol layer holds no storage code. The service's
 * implementation is one row per key of the shared database's `rate_buckets` table, so every
 * process draws from the same buckets. Each method is one atomic step.
 */
export interface RateBucketStore {
  /**
   * Takes one token. A new bucket starts full (`full` tokens) at `rate` with `burst`. An existing
   * one is first refilled for the time since its last update at its own rate, up to its cap
   * `max(1, burst − floor(rate × capJitterSeconds))`; its update time never goes back. Returns the
   * balance after the take (negative: the caller waits for it) and the bucket's rate.
   */
  take(
    key: string,
    input: { now: number; full: number; rate: number; burst: number; capJitterSeconds: number },
  ): Promise<{ tokens: number; rate: number }>;
  /** Returns one token taken and not used. */
  giveBack(key: string): Promise<void>;
  /** Sets the refill rate of an existing bucket. */
  setRate(key: string, rate: number): Promise<void>;
  /** Takes every free token (the balance becomes at most 0) as of `now`. */
  empty(key: string, now: number): Promise<void>;
  /** The balance and rate of a bucket, as stored, or null when there is none. */
  read(key: string): Promise<{ tokens: number; rate: number } | null>;
}

/**
 * Safety cushion against Amazon's rounding of reported rates and against request latency jitter.
 *
 * `rateRounding`: Amazon reports rates rounded to four decimals, half up ("0.0167" for 1/60 s,
 * "0.0056" for 1/180 s, "0.0222" for 1/45 s), so the true rate may be up to half a unit of the
 * fourth decimal lower than reported; refills run that much under the plan (0.00005/s: 0.9 % at
 * 0.0056/s, 0.3 % at 0.0167/s, nothing measurable at 0.5/s and above). UNCONFIRMED: the rounding
 * rule is inferred from the values Amazon's models and headers show
 * (https://developer-docs.amazon.com/sp-api/docs/usage-plans-and-rate-limits).
 *
 * `burstHeldBack`: one token of the burst is held back. Amazon's bucket counts a call when it
 * arrives, ours when it is scheduled; with one token held back, arrivals may bunch up by one call's
 * worth of refill time (1 / rate) beyond the schedule without exceeding Amazon's bucket. A plan
 * with a burst of 1 has no token to hold back: its refills run `singleTokenRateFactor` of the rate
 * instead (1 % slower: 50 ms of slack between calls 5 s apart, 0.6 s at one a minute).
 *
 * `jitterMs`: when the delay between scheduling and arrival shrinks (a slow moment followed by a
 * fast one: event-loop stalls, a busy database), calls scheduled apart arrive together, up to
 * `rate × delay` more than the plan's burst. So as many more burst tokens as the rate refills in
 * `jitterMs` are held back (at least one token stays): none more at 0.5/s, 1 more at 5/s, 12 more
 * at 50/s (2 of a burst of 15 left). The steady rate is unchanged; only a bucket refilled by
 * idleness lets fewer calls go at once. A caller that wakes more than half of `jitterMs` after its
 * turn (and late by at least one token) gives the turn back and queues again, so a stalled process
 * does not send all its overdue calls at once.
 */
export const RATE_SAFETY = {
  burstHeldBack: 1,
  rateRounding: 0.00005,
  singleTokenRateFactor: 0.99,
  jitterMs: 250,
} as const;

/** A safety cushion (see RATE_SAFETY); `jitterMs` defaults to 0, `singleTokenRateFactor` to 1. */
export type RateSafety = {
  burstHeldBack: number;
  rateRounding: number;
  singleTokenRateFactor?: number;
  jitterMs?: number;
};

/**
 * The rate the limiter refills at for a reported (rounded) rate: the rounding taken off (never
 * below half), and for a plan whose burst leaves no token to hold back, `singleTokenRateFactor` of it.
 */
export function safeRate(
  reported: number,
  safety: Pick<RateSafety, 'rateRounding' | 'burstHeldBack' | 'singleTokenRateFactor'>,
  burst = Number.POSITIVE_INFINITY,
): number {
  const unrounded = Math.max(reported - safety.rateRounding, reported / 2);
  return burst - safety.burstHeldBack < 1 ? unrounded * (safety.singleTokenRateFactor ?? 1) : unrounded;
}

export interface RateLimiterDeps {
  buckets: RateBucketStore;
  clock: Clock;
  sleep?: (ms: number) => Promise<void>;
  safety?: RateSafety;
}

/** The plan as the limiter applies it: the safety cushion taken off (RATE_SAFETY). */
function cushioned(
  given: { rate: number; burst: number },
  safety: RateSafety,
): { rate: number; burst: number } {
  return {
    rate: safeRate(given.rate, safety, given.burst),
    burst: Math.max(1, given.burst - safety.burstHeldBack),
  };
}

/** The most tokens a bucket may hold at `rate`: the burst less the jitter cushion, at least 1. */
export function bucketCap(burst: number, rate: number, jitterSeconds: number): number {
  return Math.max(1, burst - Math.floor(rate * jitterSeconds));
}

function tooLong(waitMs: number): AmazonError {
  return new AmazonError(
    'SPAPI_WAIT_TOO_LONG',
    `the usage plan allows the next call in ${Math.ceil(waitMs / 1000)} s`,
    {
      retryable: true,
      retryAfterMs: waitMs,
    },
  );
}

/**
 * Reserves one call in the bucket `key` (see RateLimiter.acquire): takes a token, sleeps for it when
 * the balance went negative, and queues again when the process woke well after its turn.
 */
export async function acquireToken(
  deps: RateLimiterDeps,
  key: string,
  given: { rate: number; burst: number },
  options: { maxWaitMs?: number } = {},
): Promise<number> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const safety = deps.safety ?? RATE_SAFETY;
  const jitterSeconds = (safety.jitterMs ?? 0) / 1000;
  const plan = cushioned(given, safety);
  let waited = 0;
  for (;;) {
    const now = deps.clock.now();
    const { tokens, rate } = await deps.buckets.take(key, {
      now,
      full: bucketCap(plan.burst, plan.rate, jitterSeconds),
      rate: plan.rate,
      burst: plan.burst,
      capJitterSeconds: jitterSeconds,
    });
    if (tokens >= 0) return waited;
    const waitMs = Math.ceil((-tokens / rate) * 1000);
    if (options.maxWaitMs !== undefined && waited + waitMs > options.maxWaitMs) {
      // Give the reservation back: the caller will not send this call now.
      await deps.buckets.giveBack(key);
      throw tooLong(waitMs);
    }
    await sleep(waitMs);
    waited += waitMs;
    // Woke well after its turn (the process stalled): the callers queued behind it are waking
    // too, and sending now would land them on Amazon together, beyond the burst. Give the
    // turn back and queue again: the bucket's cap then bounds how many go at once.
    const late = deps.clock.now() - (now + waitMs);
    if (jitterSeconds === 0 || late <= (jitterSeconds * 1000) / 2 || (late / 1000) * rate < 1) return waited;
    await deps.buckets.giveBack(key);
  }
}

/** A token-bucket limiter over a bucket store (see RateLimiter, RateBucketStore). */
export function createRateLimiter(deps: RateLimiterDeps): RateLimiter {
  const safety = deps.safety ?? RATE_SAFETY;
  return {
    acquire: (key, given, options) => acquireToken(deps, key, given, options),
    async learnRate(key, reported, burst) {
      if (!(reported > 0) || !Number.isFinite(reported)) return;
      await deps.buckets.setRate(key, safeRate(reported, safety, burst));
    },
    drain: (key) => deps.buckets.empty(key, deps.clock.now()),
    peek: (key) => deps.buckets.read(key),
  };
}
