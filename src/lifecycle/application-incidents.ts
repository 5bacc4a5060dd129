import type { Kysely } from 'kysely';
import { recordEvent } from '../events/events.js';
import type { Database } from '../store/schema.js';
import { incidentKey } from './event-keys.js';

/**
 * An application incident (Amazon refuses the app's credentials) and its end: who is told, and the
 * recovery that tells them. Written inside the transaction of the change (lifecycle/applications.ts).
 */

/** Who is told about an incident: the operators, and every account with a live connection through the app. */
export async function audiences(q: Kysely<Database>, id: string): Promise<(string | null)[]> {
  const rows = await q
    .selectFrom('connections')
    .select('account_id')
    .distinct()
    .where('application_id', '=', id)
    .where('state', '!=', 'disconnected')
    .orderBy('account_id')
    .execute();
  return [null, ...rows.map((r) => r.account_id)];
}

/** Clears a rejection inside `q` and records `application.recovered` for everyone who was told. */
export async function recoverApplication(
  q: Kysely<Database>,
  id: string,
  how: string,
  now: Date,
): Promise<boolean> {
  const row = await q
    .selectFrom('applications')
    .select(['app_id', 'name', 'flagged_at'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  if (!row?.flagged_at) return false;
  await q
    .updateTable('applications')
    .set({ flagged_at: null, flagged_reason: null, updated_at: now })
    .where('id', '=', id)
    .execute();
  for (const accountId of await audiences(q, id)) {
    await recordEvent(q, {
      type: 'application.recovered',
      at: now,
      accountId,
      applicationId: id,
      payload: { appId: row.app_id, name: row.name, how, rejectedSince: row.flagged_at.toISOString() },
      dedupeKey: incidentKey('application.recovered', id, row.flagged_at, accountId ?? 'operators'),
    });
  }
  return true;
}
