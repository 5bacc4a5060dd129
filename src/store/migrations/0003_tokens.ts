import { sql, type Kysely } from 'kysely';

/** Cached access tokens (sealed, shared by every process) for the token broker. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('access_tokens')
    .addColumn('connection_id', 'uuid', (c) =>
      c.primaryKey().references('connections.id').onDelete('cascade'),
    )
    .addColumn('token_key_id', 'text', (c) => c.notNull())
    .addColumn('token_blob', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('minted_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('access_tokens').execute();
}
