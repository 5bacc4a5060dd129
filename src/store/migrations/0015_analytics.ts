import { sql, type Kysely } from 'kysely';

/**
 * Analytics (src/analytics/, docs/analytics.md).
 *
 * - `analytics_daily`: one row per connection, marketplace and day from Amazon's sales and traffic
 *   report (`GET_SALES_AND_TRAFFIC_REPORT`, dateGranularity DAY). `day` is `YYYY-MM-DD` text (sorts
 *   and compares as a date, and reads back the same on PostgreSQL and PGlite).
 * - `analytics_fetches`: one fetch state per connection and marketplace, with the pending report's
 *   id and range, so a restart polls the same report instead of requesting a second one, and the
 *   last failure's reason (FATAL, CANCELLED, stuck) for the analytics page.
 * - `analytics_syncs`: one schedule row per connection: when its next run is due, why it is paused,
 *   the last error, when settlement reports were last listed.
 * - `settlement_reports`: the metadata of the settlement reports Amazon made (getReports); never the
 *   document's download URL (a bearer link that expires in 5 minutes).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const connectionRef = 'connections.id';
  await db.schema
    .createTable('analytics_daily')
    .addColumn('connection_id', 'uuid', (c) => c.notNull().references(connectionRef).onDelete('cascade'))
    .addColumn('marketplace_id', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull().check(sql`day ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'`))
    .addColumn('sales_amount', 'numeric', (c) => c.notNull())
    .addColumn('currency', 'text')
    .addColumn('units_ordered', 'integer', (c) => c.notNull())
    .addColumn('total_order_items', 'integer', (c) => c.notNull())
    .addColumn('sessions', 'integer', (c) => c.notNull())
    .addColumn('page_views', 'integer', (c) => c.notNull())
    .addColumn('unit_session_percentage', 'double precision')
    .addColumn('report_id', 'text', (c) => c.notNull())
    .addColumn('fetched_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('analytics_daily_pk', ['connection_id', 'marketplace_id', 'day'])
    .execute();

  await db.schema
    .createTable('analytics_fetches')
    .addColumn('connection_id', 'uuid', (c) => c.notNull().references(connectionRef).onDelete('cascade'))
    .addColumn('marketplace_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('idle')
        .check(sql`status in ('idle', 'requested', 'failed')`),
    )
    .addColumn('report_id', 'text')
    .addColumn('range_start', 'text')
    .addColumn('range_end', 'text')
    .addColumn('requested_at', 'timestamptz')
    .addColumn('next_poll_at', 'timestamptz')
    .addColumn('last_fetched_at', 'timestamptz')
    .addColumn('last_report_id', 'text')
    .addColumn('failure_reason', 'text')
    .addColumn('failed_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('analytics_fetches_pk', ['connection_id', 'marketplace_id'])
    .execute();

  await db.schema
    .createTable('analytics_syncs')
    .addColumn('connection_id', 'uuid', (c) => c.primaryKey().references(connectionRef).onDelete('cascade'))
    .addColumn('next_run_at', 'timestamptz')
    .addColumn('last_run_at', 'timestamptz')
    .addColumn('paused_reason', 'text')
    .addColumn('last_error', 'text')
    .addColumn('settlements_checked_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('settlement_reports')
    .addColumn('connection_id', 'uuid', (c) => c.notNull().references(connectionRef).onDelete('cascade'))
    .addColumn('report_id', 'text', (c) => c.notNull())
    .addColumn('marketplace_id', 'text')
    .addColumn('report_document_id', 'text')
    .addColumn('processing_status', 'text', (c) => c.notNull())
    .addColumn('created_time', 'timestamptz', (c) => c.notNull())
    .addColumn('data_start_time', 'timestamptz')
    .addColumn('data_end_time', 'timestamptz')
    .addColumn('listed_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('settlement_reports_pk', ['connection_id', 'report_id'])
    .execute();
  await db.schema
    .createIndex('settlement_reports_connection_created')
    .on('settlement_reports')
    .columns(['connection_id', 'created_time'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('settlement_reports').execute();
  await db.schema.dropTable('analytics_syncs').execute();
  await db.schema.dropTable('analytics_fetches').execute();
  await db.schema.dropTable('analytics_daily').execute();
}
