import type { Kysely } from 'kysely';
import type { SpApiClient } from '../amazon/client-types.js';
import { daysLeft, deriveState } from '../connections/status.js';
import { recordEvent } from '../events/events.js';
import type { Clock } from '../kernel/clock.js';
import { AppError } from '../kernel/errors.js';
import type { Logger } from '../kernel/log.js';
import type { Database } from '../store/schema.js';
import { connectionPeriodKey, expiringKey, periodOf } from './period-events.js';

/** Days before expiry at which `connection.expiring` is raised (issue 7). */
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
 * Derives each connection's state from `expires_at` and raises, once per authorization period,
 * `connection.expiring` at each threshold, `connection.expired` when the period is over, and
 * `connection.revoked` for a revoked connection whose event is missing (e.g. lost in a crash).
 */
export async function remindConnections(deps: {
  db: Kysely<Database>;
  clock: Clock;
}): Promise<ConnectionsPass> {
  const now = deps.clock.now();
  const rows = await deps.db
    .selectFrom('connections')
    .select([
      'id',
      'account_id',
      'application_id',
      'selling_partner_id',
      'region',
      'store_name',
      'state',
      'state_reason',
      'expires_at',
      'authorized_at',
    ])
    .where('state', '!=', 'disconnected')
    .execute();
  const pass: ConnectionsPass = { checked: rows.length, expiring: 0, expired: 0, revoked: 0 };
  for (const row of rows) {
    const state = deriveState(row.state, row.expires_at, now);
    const left = daysLeft(row.expires_at, now);
    const payload = {
      sellingPartnerId: row.selling_partner_id,
      region: row.region,
      storeName: row.store_name,
      expiresAt: row.expires_at?.toISOString() ?? null,
      daysLeft: left,
      accountId: row.account_id,
      state,
    };
    const base = {
      at: new Date(now),
      accountId: row.account_id,
      connectionId: row.id,
      applicationId: row.application_id,
    };
    const period = periodOf(row);
    if (state === 'revoked') {
      const id = await recordEvent(deps.db, {
        ...base,
        type: 'connection.revoked',
        payload: { ...payload, reason: row.state_reason },
        dedupeKey: connectionPeriodKey('connection.revoked', row.id, period),
      });
      if (id !== null) pass.revoked++;
      continue;
    }
    if (row.expires_at === null || left === null) continue;
    if (state === 'expired') {
      const id = await recordEvent(deps.db, {
        ...base,
        type: 'connection.expired',
        payload: {
          ...payload,
          reason: 'Amazon ended the authorization after its 365 days.',
        },
        dedupeKey: connectionPeriodKey('connection.expired', row.id, period),
      });
      if (id !== null) pass.expired++;
      continue;
    }
    const threshold = reminderThreshold(left);
    if (threshold === null) continue;
    const id = await recordEvent(deps.db, {
      ...base,
      type: 'connection.expiring',
      payload: { ...payload, threshold },
      dedupeKey: expiringKey(row.id, row.expires_at, threshold),
    });
    if (id !== null) pass.expiring++;
  }
  return pass;
}

/** What one round of health probes did. */
export interface ProbePass {
  probed: number;
  ok: number;
  failed: number;
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
  logger: Logger;
  intervalMs?: number;
  limit?: number;
}): Promise<ProbePass> {
  const now = deps.clock.now();
  const since = new Date(now - (deps.intervalMs ?? DAY));
  const rows = await deps.db
    .selectFrom('connections')
    .select(['id', 'last_probe_at'])
    .where('state', 'in', ['active', 'error'])
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', new Date(now))]))
    .where((eb) => eb.or([eb('last_probe_at', 'is', null), eb('last_probe_at', '<=', since)]))
    .where((eb) => eb.or([eb('last_success_at', 'is', null), eb('last_success_at', '<=', since)]))
    // A connection authorized (or renewed) within the interval was just checked by the OAuth flow.
    .where('authorized_at', '<=', since)
    .orderBy('last_probe_at')
    .limit(deps.limit ?? 1000)
    .execute();
  const pass: ProbePass = { probed: 0, ok: 0, failed: 0 };
  for (const row of rows) {
    let claim = deps.db
      .updateTable('connections')
      .set({ last_probe_at: new Date(now), last_probe_outcome: 'running' })
      .where('id', '=', row.id);
    claim =
      row.last_probe_at === null
        ? claim.where('last_probe_at', 'is', null)
        : claim.where('last_probe_at', '=', row.last_probe_at);
    const claimed = await claim.returning('id').executeTakeFirst();
    if (!claimed) continue;
    pass.probed++;
    let outcome = 'ok';
    try {
      await deps.spApi.call(row.id, {
        operationId: 'getMarketplaceParticipations',
        method: 'GET',
        path: '/sellers/v1/marketplaceParticipations',
      });
      pass.ok++;
    } catch (err) {
      pass.failed++;
      outcome = err instanceof AppError ? (err as AppError<string>).code : 'INTERNAL';
      deps.logger.info({ connectionId: row.id, outcome }, 'health probe failed');
    }
    await deps.db
      .updateTable('connections')
      .set({ last_probe_outcome: outcome })
      .where('id', '=', row.id)
      .execute();
  }
  return pass;
}
