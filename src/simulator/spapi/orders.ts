import type { Context } from 'hono';
import type { SimContext, SimEnv } from '../context.js';
import { spapiError } from '../http.js';
import { FULFILLMENT_STATUSES, INCLUDED_DATA, isoSeconds, orderData, projectOrder } from '../orders-data.js';
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
  withinHistory,
  type OrderQuery,
} from '../orders-query.js';
import type { SimOrder } from '../state.js';
import type { SpApiCall, SpApiOperation } from './operation.js';

/**
 * Orders API 2026-01-01 (spapi-models/orders_2026-01-01.json): searchOrders and getOrder. Only the
 * calling seller's orders in the endpoint's region exist for the caller. Pagination semantics are
 * described in orders-query.ts.
 */

/** A seller call's seller id; the pipeline only lets seller tokens reach these operations. */
function sellerOf(call: SpApiCall): string {
  if (call.sellingPartnerId === undefined) throw new Error(`${call.operationId} reached without a seller`);
  return call.sellingPartnerId;
}

/** The includedData set of a request (https://developer-docs.amazon.com/sp-api/docs/orders-api-migration-guide; values from the model's enum). */
function includedDataParam(c: Context<SimEnv>): Set<string> {
  return new Set(checkEnum('includedData', listParam(c, 'includedData') ?? [], INCLUDED_DATA));
}

/** Reads and checks the search parameters into a normalised query (everything a token is bound to). */
function parseSearch(c: Context<SimEnv>, ctx: SimContext, call: SpApiCall): OrderQuery {
  const createdAfter = param(c, 'createdAfter');
  const createdBefore = param(c, 'createdBefore');
  const lastUpdatedAfter = param(c, 'lastUpdatedAfter');
  const lastUpdatedBefore = param(c, 'lastUpdatedBefore');
  if (createdAfter !== undefined && lastUpdatedAfter !== undefined) {
    throw new InvalidInput('Provide exactly one of createdAfter and lastUpdatedAfter, not both.');
  }
  if (createdAfter === undefined && lastUpdatedAfter === undefined) {
    throw new InvalidInput('Either createdAfter or lastUpdatedAfter is required.');
  }
  if (createdAfter !== undefined && lastUpdatedBefore !== undefined) {
    throw new InvalidInput('lastUpdatedBefore cannot be combined with createdAfter; use createdBefore.');
  }
  if (lastUpdatedAfter !== undefined && createdBefore !== undefined) {
    throw new InvalidInput('createdBefore cannot be combined with lastUpdatedAfter; use lastUpdatedBefore.');
  }
  const created = createdAfter !== undefined;
  const afterName = created ? 'createdAfter' : 'lastUpdatedAfter';
  const beforeName = created ? 'createdBefore' : 'lastUpdatedBefore';
  const beforeText = created ? createdBefore : lastUpdatedBefore;

  const sellingPartnerId = sellerOf(call);
  const requested = listParam(c, 'marketplaceIds');
  if (requested === undefined && ctx.config.searchOrdersRequireMarketplaceIds) {
    throw new InvalidInput('marketplaceIds is required.');
  }
  const marketplaceIds =
    requested === undefined
      ? [...(ctx.state.sellers.get(sellingPartnerId)?.marketplaceIds ?? [])].sort()
      : checkMarketplaces(ctx, 'marketplaceIds', sellingPartnerId, requested);

  const filters: OrderQuery['filters'] = {};
  const statuses = listParam(c, 'fulfillmentStatuses');
  if (statuses)
    filters.fulfillmentStatuses = checkEnum('fulfillmentStatuses', statuses, FULFILLMENT_STATUSES);
  const fulfilledBy = listParam(c, 'fulfilledBy');
  if (fulfilledBy) filters.fulfilledBy = checkEnum('fulfilledBy', fulfilledBy, ['MERCHANT', 'AMAZON']);

  return {
    api: '2026-01-01',
    sellingPartnerId,
    region: call.region,
    field: created ? 'created' : 'lastUpdated',
    after: parseDateParam(afterName, (created ? createdAfter : lastUpdatedAfter)!),
    before: beforeText === undefined ? null : parseDateParam(beforeName, beforeText),
    marketplaceIds,
    filters,
  };
}

/** Whether an order passes the query's fulfillmentStatuses and fulfilledBy filters. */
function matcher(query: OrderQuery): (order: SimOrder) => boolean {
  const statuses = query.filters.fulfillmentStatuses as string[] | undefined;
  const by = query.filters.fulfilledBy as string[] | undefined;
  return (order) => {
    const f = orderData(order).fulfillment;
    if (statuses && !statuses.includes(f?.fulfillmentStatus ?? '')) return false;
    if (by && !by.includes(f?.fulfilledBy ?? '')) return false;
    return true;
  };
}

function searchOrders(c: Context<SimEnv>, call: SpApiCall): Response {
  const { ctx } = call;
  try {
    const included = includedDataParam(c);
    const limit = pageSizeParam('maxResultsPerPage', param(c, 'maxResultsPerPage'));
    const query = parseSearch(c, ctx, call);
    const names =
      query.field === 'created'
        ? { after: 'createdAfter', before: 'createdBefore' }
        : { after: 'lastUpdatedAfter', before: 'lastUpdatedBefore' };
    let effectiveBefore = windowBound(ctx, names, query.after, query.before);
    let cursor: [number, string] | null = null;
    const tokenText = param(c, 'paginationToken');
    if (tokenText !== undefined) {
      const token = decodePageToken(ctx, 'paginationToken', tokenText, query.sellingPartnerId, query.region);
      if (!sameQuery(token.query, query)) {
        throw new InvalidInput(
          'paginationToken belongs to a different query: send the same parameters as the request that returned it (only maxResultsPerPage and includedData may change).',
        );
      }
      effectiveBefore = token.effectiveBefore;
      cursor = token.cursor;
    }
    const page = runQuery(ctx, query, effectiveBefore, cursor, limit, matcher(query));
    const body: Record<string, unknown> = { orders: page.orders.map((o) => projectOrder(o, included)) };
    if (page.next) body.pagination = { nextToken: nextPageToken(ctx, query, effectiveBefore, page.next) };
    body[query.field === 'created' ? 'createdBefore' : 'lastUpdatedBefore'] = isoSeconds(effectiveBefore);
    return c.json(body, 200);
  } catch (err) {
    if (err instanceof InvalidInput) return spapiError(c, 400, 'InvalidInput', err.message);
    throw err;
  }
}

/** The caller's own order with this id, if it exists in this region and within Amazon's history. */
export function findOwnOrder(ctx: SimContext, call: SpApiCall, orderId: string): SimOrder | undefined {
  const order = ctx.state.orders.get(orderId);
  if (!order || order.sellingPartnerId !== sellerOf(call) || order.region !== call.region) return undefined;
  return withinHistory(order, ctx.clock.now()) ? order : undefined;
}

function getOrder(c: Context<SimEnv>, call: SpApiCall): Response {
  try {
    const included = includedDataParam(c);
    const orderId = c.req.param('orderId') ?? '';
    const order = findOwnOrder(call.ctx, call, orderId);
    if (!order) return spapiError(c, 404, 'NotFound', `Order ${orderId} was not found.`);
    return c.json({ order: projectOrder(order, included) }, 200);
  } catch (err) {
    if (err instanceof InvalidInput) return spapiError(c, 400, 'InvalidInput', err.message);
    throw err;
  }
}

/** searchOrders and getOrder of the Orders API 2026-01-01. */
export const ordersOperations: SpApiOperation[] = [
  {
    operationId: 'searchOrders',
    method: 'GET',
    path: '/orders/2026-01-01/orders',
    auth: { kind: 'seller' },
    handle: searchOrders,
  },
  {
    operationId: 'getOrder',
    method: 'GET',
    path: '/orders/2026-01-01/orders/:orderId',
    auth: { kind: 'seller' },
    handle: getOrder,
  },
];
