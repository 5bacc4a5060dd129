import { isDay } from './days.js';
import { AnalyticsError } from './errors.js';

/**
 * Reads Amazon's sales and traffic report document (`GET_SALES_AND_TRAFFIC_REPORT`, JSON): one row
 * per `salesAndTrafficByDate` entry. Only the fields Sellerlink stores are read; everything else
 * (B2B, refunds, buy box, the by-ASIN part) is ignored.
 * @see https://developer-docs.amazon.com/sp-api/docs/report-type-values-analytics#sales-and-traffic-business-report
 * @see https://github.com/amzn/selling-partner-api-models/blob/main/schemas/reports/sellerSalesAndTrafficReport.json
 */

/** One day of one marketplace, as Sellerlink stores it. */
export interface DailyFigures {
  /** `YYYY-MM-DD`. */
  day: string;
  /** orderedProductSales: the amount as decimal text (e.g. "123.45"). */
  salesAmount: string;
  currency: string | null;
  unitsOrdered: number;
  totalOrderItems: number;
  sessions: number;
  pageViews: number;
  /** unitSessionPercentage (units ordered per session, in percent), null when Amazon gives none. */
  unitSessionPercentage: number | null;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** A count: a finite non-negative number (rounded), else 0. */
function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : 0;
}

/** A decimal amount as text: Amazon sends a JSON number; anything else reads as 0. */
function amount(value: unknown): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(Math.round(value * 100) / 100);
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return value;
  return '0';
}

/** One `salesAndTrafficByDate` entry, or null when it has no readable date. */
function figuresOf(entry: unknown): DailyFigures | null {
  const e = record(entry);
  const day = typeof e.date === 'string' ? e.date.slice(0, 10) : '';
  if (!isDay(day)) return null;
  const sales = record(e.salesByDate);
  const traffic = record(e.trafficByDate);
  const money = record(sales.orderedProductSales);
  const percent = traffic.unitSessionPercentage;
  return {
    day,
    salesAmount: amount(money.amount),
    currency: typeof money.currencyCode === 'string' && money.currencyCode !== '' ? money.currencyCode : null,
    unitsOrdered: count(sales.unitsOrdered),
    totalOrderItems: count(sales.totalOrderItems),
    sessions: count(traffic.sessions),
    pageViews: count(traffic.pageViews),
    unitSessionPercentage: typeof percent === 'number' && Number.isFinite(percent) ? percent : null,
  };
}

/**
 * The days of a sales and traffic document, in order; throws ANALYTICS_BAD_REPORT when it is not
 * such a document (not JSON, or no `salesAndTrafficByDate` list).
 */
export function parseSalesAndTraffic(text: string): DailyFigures[] {
  let document: unknown;
  try {
    document = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    throw new AnalyticsError('ANALYTICS_BAD_REPORT', 'the sales and traffic report is not JSON');
  }
  const byDate = record(document).salesAndTrafficByDate;
  if (!Array.isArray(byDate))
    throw new AnalyticsError(
      'ANALYTICS_BAD_REPORT',
      'the sales and traffic report has no salesAndTrafficByDate list',
    );
  const days = new Map<string, DailyFigures>();
  for (const entry of byDate) {
    const figures = figuresOf(entry);
    if (figures) days.set(figures.day, figures);
  }
  return [...days.values()].sort((a, b) => a.day.localeCompare(b.day));
}
