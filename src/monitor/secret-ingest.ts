import type { Kysely } from 'kysely';
import { AmazonError } from '../amazon/errors.js';
import type { LwaClient } from '../amazon/lwa.js';
import { ROTATION_SCOPE } from '../amazon/operations.js';
import type { AuditLog } from '../connections/audit.js';
import type { Logger } from '../kernel/log.js';
import { Secret } from '../kernel/secret.js';
import type { Application, Applications } from '../lifecycle/applications.js';
import type { Database } from '../store/schema.js';
import { MonitorError } from './errors.js';
import {
  NEW_SECRET_TYPE,
  OLD_SECRET_GRACE_MS,
  SECRET_LIFETIME_MS,
  newSecretMessage,
  unwrapNotification,
} from './secret-messages.js';

/**
 * Ingesting Amazon's APPLICATION_OAUTH_CLIENT_NEW_SECRET: the new secret is verified with a
 * client_credentials grant before it replaces the old one, which is kept until Amazon's grace
 * period ends.
 * @see https://developer-docs.amazon.com/sp-api/docs/rotate-your-application-client-secret
 */

/** What ingesting a notification needs. */
export interface IngestDeps {
  db: Kysely<Database>;
  applications: Applications;
  audit: AuditLog;
  lwa: LwaClient;
  logger: Logger;
}

/** What ingesting a notification did. */
export interface IngestResult {
  /** rotated: the new secret is in use; current: it already was; stale: an older rotation; ignored: another notification type. */
  status: 'rotated' | 'current' | 'stale' | 'ignored';
  notificationType: string;
  application?: Application;
}

type NewSecretMessage = ReturnType<typeof newSecretMessage.parse>;

/** Whether Amazon accepts these client credentials (a client_credentials grant); throws on no answer. */
export async function acceptsCredentials(
  deps: Pick<IngestDeps, 'lwa'>,
  clientId: string,
  clientSecret: Secret,
): Promise<boolean> {
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
}

/** The app a client id belongs to (and, when the notification names one, whose app id matches). */
export async function appByClientId(
  deps: Pick<IngestDeps, 'applications'>,
  clientId: string,
  appId: string | undefined,
): Promise<Application> {
  const app = (await deps.applications.list()).find((a) => a.clientId === clientId);
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

/** The notification's type and, for a new secret, its checked message (null for other types). */
export function readNotification(input: unknown): { type: string; message: NewSecretMessage | null } {
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
  if (type !== NEW_SECRET_TYPE) return { type, message: null };
  const parsed = newSecretMessage.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new MonitorError('NOTIFICATION_INVALID', `malformed ${NEW_SECRET_TYPE}: ${problems.join('; ')}`, {
      details: { problems },
    });
  }
  return { type, message: parsed.data };
}

/** Verifies the new secret with Amazon; a secret Amazon does not accept is audited and refused. */
export async function verifyNewSecret(
  deps: IngestDeps,
  app: Application,
  secret: Secret,
  source: string | undefined,
): Promise<void> {
  let verified: boolean;
  try {
    verified = await acceptsCredentials(deps, app.clientId, secret);
  } catch (err) {
    throw new MonitorError(
      'SECRET_ROTATION_FAILED',
      'could not reach Amazon to verify the new client secret; nothing was changed (send it again)',
      { cause: err, retryable: true, details: { appId: app.appId } },
    );
  }
  if (verified) return;
  await deps.audit.record({
    accountId: null,
    actor: source === 'cli' ? 'cli' : 'system',
    action: 'application.secret_rotated',
    outcome: 'failure',
    detail: { appId: app.appId, code: 'NOTIFICATION_SECRET_UNVERIFIED', source: source ?? 'notification' },
  });
  throw new MonitorError(
    'NOTIFICATION_SECRET_UNVERIFIED',
    `Amazon does not accept the client secret in this notification for app ${app.appId}; nothing was changed`,
    { details: { appId: app.appId } },
  );
}

/**
 * Makes a verified secret the app's current one (sealed; the old one kept until its own expiry),
 * with `application.secret_rotated` and the audit entry in the same transaction.
 */
export async function storeNewSecret(
  deps: IngestDeps,
  app: Application,
  secret: Secret,
  message: NewSecretMessage,
  source: string | undefined,
): Promise<Application> {
  const body = message.payload.applicationOAuthClientNewSecret;
  const issuedAt = new Date(message.eventTime);
  const expiresAt = body.newClientSecretExpiryTime
    ? new Date(body.newClientSecretExpiryTime)
    : new Date(issuedAt.getTime() + SECRET_LIFETIME_MS);
  const previousExpiresAt = body.oldClientSecretExpiryTime
    ? new Date(body.oldClientSecretExpiryTime)
    : new Date(issuedAt.getTime() + OLD_SECRET_GRACE_MS);
  const notificationId = message.notificationMetadata?.notificationId;
  const application = await deps.db.transaction().execute(async (trx) => {
    // The lifecycle records application.secret_rotated (and .recovered) in this transaction.
    const updated = await deps.applications.replaceSecret(
      app.id,
      {
        secret,
        issuedAt,
        expiresAt,
        previousExpiresAt,
        source: source ?? 'notification',
        ...(notificationId ? { notificationId } : {}),
      },
      trx,
    );
    await deps.audit.record(
      {
        accountId: null,
        actor: source === 'cli' ? 'cli' : 'system',
        action: 'application.secret_rotated',
        outcome: 'success',
        detail: { appId: app.appId, expiresAt: expiresAt.toISOString(), source: source ?? 'notification' },
      },
      trx,
    );
    return updated;
  });
  deps.logger.info(
    { appId: app.appId, expiresAt: expiresAt.toISOString() },
    'new client secret verified and in use; the old one is kept until it expires',
  );
  return application;
}

/**
 * Ingests a forwarded Amazon notification (see SecretRotation.ingest): a new secret is verified,
 * then stored; a redelivery or an older rotation's message changes nothing; other types are ignored.
 */
export async function ingestNotification(
  deps: IngestDeps,
  input: unknown,
  options: { source?: string } = {},
): Promise<IngestResult> {
  const { type, message } = readNotification(input);
  if (message === null) return { status: 'ignored', notificationType: type };
  const body = message.payload.applicationOAuthClientNewSecret;
  const app = await appByClientId(deps, body.clientId, message.notificationMetadata?.applicationId);
  const secret = new Secret(body.newClientSecret);
  if (await deps.applications.isCurrentSecret(app.id, secret)) {
    return { status: 'current', notificationType: type, application: app };
  }
  if (new Date(message.eventTime).getTime() < app.clientSecretIssuedAt.getTime()) {
    deps.logger.warn({ appId: app.appId }, 'ignored a client secret older than the one in use');
    return { status: 'stale', notificationType: type, application: app };
  }
  await verifyNewSecret(deps, app, secret, options.source);
  const application = await storeNewSecret(deps, app, secret, message, options.source);
  return { status: 'rotated', notificationType: type, application };
}
