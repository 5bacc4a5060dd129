import type { Kysely } from 'kysely';

/**
 * Work that survives crashes.
 *
 * `listing_changes`: a change Amazon failed transiently (5xx, network, timeout) waits until
 * `next_attempt_at` (backoff, per change, so only its SKU waits) and is given up only when it has
 * been failing since `retrying_since` for longer than the retry window (hours, not a number of
 * attempts).
 *
 * `order_syncs`: the walk in progress: its window and the pagination token of the next page, saved
 * with each committed page, so a run that died or stopped for its time budget resumes at that page
 * instead of re-reading the window from the watermark minus the overlap.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('listing_changes').addColumn('next_attempt_at', 'timestamptz').execute();
  await db.schema.alterTable('listing_changes').addColumn('retrying_since', 'timestamptz').execute();
  await db.schema.alterTable('order_syncs').addColumn('resume_window_start', 'timestamptz').execute();
  await db.schema.alterTable('order_syncs').addColumn('resume_window_end', 'timestamptz').execute();
  await db.schema.alterTable('order_syncs').addColumn('resume_token', 'text').execute();
  await db.schema.alterTable('order_syncs').addColumn('resume_saved_at', 'timestamptz').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of ['next_attempt_at', 'retrying_since'])
    await db.schema.alterTable('listing_changes').dropColumn(column).execute();
  for (const column of ['resume_window_start', 'resume_window_end', 'resume_token', 'resume_saved_at'])
    await db.schema.alterTable('order_syncs').dropColumn(column).execute();
}
