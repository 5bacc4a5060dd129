import { sql, type Kysely } from 'kysely';
import type { SpApiClient } from '../amazon/client-types.js';
import {
  getMarketplaceParticipationsRequest,
  processGetMarketplaceParticipations,
} from '../amazon/operations.js';
import { recordEvents, type NewEvent } from '../events/events.js';
import type { Clock } from '../kernel/clock.js';
import { AppError } from '../kernel/errors.js';
import type { Logger } from '../kernel/log.js';
import type { ConnectionLifecycle, Participations } from '../lifecycle/connections.js';
import { partnerFields } from '../lifecycle/ads-identity.js';
import { expiringKey } from '../lifecycle/event-keys.js';
import { daysLeft, timedState } from '../lifecycle/health.js';
import type { AmazonApi, Database } from '../store/schema.js';

/** Days before expiry at which `connection.expiring` is raised. */
export const EXPIRY_REMINDER_DAYS = [30, 14, 7, 3, 1] as const;

const DAY = 86_400_000;

/** What one pass over the connections did. */
export interface ConnectionsPass {
  checked: number;
  /** Events newly appended (already-recorded ones are not counted). */
  expiring: number;
  expired: number;
  revoked: number;
}

/**
 * The most urgent reminder threshold a connection has reached (`days` left ≤ threshold), or null
 * when none has. Only the most urgent is raised: after a gap (the service was down) nobody needs a
 * stale "30 days left" when 6 are left.
 */
export function reminderThreshold(
  days: number,
  thresholds: readonly number[] = EXPIRY_REMINDER_DAYS,
): number | null {
  let hit: number | null = null;
  for (const t of thresholds) if (days <= t && (hit === null || t < hit)) hit = t;
  return hit;
}

/** Connections read (and events written) per batch of a pass: memory stays flat with the connections. */
export const MONITOR_BATCH = 1000;

/**
 * Transitions and probes run this many at a time (PostgreSQL: one pool connection each; PGlite runs
 * them one by one through its gate). Each is its own transaction on its own connection row.
 */
export const MONITOR_CONCURRENCY = 4;

/** Runs `fn` over `items`, at most `concurrency` at a time. */
export async function eachConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}

/**
 * Moves every connection past its end to `expired` through the lifecycle (each in its own
 * transaction, with its audit entry and event), MONITOR_CONCURRENCY at a time, reading the due ones a
 * batch at a time in id order. Returns how many moved.
 */
export async function expireDueConnections(deps: {
  db: Kysely<Database>;
  clock: Clock;
  lifecycle: Pick<ConnectionLifecycle, 'expire'>;
  /** Rows per batch (default MONITOR_BATCH; tests make batches small). */
  batch?: number;
}): Promise<number> {
  const batch = deps.batch ?? MONITOR_BATCH;
  const at = new Date(deps.clock.now());
  let moved = 0;
  let after: string | null = null;
  for (;;) {
    let q = deps.db
      .selectFrom('connections')
      .select('id')
      .where('state', 'in', ['active', 'expiring', 'error'])
      .where('expires_at', '<=', at)
      .orderBy('id')
      .limit(batch);
    if (after !== null) q = q.where('id', '>', after);
    const due = await q.execute();
    await eachConcurrently(due, MONITOR_CONCURRENCY, async ({ id }) => {
      if (await deps.lifecycle.expire(id)) moved++;
    });
    if (due.length < batch) return moved;
    after = due[due.length - 1]!.id;
  }
}

/**
 * Moves connections past their end to `expired` (through the lifecycle, event in the same
 * transaction) and raises `connection.expiring` once per threshold per authorization period. Only
 * the connections within the widest reminder window are read, a batch at a time, and each batch's
 * reminders are appended in one statement (already-raised ones skipped by their dedupe keys).
 */
export async function remindConnections(deps: {
  db: Kysely<Database>;
  clock: Clock;
  lifecycle: Pick<ConnectionLifecycle, 'expire'>;
  /** Rows per batch (default MONITOR_BATCH; tests make batches small). */
  batch?: number;
}): Promise<ConnectionsPass> {
  const batch = deps.batch ?? MONITOR_BATCH;
  const expired = await expireDueConnections(deps);
  const now = deps.clock.now();
  const pass: ConnectionsPass = { checked: await countWithExpiry(deps.db), expiring: 0, expired, revoked: 0 };
  let after: string | null = null;
  for (;;) {
    const rows = await connectionsWithExpiry(deps.db, now, after, batch);
    const events = rows.flatMap((row) => expiringEvent(row, now) ?? []);
    pass.expiring += await recordEvents(deps.db, events);
    if (rows.length < batch) return pass;
    after = rows[rows.length - 1]!.id;
  }
}

/** How many live connections have an expiry (the ones reminders are about). */
async function countWithExpiry(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('connections')
    .select((eb) => eb.fn.countAll<string | number | bigint>().as('n'))
    .where('state', 'in', ['active', 'expiring', 'error'])
    .where('expires_at', 'is not', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * One batch (after id `after`, in id order) of the live connections whose authorization ends within
 * the widest reminder threshold: the only ones a reminder can be due for.
 */
function connectionsWithExpiry(db: Kysely<Database>, now: number, after: string | null, batch: number) {
  const widest = Math.max(...EXPIRY_REMINDER_DAYS);
  let q = db
    .selectFrom('connections')
    .select([
      'id',
      'api',
      'account_id',
      'application_id',
      'selling_partner_id',
      'region',
      'store_name',
      'state',
      'expires_at',
    ])
    .where('state', 'in', ['active', 'expiring', 'error'])
    .where('expires_at', '>', new Date(now))
    .where('expires_at', '<=', new Date(now + widest * DAY))
    .orderBy('id')
    .limit(batch);
  if (after !== null) q = q.where('id', '>', after);
  return q.execute();
}

/**
 * The `connection.expiring` event a connection is due at `now` (its most urgent threshold reached,
 * deduplicated per threshold and authorization period), or null when it is due none.
 */
export function expiringEvent(
  row: Awaited<ReturnType<typeof connectionsWithExpiry>>[number],
  now: number,
): NewEvent | null {
  const state = timedState(row.state, row.expires_at, now);
  const left = daysLeft(row.expires_at, now);
  if (row.expires_at === null || left === null || state === 'expired') return null;
  const threshold = reminderThreshold(left);
  if (threshold === null) return null;
  return {
    at: new Date(now),
    accountId: row.account_id,
    connectionId: row.id,
    applicationId: row.application_id,
    type: 'connection.expiring',
    payload: {
      ...partnerFields(row),
      region: row.region,
      storeName: row.store_name,
      expiresAt: row.expires_at.toISOString(),
      daysLeft: left,
      accountId: row.account_id,
      state,
      threshold,
    },
    dedupeKey: expiringKey(row.id, row.expires_at, threshold),
  };
}

/** What one round of health probes did. */
export interface ProbePass {
  probed: number;
  ok: number;
  failed: number;
}

/**
 * Live connections not probed, authorized or called successfully since `sinceMs` (those whose
 * marketplaces are still unknown at once), least recently probed first.
 */
export function connectionsDueForProbe(
  db: Kysely<Database>,
  now: number,
  sinceMs: number,
  limit: number,
  api: AmazonApi = 'sp_api',
) {
  const since = new Date(sinceMs);
  return (
    db
      .selectFrom('connections')
      .select(['id', 'last_probe_at', 'marketplace_ids'])
      .where('api', '=', api)
      .where('state', 'in', ['active', 'error'])
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', new Date(now))]))
      .where((eb) => eb.or([eb('last_probe_at', 'is', null), eb('last_probe_at', '<=', since)]))
      .where((eb) =>
        eb.or([
          eb('last_success_at', 'is', null),
          eb('last_success_at', '<=', since),
          // Marketplaces still unknown: asked again at once.
          eb(eb.fn('jsonb_array_length', ['marketplace_ids']), '=', 0),
        ]),
      )
      // A connection authorized (or renewed) within the interval was just checked by the OAuth flow,
      // unless its marketplaces are still unknown.
      .where((eb) =>
        eb.or([
          eb('authorized_at', '<=', since),
          eb(eb.fn('jsonb_array_length', ['marketplace_ids']), '=', 0),
        ]),
      )
      // Never probed first (PostgreSQL sorts nulls last by default): with more connections due than
      // one pass probes, the ones probed yesterday must not take every slot again.
      .orderBy(sql`last_probe_at asc nulls first`)
      .limit(limit)
      .execute()
  );
}

/** Probes one claimed connection: getMarketplaceParticipations, then its outcome stored. */
async function probeOne(
  deps: { spApi: SpApiClient; lifecycle: ConnectionLifecycle; logger: Logger },
  id: string,
  pass: ProbePass,
): Promise<void> {
  pass.probed++;
  let outcome = 'ok';
  let participations: Participations | null = null;
  try {
    participations = await processGetMarketplaceParticipations(
      deps.spApi.call(id, getMarketplaceParticipationsRequest()),
    );
    pass.ok++;
  } catch (err) {
    pass.failed++;
    outcome = err instanceof AppError ? (err as AppError<string>).code : 'INTERNAL';
    deps.logger.info({ connectionId: id, outcome }, 'health probe failed');
  }
  await deps.lifecycle.finishProbe(id, outcome, participations);
}

/**
 * Calls getMarketplaceParticipations for each active connection not probed, authorized or called
 * successfully in the last `intervalMs`, so a revocation is found before a user-facing call fails: the
 * token broker turns Amazon's invalid_grant into `revoked` and its event. The probe time is claimed
 * before the call, so concurrent workers never probe the same connection twice.
 */
export async function probeConnections(deps: {
  db: Kysely<Database>;
  clock: Clock;
  spApi: SpApiClient;
  lifecycle: ConnectionLifecycle;
  logger: Logger;
  intervalMs?: number;
  limit?: number;
  /** Told how many probes are done of how many (the sandbox page shows it). */
  onProgress?: (p: { done: number; total: number }) => void;
  /** Probes at a time (default MONITOR_CONCURRENCY). */
  concurrency?: number;
}): Promise<ProbePass> {
  const now = deps.clock.now();
  const rows = await connectionsDueForProbe(deps.db, now, now - (deps.intervalMs ?? DAY), deps.limit ?? 1000);
  const pass: ProbePass = { probed: 0, ok: 0, failed: 0 };
  let done = 0;
  deps.onProgress?.({ done, total: rows.length });
  await eachConcurrently(rows, deps.concurrency ?? MONITOR_CONCURRENCY, async (row) => {
    if (await deps.lifecycle.claimProbe(row.id, row.last_probe_at)) await probeOne(deps, row.id, pass);
    deps.onProgress?.({ done: ++done, total: rows.length });
  });
  return pass;
}
