import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { authorizeConnection, type AuthorizationInput } from './connection-authorize.js';
import { lifecycleContext, type Actor, type ConnectionLifecycleDeps } from './connection-context.js';
import {
  disconnectConnection,
  expireConnection,
  expireDueConnections,
  markConnectionDead,
  recordConnectionFailure,
  recordConnectionRecovered,
} from './connection-transitions.js';

export type { Participations } from '../amazon/operations.js';
export type { AuthorizationInput } from './connection-authorize.js';
export type {
  Actor,
  ClaimRecord,
  ConnectionChange,
  ConnectionLifecycleDeps,
  ConnectionRow,
} from './connection-context.js';

/**
 * The one writer of the `connections` table. Each transition changes the row, appends its audit
 * entry and records its event in one transaction, so a crash right after commit loses nothing and a
 * crash before it leaves no trace. States: active → (expiring, by time) → expired; revoked;
 * error ⇄ active; any → disconnected; any → active on renewal. The steps live in
 * connection-authorize.ts (authorization, claim review), connection-transitions.ts (every other
 * state change) and connection-records.ts (what Amazon answered; no state change).
 */
export function createConnectionLifecycle(deps: ConnectionLifecycleDeps) {
  const ctx = lifecycleContext(deps);
  return {
    /** Stores a fresh authorization (connect, or renew this account's connection): see `authorizeConnection`. */
    authorize: (input: AuthorizationInput) => authorizeConnection(ctx, input),

    /** Disconnects: deletes the sealed refresh token; audit and `connection.disconnected` in one transaction. */
    disconnect: (id: string, actor: Actor & { username: string }) => disconnectConnection(ctx, id, actor),

    /** Amazon refused the refresh token (invalid_grant): revoked, or expired when past its end. */
    markDead: (q: Kysely<Database>, id: string, amazon: { code: string; message: string | null }) =>
      markConnectionDead(ctx, q, id, amazon),

    /** A transient failure: counted; after `errorAfter` in a row the connection shows `error`. */
    recordFailure: (
      q: Kysely<Database>,
      id: string,
      failure: { code: string; message: string },
      errorAfter: number,
    ): Promise<void> => recordConnectionFailure(ctx, q, id, failure, errorAfter),

    /** A refresh or call worked: failures reset, and an `error` connection is active again. */
    recordRecovered: (q: Kysely<Database>, id: string): Promise<void> =>
      recordConnectionRecovered(ctx, q, id),

    /** Moves connections past their end to `expired`, each in its own transaction. Returns how many moved. */
    expireDue: (): Promise<number> => expireDueConnections(ctx),

    /** Moves one connection past its end to `expired`; false if it is not due. */
    expire: (id: string): Promise<boolean> => expireConnection(ctx, id),

    ...ctx.records,
  };
}

export type ConnectionLifecycle = ReturnType<typeof createConnectionLifecycle>;
