import { sql, type Kysely } from 'kysely';

/**
 * Notifications (docs/notifications.md):
 * - `notification_settings.email_mode`: `each` (one e-mail per event, as before) or `digest` (a
 *   scope's expiry reminders of a day gathered into one e-mail per recipient).
 * - `notification_deliveries.digest_id`: a reminder held for the digest (`status` `held`) points, once
 *   the digest is composed (`status` `digested`), at the delivery that carries it; the carrier points
 *   at itself.
 * - `webhook_endpoints.secret_revealed_at`: when the signing secret was shown (once, on the page the
 *   adding form redirects to); endpoints added before this migration count as shown.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table notification_settings add column email_mode text not null default 'each'`.execute(db);
  await sql`alter table notification_deliveries
    add column digest_id bigint references notification_deliveries(id) on delete set null`.execute(db);
  await sql`create index notification_deliveries_held on notification_deliveries (scope, target, id)
    where status = 'held'`.execute(db);
  await sql`alter table webhook_endpoints add column secret_revealed_at timestamptz`.execute(db);
  await sql`update webhook_endpoints set secret_revealed_at = recorded_at`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table webhook_endpoints drop column secret_revealed_at`.execute(db);
  await sql`drop index notification_deliveries_held`.execute(db);
  await sql`alter table notification_deliveries drop column digest_id`.execute(db);
  await sql`alter table notification_settings drop column email_mode`.execute(db);
}
