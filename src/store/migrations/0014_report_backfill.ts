import { sql, type Kysely } from 'kysely';

/**
 * Backfill by report. `orders.source` says where a stored order came from: `api` (searchOrders, the
 * whole order) or `report` (an order-tracking report row: fewer fields, see docs/orders.md); at the
 * same lastUpdatedTime an API read replaces a report read, never the other way round.
 * `order_backfills` holds one connection's latest report backfill (its range, status and, when it
 * fell back to paging, why); `order_backfill_reports` one report per window and marketplace, with
 * Amazon's report and document ids, so a restart goes on polling or merging the same report instead
 * of requesting a new one.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('orders')
    .addColumn('source', 'text', (c) =>
      c
        .notNull()
        .defaultTo('api')
        .check(sql`source in ('api', 'report')`),
    )
    .execute();
  await db.schema
    .createTable('order_backfills')
    .addColumn('connection_id', 'uuid', (c) =>
      c.primaryKey().references('connections.id').onDelete('cascade'),
    )
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('running', 'done', 'fell_back')`))
    .addColumn('range_start', 'timestamptz', (c) => c.notNull())
    .addColumn('range_end', 'timestamptz', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('orders_merged', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await db.schema
    .createTable('order_backfill_reports')
    .addColumn('connection_id', 'uuid', (c) =>
      c.notNull().references('order_backfills.connection_id').onDelete('cascade'),
    )
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('marketplace_id', 'text', (c) => c.notNull())
    .addColumn('window_start', 'timestamptz', (c) => c.notNull())
    .addColumn('window_end', 'timestamptz', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('pending', 'requested', 'ready', 'merged', 'empty')`),
    )
    .addColumn('report_id', 'text')
    .addColumn('report_document_id', 'text')
    .addColumn('requested_at', 'timestamptz')
    .addColumn('rows_merged', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('orders_changed', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('order_backfill_reports_pk', ['connection_id', 'seq'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('order_backfill_reports').execute();
  await db.schema.dropTable('order_backfills').execute();
  await db.schema.alterTable('orders').dropColumn('source').execute();
}
