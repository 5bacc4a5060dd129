import { randomString, type Random } from '../kernel/random.js';
import { MARKETPLACES, type MarketplaceInfo } from './orders-catalog.js';
import type { SimOrder } from './state.js';

/**
 * Orders in the Orders API 2026-01-01 `Order` shape (spapi-models/orders_2026-01-01.json). The stored
 * object holds every includedData part; `projectOrder` trims it per request and orders-data-v0.ts
 * derives the v0 views from the same object, so both APIs always agree. orders-build.ts creates
 * orders and orders-lifecycle.ts moves them along.
 */

export type Money = { amount: string; currencyCode: string };
export type DateTimeRange = { earliestDateTime?: string; latestDateTime?: string };
export type FulfillmentStatus =
  | 'PENDING_AVAILABILITY'
  | 'PENDING'
  | 'UNSHIPPED'
  | 'PARTIALLY_SHIPPED'
  | 'SHIPPED'
  | 'CANCELLED'
  | 'UNFULFILLABLE';

export const FULFILLMENT_STATUSES: readonly FulfillmentStatus[] = [
  'PENDING_AVAILABILITY',
  'PENDING',
  'UNSHIPPED',
  'PARTIALLY_SHIPPED',
  'SHIPPED',
  'CANCELLED',
  'UNFULFILLABLE',
];

export type CustomerAddress = {
  name?: string;
  companyName?: string;
  addressLine1?: string;
  addressLine2?: string;
  city?: string;
  stateOrRegion?: string;
  postalCode?: string;
  countryCode?: string;
  phone?: string;
  addressType?: 'RESIDENTIAL' | 'COMMERCIAL' | 'PICKUP_POINT';
};
export type MerchantAddress = Omit<CustomerAddress, 'companyName' | 'phone' | 'addressType'>;
export type ProceedsBreakdown = {
  type: string;
  subtotal: Money;
  detailedBreakdowns?: { subtype: string; value: Money }[];
};

export type OrderItemData = {
  orderItemId: string;
  quantityOrdered: number;
  programs?: string[];
  product: {
    asin: string;
    title: string;
    sellerSku: string;
    condition: { conditionType: string; conditionSubtype: string; conditionNote?: string };
    price: { unitPrice: Money; priceDesignation?: string };
  };
  proceeds?: { proceedsTotal: Money; breakdowns: ProceedsBreakdown[] };
  expense?: { pointsCost: { pointsGranted: { pointsNumber: number; pointsMonetaryValue: Money } } };
  promotion?: { breakdowns: { promotionId: string }[] };
  cancellation?: {
    cancellationRequest?: { requester: string; cancelReason: string };
    cancellationExecution?: { cancelledBy: string; cancelReason: string };
  };
  fulfillment?: {
    quantityFulfilled: number;
    quantityUnfulfilled: number;
    packing?: { giftOption: { giftMessage?: string; giftWrapLevel?: string } };
  };
  tax?: { taxCollections: { model: string; responsibleParty: string }[] };
};

export type OrderPackageData = {
  packageReferenceId: string;
  createdTime: string;
  packageStatus: { status: 'PENDING' | 'IN_TRANSIT' | 'SHIPPED' | 'DELIVERED'; detailedStatus?: string };
  carrier: string;
  shipTime: string;
  shippingService: string;
  trackingNumber: string;
  shipFromAddress: MerchantAddress;
  packageItems: { orderItemId: string; quantity: number }[];
};

/** The 2026-01-01 `Order` as stored (all includedData parts present where they apply). */
export type OrderData = {
  orderId: string;
  orderAliases?: { aliasId: string; aliasType: 'SELLER_ORDER_ID' }[];
  createdTime: string;
  lastUpdatedTime: string;
  programs?: string[];
  salesChannel: { channelName: 'AMAZON' | 'NON_AMAZON'; marketplaceId: string; marketplaceName: string };
  buyer?: {
    buyerName?: string;
    buyerEmail?: string;
    buyerCompanyName?: string;
    buyerPurchaseOrderNumber?: string;
  };
  recipient?: { deliveryAddress: CustomerAddress };
  proceeds?: { grandTotal: Money; breakdowns: ProceedsBreakdown[] };
  payment?: { paymentExecutions: { paymentMethod: string; paymentAmount: Money }[] };
  tax?: {
    taxRegistrations?: {
      entityType: string;
      legalName?: string;
      taxRegistrationType: string;
      taxRegistrationNumber: string;
    }[];
  };
  fulfillment?: {
    fulfillmentStatus: FulfillmentStatus;
    fulfilledBy: 'AMAZON' | 'MERCHANT';
    fulfillmentServiceLevel: string;
    shipByWindow?: DateTimeRange;
    deliverByWindow?: DateTimeRange;
  };
  orderItems: OrderItemData[];
  packages?: OrderPackageData[];
};

/** includedData values of searchOrders/getOrder and the Order keys each one adds (https://developer-docs.amazon.com/sp-api/docs/orders-api-migration-guide). */
export const INCLUDED_DATA = [
  'BUYER',
  'RECIPIENT',
  'PROCEEDS',
  'EXPENSE',
  'PROMOTION',
  'CANCELLATION',
  'FULFILLMENT',
  'PACKAGES',
  'TAX',
  'PAYMENT',
  'FULFILLMENT_ORDERS',
] as const;
export type IncludedData = (typeof INCLUDED_DATA)[number];

const ORDER_PARTS: Partial<Record<IncludedData, string>> = {
  BUYER: 'buyer',
  RECIPIENT: 'recipient',
  PROCEEDS: 'proceeds',
  PAYMENT: 'payment',
  TAX: 'tax',
  FULFILLMENT: 'fulfillment',
  PACKAGES: 'packages',
  FULFILLMENT_ORDERS: 'fulfillmentOrders',
};
const ITEM_PARTS: Partial<Record<IncludedData, string>> = {
  PROCEEDS: 'proceeds',
  EXPENSE: 'expense',
  PROMOTION: 'promotion',
  CANCELLATION: 'cancellation',
  FULFILLMENT: 'fulfillment',
  TAX: 'tax',
};
const BASE_ORDER_KEYS = [
  'orderId',
  'orderAliases',
  'createdTime',
  'lastUpdatedTime',
  'programs',
  'associatedOrders',
  'salesChannel',
];
const BASE_ITEM_KEYS = [
  'orderItemId',
  'quantityOrdered',
  'measurement',
  'associatedOrderItems',
  'programs',
  'product',
];

/** The stored order object, typed. */
export function orderData(order: SimOrder): OrderData {
  return order.data as unknown as OrderData;
}

/**
 * The order as searchOrders/getOrder return it: basic fields and items always, each optional part only
 * when its includedData value was asked for (Amazon's "Get orders with filtering criteria" guide).
 */
export function projectOrder(order: SimOrder, included: ReadonlySet<string>): Record<string, unknown> {
  const data = order.data;
  const out: Record<string, unknown> = {};
  for (const key of BASE_ORDER_KEYS) if (data[key] !== undefined) out[key] = data[key];
  for (const [flag, key] of Object.entries(ORDER_PARTS)) {
    if (included.has(flag) && data[key] !== undefined) out[key] = data[key];
  }
  out.orderItems = orderData(order).orderItems.map((item) => {
    const source = item as unknown as Record<string, unknown>;
    const projected: Record<string, unknown> = {};
    for (const key of BASE_ITEM_KEYS) if (source[key] !== undefined) projected[key] = source[key];
    for (const [flag, key] of Object.entries(ITEM_PARTS)) {
      if (included.has(flag) && source[key] !== undefined) projected[key] = source[key];
    }
    return projected;
  });
  return out;
}

/** ISO 8601 in whole seconds, as Amazon writes order times (`2024-12-25T10:30:00Z`). */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Amazon's marketplace record for an id; throws for ids outside https://developer-docs.amazon.com/sp-api/docs/marketplace-ids. */
export function marketplaceInfo(marketplaceId: string): MarketplaceInfo {
  const info = MARKETPLACES.get(marketplaceId);
  if (!info) throw new Error(`unknown marketplace ${marketplaceId}`);
  return info;
}

/** Formats minor units as a Decimal string in the marketplace currency. */
export function money(minor: number, m: MarketplaceInfo): Money {
  const amount = m.decimals === 0 ? String(minor) : (minor / 10 ** m.decimals).toFixed(m.decimals);
  return { amount, currencyCode: m.currency };
}

/** Minor units of a Money (the inverse of `money`). */
export function minorUnits(value: Money, m: MarketplaceInfo): number {
  return Math.round(Number(value.amount) * 10 ** m.decimals);
}

// Small helpers over the injected randomness.
export const pick = <T>(r: Random, list: readonly T[]): T => list[Math.floor(r.float() * list.length)]!;
export const chance = (r: Random, p: number): boolean => r.float() < p;
export const between = (r: Random, min: number, max: number): number =>
  min + Math.floor(r.float() * (max - min + 1));

/** A string of `n` random decimal digits. */
export const digits = (r: Random, n: number): string => randomString(r, n, '0123456789');
