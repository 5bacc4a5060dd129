import type { RenewLinkBuilder } from './content.js';
import type { Viewer } from '../connections/repository.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import type { Random } from '../kernel/random.js';
import type { Store } from '../store/database.js';
import { backoffDelay, sendDueDeliveries, type AttemptDeps } from './delivery-attempt.js';
import { deliveryBacklog, listDeliveries, redeliver, type DeliveryListOptions } from './delivery-log.js';
import { composeDigests } from './digest.js';
import { createFanOut } from './fan-out.js';
import type { Mailer } from './mailer.js';
import { createSender } from './send.js';
import type { NotificationSettingsService } from './settings.js';
import type { WebhookPost } from './webhook-post.js';

export type { Delivery, DeliveryBacklog, DeliveryListOptions } from './delivery-log.js';

const HOUR = 3_600_000;

/** What one delivery run did. */
export interface RunResult {
  eventsScanned: number;
  deliveriesCreated: number;
  /** Daily digests composed from held reminders. */
  digestsComposed: number;
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
  /** Builds reminders' one-click renew links (src/connect/renew-links.ts); none when absent. */
  renewLink?: RenewLinkBuilder | undefined;
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

/** The delivery timings, defaults filled in. */
export interface DeliveryPolicy {
  retryWindowMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
  gapGraceMs: number;
}

/** The timings of `deps`, with the defaults for those not given. */
export function deliveryPolicy(
  deps: Pick<DeliveryDeps, 'retryWindowMs' | 'baseDelayMs' | 'maxDelayMs' | 'timeoutMs' | 'gapGraceMs'>,
): DeliveryPolicy {
  return {
    retryWindowMs: deps.retryWindowMs ?? 24 * HOUR,
    baseDelayMs: deps.baseDelayMs ?? 30_000,
    maxDelayMs: deps.maxDelayMs ?? 4 * HOUR,
    timeoutMs: deps.timeoutMs ?? 10_000,
    gapGraceMs: deps.gapGraceMs ?? 30_000,
  };
}

/**
 * Delivery of the event log: fan-out (new events after a stored cursor → one row per event and
 * e-mail address or webhook endpoint, unique, so a rerun adds nothing) and sending (due rows, each
 * attempt claimed with a conditional update, retried with exponential backoff until its window
 * ends). At-least-once: a crash between sending and recording sends again at the next attempt.
 */
export function createDeliveries(deps: DeliveryDeps) {
  const { store, clock, settings } = deps;
  const policy = deliveryPolicy(deps);
  const fanOut = createFanOut({
    store,
    clock,
    settings,
    emailEnabled: deps.mailer !== null,
    publicUrl: deps.publicUrl,
    renewLink: deps.renewLink,
    retryWindowMs: policy.retryWindowMs,
    gapGraceMs: policy.gapGraceMs,
  });
  const attempts: AttemptDeps = {
    db: store.db,
    clock,
    logger: deps.logger,
    send: createSender({
      store,
      wallClock: deps.wallClock,
      settings,
      mailer: deps.mailer,
      mailFrom: deps.mailFrom,
      post: deps.post,
      ...(deps.userAgent === undefined ? {} : { userAgent: deps.userAgent }),
      timeoutMs: policy.timeoutMs,
    }),
    delayAfter: (attempt) => backoffDelay(attempt, policy, deps.random.float()),
  };
  const sendDue = () => sendDueDeliveries(attempts);
  const digests = () =>
    composeDigests({ store, clock, publicUrl: deps.publicUrl, retryWindowMs: policy.retryWindowMs });
  return {
    fanOut,
    sendDue,
    /** The delivery log of the viewer's scope (operators: `scope`, or all), newest first. */
    list: (viewer: Viewer, options?: DeliveryListOptions) => listDeliveries(store.db, viewer, options),
    /** Pending (or in-flight) deliveries per channel and the age of the oldest, by the service's clock. */
    backlog: () => deliveryBacklog(store.db, clock),
    /** Composes the daily digests of reminders held from before today (digest.ts). */
    composeDigests: digests,
    /** One pass: fan out new events, compose the digests of past days, then send what is due. */
    async runOnce(): Promise<RunResult> {
      const planned = await fanOut();
      const composed = await digests();
      const sent = await sendDue();
      return {
        eventsScanned: planned.events,
        deliveriesCreated: planned.created,
        digestsComposed: composed,
        delivered: sent.delivered,
        failed: sent.failed,
      };
    },
    /** Queues a delivery again, now, with a fresh retry window (see `redeliver`). */
    redeliver: (viewer: Viewer, id: number) =>
      redeliver({ db: store.db, clock, retryWindowMs: policy.retryWindowMs }, viewer, id),
  };
}

export type Deliveries = ReturnType<typeof createDeliveries>;
