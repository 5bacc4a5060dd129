import { randomString, type Random } from '../kernel/random.js';
import { CARRIERS, DEFAULT_CARRIERS } from './orders-places.js';
import { addressIn } from './orders-build.js';
import {
  chance,
  digits,
  isoSeconds,
  marketplaceInfo,
  orderData,
  pick,
  type FulfillmentStatus,
  type MerchantAddress,
} from './orders-data.js';
import type { SimOrder } from './state.js';

/** How orders change after they are placed: shipping, cancelling, delivery, and each update's version bump. */

/** Where a package ships from: the seller's own warehouse in the marketplace's country. */
function shipFrom(r: Random, sellerName: string, countryCode: string): MerchantAddress {
  const a = addressIn(r, countryCode);
  return {
    name: `${sellerName} Warehouse`,
    addressLine1: a.line1,
    city: a.city,
    ...(a.state ? { stateOrRegion: a.state } : {}),
    postalCode: a.postal,
    countryCode,
  };
}

/** Records a shipment of `quantities` (by orderItemId) at `at`: item counts and, for MFN, a package. */
export function shipItems(
  r: Random,
  order: SimOrder,
  quantities: Map<string, number>,
  at: number,
  sellerName: string,
): void {
  const data = orderData(order);
  for (const item of data.orderItems) {
    const q = quantities.get(item.orderItemId) ?? 0;
    const f = item.fulfillment ?? { quantityFulfilled: 0, quantityUnfulfilled: item.quantityOrdered };
    f.quantityFulfilled += q;
    f.quantityUnfulfilled = item.quantityOrdered - f.quantityFulfilled;
    item.fulfillment = f;
  }
  // Packages are only reported for merchant-fulfilled orders (model: Order.packages).
  if (data.fulfillment?.fulfilledBy !== 'MERCHANT') return;
  const m = marketplaceInfo(order.marketplaceId);
  const carrier = pick(r, CARRIERS[m.countryCode] ?? DEFAULT_CARRIERS);
  const tracking = carrier.tracking.replace(/[9@]/g, (ch) =>
    ch === '9' ? digits(r, 1) : randomString(r, 1),
  );
  data.packages ??= [];
  data.packages.push({
    packageReferenceId: String(data.packages.length + 1),
    createdTime: isoSeconds(at),
    packageStatus: { status: 'IN_TRANSIT', detailedStatus: 'PICKED_UP' },
    carrier: carrier.carrier,
    shipTime: isoSeconds(at),
    shippingService: carrier.service,
    trackingNumber: tracking,
    shipFromAddress: shipFrom(r, sellerName, m.countryCode),
    packageItems: [...quantities]
      .filter(([, q]) => q > 0)
      .map(([orderItemId, quantity]) => ({ orderItemId, quantity })),
  });
}

/** Cancels every item (by the buyer, the seller or Amazon) and sets the status to CANCELLED. */
export function cancelOrder(r: Random, order: SimOrder): void {
  const data = orderData(order);
  const by = pick(r, ['BUYER', 'MERCHANT', 'AMAZON']);
  const reason =
    by === 'BUYER'
      ? 'Order placed by mistake'
      : by === 'MERCHANT'
        ? 'Out of stock'
        : 'Payment could not be verified';
  for (const item of data.orderItems) {
    item.cancellation = {
      ...(by === 'BUYER' ? { cancellationRequest: { requester: 'BUYER', cancelReason: reason } } : {}),
      cancellationExecution: { cancelledBy: by, cancelReason: reason },
    };
  }
  data.fulfillment!.fulfillmentStatus = 'CANCELLED';
}

/** Ships everything not yet shipped and marks the order SHIPPED. */
function shipRemaining(r: Random, order: SimOrder, at: number, sellerName: string): void {
  const data = orderData(order);
  const rest = new Map(
    data.orderItems.map((i) => [i.orderItemId, i.fulfillment?.quantityUnfulfilled ?? i.quantityOrdered]),
  );
  shipItems(r, order, rest, at, sellerName);
  data.fulfillment!.fulfillmentStatus = 'SHIPPED';
}

/** Ships part of a multi-unit order (the first item, or all but one unit of a single item). */
function shipPart(r: Random, order: SimOrder, at: number, sellerName: string): void {
  const data = orderData(order);
  const [first, ...others] = data.orderItems;
  if (!first) return;
  const quantity = others.length > 0 ? first.quantityOrdered : first.quantityOrdered - 1;
  shipItems(r, order, new Map([[first.orderItemId, quantity]]), at, sellerName);
  data.fulfillment!.fulfillmentStatus = 'PARTIALLY_SHIPPED';
}

/** Marks an order as changed at `at`: new lastUpdatedTime and a higher version. */
export function touchOrder(order: SimOrder, at: number): void {
  order.lastUpdatedAt = Math.floor(at / 1000) * 1000;
  order.version += 1;
  orderData(order).lastUpdatedTime = isoSeconds(at);
}

/**
 * Moves an order one step along its life at `at` and bumps its version: PENDING_AVAILABILITY → PENDING
 * → UNSHIPPED → (PARTIALLY_SHIPPED →) SHIPPED, sometimes CANCELLED before shipping; a shipped MFN
 * package goes on to DELIVERED. Finished orders only get a new lastUpdatedTime, as Amazon also touches
 * orders for refunds and other changes that are not status changes.
 */
export function advanceOrder(r: Random, order: SimOrder, at: number, sellerName: string): void {
  const data = orderData(order);
  const f = data.fulfillment!;
  const units = data.orderItems.reduce((n, i) => n + i.quantityOrdered, 0);
  switch (f.fulfillmentStatus) {
    case 'PENDING_AVAILABILITY':
      f.fulfillmentStatus = 'PENDING';
      break;
    case 'PENDING':
      if (chance(r, 0.08)) cancelOrder(r, order);
      else f.fulfillmentStatus = 'UNSHIPPED';
      break;
    case 'UNSHIPPED':
      if (chance(r, 0.04)) cancelOrder(r, order);
      else if (f.fulfilledBy === 'MERCHANT' && units > 1 && chance(r, 0.3))
        shipPart(r, order, at, sellerName);
      else shipRemaining(r, order, at, sellerName);
      break;
    case 'PARTIALLY_SHIPPED':
      shipRemaining(r, order, at, sellerName);
      break;
    case 'SHIPPED':
      for (const p of data.packages ?? []) {
        if (p.packageStatus.status !== 'DELIVERED')
          p.packageStatus = { status: 'DELIVERED', detailedStatus: 'DELIVERED' };
      }
      break;
    default:
      break;
  }
  touchOrder(order, at);
}

/** A likely status for an order of this age when it is generated (older orders have mostly shipped). */
export function initialStatus(r: Random, ageMs: number): FulfillmentStatus {
  const x = r.float();
  if (ageMs < 3600_000) return x < 0.5 ? 'PENDING' : x < 0.95 ? 'UNSHIPPED' : 'CANCELLED';
  if (ageMs < 24 * 3600_000)
    return x < 0.25 ? 'PENDING' : x < 0.8 ? 'UNSHIPPED' : x < 0.97 ? 'SHIPPED' : 'CANCELLED';
  return x < 0.05 ? 'UNSHIPPED' : x < 0.95 ? 'SHIPPED' : 'CANCELLED';
}

/** Puts a freshly built order into `status` without counting as an update (version stays 1). */
export function setInitialStatus(
  r: Random,
  order: SimOrder,
  status: FulfillmentStatus,
  sellerName: string,
): void {
  const data = orderData(order);
  const f = data.fulfillment!;
  if (f.fulfillmentStatus === 'PENDING_AVAILABILITY' && (status === 'PENDING' || status === 'UNSHIPPED'))
    return;
  const shippedAt = order.createdAt + Math.min((order.lastUpdatedAt - order.createdAt) / 2, 24 * 3600_000);
  if (status === 'UNSHIPPED' || status === 'PENDING') f.fulfillmentStatus = status;
  else if (status === 'CANCELLED') cancelOrder(r, order);
  else if (status === 'SHIPPED') {
    shipRemaining(r, order, shippedAt, sellerName);
    if (order.lastUpdatedAt - order.createdAt > 5 * 24 * 3600_000) {
      for (const p of data.packages ?? [])
        p.packageStatus = { status: 'DELIVERED', detailedStatus: 'DELIVERED' };
    }
  }
}
