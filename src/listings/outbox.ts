import type { Kysely } from 'kysely';
import { getVisibleConnection, type Viewer } from '../connections/repository.js';
import type { Clock } from '../kernel/clock.js';
import { ValidationError } from '../kernel/errors.js';
import { randomUuid, type Random } from '../kernel/random.js';
import type { Database } from '../store/schema.js';
import { ListingsError } from './errors.js';
import { toChange, type ChangeSource, type ListingChange } from './model.js';
import { checkChange, checkMarketplaceId, checkSku, type CheckedChange } from './validate.js';

/** A change as callers hand it in (bodies as in Listings Items 2021-08-01). */
export interface ChangeInput {
  sku: unknown;
  kind: unknown;
  body?: unknown;
  /** Send with `mode=VALIDATION_PREVIEW`: Amazon validates, nothing changes. */
  preview?: boolean;
  /** One of the connection's marketplaces; default its first. */
  marketplaceId?: unknown;
}

/** Who submits, for the history ("user:alice", "api:slk_ab12", "cli"). */
export interface SubmitMeta {
  source: ChangeSource;
  actor: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
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

  const prepare = async (viewer: Viewer, connectionId: string, inputs: readonly ChangeInput[]) => {
    const now = deps.clock.now();
    const connection = await getVisibleConnection(deps.db, viewer, connectionId, now);
    const checked = inputs.map((input, i): CheckedChange & { preview: boolean; marketplaceId: string } => {
      const at = (e: unknown): never => {
        if (e instanceof ValidationError && inputs.length > 1 && e.field !== undefined)
          throw new ValidationError(`changes[${i}].${e.message}`, `changes[${i}].${e.field}`);
        throw e;
      };
      try {
        const change = checkChange(input);
        if (input.preview !== undefined && typeof input.preview !== 'boolean')
          throw new ValidationError('preview: must be true or false', 'preview');
        if (input.preview && change.kind === 'delete')
          throw new ValidationError(
            'preview: Amazon validates puts and patches only; a delete cannot be previewed',
            'preview',
          );
        let marketplaceId: string;
        if (input.marketplaceId === undefined || input.marketplaceId === null || input.marketplaceId === '') {
          const first = connection.marketplaceIds[0];
          if (!first)
            throw new ValidationError(
              'marketplaceId: the connection has no known marketplace yet; name one',
              'marketplaceId',
            );
          marketplaceId = first;
        } else {
          marketplaceId = checkMarketplaceId(input.marketplaceId);
          if (connection.marketplaceIds.length > 0 && !connection.marketplaceIds.includes(marketplaceId))
            throw new ValidationError(
              `marketplaceId: the seller does not sell in ${marketplaceId} (marketplaces: ${connection.marketplaceIds.join(', ')})`,
              'marketplaceId',
            );
        }
        return { ...change, preview: input.preview ?? false, marketplaceId };
      } catch (e) {
        return at(e);
      }
    });
    const blocked = !connection.health.canCallAmazon;
    return { connection, checked, now, blocked };
  };

  const insert = async (
    db: Kysely<Database>,
    prepared: Awaited<ReturnType<typeof prepare>>,
    meta: SubmitMeta,
  ): Promise<ListingChange[]> => {
    const { connection, checked, now, blocked } = prepared;
    if (checked.length === 0) return [];
    const rows = await db
      .insertInto('listing_changes')
      .values(
        checked.map((c) => ({
          id: randomUuid(deps.random),
          connection_id: connection.id,
          account_id: connection.accountId,
          sku: c.sku,
          marketplace_id: c.marketplaceId,
          kind: c.kind,
          body: c.body === null ? null : JSON.stringify(c.body),
          preview: c.preview,
          state: blocked ? 'waiting' : 'queued',
          state_reason: blocked
            ? `waiting: ${connection.health.label.toLowerCase()}; sent when it works again`
            : null,
          source: meta.source,
          created_by: meta.actor,
          created_at: new Date(now),
          updated_at: new Date(now),
        })),
      )
      .returningAll()
      .execute();
    return rows.map(toChange).sort((a, b) => a.seq - b.seq);
  };

  /** Every change to one SKU of a connection, newest first. */
  async function history(viewer: Viewer, connectionId: string, sku: string): Promise<ListingChange[]> {
    await getVisibleConnection(deps.db, viewer, connectionId, deps.clock.now());
    checkSku(sku);
    const rows = await deps.db
      .selectFrom('listing_changes')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('sku', '=', sku)
      .orderBy('seq', 'desc')
      .execute();
    return rows.map(toChange);
  }

  return {
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
      const prepared = await prepare(viewer, connectionId, [input]);
      const [change] = await insert(deps.db, prepared, meta);
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
      const prepared = await prepare(viewer, connectionId, inputs);
      const changes = await deps.db.transaction().execute((trx) => insert(trx, prepared, meta));
      wake(connectionId);
      return changes;
    },

    /** One change the viewer may see (else LISTING_CHANGE_NOT_FOUND). */
    async get(viewer: Viewer, changeId: string): Promise<ListingChange> {
      if (!UUID.test(changeId)) throw new ListingsError('LISTING_CHANGE_NOT_FOUND', 'no such listing change');
      let q = deps.db.selectFrom('listing_changes').selectAll().where('id', '=', changeId);
      if (viewer.role !== 'operator')
        q = q.where('account_id', '=', viewer.accountId ?? '00000000-0000-0000-0000-000000000000');
      const row = await q.executeTakeFirst();
      if (!row) throw new ListingsError('LISTING_CHANGE_NOT_FOUND', 'no such listing change');
      return toChange(row);
    },

    /** Every change to one SKU of a connection, newest first. */
    history,

    /** A connection's latest changes, newest first (optionally only open or only one state). */
    async recent(
      viewer: Viewer,
      connectionId: string,
      options: { limit?: number; state?: string } = {},
    ): Promise<ListingChange[]> {
      await getVisibleConnection(deps.db, viewer, connectionId, deps.clock.now());
      let q = deps.db
        .selectFrom('listing_changes')
        .selectAll()
        .where('connection_id', '=', connectionId)
        .orderBy('seq', 'desc')
        .limit(Math.min(Math.max(options.limit ?? 50, 1), 1000));
      if (options.state) q = q.where('state', '=', options.state);
      return (await q.execute()).map(toChange);
    },

    /** How many changes of a connection are in each state. */
    async counts(viewer: Viewer, connectionId: string): Promise<Record<string, number>> {
      await getVisibleConnection(deps.db, viewer, connectionId, deps.clock.now());
      const rows = await deps.db
        .selectFrom('listing_changes')
        .select(['state', deps.db.fn.countAll<string | number>().as('n')])
        .where('connection_id', '=', connectionId)
        .groupBy('state')
        .execute();
      return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
    },

    /** The product type last used for a SKU (quick edits need one), if any. */
    async lastProductType(viewer: Viewer, connectionId: string, sku: string): Promise<string | null> {
      for (const change of await history(viewer, connectionId, sku)) {
        const productType = change.body?.productType;
        if (typeof productType === 'string') return productType;
      }
      return null;
    },
  };
}

export type ListingOutbox = ReturnType<typeof createListingOutbox>;
