/**
 * Default usage plans (rate = requests per second, burst = bucket size) from the operation
 * descriptions in Amazon's models (https://developer-docs.amazon.com/sp-api/docs/usage-plans-and-rate-limits). test/amazon/usage-plans.test.ts checks this table
 * against spapi-models/. Live values may differ per seller: the client adopts the rate Amazon
 * reports in x-amzn-RateLimit-Limit (https://developer-docs.amazon.com/sp-api/docs/response-format).
 */
export interface UsagePlan {
  rate: number;
  burst: number;
}

export const USAGE_PLANS: Readonly<Record<string, UsagePlan>> = Object.freeze({
  getMarketplaceParticipations: { rate: 0.016, burst: 15 },
  getAccount: { rate: 0.016, burst: 15 },
  searchOrders: { rate: 0.0056, burst: 20 },
  getOrder: { rate: 0.5, burst: 30 },
  getOrders: { rate: 0.0167, burst: 20 },
  getOrderV0: { rate: 0.5, burst: 30 },
  getOrderItems: { rate: 0.5, burst: 30 },
  getListingsItem: { rate: 5, burst: 10 },
  putListingsItem: { rate: 5, burst: 10 },
  patchListingsItem: { rate: 5, burst: 5 },
  deleteListingsItem: { rate: 5, burst: 5 },
  searchListingsItems: { rate: 5, burst: 5 },
  createRestrictedDataToken: { rate: 1, burst: 10 },
  rotateApplicationClientSecret: { rate: 0.0167, burst: 1 },
  createReport: { rate: 0.0167, burst: 15 },
  getReport: { rate: 2, burst: 15 },
  getReports: { rate: 0.0222, burst: 10 },
  cancelReport: { rate: 0.0222, burst: 10 },
  getReportDocument: { rate: 0.0167, burst: 15 },
});

/** The most conservative plan, for calls to operations not in the table. */
export const UNKNOWN_OPERATION_PLAN: UsagePlan = { rate: 0.0056, burst: 1 };

const ROUTES: [RegExp, string, string][] = [
  [/^\/sellers\/v1\/marketplaceParticipations$/, 'GET', 'getMarketplaceParticipations'],
  [/^\/sellers\/v1\/account$/, 'GET', 'getAccount'],
  [/^\/orders\/2026-01-01\/orders$/, 'GET', 'searchOrders'],
  [/^\/orders\/2026-01-01\/orders\/[^/]+$/, 'GET', 'getOrder'],
  [/^\/orders\/v0\/orders$/, 'GET', 'getOrders'],
  [/^\/orders\/v0\/orders\/[^/]+$/, 'GET', 'getOrderV0'],
  [/^\/orders\/v0\/orders\/[^/]+\/orderItems$/, 'GET', 'getOrderItems'],
  [/^\/listings\/2021-08-01\/items\/[^/]+\/[^/]+$/, 'GET', 'getListingsItem'],
  [/^\/listings\/2021-08-01\/items\/[^/]+\/[^/]+$/, 'PUT', 'putListingsItem'],
  [/^\/listings\/2021-08-01\/items\/[^/]+\/[^/]+$/, 'PATCH', 'patchListingsItem'],
  [/^\/listings\/2021-08-01\/items\/[^/]+\/[^/]+$/, 'DELETE', 'deleteListingsItem'],
  [/^\/listings\/2021-08-01\/items\/[^/]+$/, 'GET', 'searchListingsItems'],
  [/^\/tokens\/2021-03-01\/restrictedDataToken$/, 'POST', 'createRestrictedDataToken'],
  [/^\/applications\/2023-11-30\/clientSecret$/, 'POST', 'rotateApplicationClientSecret'],
  [/^\/reports\/2021-06-30\/reports$/, 'POST', 'createReport'],
  [/^\/reports\/2021-06-30\/reports$/, 'GET', 'getReports'],
  [/^\/reports\/2021-06-30\/reports\/[^/]+$/, 'GET', 'getReport'],
  [/^\/reports\/2021-06-30\/reports\/[^/]+$/, 'DELETE', 'cancelReport'],
  [/^\/reports\/2021-06-30\/documents\/[^/]+$/, 'GET', 'getReportDocument'],
];

/** The operation a method + path calls, or a stable key for an unknown one (its own bucket). */
export function operationFor(method: string, path: string): string {
  for (const [pattern, m, id] of ROUTES) if (m === method && pattern.test(path)) return id;
  return `${method} ${path.split('/').slice(0, 4).join('/')}`;
}
