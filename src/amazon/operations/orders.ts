import type { SpApiRequest } from '../client-types.js';
import type { Order, SearchOrdersResponse } from '../generated/orders_2026-01-01.js';
import { badResponse, isRecord, nonEmptyString, settleAnswer, type SpApiAnswer } from './answer.js';

/** One page request of searchOrders by last update. */
export interface SearchOrdersParams {
  /** At least one: Amazon refuses a search without marketplaces. */
  marketplaceIds: readonly string[];
  lastUpdatedAfter: Date;
  /** Amazon requires it at least 2 minutes before now. */
  lastUpdatedBefore: Date;
  /** 1–100. */
  maxResultsPerPage?: number;
  /** Extra order data (e.g. FULFILLMENT, PROCEEDS); sent only when not empty. */
  includedData?: readonly string[];
  /** The previous page's `pagination.nextToken` (valid 24 hours); the other parameters must repeat. */
  paginationToken?: string;
}

/**
 * searchOrders (Orders API 2026-01-01) by last update time. List parameters go comma-separated.
 * @see https://developer-docs.amazon.com/sp-api/docs/orders-api-v2026-01-01-reference
 */
export function searchOrdersRequest(params: SearchOrdersParams): SpApiRequest {
  const { includedData, paginationToken, maxResultsPerPage } = params;
  return {
    operationId: 'searchOrders',
    method: 'GET',
    path: '/orders/2026-01-01/orders',
    query: {
      marketplaceIds: params.marketplaceIds,
      lastUpdatedAfter: params.lastUpdatedAfter.toISOString(),
      lastUpdatedBefore: params.lastUpdatedBefore.toISOString(),
      ...(maxResultsPerPage === undefined ? {} : { maxResultsPerPage }),
      ...(includedData && includedData.length > 0 ? { includedData } : {}),
      ...(paginationToken ? { paginationToken } : {}),
    },
  };
}

/** One page of searchOrders. */
export interface SearchOrdersPage {
  /** Oldest update first. Each order is checked where it is stored (orders/order-rows.ts). */
  orders: Order[];
  /** The next page's token, or null on the last page. */
  nextToken: string | null;
  /** The `lastUpdatedBefore` bound Amazon applied, when it echoed a valid one. */
  lastUpdatedBefore: Date | null;
}

/**
 * searchOrders' answer → one page: its orders, the next page's token and the bound Amazon applied.
 * A body without an `orders` array is SPAPI_BAD_RESPONSE.
 * @see https://developer-docs.amazon.com/sp-api/docs/orders-api-v2026-01-01-reference
 */
export async function processSearchOrders(answer: SpApiAnswer): Promise<SearchOrdersPage> {
  const { body } = await settleAnswer(answer);
  const wire: Partial<Record<keyof SearchOrdersResponse, unknown>> = isRecord(body) ? body : {};
  if (!Array.isArray(wire.orders)) throw badResponse('searchOrders', 'without an orders array');
  const pagination = isRecord(wire.pagination) ? wire.pagination : {};
  const echoed = typeof wire.lastUpdatedBefore === 'string' ? Date.parse(wire.lastUpdatedBefore) : NaN;
  return {
    orders: wire.orders as Order[],
    nextToken: nonEmptyString(pagination.nextToken),
    lastUpdatedBefore: Number.isNaN(echoed) ? null : new Date(echoed),
  };
}
