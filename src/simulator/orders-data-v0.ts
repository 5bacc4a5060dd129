import {
  marketplaceInfo,
  minorUnits,
  money,
  orderData,
  type FulfillmentStatus,
  type Money,
  type OrderItemData,
} from './orders-data.js';
import type { SimOrder } from './state.js';

/**
 * Orders API v0 views (spapi-models/ordersV0.json) derived from the stored 2026-01-01 order, so that
 * v0 and 2026-01-01 always describe the same order (https://developer-docs.amazon.com/sp-api/docs/orders-api-migration-guide).
 */

type V0Money = { CurrencyCode: string; Amount: string };

/** v0 `OrderStatus` for each 2026-01-01 fulfillment status (v0's InvoiceUnconfirmed has no 2026 twin). */
export const V0_STATUS: Record<FulfillmentStatus, string> = {
  PENDING_AVAILABILITY: 'PendingAvailability',
  PENDING: 'Pending',
  UNSHIPPED: 'Unshipped',
  PARTIALLY_SHIPPED: 'PartiallyShipped',
  SHIPPED: 'Shipped',
  CANCELLED: 'Canceled',
  UNFULFILLABLE: 'Unfulfillable',
};

const SERVICE_LEVEL_CATEGORY: Record<string, string> = {
  EXPEDITED: 'Expedited',
  FREE_ECONOMY: 'FreeEconomy',
  NEXT_DAY: 'NextDay',
  PRIORITY: 'Priority',
  SAME_DAY: 'SameDay',
  SECOND_DAY: 'SecondDay',
  SCHEDULED: 'Scheduled',
  STANDARD: 'Standard',
};

const CONDITION_SUBTYPE: Record<string, string> = {
  VERY_GOOD: 'Very Good',
  REFURBISHED_WARRANTY: 'Refurbished Warranty',
  OPEN_BOX: 'Open Box',
};

/** `NEW` → `New`, `COLLECTIBLE` → `Collectible`. */
const titleCase = (s: string): string => s.charAt(0) + s.slice(1).toLowerCase();
const v0Money = (m: Money): V0Money => ({ CurrencyCode: m.currencyCode, Amount: m.amount });

/** Which PII parts a v0 caller may see: decided by the RDT's dataElements (https://developer-docs.amazon.com/sp-api/docs/tokens-api-use-case-guide). */
export interface V0Access {
  buyerInfo: boolean;
  shippingAddress: boolean;
  /** Without an RDT: keep the non-PII part of the address (city, region, postcode, country). */
  partialAddressWithoutRdt: boolean;
}

/** The v0 `PaymentMethod` (COD, CVS or Other) of an order. */
export function v0PaymentMethod(order: SimOrder): 'COD' | 'CVS' | 'Other' {
  const method = orderData(order).payment?.paymentExecutions[0]?.paymentMethod;
  return method === 'CashOnDelivery' ? 'COD' : method === 'ConvenienceStore' ? 'CVS' : 'Other';
}

/** The v0 `SellerOrderId`: the seller's alias when there is one, else the Amazon order id. */
export function v0SellerOrderId(order: SimOrder): string {
  return orderData(order).orderAliases?.[0]?.aliasId ?? order.orderId;
}

/** The v0 `Order` for a stored order; BuyerInfo and ShippingAddress follow `access` (https://developer-docs.amazon.com/sp-api/docs/tokens-api-use-case-guide). */
export function deriveV0Order(order: SimOrder, access: V0Access): Record<string, unknown> {
  const data = orderData(order);
  const f = data.fulfillment!;
  const programs = new Set(data.programs ?? []);
  const status = V0_STATUS[f.fulfillmentStatus];
  const mfn = f.fulfilledBy === 'MERCHANT';
  const m = marketplaceInfo(order.marketplaceId);
  const shipped = data.orderItems.reduce((n, i) => n + (i.fulfillment?.quantityFulfilled ?? 0), 0);
  const unshipped = data.orderItems.reduce((n, i) => n + (i.fulfillment?.quantityUnfulfilled ?? 0), 0);
  const category = SERVICE_LEVEL_CATEGORY[f.fulfillmentServiceLevel] ?? 'Standard';
  const method = v0PaymentMethod(order);
  const pending = f.fulfillmentStatus === 'PENDING' || f.fulfillmentStatus === 'PENDING_AVAILABILITY';
  const address = data.recipient?.deliveryAddress;
  const out: Record<string, unknown> = {
    AmazonOrderId: order.orderId,
    SellerOrderId: v0SellerOrderId(order),
    PurchaseDate: data.createdTime,
    LastUpdateDate: data.lastUpdatedTime,
    OrderStatus: status,
    FulfillmentChannel: mfn ? 'MFN' : 'AFN',
    SalesChannel: data.salesChannel.marketplaceName,
    ShipServiceLevel: `${category === 'Standard' ? 'Std' : category} ${m.countryCode} Dom`,
  };
  // Amazon leaves the total out until payment is authorised (https://developer-docs.amazon.com/sp-api/docs/orders-api-migration-guide: no pricing while Pending).
  if (!pending && data.proceeds) out.OrderTotal = v0Money(data.proceeds.grandTotal);
  out.NumberOfItemsShipped = shipped;
  out.NumberOfItemsUnshipped = unshipped;
  if (method === 'COD' && data.proceeds) {
    out.PaymentExecutionDetail = [{ Payment: v0Money(data.proceeds.grandTotal), PaymentMethod: 'COD' }];
  }
  out.PaymentMethod = method;
  out.PaymentMethodDetails = [method === 'Other' ? 'Standard' : method];
  out.MarketplaceId = order.marketplaceId;
  out.ShipmentServiceLevelCategory = category;
  out.OrderType = programs.has('PREORDER') ? 'Preorder' : 'StandardOrder';
  // Ship and delivery dates are documented as seller-fulfilled only; LatestDeliveryDate not while
  // PendingAvailability, Pending or Canceled (model: Order.LatestDeliveryDate).
  if (mfn) {
    if (f.shipByWindow?.earliestDateTime) out.EarliestShipDate = f.shipByWindow.earliestDateTime;
    if (f.shipByWindow?.latestDateTime) out.LatestShipDate = f.shipByWindow.latestDateTime;
    if (f.deliverByWindow?.earliestDateTime) out.EarliestDeliveryDate = f.deliverByWindow.earliestDateTime;
    if (f.deliverByWindow?.latestDateTime && !pending && f.fulfillmentStatus !== 'CANCELLED') {
      out.LatestDeliveryDate = f.deliverByWindow.latestDateTime;
    }
  }
  out.IsBusinessOrder = programs.has('AMAZON_BUSINESS');
  out.IsPrime = programs.has('PRIME');
  out.IsPremiumOrder = programs.has('PREMIUM');
  out.IsGlobalExpressEnabled = false;
  out.IsReplacementOrder = false;
  out.IsSoldByAB = false;
  out.IsIBA = false;
  out.IsISPU = programs.has('IN_STORE_PICK_UP');
  out.IsAccessPointOrder = address?.addressType === 'PICKUP_POINT';
  out.HasRegulatedItems = false;

  const shipping = v0ShippingAddress(order, {
    full: access.shippingAddress,
    partial: access.partialAddressWithoutRdt,
    phone: true,
  });
  if (shipping) out.ShippingAddress = shipping;
  if (access.buyerInfo && data.buyer) out.BuyerInfo = v0BuyerInfo(order);
  return out;
}

/** Statuses in which an order has a `ShippingAddress` (model: Order.ShippingAddress, OrderAddress.ShippingAddress). */
const ADDRESS_STATUSES = ['Unshipped', 'PartiallyShipped', 'Shipped', 'InvoiceUnconfirmed'];

/**
 * The v0 `Address` an order ships to, or undefined before it can ship. `full` gives the PII (name,
 * street, phone when `phone`), `partial` only city, region, postcode and country; neither gives none.
 */
export function v0ShippingAddress(
  order: SimOrder,
  show: { full: boolean; partial: boolean; phone: boolean },
): Record<string, unknown> | undefined {
  const data = orderData(order);
  const address = data.recipient?.deliveryAddress;
  if (!address || !ADDRESS_STATUSES.includes(V0_STATUS[data.fulfillment!.fulfillmentStatus]))
    return undefined;
  const base = {
    City: address.city,
    ...(address.stateOrRegion ? { StateOrRegion: address.stateOrRegion } : {}),
    PostalCode: address.postalCode,
    CountryCode: address.countryCode,
  };
  if (!show.full) return show.partial ? base : undefined;
  return {
    Name: address.name,
    ...(address.companyName ? { CompanyName: address.companyName } : {}),
    AddressLine1: address.addressLine1,
    ...(address.addressLine2 ? { AddressLine2: address.addressLine2 } : {}),
    ...base,
    ...(show.phone && address.phone ? { Phone: address.phone } : {}),
    ...(address.addressType === 'COMMERCIAL' ? { AddressType: 'Commercial' } : {}),
    ...(address.addressType === 'RESIDENTIAL' ? { AddressType: 'Residential' } : {}),
  };
}

/** The v0 buyer fields of an order (`BuyerInfo` of Order, and OrderBuyerInfo without its order id). */
export function v0BuyerInfo(order: SimOrder): Record<string, string> {
  const b = orderData(order).buyer ?? {};
  return {
    ...(b.buyerEmail ? { BuyerEmail: b.buyerEmail } : {}),
    ...(b.buyerName ? { BuyerName: b.buyerName } : {}),
    ...(b.buyerPurchaseOrderNumber ? { PurchaseOrderNumber: b.buyerPurchaseOrderNumber } : {}),
  };
}

/** The v0 buyer fields of an order item: its gift message and wrap level, when it is a gift. */
export function v0ItemBuyerInfo(item: OrderItemData): Record<string, string> | undefined {
  const gift = item.fulfillment?.packing?.giftOption;
  if (!gift) return undefined;
  return {
    ...(gift.giftMessage ? { GiftMessageText: gift.giftMessage } : {}),
    ...(gift.giftWrapLevel ? { GiftWrapLevel: gift.giftWrapLevel } : {}),
  };
}

/** Sum of an item's proceeds of one type (and, for TAX, one subtype), in minor units. */
function proceedsOf(item: OrderItemData, type: string, subtype: string | null, order: SimOrder): number {
  const m = marketplaceInfo(order.marketplaceId);
  let total = 0;
  for (const b of item.proceeds?.breakdowns ?? []) {
    if (b.type !== type) continue;
    if (subtype === null) total += minorUnits(b.subtotal, m);
    else
      for (const d of b.detailedBreakdowns ?? []) if (d.subtype === subtype) total += minorUnits(d.value, m);
  }
  return total;
}

/** The v0 `OrderItem`s of a stored order; gift and customisation details need the buyerInfo element. */
export function deriveV0OrderItems(
  order: SimOrder,
  access: { buyerInfo: boolean },
): Record<string, unknown>[] {
  const data = orderData(order);
  const m = marketplaceInfo(order.marketplaceId);
  const status = data.fulfillment!.fulfillmentStatus;
  const pending = status === 'PENDING' || status === 'PENDING_AVAILABILITY';
  const zero = money(0, m);
  return data.orderItems.map((item) => {
    const c = item.product.condition;
    const gift = item.fulfillment?.packing?.giftOption;
    const out: Record<string, unknown> = {
      ASIN: item.product.asin,
      SellerSKU: item.product.sellerSku,
      OrderItemId: item.orderItemId,
      Title: item.product.title,
      QuantityOrdered: item.quantityOrdered,
      QuantityShipped: item.fulfillment?.quantityFulfilled ?? 0,
      ProductInfo: { NumberOfItems: '1' },
    };
    const points = item.expense?.pointsCost.pointsGranted;
    if (points) {
      out.PointsGranted = {
        PointsNumber: points.pointsNumber,
        PointsMonetaryValue: v0Money(points.pointsMonetaryValue),
      };
    }
    // Pending orders carry no pricing, taxes or shipping in getOrderItems (https://developer-docs.amazon.com/sp-api/docs/orders-api-migration-guide).
    if (!pending) {
      const discount = -proceedsOf(item, 'DISCOUNT', null, order);
      out.ItemPrice = v0Money(money(proceedsOf(item, 'ITEM', null, order), m));
      out.ShippingPrice = v0Money(money(proceedsOf(item, 'SHIPPING', null, order), m));
      out.ItemTax = v0Money(money(proceedsOf(item, 'TAX', 'ITEM', order), m));
      out.ShippingTax = v0Money(money(proceedsOf(item, 'TAX', 'SHIPPING', order), m));
      out.ShippingDiscount = v0Money(zero);
      out.ShippingDiscountTax = v0Money(zero);
      out.PromotionDiscount = v0Money(money(discount, m));
      out.PromotionDiscountTax = v0Money(zero);
    }
    const promotions = item.promotion?.breakdowns.map((p) => p.promotionId) ?? [];
    if (promotions.length > 0) out.PromotionIds = promotions;
    out.IsGift = gift ? 'true' : 'false';
    if (c.conditionNote) out.ConditionNote = c.conditionNote;
    out.ConditionId = titleCase(c.conditionType);
    out.ConditionSubtypeId = CONDITION_SUBTYPE[c.conditionSubtype] ?? titleCase(c.conditionSubtype);
    if (item.product.price.priceDesignation === 'BUSINESS_PRICE') out.PriceDesignation = 'BusinessPrice';
    const collection = item.tax?.taxCollections[0];
    // The v0 enum only knows Amazon Services, Inc. as the responsible party (model: TaxCollection).
    if (collection?.responsibleParty === 'Amazon Services, Inc.') {
      out.TaxCollection = { Model: 'MarketplaceFacilitator', ResponsibleParty: 'Amazon Services, Inc.' };
    }
    out.IsTransparency = (item.programs ?? []).includes('TRANSPARENCY');
    const buyerInfo = access.buyerInfo ? v0ItemBuyerInfo(item) : undefined;
    if (buyerInfo) out.BuyerInfo = buyerInfo;
    const request = item.cancellation?.cancellationRequest;
    out.BuyerRequestedCancel = request
      ? { IsBuyerRequestedCancel: 'true', BuyerCancelReason: request.cancelReason }
      : { IsBuyerRequestedCancel: 'false' };
    return out;
  });
}
