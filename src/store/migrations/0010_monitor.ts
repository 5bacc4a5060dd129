import type { Kysely } from 'kysely';

/**
 * The monitor: when each connection was last probed with a cheap SP-API call, and each
 * application's client secret expiry plus the previous (rotated-out) secret, sealed, kept until its
 * own expiry (Amazon accepts it for 7 days after a rotation, https://developer-docs.amazon.com/sp-api/docs/rotate-your-application-client-secret).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('connections').addColumn('last_probe_at', 'timestamptz').execute();
  await db.schema.alterTable('connections').addColumn('last_probe_outcome', 'text').execute();
  await db.schema.alterTable('applications').addColumn('client_secret_expires_at', 'timestamptz').execute();
  await db.schema.alterTable('applications').addColumn('previous_secret_key_id', 'text').execute();
  await db.schema.alterTable('applications').addColumn('previous_secret_blob', 'text').execute();
  await db.schema.alterTable('applications').addColumn('previous_secret_expires_at', 'timestamptz').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of ['last_probe_at', 'last_probe_outcome']) {
    await db.schema.alterTable('connections').dropColumn(column).execute();
  }
  for (const column of [
    'client_secret_expires_at',
    'previous_secret_key_id',
    'previous_secret_blob',
    'previous_secret_expires_at',
  ]) {
    await db.schema.alterTable('applications').dropColumn(column).execute();
  }
}
