import { sql, type Kysely } from 'kysely';

/**
 * The seller's catalog as Amazon lists it (listings/catalog.ts, its only writer): one row per
 * connection, marketplace and SKU from searchListingsItems (Listings Items 2021-08-01), with the
 * summary (ASIN, product type, name, status), Amazon's issues, the offer's price, the quantity and
 * the attributes (to start an edit from). `walk` is the refresh that last saw the row: a complete
 * walk of a marketplace deletes the rows it did not see. `listing_catalog_syncs` is each
 * connection's refresh state (what the dispatcher reads).
 * @see https://developer-docs.amazon.com/sp-api/docs/listings-items-api-v2021-08-01-reference#searchlistingsitems
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('listing_catalog')
    .addColumn('connection_id', 'uuid', (c) => c.notNull().references('connections.id').onDelete('cascade'))
    .addColumn('marketplace_id', 'text', (c) => c.notNull())
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('asin', 'text')
    .addColumn('product_type', 'text')
    .addColumn('item_name', 'text')
    .addColumn('condition_type', 'text')
    .addColumn('statuses', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('issues', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('price_amount', 'text')
    .addColumn('price_currency', 'text')
    .addColumn('quantity', 'integer')
    .addColumn('attributes', 'jsonb')
    .addColumn('created_date', 'timestamptz')
    .addColumn('last_updated_date', 'timestamptz')
    .addColumn('walk', 'text', (c) => c.notNull())
    .addColumn('refreshed_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('listing_catalog_pkey', ['connection_id', 'marketplace_id', 'sku'])
    .execute();
  await db.schema
    .createTable('listing_catalog_syncs')
    .addColumn('connection_id', 'uuid', (c) =>
      c.primaryKey().references('connections.id').onDelete('cascade'),
    )
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('running', 'done', 'paused', 'failed')`),
    )
    .addColumn('walk', 'text', (c) => c.notNull())
    .addColumn('items', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('reason', 'text')
    .addColumn('last_started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_finished_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('listing_catalog_syncs').execute();
  await db.schema.dropTable('listing_catalog').execute();
}
