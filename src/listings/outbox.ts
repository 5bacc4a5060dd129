import type { Kysely } from 'kysely';
import type { Viewer } from '../connections/repository.js';
import type { Clock } from '../kernel/clock.js';
import { ValidationError } from '../kernel/errors.js';
import type { Random } from '../kernel/random.js';
import type { Database } from '../store/schema.js';
import { createCatalogReads } from './catalog-reads.js';
import type { ListingChange } from './model.js';
import { insertChanges, prepareChanges, type ChangeInput, type SubmitMeta } from './outbox-accept.js';
import { changeCounts, changeHistory, getChange, lastProductType, recentChanges } from './outbox-reads.js';

export type { ChangeInput, SubmitMeta } from './outbox-accept.js';

const MAX_BATCH = 10_000;

/**
 * The outbox's front door: accepts listing changes at once (stored durably, acknowledged with the
 * change id), and reads changes and a SKU's history. Delivery is drain.ts's job; `onQueued`
 * listeners (the job system) are told when a connection has new work.
 */
export function createListingOutbox(deps: { db: Kysely<Database>; clock: Clock; random: Random }) {
  const listeners: ((connectionId: string) => void)[] = [];
  const wake = (connectionId: string): void => {
    for (const listener of listeners) listener(connectionId);
  };
  const refreshListeners: ((connectionId: string) => void)[] = [];
  return {
    /** The seller's catalog from Amazon (catalog-reads.ts; refreshed by catalog.ts). */
    catalog: createCatalogReads(deps),
    /** Registers a listener (the job system) that queues a refresh of a connection's catalog. */
    onCatalogRefresh(listener: (connectionId: string) => void): void {
      refreshListeners.push(listener);
    },
    /** Asks for a refresh of a connection's catalog now; false when no job system listens. */
    requestCatalogRefresh(connectionId: string): boolean {
      for (const listener of refreshListeners) listener(connectionId);
      return refreshListeners.length > 0;
    },

    /** Registers a listener told (after commit) when a connection has new changes to deliver. */
    onQueued(listener: (connectionId: string) => void): void {
      listeners.push(listener);
    },

    /**
     * Accepts one change: checks it (ValidationError naming the field; nothing stored), stores it
     * queued (or waiting, when the connection cannot call Amazon now) and returns it with its id.
     */
    async submit(
      viewer: Viewer,
      connectionId: string,
      input: ChangeInput,
      meta: SubmitMeta,
    ): Promise<ListingChange> {
      const prepared = await prepareChanges(deps, viewer, connectionId, [input]);
      const [change] = await insertChanges(deps.db, deps.random, prepared, meta);
      wake(connectionId);
      return change!;
    },

    /** Accepts many changes at once, in order: all or none (the first bad one is named, `changes[i].…`). */
    async submitMany(
      viewer: Viewer,
      connectionId: string,
      inputs: readonly ChangeInput[],
      meta: SubmitMeta,
    ): Promise<ListingChange[]> {
      if (inputs.length === 0) throw new ValidationError('changes: the file holds no changes', 'changes');
      if (inputs.length > MAX_BATCH)
        throw new ValidationError(`changes: at most ${MAX_BATCH} changes at once`, 'changes');
      const prepared = await prepareChanges(deps, viewer, connectionId, inputs);
      const changes = await deps.db
        .transaction()
        .execute((trx) => insertChanges(trx, deps.random, prepared, meta));
      wake(connectionId);
      return changes;
    },

    /** One change the viewer may see (else LISTING_CHANGE_NOT_FOUND). */
    get: (viewer: Viewer, changeId: string): Promise<ListingChange> => getChange(deps.db, viewer, changeId),

    /** Every change to one SKU of a connection, newest first. */
    history: (viewer: Viewer, connectionId: string, sku: string): Promise<ListingChange[]> =>
      changeHistory(deps, viewer, connectionId, sku),

    /** A connection's latest changes, newest first (optionally only one state). */
    recent: (
      viewer: Viewer,
      connectionId: string,
      options?: { limit?: number; state?: string },
    ): Promise<ListingChange[]> => recentChanges(deps, viewer, connectionId, options),

    /** How many changes of a connection are in each state. */
    counts: (viewer: Viewer, connectionId: string): Promise<Record<string, number>> =>
      changeCounts(deps, viewer, connectionId),

    /** The product type last used for a SKU (quick edits need one), if any. */
    lastProductType: (viewer: Viewer, connectionId: string, sku: string): Promise<string | null> =>
      lastProductType(deps, viewer, connectionId, sku),
  };
}

export type ListingOutbox = ReturnType<typeof createListingOutbox>;
