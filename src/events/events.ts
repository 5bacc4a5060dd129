import type { Kysely, Selectable } from 'kysely';
import type { Database, EventsTable } from '../store/schema.js';

/** Every event type Sellerlink raises. */
export const EVENT_TYPES = [
  'connection.connected',
  'connection.renewed',
  'connection.disconnected',
  'connection.expiring',
  'connection.expired',
  'connection.revoked',
  'connection.error',
  'connection.claim_review',
  'application.rejected',
  'application.recovered',
  'application.rotation_failed',
  'application.secret_expiring',
  'application.secret_rotated',
  'order.upserted',
  'listing.accepted',
  'listing.rejected',
  'connect_session.completed',
  'webhook.test',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Whether a value names an event type. */
export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}

/** An event to append. */
export interface NewEvent {
  type: EventType;
  at: Date;
  accountId?: string | null;
  connectionId?: string | null;
  applicationId?: string | null;
  payload?: Record<string, unknown>;
  /** When set, a second event with the same key is ignored (exactly once). */
  dedupeKey?: string;
}

/** A stored event. */
export interface StoredEvent {
  id: number;
  type: EventType;
  at: Date;
  accountId: string | null;
  connectionId: string | null;
  applicationId: string | null;
  payload: Record<string, unknown>;
}

/** An event as its `events` row is inserted. */
function eventRow(event: NewEvent) {
  return {
    type: event.type,
    occurred_at: event.at,
    account_id: event.accountId ?? null,
    connection_id: event.connectionId ?? null,
    application_id: event.applicationId ?? null,
    payload: JSON.stringify(event.payload ?? {}),
    dedupe_key: event.dedupeKey ?? null,
  };
}

/**
 * Appends an event. Pass the transaction that makes the change, so the event is stored if and
 * only if the change is. Returns the event's id, or null when `dedupeKey` was already used.
 */
export async function recordEvent(db: Kysely<Database>, event: NewEvent): Promise<number | null> {
  const row = await db
    .insertInto('events')
    .values(eventRow(event))
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row ? Number(row.id) : null;
}

/**
 * Appends events in one statement, each skipped when its dedupe key was used (as `recordEvent`
 * does one at a time). Returns how many were appended.
 */
export async function recordEvents(db: Kysely<Database>, events: readonly NewEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const rows = await db
    .insertInto('events')
    .values(events.map(eventRow))
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .returning('id')
    .execute();
  return rows.length;
}

/** Events after `afterId` in id order (the delivery cursor), optionally for one account. */
export async function listEvents(
  db: Kysely<Database>,
  options: {
    afterId?: number;
    accountId?: string;
    connectionId?: string;
    types?: EventType[];
    limit?: number;
  },
): Promise<StoredEvent[]> {
  let query = db
    .selectFrom('events')
    .selectAll()
    .where('id', '>', String(options.afterId ?? 0))
    .orderBy('id')
    .limit(options.limit ?? 500);
  if (options.accountId) query = query.where('account_id', '=', options.accountId);
  if (options.connectionId) query = query.where('connection_id', '=', options.connectionId);
  if (options.types?.length) query = query.where('type', 'in', options.types);
  return (await query.execute()).map(toStoredEvent);
}

/** A row of the event log as a StoredEvent (ids normalised: pg returns bigint as text). */
export function toStoredEvent(r: Selectable<EventsTable>): StoredEvent {
  return {
    id: Number(r.id),
    type: r.type as EventType,
    at: r.occurred_at,
    accountId: r.account_id,
    connectionId: r.connection_id,
    applicationId: r.application_id,
    payload: r.payload,
  };
}
