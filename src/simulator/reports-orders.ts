import { MARKETPLACES, type MarketplaceInfo } from './orders-catalog.js';
import {
  minorUnits,
  orderData,
  type FulfillmentStatus,
  type OrderData,
  type OrderItemData,
} from './orders-data.js';
import { withinHistory } from './orders-query.js';
import { formatMinor, isoOffset, ORDERS_BY_ORDER_DATE } from './reports-catalog.js';
import type { SimContext } from './context.js';
import type { SimOrder, SimReport } from './state.js';

/**
 * The order tracking flat files `GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL` and
 * `…_BY_ORDER_DATE_GENERAL` (https://developer-docs.amazon.com/sp-api/docs/order-tracking-reports-attributes):
 * tab-separated, a header row, one row per order item, from the same orders searchOrders serves.
 * The documented columns come in the documented order, with three columns real files carry placed
 * among them (`number-of-items` after `order-channel`, `is-replacement-order` before
 * `price-designation`, `is-buyer-requested-cancellation` last), because real headers are wider
 * and vary: a client must read columns by header name.
 */

/** The documented columns of the BY_LAST_UPDATE report, in order. */
export const DOCUMENTED_COLUMNS: readonly string[] = [
  'amazon-order-id',
  'merchant-order-id',
  'purchase-date',
  'last-updated-date',
  'order-status',
  'fulfillment-channel',
  'sales-channel',
  'order-channel',
  'ship-service-level',
  'product-name',
  'sku',
  'asin',
  'item-status',
  'quantity',
  'currency',
  'item-price',
  'item-tax',
  'shipping-price',
  'shipping-tax',
  'gift-wrap-price',
  'gift-wrap-tax',
  'item-promotion-discount',
  'ship-promotion-discount',
  'ship-city',
  'ship-state',
  'ship-postal-code',
  'ship-country',
  'promotion-ids',
  'is-business-order',
  'purchase-order-number',
  'price-designation',
];

/** Columns real files carry beyond the documented ones, placed among them by the simulator. */
export const EXTRA_COLUMNS: readonly string[] = [
  'number-of-items',
  'is-replacement-order',
  'is-buyer-requested-cancellation',
];

/** The header of a report type: the documented columns (+ `cpf` BY_ORDER_DATE) and the extra ones. */
export function orderReportColumns(reportType: string): string[] {
  const columns: string[] = [];
  for (const name of DOCUMENTED_COLUMNS) {
    if (name === 'is-business-order' && reportType === ORDERS_BY_ORDER_DATE) columns.push('cpf');
    if (name === 'price-designation') columns.push('is-replacement-order');
    columns.push(name);
    if (name === 'order-channel') columns.push('number-of-items');
  }
  columns.push('is-buyer-requested-cancellation');
  return columns;
}

/** order-status from the 2026-01-01 fulfillmentStatus (fixed mapping, documented in docs/simulator.md). */
export const ORDER_STATUS_TEXT: Readonly<Record<FulfillmentStatus, string>> = {
  PENDING: 'Pending',
  UNSHIPPED: 'Unshipped',
  PARTIALLY_SHIPPED: 'Shipping',
  SHIPPED: 'Shipped',
  CANCELLED: 'Cancelled',
  UNFULFILLABLE: 'Unfulfillable',
  PENDING_AVAILABILITY: 'PendingAvailability',
};

const SERVICE_LEVEL_TEXT: Record<string, string> = {
  STANDARD: 'Standard',
  EXPEDITED: 'Expedited',
  FREE_ECONOMY: 'FreeEconomy',
  NEXT_DAY: 'NextDay',
  SECOND_DAY: 'SecondDay',
  SAME_DAY: 'SameDay',
  PRIORITY: 'Priority',
  SCHEDULED: 'Scheduled',
};

/** A cell: tabs and line breaks would break the row, so they become spaces. */
const cell = (value: string): string =>
  value.includes('\t') || value.includes('\n') || value.includes('\r')
    ? value.replace(/[\t\r\n]+/g, ' ')
    : value;

/** The minor units of an item breakdown (type ITEM, SHIPPING, DISCOUNT, or a TAX subtype). */
function breakdownMinor(item: OrderItemData, m: MarketplaceInfo, type: string, taxSubtype?: string): number {
  const b = item.proceeds?.breakdowns.find((x) => x.type === type);
  if (!b) return 0;
  if (taxSubtype === undefined) return minorUnits(b.subtotal, m);
  const detail = b.detailedBreakdowns?.find((d) => d.subtype === taxSubtype);
  return detail ? minorUnits(detail.value, m) : 0;
}

/** An item's total price in minor units: unit price × quantity ordered. */
export function itemPriceMinor(item: OrderItemData, m: MarketplaceInfo): number {
  return minorUnits(item.product.price.unitPrice, m) * item.quantityOrdered;
}

function itemStatus(item: OrderItemData, status: FulfillmentStatus): string {
  if (status === 'CANCELLED') return 'Cancelled';
  const shipped = item.fulfillment?.quantityFulfilled ?? 0;
  return shipped > 0 && shipped >= item.quantityOrdered ? 'Shipped' : 'Unshipped';
}

/** What a cell is computed from. */
interface RowSource {
  order: SimOrder;
  data: OrderData;
  m: MarketplaceInfo;
  item: OrderItemData;
  /** A pending seller-fulfilled order: Amazon does not show its prices. */
  hidden: boolean;
}
type CellOf = (s: RowSource) => string;

/** A money cell in the marketplace currency, empty when the order's prices are hidden. */
const money =
  (minor: (s: RowSource) => number): CellOf =>
  (s) =>
    s.hidden ? '' : formatMinor(minor(s), s.m.decimals);

/** The cells shared by every row of an order, by column. */
const ORDER_CELLS: Readonly<Record<string, CellOf>> = {
  'amazon-order-id': (s) => s.order.orderId,
  'merchant-order-id': (s) =>
    s.data.orderAliases?.find((a) => a.aliasType === 'SELLER_ORDER_ID')?.aliasId ?? '',
  'purchase-date': (s) => isoOffset(s.order.createdAt),
  'last-updated-date': (s) => isoOffset(s.order.lastUpdatedAt),
  'order-status': (s) => (s.data.fulfillment ? ORDER_STATUS_TEXT[s.data.fulfillment.fulfillmentStatus] : ''),
  'fulfillment-channel': (s) => (s.data.fulfillment?.fulfilledBy === 'AMAZON' ? 'Amazon' : 'Merchant'),
  'sales-channel': (s) => (s.data.salesChannel.channelName === 'NON_AMAZON' ? 'Non-Amazon' : s.m.name),
  'order-channel': () => '',
  'number-of-items': (s) => String(s.data.orderItems.reduce((n, i) => n + i.quantityOrdered, 0)),
  'ship-service-level': (s) =>
    SERVICE_LEVEL_TEXT[s.data.fulfillment?.fulfillmentServiceLevel ?? ''] ?? 'Standard',
  'ship-city': (s) => s.data.recipient?.deliveryAddress.city ?? '',
  'ship-state': (s) => s.data.recipient?.deliveryAddress.stateOrRegion ?? '',
  'ship-postal-code': (s) => s.data.recipient?.deliveryAddress.postalCode ?? '',
  'ship-country': (s) => s.data.recipient?.deliveryAddress.countryCode ?? '',
  cpf: () => '',
  'is-business-order': (s) => String((s.data.programs ?? []).includes('AMAZON_BUSINESS')),
  'purchase-order-number': (s) => s.data.buyer?.buyerPurchaseOrderNumber ?? '',
  'is-replacement-order': (s) => String((s.data.programs ?? []).includes('REPLACEMENT')),
};

/** The cells of one item's row, by column. */
const ITEM_CELLS: Readonly<Record<string, CellOf>> = {
  'product-name': (s) => s.item.product.title,
  sku: (s) => s.item.product.sellerSku,
  asin: (s) => s.item.product.asin,
  'item-status': (s) => itemStatus(s.item, s.data.fulfillment?.fulfillmentStatus ?? 'PENDING'),
  quantity: (s) => String(s.item.quantityOrdered),
  currency: (s) => s.item.product.price.unitPrice.currencyCode,
  'item-price': money((s) => itemPriceMinor(s.item, s.m)),
  'item-tax': money((s) => breakdownMinor(s.item, s.m, 'TAX', 'ITEM')),
  'shipping-price': money((s) => breakdownMinor(s.item, s.m, 'SHIPPING')),
  'shipping-tax': money((s) => breakdownMinor(s.item, s.m, 'TAX', 'SHIPPING')),
  'gift-wrap-price': () => '',
  'gift-wrap-tax': () => '',
  'item-promotion-discount': money((s) => breakdownMinor(s.item, s.m, 'DISCOUNT')),
  'ship-promotion-discount': money(() => 0),
  'promotion-ids': (s) => (s.item.promotion?.breakdowns ?? []).map((p) => p.promotionId).join(','),
  'price-designation': (s) =>
    s.item.product.price.priceDesignation === 'BUSINESS_PRICE' ? 'BusinessPrice' : '',
  'is-buyer-requested-cancellation': (s) =>
    String(s.item.cancellation?.cancellationRequest?.requester === 'BUYER'),
};

/** Column positions and cell functions of a header, split into order-level and item-level cells. */
interface RowPlan {
  width: number;
  order: [number, CellOf][];
  item: [number, CellOf][];
}

function rowPlan(columns: readonly string[]): RowPlan {
  const plan: RowPlan = { width: columns.length, order: [], item: [] };
  columns.forEach((name, i) => {
    if (ORDER_CELLS[name]) plan.order.push([i, ORDER_CELLS[name]]);
    else if (ITEM_CELLS[name]) plan.item.push([i, ITEM_CELLS[name]]);
  });
  return plan;
}

/** The lines (one per item) of one order: the order's cells computed once, then each item's. */
function orderLines(order: SimOrder, plan: RowPlan): string[] {
  const data = orderData(order);
  const m = MARKETPLACES.get(order.marketplaceId);
  const first = data.orderItems[0];
  if (!m || !first) return [];
  const f = data.fulfillment;
  const source: RowSource = {
    order,
    data,
    m,
    item: first,
    hidden: f?.fulfilledBy === 'MERCHANT' && f.fulfillmentStatus === 'PENDING',
  };
  const template = Array<string>(plan.width).fill('');
  for (const [i, of] of plan.order) template[i] = cell(of(source));
  return data.orderItems.map((item) => {
    source.item = item;
    const row = template.slice();
    for (const [i, of] of plan.item) row[i] = cell(of(source));
    return row.join('\t');
  });
}

/**
 * The orders of a report, as searchOrders would select them: the seller's, in the report's region
 * and marketplaces, within Amazon's history, with lastUpdatedTime (BY_LAST_UPDATE) or createdTime
 * (BY_ORDER_DATE) in [dataStartTime, dataEndTime], sorted by that time then order id. One pass.
 */
export function ordersOfReport(ctx: SimContext, report: SimReport, byOrderDate: boolean): SimOrder[] {
  const now = ctx.clock.now();
  const marketplaces = new Set(report.marketplaceIds);
  const timeOf = byOrderDate ? (o: SimOrder) => o.createdAt : (o: SimOrder) => o.lastUpdatedAt;
  const found: SimOrder[] = [];
  for (const order of ctx.state.orders.values()) {
    if (order.sellingPartnerId !== report.sellingPartnerId || order.region !== report.region) continue;
    if (!marketplaces.has(order.marketplaceId)) continue;
    const t = timeOf(order);
    if (t < report.dataStartTime || t > report.dataEndTime || !withinHistory(order, now)) continue;
    found.push(order);
  }
  return found.sort((a, b) => timeOf(a) - timeOf(b) || (a.orderId < b.orderId ? -1 : 1));
}

/** The flat file's text, or null when no order matches (the report is then CANCELLED). */
export function orderTrackingContent(ctx: SimContext, report: SimReport): string | null {
  const orders = ordersOfReport(ctx, report, report.reportType === ORDERS_BY_ORDER_DATE);
  if (orders.length === 0) return null;
  const columns = orderReportColumns(report.reportType);
  const plan = rowPlan(columns);
  const lines = [columns.join('\t')];
  for (const order of orders) lines.push(...orderLines(order, plan));
  return `${lines.join('\n')}\n`;
}
