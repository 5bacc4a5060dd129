import { sql, type Kysely } from 'kysely';

/**
 * Amazon Ads API connections beside the SP-API ones (docs/ads.md).
 *
 * - `applications.api` and `connections.api`: which Amazon API an application (an SP-API app, or
 *   an LWA security profile approved for the Ads API) and its connections are for. Existing rows
 *   are SP-API. The lifecycle, vault, health, reminders and events are the same for both.
 * - An Ads connection has no selling partner id: `selling_partner_id` holds the fixed advertiser key
 *   (`lifecycle/ads-identity.ts`), so there is one Ads connection per account, application and
 *   region, and a second consent in the same region renews it.
 * - `ads_profiles`: the advertising profiles `GET /v2/profiles` listed for an Ads connection on
 *   each of the three Ads API hosts (`api_region`), replaced on every listing. Profile ids are
 *   int64 at Amazon, kept as text.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ['applications', 'connections']) {
    await db.schema
      .alterTable(table)
      .addColumn('api', 'text', (c) =>
        c
          .notNull()
          .defaultTo('sp_api')
          .check(sql`api in ('sp_api', 'ads')`),
      )
      .execute();
  }
  await db.schema.createIndex('connections_api_state').on('connections').columns(['api', 'state']).execute();
  await db.schema
    .createTable('ads_profiles')
    .addColumn('connection_id', 'uuid', (c) => c.notNull().references('connections.id').onDelete('cascade'))
    .addColumn('profile_id', 'text', (c) => c.notNull().check(sql`profile_id ~ '^[0-9]{1,20}$'`))
    .addColumn('api_region', 'text', (c) => c.notNull().check(sql`api_region in ('NA', 'EU', 'FE')`))
    .addColumn('country_code', 'text', (c) => c.notNull())
    .addColumn('currency_code', 'text', (c) => c.notNull())
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('marketplace_id', 'text')
    .addColumn('account_type', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('account_name', 'text')
    .addColumn('valid_payment_method', 'boolean')
    .addColumn('listed_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('ads_profiles_pk', ['connection_id', 'profile_id'])
    .execute();
  await db.schema.createIndex('ads_profiles_account').on('ads_profiles').column('account_id').execute();
  await db.schema
    .createTable('ads_profile_listings')
    .addColumn('connection_id', 'uuid', (c) =>
      c.primaryKey().references('connections.id').onDelete('cascade'),
    )
    .addColumn('listed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('failed_regions', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('note', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('ads_profile_listings').execute();
  await db.schema.dropTable('ads_profiles').execute();
  await db.schema.dropIndex('connections_api_state').execute();
  for (const table of ['connections', 'applications']) {
    await db.schema.alterTable(table).dropColumn('api').execute();
  }
}
