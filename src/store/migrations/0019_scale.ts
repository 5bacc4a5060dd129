import { sql, type Kysely } from 'kysely';

/**
 * Indexes for 100,000 connections (bench/scale.ts): the connections list (`GET /api/v1/connections`,
 * the portal's `/connections`; src/connections/list-page.ts) pages by keyset in its order, region,
 * seller, then creation:
 *
 * - `(region, selling_partner_id, created_at, id)`: an operator's list of every account, page after
 *   page, reads one page of the index whatever the page's depth;
 * - `(account_id, region, selling_partner_id, created_at, id)`: the same for one account's list.
 * @see https://www.postgresql.org/docs/current/indexes-ordering.html
 * @see https://www.postgresql.org/docs/current/functions-comparisons.html#ROW-WISE-COMPARISON
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index connections_list on connections (region, selling_partner_id, created_at, id)`.execute(
    db,
  );
  await sql`create index connections_account_list on connections (account_id, region, selling_partner_id, created_at, id)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const name of ['connections_account_list', 'connections_list'])
    await db.schema.dropIndex(name).execute();
}
