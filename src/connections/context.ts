import type { Kysely } from 'kysely';
import type { SpApiClient } from '../amazon/client-types.js';
import type { LwaClient, LwaTokens } from '../amazon/lwa.js';
import type { AmazonEndpoints } from '../config/config.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import type { Random } from '../kernel/random.js';
import type { Applications } from '../lifecycle/applications.js';
import type { Actor, ConnectionLifecycle } from '../lifecycle/connections.js';
import type { Database, RegionCode } from '../store/schema.js';
import type { AuditLog } from './audit.js';
import { refreshParticipations } from './participations.js';
import { healthOfConnection, type Connection } from './repository.js';

/** What the connection use cases are given. */
export interface ConnectionsDeps {
  db: Kysely<Database>;
  clock: Clock;
  random: Random;
  lwa: LwaClient;
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

/**
 * Stores a fresh authorization through the lifecycle (event in the same transaction), caches the
 * access token Amazon just gave, then asks Amazon for the seller's marketplaces through the SP-API
 * client. A failed marketplaces call does not undo the connection: the health probe asks again.
 */
export async function finishAuthorization(
  deps: ConnectionsDeps,
  input: Omit<Parameters<ConnectionLifecycle['authorize']>[0], 'participations'> & { tokens: LwaTokens },
): Promise<Connection> {
  const { tokens, ...authorization } = input;
  const { row } = await deps.lifecycle.authorize({ ...authorization, participations: null });
  await deps
    .primeAccessToken(row.id, tokens)
    .catch((err: unknown) =>
      deps.logger.warn({ err: (err as Error).message }, 'could not cache the new access token'),
    );
  await refreshParticipations(deps, row.id);
  return (await healthOfConnection(deps.db, row.id, deps.clock.now()))!.connection;
}

export type { Actor, RegionCode };
