import type { Kysely } from 'kysely';
import type { AmazonEndpoints } from '../config/config.js';
import type { LwaClient } from '../amazon/lwa.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import type { Random } from '../kernel/random.js';
import type { Database } from '../store/schema.js';
import type { Vault } from '../vault/envelope.js';
import type { Applications } from './applications.js';
import type { AuditLog } from './audit.js';

/** A domain event raised by the connections context (delivered by notify/ once it exists). */
export interface ConnectionEvent {
  type:
    | 'connection.connected'
    | 'connection.renewed'
    | 'connection.disconnected'
    | 'connection.revoked'
    | 'connection.expired';
  connectionId: string;
  accountId: string;
  at: Date;
  detail?: Record<string, unknown>;
}

/** What the connection use cases are given. */
export interface ConnectionsDeps {
  db: Kysely<Database>;
  vault: Vault;
  clock: Clock;
  random: Random;
  lwa: LwaClient;
  fetch: typeof fetch;
  applications: Applications;
  audit: AuditLog;
  endpoints: AmazonEndpoints;
  userAgent: string;
  logger: Logger;
  /** Days a public app's authorization lasts (FACTS §3: 365). */
  authorizationLifetimeDays?: number;
  /** How long an OAuth state is valid (issue 3: 10 minutes). */
  stateTtlMs?: number;
  /** Called after the database commit of each change. */
  onEvent?: (event: ConnectionEvent) => void;
}
