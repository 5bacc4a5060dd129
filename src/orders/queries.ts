import { REPORT_PENDING_FIELDS } from './report-orders.js';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Viewer } from '../connections/repository.js';
import { isStorableDate, isUuid, textProblem } from '../kernel/input.js';
import type { Database, OrdersTable } from '../store/schema.js';
import { OrdersError } from './errors.js';
import { decodeOrderCursor, encodeOrderCursor, type OrderKey } from './order-cursor.js';

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
  /** Units ordered (the sum of the lines' quantities). */
  itemCount: number;
  /** Lines (order items, one per product). */
  lineCount: number;
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

const SUMMARY_COLUMNS = [
  'order_id',
  'connection_id',
  'account_id',
  'marketplace_id',
  'status',
  'created_time',
  'last_updated_time',
  'item_count',
  'total_amount',
  'total_currency',
  'imported_at',
] as const;

/** How many lines (order items) an order has, counted in the database (the order JSON stays there). */
const LINE_COUNT =
  sql<number>`case when jsonb_typeof(data -> 'orderItems') = 'array' then jsonb_array_length(data -> 'orderItems') else 0 end`.as(
    'line_count',
  );

/** The columns a list row needs (not the whole order), plus its number of lines. */
type SummaryRow = Omit<Selectable<OrdersTable>, 'data' | 'first_imported_at' | 'source'> & {
  line_count: number | string;
};

function toSummary(r: SummaryRow): OrderSummary {
  return {
    orderId: r.order_id,
    connectionId: r.connection_id,
    marketplaceId: r.marketplace_id,
    status: r.status,
    createdTime: r.created_time,
    lastUpdatedTime: r.last_updated_time,
    itemCount: r.item_count,
    lineCount: Number(r.line_count),
    total:
      r.total_amount !== null && r.total_currency !== null
        ? { amount: r.total_amount, currencyCode: r.total_currency }
        : null,
    importedAt: r.imported_at,
  };
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
  /** The orders after this cursor (older): the next page. */
  cursor?: string;
  /** The orders before this cursor (newer): the previous page. Not with `cursor`. */
  before?: string;
  /** Also count the matching orders and the page's position among them (for "26–45 of 45"). */
  withTotal?: boolean;
}

/** One page of the list. */
export interface OrderListPage {
  orders: OrderSummary[];
  /** The next (older) page's cursor, or null on the last page. */
  nextCursor: string | null;
  /** The previous (newer) page's `before` cursor, or null on the first page. */
  previousCursor: string | null;
  /** With `withTotal`: how many orders match, and how many come before this page. */
  total?: number;
  offset?: number;
}

function visibleOrders(db: Kysely<Database>, viewer: Viewer) {
  const q = db.selectFrom('orders');
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

/**
 * The orders on one side of a position in the list's order (created time, connection id, order id,
 * all descending): `older` come after it, `newer` before it.
 */
function beyond(q: OrdersQuery, key: OrderKey, side: 'older' | 'newer'): OrdersQuery {
  const op = side === 'older' ? '<' : '>';
  return q.where((eb) =>
    eb.or([
      eb('created_time', op, key.createdTime),
      eb.and([eb('created_time', '=', key.createdTime), eb('connection_id', op, key.connectionId)]),
      eb.and([
        eb('created_time', '=', key.createdTime),
        eb('connection_id', '=', key.connectionId),
        eb('order_id', op, key.orderId),
      ]),
    ]),
  );
}

const keyOf = (r: SummaryRow): OrderKey => ({
  createdTime: r.created_time,
  connectionId: r.connection_id,
  orderId: r.order_id,
});

async function countOf(q: OrdersQuery): Promise<number> {
  const row = await q.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst();
  return Number(row?.n ?? 0);
}

async function anyOf(q: OrdersQuery): Promise<boolean> {
  return (await q.select('order_id').limit(1).executeTakeFirst()) !== undefined;
}

function checkPage(page: OrderPage): number {
  const limit = page.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 200)
    throw new OrdersError('ORDERS_INVALID_FILTER', 'limit must be an integer from 1 to 200', {
      details: { field: 'limit' },
    });
  if (page.cursor && page.before)
    throw new OrdersError('ORDERS_INVALID_FILTER', 'give cursor or before, not both', {
      details: { field: 'before' },
    });
  return limit;
}

/**
 * The orders a viewer may see, newest first (createdTime, then connection and order id), `limit` per
 * page (keyset paging: a cursor for the next page and one for the previous).
 */
export async function listOrders(
  db: Kysely<Database>,
  viewer: Viewer,
  filter: OrderFilter,
  page: OrderPage = {},
): Promise<OrderListPage> {
  checkOrderFilter(filter);
  const limit = checkPage(page);
  const matching = applyFilter(visibleOrders(db, viewer), filter);
  const backward = Boolean(page.before);
  let q = matching;
  if (page.cursor) q = beyond(q, decodeOrderCursor(page.cursor), 'older');
  if (page.before) q = beyond(q, decodeOrderCursor(page.before, 'before'), 'newer');
  const direction = backward ? 'asc' : 'desc';
  const rows = await q
    .select(SUMMARY_COLUMNS)
    .select(LINE_COUNT)
    .orderBy('created_time', direction)
    .orderBy('connection_id', direction)
    .orderBy('order_id', direction)
    .limit(limit + 1)
    .execute();
  const more = rows.length > limit;
  const shown = rows.slice(0, limit);
  if (backward) shown.reverse();
  const first = shown[0];
  const last = shown[shown.length - 1];
  const hasNext = backward
    ? last !== undefined && (await anyOf(beyond(matching, keyOf(last), 'older')))
    : more;
  const hasPrevious = backward
    ? more
    : first !== undefined &&
      page.cursor !== undefined &&
      (await anyOf(beyond(matching, keyOf(first), 'newer')));
  const result: OrderListPage = {
    orders: shown.map(toSummary),
    nextCursor: hasNext && last ? encodeOrderCursor(last) : null,
    previousCursor: hasPrevious && first ? encodeOrderCursor(first) : null,
  };
  if (page.withTotal) {
    result.total = await countOf(matching);
    result.offset = first ? await countOf(beyond(matching, keyOf(first), 'newer')) : 0;
  }
  return result;
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
  let q = visibleOrders(db, viewer).selectAll().where('order_id', '=', orderId);
  if (connectionId) q = q.where('connection_id', '=', connectionId);
  const row = await q.orderBy('last_updated_time', 'desc').executeTakeFirst();
  if (!row) throw new OrdersError('ORDERS_NOT_FOUND', `no order ${orderId}`, { details: { orderId } });
  const lines = (row.data as { orderItems?: unknown }).orderItems;
  return {
    ...toSummary({ ...row, line_count: Array.isArray(lines) ? lines.length : 0 }),
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
