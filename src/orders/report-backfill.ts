import { AmazonError } from '../amazon/errors.js';
import {
  REPORT_TYPES,
  cancelReportRequest,
  createReportRequest,
  getReportRequest,
  processCancelReport,
  processCreateReport,
  processGetReport,
} from '../amazon/operations.js';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { BackfillContext } from './report-context.js';
import { mergeReport, type MergeOutcome } from './report-merge.js';

export type { BackfillContext, ReportBackfillSettings } from './report-context.js';

/**
 * Backfill by report: when a connection's import has fallen behind by more than a threshold (an
 * outage, an expired authorization renewed, or a first connect with its lookback), Sellerlink asks
 * Amazon for order-tracking reports (`GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL`, one per
 * marketplace and window of at most 29 days), merges them into the orders store, and moves the
 * watermark to the reports' end; the incremental searchOrders walk then takes over from there. One
 * report covers what would take up to 500 searchOrders pages (≈24 h at the default plan). Every
 * step is saved (report ids, document ids, orders merged), so a restart goes on where it stopped
 * and never requests a second report for the same window. A FATAL or stuck report falls back to
 * paging with the reason kept for the orders page.
 * @see https://developer-docs.amazon.com/sp-api/docs/report-type-values-order
 */

/** Where the backfill stands after a step. */
export type BackfillStep =
  /** No backfill by report is needed (or allowed): page as usual. */
  | { status: 'none' }
  /** Reports are being prepared or merged: come back after `retryAfterMs`. */
  | { status: 'waiting'; retryAfterMs: number }
  /** All reports merged (orders read, and of them new or newer); the watermark is at their end. */
  | { status: 'done'; ordersMerged: number; ordersChanged: number }
  /** A report failed or got stuck: page instead. */
  | { status: 'fell_back'; reason: string };

type BackfillRow = Awaited<ReturnType<typeof loadBackfill>>;

async function loadBackfill(db: Kysely<Database>, connectionId: string) {
  return db
    .selectFrom('order_backfills')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .executeTakeFirst();
}

/** Whether a new backfill by report should start: far enough behind, and no recent fallback. */
function shouldStart(ctx: BackfillContext, row: BackfillRow, watermark: Date, now: number): boolean {
  const { reportBackfillAfterMs, reportRetryAfterMs } = ctx.settings;
  if (reportBackfillAfterMs <= 0 || now - watermark.getTime() <= reportBackfillAfterMs) return false;
  if (row?.status === 'fell_back' && row.finished_at && now - row.finished_at.getTime() < reportRetryAfterMs)
    return false;
  return true;
}

/** The windows of a backfill from `start` to `end`: at most `reportWindowMs` each, oldest first. */
export function backfillWindows(start: number, end: number, windowMs: number): { start: Date; end: Date }[] {
  const windows: { start: Date; end: Date }[] = [];
  for (let from = start; from < end; from += windowMs)
    windows.push({ start: new Date(from), end: new Date(Math.min(end, from + windowMs)) });
  return windows;
}

/** Plans a new backfill (replacing the last one): one report row per window and marketplace. */
async function planBackfill(ctx: BackfillContext, watermark: Date, now: number): Promise<void> {
  const start = watermark.getTime() - ctx.settings.overlapMs;
  const end = now - ctx.settings.reportLagMs;
  const windows = backfillWindows(start, end, ctx.settings.reportWindowMs);
  const at = new Date(now);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('order_backfills').where('connection_id', '=', ctx.connectionId).execute();
    await trx
      .insertInto('order_backfills')
      .values({
        connection_id: ctx.connectionId,
        status: 'running',
        range_start: new Date(start),
        range_end: new Date(end),
        started_at: at,
      })
      .execute();
    const rows = windows.flatMap((w) => ctx.marketplaceIds.map((m) => ({ window: w, marketplaceId: m })));
    if (rows.length === 0) return;
    await trx
      .insertInto('order_backfill_reports')
      .values(
        rows.map((r, seq) => ({
          connection_id: ctx.connectionId,
          seq,
          marketplace_id: r.marketplaceId,
          window_start: r.window.start,
          window_end: r.window.end,
          status: 'pending' as const,
        })),
      )
      .execute();
  });
  ctx.logger.info(
    { connectionId: ctx.connectionId, from: new Date(start), to: new Date(end), reports: windows.length },
    'order backfill by report started',
  );
}

type ReportRow = Awaited<ReturnType<typeof reportRows>>[number];

function reportRows(ctx: BackfillContext) {
  return ctx.db
    .selectFrom('order_backfill_reports')
    .selectAll()
    .where('connection_id', '=', ctx.connectionId)
    .orderBy('seq')
    .execute();
}

async function setReport(
  ctx: BackfillContext,
  seq: number,
  values: Partial<Pick<ReportRow, 'status' | 'report_id' | 'report_document_id' | 'requested_at'>>,
): Promise<void> {
  await ctx.db
    .updateTable('order_backfill_reports')
    .set(values)
    .where('connection_id', '=', ctx.connectionId)
    .where('seq', '=', seq)
    .execute();
}

/** Requests the report of a pending row (createReport's burst is 15; the limiter paces the rest). */
async function requestReport(ctx: BackfillContext, row: ReportRow): Promise<void> {
  const { reportId } = await processCreateReport(
    ctx.spApi.call(
      ctx.connectionId,
      createReportRequest({
        reportType: REPORT_TYPES.ordersByLastUpdate,
        marketplaceIds: [row.marketplace_id],
        dataStartTime: row.window_start,
        dataEndTime: row.window_end,
      }),
    ),
  );
  await setReport(ctx, row.seq, {
    status: 'requested',
    report_id: reportId,
    requested_at: new Date(ctx.clock.now()),
  });
}

/** A report that will not be merged: why. */
class Fallback extends Error {}

/** Polls a requested report: DONE → ready, CANCELLED (no data) → empty, FATAL or stuck → Fallback. */
async function pollReport(ctx: BackfillContext, row: ReportRow): Promise<'waiting' | 'settled'> {
  const report = await processGetReport(ctx.spApi.call(ctx.connectionId, getReportRequest(row.report_id!)));
  switch (report.processingStatus) {
    case 'DONE':
      if (!report.reportDocumentId)
        throw new Fallback(`Amazon's report ${row.report_id} is DONE without a document`);
      await setReport(ctx, row.seq, { status: 'ready', report_document_id: report.reportDocumentId });
      return 'settled';
    case 'CANCELLED':
      // Amazon cancels a report by itself when there is no data to return.
      await setReport(ctx, row.seq, { status: 'empty' });
      return 'settled';
    case 'FATAL':
      throw new Fallback(`Amazon's order report ${row.report_id} failed (FATAL)`);
    default: {
      const waited = ctx.clock.now() - (row.requested_at?.getTime() ?? ctx.clock.now());
      if (waited < ctx.settings.reportTimeoutMs) return 'waiting';
      if (report.processingStatus === 'IN_QUEUE')
        await processCancelReport(
          ctx.spApi.call(ctx.connectionId, cancelReportRequest(row.report_id!)),
        ).catch(() => undefined);
      throw new Fallback(
        `Amazon's order report ${row.report_id} was still ${report.processingStatus} after ${Math.round(waited / 60_000)} minutes`,
      );
    }
  }
}

/** Ends the backfill as a fallback to paging, keeping the reason for the orders page. */
async function fallBack(ctx: BackfillContext, reason: string): Promise<BackfillStep> {
  const full = `Backfill by report fell back to paging: ${reason}. Orders are read page by page with searchOrders instead (slower at Amazon's usage plan).`;
  await ctx.db
    .updateTable('order_backfills')
    .set({ status: 'fell_back', reason: full, finished_at: new Date(ctx.clock.now()) })
    .where('connection_id', '=', ctx.connectionId)
    .execute();
  ctx.logger.warn({ connectionId: ctx.connectionId, reason }, 'order backfill by report fell back to paging');
  return { status: 'fell_back', reason: full };
}

/** All reports merged: the watermark moves to the backfill's end and the backfill is done. */
async function finish(ctx: BackfillContext, row: NonNullable<BackfillRow>): Promise<BackfillStep> {
  const merged = await ctx.db
    .selectFrom('order_backfill_reports')
    .select((eb) => [
      eb.fn.coalesce(eb.fn.sum<number>('rows_merged'), eb.lit(0)).as('read'),
      eb.fn.coalesce(eb.fn.sum<number>('orders_changed'), eb.lit(0)).as('changed'),
    ])
    .where('connection_id', '=', ctx.connectionId)
    .executeTakeFirstOrThrow();
  const ordersMerged = Number(merged.read);
  const ordersChanged = Number(merged.changed);
  const at = new Date(ctx.clock.now());
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('order_syncs')
      .set((eb) => ({
        watermark: eb.fn('greatest', [eb.ref('watermark'), eb.val(row.range_end)]),
        resume_window_start: null,
        resume_window_end: null,
        resume_token: null,
        resume_saved_at: null,
        updated_at: at,
      }))
      .where('connection_id', '=', ctx.connectionId)
      .execute();
    await trx
      .updateTable('order_backfills')
      .set({ status: 'done', finished_at: at, orders_merged: ordersMerged, reason: null })
      .where('connection_id', '=', ctx.connectionId)
      .execute();
  });
  ctx.logger.info(
    { connectionId: ctx.connectionId, ordersMerged, ordersChanged },
    'order backfill by report done',
  );
  return { status: 'done', ordersMerged, ordersChanged };
}

/** Requests, polls and merges the reports as far as they go now; 'waiting' when some are not ready. */
async function advanceReports(ctx: BackfillContext): Promise<'waiting' | 'merged' | MergeOutcome> {
  let rows = await reportRows(ctx);
  for (const row of rows) if (row.status === 'pending') await requestReport(ctx, row);
  rows = await reportRows(ctx);
  let waiting = false;
  for (const row of rows)
    if (row.status === 'requested' && (await pollReport(ctx, row)) === 'waiting') waiting = true;
  rows = await reportRows(ctx);
  for (const row of rows) {
    if (row.status !== 'ready') continue;
    const outcome = await mergeReport(ctx, row);
    if (outcome !== 'merged') return outcome;
  }
  return waiting ? 'waiting' : 'merged';
}

/**
 * One step of a connection's backfill by report (the caller holds the connection's import lock):
 * starts one when the watermark is too far behind, then requests, polls and merges what it can.
 */
export async function advanceReportBackfill(ctx: BackfillContext, watermark: Date): Promise<BackfillStep> {
  const now = ctx.clock.now();
  let row = await loadBackfill(ctx.db, ctx.connectionId);
  if (row?.status !== 'running') {
    if (!shouldStart(ctx, row, watermark, now)) return { status: 'none' };
    await planBackfill(ctx, watermark, now);
    row = (await loadBackfill(ctx.db, ctx.connectionId))!;
  }
  let outcome: Awaited<ReturnType<typeof advanceReports>>;
  try {
    outcome = await advanceReports(ctx);
  } catch (err) {
    if (err instanceof Fallback) return fallBack(ctx, err.message);
    if (err instanceof AmazonError && err.code === 'SPAPI_INVALID_INPUT')
      return fallBack(ctx, `Amazon refused the report request (${err.info.amazonMessage ?? err.message})`);
    throw err;
  }
  if (outcome === 'waiting') return { status: 'waiting', retryAfterMs: ctx.settings.reportPollMs };
  if (outcome === 'out-of-time') return { status: 'waiting', retryAfterMs: 0 };
  if (typeof outcome === 'object') return fallBack(ctx, outcome.fallBack);
  return finish(ctx, row);
}
