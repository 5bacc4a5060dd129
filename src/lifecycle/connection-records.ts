import { sql, type Kysely } from 'kysely';
import type { Participations } from '../amazon/operations.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import type { Database } from '../store/schema.js';
import type { Sealed } from '../vault/envelope.js';

/**
 * What the lifecycle keeps about a connection besides its state: Amazon's last answers (successful
 * calls, health probes, marketplaces) and the refresh token's sealing. None of these changes the
 * connection's state, so none raises an event.
 */
export function createConnectionRecords(deps: { db: Kysely<Database>; clock: Clock; logger: Logger }) {
  const { db, clock } = deps;
  const now = (): Date => new Date(clock.now());
  const lastWritten = new Map<string, number>();
  return {
    /** Lets the next success be written at once (after a failure). */
    forgetSuccess(id: string): void {
      lastWritten.delete(id);
    },

    /**
     * Records "last successful call to Amazon" as the time the call was sent (`sentAt`, default
     * now): a call in flight while the sandbox clock jumps must not count as a success after the
     * jump. At most once a minute per connection per process, so a busy connection does not turn
     * every SP-API call into a database write.
     */
    recordSuccess(id: string, sentAt: number = clock.now()): void {
      const at = sentAt;
      if (at - (lastWritten.get(id) ?? 0) < 60_000) return;
      lastWritten.set(id, at);
      db.updateTable('connections')
        // Calls finish out of order: the time only moves forward (GREATEST ignores a NULL).
        .set({
          last_success_at: sql<Date>`greatest(last_success_at, ${new Date(at)})`,
          consecutive_failures: 0,
        })
        .where('id', '=', id)
        .execute()
        .catch((err: unknown) =>
          deps.logger.warn(
            { err: (err as Error).message, connectionId: id },
            'could not record a successful call',
          ),
        );
    },

    /** Claims a health probe (conditional on the last probe time read): false when another worker has it. */
    async claimProbe(id: string, lastProbeAt: Date | null): Promise<boolean> {
      let claim = db
        .updateTable('connections')
        .set({ last_probe_at: now(), last_probe_outcome: 'running' })
        .where('id', '=', id);
      claim =
        lastProbeAt === null
          ? claim.where('last_probe_at', 'is', null)
          : claim.where('last_probe_at', '=', lastProbeAt);
      return Boolean(await claim.returning('id').executeTakeFirst());
    },

    /** Stores a probe's outcome, and the marketplaces it found. */
    async finishProbe(id: string, outcome: string, participations: Participations | null): Promise<void> {
      await db
        .updateTable('connections')
        .set({
          last_probe_outcome: outcome,
          ...(participations && participations.marketplaceIds.length > 0
            ? {
                marketplace_ids: JSON.stringify(participations.marketplaceIds),
                ...(participations.storeName ? { store_name: participations.storeName } : {}),
              }
            : {}),
        })
        .where('id', '=', id)
        .execute();
    },

    /** Stores the marketplaces (and store name) Amazon reports for a connection. */
    async setMarketplaces(id: string, participations: Participations): Promise<void> {
      if (participations.marketplaceIds.length === 0) return;
      await db
        .updateTable('connections')
        .set({
          marketplace_ids: JSON.stringify(participations.marketplaceIds),
          ...(participations.storeName ? { store_name: participations.storeName } : {}),
          updated_at: now(),
        })
        .where('id', '=', id)
        .execute();
    },

    /**
     * Replaces a sealed refresh token with the same token sealed under a newer key, unless the row
     * changed meanwhile (renewed, disconnected). Returns whether it moved.
     */
    async resealRefreshToken(id: string, from: Sealed, to: Sealed): Promise<boolean> {
      const result = await db
        .updateTable('connections')
        .set({ refresh_token_key_id: to.keyId, refresh_token_blob: to.blob })
        .where('id', '=', id)
        .where('refresh_token_key_id', '=', from.keyId)
        .where('refresh_token_blob', '=', from.blob)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
  };
}

export type ConnectionRecords = ReturnType<typeof createConnectionRecords>;
