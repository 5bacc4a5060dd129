import type { Kysely, Selectable } from 'kysely';
import type { AuditLog } from '../connections/audit.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import type { Random } from '../kernel/random.js';
import type { ConnectionsTable, Database } from '../store/schema.js';
import type { Vault } from '../vault/envelope.js';
import { createConnectionRecords, type ConnectionRecords } from './connection-records.js';

/** What a claim check concluded, as stored on the connection (connections/claims.ts). */
export interface ClaimRecord {
  status: 'confirmed' | 'unconfirmed';
  /** Why the seller id could not be confirmed. */
  note: string | null;
  /** What Amazon's answer contradicts among the seller's other connections. */
  mismatch: string | null;
}

/** Who made a change, for the audit log. */
export interface Actor {
  userId: string | null;
  label: string;
  ip: string | null;
}

/** What changed, told after commit to whoever wants to react at once (e.g. drain listings after renewal). */
export interface ConnectionChange {
  type: 'connected' | 'renewed' | 'disconnected' | 'revoked' | 'expired' | 'error' | 'recovered';
  connectionId: string;
  accountId: string;
}

export interface ConnectionLifecycleDeps {
  db: Kysely<Database>;
  clock: Clock;
  vault: Vault;
  random: Random;
  audit: AuditLog;
  logger: Logger;
  /** Called after commit; a nudge only (the durable record is the event in the same transaction). */
  onChange?: (change: ConnectionChange) => void;
}

/** A `connections` row. */
export type ConnectionRow = Selectable<ConnectionsTable>;

/** What every connection transition is given: the deps, the time, the after-commit nudge, the records. */
export interface LifecycleContext {
  deps: ConnectionLifecycleDeps;
  now: () => Date;
  /** Tells `onChange` after commit; a failing hook is logged, never thrown. */
  changed: (change: ConnectionChange) => void;
  records: ConnectionRecords;
}

/** Builds the context the transition functions share (one per lifecycle: the records hold a per-process cache). */
export function lifecycleContext(deps: ConnectionLifecycleDeps): LifecycleContext {
  return {
    deps,
    now: () => new Date(deps.clock.now()),
    changed: (change) => {
      try {
        deps.onChange?.(change);
      } catch (err) {
        deps.logger.error({ err: (err as Error).message }, 'connection change hook failed');
      }
    },
    records: createConnectionRecords(deps),
  };
}

/** Runs `fn` in a transaction, or inside the one `q` already is. */
export function inTransaction<T>(q: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return q.isTransaction ? fn(q) : q.transaction().execute(fn);
}
