import type { Kysely, Selectable } from 'kysely';
import type { StoredEvent } from '../events/events.js';
import type { Clock } from '../kernel/clock.js';
import { counted } from '../kernel/plural.js';
import type { Store } from '../store/database.js';
import type { Database, NotificationDeliveriesTable } from '../store/schema.js';

/**
 * The daily digest (an account's or the operators' e-mail mode `digest`): fan-out holds each expiry
 * reminder's e-mail (`status` `held`, dated by the reminder's event) instead of sending it; once the day (UTC, by the service's
 * clock) is over, one transaction turns a recipient's held reminders into one e-mail: the oldest
 * row carries the digest (`pending`, sent by the usual attempts with their retries) and the others
 * become `digested`, pointing at it. Everything is in the database, so a crash loses nothing: held
 * rows wait for the next run, and a composed digest is sent at least once.
 */

type DeliveryRow = Selectable<NotificationDeliveriesTable>;

const DAY = 86_400_000;

/** Whether an e-mail of this event waits for the digest: expiry reminders, except the last day's. */
export function heldForDigest(event: Pick<StoredEvent, 'type' | 'payload'>): boolean {
  if (event.type !== 'connection.expiring') return false;
  const days = event.payload.threshold ?? event.payload.daysLeft;
  // The last reminder (1 day before) cannot wait for tomorrow's digest: it goes at once.
  return typeof days !== 'number' || days > 1;
}

/** The start of the UTC day holding `now`. */
export function dayStart(now: number): Date {
  return new Date(Math.floor(now / DAY) * DAY);
}

/** The e-mail of one day's held reminders to one recipient (from each reminder's own words). */
export function digestContent(
  rows: readonly Pick<DeliveryRow, 'content' | 'created_at'>[],
  publicUrl: string,
): { subject: string; text: string; digest: number } {
  const parts = rows.map((r) => r.content as { subject?: string; text?: string });
  const days = [...new Set(rows.map((r) => r.created_at.toISOString().slice(0, 10)))];
  const body = parts.map((p, i) => {
    const text = (p.text ?? '').split('\n\n-- \n')[0]!.trim();
    return `${i + 1}. ${p.subject ?? 'Reminder'}\n\n${text}`;
  });
  return {
    subject: `Daily digest: ${counted(rows.length, 'reminder')} (${days.join(', ')})`,
    text:
      `${counted(rows.length, 'reminder')} from ${days.join(', ')} (UTC), gathered into one e-mail as your ` +
      `notification settings ask.\n\n${body.join('\n\n----\n\n')}\n\n-- \nSellerlink\n` +
      `You get this digest because of the notification settings of your account:\n${publicUrl}/notifications`,
    digest: rows.length,
  };
}

/** Composes one recipient's digest in one transaction; returns whether one was made. */
async function composeOne(
  db: Kysely<Database>,
  key: { scope: string; target: string },
  before: Date,
  now: Date,
  deps: { publicUrl: string; retryWindowMs: number },
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('notification_deliveries')
      .selectAll()
      .where('status', '=', 'held')
      .where('channel', '=', 'email')
      .where('scope', '=', key.scope)
      .where('target', '=', key.target)
      .where('created_at', '<', before)
      .orderBy('id')
      .forUpdate()
      .execute();
    if (rows.length === 0) return false;
    const carrier = rows[0]!;
    const ids = rows.map((r) => r.id);
    await trx
      .updateTable('notification_deliveries')
      .set({ status: 'digested', digest_id: carrier.id, next_attempt_at: null })
      .where('id', 'in', ids)
      .execute();
    await trx
      .updateTable('notification_deliveries')
      .set({
        status: 'pending',
        content: JSON.stringify(digestContent(rows, deps.publicUrl)),
        next_attempt_at: now,
        give_up_at: new Date(now.getTime() + deps.retryWindowMs),
      })
      .where('id', '=', carrier.id)
      .execute();
    return true;
  });
}

/**
 * Composes the digests of every recipient with reminders held from before today (UTC, service
 * clock), under a lock so two runs do not both compose; returns how many digests were made.
 */
export async function composeDigests(deps: {
  store: Store;
  clock: Clock;
  publicUrl: string;
  retryWindowMs: number;
}): Promise<number> {
  const now = deps.clock.now();
  const before = dayStart(now);
  const due = await deps.store.db
    .selectFrom('notification_deliveries')
    .select(['scope', 'target'])
    .where('status', '=', 'held')
    .where('created_at', '<', before)
    .groupBy(['scope', 'target'])
    .execute();
  if (due.length === 0) return 0;
  return deps.store.withLock('notify.digest', async (db) => {
    let made = 0;
    for (const key of due) {
      if (await composeOne(db, key, before, new Date(now), deps)) made += 1;
    }
    return made;
  });
}
