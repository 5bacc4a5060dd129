import type { Kysely } from 'kysely';
import { ConnectionsError } from '../connections/errors.js';
import { recordEvent } from '../events/events.js';
import type { Database } from '../store/schema.js';
import { toApplication } from './application-model.js';
import { incidentKey, likelyRejectionCause } from './event-keys.js';

/**
 * An application incident (Amazon refuses the app's credentials) and its end: who is told, and the
 * recovery that tells them. Written inside the transaction of the change (lifecycle/applications.ts).
 */

/** Who is told about an incident: the operators, and every account with a live connection through the app. */
async function audiences(q: Kysely<Database>, id: string): Promise<(string | null)[]> {
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
  const since = row.flagged_at;
  await tellAudiences(q, id, 'application.recovered', since, now, () => ({
    appId: row.app_id,
    name: row.name,
    how,
    rejectedSince: since.toISOString(),
  }));
  return true;
}

/**
 * Amazon refused the app's client credentials: flags it with the likely cause and tells the
 * operators (cause and fix) and each affected account (nothing asked of it), once per incident.
 * Returns whether this started a new incident.
 */
export async function rejectApplication(
  q: Kysely<Database>,
  id: string,
  amazonMessage: string | null,
  now: Date,
): Promise<boolean> {
  const row = await q
    .selectFrom('applications')
    .selectAll()
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw new ConnectionsError('APPLICATION_NOT_FOUND', `no application '${id}'`);
  if (row.flagged_at) return false;
  const app = toApplication(row);
  const cause = likelyRejectionCause(app, now.getTime());
  await q
    .updateTable('applications')
    .set({ flagged_at: now, flagged_reason: cause, updated_at: now })
    .where('id', '=', id)
    .execute();
  await tellAudiences(q, id, 'application.rejected', now, now, (accountId) =>
    accountId
      ? { appId: app.appId, name: app.name, action: 'operator' }
      : { appId: app.appId, name: app.name, likelyCause: cause, amazon: amazonMessage },
  );
  return true;
}

/** Records an incident event once per audience (the operators: null, and each account). */
async function tellAudiences(
  q: Kysely<Database>,
  id: string,
  type: 'application.rejected' | 'application.recovered',
  incidentAt: Date,
  now: Date,
  payload: (accountId: string | null) => Record<string, unknown>,
): Promise<void> {
  for (const accountId of await audiences(q, id)) {
    await recordEvent(q, {
      type,
      at: now,
      accountId,
      applicationId: id,
      payload: payload(accountId),
      dedupeKey: incidentKey(type, id, incidentAt, accountId ?? 'operators'),
    });
  }
}
