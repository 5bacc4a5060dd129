import { sql, type Kysely } from 'kysely';

/**
 * The application lifecycle: automatic client-secret rotation is tracked on the application
 * (requested, failed with a backoff, or idle), so a rotation that Amazon answered but whose new
 * secret never arrived is retried, and operators are alerted only when it cannot succeed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('applications')
    .addColumn('rotation_state', 'text', (c) =>
      c
        .notNull()
        .defaultTo('idle')
        .check(sql`rotation_state in ('idle', 'requested', 'failed')`),
    )
    .execute();
  await db.schema.alterTable('applications').addColumn('rotation_requested_at', 'timestamptz').execute();
  await db.schema
    .alterTable('applications')
    .addColumn('rotation_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('applications').addColumn('rotation_next_at', 'timestamptz').execute();
  await db.schema.alterTable('applications').addColumn('rotation_last_error', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of [
    'rotation_state',
    'rotation_requested_at',
    'rotation_attempts',
    'rotation_next_at',
    'rotation_last_error',
  ]) {
    await db.schema.alterTable('applications').dropColumn(column).execute();
  }
}
