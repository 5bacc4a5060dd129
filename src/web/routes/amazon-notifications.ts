import { createHash, timingSafeEqual } from 'node:crypto';
import type { Hono } from 'hono';
import { AppError } from '../../kernel/errors.js';
import { describeProblem, parseJsonSafely } from '../../kernel/input.js';
import type { WebDeps, WebEnv } from '../context.js';

/** Where the forwarder of Amazon's notifications (SQS → here) posts each message. */
export const AMAZON_NOTIFICATIONS_PATH = '/amazon/notifications';

/** The header that carries the shared secret (AMAZON_NOTIFICATION_SECRET). */
export const NOTIFICATION_SECRET_HEADER = 'x-sellerlink-notification-secret';

const STATUS_OF: Record<string, 400 | 401 | 404 | 422 | 503> = {
  NOTIFICATION_INVALID: 400,
  NOTIFICATION_UNAUTHORIZED: 401,
  NOTIFICATION_UNKNOWN_APPLICATION: 404,
  // Amazon does not accept the secret in the message: refused, nothing changed.
  NOTIFICATION_SECRET_UNVERIFIED: 422,
  NOTIFICATION_DISABLED: 503,
  // Amazon could not be reached to verify the new secret: the sender retries.
  SECRET_ROTATION_FAILED: 503,
};

/** Constant-time comparison of two strings of any length. */
function same(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/**
 * The problem of a JSON layer nested in a string (an SQS `Body`, an SNS `Message`, as the monitor
 * unwraps them), or null: each layer gets the input guard's checks for JSON (depth, NUL, surrogates).
 */
function nestedProblem(text: string): string | null {
  let value: unknown = text;
  for (let layer = 0; layer < 4; layer++) {
    if (typeof value === 'string') {
      const parsed = parseJsonSafely(value);
      // Not JSON: the monitor says so in its own words.
      if (!parsed.ok)
        return parsed.problem === 'INVALID_JSON' ? null : `the message ${describeProblem(parsed.problem)}`;
      value = parsed.value;
    } else if (value && typeof value === 'object' && !('notificationType' in value)) {
      value = (value as { Body?: unknown }).Body ?? (value as { Message?: unknown }).Message;
    } else break;
  }
  return null;
}

/**
 * `POST /amazon/notifications`: accepts a forwarded Amazon notification (the message JSON, an SQS
 * message with `Body`, or an SNS envelope with `Message`). The sender proves it knows
 * AMAZON_NOTIFICATION_SECRET in the `x-sellerlink-notification-secret` header, as a bearer token, or
 * (for senders that cannot set headers, like the sandbox simulator) as `?secret=`. JSON answers;
 * the new secret is never echoed.
 */
export function registerAmazonNotificationRoutes(app: Hono<WebEnv>, deps: WebDeps): void {
  const target = deps.amazonNotifications;
  app.post(AMAZON_NOTIFICATIONS_PATH, async (c) => {
    const fail = (code: string, message: string) =>
      c.json({ error: { code, message } }, STATUS_OF[code] ?? 500);
    if (!target?.secret) {
      return fail('NOTIFICATION_DISABLED', 'notifications are not accepted: set AMAZON_NOTIFICATION_SECRET');
    }
    const bearer = c.req.header('authorization')?.replace(/^Bearer\s+/i, '');
    const presented = c.req.header(NOTIFICATION_SECRET_HEADER) ?? bearer ?? c.req.query('secret') ?? '';
    if (!same(presented, target.secret.reveal())) {
      deps.logger.warn({ ip: c.get('ip') ?? null }, 'Amazon notification with a wrong shared secret refused');
      return fail('NOTIFICATION_UNAUTHORIZED', 'wrong or missing shared secret');
    }
    // The body's size (256 KiB) and its outer JSON were checked by the input guard (web/input-guard.tsx).
    const text = await c.req.text();
    const nested = nestedProblem(text);
    if (nested) return fail('NOTIFICATION_INVALID', nested);
    try {
      const result = await target.ingest(text, { source: 'endpoint' });
      deps.logger.info(
        {
          notificationType: result.notificationType,
          status: result.status,
          appId: result.application?.appId ?? null,
        },
        'Amazon notification received',
      );
      return c.json({
        status: result.status,
        notificationType: result.notificationType,
        ...(result.application
          ? {
              appId: result.application.appId,
              clientSecretExpiresAt: result.application.clientSecretExpiresAt.toISOString(),
            }
          : {}),
      });
    } catch (err) {
      const code = err instanceof AppError ? (err as AppError<string>).code : null;
      if (code !== null && code in STATUS_OF) return fail(code, (err as Error).message);
      throw err;
    }
  });
}
