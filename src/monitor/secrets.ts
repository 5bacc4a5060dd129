import type { Kysely } from 'kysely';
import { z } from 'zod';
import { AmazonError } from '../amazon/errors.js';
import type { LwaClient } from '../amazon/lwa.js';
import type { AmazonEndpoints, RegionCode } from '../config/config.js';
import type { Application, Applications } from '../connections/applications.js';
import type { AuditLog } from '../connections/audit.js';
import { recordEvent } from '../events/events.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import { Secret } from '../kernel/secret.js';
import type { Database } from '../store/schema.js';
import { MonitorError } from './errors.js';
import { likelyRejectionCause, secretExpiringKey } from './period-events.js';

/** Days before a client secret expires at which operators are warned (issue 7). */
export const SECRET_WARNING_DAYS = [30, 7, 1] as const;

/** The grantless scope of rotateApplicationClientSecret (FACTS §2.1, §4). */
export const ROTATION_SCOPE = 'sellingpartnerapi::client_credential:rotation';

/** The notification that carries a new client secret (FACTS §4). */
export const NEW_SECRET_TYPE = 'APPLICATION_OAUTH_CLIENT_NEW_SECRET';

const DAY = 86_400_000;
/** Amazon keeps the old secret working this long after a rotation (FACTS §4). */
const OLD_SECRET_GRACE_MS = 7 * DAY;
const SECRET_LIFETIME_MS = 180 * DAY;

const isoTime = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 time');

/** APPLICATION_OAUTH_CLIENT_NEW_SECRET as Amazon's sample shows it (FACTS §4). */
const newSecretMessage = z.object({
  notificationType: z.literal(NEW_SECRET_TYPE),
  eventTime: isoTime,
  payload: z.object({
    applicationOAuthClientNewSecret: z.object({
      clientId: z.string().min(1),
      newClientSecret: z.string().min(1),
      newClientSecretExpiryTime: isoTime.optional(),
      oldClientSecretExpiryTime: isoTime.optional(),
    }),
  }),
  notificationMetadata: z
    .object({
      applicationId: z.string().optional(),
      notificationId: z.string().optional(),
    })
    .optional(),
});

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

/**
 * Accepts the forwarded message in the forms a forwarder produces: the notification itself, an SQS
 * message (`Body`), or an SNS envelope (`Message`), as an object or JSON text.
 */
export function unwrapNotification(input: unknown): unknown {
  let value = input;
  for (let i = 0; i < 3; i++) {
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value);
      } catch {
        throw new MonitorError('NOTIFICATION_INVALID', 'the notification is not JSON');
      }
      continue;
    }
    if (value && typeof value === 'object' && !('notificationType' in value)) {
      const inner =
        (value as { Body?: unknown; Message?: unknown }).Body ?? (value as { Message?: unknown }).Message;
      if (inner !== undefined) {
        value = inner;
        continue;
      }
    }
    break;
  }
  return value;
}

/**
 * Client-secret upkeep: warnings before a secret expires, `rotateApplicationClientSecret`
 * (grantless), and ingesting Amazon's APPLICATION_OAUTH_CLIENT_NEW_SECRET message: the new secret is
 * sealed and used at once, the old one kept until its own expiry.
 */
export function createSecretRotation(deps: {
  db: Kysely<Database>;
  clock: Clock;
  applications: Applications;
  audit: AuditLog;
  lwa: LwaClient;
  fetch: typeof fetch;
  endpoints: AmazonEndpoints;
  userAgent: string;
  logger: Logger;
}) {
  const { db, applications } = deps;

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

  return {
    /**
     * Raises `application.secret_expiring` at 30, 7 and 1 days before each app's secret expires
     * (once per threshold per secret) and drops rotated-out secrets past their expiry.
     */
    async checkExpiry(): Promise<{ warned: number; dropped: number }> {
      const now = deps.clock.now();
      let warned = 0;
      for (const app of await applications.list()) {
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
              : `Rotate the client secret before ${app.clientSecretExpiresAt.toISOString().slice(0, 10)}: 'sellerlink applications rotate-secret ${app.appId}'. If it expires, every seller of this app is cut off.`,
          },
          dedupeKey: secretExpiringKey(app.id, app.clientSecretExpiresAt, threshold),
        });
        if (id !== null) warned++;
      }
      const dropped = await applications.dropExpiredPreviousSecrets();
      return { warned, dropped };
    },

    /**
     * Asks Amazon for a new client secret (rotateApplicationClientSecret, grantless). Amazon answers
     * 204 and sends the secret as APPLICATION_OAUTH_CLIENT_NEW_SECRET to the app's notification
     * destination; forward it to POST /amazon/notifications or paste it into `ingest-secret`.
     */
    async rotate(
      idOrAppId: string,
      options: { region?: RegionCode; actor?: string } = {},
    ): Promise<RotationResult> {
      const app = await applications.get(idOrAppId);
      const region = options.region ?? 'NA';
      const credentials = await applications.credentials(app.id);
      const audit = (outcome: 'success' | 'failure', detail: Record<string, unknown>) =>
        deps.audit.record({
          accountId: null,
          actor: options.actor ?? 'system',
          action: 'application.secret_rotation_requested',
          outcome,
          detail: { appId: app.appId, region, ...detail },
        });
      let token: Secret;
      try {
        token = (await deps.lwa.clientCredentials(credentials, ROTATION_SCOPE)).accessToken;
      } catch (err) {
        if (err instanceof AmazonError && err.code === 'LWA_INVALID_CLIENT') {
          const cause = likelyRejectionCause(app, deps.clock.now());
          await audit('failure', { code: err.code });
          throw new MonitorError(
            'SECRET_ROTATION_REJECTED',
            `Amazon refused the app's client credentials, so it cannot rotate them: ${cause} If the secret has expired, rotate it in the Developer Console and register it with 'sellerlink applications add'.`,
            { cause: err, details: { appId: app.appId } },
          );
        }
        throw err;
      }
      const url = `${deps.endpoints.spApi[region].replace(/\/$/, '')}/applications/2023-11-30/clientSecret`;
      let response: Response;
      try {
        response = await deps.fetch(url, {
          method: 'POST',
          headers: {
            'x-amz-access-token': token.reveal(),
            'user-agent': deps.userAgent,
            accept: 'application/json',
          },
          signal: AbortSignal.timeout(30_000),
        });
      } catch (err) {
        await audit('failure', { error: 'network' });
        throw new MonitorError('SECRET_ROTATION_FAILED', `could not reach SP-API (${region})`, {
          cause: err,
          retryable: true,
        });
      }
      const text = await response.text();
      if (response.status !== 204 && response.status !== 200) {
        let message = text.slice(0, 300);
        try {
          const first = (JSON.parse(text) as { errors?: { message?: string }[] }).errors?.[0];
          if (first?.message) message = first.message;
        } catch {
          // keep the text
        }
        await audit('failure', { status: response.status, message });
        if (response.status === 400 && /not enrolled/i.test(message)) {
          throw new MonitorError(
            'SECRET_ROTATION_NOT_ENROLLED',
            `Amazon will not rotate: ${message} (Developer Console → Notification Preferences → "Application Client New Secret" needs a destination)`,
            { details: { appId: app.appId, status: 400 } },
          );
        }
        if (response.status === 429) {
          throw new MonitorError(
            'SECRET_ROTATION_THROTTLED',
            'Amazon allows about one rotation per minute; try again in a minute',
            { details: { appId: app.appId, status: 429 }, retryable: true },
          );
        }
        throw new MonitorError('SECRET_ROTATION_FAILED', `SP-API answered ${response.status}: ${message}`, {
          details: { appId: app.appId, status: response.status },
          retryable: response.status >= 500,
        });
      }
      await audit('success', {});
      const after = await applications.get(app.id);
      return {
        application: after,
        received: after.clientSecretIssuedAt.getTime() !== app.clientSecretIssuedAt.getTime(),
      };
    },

    /**
     * Ingests a forwarded Amazon notification. APPLICATION_OAUTH_CLIENT_NEW_SECRET makes its secret
     * the app's current one (sealed; the old one kept until its own expiry) and records
     * `application.secret_rotated` in the same transaction. Idempotent: a redelivery changes nothing,
     * and an older rotation's message never replaces a newer secret. Other types are ignored.
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
      const expiresAt = body.newClientSecretExpiryTime
        ? new Date(body.newClientSecretExpiryTime)
        : new Date(issuedAt.getTime() + SECRET_LIFETIME_MS);
      const previousExpiresAt = body.oldClientSecretExpiryTime
        ? new Date(body.oldClientSecretExpiryTime)
        : new Date(issuedAt.getTime() + OLD_SECRET_GRACE_MS);
      const notificationId = message.notificationMetadata?.notificationId;
      const application = await db.transaction().execute(async (trx) => {
        const updated = await applications.replaceSecret(
          app.id,
          { secret, issuedAt, expiresAt, previousExpiresAt },
          trx,
        );
        await recordEvent(trx, {
          type: 'application.secret_rotated',
          at: new Date(deps.clock.now()),
          applicationId: app.id,
          payload: {
            appId: app.appId,
            name: app.name,
            clientId: app.clientId,
            issuedAt: issuedAt.toISOString(),
            expiresAt: expiresAt.toISOString(),
            previousExpiresAt: previousExpiresAt.toISOString(),
            source: options.source ?? 'notification',
          },
          dedupeKey: `application.secret_rotated:${app.id}:${notificationId ?? issuedAt.toISOString()}`,
        });
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
        'new client secret in use; the old one is kept until it expires',
      );
      return { status: 'rotated', notificationType: type, application };
    },
  };
}

export type SecretRotation = ReturnType<typeof createSecretRotation>;
