import {
  sql,
  type ExpressionBuilder,
  type Kysely,
  type OnConflictDatabase,
  type OnConflictTables,
} from 'kysely';
import type { Order } from '../amazon/generated/orders_2026-01-01.js';
import type { Database, OrderSource } from '../store/schema.js';
import { OrdersError } from './errors.js';

/** What an upserted page changed. */
export interface UpsertOutcome {
  /** Orders that were new or newer than the stored version (each raised `order.upserted`). */
  changed: number;
  inserted: number;
}

/** The columns Sellerlink indexes from an Orders 2026-01-01 `Order`; the whole order is kept as `data`. */
function columnsOf(order: Order): {
  marketplaceId: string;
  status: string;
  createdTime: Date;
  lastUpdatedTime: Date;
  itemCount: number;
  totalAmount: string | null;
  totalCurrency: string | null;
} {
  const created = Date.parse(order.createdTime);
  const updated = Date.parse(order.lastUpdatedTime);
  if (!order.orderId || Number.isNaN(created) || Number.isNaN(updated)) {
    throw new OrdersError(
      'ORDERS_BAD_RESPONSE',
      `Amazon returned an order without a valid orderId, createdTime or lastUpdatedTime (${String(order.orderId)})`,
    );
  }
  const grandTotal = order.proceeds?.grandTotal;
  return {
    marketplaceId: order.salesChannel?.marketplaceId ?? 'unknown',
    status: order.fulfillment?.fulfillmentStatus ?? 'UNKNOWN',
    createdTime: new Date(created),
    lastUpdatedTime: new Date(updated),
    itemCount: (order.orderItems ?? []).reduce((n, item) => n + (item.quantityOrdered ?? 1), 0),
    totalAmount: grandTotal?.amount ?? null,
    totalCurrency: grandTotal?.currencyCode ?? null,
  };
}

/** Whether the read replaces the stored order: newer or as new; a report read never replaces an API read of the same second. */
function newerThanStored(
  eb: ExpressionBuilder<OnConflictDatabase<Database, 'orders'>, OnConflictTables<'orders'>>,
  source: OrderSource,
) {
  const stored = eb.ref('orders.last_updated_time');
  const read = eb.ref('excluded.last_updated_time');
  return source === 'api'
    ? eb(stored, '<=', read)
    : eb.or([eb(stored, '<', read), eb.and([eb('orders.source', '=', 'report'), eb(stored, '<=', read)])]);
}

/** One `order.upserted` event per written order, in the same transaction. */
async function appendUpsertedEvents(
  trx: Kysely<Database>,
  connection: { id: string; accountId: string },
  written: { order_id: string; last_updated_time: Date; status: string; inserted: boolean }[],
  now: Date,
): Promise<void> {
  if (written.length === 0) return;
  await trx
    .insertInto('events')
    .values(
      written.map((w) => ({
        type: 'order.upserted',
        occurred_at: now,
        account_id: connection.accountId,
        connection_id: connection.id,
        payload: JSON.stringify({
          orderId: w.order_id,
          status: w.status,
          lastUpdatedTime: w.last_updated_time.toISOString(),
          created: w.inserted,
        }),
      })),
    )
    .execute();
}

/**
 * Upserts one page of orders for a connection inside `trx`: an order is written when it is new or
 * its lastUpdatedTime is at least the stored one (a later read of the same second is the newer
 * read), and each written order appends an `order.upserted` event in the same transaction. An order
 * from a report (`source` 'report', fewer fields) never replaces an API read of the same second:
 * only a strictly newer one, or an earlier report read.
 */
export async function upsertOrders(
  trx: Kysely<Database>,
  connection: { id: string; accountId: string },
  orders: Order[],
  now: Date,
  source: OrderSource = 'api',
): Promise<UpsertOutcome> {
  if (orders.length === 0) return { changed: 0, inserted: 0 };
  // One row per order id: a page never repeats one, but keep the newest if it did.
  const byId = new Map<string, Order>();
  for (const order of orders) {
    const seen = byId.get(order.orderId);
    if (!seen || Date.parse(seen.lastUpdatedTime) <= Date.parse(order.lastUpdatedTime))
      byId.set(order.orderId, order);
  }
  const rows = [...byId.values()].map((order) => {
    const c = columnsOf(order);
    return {
      connection_id: connection.id,
      order_id: order.orderId,
      account_id: connection.accountId,
      marketplace_id: c.marketplaceId,
      status: c.status,
      created_time: c.createdTime,
      last_updated_time: c.lastUpdatedTime,
      item_count: c.itemCount,
      total_amount: c.totalAmount,
      total_currency: c.totalCurrency,
      data: JSON.stringify(order),
      first_imported_at: now,
      imported_at: now,
      source,
    };
  });
  const written = await trx
    .insertInto('orders')
    .values(rows)
    .onConflict((oc) =>
      oc
        .columns(['connection_id', 'order_id'])
        .doUpdateSet((eb) => ({
          marketplace_id: eb.ref('excluded.marketplace_id'),
          status: eb.ref('excluded.status'),
          created_time: eb.ref('excluded.created_time'),
          last_updated_time: eb.ref('excluded.last_updated_time'),
          item_count: eb.ref('excluded.item_count'),
          total_amount: eb.ref('excluded.total_amount'),
          total_currency: eb.ref('excluded.total_currency'),
          data: eb.ref('excluded.data'),
          imported_at: eb.ref('excluded.imported_at'),
          source: eb.ref('excluded.source'),
        }))
        .where((eb) => newerThanStored(eb, source))
        // Re-reading an unchanged order (the overlap) writes nothing and raises nothing.
        .where(sql<boolean>`orders.data is distinct from excluded.data`),
    )
    .returning(['order_id', 'last_updated_time', 'status', sql<boolean>`(xmax = 0)`.as('inserted')])
    .execute();
  await appendUpsertedEvents(trx, connection, written, now);
  return { changed: written.length, inserted: written.filter((w) => w.inserted).length };
}
