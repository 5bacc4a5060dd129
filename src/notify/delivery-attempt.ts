import type { Kysely, Selectable } from 'kysely';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import type { Database, NotificationDeliveriesTable } from '../store/schema.js';
import { NotifyError } from './errors.js';

type DeliveryRow = Selectable<NotificationDeliveriesTable>;

/** Sends one delivery's content; resolves with the HTTP status (webhooks) or null (e-mail). */
export type SendDelivery = (row: DeliveryRow) => Promise<number | null>;

/** How one attempt ended. */
export type AttemptOutcome = 'delivered' | 'retry' | 'failed' | 'skipped';

/** The retry schedule: the first delay, doubled per attempt, capped. */
export interface BackoffPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

/** What attempting deliveries needs. */
export interface AttemptDeps {
  db: Kysely<Database>;
  /** The service's clock: schedules retries. */
  clock: Clock;
  logger: Logger;
  send: SendDelivery;
  /** Delay before the next attempt after `attempts` attempts (see `backoffDelay`). */
  delayAfter: (attempts: number) => number;
}

/**
 * Delay before attempt `attempts + 1`, after `attempts` attempts: `baseDelayMs` doubled per attempt
 * after the first, capped at `maxDelayMs`, times 0.9–1.1 for `jitter` in [0, 1).
 */
export function backoffDelay(attempts: number, policy: BackoffPolicy, jitter: number): number {
  const delay = Math.min(policy.baseDelayMs * 2 ** Math.max(0, attempts - 1), policy.maxDelayMs);
  return Math.round(delay * (0.9 + 0.2 * jitter));
}

/**
 * Claims a pending delivery for one attempt (a conditional update on its attempt count): the claim
 * is the lease, so a crash during the send leaves `next_attempt_at` in the future. False: another
 * run took it.
 */
export async function claimAttempt(
  db: Kysely<Database>,
  row: DeliveryRow,
  now: number,
  next: Date,
): Promise<boolean> {
  const claimed = await db
    .updateTable('notification_deliveries')
    .set({ attempts: row.attempts + 1, last_attempt_at: new Date(now), next_attempt_at: next })
    .where('id', '=', row.id)
    .where('status', '=', 'pending')
    .where('attempts', '=', row.attempts)
    .returning('id')
    .executeTakeFirst();
  return claimed !== undefined;
}

async function recordDelivered(deps: AttemptDeps, row: DeliveryRow, status: number | null): Promise<void> {
  await deps.db
    .updateTable('notification_deliveries')
    .set({
      status: 'delivered',
      delivered_at: new Date(deps.clock.now()),
      next_attempt_at: null,
      last_status: status,
      last_error: null,
    })
    .where('id', '=', row.id)
    .execute();
}

/** Records a failed attempt: retried at `next`, or failed when `next` is past the row's window. */
async function recordFailure(
  deps: AttemptDeps,
  row: DeliveryRow,
  next: Date,
  err: unknown,
): Promise<'retry' | 'failed'> {
  const message = err instanceof Error ? err.message : String(err);
  const status =
    err instanceof NotifyError && typeof err.details.status === 'number' ? err.details.status : null;
  const giveUp = next.getTime() > row.give_up_at.getTime();
  await deps.db
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
  deps.logger.warn(
    {
      delivery: Number(row.id),
      channel: row.channel,
      attempts: row.attempts + 1,
      giveUp,
      error: message,
      ...(typeof detail === 'string' ? { detail } : {}),
    },
    'notification delivery failed',
  );
  return giveUp ? 'failed' : 'retry';
}

/** Claims and makes one attempt; returns the outcome. */
export async function attemptDelivery(deps: AttemptDeps, row: DeliveryRow): Promise<AttemptOutcome> {
  const now = deps.clock.now();
  const next = new Date(now + deps.delayAfter(row.attempts + 1));
  if (!(await claimAttempt(deps.db, row, now, next))) return 'skipped';
  try {
    const status = await deps.send(row);
    await recordDelivered(deps, row, status);
    return 'delivered';
  } catch (err) {
    return recordFailure(deps, row, next, err);
  }
}

/** Sends every due delivery (a few at a time); returns how many were delivered and given up. */
export async function sendDueDeliveries(deps: AttemptDeps): Promise<{ delivered: number; failed: number }> {
  let delivered = 0;
  let failed = 0;
  const seen = new Set<number>();
  for (;;) {
    const due = (
      await deps.db
        .selectFrom('notification_deliveries')
        .selectAll()
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', new Date(deps.clock.now()))
        .orderBy('id')
        .limit(50)
        .execute()
    ).filter((r) => !seen.has(Number(r.id)));
    if (due.length === 0) break;
    for (const r of due) seen.add(Number(r.id));
    for (let i = 0; i < due.length; i += 5) {
      const outcomes = await Promise.all(due.slice(i, i + 5).map((r) => attemptDelivery(deps, r)));
      delivered += outcomes.filter((o) => o === 'delivered').length;
      failed += outcomes.filter((o) => o === 'failed').length;
    }
  }
  return { delivered, failed };
}
