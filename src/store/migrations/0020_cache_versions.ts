import { sql, type Kysely } from 'kysely';

/**
 * The cache version behind the token broker's and the API keys' in-memory caches
 * (src/broker/cache.ts): one row whose `version` moves whenever something a cached answer depends
 * on changes, in the same transaction as the change, so every process sees both at once.
 *
 * The bumps are triggers, so no writer can forget one (a lifecycle transition, an account deleted
 * with its connections and keys by cascade, an operator's SQL):
 * - `connections`: a change of state, expiry, authorization, refresh token (present or not),
 *   account, application, seller, region or API; a delete. Not the frequent bookkeeping (last
 *   success, probes, failure counts, marketplaces, re-sealing under a newer key).
 * - `applications`: flagged (Amazon refused its credentials) or cleared; a delete.
 * - `api_keys`: revoked, its hash or account changed; a delete.
 * - `access_tokens`: a delete (the broker's invalidation, a dead authorization).
 *
 * The triggers are deferred constraint triggers: they run at commit, after every other statement
 * of the transaction, so the one row is locked only for the instant before commit (no lock-order
 * deadlock with the rows the transaction changed), and a transaction bumps once however many rows
 * it changes (a transaction-local setting remembers it did).
 * @see https://www.postgresql.org/docs/current/sql-createtrigger.html (CONSTRAINT, INITIALLY DEFERRED)
 * @see https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-ADMIN-SET (set_config, is_local)
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table cache_versions (id smallint primary key, version bigint not null)`.execute(db);
  await sql`insert into cache_versions (id, version) values (1, 0)`.execute(db);
  await sql`
    create function sellerlink_bump_cache_version() returns trigger language plpgsql as $$
    begin
      if current_setting('sellerlink.cache_bumped', true) = 'yes' then
        return null;
      end if;
      perform set_config('sellerlink.cache_bumped', 'yes', true);
      update cache_versions set version = version + 1 where id = 1;
      return null;
    end
    $$`.execute(db);
  const triggers: { table: string; event: 'update' | 'delete'; when?: string }[] = [
    {
      table: 'connections',
      event: 'update',
      when: `old.state is distinct from new.state
        or old.state_changed_at is distinct from new.state_changed_at
        or old.expires_at is distinct from new.expires_at
        or old.authorized_at is distinct from new.authorized_at
        or (old.refresh_token_blob is null) <> (new.refresh_token_blob is null)
        or old.account_id is distinct from new.account_id
        or old.application_id is distinct from new.application_id
        or old.selling_partner_id is distinct from new.selling_partner_id
        or old.region is distinct from new.region
        or old.api is distinct from new.api`,
    },
    { table: 'connections', event: 'delete' },
    {
      table: 'applications',
      event: 'update',
      when: `old.flagged_at is distinct from new.flagged_at
        or old.flagged_reason is distinct from new.flagged_reason`,
    },
    { table: 'applications', event: 'delete' },
    {
      table: 'api_keys',
      event: 'update',
      when: `old.revoked_at is distinct from new.revoked_at
        or old.key_hash is distinct from new.key_hash
        or old.prefix is distinct from new.prefix
        or old.account_id is distinct from new.account_id`,
    },
    { table: 'api_keys', event: 'delete' },
    { table: 'access_tokens', event: 'delete' },
  ];
  for (const t of triggers) {
    await sql`
      create constraint trigger ${sql.raw(`${t.table}_cache_version_${t.event}`)}
      after ${sql.raw(t.event)} on ${sql.table(t.table)}
      deferrable initially deferred
      for each row
      ${sql.raw(t.when ? `when (${t.when})` : '')}
      execute function sellerlink_bump_cache_version()`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const [table, event] of [
    ['connections', 'update'],
    ['connections', 'delete'],
    ['applications', 'update'],
    ['applications', 'delete'],
    ['api_keys', 'update'],
    ['api_keys', 'delete'],
    ['access_tokens', 'delete'],
  ] as const) {
    await sql`drop trigger ${sql.raw(`${table}_cache_version_${event}`)} on ${sql.table(table)}`.execute(db);
  }
  await sql`drop function sellerlink_bump_cache_version()`.execute(db);
  await sql`drop table cache_versions`.execute(db);
}
