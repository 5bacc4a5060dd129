import { REPORT_PENDING_FIELDS } from './report-orders.js';
import type { Kysely, Selectable } from 'kysely';
import type { Viewer } from '../connections/repository.js';
import { isStorableDate, isUuid, textProblem } from '../kernel/input.js';
import type { Database, OrdersTable } from '../store/schema.js';
import { OrdersError } from './errors.js';

/** Filters for listing orders (portal and REST API). */
export interface OrderFilter {
  connectionId?: string;
  marketplaceId?: string;
  status?: string;
  /** createdTime ≥ this. */
  createdFrom?: Date;
  /** createdTime < this. */
  createdTo?: Date;
}

/** An imported order as the portal and API show it. */
export interface OrderSummary {
  orderId: string;
  connectionId: string;
  marketplaceId: string;
  status: string;
  createdTime: Date;
  lastUpdatedTime: Date;
  itemCount: number;
  total: { amount: string; currencyCode: string } | null;
  importedAt: Date;
}

export interface OrderDetail extends OrderSummary {
  /** The order as Amazon last returned it (Orders 2026-01-01 `Order`). */
  order: Record<string, unknown>;
  /**
   * Where the stored version came from: `api` (searchOrders: the whole order) or `report` (an
   * order-tracking report: the fields in `pendingFields` are missing until searchOrders reads it).
   */
  source: 'api' | 'report';
  pendingFields: readonly string[];
}

/** The importer's state for one connection, as shown on the orders page. */
export interface OrderSyncView {
  connectionId: string;
  status: string;
  watermark: Date;
  pausedReason: string | null;
  lastStartedAt: Date | null;
  lastFinishedAt: Date | null;
  lastError: string | null;
  ordersUpserted: number;
  /** The latest backfill by report, if any (docs/orders.md#backfill-by-report). */
  backfill: {
    status: 'running' | 'done' | 'fell_back';
    rangeStart: Date;
    rangeEnd: Date;
    /** Why it fell back to paging. */
    reason: string | null;
    ordersMerged: number;
    reportsTotal: number;
    reportsSettled: number;
  } | null;
}

export const ORDER_STATUSES = [
  'PENDING_AVAILABILITY',
  'PENDING',
  'UNSHIPPED',
  'PARTIALLY_SHIPPED',
  'SHIPPED',
  'CANCELLED',
  'UNFULFILLABLE',
] as const;

/** Matches no account: a non-operator viewer without an account sees nothing. */
const NO_ACCOUNT = '00000000-0000-0000-0000-000000000000';

function toSummary(r: Selectable<OrdersTable>): OrderSummary {
  return {
    orderId: r.order_id,
    connectionId: r.connection_id,
    marketplaceId: r.marketplace_id,
    status: r.status,
    createdTime: r.created_time,
    lastUpdatedTime: r.last_updated_time,
    itemCount: r.item_count,
    total:
      r.total_amount !== null && r.total_currency !== null
        ? { amount: r.total_amount, currencyCode: r.total_currency }
        : null,
    importedAt: r.imported_at,
  };
}

function encodeCursor(r: { created_time: Date; connection_id: string; order_id: string }): string {
  return Buffer.from(JSON.stringify([r.created_time.toISOString(), r.connection_id, r.order_id])).toString(
    'base64url',
  );
}

function decodeCursor(cursor: string): [Date, string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 3 && value.every((v) => typeof v === 'string')) {
      const [at, connectionId, orderId] = value as [string, string, string];
      const date = new Date(at);
      if (isStorableDate(date) && isUuid(connectionId) && textProblem(orderId) === null)
        return [date, connectionId, orderId];
    }
  } catch {
    // fall through
  }
  throw new OrdersError('ORDERS_INVALID_FILTER', 'cursor is not a cursor this API returned', {
    details: { field: 'cursor' },
  });
}

/** Checks filter values; throws ORDERS_INVALID_FILTER naming the field. */
export function checkOrderFilter(filter: OrderFilter): void {
  if (filter.connectionId !== undefined && !isUuid(filter.connectionId))
    throw new OrdersError('ORDERS_INVALID_FILTER', 'connection must be a connection id (a UUID)', {
      details: { field: 'connection' },
    });
  if (filter.status !== undefined && !(ORDER_STATUSES as readonly string[]).includes(filter.status))
    throw new OrdersError('ORDERS_INVALID_FILTER', `status must be one of ${ORDER_STATUSES.join(', ')}`, {
      details: { field: 'status' },
    });
  if (filter.marketplaceId !== undefined && !/^[A-Z0-9]{5,20}$/.test(filter.marketplaceId))
    throw new OrdersError(
      'ORDERS_INVALID_FILTER',
      'marketplace must be a marketplace id such as ATVPDKIKX0DER',
      {
        details: { field: 'marketplace' },
      },
    );
  for (const field of ['createdFrom', 'createdTo'] as const) {
    const value = filter[field];
    if (value !== undefined && Number.isNaN(value.getTime()))
      throw new OrdersError('ORDERS_INVALID_FILTER', `${field} must be an ISO 8601 date`, {
        details: { field },
      });
    if (value !== undefined && !isStorableDate(value))
      throw new OrdersError('ORDERS_INVALID_FILTER', `${field} must be a date in the years 1 to 9999`, {
        details: { field },
      });
  }
  if (filter.createdFrom && filter.createdTo && filter.createdFrom > filter.createdTo)
    throw new OrdersError('ORDERS_INVALID_FILTER', 'createdFrom must not be after createdTo', {
      details: { field: 'createdFrom' },
    });
}

/** Page size and position for `listOrders`. */
export interface OrderPage {
  limit?: number;
  cursor?: string;
}

function visibleOrders(db: Kysely<Database>, viewer: Viewer) {
  const q = db.selectFrom('orders').selectAll();
  return viewer.role === 'operator' ? q : q.where('account_id', '=', viewer.accountId ?? NO_ACCOUNT);
}

type OrdersQuery = ReturnType<typeof visibleOrders>;

/** The filter's conditions on a query of orders (the filter already checked). */
function applyFilter(q: OrdersQuery, filter: OrderFilter): OrdersQuery {
  if (filter.connectionId) q = q.where('connection_id', '=', filter.connectionId);
  if (filter.marketplaceId) q = q.where('marketplace_id', '=', filter.marketplaceId);
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.createdFrom) q = q.where('created_time', '>=', filter.createdFrom);
  if (filter.createdTo) q = q.where('created_time', '<', filter.createdTo);
  return q;
}

/** Orders after a cursor in the list's order (createdTime, connection id, order id, all descending). */
function applyCursor(q: OrdersQuery, cursor: string): OrdersQuery {
  const [at, connectionId, orderId] = decodeCursor(cursor);
  return q.where((eb) =>
    eb.or([
      eb('created_time', '<', at),
      eb.and([eb('created_time', '=', at), eb('connection_id', '<', connectionId)]),
      eb.and([
        eb('created_time', '=', at),
        eb('connection_id', '=', connectionId),
        eb('order_id', '<', orderId),
      ]),
    ]),
  );
}

/**
 * The orders a viewer may see, newest first (createdTime, then connection and order id), `limit` per
 * page, with a cursor for the next.
 */
export async function listOrders(
  db: Kysely<Database>,
  viewer: Viewer,
  filter: OrderFilter,
  page: OrderPage = {},
): Promise<{ orders: OrderSummary[]; nextCursor: string | null }> {
  checkOrderFilter(filter);
  const limit = page.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 200)
    throw new OrdersError('ORDERS_INVALID_FILTER', 'limit must be an integer from 1 to 200', {
      details: { field: 'limit' },
    });
  let q = applyFilter(visibleOrders(db, viewer), filter);
  if (page.cursor) q = applyCursor(q, page.cursor);
  const rows = await q
    .orderBy('created_time', 'desc')
    .orderBy('connection_id', 'desc')
    .orderBy('order_id', 'desc')
    .limit(limit + 1)
    .execute();
  const more = rows.length > limit;
  const shown = rows.slice(0, limit);
  const last = shown[shown.length - 1];
  return { orders: shown.map(toSummary), nextCursor: more && last ? encodeCursor(last) : null };
}

/** One order by Amazon order id (and connection, when the same order is visible through two). */
export async function getOrder(
  db: Kysely<Database>,
  viewer: Viewer,
  orderId: string,
  connectionId?: string,
): Promise<OrderDetail> {
  if (connectionId !== undefined) checkOrderFilter({ connectionId });
  // No order id holds a NUL or a lone surrogate, and the database could not compare one.
  if (textProblem(orderId) !== null)
    throw new OrdersError('ORDERS_NOT_FOUND', 'no such order', { details: { field: 'orderId' } });
  let q = visibleOrders(db, viewer).where('order_id', '=', orderId);
  if (connectionId) q = q.where('connection_id', '=', connectionId);
  const row = await q.orderBy('last_updated_time', 'desc').executeTakeFirst();
  if (!row) throw new OrdersError('ORDERS_NOT_FOUND', `no order ${orderId}`, { details: { orderId } });
  return {
    ...toSummary(row),
    order: row.data,
    source: row.source,
    pendingFields: row.source === 'report' ? REPORT_PENDING_FIELDS : [],
  };
}

/** Throws ORDERS_CONNECTION_NOT_FOUND unless the viewer may see the connection. */
export async function requireVisibleConnection(
  db: Kysely<Database>,
  viewer: Viewer,
  connectionId: string,
): Promise<void> {
  checkOrderFilter({ connectionId });
  let q = db
    .selectFrom('connections')
    .select('id')
    .where('id', '=', connectionId)
    .where('api', '=', 'sp_api');
  if (viewer.role !== 'operator') q = q.where('account_id', '=', viewer.accountId ?? NO_ACCOUNT);
  if (!(await q.executeTakeFirst()))
    throw new OrdersError('ORDERS_CONNECTION_NOT_FOUND', `no connection ${connectionId}`, {
      details: { field: 'connection' },
    });
}

/** Importer state of each connection the viewer may see. */
export async function orderSyncs(db: Kysely<Database>, viewer: Viewer): Promise<OrderSyncView[]> {
  let q = db
    .selectFrom('order_syncs')
    .innerJoin('connections', 'connections.id', 'order_syncs.connection_id')
    .leftJoin('order_backfills', 'order_backfills.connection_id', 'order_syncs.connection_id')
    .selectAll('order_syncs')
    .select([
      'order_backfills.status as backfill_status',
      'order_backfills.range_start',
      'order_backfills.range_end',
      'order_backfills.reason as backfill_reason',
      'order_backfills.orders_merged',
      (eb) =>
        eb
          .selectFrom('order_backfill_reports as r')
          .select((e) => e.fn.countAll<number>().as('n'))
          .whereRef('r.connection_id', '=', 'order_syncs.connection_id')
          .as('reports_total'),
      (eb) =>
        eb
          .selectFrom('order_backfill_reports as r')
          .select((e) => e.fn.countAll<number>().as('n'))
          .whereRef('r.connection_id', '=', 'order_syncs.connection_id')
          .where('r.status', 'in', ['merged', 'empty'])
          .as('reports_settled'),
    ]);
  if (viewer.role !== 'operator') q = q.where('connections.account_id', '=', viewer.accountId ?? NO_ACCOUNT);
  const rows = await q.execute();
  return rows.map((r) => ({
    connectionId: r.connection_id,
    status: r.status,
    watermark: r.watermark,
    pausedReason: r.paused_reason,
    lastStartedAt: r.last_started_at,
    lastFinishedAt: r.last_finished_at,
    lastError: r.last_error,
    ordersUpserted: Number(r.orders_upserted_total),
    backfill:
      r.backfill_status && r.range_start && r.range_end
        ? {
            status: r.backfill_status,
            rangeStart: r.range_start,
            rangeEnd: r.range_end,
            reason: r.backfill_reason,
            ordersMerged: Number(r.orders_merged ?? 0),
            reportsTotal: Number(r.reports_total ?? 0),
            reportsSettled: Number(r.reports_settled ?? 0),
          }
        : null,
  }));
}

/** Every (order id, lastUpdatedTime, status) of a connection, by order id: for checks and tests. */
export async function orderFingerprint(
  db: Kysely<Database>,
  connectionId: string,
): Promise<{ orderId: string; lastUpdatedTime: Date; status: string }[]> {
  const rows = await db
    .selectFrom('orders')
    .select(['order_id', 'last_updated_time', 'status'])
    .where('connection_id', '=', connectionId)
    .orderBy('order_id')
    .execute();
  return rows.map((r) => ({ orderId: r.order_id, lastUpdatedTime: r.last_updated_time, status: r.status }));
}

/** Read side of orders: what a viewer may see (operators all accounts, others their own). */
export function createOrderQueries(db: Kysely<Database>) {
  return {
    /** Newest first (createdTime, then connection and order id), `limit` per page, with a cursor for the next. */
    list: (viewer: Viewer, filter: OrderFilter, page?: OrderPage) => listOrders(db, viewer, filter, page),
    /** One order by Amazon order id (and connection, when the same order is visible through two). */
    get: (viewer: Viewer, orderId: string, connectionId?: string) =>
      getOrder(db, viewer, orderId, connectionId),
    /** Throws ORDERS_CONNECTION_NOT_FOUND unless the viewer may see the connection. */
    requireConnection: (viewer: Viewer, connectionId: string) =>
      requireVisibleConnection(db, viewer, connectionId),
    /** Importer state of each visible connection. */
    syncs: (viewer: Viewer) => orderSyncs(db, viewer),
    /** Every (connection, order id, lastUpdatedTime, status) of a connection: for checks and tests. */
    fingerprint: (connectionId: string) => orderFingerprint(db, connectionId),
  };
}

export type OrderQueries = ReturnType<typeof createOrderQueries>;
