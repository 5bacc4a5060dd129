import { createAnalytics, type Analytics } from '../../src/analytics/analytics.js';
import { createAnalyticsFetcher, type AnalyticsFetcher } from '../../src/analytics/fetch.js';
import type { AnalyticsSettings } from '../../src/analytics/sales-traffic-report.js';
import type { Viewer } from '../../src/connections/repository.js';
import { DAY } from '../../src/kernel/clock.js';
import { silentLogger } from '../../src/kernel/log.js';
import type { Store } from '../../src/store/database.js';
import type { AmazonWorld } from '../support/amazon-world.js';

export const US = 'ATVPDKIKX0DER';
export const SALES_AND_TRAFFIC = 'GET_SALES_AND_TRAFFIC_REPORT';

/** The analytics use cases over a world's simulator and a store: a new instance is a "restart". */
export function analyticsOf(
  store: Store,
  world: AmazonWorld,
  settings: Partial<AnalyticsSettings> = {},
): { fetcher: AnalyticsFetcher; analytics: Analytics } {
  const deps = { store, spApi: world.client, fetch: world.fetch, clock: world.clock, logger: silentLogger };
  const fetcher = createAnalyticsFetcher({ ...deps, settings });
  return { fetcher, analytics: createAnalytics({ ...deps, fetcher }) };
}

/** A signed-in owner of an account. */
export function ownerOf(accountId: string): Viewer {
  return { userId: '00000000-0000-0000-0000-000000000001', username: 'owner', role: 'owner', accountId };
}

/** Reports of a type the simulator holds for a seller (its own truth, not what Sellerlink stored). */
export function simReports(world: AmazonWorld, sellingPartnerId: string, reportType: string) {
  return [...world.sim.ctx.state.reports.values()].filter(
    (r) => r.sellingPartnerId === sellingPartnerId && r.reportType === reportType,
  );
}

/** Calls of an operation the simulator answered for a seller. */
export function simCalls(world: AmazonWorld, sellingPartnerId: string, operation: string): number {
  return world.sim.ctx.state.requestLog.filter(
    (e) => e.operation === operation && e.sellingPartnerId === sellingPartnerId,
  ).length;
}

interface WireOrder {
  fulfillment?: { fulfillmentStatus?: string };
  orderItems: { quantityOrdered: number; product: { price: { unitPrice: { amount: string } } } }[];
}

/**
 * Sales and units per UTC day from the simulator's own orders of a seller's marketplace (what the
 * sales and traffic report should say): orders not cancelled, by their creation day.
 */
export function salesFromOrders(
  world: AmazonWorld,
  sellingPartnerId: string,
  marketplaceId: string,
): Map<string, { units: number; cents: number; items: number }> {
  const days = new Map<string, { units: number; cents: number; items: number }>();
  for (const order of world.sim.ctx.state.orders.values()) {
    if (order.sellingPartnerId !== sellingPartnerId || order.marketplaceId !== marketplaceId) continue;
    const data = order.data as unknown as WireOrder;
    if (data.fulfillment?.fulfillmentStatus === 'CANCELLED') continue;
    const day = new Date(Math.floor(order.createdAt / DAY) * DAY).toISOString().slice(0, 10);
    const sum = days.get(day) ?? { units: 0, cents: 0, items: 0 };
    for (const item of data.orderItems) {
      sum.units += item.quantityOrdered;
      sum.items += 1;
      sum.cents += Math.round(Number(item.product.price.unitPrice.amount) * 100) * item.quantityOrdered;
    }
    days.set(day, sum);
  }
  return days;
}
