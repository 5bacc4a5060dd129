import { sql, type Kysely } from 'kysely';
import type { Viewer } from '../connections/repository.js';
import { recordEvent } from '../events/events.js';
import type { Clock } from '../kernel/clock.js';
import { isUuid } from '../kernel/input.js';
import type { Secret } from '../kernel/secret.js';
import type { Database } from '../store/schema.js';
import type { Vault } from '../vault/envelope.js';
import { endpointSecret } from './endpoint-secrets.js';
import { toEndpoint, type WebhookEndpoint } from './endpoints.js';
import { NotifyError } from './errors.js';
import { TEST_EVENT } from './content.js';
import { actorOf } from './rules.js';

/** How long after adding an endpoint its secret may still be shown (once), by the database's clock. */
const REVEAL_WITHIN = '15 minutes';

/**
 * The signing secret of an endpoint the viewer just added, once: the first call marks it shown
 * (a conditional update, so two tabs or processes cannot both get it), later calls, another user's,
 * or one more than 15 minutes after adding get null. The adding form redirects to the page that
 * calls this (POST-redirect-GET), so a reload neither resubmits the form nor shows the secret again.
 */
export async function revealNewSecret(
  deps: { db: Kysely<Database>; vault: Vault; clock: Clock },
  viewer: Viewer,
  id: string,
): Promise<{ endpoint: WebhookEndpoint; secret: Secret } | null> {
  if (!isUuid(id)) return null;
  const row = await deps.db
    .updateTable('webhook_endpoints')
    .set({ secret_revealed_at: new Date(deps.clock.now()) })
    .where('id', '=', id)
    .where('secret_revealed_at', 'is', null)
    .where('disabled_at', 'is', null)
    .where('created_by', '=', actorOf(viewer))
    .where('recorded_at', '>', sql<Date>`now() - ${REVEAL_WITHIN}::interval`)
    .returningAll()
    .executeTakeFirst();
  if (!row) return null;
  return { endpoint: toEndpoint(row), secret: await endpointSecret(deps, id) };
}

/** What a test event says to its receiver. */
export const TEST_EVENT_MESSAGE =
  'A test event from Sellerlink: nothing happened. Your endpoint is reachable; check that it verified the signature.';

/**
 * Records a `webhook.test` event for one endpoint the viewer may see: fan-out delivers it to that
 * endpoint only (never by e-mail), signed and retried like any other event, and the delivery log shows
 * it. Returns the event's id (`evt_<n>` to receivers).
 */
export async function sendTestEvent(
  deps: { db: Kysely<Database>; clock: Clock },
  viewer: Viewer,
  id: string,
): Promise<{ eventId: number; endpoint: WebhookEndpoint }> {
  // A test changes no setting: anyone who sees the endpoint may send one (members, account API keys).
  if (!isUuid(id)) throw new NotifyError('NOTIFY_ENDPOINT_NOT_FOUND', 'no such webhook endpoint');
  let q = deps.db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('id', '=', id)
    .where('disabled_at', 'is', null);
  if (viewer.role !== 'operator') q = q.where('account_id', '=', viewer.accountId ?? '');
  const row = await q.executeTakeFirst();
  if (!row) throw new NotifyError('NOTIFY_ENDPOINT_NOT_FOUND', 'no such webhook endpoint');
  const eventId = await recordEvent(deps.db, {
    type: TEST_EVENT,
    at: new Date(deps.clock.now()),
    accountId: row.account_id,
    payload: { endpointId: row.id, requestedBy: actorOf(viewer), message: TEST_EVENT_MESSAGE },
  });
  return { eventId: eventId!, endpoint: toEndpoint(row) };
}
