import type { Selectable } from 'kysely';
import type { Clock } from '../kernel/clock.js';
import type { Store } from '../store/database.js';
import type { NotificationDeliveriesTable } from '../store/schema.js';
import { publicEventId } from './content.js';
import { NotifyError } from './errors.js';
import type { Mailer } from './mailer.js';
import type { NotificationSettingsService } from './settings.js';
import { SIGNATURE_HEADER, signatureHeader } from './signature.js';
import type { WebhookPost } from './webhook-post.js';

/** The header carrying the event id (`evt_<n>`, also the body's `id`): the same on every retry and redelivery. */
export const EVENT_ID_HEADER = 'Sellerlink-Event-Id';

/** Short, secret-free words for a failed attempt. */
function describeFailure(err: unknown): string {
  if (!(err instanceof Error)) return String(err).slice(0, 300);
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? ` (${cause.code})` : '';
  const name = err.name === 'TimeoutError' || err.name === 'AbortError' ? 'timed out' : err.message;
  return `${name}${code}`.slice(0, 300);
}

type DeliveryRow = Selectable<NotificationDeliveriesTable>;

/** What sending needs. */
export interface SenderDeps {
  store: Store;
  /** Real time: webhook signature timestamps, which receivers check against their own clocks. */
  wallClock: Clock;
  settings: Pick<NotificationSettingsService, 'endpointSecret'>;
  /** null: e-mail is not configured. */
  mailer: Mailer | null;
  mailFrom: string;
  /** The guarded webhook transport (public addresses only, see webhook-post.ts). */
  post: WebhookPost;
  userAgent?: string;
  timeoutMs: number;
}

/** Sends an e-mail delivery through the mailer; NOTIFY_EMAIL_FAILED when the server refuses. */
export async function sendEmail(
  deps: Pick<SenderDeps, 'mailer' | 'mailFrom'>,
  row: DeliveryRow,
): Promise<null> {
  if (!deps.mailer) throw new NotifyError('NOTIFY_EMAIL_FAILED', 'e-mail is not configured (SMTP_URL)');
  const content = row.content as { subject: string; text: string; digest?: number };
  try {
    await deps.mailer.send({
      from: deps.mailFrom,
      to: row.target,
      subject: content.subject,
      text: content.text,
      headers: {
        'X-Sellerlink-Event': row.event_type,
        'X-Sellerlink-Event-Id': publicEventId(row.event_id),
        'X-Sellerlink-Delivery': String(row.id),
        // A daily digest (digest.ts): how many reminders it gathers; its event headers are the first one's.
        ...(typeof content.digest === 'number' ? { 'X-Sellerlink-Digest': String(content.digest) } : {}),
      },
    });
  } catch (err) {
    throw new NotifyError('NOTIFY_EMAIL_FAILED', `the mail server refused: ${describeFailure(err)}`, {
      cause: err,
    });
  }
  return null;
}

/**
 * POSTs a webhook delivery to its endpoint, signed with the endpoint's secret; resolves with the
 * 2xx status, NOTIFY_WEBHOOK_FAILED otherwise (redirects are not followed).
 */
export async function sendWebhook(deps: SenderDeps, row: DeliveryRow): Promise<number> {
  const endpoint = await deps.store.db
    .selectFrom('webhook_endpoints')
    .select(['id', 'url', 'disabled_at'])
    .where('id', '=', row.endpoint_id ?? '')
    .executeTakeFirst();
  if (!endpoint || endpoint.disabled_at)
    throw new NotifyError('NOTIFY_WEBHOOK_FAILED', 'the endpoint was removed');
  const secret = await deps.settings.endpointSecret(endpoint.id);
  const body = (row.content as { body: string }).body;
  const timestamp = Math.floor(deps.wallClock.now() / 1000);
  const status = await deps.post(endpoint.url, {
    headers: {
      'content-type': 'application/json',
      'user-agent': deps.userAgent ?? 'Sellerlink-Webhooks',
      [SIGNATURE_HEADER]: signatureHeader(secret.reveal(), timestamp, body),
      'Sellerlink-Event': row.event_type,
      [EVENT_ID_HEADER]: publicEventId(row.event_id),
      'Sellerlink-Delivery': String(row.id),
    },
    body,
    timeoutMs: deps.timeoutMs,
  });
  if (status < 200 || status >= 300) {
    const note = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
    throw new NotifyError('NOTIFY_WEBHOOK_FAILED', `the endpoint answered HTTP ${status}${note}`, {
      details: { status },
    });
  }
  return status;
}

/** Sends one delivery's content; resolves with the HTTP status (webhooks) or null (e-mail). */
export function sendDelivery(deps: SenderDeps, row: DeliveryRow): Promise<number | null> {
  return row.channel === 'email' ? sendEmail(deps, row) : sendWebhook(deps, row);
}

/** Sends one delivery over its channel: e-mail through the mailer, or a signed webhook POST. */
export function createSender(deps: SenderDeps): (row: DeliveryRow) => Promise<number | null> {
  return (row) => sendDelivery(deps, row);
}
