import type { Kysely } from 'kysely';
import type { SpApiClient } from '../amazon/client-types.js';
import type { Order, SearchOrdersResponse } from '../amazon/generated/orders_2026-01-01.js';
import { USAGE_PLANS } from '../amazon/usage-plans.js';
import { DAY, HOUR, MINUTE, type Clock } from '../kernel/clock.js';
import { AppError } from '../kernel/errors.js';
import type { Logger } from '../kernel/log.js';
import { refreshParticipations } from '../connections/participations.js';
import { healthOfConnection } from '../connections/repository.js';
import type { ConnectionLifecycle } from '../lifecycle/connections.js';
import type { Store } from '../store/database.js';
import type { Database } from '../store/schema.js';
import { AmazonError } from '../amazon/errors.js';
import { TokenError } from '../broker/errors.js';
import { OrdersError } from './errors.js';
import { upsertOrders } from './order-rows.js';

/** How the importer reads Amazon (environment variables in docs/configuration.md). */
export interface OrderImportSettings {
  /** How often each active connection is imported (default 5 minutes). */
  intervalMs: number;
  /** Re-read this much before the watermark on every run (default 5 minutes). */
  overlapMs: number;
  /** lastUpdatedBefore = now − this (Amazon requires ≥ 2 minutes; default 2 minutes). */
  beforeLagMs: number;
  /** How far back the first import of a new connection reaches (default 30 days). */
  initialLookbackMs: number;
  /** searchOrders `includedData` (orderItems always come back). */
  includedData: readonly string[];
  /** searchOrders maxResultsPerPage (1–100). */
  pageSize: number;
}

export const DEFAULT_ORDER_IMPORT_SETTINGS: Readonly<OrderImportSettings> = Object.freeze({
  intervalMs: 5 * MINUTE,
  overlapMs: 5 * MINUTE,
  beforeLagMs: 2 * MINUTE,
  initialLookbackMs: 30 * DAY,
  includedData: ['FULFILLMENT', 'PROCEEDS'],
  pageSize: 100,
});

/** Progress of one run, reported after every committed page. */
export interface ImportProgress {
  connectionId: string;
  pages: number;
  ordersSeen: number;
  ordersChanged: number;
  /** The time window being walked and how far the walk has got (by lastUpdatedTime). */
  windowStart: Date;
  windowEnd: Date;
  reached: Date;
  /** Share of the window walked (0–1): orders are returned oldest update first. */
  fraction: number;
  /** Estimated seconds left from the usage plan and the pages the rest of the window should need. */
  etaSeconds: number | null;
}

export type ImportOutcome =
  | { status: 'done'; pages: number; ordersSeen: number; ordersChanged: number; watermark: Date }
  | { status: 'paused'; reason: string }
  | { status: 'busy' };

/**
 * A bounded run (`importSome`) may also stop early: its time budget ran out, or the usage plan
 * allows the next page only later (`retryAfterMs`). Its resume point is saved; the next run goes on
 * from the next page.
 */
export type BoundedImportOutcome =
  | ImportOutcome
  | {
      status: 'partial';
      pages: number;
      ordersSeen: number;
      ordersChanged: number;
      watermark: Date;
      retryAfterMs: number | null;
    };

/**
 * A saved walk is resumed with its pagination token only this long: Amazon's token expires after
 * 24 hours (searchOrders, `pagination.nextToken`).
 * @see https://github.com/amzn/selling-partner-api-models/blob/main/models/orders-api-model/orders_2026-01-01.json
 */
const RESUME_TOKEN_TTL_MS = 23 * HOUR;

const PAUSING_TOKEN_ERRORS = new Set([
  'TOKEN_CONNECTION_REVOKED',
  'TOKEN_CONNECTION_EXPIRED',
  'TOKEN_CONNECTION_DISCONNECTED',
  'TOKEN_APPLICATION_REJECTED',
  'TOKEN_CONNECTION_NOT_FOUND',
]);

export interface OrderImporterDeps {
  store: Store;
  spApi: SpApiClient;
  clock: Clock;
  logger: Logger;
  /** Stores marketplaces fetched when a connection has none yet (searchOrders needs at least one). */
  lifecycle: ConnectionLifecycle;
  settings?: Partial<OrderImportSettings>;
}

/**
 * Imports a connection's orders with Orders 2026-01-01 searchOrders: lastUpdatedAfter = watermark −
 * overlap, lastUpdatedBefore = now − lag, following paginationToken. Each page is upserted, the
 * watermark moved and the walk's resume point (window + next page's token) saved in one
 * transaction, so a crash at any moment loses nothing and repeats nothing: the next run goes on at
 * the next page of the same walk, then walks on up to now; only a new walk starts with the
 * overlap. One run per connection at a time across processes (a try-lock: a second caller gets
 * `busy`, it never waits).
 */
export function createOrderImporter(deps: OrderImporterDeps) {
  const settings: OrderImportSettings = { ...DEFAULT_ORDER_IMPORT_SETTINGS, ...deps.settings };
  const db = deps.store.db;

  const setSync = async (
    connectionId: string,
    values: Partial<{
      status: 'idle' | 'running' | 'paused' | 'failed';
      paused_reason: string | null;
      last_started_at: Date;
      last_finished_at: Date;
      last_error: string | null;
    }>,
  ): Promise<void> => {
    await db
      .updateTable('order_syncs')
      .set({ ...values, updated_at: new Date(deps.clock.now()) })
      .where('connection_id', '=', connectionId)
      .execute();
  };

  /** Seconds the usage plan needs for `pages` more searchOrders calls, from the shared bucket. */
  const etaFor = async (connectionId: string, pages: number): Promise<number> => {
    const plan = USAGE_PLANS.searchOrders!;
    const bucket = await db
      .selectFrom('rate_buckets')
      .select(['tokens', 'rate'])
      .where('key', '=', `${connectionId}:searchOrders`)
      .executeTakeFirst();
    const rate = bucket ? Number(bucket.rate) : plan.rate;
    const tokens = bucket ? Math.max(0, Math.floor(Number(bucket.tokens))) : plan.burst - 1;
    return Math.max(0, pages - tokens) / rate;
  };

  const run = async (
    connectionId: string,
    options: { since?: Date; onProgress?: (progress: ImportProgress) => void; deadline?: number },
  ): Promise<BoundedImportOutcome> => {
    const found = await healthOfConnection(db, connectionId, deps.clock.now());
    if (!found)
      throw new OrdersError('ORDERS_CONNECTION_NOT_FOUND', `no connection ${connectionId}`, {
        details: { field: 'connection' },
      });
    const now = deps.clock.now();
    await db
      .insertInto('order_syncs')
      .values({ connection_id: connectionId, watermark: new Date(now - settings.initialLookbackMs) })
      .onConflict((oc) => oc.column('connection_id').doNothing())
      .execute();
    const sync = await db
      .selectFrom('order_syncs')
      .select(['watermark', 'resume_window_start', 'resume_window_end', 'resume_token', 'resume_saved_at'])
      .where('connection_id', '=', connectionId)
      .executeTakeFirstOrThrow();

    const { connection } = found;
    // The connection's health (lifecycle/health.ts) decides whether Amazon may be called.
    if (!connection.health.canCallAmazon) {
      const reason = `Paused: ${connection.health.label.toLowerCase()}. ${connection.health.advice} The import then resumes from ${sync.watermark.toISOString()} and fills the gap.`;
      await setSync(connectionId, { status: 'paused', paused_reason: reason });
      return { status: 'paused', reason };
    }
    // Never call searchOrders with an empty marketplace list: ask Amazon for them first.
    let marketplaceIds = connection.marketplaceIds;
    if (marketplaceIds.length === 0) {
      marketplaceIds = (await refreshParticipations(deps, connectionId))?.marketplaceIds ?? [];
      if (marketplaceIds.length === 0) {
        const reason =
          "Paused: the seller's marketplaces are not known yet (Amazon did not list them); the health probe asks again and the import then resumes.";
        await setSync(connectionId, { status: 'paused', paused_reason: reason });
        return { status: 'paused', reason };
      }
    }

    // An incremental run goes on with the walk a previous run left (it died, or ran out of time).
    const incremental = options.since === undefined;
    let resumed =
      incremental &&
      sync.resume_token !== null &&
      sync.resume_window_start !== null &&
      sync.resume_window_end !== null &&
      sync.resume_saved_at !== null &&
      now - sync.resume_saved_at.getTime() < RESUME_TOKEN_TTL_MS;
    // Whole seconds: Amazon echoes the bound at second precision.
    const freshEnd = (): Date =>
      new Date(Math.floor((deps.clock.now() - settings.beforeLagMs) / 1000) * 1000);
    let windowStart = resumed
      ? sync.resume_window_start!
      : (options.since ?? new Date(sync.watermark.getTime() - settings.overlapMs));
    let windowEnd = resumed ? sync.resume_window_end! : freshEnd();
    let paginationToken: string | undefined = resumed ? sync.resume_token! : undefined;
    // The watermark may only move if this walk starts at or before it (no gap is skipped); a
    // resumed walk did, and has committed everything up to its resume point.
    let contiguous = resumed || windowStart.getTime() <= sync.watermark.getTime();
    let echoedEnd = windowEnd;
    await setSync(connectionId, { status: 'running', paused_reason: null, last_started_at: new Date(now) });
    let pages = 0;
    let walkPages = 0;
    let walkDone = false;
    let ordersSeen = 0;
    let ordersChanged = 0;
    let watermark = sync.watermark;
    const partial = (retryAfterMs: number | null): BoundedImportOutcome => ({
      status: 'partial',
      pages,
      ordersSeen,
      ordersChanged,
      watermark,
      retryAfterMs,
    });
    try {
      for (;;) {
        if (walkDone || windowStart.getTime() >= windowEnd.getTime()) {
          // This walk is done (or empty). A resumed one is followed by a new walk up to now − lag.
          if (!resumed) break;
          resumed = false;
          walkDone = false;
          windowStart = new Date(watermark.getTime() - settings.overlapMs);
          windowEnd = echoedEnd = freshEnd();
          paginationToken = undefined;
          contiguous = true;
          walkPages = 0;
          continue;
        }
        if (options.deadline !== undefined && pages > 0 && deps.clock.now() >= options.deadline)
          return partial(null);
        let result;
        try {
          result = await deps.spApi.call<SearchOrdersResponse>(connectionId, {
            operationId: 'searchOrders',
            method: 'GET',
            path: '/orders/2026-01-01/orders',
            query: {
              marketplaceIds,
              lastUpdatedAfter: windowStart.toISOString(),
              lastUpdatedBefore: windowEnd.toISOString(),
              maxResultsPerPage: settings.pageSize,
              ...(settings.includedData.length > 0 ? { includedData: settings.includedData } : {}),
              ...(paginationToken ? { paginationToken } : {}),
            },
            // A bounded run does not wait for the usage plan past its budget.
            ...(options.deadline === undefined
              ? {}
              : { maxWaitMs: Math.max(0, options.deadline - deps.clock.now()) }),
          });
        } catch (err) {
          if (
            options.deadline !== undefined &&
            err instanceof AmazonError &&
            err.code === 'SPAPI_WAIT_TOO_LONG'
          )
            return partial(err.info.retryAfterMs ?? null);
          if (resumed && walkPages === 0 && err instanceof AmazonError && !err.retryable) {
            // The saved token was refused (expired, or the walk's parameters changed): start a new walk.
            deps.logger.info(
              { connectionId, code: err.code },
              'the saved import page could not be resumed; starting again from the watermark',
            );
            await db
              .updateTable('order_syncs')
              .set({
                resume_window_start: null,
                resume_window_end: null,
                resume_token: null,
                resume_saved_at: null,
              })
              .where('connection_id', '=', connectionId)
              .execute();
            resumed = false;
            windowStart = new Date(sync.watermark.getTime() - settings.overlapMs);
            windowEnd = echoedEnd = freshEnd();
            paginationToken = undefined;
            contiguous = true;
            continue;
          }
          throw err;
        }
        const body = result.body;
        if (!body || !Array.isArray(body.orders))
          throw new OrdersError('ORDERS_BAD_RESPONSE', 'searchOrders answered without an orders array');
        const echoed = body.lastUpdatedBefore ? Date.parse(body.lastUpdatedBefore) : NaN;
        // The watermark never passes the bound Amazon applied (every page repeats the same query).
        if (walkPages === 0 && !Number.isNaN(echoed) && echoed < windowEnd.getTime())
          echoedEnd = new Date(echoed);
        const next = body.pagination?.nextToken;
        const last: Order | undefined = body.orders[body.orders.length - 1];
        // Orders come oldest update first: everything before the page's last update is stored.
        const reached = next && last ? new Date(Date.parse(last.lastUpdatedTime)) : echoedEnd;
        const at = new Date(deps.clock.now());
        const outcome = await db.transaction().execute(async (trx: Kysely<Database>) => {
          const upserted = await upsertOrders(
            trx,
            { id: connectionId, accountId: connection.accountId },
            body.orders,
            at,
          );
          const row = await trx
            .updateTable('order_syncs')
            .set((eb) => ({
              ...(contiguous ? { watermark: eb.fn('greatest', [eb.ref('watermark'), eb.val(reached)]) } : {}),
              // Where the next run goes on: this walk's next page, or (walk done) a new walk.
              ...(incremental
                ? {
                    resume_window_start: next ? windowStart : null,
                    resume_window_end: next ? windowEnd : null,
                    resume_token: next ?? null,
                    resume_saved_at: next ? at : null,
                  }
                : {}),
              pages_total: eb('pages_total', '+', 1),
              orders_upserted_total: eb('orders_upserted_total', '+', upserted.changed),
              updated_at: at,
            }))
            .where('connection_id', '=', connectionId)
            .returning('watermark')
            .executeTakeFirstOrThrow();
          return { ...upserted, watermark: row.watermark };
        });
        pages++;
        walkPages++;
        ordersSeen += body.orders.length;
        ordersChanged += outcome.changed;
        watermark = outcome.watermark;
        if (options.onProgress) {
          const span = windowEnd.getTime() - windowStart.getTime();
          const fraction = span > 0 ? Math.min(1, (reached.getTime() - windowStart.getTime()) / span) : 1;
          const remainingPages = next
            ? fraction > 0
              ? Math.ceil((pages / fraction) * (1 - fraction))
              : null
            : 0;
          options.onProgress({
            connectionId,
            pages,
            ordersSeen,
            ordersChanged,
            windowStart,
            windowEnd,
            reached,
            fraction: next ? fraction : 1,
            etaSeconds: remainingPages === null ? null : await etaFor(connectionId, remainingPages),
          });
        }
        if (next) paginationToken = next;
        else walkDone = true;
      }
    } catch (err) {
      if (err instanceof TokenError && PAUSING_TOKEN_ERRORS.has(err.code)) {
        const reason = `Paused: ${err.message}. Renew the connection; the import then resumes from ${watermark.toISOString()}.`;
        await setSync(connectionId, { status: 'paused', paused_reason: reason });
        return { status: 'paused', reason };
      }
      const message = err instanceof AppError ? `${err.code}: ${err.message}` : 'unexpected error';
      await setSync(connectionId, {
        status: 'failed',
        last_error: message,
        last_finished_at: new Date(deps.clock.now()),
      });
      deps.logger.warn(
        { connectionId, error: message, pages },
        'order import failed; it resumes at its next page',
      );
      throw err;
    }
    await setSync(connectionId, {
      status: 'idle',
      paused_reason: null,
      last_error: null,
      last_finished_at: new Date(deps.clock.now()),
    });
    return { status: 'done', pages, ordersSeen, ordersChanged, watermark };
  };

  return {
    settings,
    /** Runs one import (or a backfill from `since`) for a connection unless one is running anywhere. */
    async sync(
      connectionId: string,
      options: { since?: Date; onProgress?: (progress: ImportProgress) => void } = {},
    ): Promise<ImportOutcome> {
      const locked = await deps.store.tryLock(`orders-import:${connectionId}`, () =>
        run(connectionId, options),
      );
      // Without a deadline a run never stops early.
      return locked.acquired ? (locked.value as ImportOutcome) : { status: 'busy' };
    },
    /**
     * Runs an incremental import for at most `budgetMs` (the job system bounds each job): it starts
     * no page after the budget and does not wait for the usage plan past it, and then ends
     * `partial` with its resume point saved.
     */
    async importSome(connectionId: string, options: { budgetMs: number }): Promise<BoundedImportOutcome> {
      const deadline = deps.clock.now() + options.budgetMs;
      const locked = await deps.store.tryLock(`orders-import:${connectionId}`, () =>
        run(connectionId, { deadline }),
      );
      return locked.acquired ? locked.value : { status: 'busy' };
    },
    /** Connections whose import is due: not paused by state, last started ≥ interval ago (or never). */
    async due(): Promise<string[]> {
      const now = deps.clock.now();
      const rows = await db
        .selectFrom('connections')
        .leftJoin('order_syncs', 'order_syncs.connection_id', 'connections.id')
        .select(['connections.id', 'connections.state', 'order_syncs.last_started_at', 'order_syncs.status'])
        .where('connections.state', '!=', 'disconnected')
        .execute();
      return rows
        .filter(
          (r) =>
            r.last_started_at === null ||
            now - r.last_started_at.getTime() >= settings.intervalMs ||
            // Paused: re-checked every tick, so renewal resumes it within a minute. Running or
            // failed: a run that died with its process, stopped for its time budget or the usage
            // plan, or failed, goes on at its next page at once (a run still going elsewhere holds
            // the lock, and the new job finds it busy and ends).
            r.status === 'paused' ||
            r.status === 'running' ||
            r.status === 'failed',
        )
        .map((r) => r.id);
    },
  };
}

export type OrderImporter = ReturnType<typeof createOrderImporter>;
