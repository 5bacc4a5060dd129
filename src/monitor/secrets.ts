import type { Kysely } from 'kysely';
import type { SpApiClient } from '../amazon/client-types.js';
import { AmazonError } from '../amazon/errors.js';
import type { LwaClient } from '../amazon/lwa.js';
import { ROTATION_SCOPE, rotateApplicationClientSecretRequest } from '../amazon/operations.js';
import type { RegionCode } from '../config/config.js';
import type { AuditLog } from '../connections/audit.js';
import { recordEvent } from '../events/events.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import { Secret } from '../kernel/secret.js';
import type { Application, Applications } from '../lifecycle/applications.js';
import { likelyRejectionCause, secretExpiringKey } from '../lifecycle/event-keys.js';
import type { Database } from '../store/schema.js';
import { MonitorError } from './errors.js';
import {
  NEW_SECRET_TYPE,
  OLD_SECRET_GRACE_MS,
  SECRET_LIFETIME_MS,
  newSecretMessage,
  rotationError,
  unwrapNotification,
} from './secret-messages.js';

export { NEW_SECRET_TYPE, unwrapNotification };

export { ROTATION_SCOPE };

/** Days before a client secret expires at which operators are warned when automatic rotation is not succeeding. */
export const SECRET_WARNING_DAYS = [30, 7, 1] as const;

/** When automatic rotation starts, in days before the secret expires (Amazon: 180-day secrets). */
export const DEFAULT_ROTATE_AHEAD_DAYS = 30;

/** How long to wait for the APPLICATION_OAUTH_CLIENT_NEW_SECRET notification before asking again. */
export const DEFAULT_NOTIFICATION_WAIT_MS = 60 * 60_000;

const DAY = 86_400_000;

/** What ingesting a notification did. */
export interface IngestResult {
  /** rotated: the new secret is in use; current: it already was; stale: an older rotation; ignored: another notification type. */
  status: 'rotated' | 'current' | 'stale' | 'ignored';
  notificationType: string;
  application?: Application;
}

/** What asking Amazon to rotate did. */
export interface RotationResult {
  application: Application;
  /** Whether the new secret already arrived (the notification came in while we asked) and is in use. */
  received: boolean;
}

/** What one automatic-rotation pass did. */
export interface AutoRotationPass {
  /** Rotations asked of Amazon. */
  requested: number;
  /** Of those, how many new secrets arrived (verified and in use) before the call returned. */
  received: number;
  failed: number;
  /** Rejected apps Amazon accepts again (checked with a client_credentials grant). */
  recovered: number;
}

/** Backoff between failed rotation attempts: 5 min × 2^n, at most 12 h. */
export function rotationBackoffMs(attempts: number): number {
  return Math.min(12 * 60 * 60_000, 5 * 60_000 * 2 ** Math.max(0, attempts - 1));
}

/**
 * The application's client-secret lifecycle, run by the monitor: automatic rotation ahead of the
 * 180-day expiry (rotateApplicationClientSecret, grantless, through the one SP-API client), ingest of
 * Amazon's APPLICATION_OAUTH_CLIENT_NEW_SECRET (the new secret is verified with a client_credentials
 * grant before it replaces the old one, which is kept until Amazon's grace period ends), retries with
 * backoff, and operator alerts only when rotation cannot succeed.
 * @see https://developer-docs.amazon.com/sp-api/docs/application-management-api-v2023-11-30-use-case-guide
 */
export function createSecretRotation(deps: {
  db: Kysely<Database>;
  clock: Clock;
  applications: Applications;
  audit: AuditLog;
  lwa: LwaClient;
  spApi: SpApiClient;
  logger: Logger;
  /** Start rotating this many days before the secret expires (default 30); 0 turns automatic rotation off. */
  rotateAheadDays?: number;
  /** How long to wait for Amazon's notification before the rotation counts as failed (default 1 h). */
  notificationWaitMs?: number;
  /** The region whose endpoint rotation calls use (any works: an app is global). */
  region?: RegionCode;
}) {
  const { db, applications } = deps;
  const aheadDays = deps.rotateAheadDays ?? DEFAULT_ROTATE_AHEAD_DAYS;
  const waitMs = deps.notificationWaitMs ?? DEFAULT_NOTIFICATION_WAIT_MS;

  /** The app a client id belongs to. */
  async function byClientId(clientId: string, appId: string | undefined): Promise<Application> {
    const app = (await applications.list()).find((a) => a.clientId === clientId);
    if (!app) {
      throw new MonitorError(
        'NOTIFICATION_UNKNOWN_APPLICATION',
        `no application with LWA client id ${clientId} is registered here`,
        { details: { clientId } },
      );
    }
    if (appId !== undefined && appId !== app.appId) {
      throw new MonitorError(
        'NOTIFICATION_INVALID',
        `the notification is for app ${appId}, but client id ${clientId} belongs to ${app.appId}`,
        { details: { clientId, appId } },
      );
    }
    return app;
  }

  /** Whether Amazon accepts these client credentials (a client_credentials grant); throws on no answer. */
  const accepted = async (clientId: string, clientSecret: Secret): Promise<boolean> => {
    try {
      await deps.lwa.clientCredentials({ clientId, clientSecret }, ROTATION_SCOPE);
      return true;
    } catch (err) {
      if (
        err instanceof AmazonError &&
        (err.code === 'LWA_INVALID_CLIENT' || err.code === 'LWA_UNAUTHORIZED_CLIENT')
      )
        return false;
      throw err;
    }
  };

  /** Whether rotation failures need an operator: Amazon will not rotate, 3 attempts, or 7 days left. */
  const hopeless =
    (app: Application, error: MonitorError) =>
    (attempts: number): boolean =>
      !error.retryable || attempts >= 3 || app.clientSecretExpiresAt.getTime() - deps.clock.now() <= 7 * DAY;

  const rotate = async (
    idOrAppId: string,
    options: { region?: RegionCode; actor?: string; claimed?: boolean } = {},
  ): Promise<RotationResult> => {
    const app = await applications.get(idOrAppId);
    const region = options.region ?? deps.region ?? 'NA';
    const audit = (outcome: 'success' | 'failure', detail: Record<string, unknown>) =>
      deps.audit.record({
        accountId: null,
        actor: options.actor ?? 'system',
        action: 'application.secret_rotation_requested',
        outcome,
        detail: { appId: app.appId, region, ...detail },
      });
    // Marked before the call: Amazon may deliver the new secret while the call is still open.
    if (!options.claimed) await applications.rotationRequested(app.id);
    try {
      await deps.spApi.callGrantless(
        { applicationId: app.id, region, scope: ROTATION_SCOPE },
        { ...rotateApplicationClientSecretRequest(), maxWaitMs: 5_000 },
      );
    } catch (raw) {
      const now = deps.clock.now();
      const err = rotationError(app, raw, now);
      await audit('failure', { code: err.code, message: err.message });
      const retryAfter = err.details?.retryAfterMs;
      await applications.rotationFailed(
        app.id,
        {
          code: err.code,
          message: err.message,
          nextAt: new Date(
            now +
              (typeof retryAfter === 'number' ? retryAfter : rotationBackoffMs(app.rotation.attempts + 1)),
          ),
        },
        hopeless(app, err),
      );
      throw err;
    }
    await audit('success', {});
    const after = await applications.get(app.id);
    return {
      application: after,
      received: after.clientSecretIssuedAt.getTime() !== app.clientSecretIssuedAt.getTime(),
    };
  };

  return {
    /**
     * Raises `application.secret_expiring` at 30, 7 and 1 days before an app's secret expires (once
     * per threshold per secret) when nothing renews it by itself: automatic rotation is off, or has
     * failed. Drops rotated-out secrets past their expiry.
     */
    async checkExpiry(): Promise<{ warned: number; dropped: number }> {
      const now = deps.clock.now();
      let warned = 0;
      for (const app of await applications.list()) {
        if (aheadDays > 0 && app.rotation.state !== 'failed' && !app.flaggedAt) continue;
        const left = Math.ceil((app.clientSecretExpiresAt.getTime() - now) / DAY);
        let threshold: number | null = null;
        for (const t of SECRET_WARNING_DAYS)
          if (left <= t && (threshold === null || t < threshold)) threshold = t;
        if (threshold === null) continue;
        const expired = left <= 0;
        const id = await recordEvent(db, {
          type: 'application.secret_expiring',
          at: new Date(now),
          applicationId: app.id,
          payload: {
            appId: app.appId,
            name: app.name,
            clientId: app.clientId,
            expiresAt: app.clientSecretExpiresAt.toISOString(),
            daysLeft: Math.max(0, left),
            threshold,
            advice: expired
              ? likelyRejectionCause(app, now)
              : `Automatic rotation has not succeeded${app.rotation.lastError ? ` (${app.rotation.lastError})` : ''}. Rotate the client secret before ${app.clientSecretExpiresAt.toISOString().slice(0, 10)}: 'sellerlink applications rotate-secret ${app.appId}'. If it expires, every seller of this app is cut off.`,
          },
          dedupeKey: secretExpiringKey(app.id, app.clientSecretExpiresAt, threshold),
        });
        if (id !== null) warned++;
      }
      const dropped = await applications.dropExpiredPreviousSecrets();
      return { warned, dropped };
    },

    /**
     * One automatic-rotation pass: rotates each app whose secret expires within the configured
     * window (unless a rotation is awaited or backing off), counts a rotation whose secret did not
     * arrive within the wait as failed, and checks rejected apps with a client_credentials grant so
     * they recover by themselves once Amazon accepts their credentials again.
     */
    async autoRotate(): Promise<AutoRotationPass> {
      const pass: AutoRotationPass = { requested: 0, received: 0, failed: 0, recovered: 0 };
      const now = deps.clock.now();
      for (const app of await applications.list()) {
        if (app.flaggedAt) {
          const credentials = await applications.credentials(app.id);
          const ok = await accepted(credentials.clientId, credentials.clientSecret).catch(() => false);
          if (ok && (await applications.recover(app.id, 'Amazon accepts the client credentials again'))) {
            pass.recovered++;
          }
          continue;
        }
        if (aheadDays <= 0) continue;
        if (app.clientSecretExpiresAt.getTime() - now > aheadDays * DAY) continue;
        if (app.rotation.state === 'requested') {
          if (app.rotation.requestedAt && now - app.rotation.requestedAt.getTime() < waitMs) continue;
          const error = new MonitorError(
            'SECRET_ROTATION_FAILED',
            "Amazon accepted the rotation but its APPLICATION_OAUTH_CLIENT_NEW_SECRET notification did not arrive: check the app's notification destination (EventBridge API destination to POST /amazon/notifications).",
            { retryable: true },
          );
          await applications.rotationFailed(
            app.id,
            {
              code: error.code,
              message: error.message,
              nextAt: new Date(now + rotationBackoffMs(app.rotation.attempts + 1)),
            },
            hopeless(app, error),
          );
          pass.failed++;
          continue;
        }
        if (app.rotation.state === 'failed' && app.rotation.nextAt && app.rotation.nextAt.getTime() > now)
          continue;
        // One process rotates: the claim is a conditional update.
        const claimed = await applications.rotationRequested(app.id, { staleBefore: new Date(now - waitMs) });
        if (!claimed) continue;
        pass.requested++;
        try {
          const result = await rotate(app.id, { actor: 'system', claimed: true });
          if (result.received) pass.received++;
        } catch (err) {
          // rotate() recorded the failure (and alerted operators when it cannot succeed).
          const code = err instanceof MonitorError ? err.code : 'SECRET_ROTATION_FAILED';
          deps.logger.warn(
            { appId: app.appId, code, attempts: (await applications.get(app.id)).rotation.attempts },
            'automatic client-secret rotation failed; retried with backoff',
          );
          pass.failed++;
        }
      }
      return pass;
    },

    /**
     * Asks Amazon for a new client secret (rotateApplicationClientSecret, grantless). Amazon answers
     * 204 and sends the secret as APPLICATION_OAUTH_CLIENT_NEW_SECRET to the app's notification
     * destination; forward it to POST /amazon/notifications or paste it into `ingest-secret`.
     */
    rotate,

    /**
     * Ingests a forwarded Amazon notification. APPLICATION_OAUTH_CLIENT_NEW_SECRET's secret is first
     * verified with a client_credentials grant (a secret Amazon does not accept is refused, audited
     * and changes nothing), then made the app's current one (sealed; the old one kept until its own
     * expiry) with `application.secret_rotated` in the same transaction. Idempotent: a redelivery
     * changes nothing, and an older rotation's message never replaces a newer secret. Other types
     * are ignored.
     */
    async ingest(input: unknown, options: { source?: string } = {}): Promise<IngestResult> {
      const value = unwrapNotification(input);
      const type =
        value &&
        typeof value === 'object' &&
        typeof (value as { notificationType?: unknown }).notificationType === 'string'
          ? (value as { notificationType: string }).notificationType
          : null;
      if (type === null) {
        throw new MonitorError(
          'NOTIFICATION_INVALID',
          'this is not an Amazon notification (no notificationType)',
        );
      }
      if (type !== NEW_SECRET_TYPE) return { status: 'ignored', notificationType: type };
      const parsed = newSecretMessage.safeParse(value);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
        throw new MonitorError(
          'NOTIFICATION_INVALID',
          `malformed ${NEW_SECRET_TYPE}: ${problems.join('; ')}`,
          {
            details: { problems },
          },
        );
      }
      const message = parsed.data;
      const body = message.payload.applicationOAuthClientNewSecret;
      const app = await byClientId(body.clientId, message.notificationMetadata?.applicationId);
      const secret = new Secret(body.newClientSecret);
      if (await applications.isCurrentSecret(app.id, secret)) {
        return { status: 'current', notificationType: type, application: app };
      }
      const issuedAt = new Date(message.eventTime);
      if (issuedAt.getTime() < app.clientSecretIssuedAt.getTime()) {
        deps.logger.warn({ appId: app.appId }, 'ignored a client secret older than the one in use');
        return { status: 'stale', notificationType: type, application: app };
      }
      let verified: boolean;
      try {
        verified = await accepted(app.clientId, secret);
      } catch (err) {
        throw new MonitorError(
          'SECRET_ROTATION_FAILED',
          'could not reach Amazon to verify the new client secret; nothing was changed (send it again)',
          { cause: err, retryable: true, details: { appId: app.appId } },
        );
      }
      if (!verified) {
        await deps.audit.record({
          accountId: null,
          actor: options.source === 'cli' ? 'cli' : 'system',
          action: 'application.secret_rotated',
          outcome: 'failure',
          detail: {
            appId: app.appId,
            code: 'NOTIFICATION_SECRET_UNVERIFIED',
            source: options.source ?? 'notification',
          },
        });
        throw new MonitorError(
          'NOTIFICATION_SECRET_UNVERIFIED',
          `Amazon does not accept the client secret in this notification for app ${app.appId}; nothing was changed`,
          { details: { appId: app.appId } },
        );
      }
      const expiresAt = body.newClientSecretExpiryTime
        ? new Date(body.newClientSecretExpiryTime)
        : new Date(issuedAt.getTime() + SECRET_LIFETIME_MS);
      const previousExpiresAt = body.oldClientSecretExpiryTime
        ? new Date(body.oldClientSecretExpiryTime)
        : new Date(issuedAt.getTime() + OLD_SECRET_GRACE_MS);
      const notificationId = message.notificationMetadata?.notificationId;
      const application = await db.transaction().execute(async (trx) => {
        // The lifecycle records application.secret_rotated (and .recovered) in this transaction.
        const updated = await applications.replaceSecret(
          app.id,
          {
            secret,
            issuedAt,
            expiresAt,
            previousExpiresAt,
            source: options.source ?? 'notification',
            ...(notificationId ? { notificationId } : {}),
          },
          trx,
        );
        await deps.audit.record(
          {
            accountId: null,
            actor: options.source === 'cli' ? 'cli' : 'system',
            action: 'application.secret_rotated',
            outcome: 'success',
            detail: {
              appId: app.appId,
              expiresAt: expiresAt.toISOString(),
              source: options.source ?? 'notification',
            },
          },
          trx,
        );
        return updated;
      });
      deps.logger.info(
        { appId: app.appId, expiresAt: expiresAt.toISOString() },
        'new client secret verified and in use; the old one is kept until it expires',
      );
      return { status: 'rotated', notificationType: type, application };
    },
  };
}

export type SecretRotation = ReturnType<typeof createSecretRotation>;
