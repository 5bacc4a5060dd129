import { createHash } from 'node:crypto';
import type { Hono } from 'hono';
import { iso } from '../kernel/clock.js';
import { randomUuid } from '../kernel/random.js';
import type { SimContext, SimEnv } from './context.js';
import { badInput, notFound } from './controls-validate.js';
import type { SimNotification } from './state.js';
import { rotateClientSecret } from './world.js';

/**
 * Notifications the simulator sends. Amazon delivers them to an SQS queue; the simulator POSTs the
 * same JSON message to the app's destination URL and also keeps every message in
 * `ctx.state.notifications`, readable through `GET /_sim/notifications` (the stand-in for reading the
 * queue), so a failed delivery never loses a message such as a new client secret.
 */

export const NEW_SECRET_TYPE = 'APPLICATION_OAUTH_CLIENT_NEW_SECRET';

/** How long a delivery may take before it counts as failed (real milliseconds). */
const DELIVERY_TIMEOUT_MS = 10_000;

/** A stable subscription id per app and notification type, in UUID form like Amazon's. */
function subscriptionId(appId: string, type: string): string {
  const h = createHash('sha256').update(`${appId}|${type}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** POSTs a message to a destination and reports how it went; never throws. */
async function deliver(
  ctx: SimContext,
  url: string | null,
  body: Record<string, unknown>,
): Promise<SimNotification['delivery']> {
  if (url === null) return { status: 'no-destination' };
  try {
    const response = await ctx.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await response.body?.cancel();
    return response.ok
      ? { status: 'delivered', httpStatus: response.status }
      : { status: 'failed', httpStatus: response.status };
  } catch (err) {
    return { status: 'failed', error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Rotates an app's client secret and sends `APPLICATION_OAUTH_CLIENT_NEW_SECRET` (https://developer-docs.amazon.com/sp-api/docs/rotate-your-application-client-secret) to the
 * app's destination. The new secret lives 180 days, the old one 7 more days (world.ts).
 */
export async function rotateSecretAndNotify(ctx: SimContext, appId: string): Promise<SimNotification> {
  // The message's eventTime is the instant of the rotation itself (one clock read), so the old
  // secret's expiry is exactly the grace period after it.
  const { app, newSecret, issuedAt: now, newExpiresAt, oldExpiresAt } = rotateClientSecret(ctx, appId);
  const notificationId = randomUuid(ctx.random);
  // The envelope and payload exactly as in Amazon's sample message (https://developer-docs.amazon.com/sp-api/docs/rotate-your-application-client-secret).
  const body: Record<string, unknown> = {
    notificationVersion: '1.0',
    notificationType: NEW_SECRET_TYPE,
    payloadVersion: '2023-11-30',
    eventTime: iso(now),
    payload: {
      applicationOAuthClientNewSecret: {
        clientId: app.clientId,
        newClientSecret: newSecret,
        newClientSecretExpiryTime: iso(newExpiresAt),
        oldClientSecretExpiryTime: iso(oldExpiresAt),
      },
    },
    notificationMetadata: {
      applicationId: app.appId,
      subscriptionId: subscriptionId(app.appId, NEW_SECRET_TYPE),
      publishTime: iso(now),
      notificationId,
    },
  };
  const destinationUrl = app.notificationDestinationUrl ?? null;
  const notification: SimNotification = {
    notificationId,
    notificationType: NEW_SECRET_TYPE,
    appId: app.appId,
    at: now,
    body,
    destinationUrl,
    delivery: { status: 'failed', error: 'not delivered yet' },
  };
  // Stored before delivery so the message is readable even if the destination hangs.
  ctx.state.notifications.push(notification);
  notification.delivery = await deliver(ctx, destinationUrl, body);
  return notification;
}

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * `GET /_sim/notifications?appId=&type=`: every notification sent, oldest first (how a developer reads
 * a new client secret, as from the SQS queue). `PUT /_sim/apps/:appId/notification-destination`
 * `{url}` sets where an app's notifications go (Developer Console → Notification Preferences);
 * `{url: null}` removes it, so rotation answers "not enrolled" again.
 */
export function registerNotificationControls(app: Hono<SimEnv>, ctx: SimContext): void {
  app.get('/_sim/notifications', (c) => {
    const appId = c.req.query('appId');
    const type = c.req.query('type');
    const notifications = ctx.state.notifications.filter(
      (n) =>
        (appId === undefined || n.appId === appId) && (type === undefined || n.notificationType === type),
    );
    return c.json({ notifications });
  });

  app.put('/_sim/apps/:appId/notification-destination', async (c) => {
    const target = ctx.state.apps.get(c.req.param('appId'));
    if (!target) return notFound(c, 'app', c.req.param('appId'));
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch {
      return badInput(c, '(body)', 'is not valid JSON');
    }
    const url = typeof body === 'object' && body !== null ? (body as { url?: unknown }).url : undefined;
    if (url === null) delete target.notificationDestinationUrl;
    else if (isHttpUrl(url)) target.notificationDestinationUrl = url;
    else return badInput(c, 'url', 'must be an http(s) URL or null');
    return c.json({
      appId: target.appId,
      notificationDestinationUrl: target.notificationDestinationUrl ?? null,
    });
  });
}
