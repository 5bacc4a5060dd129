import { sql, type Kysely } from 'kysely';

/**
 * Indexes for the operators' console (src/connections/operator-search.ts, src/accounts/directory.ts),
 * so searching and paging stay fast at 100,000 connections:
 *
 * - `(created_at, id)` on connections and accounts: the keyset order of the pages (newest first).
 * - `lower(...) text_pattern_ops` on the seller id, the store name, the account name and the external
 *   id: case-insensitive prefix search (`lower(col) like 'abc%'`), whatever the database's collation.
 *
 * The filters use the indexes already there: `(state, expires_at)`, `(api, state)`, `account_id`.
 * @see https://www.postgresql.org/docs/current/indexes-opclass.html
 * @see https://www.postgresql.org/docs/current/indexes-expressional.html
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index connections_created_id on connections (created_at, id)`.execute(db);
  await sql`create index connections_seller_prefix on connections (lower(selling_partner_id) text_pattern_ops)`.execute(
    db,
  );
  await sql`create index connections_store_prefix on connections (lower(store_name) text_pattern_ops)`.execute(
    db,
  );
  await sql`create index accounts_created_id on accounts (created_at, id)`.execute(db);
  await sql`create index accounts_name_prefix on accounts (lower(name) text_pattern_ops)`.execute(db);
  await sql`create index accounts_external_id_prefix on accounts (lower(external_id) text_pattern_ops)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const name of [
    'accounts_external_id_prefix',
    'accounts_name_prefix',
    'accounts_created_id',
    'connections_store_prefix',
    'connections_seller_prefix',
    'connections_created_id',
  ]) {
    await db.schema.dropIndex(name).execute();
  }
}
