import { createHash } from 'node:crypto';
import { DAY } from '../kernel/clock.js';
import { MARKETPLACES, PRODUCTS, type MarketplaceInfo } from './orders-catalog.js';
import { orderData, type OrderItemData } from './orders-data.js';
import { withinHistory } from './orders-query.js';
import { itemPriceMinor } from './reports-orders.js';
import { formatMinor, isoDate, SALES_AND_TRAFFIC, type ReportContent } from './reports-catalog.js';
import type { SimContext } from './context.js';
import type { SimReport } from './state.js';

/**
 * `GET_SALES_AND_TRAFFIC_REPORT` (JSON; https://developer-docs.amazon.com/sp-api/docs/report-type-values-analytics,
 * schema `sellerSalesAndTrafficReport.json` in Amazon's models repository). Sales come from the
 * simulated orders (createdTime in the range, not CANCELLED, whole UTC days); traffic is simulated:
 * deterministic per seller, marketplace and day, sized so about 5–15 % of sessions buy a unit, and
 * present on days without orders too. One marketplace only ("Specifying multiple marketplaces will
 * result in failure to generate the report": FATAL); a start more than two years back: CANCELLED.
 */

/** `reportOptions.dateGranularity` values (default DAY). */
export const DATE_GRANULARITIES = ['DAY', 'WEEK', 'MONTH'] as const;
/** `reportOptions.asinGranularity` values (default PARENT). */
export const ASIN_GRANULARITIES = ['PARENT', 'CHILD', 'SKU'] as const;
type DateGranularity = (typeof DATE_GRANULARITIES)[number];
type AsinGranularity = (typeof ASIN_GRANULARITIES)[number];

/** The report's start may be at most this far back (schema: "more than two years ago … cancelled"). */
const MAX_AGE_MS = 2 * 365 * DAY;

/** Sales of a day, a period or an ASIN, in minor units. */
interface Sales {
  salesMinor: number;
  units: number;
  items: number;
  shippedMinor: number;
  unitsShipped: number;
  ordersShipped: number;
}

/** Simulated traffic of a day or a period. */
interface Traffic {
  sessions: number;
  browserSessions: number;
  pageViews: number;
  browserPageViews: number;
  /** buyBoxPercentage × pageViews, for weighted averages. */
  buyBoxWeight: number;
}

const emptySales = (): Sales => ({
  salesMinor: 0,
  units: 0,
  items: 0,
  shippedMinor: 0,
  unitsShipped: 0,
  ordersShipped: 0,
});

const round2 = (x: number): number => Math.round(x * 100) / 100;
const percent = (part: number, whole: number): number => (whole > 0 ? round2((part * 100) / whole) : 0);

/** Uniform numbers in [0, 1) drawn from a hash of `seed` (the same seed, the same numbers). */
function hashFloats(seed: string): number[] {
  const digest = createHash('sha256').update(seed).digest();
  return Array.from({ length: 8 }, (_, i) => digest.readUInt16BE(i * 2) / 65536);
}

/** Simulated traffic of one day with `units` ordered. */
export function dailyTraffic(
  sellingPartnerId: string,
  marketplaceId: string,
  day: number,
  units: number,
): Traffic {
  const [u1 = 0, u2 = 0, u3 = 0, u4 = 0, u5 = 0] = hashFloats(
    `${sellingPartnerId}|${marketplaceId}|${isoDate(day)}`,
  );
  const unitSessionPercentage = 5 + 10 * u1;
  const sessions =
    units > 0 ? Math.max(1, Math.round((units * 100) / unitSessionPercentage)) : 20 + Math.floor(60 * u2);
  const pageViews = Math.round(sessions * (1.3 + 0.7 * u3));
  const mobileShare = 0.4 + 0.3 * u4;
  return {
    sessions,
    browserSessions: sessions - Math.round(sessions * mobileShare),
    pageViews,
    browserPageViews: pageViews - Math.round(pageViews * mobileShare),
    buyBoxWeight: (85 + 15 * u5) * pageViews,
  };
}

function addTraffic(a: Traffic, b: Traffic): Traffic {
  return {
    sessions: a.sessions + b.sessions,
    browserSessions: a.browserSessions + b.browserSessions,
    pageViews: a.pageViews + b.pageViews,
    browserPageViews: a.browserPageViews + b.browserPageViews,
    buyBoxWeight: a.buyBoxWeight + b.buyBoxWeight,
  };
}

/** Midnight UTC of the day holding `ms`. */
const dayOf = (ms: number): number => Math.floor(ms / DAY) * DAY;

/** The first day of the period (DAY, Sunday-started WEEK, calendar MONTH) holding `day`. */
export function periodStart(day: number, granularity: DateGranularity): number {
  if (granularity === 'DAY') return day;
  const d = new Date(day);
  if (granularity === 'WEEK') return day - d.getUTCDay() * DAY;
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** The first day after the period holding `day`. */
function nextPeriod(day: number, granularity: DateGranularity): number {
  if (granularity === 'DAY') return day + DAY;
  if (granularity === 'WEEK') return periodStart(day, 'WEEK') + 7 * DAY;
  const d = new Date(day);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** The key an item is aggregated under for `salesAndTrafficByAsin`. */
function asinKey(item: OrderItemData, granularity: AsinGranularity): string {
  return granularity === 'SKU' ? `${item.product.asin}\t${item.product.sellerSku}` : item.product.asin;
}

/** Adds one item to a sales aggregate. */
function addItem(sales: Sales, item: OrderItemData, m: MarketplaceInfo): void {
  const unit = itemPriceMinor(item, m) / Math.max(1, item.quantityOrdered);
  const shipped = item.fulfillment?.quantityFulfilled ?? 0;
  sales.salesMinor += itemPriceMinor(item, m);
  sales.units += item.quantityOrdered;
  sales.items += 1;
  sales.shippedMinor += Math.round(unit * shipped);
  sales.unitsShipped += shipped;
}

/** The range as reported: requested days widened to whole periods, [from, to). */
interface Window {
  from: number;
  to: number;
  dateGranularity: DateGranularity;
  asinGranularity: AsinGranularity;
}

function windowOf(report: SimReport): Window {
  const dateGranularity = (report.reportOptions?.dateGranularity ?? 'DAY') as DateGranularity;
  const asinGranularity = (report.reportOptions?.asinGranularity ?? 'PARENT') as AsinGranularity;
  const from = periodStart(dayOf(report.dataStartTime), dateGranularity);
  const to = nextPeriod(dayOf(report.dataEndTime), dateGranularity);
  return { from, to, dateGranularity, asinGranularity };
}

/** One pass over the orders: sales per day and per ASIN key within the window. */
function aggregate(
  ctx: SimContext,
  report: SimReport,
  window: Window,
  m: MarketplaceInfo,
): { byDay: Map<number, Sales>; byAsin: Map<string, Sales> } {
  const now = ctx.clock.now();
  const byDay = new Map<number, Sales>();
  const byAsin = new Map<string, Sales>();
  for (const order of ctx.state.orders.values()) {
    if (order.sellingPartnerId !== report.sellingPartnerId || order.region !== report.region) continue;
    if (order.marketplaceId !== m.id || order.createdAt < window.from || order.createdAt >= window.to)
      continue;
    const data = orderData(order);
    if (data.fulfillment?.fulfillmentStatus === 'CANCELLED' || !withinHistory(order, now)) continue;
    const day = dayOf(order.createdAt);
    const sales = byDay.get(day) ?? emptySales();
    byDay.set(day, sales);
    let anyShipped = false;
    for (const item of data.orderItems) {
      addItem(sales, item, m);
      const key = asinKey(item, window.asinGranularity);
      const perAsin = byAsin.get(key) ?? emptySales();
      byAsin.set(key, perAsin);
      addItem(perAsin, item, m);
      anyShipped ||= (item.fulfillment?.quantityFulfilled ?? 0) > 0;
    }
    if (anyShipped) sales.ordersShipped += 1;
  }
  return { byDay, byAsin };
}

function amount(minor: number, m: MarketplaceInfo): { amount: number; currencyCode: string } {
  return { amount: Number(formatMinor(Math.round(minor), m.decimals)), currencyCode: m.currency };
}

function salesByDate(s: Sales, m: MarketplaceInfo): Record<string, unknown> {
  return {
    orderedProductSales: amount(s.salesMinor, m),
    unitsOrdered: s.units,
    totalOrderItems: s.items,
    averageSalesPerOrderItem: amount(s.items > 0 ? s.salesMinor / s.items : 0, m),
    averageUnitsPerOrderItem: s.items > 0 ? round2(s.units / s.items) : 0,
    averageSellingPrice: amount(s.units > 0 ? s.salesMinor / s.units : 0, m),
    unitsRefunded: 0,
    refundRate: 0,
    claimsGranted: 0,
    claimsAmount: amount(0, m),
    shippedProductSales: amount(s.shippedMinor, m),
    unitsShipped: s.unitsShipped,
    ordersShipped: s.ordersShipped,
  };
}

function trafficByDate(t: Traffic, s: Sales): Record<string, unknown> {
  return {
    browserPageViews: t.browserPageViews,
    mobileAppPageViews: t.pageViews - t.browserPageViews,
    pageViews: t.pageViews,
    browserSessions: t.browserSessions,
    mobileAppSessions: t.sessions - t.browserSessions,
    sessions: t.sessions,
    buyBoxPercentage: t.pageViews > 0 ? round2(t.buyBoxWeight / t.pageViews) : 0,
    orderItemSessionPercentage: percent(s.items, t.sessions),
    unitSessionPercentage: percent(s.units, t.sessions),
    averageOfferCount: PRODUCTS.length,
    averageParentItems: PRODUCTS.length,
    feedbackReceived: 0,
    negativeFeedbackReceived: 0,
    receivedNegativeFeedbackRate: 0,
  };
}

/** `salesAndTrafficByDate` and the traffic of the whole window. */
function byDateRows(
  report: SimReport,
  window: Window,
  byDay: Map<number, Sales>,
  m: MarketplaceInfo,
): { rows: Record<string, unknown>[]; total: Traffic } {
  const rows: Record<string, unknown>[] = [];
  let total: Traffic = {
    sessions: 0,
    browserSessions: 0,
    pageViews: 0,
    browserPageViews: 0,
    buyBoxWeight: 0,
  };
  for (let start = window.from; start < window.to; start = nextPeriod(start, window.dateGranularity)) {
    const end = nextPeriod(start, window.dateGranularity);
    const sales = emptySales();
    let traffic: Traffic = {
      sessions: 0,
      browserSessions: 0,
      pageViews: 0,
      browserPageViews: 0,
      buyBoxWeight: 0,
    };
    for (let day = start; day < end; day += DAY) {
      const s = byDay.get(day) ?? emptySales();
      for (const k of Object.keys(sales) as (keyof Sales)[]) sales[k] += s[k];
      traffic = addTraffic(traffic, dailyTraffic(report.sellingPartnerId, m.id, day, s.units));
    }
    total = addTraffic(total, traffic);
    rows.push({
      date: isoDate(start),
      salesByDate: salesByDate(sales, m),
      trafficByDate: trafficByDate(traffic, sales),
    });
  }
  return { rows, total };
}

/** One `salesAndTrafficByAsin` entry: the ASIN's share of the window's traffic follows its units. */
function asinRow(
  report: SimReport,
  key: string,
  s: Sales,
  totals: { traffic: Traffic; units: number },
  window: Window,
  m: MarketplaceInfo,
): Record<string, unknown> {
  const [asin = '', sku] = key.split('\t');
  const t = totals.traffic;
  const share = totals.units > 0 ? s.units / totals.units : 0;
  const sessions = Math.min(t.sessions, Math.max(1, Math.round(t.sessions * share)));
  const browserSessions = Math.round(sessions * (t.sessions > 0 ? t.browserSessions / t.sessions : 0.5));
  const pageViews = Math.min(t.pageViews, Math.max(1, Math.round(t.pageViews * share)));
  const browserPageViews = Math.round(pageViews * (t.pageViews > 0 ? t.browserPageViews / t.pageViews : 0.5));
  const [u = 0] = hashFloats(`${report.sellingPartnerId}|${m.id}|${asin}`);
  return {
    parentAsin: asin,
    ...(window.asinGranularity === 'PARENT' ? {} : { childAsin: asin }),
    ...(window.asinGranularity === 'SKU' ? { sku } : {}),
    salesByAsin: {
      unitsOrdered: s.units,
      orderedProductSales: amount(s.salesMinor, m),
      totalOrderItems: s.items,
    },
    trafficByAsin: {
      browserSessions,
      mobileAppSessions: sessions - browserSessions,
      sessions,
      browserSessionPercentage: percent(browserSessions, t.browserSessions),
      mobileAppSessionPercentage: percent(sessions - browserSessions, t.sessions - t.browserSessions),
      sessionPercentage: percent(sessions, t.sessions),
      browserPageViews,
      mobileAppPageViews: pageViews - browserPageViews,
      pageViews,
      browserPageViewsPercentage: percent(browserPageViews, t.browserPageViews),
      mobileAppPageViewsPercentage: percent(pageViews - browserPageViews, t.pageViews - t.browserPageViews),
      pageViewsPercentage: percent(pageViews, t.pageViews),
      buyBoxPercentage: round2(85 + 15 * u),
      unitSessionPercentage: percent(s.units, sessions),
    },
  };
}

/** The report's JSON document, or why it failed or was cancelled. */
export function salesAndTrafficContent(ctx: SimContext, report: SimReport): ReportContent {
  if (report.marketplaceIds.length !== 1) {
    return {
      status: 'FATAL',
      text: JSON.stringify({
        errorDetails: `${SALES_AND_TRAFFIC} supports only one marketplaceId per report; this request named ${report.marketplaceIds.length}.`,
      }),
    };
  }
  if (dayOf(report.dataStartTime) < ctx.clock.now() - MAX_AGE_MS) return { status: 'CANCELLED' };
  const m = MARKETPLACES.get(report.marketplaceIds[0]!);
  if (!m) return { status: 'CANCELLED' };
  const window = windowOf(report);
  const { byDay, byAsin } = aggregate(ctx, report, window, m);
  const { rows, total } = byDateRows(report, window, byDay, m);
  const units = [...byAsin.values()].reduce((n, s) => n + s.units, 0);
  const asins = [...byAsin.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, s]) => asinRow(report, key, s, { traffic: total, units }, window, m));
  const document = {
    reportSpecification: {
      reportType: SALES_AND_TRAFFIC,
      reportOptions: { dateGranularity: window.dateGranularity, asinGranularity: window.asinGranularity },
      dataStartTime: isoDate(report.dataStartTime),
      dataEndTime: isoDate(report.dataEndTime),
      marketplaceIds: [...report.marketplaceIds],
    },
    salesAndTrafficByDate: rows,
    salesAndTrafficByAsin: asins,
  };
  return { status: 'DONE', text: JSON.stringify(document) };
}
