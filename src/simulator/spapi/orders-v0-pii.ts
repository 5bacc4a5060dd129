import type { Context } from 'hono';
import type { SimEnv } from '../context.js';
import { spapiError } from '../http.js';
import { orderData } from '../orders-data.js';
import { v0BuyerInfo, v0ItemBuyerInfo, v0ShippingAddress } from '../orders-data-v0.js';
import { UNDECODABLE_NEXT_TOKEN, param } from '../orders-query.js';
import { UndecodableToken, decodeOpaqueToken } from '../page-tokens.js';
import type { SimOrder } from '../state.js';
import type { SpApiCall, SpApiOperation } from './operation.js';
import { findOwnOrder } from './orders.js';

/**
 * The three PII operations of the Orders API v0 (spapi-models/ordersV0.json): getOrderAddress,
 * getOrderBuyerInfo and getOrderItemsBuyerInfo. They answer only to a Restricted Data Token whose
 * resources cover the call, generic (`/orders/v0/orders/{orderId}/address`) or specific; the regular
 * LWA access token gets 403 (https://developer-docs.amazon.com/sp-api/docs/tokens-api-use-case-guide).
 * Whether the app may hold such an RDT (the restricted roles) is decided when the RDT is created.
 */

/**
 * getOrderItems and getOrderItemsBuyerInfo take a `NextToken`, but every simulated order fits on one
 * page of items, so none is ever issued: any token sent is refused, with Amazon's wording when it does
 * not even decode (e.g. sent without percent-encoding). Returns the 400 response, or null.
 */
export function refuseItemsNextToken(c: Context<SimEnv>): Response | null {
  const text = param(c, 'NextToken');
  if (text === undefined) return null;
  try {
    decodeOpaqueToken(text);
  } catch (err) {
    if (err instanceof UndecodableToken) return spapiError(c, 400, 'InvalidInput', UNDECODABLE_NEXT_TOKEN);
    throw err;
  }
  return spapiError(c, 400, 'InvalidInput', 'NextToken is invalid.');
}

/** Runs `answer` for the caller's own order, or answers 404 as getOrder does. */
function withOrder(
  c: Context<SimEnv>,
  call: SpApiCall,
  answer: (order: SimOrder) => Record<string, unknown>,
): Response {
  const orderId = c.req.param('orderId') ?? '';
  const order = findOwnOrder(call.ctx, call, orderId);
  if (!order) return spapiError(c, 404, 'NotFound', `Order ${orderId} was not found.`);
  return c.json({ payload: answer(order) }, 200);
}

/** getOrderAddress: the full shipping address once the order can ship (model: OrderAddress). */
function getOrderAddress(c: Context<SimEnv>, call: SpApiCall): Response {
  return withOrder(c, call, (order) => {
    const data = orderData(order);
    // Model, Address.Phone: the phone is suppressed for every Amazon-fulfilled order.
    const phone = data.fulfillment!.fulfilledBy === 'MERCHANT';
    const address = v0ShippingAddress(order, { full: true, partial: false, phone });
    const company = data.buyer?.buyerCompanyName;
    return {
      AmazonOrderId: order.orderId,
      ...(company ? { BuyerCompanyName: company } : {}),
      ...(address ? { ShippingAddress: address } : {}),
    };
  });
}

/** getOrderBuyerInfo: the buyer's e-mail, name and purchase order number (model: OrderBuyerInfo). */
function getOrderBuyerInfo(c: Context<SimEnv>, call: SpApiCall): Response {
  return withOrder(c, call, (order) => ({ AmazonOrderId: order.orderId, ...v0BuyerInfo(order) }));
}

/** getOrderItemsBuyerInfo: each item's gift message and wrap level (model: OrderItemBuyerInfo). */
function getOrderItemsBuyerInfo(c: Context<SimEnv>, call: SpApiCall): Response {
  const refused = refuseItemsNextToken(c);
  if (refused) return refused;
  return withOrder(c, call, (order) => ({
    AmazonOrderId: order.orderId,
    OrderItems: orderData(order).orderItems.map((item) => ({
      OrderItemId: item.orderItemId,
      ...v0ItemBuyerInfo(item),
    })),
  }));
}

const RDT_ONLY = { kind: 'seller', restricted: true, rdtOnly: true } as const;

/** getOrderAddress, getOrderBuyerInfo and getOrderItemsBuyerInfo: RDT only. */
export const ordersV0PiiOperations: SpApiOperation[] = [
  {
    operationId: 'getOrderAddress',
    method: 'GET',
    path: '/orders/v0/orders/:orderId/address',
    auth: RDT_ONLY,
    handle: getOrderAddress,
  },
  {
    operationId: 'getOrderBuyerInfo',
    method: 'GET',
    path: '/orders/v0/orders/:orderId/buyerInfo',
    auth: RDT_ONLY,
    handle: getOrderBuyerInfo,
  },
  {
    operationId: 'getOrderItemsBuyerInfo',
    method: 'GET',
    path: '/orders/v0/orders/:orderId/orderItems/buyerInfo',
    auth: RDT_ONLY,
    handle: getOrderItemsBuyerInfo,
  },
];
