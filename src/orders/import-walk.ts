import type { Kysely } from 'kysely';
import type { SpApiClient } from '../amazon/client-types.js';
import { AmazonError } from '../amazon/errors.js';
import type { Order } from '../amazon/generated/orders_2026-01-01.js';
import { processSearchOrders, searchOrdersRequest, type SearchOrdersPage } from '../amazon/operations.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import type { Database } from '../store/schema.js';
import { upsertOrders } from './order-rows.js';

/**
 * The steps of one import run's walk through searchOrders (orders/import.ts runs them): a walk is
 * one time window read page by page, oldest update first; each page is committed with the
 * watermark and the walk's resume point in one transaction.
 */

/** What the walk needs of the importer's settings. */
export interface WalkSettings {
  overlapMs: number;
  beforeLagMs: number;
  includedData: readonly string[];
  pageSize: number;
}

/** One run: whose orders, where, and how it was asked for. */
export interface RunContext {
  db: Kysely<Database>;
  spApi: SpApiClient;
  clock: Clock;
  logger: Logger;
  settings: WalkSettings;
  connectionId: string;
  accountId: string;
  /** At least one (searchOrders refuses none). */
  marketplaceIds: readonly string[];
  /** An incremental run saves its resume point; a backfill (`since`) does not. */
  incremental: boolean;
  /** Epoch ms after which a bounded run starts no page and waits for no usage plan. */
  deadline?: number;
  onProgress?: (progress: ImportProgress) => void;
}

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

/** One time window walked page by page. */
export interface Walk {
  start: Date;
  end: Date;
  /** The bound Amazon applied (it may echo an earlier one than asked): the watermark never passes it. */
  echoedEnd: Date;
  token: string | undefined;
  /** Whether the walk started at or before the watermark, so the watermark may move (no gap skipped). */
  contiguous: boolean;
  pages: number;
  done: boolean;
}

/** What a run has done so far. */
export interface Tally {
  pages: number;
  ordersSeen: number;
  ordersChanged: number;
  watermark: Date;
}

/** Now − lag, in whole seconds: Amazon echoes the bound at second precision. */
export function freshEnd(ctx: Pick<RunContext, 'clock' | 'settings'>): Date {
  return new Date(Math.floor((ctx.clock.now() - ctx.settings.beforeLagMs) / 1000) * 1000);
}

/** A new walk from `start` up to now − lag. */
export function newWalk(ctx: Pick<RunContext, 'clock' | 'settings'>, start: Date, contiguous: boolean): Walk {
  const end = freshEnd(ctx);
  return { start, end, echoedEnd: end, token: undefined, contiguous, pages: 0, done: false };
}

/** The walk's next page (searchOrders); a bounded run does not wait for the usage plan past its budget. */
export function fetchPage(ctx: RunContext, walk: Walk): Promise<SearchOrdersPage> {
  const request = searchOrdersRequest({
    marketplaceIds: ctx.marketplaceIds,
    lastUpdatedAfter: walk.start,
    lastUpdatedBefore: walk.end,
    maxResultsPerPage: ctx.settings.pageSize,
    includedData: ctx.settings.includedData,
    ...(walk.token ? { paginationToken: walk.token } : {}),
  });
  const maxWait =
    ctx.deadline === undefined ? {} : { maxWaitMs: Math.max(0, ctx.deadline - ctx.clock.now()) };
  return processSearchOrders(ctx.spApi.call(ctx.connectionId, { ...request, ...maxWait }));
}

/** A committed page: what changed, the watermark after it, and how far the walk got. */
interface Committed {
  changed: number;
  watermark: Date;
  reached: Date;
}

/**
 * Stores a page: its orders upserted, the watermark moved up to what the page covers (when the walk
 * is contiguous) and the resume point (this walk's next page, or none) in one transaction.
 */
export async function commitPage(ctx: RunContext, walk: Walk, page: SearchOrdersPage): Promise<Committed> {
  // The watermark never passes the bound Amazon applied (every page repeats the same query).
  if (walk.pages === 0 && page.lastUpdatedBefore && page.lastUpdatedBefore.getTime() < walk.end.getTime())
    walk.echoedEnd = page.lastUpdatedBefore;
  const next = page.nextToken;
  const last: Order | undefined = page.orders[page.orders.length - 1];
  // Orders come oldest update first: everything before the page's last update is stored.
  const reached = next && last ? new Date(Date.parse(last.lastUpdatedTime)) : walk.echoedEnd;
  const at = new Date(ctx.clock.now());
  return ctx.db.transaction().execute(async (trx: Kysely<Database>) => {
    const upserted = await upsertOrders(
      trx,
      { id: ctx.connectionId, accountId: ctx.accountId },
      page.orders,
      at,
    );
    const row = await trx
      .updateTable('order_syncs')
      .set((eb) => ({
        ...(walk.contiguous ? { watermark: eb.fn('greatest', [eb.ref('watermark'), eb.val(reached)]) } : {}),
        // Where the next run goes on: this walk's next page, or (walk done) a new walk.
        ...(ctx.incremental
          ? {
              resume_window_start: next ? walk.start : null,
              resume_window_end: next ? walk.end : null,
              resume_token: next,
              resume_saved_at: next ? at : null,
            }
          : {}),
        pages_total: eb('pages_total', '+', 1),
        orders_upserted_total: eb('orders_upserted_total', '+', upserted.changed),
        updated_at: at,
      }))
      .where('connection_id', '=', ctx.connectionId)
      .returning('watermark')
      .executeTakeFirstOrThrow();
    return { changed: upserted.changed, watermark: row.watermark, reached };
  });
}

/** Reports progress after a page: the share of the window walked and the usage plan's estimate. */
export async function reportProgress(
  ctx: RunContext,
  walk: Walk,
  tally: Tally,
  reached: Date,
  more: boolean,
): Promise<void> {
  if (!ctx.onProgress) return;
  const span = walk.end.getTime() - walk.start.getTime();
  const fraction = span > 0 ? Math.min(1, (reached.getTime() - walk.start.getTime()) / span) : 1;
  const remainingPages = more
    ? fraction > 0
      ? Math.ceil((tally.pages / fraction) * (1 - fraction))
      : null
    : 0;
  ctx.onProgress({
    connectionId: ctx.connectionId,
    pages: tally.pages,
    ordersSeen: tally.ordersSeen,
    ordersChanged: tally.ordersChanged,
    windowStart: walk.start,
    windowEnd: walk.end,
    reached,
    fraction: more ? fraction : 1,
    etaSeconds:
      remainingPages === null
        ? null
        : await ctx.spApi.planWaitSeconds(ctx.connectionId, 'searchOrders', remainingPages),
  });
}

/** Fetches, commits and reports one page of the walk; marks the walk done after its last page. */
export async function walkOnePage(
  ctx: RunContext,
  walk: Walk,
  tally: Tally,
  page: SearchOrdersPage,
): Promise<void> {
  const committed = await commitPage(ctx, walk, page);
  tally.pages++;
  walk.pages++;
  tally.ordersSeen += page.orders.length;
  tally.ordersChanged += committed.changed;
  tally.watermark = committed.watermark;
  await reportProgress(ctx, walk, tally, committed.reached, page.nextToken !== null);
  if (page.nextToken) walk.token = page.nextToken;
  else walk.done = true;
}

/** Forgets a saved resume point (Amazon no longer takes its page). */
export async function dropResumePoint(ctx: RunContext, code: string): Promise<void> {
  ctx.logger.info(
    { connectionId: ctx.connectionId, code },
    'the saved import page could not be resumed; starting again from the watermark',
  );
  await ctx.db
    .updateTable('order_syncs')
    .set({ resume_window_start: null, resume_window_end: null, resume_token: null, resume_saved_at: null })
    .where('connection_id', '=', ctx.connectionId)
    .execute();
}

/** The run stopped early: its budget ran out, or the usage plan allows the next page only later. */
export interface Stopped {
  retryAfterMs: number | null;
}

/**
 * The refused first page of a resumed walk: Amazon would not take the saved token (a final error
 * status; an answer that is not searchOrders' is no refusal).
 */
export function refusedResume(err: unknown, resumed: boolean, walk: Walk): err is AmazonError {
  return (
    resumed &&
    walk.pages === 0 &&
    err instanceof AmazonError &&
    !err.retryable &&
    err.code !== 'SPAPI_BAD_RESPONSE'
  );
}

/** A bounded run that the usage plan would make wait past its budget. */
export function waitsTooLong(ctx: RunContext, err: unknown): err is AmazonError {
  return ctx.deadline !== undefined && err instanceof AmazonError && err.code === 'SPAPI_WAIT_TOO_LONG';
}
