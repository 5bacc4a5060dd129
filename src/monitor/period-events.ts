import type { Kysely } from 'kysely';
import { recordEvent, type EventType } from '../events/events.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import type { Database } from '../store/schema.js';

/**
 * Connection and application events, each at most once per authorization period (or, for an app,
 * per client secret): the dedupe key names the event, the connection and the period, so the token
 * broker, the connection use cases and the monitor can all raise `connection.revoked` for the same
 * dead authorization and the log still holds it once. A renewal (new `expires_at`) starts a new period.
 */

/** An event raised by connections/, tokens/ or the monitor, before it gets its period key. */
export interface PeriodEvent {
  type: EventType;
  at: Date;
  connectionId?: string | null;
  accountId?: string | null;
  applicationId?: string | null;
  detail?: Record<string, unknown>;
}

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

/** `application.rejected:<id>:<secret issued at>`: one alert per client secret Amazon refuses. */
export function rejectedKey(applicationId: string, secretIssuedAt: Date): string {
  return `application.rejected:${applicationId}:${secretIssuedAt.toISOString()}`;
}

/** What the connection looks like to a reader of the event: who, where, until when. */
export async function connectionFacts(
  db: Kysely<Database>,
  connectionId: string,
): Promise<
  | {
      period: string;
      payload: Record<string, unknown>;
      accountId: string;
      applicationId: string;
    }
  | undefined
> {
  const row = await db
    .selectFrom('connections')
    .select([
      'account_id',
      'application_id',
      'selling_partner_id',
      'region',
      'store_name',
      'expires_at',
      'authorized_at',
    ])
    .where('id', '=', connectionId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    period: periodOf(row),
    accountId: row.account_id,
    applicationId: row.application_id,
    payload: {
      sellingPartnerId: row.selling_partner_id,
      region: row.region,
      storeName: row.store_name,
      expiresAt: row.expires_at?.toISOString() ?? null,
      accountId: row.account_id,
    },
  };
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
  const fix = `Rotate it with 'sellerlink applications rotate-secret ${app.appId}' (or in the Developer Console, then 'sellerlink applications ingest-secret').`;
  if (app.clientSecretExpiresAt.getTime() <= now) {
    return `The app's client secret expired on ${day(app.clientSecretExpiresAt)} (Amazon requires a new one every 180 days). Every seller of this app is cut off until it is rotated. ${fix}`;
  }
  if (now - app.clientSecretIssuedAt.getTime() < 2 * DAY && app.previousSecretExpiresAt) {
    return `The client secret was replaced on ${day(app.clientSecretIssuedAt)} and Amazon refuses the new one: the rotation message may have been for another app, or the secret was rotated again since. Check the Developer Console's LWA credentials. ${fix}`;
  }
  return `Amazon refuses the client secret Sellerlink holds although it should be valid until ${day(app.clientSecretExpiresAt)}: it was most likely rotated elsewhere (the Developer Console's "Rotate secret"; the old secret stops working 7 days later) or mistyped when registered. ${fix}`;
}

/** Records period events with their dedupe keys and enriched payloads; never throws (logs instead). */
export function createPeriodEventRecorder(deps: {
  db: Kysely<Database>;
  clock: Clock;
  logger: Logger;
  /** Reads an app's secret dates and re-flags it with the likely cause of an invalid_client. */
  applications?: {
    get(id: string): Promise<{
      id: string;
      appId: string;
      clientSecretIssuedAt: Date;
      clientSecretExpiresAt: Date;
      previousSecretExpiresAt: Date | null;
    }>;
    flag(id: string, reason: string): Promise<void>;
  };
}) {
  const { db, logger } = deps;

  async function record(event: PeriodEvent): Promise<number | null> {
    let dedupeKey: string | undefined;
    let payload: Record<string, unknown> = { ...(event.detail ?? {}) };
    let accountId = event.accountId ?? null;
    let applicationId = event.applicationId ?? null;
    if (event.connectionId && event.type.startsWith('connection.')) {
      const facts = await connectionFacts(db, event.connectionId);
      if (facts) {
        dedupeKey = connectionPeriodKey(event.type, event.connectionId, facts.period);
        payload = { ...facts.payload, ...payload };
        accountId ??= facts.accountId;
        applicationId ??= facts.applicationId;
      }
    } else if (event.type === 'application.rejected' && event.applicationId && deps.applications) {
      const app = await deps.applications.get(event.applicationId);
      const cause = likelyRejectionCause(app, deps.clock.now());
      dedupeKey = rejectedKey(app.id, app.clientSecretIssuedAt);
      payload = { ...payload, appId: app.appId, likelyCause: cause };
      await deps.applications.flag(app.id, cause);
    }
    return recordEvent(db, {
      type: event.type,
      at: event.at,
      accountId,
      connectionId: event.connectionId ?? null,
      applicationId,
      payload,
      ...(dedupeKey ? { dedupeKey } : {}),
    });
  }

  return {
    record,
    /** Fire-and-forget form for `onEvent` hooks (called after commit); failures are logged. */
    log(event: PeriodEvent): void {
      record(event).catch((err: unknown) =>
        logger.error({ err: (err as Error).message, type: event.type }, 'could not record event'),
      );
    },
  };
}

export type PeriodEventRecorder = ReturnType<typeof createPeriodEventRecorder>;
