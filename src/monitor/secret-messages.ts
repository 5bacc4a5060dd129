import { z } from 'zod';
import { AmazonError } from '../amazon/errors.js';
import type { Application } from '../lifecycle/applications.js';
import { likelyRejectionCause } from '../lifecycle/event-keys.js';
import { MonitorError } from './errors.js';

/**
 * Amazon's messages about client secrets: the APPLICATION_OAUTH_CLIENT_NEW_SECRET notification (its
 * shape and the envelopes forwarders wrap it in) and the rotation call's errors in plain words.
 * @see https://developer-docs.amazon.com/sp-api/docs/application-management-api-v2023-11-30-use-case-guide
 */

/** The notification that carries a new client secret (https://developer-docs.amazon.com/sp-api/docs/rotate-your-application-client-secret). */
export const NEW_SECRET_TYPE = 'APPLICATION_OAUTH_CLIENT_NEW_SECRET';

const DAY = 86_400_000;
/** Amazon keeps the old secret working this long after a rotation (https://developer-docs.amazon.com/sp-api/docs/rotate-your-application-client-secret). */
export const OLD_SECRET_GRACE_MS = 7 * DAY;
export const SECRET_LIFETIME_MS = 180 * DAY;

const isoTime = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 time');

/** APPLICATION_OAUTH_CLIENT_NEW_SECRET as Amazon's sample shows it (https://developer-docs.amazon.com/sp-api/docs/rotate-your-application-client-secret). */
export const newSecretMessage = z.object({
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

/** Amazon's answer to a rotation request in the monitor's words (with the likely cause and the fix). */
export function rotationError(app: Application, raw: unknown, now: number): MonitorError {
  if (raw instanceof MonitorError) return raw;
  if (!(raw instanceof AmazonError)) {
    return new MonitorError('SECRET_ROTATION_FAILED', `rotation failed: ${(raw as Error).message}`, {
      cause: raw,
      retryable: true,
    });
  }
  const details = { appId: app.appId, ...(raw.info.status === undefined ? {} : { status: raw.info.status }) };
  if (raw.code === 'LWA_INVALID_CLIENT') {
    return new MonitorError(
      'SECRET_ROTATION_REJECTED',
      `Amazon refused the app's client credentials, so it cannot rotate them: ${likelyRejectionCause(app, now)}`,
      { cause: raw, details },
    );
  }
  const message = raw.info.amazonMessage ?? raw.message;
  if (raw.code === 'SPAPI_INVALID_INPUT' && /not enrolled/i.test(message)) {
    return new MonitorError(
      'SECRET_ROTATION_NOT_ENROLLED',
      `Amazon will not rotate: ${message} (Developer Console → Notification Preferences → "Application Client New Secret" needs a destination)`,
      { cause: raw, details },
    );
  }
  if (raw.code === 'SPAPI_THROTTLED' || raw.code === 'SPAPI_WAIT_TOO_LONG') {
    const retryAfterMs = typeof raw.info.retryAfterMs === 'number' ? raw.info.retryAfterMs : 60_000;
    return new MonitorError(
      'SECRET_ROTATION_THROTTLED',
      'Amazon allows about one rotation per minute; try again in a minute',
      { cause: raw, details: { ...details, retryAfterMs }, retryable: true },
    );
  }
  return new MonitorError('SECRET_ROTATION_FAILED', `SP-API answered: ${message}`, {
    cause: raw,
    details,
    retryable: raw.retryable,
  });
}
