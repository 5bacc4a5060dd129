import type { ColumnType } from 'kysely';
import type { DefaultedTimestamp, Timestamp } from './columns.js';

/** The notify tables' row types (see src/store/schema.ts for the whole database). */

/** Notification settings per scope: an account id, or `operators` (migration 0009). */
export interface NotificationSettingsTable {
  scope: string;
  account_id: string | null;
  email_enabled: ColumnType<boolean, boolean | undefined, boolean>;
  recipients: ColumnType<string[], string | undefined, string>;
  event_types: ColumnType<string[], string | undefined, string>;
  updated_at: DefaultedTimestamp;
  updated_by: string | null;
  /** Migration 0022: `each` (one e-mail per event) or `digest` (a day's reminders in one e-mail). */
  email_mode: ColumnType<'each' | 'digest', 'each' | 'digest' | undefined, 'each' | 'digest'>;
}

/** A webhook endpoint of a scope; its signing secret is sealed with the vault. */
export interface WebhookEndpointsTable {
  id: string;
  scope: string;
  account_id: string | null;
  url: string;
  description: string | null;
  event_types: ColumnType<string[], string | undefined, string>;
  secret_key_id: string;
  secret_blob: string;
  created_at: Timestamp;
  /** Database time of creation: compared with events.recorded_at by fan-out. */
  recorded_at: DefaultedTimestamp;
  created_by: string;
  disabled_at: Timestamp | null;
  /** Migration 0022: when the signing secret was shown (once); null until then. */
  secret_revealed_at: Timestamp | null;
}

/** One notification of one event to one e-mail address or webhook endpoint. */
export interface NotificationDeliveriesTable {
  /** bigserial: string on pg, number on PGlite; notify/ normalises. */
  id: ColumnType<string | number, never, never>;
  event_id: ColumnType<string | number, number | string, never>;
  event_type: string;
  scope: string;
  account_id: string | null;
  channel: 'email' | 'webhook';
  target: string;
  endpoint_id: string | null;
  content: ColumnType<Record<string, unknown>, string, string>;
  /** `held`: a reminder waiting for the day's digest; `digested`: sent inside delivery `digest_id`. */
  status: ColumnType<DeliveryStatus, DeliveryStatus | undefined, DeliveryStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Timestamp | null;
  give_up_at: Timestamp;
  last_attempt_at: Timestamp | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: Timestamp | null;
  created_at: Timestamp;
  /** Migration 0022: the digest delivery that carries this one (the carrier: itself). */
  digest_id: ColumnType<string | number | null, never, number | string | null>;
}

/** A delivery's state (migration 0009; `held` and `digested` since 0022). */
export type DeliveryStatus = 'pending' | 'sending' | 'delivered' | 'failed' | 'held' | 'digested';
