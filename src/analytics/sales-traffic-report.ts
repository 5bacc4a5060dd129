import type { Kysely } from 'kysely';
import type { SpApiClient, SpApiRequest } from '../amazon/client-types.js';
import { AmazonError } from '../amazon/errors.js';
import {
  REPORT_TYPES,
  cancelReportRequest,
  createReportRequest,
  getReportDocumentRequest,
  getReportRequest,
  processCancelReport,
  processCreateReport,
  processGetReport,
  processGetReportDocument,
  type ReportView,
} from '../amazon/operations.js';
import { readReportText } from '../amazon/report-documents.js';
import { MINUTE, type Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import type { Database } from '../store/schema.js';
import { addDays, dayOf } from './days.js';
import { AnalyticsError } from './errors.js';
import { parseSalesAndTraffic } from './sales-traffic.js';
import { latestStoredDay, openFetch, setFetch, storeReport, type FetchRow } from './tables.js';

/**
 * One marketplace's sales and traffic fetch, step by step: request a report for the days not yet
 * stored (and the last few again: Amazon revises recent days), save its id at once, poll it at
 * the poll interval on later runs, then download, parse and store its days. A restart finds the
 * saved report and polls it instead of requesting another. FATAL, CANCELLED and a report stuck past
 * the timeout are recorded with their reason for the analytics page; the next request follows one
 * interval later.
 * @see https://developer-docs.amazon.com/sp-api/docs/report-type-values-analytics#sales-and-traffic-business-report
 * @see https://developer-docs.amazon.com/sp-api/docs/reports-api-v2021-06-30-retrieve-a-report
 */

/** How analytics reads Amazon (environment variables in docs/configuration.md). */
export interface AnalyticsSettings {
  /** How often each connection's reports are requested and settlements listed (default 6 hours; 0: off). */
  intervalMs: number;
  /** How many days back the first fetch of a marketplace reaches (default 30). */
  initialLookbackDays: number;
  /** Days before today that every fetch reads again (Amazon revises recent days; default 3). */
  refreshDays: number;
  /** How often a pending report is polled (default 1 minute). */
  pollMs: number;
  /** A report not done after this is given up (cancelled when still queued; default 6 hours). */
  reportTimeoutMs: number;
  /** The first settlement listing reaches this many days back (Amazon keeps reports 90 days; default 89). */
  settlementLookbackDays: number;
}

/** The defaults (docs/analytics.md); the configuration's values override them. */
export const DEFAULT_ANALYTICS_SETTINGS: Readonly<AnalyticsSettings> = Object.freeze({
  intervalMs: 6 * 60 * MINUTE,
  initialLookbackDays: 30,
  refreshDays: 3,
  pollMs: MINUTE,
  reportTimeoutMs: 6 * 60 * MINUTE,
  settlementLookbackDays: 89,
});

/** Amazon cancels a sales and traffic report that starts more than two years back (one day of margin). */
const OLDEST_DAYS_BACK = 729;

/** What one run needs. */
export interface RunContext {
  db: Kysely<Database>;
  spApi: SpApiClient;
  fetch: typeof fetch;
  clock: Clock;
  logger: Logger;
  settings: AnalyticsSettings;
  connectionId: string;
  /** Epoch ms after which the run waits for no usage plan (a job's budget). */
  deadline?: number;
}

/** What a marketplace step did, and when the marketplace needs the next run. */
export interface MarketplaceStep {
  requested: boolean;
  stored: number;
  failed: string | null;
  nextAt: number;
}

/** Sends one call through the one client; a bounded run does not wait for the usage plan past its deadline. */
export function call(ctx: RunContext, request: SpApiRequest) {
  const maxWait =
    ctx.deadline === undefined ? {} : { maxWaitMs: Math.max(0, ctx.deadline - ctx.clock.now()) };
  return ctx.spApi.call(ctx.connectionId, { ...request, ...maxWait });
}

/**
 * The days the next report covers: from the day after the latest stored one (or the lookback on a
 * first fetch), but at least the last `refreshDays` again, up to yesterday (today is not complete).
 * Null when there is nothing to ask for.
 */
export function rangeToRequest(
  settings: Pick<AnalyticsSettings, 'initialLookbackDays' | 'refreshDays'>,
  latest: string | null,
  now: number,
): { start: string; end: string } | null {
  const today = dayOf(now);
  const end = addDays(today, -1);
  const oldest = addDays(today, -OLDEST_DAYS_BACK);
  let start = latest === null ? addDays(today, -settings.initialLookbackDays) : addDays(latest, 1);
  const refreshFrom = addDays(today, -Math.max(1, settings.refreshDays));
  if (refreshFrom < start) start = refreshFrom;
  if (start < oldest) start = oldest;
  return start <= end ? { start, end } : null;
}

/** Requests the report for the marketplace's next range and saves its id before anything else. */
async function requestReport(ctx: RunContext, row: FetchRow, now: number): Promise<MarketplaceStep> {
  const latest = await latestStoredDay(ctx.db, ctx.connectionId, row.marketplace_id);
  const range = rangeToRequest(ctx.settings, latest, now);
  if (!range) return { requested: false, stored: 0, failed: null, nextAt: now + ctx.settings.intervalMs };
  const { reportId } = await processCreateReport(
    call(
      ctx,
      createReportRequest({
        reportType: REPORT_TYPES.salesAndTraffic,
        // Exactly one marketplace per sales and traffic report.
        marketplaceIds: [row.marketplace_id],
        dataStartTime: new Date(`${range.start}T00:00:00.000Z`),
        dataEndTime: new Date(`${range.end}T23:59:59.000Z`),
        reportOptions: { dateGranularity: 'DAY', asinGranularity: 'PARENT' },
      }),
    ),
  );
  const at = new Date(ctx.clock.now());
  await setFetch(
    ctx.db,
    row,
    {
      status: 'requested',
      report_id: reportId,
      range_start: range.start,
      range_end: range.end,
      requested_at: at,
      next_poll_at: new Date(at.getTime() + ctx.settings.pollMs),
    },
    at,
  );
  ctx.logger.info(
    { connectionId: ctx.connectionId, marketplaceId: row.marketplace_id, reportId, ...range },
    'sales and traffic report requested',
  );
  return { requested: true, stored: 0, failed: null, nextAt: at.getTime() + ctx.settings.pollMs };
}

/**
 * A report document's text: getReportDocument, then the download (the link is a bearer URL that
 * expires in 5 minutes and is never stored or logged; an expired one is asked for again once).
 */
export async function readDocument(ctx: RunContext, reportDocumentId: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const link = await processGetReportDocument(call(ctx, getReportDocumentRequest(reportDocumentId)));
    try {
      return await readReportText(ctx.fetch, link);
    } catch (err) {
      if (attempt >= 2 || !(err instanceof AmazonError) || err.code !== 'REPORT_DOCUMENT_EXPIRED') throw err;
    }
  }
}

/** Records why a report will not be stored; the next request follows one interval after it was made. */
async function fail(ctx: RunContext, row: FetchRow, reason: string): Promise<MarketplaceStep> {
  const at = new Date(ctx.clock.now());
  await setFetch(
    ctx.db,
    row,
    { status: 'failed', report_id: null, next_poll_at: null, failure_reason: reason, failed_at: at },
    at,
  );
  ctx.logger.warn(
    { connectionId: ctx.connectionId, marketplaceId: row.marketplace_id, reason },
    'sales and traffic report failed',
  );
  const requested = row.requested_at?.getTime() ?? at.getTime();
  return { requested: false, stored: 0, failed: reason, nextAt: requested + ctx.settings.intervalMs };
}

/** A FATAL document's message: `errorDetails` of a JSON one, else its text (300 characters at most). */
function errorText(document: string): string {
  let text = document;
  try {
    const parsed: unknown = JSON.parse(document);
    const details = (parsed as { errorDetails?: unknown } | null)?.errorDetails;
    if (typeof details === 'string') text = details;
  } catch {
    // Not JSON: the document is the message.
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}

/** Why a FATAL report failed: Amazon may attach a document that says so (its first 300 characters). */
async function fatalReason(ctx: RunContext, report: ReportView): Promise<string> {
  let said = '';
  if (report.reportDocumentId) {
    try {
      said = errorText(await readDocument(ctx, report.reportDocumentId));
    } catch {
      said = '';
    }
  }
  return `Amazon could not make report ${report.reportId} (FATAL)${said ? `: ${said}` : ''}. Sellerlink asks again at the next interval.`;
}

/** A DONE report: download, parse and store its days within the requested range. */
async function storeDone(ctx: RunContext, row: FetchRow, report: ReportView): Promise<MarketplaceStep> {
  if (!report.reportDocumentId)
    return fail(ctx, row, `Amazon's report ${report.reportId} is DONE without a document.`);
  let days;
  try {
    days = parseSalesAndTraffic(await readDocument(ctx, report.reportDocumentId));
  } catch (err) {
    if (err instanceof AnalyticsError) return fail(ctx, row, `Report ${report.reportId}: ${err.message}.`);
    throw err;
  }
  const inRange = days.filter(
    (d) =>
      (row.range_start === null || d.day >= row.range_start) &&
      (row.range_end === null || d.day <= row.range_end),
  );
  const at = new Date(ctx.clock.now());
  await storeReport(ctx.db, row, { reportId: report.reportId, days: inRange }, at);
  ctx.logger.info(
    {
      connectionId: ctx.connectionId,
      marketplaceId: row.marketplace_id,
      reportId: report.reportId,
      days: inRange.length,
    },
    'sales and traffic stored',
  );
  const requested = row.requested_at?.getTime() ?? at.getTime();
  return {
    requested: false,
    stored: inRange.length,
    failed: null,
    nextAt: requested + ctx.settings.intervalMs,
  };
}

/** Still being made: poll again later, or give up once it has waited past the timeout. */
async function stillWaiting(ctx: RunContext, row: FetchRow, report: ReportView): Promise<MarketplaceStep> {
  const now = ctx.clock.now();
  const waited = now - (row.requested_at?.getTime() ?? now);
  if (waited < ctx.settings.reportTimeoutMs) {
    const next = new Date(now + ctx.settings.pollMs);
    await setFetch(ctx.db, row, { next_poll_at: next }, new Date(now));
    return { requested: false, stored: 0, failed: null, nextAt: next.getTime() };
  }
  // Only a queued report can be cancelled; one in progress is left to Amazon.
  if (report.processingStatus === 'IN_QUEUE')
    await processCancelReport(call(ctx, cancelReportRequest(report.reportId))).catch(() => undefined);
  const minutes = Math.round(waited / MINUTE);
  return fail(
    ctx,
    row,
    `Amazon's report ${report.reportId} was still ${report.processingStatus} after ${minutes} minutes; Sellerlink gave up on it and asks again at the next interval.`,
  );
}

/** Polls the saved report and acts on its status. */
async function pollReport(ctx: RunContext, row: FetchRow): Promise<MarketplaceStep> {
  const report = await processGetReport(call(ctx, getReportRequest(row.report_id!)));
  switch (report.processingStatus) {
    case 'DONE':
      return storeDone(ctx, row, report);
    case 'CANCELLED':
      return fail(
        ctx,
        row,
        `Amazon cancelled report ${report.reportId} (${row.range_start} to ${row.range_end}); it does so when there is no data for the range. Sellerlink asks again at the next interval.`,
      );
    case 'FATAL':
      return fail(ctx, row, await fatalReason(ctx, report));
    default:
      return stillWaiting(ctx, row, report);
  }
}

/**
 * One step of a marketplace's fetch: poll the pending report when its poll is due, else request a
 * new one when the interval since the last request has passed; returns when it needs the next run.
 */
export async function advanceMarketplace(ctx: RunContext, marketplaceId: string): Promise<MarketplaceStep> {
  const row = await openFetch(ctx.db, ctx.connectionId, marketplaceId);
  const now = ctx.clock.now();
  if (row.status === 'requested' && row.report_id !== null) {
    const pollAt = row.next_poll_at?.getTime() ?? now;
    if (pollAt > now) return { requested: false, stored: 0, failed: null, nextAt: pollAt };
    return pollReport(ctx, row);
  }
  const nextRequest = (row.requested_at?.getTime() ?? -Infinity) + ctx.settings.intervalMs;
  if (nextRequest > now) return { requested: false, stored: 0, failed: null, nextAt: nextRequest };
  return requestReport(ctx, row, now);
}
