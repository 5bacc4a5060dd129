import { sql, type Kysely } from 'kysely';

/**
 * Embedding Sellerlink in the vendor's software (docs/api.md, "Embedding"):
 *
 * - `accounts.external_id`: the vendor's own id for a tenant, unique, so provisioning by API is
 *   idempotent; `accounts.return_urls`: the allow-list (JSON array of URL prefixes) a connect
 *   session's `returnUrl` must match; `accounts.default_return_url`: where renew links from
 *   reminders send the seller back to (null: Sellerlink's own result page); `updated_at`.
 * - `connect_sessions`: one-time connect links (`/connect/<token>`, only the token's SHA-256 is
 *   kept) for an account, an API, a region (null: the seller chooses) and a purpose (connect, or
 *   renew `connection_id`), with the vendor's return URL and branding. `started_at`/`browser_hash`
 *   bind the session to the browser that used it; `outcome` is set once when it ends.
 * - `oauth_states.connect_session_id`: a state started from a connect link; such states have no
 *   Sellerlink user (`user_id` becomes nullable) and are bound to the connect cookie instead.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('accounts').addColumn('external_id', 'text').execute();
  await db.schema
    .alterTable('accounts')
    .addColumn('return_urls', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  await db.schema.alterTable('accounts').addColumn('default_return_url', 'text').execute();
  await db.schema
    .alterTable('accounts')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('accounts_external_id').unique().on('accounts').column('external_id').execute();

  await db.schema
    .createTable('connect_sessions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('api', 'text', (c) => c.notNull().check(sql`api in ('sp_api', 'ads')`))
    .addColumn('region', 'text', (c) => c.check(sql`region in ('NA', 'EU', 'FE')`))
    .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose in ('connect', 'renew')`))
    .addColumn('connection_id', 'uuid', (c) => c.references('connections.id').onDelete('cascade'))
    .addColumn('return_url', 'text', (c) => c.notNull())
    .addColumn('vendor_name', 'text')
    .addColumn('vendor_logo_url', 'text')
    .addColumn('origin', 'text', (c) =>
      c
        .notNull()
        .defaultTo('api')
        .check(sql`origin in ('api', 'reminder')`),
    )
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz')
    .addColumn('browser_hash', 'text')
    .addColumn('completed_at', 'timestamptz')
    .addColumn('outcome', 'text', (c) =>
      c.check(sql`outcome in ('connected', 'renewed', 'cancelled', 'error')`),
    )
    .addColumn('error_code', 'text')
    .addColumn('result_connection_id', 'uuid', (c) => c.references('connections.id').onDelete('set null'))
    .addCheckConstraint(
      'connect_sessions_renew_has_connection',
      sql`(purpose = 'renew') = (connection_id is not null)`,
    )
    .execute();
  await db.schema
    .createIndex('connect_sessions_account')
    .on('connect_sessions')
    .columns(['account_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('connect_sessions_browser')
    .on('connect_sessions')
    .column('browser_hash')
    .execute();

  await db.schema
    .alterTable('oauth_states')
    .alterColumn('user_id', (c) => c.dropNotNull())
    .execute();
  await db.schema
    .alterTable('oauth_states')
    .addColumn('connect_session_id', 'uuid', (c) => c.references('connect_sessions.id').onDelete('cascade'))
    .execute();
  await db.schema
    .alterTable('oauth_states')
    .addCheckConstraint(
      'oauth_states_has_origin',
      sql`(user_id is not null) or (connect_session_id is not null)`,
    )
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from oauth_states where user_id is null`.execute(db);
  await db.schema.alterTable('oauth_states').dropConstraint('oauth_states_has_origin').execute();
  await db.schema.alterTable('oauth_states').dropColumn('connect_session_id').execute();
  await db.schema
    .alterTable('oauth_states')
    .alterColumn('user_id', (c) => c.setNotNull())
    .execute();
  await db.schema.dropTable('connect_sessions').execute();
  await db.schema.dropIndex('accounts_external_id').execute();
  for (const column of ['external_id', 'return_urls', 'default_return_url', 'updated_at']) {
    await db.schema.alterTable('accounts').dropColumn(column).execute();
  }
}
