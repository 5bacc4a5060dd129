import type { Order } from '../amazon/generated/orders_2026-01-01.js';

/**
 * Orders from an order-tracking report (`GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL`):
 * one tab-separated row per order item, read by column name (Amazon's headers vary and grow;
 * unknown columns are ignored). The rows of one order become one Orders 2026-01-01 `Order` holding
 * what a report carries; what it does not (order item ids, buyer and recipient, payment, packages,
 * per-item proceeds breakdowns) is left out and listed in `REPORT_PENDING_FIELDS`, filled when the
 * incremental walk next reads the order (docs/orders.md).
 * @see https://developer-docs.amazon.com/sp-api/docs/order-tracking-reports-attributes
 */

/** The Order fields a report does not carry: shown as pending until searchOrders reads the order. */
export const REPORT_PENDING_FIELDS = Object.freeze([
  'orderItems[].orderItemId',
  'buyer',
  'recipient',
  'payment',
  'packages',
  'orderItems[].proceeds.breakdowns',
  'fulfillment.shipByWindow',
  'fulfillment.deliverByWindow',
  'prices of a pending seller-fulfilled order (Amazon hides them in the report)',
]);

/** Report `order-status` → Orders 2026-01-01 `fulfillmentStatus`. */
const STATUS: Readonly<Record<string, string>> = {
  pending: 'PENDING',
  pendingavailability: 'PENDING_AVAILABILITY',
  unshipped: 'UNSHIPPED',
  partiallyshipped: 'PARTIALLY_SHIPPED',
  shipping: 'PARTIALLY_SHIPPED',
  shipped: 'SHIPPED',
  cancelled: 'CANCELLED',
  canceled: 'CANCELLED',
  unfulfillable: 'UNFULFILLABLE',
};

/** Report `fulfillment-channel` → `fulfilledBy`. */
const FULFILLED_BY: Readonly<Record<string, string>> = { amazon: 'AMAZON', merchant: 'MERCHANT' };

/** The columns an order needs; a report without them cannot be merged. */
export const REQUIRED_COLUMNS = Object.freeze([
  'amazon-order-id',
  'purchase-date',
  'last-updated-date',
  'order-status',
]);

/** A row whose order cannot be read (the merge stops: better no data than wrong data). */
export class ReportRowError extends Error {}

/** Cents of a money cell ('' → 0); Amazon prints discounts negative. */
function cents(cell: string | undefined): number {
  const text = (cell ?? '').trim();
  if (text === '') return 0;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new ReportRowError(`unreadable amount '${text}'`);
  return Math.round(value * 100);
}

function money(amountCents: number, currency: string): { amount: string; currencyCode: string } {
  return { amount: (amountCents / 100).toFixed(2), currencyCode: currency };
}

/** An ISO time of a row ('2026-11-03T08:04:21+00:00') → `2026-11-03T08:04:21Z`. */
function time(row: Record<string, string>, column: string): string {
  const at = Date.parse(row[column] ?? '');
  if (Number.isNaN(at)) throw new ReportRowError(`order ${row['amazon-order-id']}: unreadable ${column}`);
  return new Date(at).toISOString().replace('.000Z', 'Z');
}

/** The money of one item row: its price, and everything that adds up to what the buyer paid. */
function itemAmounts(row: Record<string, string>): { price: number; total: number } {
  const price = cents(row['item-price']);
  const total =
    price +
    cents(row['item-tax']) +
    cents(row['shipping-price']) +
    cents(row['shipping-tax']) +
    cents(row['gift-wrap-price']) +
    cents(row['gift-wrap-tax']) +
    cents(row['item-promotion-discount']) +
    cents(row['ship-promotion-discount']);
  return { price, total };
}

/** One item of a report order. */
function reportItem(row: Record<string, string>, currency: string): Record<string, unknown> {
  const quantity = Number(row.quantity ?? '1');
  const { price, total } = itemAmounts(row);
  const priced = currency !== '' && (row['item-price'] ?? '').trim() !== '';
  return {
    quantityOrdered: Number.isInteger(quantity) && quantity >= 0 ? quantity : 1,
    product: {
      ...(row.asin ? { asin: row.asin } : {}),
      ...(row.sku ? { sellerSku: row.sku } : {}),
      ...(row['product-name'] ? { title: row['product-name'] } : {}),
      ...(priced ? { price: { unitPrice: money(price / Math.max(1, quantity), currency) } } : {}),
    },
    ...(priced ? { proceeds: { proceedsTotal: money(total, currency) } } : {}),
  };
}

/**
 * The rows of one order (all with the same `amazon-order-id`) → an `Order` with what the report
 * carries. The order's marketplace is the one the report was requested for.
 */
export function orderFromReportRows(rows: readonly Record<string, string>[], marketplaceId: string): Order {
  const first = rows[0];
  if (!first) throw new ReportRowError('an order without rows');
  const orderId = (first['amazon-order-id'] ?? '').trim();
  if (orderId === '') throw new ReportRowError('a row without amazon-order-id');
  const status = STATUS[(first['order-status'] ?? '').trim().toLowerCase().replace(/\s+/g, '')];
  if (!status) throw new ReportRowError(`order ${orderId}: unknown order-status '${first['order-status']}'`);
  const currency = rows.map((r) => (r.currency ?? '').trim()).find((c) => c !== '') ?? '';
  const items = rows.map((r) => reportItem(r, currency));
  const totals = rows.map((r) => itemAmounts(r).total);
  const priced = currency !== '' && rows.some((r) => (r['item-price'] ?? '').trim() !== '');
  const fulfilledBy = FULFILLED_BY[(first['fulfillment-channel'] ?? '').trim().toLowerCase()];
  const order: Record<string, unknown> = {
    orderId,
    createdTime: time(first, 'purchase-date'),
    // The newest row's time: an item row may lag behind (it is the order's time in Amazon's file).
    lastUpdatedTime: rows
      .map((r) => time(r, 'last-updated-date'))
      .sort()
      .at(-1),
    salesChannel: {
      channelName: (first['sales-channel'] ?? '').trim() || 'Amazon',
      marketplaceId,
    },
    fulfillment: {
      fulfillmentStatus: status,
      ...(fulfilledBy ? { fulfilledBy } : {}),
      ...(first['ship-service-level'] ? { fulfillmentServiceLevel: first['ship-service-level'] } : {}),
    },
    orderItems: items,
    ...(priced
      ? {
          proceeds: {
            grandTotal: money(
              totals.reduce((a, b) => a + b, 0),
              currency,
            ),
          },
        }
      : {}),
  };
  return order as unknown as Order;
}
