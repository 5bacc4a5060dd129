import { AppError } from '../kernel/errors.js';
import { DAY, HOUR, MINUTE, type Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import type { SpApiClient } from '../amazon/client-types.js';
import { refreshParticipations } from '../connections/participations.js';
import { healthOfConnection } from '../connections/repository.js';
import type { ConnectionLifecycle } from '../lifecycle/connections.js';
import type { Kysely } from 'kysely';
import type { Store } from '../store/database.js';
import type { Database } from '../store/schema.js';
import { TokenError, blocksConnection } from '../broker/errors.js';
import { dueConnectionBatch, dueConnections } from './due.js';
import { OrdersError } from './errors.js';
import { advanceReportBackfill, type ReportBackfillSettings } from './report-backfill.js';
import {
  dropResumePoint,
  fetchPage,
  newWalk,
  refusedResume,
  waitsTooLong,
  walkOnePage,
  type ImportProgress,
  type RunContext,
  type Stopped,
  type Tally,
  type Walk,
} from './import-walk.js';

export type { ImportProgress } from './import-walk.js';

/** How the importer reads Amazon (environment variables in docs/configuration.md). */
export interface OrderImportSettings extends ReportBackfillSettings {
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
  reportBackfillAfterMs: 6 * HOUR,
  reportWindowMs: 29 * DAY,
  reportLagMs: 30 * MINUTE,
  reportPollMs: 30_000,
  reportTimeoutMs: 2 * HOUR,
  reportRetryAfterMs: 24 * HOUR,
  reportMergeBatch: 500,
});

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

export interface OrderImporterDeps {
  store: Store;
  spApi: SpApiClient;
  /** Downloads report documents (Amazon's presigned S3 links). */
  fetch: typeof fetch;
  /** Waits between polls of a report in an unbounded run (`sync`); default a timer. */
  sleep?: (ms: number) => Promise<void>;
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
  return {
    settings,
    /** Runs one import (or a backfill from `since`) for a connection unless one is running anywhere. */
    async sync(
      connectionId: string,
      options: {
        since?: Date;
        onProgress?: (progress: ImportProgress) => void;
        /** Told when the run waits for Amazon (a report being prepared): for how long. */
        onWait?: (waitMs: number) => void;
      } = {},
    ): Promise<ImportOutcome> {
      const locked = await deps.store.tryLock(`orders-import:${connectionId}`, (db) =>
        runUntilDone(onLockConnection(deps, db), settings, connectionId, options),
      );
      return locked.acquired ? locked.value : { status: 'busy' };
    },
    /**
     * Runs an incremental import for at most `budgetMs` (the job system bounds each job): it starts
     * no page after the budget and does not wait for the usage plan past it, and then ends
     * `partial` with its resume point saved.
     */
    async importSome(connectionId: string, options: { budgetMs: number }): Promise<BoundedImportOutcome> {
      const deadline = deps.clock.now() + options.budgetMs;
      const locked = await deps.store.tryLock(`orders-import:${connectionId}`, (db) =>
        runImport(onLockConnection(deps, db), settings, connectionId, { deadline }),
      );
      return locked.acquired ? locked.value : { status: 'busy' };
    },
    /** Connections whose import is due (see orders/due.ts), in id order. */
    due: () => dueConnections({ db: deps.store.db, clock: deps.clock }, settings),
    /** One batch of them after id `after` (the dispatcher's step; see orders/due.ts). */
    dueBatch: (after: string | null, limit?: number) =>
      dueConnectionBatch({ db: deps.store.db, clock: deps.clock }, settings, after, limit),
  };
}

export type OrderImporter = ReturnType<typeof createOrderImporter>;

/**
 * The run's own reads and writes go through the connection that holds its lock. On PostgreSQL the
 * lock is a session advisory lock: if that connection drops (a server restart,
 * pg_terminate_backend), the lock is gone and another process may start a run; this run's next
 * statement then fails on the dead connection, so two runs never write one connection's import at
 * once. (On PGlite the lock is in-process and `db` is the store's.)
 */
function onLockConnection(deps: OrderImporterDeps, db: Kysely<Database>): OrderImporterDeps {
  return { ...deps, store: { ...deps.store, db } };
}

/** The sync row's fields a run reads. */
interface SyncRow {
  watermark: Date;
  resume_window_start: Date | null;
  resume_window_end: Date | null;
  resume_token: string | null;
  resume_saved_at: Date | null;
}

type SyncValues = Partial<{
  status: 'idle' | 'running' | 'paused' | 'failed';
  paused_reason: string | null;
  last_started_at: Date;
  last_finished_at: Date;
  last_error: string | null;
}>;

/** Updates a connection's import status row. */
export async function setSync(
  deps: Pick<OrderImporterDeps, 'store' | 'clock'>,
  connectionId: string,
  values: SyncValues,
): Promise<void> {
  await deps.store.db
    .updateTable('order_syncs')
    .set({ ...values, updated_at: new Date(deps.clock.now()) })
    .where('connection_id', '=', connectionId)
    .execute();
}

/** The connection's import row, created on its first run with the watermark `initialLookbackMs` back. */
export async function openSync(
  deps: Pick<OrderImporterDeps, 'store'>,
  settings: Pick<OrderImportSettings, 'initialLookbackMs'>,
  connectionId: string,
  now: number,
): Promise<SyncRow> {
  const db = deps.store.db;
  await db
    .insertInto('order_syncs')
    .values({ connection_id: connectionId, watermark: new Date(now - settings.initialLookbackMs) })
    .onConflict((oc) => oc.column('connection_id').doNothing())
    .execute();
  return db
    .selectFrom('order_syncs')
    .select(['watermark', 'resume_window_start', 'resume_window_end', 'resume_token', 'resume_saved_at'])
    .where('connection_id', '=', connectionId)
    .executeTakeFirstOrThrow();
}

type Connection = NonNullable<Awaited<ReturnType<typeof healthOfConnection>>>['connection'];

/**
 * Whether the run may call Amazon, and for which marketplaces: the connection's health decides
 * (lifecycle/health.ts), and searchOrders is never called with no marketplace (Amazon is asked for
 * them first). Otherwise the reason the import is paused.
 */
export async function marketplacesToImport(
  deps: OrderImporterDeps,
  connection: Connection,
  watermark: Date,
): Promise<{ marketplaceIds: string[] } | { paused: string }> {
  if (!connection.health.canCallAmazon) {
    return {
      paused: `Paused: ${connection.health.label.toLowerCase()}. ${connection.health.advice} The import then resumes from ${watermark.toISOString()} and fills the gap.`,
    };
  }
  if (connection.marketplaceIds.length > 0) return { marketplaceIds: connection.marketplaceIds };
  const marketplaceIds = (await refreshParticipations(deps, connection.id))?.marketplaceIds ?? [];
  if (marketplaceIds.length > 0) return { marketplaceIds };
  return {
    paused:
      "Paused: the seller's marketplaces are not known yet (Amazon did not list them); the health probe asks again and the import then resumes.",
  };
}

/**
 * The run's first walk: the one a previous run left (it died, or ran out of time), when this run is
 * incremental and the saved page is still within the token's life; otherwise a new walk from
 * `since` (a backfill) or from the watermark less the overlap.
 */
export function firstWalk(
  ctx: RunContext,
  sync: SyncRow,
  since: Date | undefined,
  now: number,
): { walk: Walk; resumed: boolean } {
  const { resume_window_start: start, resume_window_end: end, resume_token: token } = sync;
  const saved = sync.resume_saved_at;
  if (ctx.incremental && token !== null && start !== null && end !== null && saved !== null) {
    if (now - saved.getTime() < RESUME_TOKEN_TTL_MS) {
      // A resumed walk started at or before the watermark, and has committed up to its resume point.
      return {
        resumed: true,
        walk: { start, end, echoedEnd: end, token, contiguous: true, pages: 0, done: false },
      };
    }
  }
  const from = since ?? new Date(sync.watermark.getTime() - ctx.settings.overlapMs);
  // The watermark may only move if this walk starts at or before it (no gap is skipped).
  return { resumed: false, walk: newWalk(ctx, from, from.getTime() <= sync.watermark.getTime()) };
}

/**
 * Walks pages until the walk is done; a resumed walk is followed by a new walk up to now − lag, and
 * a resumed walk whose saved page Amazon refuses starts again from the watermark. Returns how a
 * bounded run stopped early, or null when it walked to the end.
 */
export async function walkAll(
  ctx: RunContext,
  first: { walk: Walk; resumed: boolean },
  tally: Tally,
): Promise<Stopped | null> {
  let { walk, resumed } = first;
  const fromWatermark = (): Walk =>
    newWalk(ctx, new Date(tally.watermark.getTime() - ctx.settings.overlapMs), true);
  for (;;) {
    if (walk.done || walk.start.getTime() >= walk.end.getTime()) {
      // This walk is done (or empty). A resumed one is followed by a new walk up to now − lag.
      if (!resumed) return null;
      resumed = false;
      walk = fromWatermark();
      continue;
    }
    if (ctx.deadline !== undefined && tally.pages > 0 && ctx.clock.now() >= ctx.deadline)
      return { retryAfterMs: null };
    let page;
    try {
      page = await fetchPage(ctx, walk);
    } catch (err) {
      if (waitsTooLong(ctx, err)) return { retryAfterMs: err.info.retryAfterMs ?? null };
      if (!refusedResume(err, resumed, walk)) throw err;
      // The saved token was refused (expired, or the walk's parameters changed): start a new walk.
      await dropResumePoint(ctx, err.code);
      resumed = false;
      walk = fromWatermark();
      continue;
    }
    await walkOnePage(ctx, walk, tally, page);
  }
}

/**
 * A run that failed: a connection that cannot call Amazon (the broker refused) pauses the import
 * until renewal; anything else is recorded as failed and thrown (the next run goes on at its next page).
 */
export async function failRun(
  deps: OrderImporterDeps,
  connectionId: string,
  err: unknown,
  tally: Tally,
): Promise<ImportOutcome> {
  // A connection that cannot call Amazon (or is gone) pauses the import until it is renewed.
  if (blocksConnection(err) || (err instanceof TokenError && err.code === 'TOKEN_CONNECTION_NOT_FOUND')) {
    const reason = `Paused: ${err.message.replace(/\.+$/, '')}. Renew the connection; the import then resumes from ${tally.watermark.toISOString()}.`;
    await setSync(deps, connectionId, { status: 'paused', paused_reason: reason });
    return { status: 'paused', reason };
  }
  const message = err instanceof AppError ? `${err.code}: ${err.message}` : 'unexpected error';
  await setSync(deps, connectionId, {
    status: 'failed',
    last_error: message,
    last_finished_at: new Date(deps.clock.now()),
  });
  deps.logger.warn(
    { connectionId, error: message, pages: tally.pages },
    'order import failed; it resumes at its next page',
  );
  throw err;
}

/** One run for a connection (the caller holds its lock): checks, walks, records the outcome. */
export async function runImport(
  deps: OrderImporterDeps,
  settings: OrderImportSettings,
  connectionId: string,
  options: { since?: Date; onProgress?: (progress: ImportProgress) => void; deadline?: number },
): Promise<BoundedImportOutcome> {
  const found = await healthOfConnection(deps.store.db, connectionId, deps.clock.now());
  if (!found)
    throw new OrdersError('ORDERS_CONNECTION_NOT_FOUND', `no connection ${connectionId}`, {
      details: { field: 'connection' },
    });
  const now = deps.clock.now();
  const sync = await openSync(deps, settings, connectionId, now);
  const ready = await marketplacesToImport(deps, found.connection, sync.watermark);
  if ('paused' in ready) {
    await setSync(deps, connectionId, { status: 'paused', paused_reason: ready.paused });
    return { status: 'paused', reason: ready.paused };
  }
  const ctx: RunContext = {
    db: deps.store.db,
    spApi: deps.spApi,
    clock: deps.clock,
    logger: deps.logger,
    settings,
    connectionId,
    accountId: found.connection.accountId,
    marketplaceIds: ready.marketplaceIds,
    incremental: options.since === undefined,
    ...(options.deadline === undefined ? {} : { deadline: options.deadline }),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
  await setSync(deps, connectionId, {
    status: 'running',
    paused_reason: null,
    last_started_at: new Date(now),
  });
  const tally: Tally = { pages: 0, ordersSeen: 0, ordersChanged: 0, watermark: sync.watermark };
  let stopped: Stopped | null;
  try {
    let from = sync;
    if (ctx.incremental) {
      // The backfill by report first (report-backfill.ts): 'none' or a fallback page as usual;
      // 'done' moved the watermark, so the walk starts from there.
      const step = await advanceReportBackfill({ ...ctx, fetch: deps.fetch, settings }, sync.watermark);
      if (step.status === 'waiting')
        return {
          status: 'partial',
          ...tally,
          retryAfterMs: step.retryAfterMs > 0 ? step.retryAfterMs : null,
        };
      if (step.status === 'done') {
        from = await openSync(deps, settings, connectionId, now);
        tally.watermark = from.watermark;
        tally.ordersSeen += step.ordersMerged;
        tally.ordersChanged += step.ordersChanged;
      }
    }
    stopped = await walkAll(ctx, firstWalk(ctx, from, options.since, now), tally);
  } catch (err) {
    return failRun(deps, connectionId, err, tally);
  }
  if (stopped) return { status: 'partial', ...tally, retryAfterMs: stopped.retryAfterMs };
  await setSync(deps, connectionId, {
    status: 'idle',
    paused_reason: null,
    last_error: null,
    last_finished_at: new Date(deps.clock.now()),
  });
  return { status: 'done', ...tally };
}

/**
 * An unbounded run: a backfill by report in progress makes a run end early (the report is not
 * ready yet), so it waits the poll interval and runs again until the import is done or paused.
 */
async function runUntilDone(
  deps: OrderImporterDeps,
  settings: OrderImportSettings,
  connectionId: string,
  options: {
    since?: Date;
    onProgress?: (progress: ImportProgress) => void;
    onWait?: (waitMs: number) => void;
  },
): Promise<ImportOutcome> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (;;) {
    const outcome = await runImport(deps, settings, connectionId, options);
    if (outcome.status !== 'partial') return outcome;
    options.onWait?.(outcome.retryAfterMs ?? 0);
    await sleep(outcome.retryAfterMs ?? 0);
  }
}
