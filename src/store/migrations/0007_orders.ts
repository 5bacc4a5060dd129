import { sql, type Kysely } from 'kysely';

/**
 * Orders in. `orders` holds each order of a connection as Amazon last returned it (Orders
 * 2026-01-01 `Order`, items included), keyed by (connection, order id) and only ever replaced by a
 * version at least as new. `order_syncs` holds one importer state per connection: the watermark
 * (every order updated before it has been stored), whether imports are paused and why, and totals.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('orders')
    .addColumn('connection_id', 'uuid', (c) => c.notNull().references('connections.id').onDelete('cascade'))
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('marketplace_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_time', 'timestamptz', (c) => c.notNull())
    .addColumn('last_updated_time', 'timestamptz', (c) => c.notNull())
    .addColumn('item_count', 'integer', (c) => c.notNull())
    .addColumn('total_amount', 'text')
    .addColumn('total_currency', 'text')
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('first_imported_at', 'timestamptz', (c) => c.notNull())
    .addColumn('imported_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('orders_pk', ['connection_id', 'order_id'])
    .execute();
  await db.schema
    .createIndex('orders_account_created')
    .on('orders')
    .columns(['account_id', 'created_time', 'order_id'])
    .execute();
  await db.schema.createIndex('orders_order_id').on('orders').column('order_id').execute();

  await db.schema
    .createTable('order_syncs')
    .addColumn('connection_id', 'uuid', (c) =>
      c.primaryKey().references('connections.id').onDelete('cascade'),
    )
    .addColumn('watermark', 'timestamptz', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('idle'))
    .addColumn('paused_reason', 'text')
    .addColumn('last_started_at', 'timestamptz')
    .addColumn('last_finished_at', 'timestamptz')
    .addColumn('last_error', 'text')
    .addColumn('pages_total', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('orders_upserted_total', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('order_syncs').execute();
  await db.schema.dropTable('orders').execute();
}
