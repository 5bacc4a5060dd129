import type { Kysely } from 'kysely';
import type { SpApiClient } from '../amazon/client-types.js';
import type { LwaClient } from '../amazon/lwa.js';
import type { LwaTokens } from '../amazon/operations.js';
import type { AmazonEndpoints } from '../config/config.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import type { Random } from '../kernel/random.js';
import type { Applications } from '../lifecycle/applications.js';
import type { Actor, ConnectionLifecycle } from '../lifecycle/connections.js';
import type { Database, RegionCode } from '../store/schema.js';
import type { AuditLog } from './audit.js';
import type { ClaimCheck } from './claims.js';
import { refreshParticipations } from './participations.js';
import { healthOfConnection, type Connection } from './repository.js';

/** What the connection use cases are given. */
export interface ConnectionsDeps {
  db: Kysely<Database>;
  clock: Clock;
  random: Random;
  lwa: LwaClient;
  /** The LWA token endpoint of each region, for Ads consents (https://advertising.amazon.com/API/docs/en-us/guides/get-started/retrieve-access-token). */
  adsLwa?: Record<RegionCode, LwaClient>;
  /** The one SP-API client (marketplace participations go through it). */
  spApi: SpApiClient;
  /** Hands a freshly minted access token to the token broker's cache, so the first call needs no refresh. */
  primeAccessToken: (connectionId: string, tokens: LwaTokens) => Promise<void>;
  applications: Applications;
  lifecycle: ConnectionLifecycle;
  audit: AuditLog;
  endpoints: AmazonEndpoints;
  logger: Logger;
  /** Days a public app's authorization lasts (Amazon: 365). */
  authorizationLifetimeDays?: number;
  /** How long an OAuth state is valid (10 minutes). */
  stateTtlMs?: number;
}

/** A claim check that allows storing the authorization (confirmed, or unconfirmed because Amazon did not answer). */
export type AcceptedClaim = Exclude<ClaimCheck, { outcome: 'refused' }>;

/**
 * Stores a fresh authorization through the lifecycle (event in the same transaction) with what the
 * claim check learned (marketplaces, store name, whether Amazon confirmed the seller id), then caches
 * the access token Amazon just gave. When Amazon did not list the marketplaces during the check, it
 * is asked once more through the SP-API client; if that fails too the health probe asks again.
 */
export async function finishAuthorization(
  deps: ConnectionsDeps,
  input: Omit<Parameters<ConnectionLifecycle['authorize']>[0], 'participations' | 'claim'> & {
    tokens: LwaTokens;
    check: AcceptedClaim;
  },
): Promise<Connection> {
  const { tokens, check, ...authorization } = input;
  const { row } = await deps.lifecycle.authorize({
    ...authorization,
    participations: check.participations,
    claim: { status: check.outcome, note: check.note, mismatch: check.mismatch },
  });
  await deps
    .primeAccessToken(row.id, tokens)
    .catch((err: unknown) =>
      deps.logger.warn({ err: (err as Error).message }, 'could not cache the new access token'),
    );
  if (!check.participations) await refreshParticipations(deps, row.id);
  return (await healthOfConnection(deps.db, row.id, deps.clock.now()))!.connection;
}

export type { Actor, RegionCode };
