import type { Context } from 'hono';
import type { SimContext, SimEnv } from '../context.js';
import { spapiError } from '../http.js';
import { isoSeconds, orderData } from '../orders-data.js';
import {
  V0_STATUS,
  deriveV0Order,
  deriveV0OrderItems,
  v0PaymentMethod,
  v0SellerOrderId,
  type V0Access,
} from '../orders-data-v0.js';
import {
  InvalidInput,
  checkEnum,
  checkMarketplaces,
  decodePageToken,
  listParam,
  nextPageToken,
  pageSizeParam,
  param,
  parseDateParam,
  runQuery,
  sameQuery,
  windowBound,
  type OrderQuery,
} from '../orders-query.js';
import type { SimOrder } from '../state.js';
import { rdtCovers } from './access.js';
import type { SpApiCall, SpApiOperation } from './operation.js';
import { ordersV0PiiOperations, refuseItemsNextToken } from './orders-v0-pii.js';
import { findOwnOrder } from './orders.js';

/**
 * Orders API v0 (spapi-models/ordersV0.json, https://developer-docs.amazon.com/sp-api/docs/orders-api-migration-guide): getOrders, getOrder (`getOrderV0` here, as
 * the 2026-01-01 API owns `getOrder`) and getOrderItems, derived from the stored 2026-01-01 orders;
 * getOrderAddress, getOrderBuyerInfo and getOrderItemsBuyerInfo live in orders-v0-pii.ts.
 * BuyerInfo and ShippingAddress need an RDT whose resource covers the call and names the data
 * elements `buyerInfo` / `shippingAddress` (https://developer-docs.amazon.com/sp-api/docs/tokens-api-use-case-guide); without one the call still succeeds without them.
 */

const ORDER_STATUSES = Object.values(V0_STATUS).concat('InvoiceUnconfirmed');
const EASY_SHIP_STATUSES = [
  'PendingSchedule',
  'PendingPickUp',
  'PendingDropOff',
  'LabelCanceled',
  'PickedUp',
  'DroppedOff',
  'AtOriginFC',
  'AtDestinationFC',
  'Delivered',
  'RejectedByBuyer',
  'Undeliverable',
  'ReturningToSeller',
  'ReturnedToSeller',
  'Lost',
  'OutForDelivery',
  'Damaged',
];
const INVOICE_STATUSES = ['NotRequired', 'NotFound', 'Processing', 'Errored', 'Accepted'];
const ORDER_ID = /^\d{3}-\d{7}-\d{7}$/;
const DELIVERY_DATE_PARAMS = [
  'EarliestDeliveryDateBefore',
  'EarliestDeliveryDateAfter',
  'LatestDeliveryDateBefore',
  'LatestDeliveryDateAfter',
] as const;

/** Which PII the call may see: the data elements of the RDT resources covering it (https://developer-docs.amazon.com/sp-api/docs/tokens-api-use-case-guide). */
function accessOf(c: Context<SimEnv>, call: SpApiCall): V0Access {
  const elements = new Set<string>();
  if (call.token.kind === 'rdt') {
    for (const resource of call.token.restrictedResources ?? []) {
      if (!rdtCovers([resource], c.req.method, c.req.path)) continue;
      for (const element of resource.dataElements ?? []) elements.add(element);
    }
  }
  return {
    buyerInfo: elements.has('buyerInfo'),
    shippingAddress: elements.has('shippingAddress'),
    partialAddressWithoutRdt: call.ctx.config.ordersV0AddressWithoutRdt === 'non-pii',
  };
}

function sellerOf(call: SpApiCall): string {
  if (call.sellingPartnerId === undefined) throw new Error(`${call.operationId} reached without a seller`);
  return call.sellingPartnerId;
}

/** Reads and checks getOrders' criteria into a normalised query (what a NextToken is bound to). */
function parseGetOrders(c: Context<SimEnv>, ctx: SimContext, call: SpApiCall): OrderQuery {
  const createdAfter = param(c, 'CreatedAfter');
  const createdBefore = param(c, 'CreatedBefore');
  const lastUpdatedAfter = param(c, 'LastUpdatedAfter');
  const lastUpdatedBefore = param(c, 'LastUpdatedBefore');
  if (createdAfter !== undefined && lastUpdatedAfter !== undefined) {
    throw new InvalidInput('Provide either CreatedAfter or LastUpdatedAfter, not both.');
  }
  if (createdAfter === undefined && lastUpdatedAfter === undefined) {
    throw new InvalidInput('Either CreatedAfter or LastUpdatedAfter is required.');
  }
  if (createdAfter !== undefined && lastUpdatedBefore !== undefined) {
    throw new InvalidInput('LastUpdatedBefore cannot be set when CreatedAfter is set.');
  }
  if (lastUpdatedAfter !== undefined && createdBefore !== undefined) {
    throw new InvalidInput('CreatedBefore cannot be set when LastUpdatedAfter is set.');
  }
  const sellingPartnerId = sellerOf(call);
  const marketplaces = listParam(c, 'MarketplaceIds');
  if (!marketplaces) throw new InvalidInput('MarketplaceIds is required.');

  const filters: OrderQuery['filters'] = {};
  const list = (name: string, allowed?: readonly string[]) => {
    const values = listParam(c, name);
    if (values) filters[name] = allowed ? checkEnum(name, values, allowed) : [...new Set(values)].sort();
  };
  list('OrderStatuses', ORDER_STATUSES);
  list('FulfillmentChannels', ['AFN', 'MFN']);
  list('PaymentMethods', ['COD', 'CVS', 'Other']);
  list('EasyShipShipmentStatuses', EASY_SHIP_STATUSES);
  list('ElectronicInvoiceStatuses', INVOICE_STATUSES);
  list('AmazonOrderIds');
  const ids = filters.AmazonOrderIds as string[] | undefined;
  if (ids && ids.length > 50)
    throw new InvalidInput(`AmazonOrderIds accepts at most 50 ids (got ${ids.length}).`);
  const badId = ids?.find((id) => !ORDER_ID.test(id));
  if (badId) throw new InvalidInput(`AmazonOrderIds: '${badId}' is not an order id in 3-7-7 format.`);
  for (const name of [
    'BuyerEmail',
    'SellerOrderId',
    'ActualFulfillmentSupplySourceId',
    'StoreChainStoreId',
  ]) {
    const value = param(c, name);
    if (value !== undefined) filters[name] = value;
  }
  const ispu = param(c, 'IsISPU');
  if (ispu !== undefined) {
    if (ispu !== 'true' && ispu !== 'false')
      throw new InvalidInput(`IsISPU must be true or false (got '${ispu}').`);
    filters.IsISPU = ispu === 'true';
  }
  for (const name of DELIVERY_DATE_PARAMS) {
    const value = param(c, name);
    if (value !== undefined) filters[name] = String(parseDateParam(name, value));
  }
  if (filters.SellerOrderId !== undefined) {
    const clash = ['FulfillmentChannels', 'OrderStatuses', 'PaymentMethods', 'BuyerEmail'].find(
      (n) => n in filters,
    );
    if (clash || lastUpdatedAfter !== undefined) {
      throw new InvalidInput(
        `SellerOrderId cannot be combined with ${clash ?? 'LastUpdatedAfter'} (nor with FulfillmentChannels, OrderStatuses, PaymentMethods, LastUpdatedAfter, LastUpdatedBefore or BuyerEmail).`,
      );
    }
  }
  const created = createdAfter !== undefined;
  const beforeText = created ? createdBefore : lastUpdatedBefore;
  return {
    api: 'v0',
    sellingPartnerId,
    region: call.region,
    field: created ? 'created' : 'lastUpdated',
    after: parseDateParam(created ? 'CreatedAfter' : 'LastUpdatedAfter', (createdAfter ?? lastUpdatedAfter)!),
    before:
      beforeText === undefined
        ? null
        : parseDateParam(created ? 'CreatedBefore' : 'LastUpdatedBefore', beforeText),
    marketplaceIds: checkMarketplaces(ctx, 'MarketplaceIds', sellingPartnerId, marketplaces),
    filters,
  };
}

/** Whether an order passes getOrders' filters (https://developer-docs.amazon.com/sp-api/docs/orders-api-migration-guide). */
function matcher(query: OrderQuery): (order: SimOrder) => boolean {
  const f = query.filters;
  const has = (name: string, value: string) => (f[name] as string[] | undefined)?.includes(value) ?? true;
  return (order) => {
    const data = orderData(order);
    const fulfillment = data.fulfillment!;
    if (!has('OrderStatuses', V0_STATUS[fulfillment.fulfillmentStatus])) return false;
    if (!has('FulfillmentChannels', fulfillment.fulfilledBy === 'AMAZON' ? 'AFN' : 'MFN')) return false;
    if (!has('PaymentMethods', v0PaymentMethod(order))) return false;
    if (!has('AmazonOrderIds', order.orderId)) return false;
    // No simulated order is an Easy Ship, e-invoiced, store-chain or in-store pick-up order.
    if (f.EasyShipShipmentStatuses || f.ElectronicInvoiceStatuses || f.StoreChainStoreId) return false;
    if (f.ActualFulfillmentSupplySourceId || f.IsISPU === true) return false;
    if (
      f.BuyerEmail !== undefined &&
      data.buyer?.buyerEmail?.toLowerCase() !== String(f.BuyerEmail).toLowerCase()
    ) {
      return false;
    }
    if (f.SellerOrderId !== undefined && v0SellerOrderId(order) !== f.SellerOrderId) return false;
    const window = fulfillment.deliverByWindow;
    const within = (name: string, iso: string | undefined, side: 'before' | 'after') => {
      if (f[name] === undefined) return true;
      if (iso === undefined) return false;
      const t = Date.parse(iso);
      return side === 'before' ? t <= Number(f[name]) : t >= Number(f[name]);
    };
    return (
      within('EarliestDeliveryDateBefore', window?.earliestDateTime, 'before') &&
      within('EarliestDeliveryDateAfter', window?.earliestDateTime, 'after') &&
      within('LatestDeliveryDateBefore', window?.latestDateTime, 'before') &&
      within('LatestDeliveryDateAfter', window?.latestDateTime, 'after')
    );
  };
}

function getOrders(c: Context<SimEnv>, call: SpApiCall): Response {
  const { ctx } = call;
  try {
    const limit = pageSizeParam('MaxResultsPerPage', param(c, 'MaxResultsPerPage'));
    const tokenText = param(c, 'NextToken');
    let query: OrderQuery;
    let effectiveBefore: number;
    let cursor: [number, string] | null = null;
    if (tokenText === undefined) {
      query = parseGetOrders(c, ctx, call);
      effectiveBefore = windowBound(ctx, names(query), query.after, query.before);
    } else {
      const token = decodePageToken(ctx, 'NextToken', tokenText, sellerOf(call), call.region);
      if (token.query.api !== 'v0') throw new InvalidInput('NextToken is invalid.');
      // https://developer-docs.amazon.com/sp-api/docs/orders-api-migration-guide: a NextToken carries its query. Criteria sent along with it must be the same ones.
      if (param(c, 'CreatedAfter') !== undefined || param(c, 'LastUpdatedAfter') !== undefined) {
        if (!sameQuery(token.query, parseGetOrders(c, ctx, call))) {
          throw new InvalidInput(
            'NextToken belongs to a different query: send the same criteria as the first request, or only NextToken.',
          );
        }
      } else {
        const marketplaces = listParam(c, 'MarketplaceIds');
        if (marketplaces && [...new Set(marketplaces)].sort().join() !== token.query.marketplaceIds.join()) {
          throw new InvalidInput(
            'NextToken belongs to a different query: MarketplaceIds differ from the first request.',
          );
        }
      }
      query = token.query;
      effectiveBefore = token.effectiveBefore;
      cursor = token.cursor;
    }
    const page = runQuery(ctx, query, effectiveBefore, cursor, limit, matcher(query));
    const access = accessOf(c, call);
    const payload: Record<string, unknown> = { Orders: page.orders.map((o) => deriveV0Order(o, access)) };
    if (page.next) payload.NextToken = nextPageToken(ctx, query, effectiveBefore, page.next);
    payload[query.field === 'created' ? 'CreatedBefore' : 'LastUpdatedBefore'] = isoSeconds(effectiveBefore);
    return c.json({ payload }, 200);
  } catch (err) {
    if (err instanceof InvalidInput) return spapiError(c, 400, 'InvalidInput', err.message);
    throw err;
  }
}

function names(query: OrderQuery): { after: string; before: string } {
  return query.field === 'created'
    ? { after: 'CreatedAfter', before: 'CreatedBefore' }
    : { after: 'LastUpdatedAfter', before: 'LastUpdatedBefore' };
}

function getOrderV0(c: Context<SimEnv>, call: SpApiCall): Response {
  const orderId = c.req.param('orderId') ?? '';
  const order = findOwnOrder(call.ctx, call, orderId);
  if (!order) return spapiError(c, 404, 'NotFound', `Order ${orderId} was not found.`);
  return c.json({ payload: deriveV0Order(order, accessOf(c, call)) }, 200);
}

function getOrderItems(c: Context<SimEnv>, call: SpApiCall): Response {
  const orderId = c.req.param('orderId') ?? '';
  const order = findOwnOrder(call.ctx, call, orderId);
  if (!order) return spapiError(c, 404, 'NotFound', `Order ${orderId} was not found.`);
  // Every simulated order fits on one page of items, so no NextToken is ever issued.
  const refused = refuseItemsNextToken(c);
  if (refused) return refused;
  const items = deriveV0OrderItems(order, { buyerInfo: accessOf(c, call).buyerInfo });
  return c.json({ payload: { AmazonOrderId: order.orderId, OrderItems: items } }, 200);
}

/** getOrders, getOrder (as getOrderV0), getOrderItems and the PII operations of the Orders API v0. */
export const ordersV0Operations: SpApiOperation[] = [
  {
    operationId: 'getOrders',
    method: 'GET',
    path: '/orders/v0/orders',
    auth: { kind: 'seller', restricted: true },
    handle: getOrders,
  },
  {
    operationId: 'getOrderV0',
    method: 'GET',
    path: '/orders/v0/orders/:orderId',
    auth: { kind: 'seller', restricted: true },
    handle: getOrderV0,
  },
  {
    operationId: 'getOrderItems',
    method: 'GET',
    path: '/orders/v0/orders/:orderId/orderItems',
    auth: { kind: 'seller', restricted: true },
    handle: getOrderItems,
  },
  ...ordersV0PiiOperations,
];
