import type { Kysely, Selectable } from 'kysely';
import type { Viewer } from '../connections/repository.js';
import type { EventType } from '../events/events.js';
import type { Clock } from '../kernel/clock.js';
import type { Database, NotificationDeliveriesTable } from '../store/schema.js';
import { NotifyError } from './errors.js';
import { eventsAwaitingFanOut } from './fan-out.js';

/** A delivery as the portal's log shows it. */
export interface Delivery {
  id: number;
  eventId: number;
  eventType: EventType;
  scope: string;
  channel: 'email' | 'webhook';
  /** E-mail address, or the endpoint's URL. */
  target: string;
  endpointId: string | null;
  /** `held`: an expiry reminder waiting for the day's digest; `digested`: sent in delivery `digestId`. */
  status: 'pending' | 'delivered' | 'failed' | 'held' | 'digested';
  /** The digest e-mail carrying this delivery (the digest's own row: itself); null for others. */
  digestId: number | null;
  attempts: number;
  nextAttemptAt: Date | null;
  giveUpAt: Date;
  lastAttemptAt: Date | null;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: Date | null;
  createdAt: Date;
  /** E-mail subject, or the webhook body. */
  summary: string;
}

/** Work not yet done, for /metrics: deliveries pending per channel and the oldest one's age. */
export interface DeliveryBacklog {
  channels: { channel: 'email' | 'webhook'; pending: number; oldestAgeSeconds: number }[];
  /** Events recorded but not yet fanned out into deliveries. */
  eventsAwaitingFanOut: number;
}

/** Which part of the delivery log to show. */
export interface DeliveryListOptions {
  scope?: string | null;
  channel?: 'email' | 'webhook';
  status?: 'pending' | 'delivered' | 'failed' | 'held' | 'digested';
  endpointId?: string;
  eventId?: number;
  limit?: number;
  beforeId?: number;
}

/** The scopes a viewer may see: null for operators (all), else their account's (none without one). */
export function visibleScopes(viewer: Viewer): string[] | null {
  return viewer.role === 'operator' ? null : viewer.accountId ? [viewer.accountId] : [];
}

/** A stored delivery (with its endpoint's URL, when it still exists) as the log shows it. */
export function toDelivery(r: Selectable<NotificationDeliveriesTable> & { url: string | null }): Delivery {
  const content = r.content as { subject?: string; body?: string };
  return {
    id: Number(r.id),
    eventId: Number(r.event_id),
    eventType: r.event_type as EventType,
    scope: r.scope,
    channel: r.channel,
    target: r.channel === 'webhook' ? (r.url ?? '(removed endpoint)') : r.target,
    endpointId: r.endpoint_id,
    status: r.status === 'sending' ? 'pending' : r.status,
    digestId: r.digest_id === null ? null : Number(r.digest_id),
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    giveUpAt: r.give_up_at,
    lastAttemptAt: r.last_attempt_at,
    lastStatus: r.last_status,
    lastError: r.last_error,
    deliveredAt: r.delivered_at,
    createdAt: r.created_at,
    summary: content.subject ?? content.body ?? '',
  };
}

/** The delivery log of the viewer's scope (operators: `scope`, or all), newest first. */
export async function listDeliveries(
  db: Kysely<Database>,
  viewer: Viewer,
  options: DeliveryListOptions = {},
): Promise<Delivery[]> {
  let q = db
    .selectFrom('notification_deliveries as d')
    .leftJoin('webhook_endpoints as w', 'w.id', 'd.endpoint_id')
    .selectAll('d')
    .select('w.url as url')
    .orderBy('d.id', 'desc')
    .limit(Math.min(options.limit ?? 100, 500));
  const scopes = visibleScopes(viewer);
  if (scopes) q = q.where('d.scope', 'in', scopes.length ? scopes : ['-']);
  else if (options.scope) q = q.where('d.scope', '=', options.scope);
  if (options.channel) q = q.where('d.channel', '=', options.channel);
  if (options.status) q = q.where('d.status', '=', options.status);
  if (options.endpointId) q = q.where('d.endpoint_id', '=', options.endpointId);
  if (options.eventId !== undefined) q = q.where('d.event_id', '=', options.eventId);
  if (options.beforeId !== undefined) q = q.where('d.id', '<', options.beforeId);
  return (await q.execute()).map(toDelivery);
}

/** Pending (or in-flight) deliveries per channel and the age of the oldest, by the service's clock. */
export async function deliveryBacklog(db: Kysely<Database>, clock: Clock): Promise<DeliveryBacklog> {
  const rows = await db
    .selectFrom('notification_deliveries')
    .select([
      'channel',
      (eb) => eb.fn.countAll<string>().as('n'),
      (eb) => eb.fn.min('created_at').as('oldest'),
    ])
    .where('status', 'in', ['pending', 'sending'])
    .groupBy('channel')
    .execute();
  const now = clock.now();
  const channels = (['email', 'webhook'] as const).map((channel) => {
    const r = rows.find((x) => x.channel === channel);
    const oldest = r?.oldest ? new Date(r.oldest).getTime() : now;
    return {
      channel,
      pending: Number(r?.n ?? 0),
      oldestAgeSeconds: Math.max(0, Math.round((now - oldest) / 1000)),
    };
  });
  return { channels, eventsAwaitingFanOut: await eventsAwaitingFanOut(db) };
}

/**
 * Queues a delivery again, now, with a fresh retry window (also a delivered one: the receiver
 * gets the same body with a new signature and the same Sellerlink-Delivery id).
 */
export async function redeliver(
  deps: { db: Kysely<Database>; clock: Clock; retryWindowMs: number },
  viewer: Viewer,
  id: number,
): Promise<Delivery> {
  const { db } = deps;
  if (viewer.role === 'member')
    throw new NotifyError('NOTIFY_FORBIDDEN', "only the account's owners and operators redeliver");
  const scopes = visibleScopes(viewer);
  let q = db.selectFrom('notification_deliveries').select(['id', 'scope']).where('id', '=', id);
  if (scopes) q = q.where('scope', 'in', scopes.length ? scopes : ['-']);
  const row = Number.isSafeInteger(id) && id > 0 ? await q.executeTakeFirst() : undefined;
  if (!row) throw new NotifyError('NOTIFY_DELIVERY_NOT_FOUND', 'no such delivery');
  const now = deps.clock.now();
  await db
    .updateTable('notification_deliveries')
    .set({
      status: 'pending',
      next_attempt_at: new Date(now),
      give_up_at: new Date(now + deps.retryWindowMs),
    })
    .where('id', '=', id)
    .execute();
  const [updated] = await listDeliveries(db, viewer, { limit: 1, beforeId: id + 1 });
  return updated!;
}
