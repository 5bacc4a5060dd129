import type { Kysely } from 'kysely';
import type { SpApiClient } from '../amazon/client-types.js';
import {
  getMarketplaceParticipationsRequest,
  processGetMarketplaceParticipations,
} from '../amazon/operations.js';
import { recordEvent, type NewEvent } from '../events/events.js';
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

/**
 * Moves connections past their end to `expired` (through the lifecycle, event in the same
 * transaction) and raises `connection.expiring` once per threshold per authorization period.
 */
export async function remindConnections(deps: {
  db: Kysely<Database>;
  clock: Clock;
  lifecycle: ConnectionLifecycle;
}): Promise<ConnectionsPass> {
  const expired = await deps.lifecycle.expireDue();
  const now = deps.clock.now();
  const rows = await connectionsWithExpiry(deps.db);
  const pass: ConnectionsPass = { checked: rows.length, expiring: 0, expired, revoked: 0 };
  for (const row of rows) {
    const event = expiringEvent(row, now);
    if (event && (await recordEvent(deps.db, event)) !== null) pass.expiring++;
  }
  return pass;
}

/** The live connections that have an expiry (the ones reminders are about). */
function connectionsWithExpiry(db: Kysely<Database>) {
  return db
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
    .where('expires_at', 'is not', null)
    .execute();
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
      .orderBy('last_probe_at')
      .limit(limit)
      .execute()
  );
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
}): Promise<ProbePass> {
  const now = deps.clock.now();
  const rows = await connectionsDueForProbe(deps.db, now, now - (deps.intervalMs ?? DAY), deps.limit ?? 1000);
  const pass: ProbePass = { probed: 0, ok: 0, failed: 0 };
  let done = 0;
  deps.onProgress?.({ done, total: rows.length });
  for (const row of rows) {
    const claimed = await deps.lifecycle.claimProbe(row.id, row.last_probe_at);
    if (!claimed) {
      deps.onProgress?.({ done: ++done, total: rows.length });
      continue;
    }
    pass.probed++;
    let outcome = 'ok';
    let participations: Participations | null = null;
    try {
      participations = await processGetMarketplaceParticipations(
        deps.spApi.call(row.id, getMarketplaceParticipationsRequest()),
      );
      pass.ok++;
    } catch (err) {
      pass.failed++;
      outcome = err instanceof AppError ? (err as AppError<string>).code : 'INTERNAL';
      deps.logger.info({ connectionId: row.id, outcome }, 'health probe failed');
    }
    await deps.lifecycle.finishProbe(row.id, outcome, participations);
    deps.onProgress?.({ done: ++done, total: rows.length });
  }
  return pass;
}
