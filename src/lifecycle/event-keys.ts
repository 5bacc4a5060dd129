import type { Kysely } from 'kysely';
import { recordEvent, type EventType } from '../events/events.js';
import type { AmazonApi, Database, RegionCode } from '../store/schema.js';
import { partnerFields } from './ads-identity.js';

/**
 * Dedupe keys of lifecycle events: each connection event at most once per authorization period
 * (a renewal, i.e. a new `expires_at`, starts a new period), each application alert once per
 * incident. Events are recorded in the transaction that makes the change (`recordConnectionEvent`),
 * so a change is never stored without its event, and an event never without its change.
 */

const DAY = 86_400_000;

/** The authorization period a connection is in: its expiry, or (never expiring) when it was authorized. */
export function periodOf(row: { expires_at: Date | null; authorized_at: Date }): string {
  return (row.expires_at ?? row.authorized_at).toISOString();
}

/** `connection.expiring:<id>:<expires_at>:<threshold>`: one reminder per threshold per period. */
export function expiringKey(connectionId: string, expiresAt: Date, threshold: number): string {
  return `connection.expiring:${connectionId}:${expiresAt.toISOString()}:${threshold}`;
}

/** `connection.<what>:<id>:<period>` for connected, renewed, revoked, expired, disconnected. */
export function connectionPeriodKey(type: EventType, connectionId: string, period: string): string {
  return `${type}:${connectionId}:${period}`;
}

/** `application.secret_expiring:<id>:<expires_at>:<threshold>`: one warning per threshold per secret. */
export function secretExpiringKey(applicationId: string, expiresAt: Date, threshold: number): string {
  return `application.secret_expiring:${applicationId}:${expiresAt.toISOString()}:${threshold}`;
}

/** `application.<rejected|recovered>:<id>:<incident start>:<account or operators>`: once per incident and audience. */
export function incidentKey(
  type: 'application.rejected' | 'application.recovered',
  applicationId: string,
  incidentAt: Date,
  audience: string,
): string {
  return `${type}:${applicationId}:${incidentAt.toISOString()}:${audience}`;
}

/** The connection columns an event payload is built from. */
export interface ConnectionEventRow {
  id: string;
  api?: AmazonApi;
  account_id: string;
  application_id: string;
  selling_partner_id: string;
  region: RegionCode;
  store_name: string | null;
  expires_at: Date | null;
  authorized_at: Date;
}

/**
 * Appends a connection event with its period key and the facts a reader needs (who, where, until
 * when). Pass the transaction of the change. Returns the event id, or null when already recorded.
 */
export async function recordConnectionEvent(
  q: Kysely<Database>,
  row: ConnectionEventRow,
  type: EventType,
  at: Date,
  detail: Record<string, unknown> = {},
  dedupeKey: string = connectionPeriodKey(type, row.id, periodOf(row)),
): Promise<number | null> {
  return recordEvent(q, {
    type,
    at,
    accountId: row.account_id,
    connectionId: row.id,
    applicationId: row.application_id,
    payload: {
      ...partnerFields(row),
      region: row.region,
      storeName: row.store_name,
      expiresAt: row.expires_at?.toISOString() ?? null,
      accountId: row.account_id,
      ...detail,
    },
    dedupeKey,
  });
}

/**
 * The likely cause of Amazon refusing an app's client credentials (invalid_client), in plain words
 * for the operator, from what Sellerlink knows about the secret's age and rotation.
 */
export function likelyRejectionCause(
  app: {
    appId: string;
    clientSecretIssuedAt: Date;
    clientSecretExpiresAt: Date;
    previousSecretExpiresAt: Date | null;
  },
  now: number,
): string {
  const day = (d: Date): string => d.toISOString().slice(0, 10);
  const fix = `Sellerlink rotates secrets by itself while Amazon still accepts the current one; once Amazon refuses it, create a new secret in the Developer Console and register it with 'sellerlink applications add' (or forward Amazon's APPLICATION_OAUTH_CLIENT_NEW_SECRET notification).`;
  if (app.clientSecretExpiresAt.getTime() <= now) {
    return `The app's client secret expired on ${day(app.clientSecretExpiresAt)} (Amazon requires a new one every 180 days). Every seller of this app is cut off until it is replaced. ${fix}`;
  }
  if (now - app.clientSecretIssuedAt.getTime() < 2 * DAY && app.previousSecretExpiresAt) {
    return `The client secret was replaced on ${day(app.clientSecretIssuedAt)} and Amazon refuses the new one: it may have been rotated again since. Check the Developer Console's LWA credentials. ${fix}`;
  }
  return `Amazon refuses the client secret Sellerlink holds although it should be valid until ${day(app.clientSecretExpiresAt)}: it was most likely rotated elsewhere (the Developer Console's "Rotate secret"; the old secret stops working 7 days later) or mistyped when registered. ${fix}`;
}
