import type { SimContext } from '../context.js';

/**
 * Default usage plans (rate = tokens added per second, burst = bucket size) of the operations the
 * simulator implements, copied from each operation's "Usage Plan" table in Amazon's models
 * (https://developer-docs.amazon.com/sp-api/docs/usage-plans-and-rate-limits). `test/simulator/pipeline-usage-plans.test.ts` checks this table against
 * `spapi-models/*.json`, so a model update that changes a plan fails the build.
 *
 * Keys are the simulator's operation ids. They equal Amazon's operationIds except `getOrderV0`
 * (Orders v0 `getOrder`), which would otherwise clash with Orders 2026-01-01 `getOrder`.
 */

export interface UsagePlan {
  /** Requests per second added to the bucket. */
  rate: number;
  /** Bucket size: how many requests may go out at once. */
  burst: number;
}

export const USAGE_PLANS: Readonly<Record<string, UsagePlan>> = Object.freeze({
  // sellers.json
  getMarketplaceParticipations: { rate: 0.016, burst: 15 },
  getAccount: { rate: 0.016, burst: 15 },
  // orders_2026-01-01.json
  searchOrders: { rate: 0.0056, burst: 20 },
  getOrder: { rate: 0.5, burst: 30 },
  // ordersV0.json
  getOrders: { rate: 0.0167, burst: 20 },
  getOrderV0: { rate: 0.5, burst: 30 },
  getOrderItems: { rate: 0.5, burst: 30 },
  getOrderAddress: { rate: 0.5, burst: 30 },
  getOrderBuyerInfo: { rate: 0.5, burst: 30 },
  getOrderItemsBuyerInfo: { rate: 0.5, burst: 30 },
  // listingsItems_2021-08-01.json
  getListingsItem: { rate: 5, burst: 10 },
  putListingsItem: { rate: 5, burst: 10 },
  patchListingsItem: { rate: 5, burst: 5 },
  deleteListingsItem: { rate: 5, burst: 5 },
  searchListingsItems: { rate: 5, burst: 5 },
  // tokens_2021-03-01.json
  createRestrictedDataToken: { rate: 1, burst: 10 },
  // application_2023-11-30.json
  rotateApplicationClientSecret: { rate: 0.0167, burst: 1 },
  // reports_2021-06-30.json
  getReports: { rate: 0.0222, burst: 10 },
  createReport: { rate: 0.0167, burst: 15 },
  getReport: { rate: 2, burst: 15 },
  cancelReport: { rate: 0.0222, burst: 10 },
  getReportSchedules: { rate: 0.0222, burst: 10 },
  createReportSchedule: { rate: 0.0222, burst: 10 },
  getReportSchedule: { rate: 0.0222, burst: 10 },
  cancelReportSchedule: { rate: 0.0222, burst: 10 },
  getReportDocument: { rate: 0.0167, burst: 15 },
});

/** The usage plan of an operation id, or undefined when the table has none. */
export function usagePlanFor(operationId: string): UsagePlan | undefined {
  return Object.hasOwn(USAGE_PLANS, operationId) ? USAGE_PLANS[operationId] : undefined;
}

/**
 * Formats a rate the way Amazon's `x-amzn-RateLimit-Limit` header shows it: Java `Double.toString`
 * style, so whole numbers keep one decimal ("5.0", "2.0") and fractions print as is ("0.0167",
 * observed "0.04512"). Rounded to 6 significant digits to hide float noise from the speed factor.
 */
export function formatRateLimit(rate: number): string {
  const rounded = Number(rate.toPrecision(6));
  return Number.isInteger(rounded) ? `${rounded}.0` : String(rounded);
}

/**
 * Key of the token bucket for one call: limits apply per operation and per selling-partner +
 * application pair (https://developer-docs.amazon.com/sp-api/docs/usage-plans-and-rate-limits); grantless calls have no seller, so the app stands in for it.
 */
export function bucketKey(owner: string, appId: string, operationId: string): string {
  return `${owner}|${appId}|${operationId}`;
}

/**
 * Takes one token from a bucket (https://developer-docs.amazon.com/sp-api/docs/usage-plans-and-rate-limits token bucket): it starts full at `burst`, refills at
 * `rate × speed` per real second up to `burst`. With `bucketsRefillOnClockJump` the refill counts
 * the longer of the real and the simulated time since the last call, so a clock jump of a day finds
 * the bucket as full as Amazon's would be; in real-time use both are the same. Returns false,
 * taking nothing, when it is empty.
 */
export function takeToken(ctx: SimContext, key: string, plan: UsagePlan): boolean {
  const now = ctx.realClock.now();
  const simNow = ctx.clock.now();
  const bucket = ctx.state.buckets.get(key);
  let tokens = plan.burst;
  if (bucket) {
    let elapsedMs = Math.max(0, now - bucket.updatedAtReal);
    if (ctx.config.bucketsRefillOnClockJump && bucket.updatedAtSim !== undefined) {
      elapsedMs = Math.max(elapsedMs, simNow - bucket.updatedAtSim);
    }
    tokens = Math.min(plan.burst, bucket.tokens + (elapsedMs / 1000) * plan.rate * ctx.config.speed);
  }
  // A hair of tolerance so float error in the refill never refuses a token that is due.
  const allowed = tokens >= 1 - 1e-9;
  ctx.state.buckets.set(key, {
    tokens: allowed ? Math.max(0, tokens - 1) : tokens,
    updatedAtReal: now,
    updatedAtSim: simNow,
  });
  return allowed;
}
