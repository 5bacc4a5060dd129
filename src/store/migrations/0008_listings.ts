import { sql, type Kysely } from 'kysely';

/**
 * The listings outbox: every listing change a seller or the vendor's software asks for,
 * accepted at once and delivered to Amazon by listings/ (one drainer per connection). A row is the
 * change and its result: state, Amazon's status, submission id and issues. `seq` orders changes of
 * a connection; `uncertain` marks a change whose send may have reached Amazon without an answer
 * (the drainer reads the listing back before sending it again).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('listing_changes')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('seq', 'bigserial', (c) => c.notNull().unique())
    .addColumn('connection_id', 'uuid', (c) => c.notNull().references('connections.id').onDelete('cascade'))
    .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('marketplace_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('put', 'patch', 'delete')`))
    .addColumn('body', 'jsonb')
    .addColumn('preview', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('state_reason', 'text')
    .addColumn('uncertain', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('superseded_by', 'uuid')
    .addColumn('amazon_status', 'text')
    .addColumn('submission_id', 'text')
    .addColumn('issues', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('sent_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('listing_changes_connection_state')
    .on('listing_changes')
    .columns(['connection_id', 'state', 'seq'])
    .execute();
  await db.schema
    .createIndex('listing_changes_sku')
    .on('listing_changes')
    .columns(['connection_id', 'sku', 'seq'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('listing_changes').execute();
}
