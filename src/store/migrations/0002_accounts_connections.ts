import { sql, type Kysely } from 'kysely';

/**
 * Accounts and their users, sessions, login throttling, the vendor's applications, OAuth states,
 * connections and the audit log. Secrets are stored sealed: `*_key_id` + `*_blob`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('accounts')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    // null for operators (vendor staff), who see every account
    .addColumn('account_id', 'uuid', (c) => c.references('accounts.id').onDelete('cascade'))
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('owner', 'member', 'operator')`))
    .addColumn('email', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('password_changed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('users_operator_has_no_account', sql`(role = 'operator') = (account_id is null)`)
    .execute();
  await sql`create unique index users_username_lower on users (lower(username))`.execute(db);

  await db.schema
    .createTable('sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();

  await db.schema
    .createTable('login_throttles')
    .addColumn('key', 'text', (c) => c.primaryKey()) // 'user:<lower username>' or 'ip:<address>'
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('window_started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('locked_until', 'timestamptz')
    .execute();

  await db.schema
    .createTable('applications')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('app_id', 'text', (c) => c.notNull().unique())
    .addColumn('lwa_client_id', 'text', (c) => c.notNull())
    .addColumn('client_secret_key_id', 'text', (c) => c.notNull())
    .addColumn('client_secret_blob', 'text', (c) => c.notNull())
    .addColumn('client_secret_issued_at', 'timestamptz', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('draft', 'published')`))
    .addColumn('kind', 'text', (c) =>
      c
        .notNull()
        .defaultTo('public')
        .check(sql`kind in ('public', 'private')`),
    )
    .addColumn('redirect_uri', 'text', (c) => c.notNull())
    .addColumn('login_uri', 'text')
    // null: follows the service default (self-authorizations, https://developer-docs.amazon.com/sp-api/docs/renew-authorizations UNCONFIRMED)
    .addColumn('authorization_lifetime_days', 'integer')
    .addColumn('flagged_at', 'timestamptz')
    .addColumn('flagged_reason', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('connections')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('application_id', 'uuid', (c) => c.notNull().references('applications.id'))
    .addColumn('selling_partner_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull().check(sql`region in ('NA', 'EU', 'FE')`))
    .addColumn('marketplace_ids', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('store_name', 'text')
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('oauth', 'self')`))
    .addColumn('refresh_token_key_id', 'text')
    .addColumn('refresh_token_blob', 'text')
    .addColumn('authorized_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz') // null: does not expire (self-authorization, if so configured)
    .addColumn('state', 'text', (c) =>
      c.notNull().check(sql`state in ('active', 'expiring', 'expired', 'revoked', 'error', 'disconnected')`),
    )
    .addColumn('state_reason', 'text')
    .addColumn('state_changed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_success_at', 'timestamptz')
    .addColumn('last_error_code', 'text')
    .addColumn('last_error_message', 'text')
    .addColumn('last_error_at', 'timestamptz')
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'connections_token_sealed_whole',
      sql`(refresh_token_key_id is null) = (refresh_token_blob is null)`,
    )
    .addUniqueConstraint('connections_one_per_partner', ['application_id', 'selling_partner_id', 'region'])
    .execute();
  await db.schema.createIndex('connections_account').on('connections').column('account_id').execute();
  await db.schema
    .createIndex('connections_expiry')
    .on('connections')
    .columns(['state', 'expires_at'])
    .execute();

  await db.schema
    .createTable('oauth_states')
    .addColumn('state_hash', 'text', (c) => c.primaryKey())
    .addColumn('session_hash', 'text', (c) => c.notNull())
    .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('application_id', 'uuid', (c) => c.notNull().references('applications.id').onDelete('cascade'))
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose in ('connect', 'renew')`))
    .addColumn('connection_id', 'uuid', (c) => c.references('connections.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('account_id', 'uuid', (c) => c.references('accounts.id').onDelete('cascade'))
    .addColumn('connection_id', 'uuid', (c) => c.references('connections.id').onDelete('set null'))
    .addColumn('actor_user_id', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('actor', 'text', (c) => c.notNull()) // 'user:<name>', 'system', 'cli', 'api-key:<prefix>'
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('success', 'failure')`))
    .addColumn('detail', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('ip', 'text')
    .execute();
  await db.schema
    .createIndex('audit_log_connection')
    .on('audit_log')
    .columns(['connection_id', 'at'])
    .execute();
  await db.schema.createIndex('audit_log_account').on('audit_log').columns(['account_id', 'at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'audit_log',
    'oauth_states',
    'connections',
    'applications',
    'login_throttles',
    'sessions',
    'users',
    'accounts',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
