import type { Selectable } from 'kysely';
import type { Viewer } from '../connections/repository.js';
import type { EventType } from '../events/events.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import type { Random } from '../kernel/random.js';
import type { Store } from '../store/database.js';
import type { NotificationDeliveriesTable } from '../store/schema.js';
import { NotifyError } from './errors.js';
import { createFanOut, eventsAwaitingFanOut } from './fan-out.js';
import type { Mailer } from './mailer.js';
import { createSender } from './send.js';
import type { NotificationSettingsService } from './settings.js';
import type { WebhookPost } from './webhook-post.js';

const HOUR = 3_600_000;

/** A delivery as the portal's log shows it. */
export interface Delivery {
  id: number;
  eventId: number;
  eventType: EventType;
  scope: string;
  channel: 'email' | 'webhook';
  /** E-mail address, or the endpoint's URL. */
  target: string;
  endpointId: string | null;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: Date | null;
  giveUpAt: Date;
  lastAttemptAt: Date | null;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: Date | null;
  createdAt: Date;
  /** E-mail subject, or the webhook body. */
  summary: string;
}

/** Work not yet done, for /metrics: deliveries pending per channel and the oldest one's age. */
export interface DeliveryBacklog {
  channels: { channel: 'email' | 'webhook'; pending: number; oldestAgeSeconds: number }[];
  /** Events recorded but not yet fanned out into deliveries. */
  eventsAwaitingFanOut: number;
}

/** What one delivery run did. */
export interface RunResult {
  eventsScanned: number;
  deliveriesCreated: number;
  delivered: number;
  failed: number;
}

export interface DeliveryDeps {
  store: Store;
  /** The service's clock (simulated time in sandbox mode): schedules retries. */
  clock: Clock;
  /** Real time: webhook signature timestamps, which receivers check against their own clocks. */
  wallClock: Clock;
  random: Random;
  logger: Logger;
  settings: NotificationSettingsService;
  /** null: e-mail is not configured (no SMTP_URL outside sandbox mode); no e-mail is planned. */
  mailer: Mailer | null;
  mailFrom: string;
  publicUrl: string;
  /** The webhook transport: public addresses only (webhook-post.ts). */
  post: WebhookPost;
  userAgent?: string;
  /** How long a delivery is retried (default 24 h). */
  retryWindowMs?: number;
  /** First retry delay, doubled per attempt (default 30 s), capped at `maxDelayMs` (default 4 h). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Per-attempt timeout of a webhook call (default 10 s). */
  timeoutMs?: number;
  /**
   * PostgreSQL: how long an event after a gap in the id sequence waits for the gap's transaction to
   * commit before the gap is taken for a rollback or a dedupe conflict (default 30 s).
   */
  gapGraceMs?: number;
}

/**
 * Delivery of the event log: fan-out (new events after a stored cursor → one row per event and
 * e-mail address or webhook endpoint, unique, so a rerun adds nothing) and sending (due rows, each
 * attempt claimed with a conditional update, retried with exponential backoff until its window
 * ends). At-least-once: a crash between sending and recording sends again at the next attempt.
 */
export function createDeliveries(deps: DeliveryDeps) {
  const { store, clock, logger, settings } = deps;
  const retryWindowMs = deps.retryWindowMs ?? 24 * HOUR;
  const baseDelayMs = deps.baseDelayMs ?? 30_000;
  const maxDelayMs = deps.maxDelayMs ?? 4 * HOUR;
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const gapGraceMs = deps.gapGraceMs ?? 30_000;

  /** Delay before attempt `attempt + 1`, after `attempt` attempts (±10 % jitter). */
  const backoff = (attempt: number): number =>
    Math.round(
      Math.min(baseDelayMs * 2 ** Math.max(0, attempt - 1), maxDelayMs) * (0.9 + 0.2 * deps.random.float()),
    );

  const fanOut = createFanOut({
    store,
    clock,
    settings,
    emailEnabled: deps.mailer !== null,
    publicUrl: deps.publicUrl,
    retryWindowMs,
    gapGraceMs,
  });
  const send = createSender({
    store,
    wallClock: deps.wallClock,
    settings,
    mailer: deps.mailer,
    mailFrom: deps.mailFrom,
    post: deps.post,
    ...(deps.userAgent === undefined ? {} : { userAgent: deps.userAgent }),
    timeoutMs,
  });

  /** Claims and makes one attempt; returns the outcome. */
  const attempt = async (
    row: Selectable<NotificationDeliveriesTable>,
  ): Promise<'delivered' | 'retry' | 'failed' | 'skipped'> => {
    const now = clock.now();
    const attempts = row.attempts + 1;
    const next = new Date(now + backoff(attempts));
    // The claim is the lease: a crash during the send leaves next_attempt_at in the future.
    const claimed = await store.db
      .updateTable('notification_deliveries')
      .set({ attempts, last_attempt_at: new Date(now), next_attempt_at: next })
      .where('id', '=', row.id)
      .where('status', '=', 'pending')
      .where('attempts', '=', row.attempts)
      .returning('id')
      .executeTakeFirst();
    if (!claimed) return 'skipped';
    try {
      const status = await send(row);
      await store.db
        .updateTable('notification_deliveries')
        .set({
          status: 'delivered',
          delivered_at: new Date(clock.now()),
          next_attempt_at: null,
          last_status: status,
          last_error: null,
        })
        .where('id', '=', row.id)
        .execute();
      return 'delivered';
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const status =
        err instanceof NotifyError && typeof err.details.status === 'number' ? err.details.status : null;
      const giveUp = next.getTime() > row.give_up_at.getTime();
      await store.db
        .updateTable('notification_deliveries')
        .set({
          status: giveUp ? 'failed' : 'pending',
          next_attempt_at: giveUp ? null : next,
          last_status: status,
          last_error: message,
        })
        .where('id', '=', row.id)
        .execute();
      // The operator's log also gets the cause (address rule, DNS or socket error) the tenant's log does not show.
      const detail = err instanceof NotifyError ? err.details.detail : undefined;
      logger.warn(
        {
          delivery: Number(row.id),
          channel: row.channel,
          attempts,
          giveUp,
          error: message,
          ...(typeof detail === 'string' ? { detail } : {}),
        },
        'notification delivery failed',
      );
      return giveUp ? 'failed' : 'retry';
    }
  };

  /** Sends every due delivery (a few at a time); returns how many were delivered and given up. */
  const sendDue = async (): Promise<{ delivered: number; failed: number }> => {
    let delivered = 0;
    let failed = 0;
    const seen = new Set<number>();
    for (;;) {
      const due = (
        await store.db
          .selectFrom('notification_deliveries')
          .selectAll()
          .where('status', '=', 'pending')
          .where('next_attempt_at', '<=', new Date(clock.now()))
          .orderBy('id')
          .limit(50)
          .execute()
      ).filter((r) => !seen.has(Number(r.id)));
      if (due.length === 0) break;
      for (const r of due) seen.add(Number(r.id));
      for (let i = 0; i < due.length; i += 5) {
        const outcomes = await Promise.all(due.slice(i, i + 5).map(attempt));
        delivered += outcomes.filter((o) => o === 'delivered').length;
        failed += outcomes.filter((o) => o === 'failed').length;
      }
    }
    return { delivered, failed };
  };

  const visibleScopes = (viewer: Viewer): string[] | null =>
    viewer.role === 'operator' ? null : viewer.accountId ? [viewer.accountId] : [];

  const toDelivery = (r: Selectable<NotificationDeliveriesTable> & { url: string | null }): Delivery => {
    const content = r.content as { subject?: string; body?: string };
    return {
      id: Number(r.id),
      eventId: Number(r.event_id),
      eventType: r.event_type as EventType,
      scope: r.scope,
      channel: r.channel,
      target: r.channel === 'webhook' ? (r.url ?? '(removed endpoint)') : r.target,
      endpointId: r.endpoint_id,
      status: r.status === 'sending' ? 'pending' : r.status,
      attempts: r.attempts,
      nextAttemptAt: r.next_attempt_at,
      giveUpAt: r.give_up_at,
      lastAttemptAt: r.last_attempt_at,
      lastStatus: r.last_status,
      lastError: r.last_error,
      deliveredAt: r.delivered_at,
      createdAt: r.created_at,
      summary: content.subject ?? content.body ?? '',
    };
  };

  /** The delivery log of the viewer's scope (operators: `scope`, or all), newest first. */
  const list = async (
    viewer: Viewer,
    options: {
      scope?: string | null;
      channel?: 'email' | 'webhook';
      status?: 'pending' | 'delivered' | 'failed';
      endpointId?: string;
      eventId?: number;
      limit?: number;
      beforeId?: number;
    } = {},
  ): Promise<Delivery[]> => {
    let q = store.db
      .selectFrom('notification_deliveries as d')
      .leftJoin('webhook_endpoints as w', 'w.id', 'd.endpoint_id')
      .selectAll('d')
      .select('w.url as url')
      .orderBy('d.id', 'desc')
      .limit(Math.min(options.limit ?? 100, 500));
    const scopes = visibleScopes(viewer);
    if (scopes) q = q.where('d.scope', 'in', scopes.length ? scopes : ['-']);
    else if (options.scope) q = q.where('d.scope', '=', options.scope);
    if (options.channel) q = q.where('d.channel', '=', options.channel);
    if (options.status) q = q.where('d.status', '=', options.status);
    if (options.endpointId) q = q.where('d.endpoint_id', '=', options.endpointId);
    if (options.eventId !== undefined) q = q.where('d.event_id', '=', options.eventId);
    if (options.beforeId !== undefined) q = q.where('d.id', '<', options.beforeId);
    return (await q.execute()).map(toDelivery);
  };

  /** Pending (or in-flight) deliveries per channel and the age of the oldest, by the service's clock. */
  const backlog = async (): Promise<DeliveryBacklog> => {
    const rows = await store.db
      .selectFrom('notification_deliveries')
      .select([
        'channel',
        (eb) => eb.fn.countAll<string>().as('n'),
        (eb) => eb.fn.min('created_at').as('oldest'),
      ])
      .where('status', 'in', ['pending', 'sending'])
      .groupBy('channel')
      .execute();
    const now = clock.now();
    const channels = (['email', 'webhook'] as const).map((channel) => {
      const r = rows.find((x) => x.channel === channel);
      const oldest = r?.oldest ? new Date(r.oldest).getTime() : now;
      return {
        channel,
        pending: Number(r?.n ?? 0),
        oldestAgeSeconds: Math.max(0, Math.round((now - oldest) / 1000)),
      };
    });
    return { channels, eventsAwaitingFanOut: await eventsAwaitingFanOut(store.db) };
  };

  return {
    fanOut,
    sendDue,
    list,
    backlog,

    /** One pass: fan out new events, then send what is due. */
    async runOnce(): Promise<RunResult> {
      const planned = await fanOut();
      const sent = await sendDue();
      return {
        eventsScanned: planned.events,
        deliveriesCreated: planned.created,
        delivered: sent.delivered,
        failed: sent.failed,
      };
    },

    /**
     * Queues a delivery again, now, with a fresh retry window (also a delivered one: the receiver
     * gets the same body with a new signature and the same Sellerlink-Delivery id).
     */
    async redeliver(viewer: Viewer, id: number): Promise<Delivery> {
      if (viewer.role === 'member')
        throw new NotifyError('NOTIFY_FORBIDDEN', "only the account's owners and operators redeliver");
      const scopes = visibleScopes(viewer);
      let q = store.db.selectFrom('notification_deliveries').select(['id', 'scope']).where('id', '=', id);
      if (scopes) q = q.where('scope', 'in', scopes.length ? scopes : ['-']);
      const row = Number.isSafeInteger(id) && id > 0 ? await q.executeTakeFirst() : undefined;
      if (!row) throw new NotifyError('NOTIFY_DELIVERY_NOT_FOUND', 'no such delivery');
      const now = clock.now();
      await store.db
        .updateTable('notification_deliveries')
        .set({ status: 'pending', next_attempt_at: new Date(now), give_up_at: new Date(now + retryWindowMs) })
        .where('id', '=', id)
        .execute();
      const [updated] = await list(viewer, { limit: 1, beforeId: id + 1 });
      return updated!;
    },
  };
}

export type Deliveries = ReturnType<typeof createDeliveries>;
