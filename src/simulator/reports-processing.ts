import { DAY } from '../kernel/clock.js';
import type { SimContext } from './context.js';
import {
  contentTypeOf,
  isJsonReport,
  isoOffset,
  ORDER_FLAT_FILES,
  SALES_AND_TRAFFIC,
  SETTLEMENT_V2,
  type ReportContent,
} from './reports-catalog.js';
import { storeDocument } from './reports-documents.js';
import { orderTrackingContent } from './reports-orders.js';
import { salesAndTrafficContent } from './reports-sales-traffic.js';
import { settlementContent } from './reports-settlement.js';
import type { SimReport } from './state.js';

/**
 * A report's life on the simulated clock (https://developer-docs.amazon.com/sp-api/docs/reports-api-v2021-06-30-retrieve-a-report):
 * IN_QUEUE for `queueMs` after creation, IN_PROGRESS for `processingMs` (forever when stuck), then
 * DONE with a document, CANCELLED without one when there is no data ("automatically if there is no
 * data to return"; the model has no DONE_NO_DATA), or FATAL, with a document explaining the error
 * where Amazon gives one. The outcome and the document are decided once, the first time the report
 * is looked at after its processing ended, from the world at that moment, and then kept.
 */

/** A report's processing status as the model names them. */
export type ProcessingStatus = 'IN_QUEUE' | 'IN_PROGRESS' | 'DONE' | 'CANCELLED' | 'FATAL';

/** Amazon's document for an order report over 30 days (amzn/selling-partner-api-models#2591). */
export const RANGE_EXCEEDED_TEXT = 'Date range exceeded. Report can be requested only upto 30 days';

/** The FATAL document of a report failed by a `/_sim/reports/behaviour` rule. */
const SIMULATED_FATAL_TEXT =
  'The report could not be generated (a simulated FATAL outcome). Request it again.';

/** When processing starts and ends (end null: stuck). */
function processingTimes(report: SimReport): { start: number; end: number | null } {
  const start = report.createdAt + report.queueMs;
  return { start, end: report.processingMs === null ? null : start + report.processingMs };
}

/** The status at `now` without generating anything: a finished report reads 'due' until observed. */
function plainStatus(report: SimReport, now: number): ProcessingStatus | 'due' {
  if (report.result) return report.result.status;
  const { start, end } = processingTimes(report);
  if (now < start) return 'IN_QUEUE';
  if (end === null || now < end) return 'IN_PROGRESS';
  return 'due';
}

/** A FATAL text in the report's format (JSON reports get `{"errorDetails": …}`). */
function fatalText(report: SimReport, message: string): string {
  return isJsonReport(report.reportType) ? JSON.stringify({ errorDetails: message }) : message;
}

/** Generates what the report holds, from the world now. */
function generate(ctx: SimContext, report: SimReport): ReportContent {
  if (report.forceFatal) return { status: 'FATAL', text: fatalText(report, SIMULATED_FATAL_TEXT) };
  if (ORDER_FLAT_FILES.has(report.reportType)) {
    if (report.dataEndTime - report.dataStartTime > ctx.config.reportMaxRangeDays * DAY) {
      return { status: 'FATAL', text: RANGE_EXCEEDED_TEXT };
    }
    const text = orderTrackingContent(ctx, report);
    return text === null ? { status: 'CANCELLED' } : { status: 'DONE', text };
  }
  if (report.reportType === SALES_AND_TRAFFIC) return salesAndTrafficContent(ctx, report);
  if (report.reportType === SETTLEMENT_V2) return settlementContent(ctx, report);
  return { status: 'CANCELLED' };
}

/** Freezes the outcome of a report whose processing has ended (once). */
function settle(ctx: SimContext, report: SimReport): void {
  const content = generate(ctx, report);
  if (content.status === 'CANCELLED') {
    report.result = { status: 'CANCELLED' };
    return;
  }
  const document = storeDocument(ctx, report, content.text, contentTypeOf(report.reportType));
  report.result = { status: content.status, reportDocumentId: document.reportDocumentId };
}

/** The report's status at the simulated now, settling it first when its processing has just ended. */
export function observeReport(ctx: SimContext, report: SimReport): ProcessingStatus {
  const status = plainStatus(report, ctx.clock.now());
  if (status !== 'due') return status;
  settle(ctx, report);
  return report.result!.status;
}

/** Cancels a report (only IN_QUEUE ones may be, model: cancelReport); false when it is past that. */
export function cancelQueuedReport(ctx: SimContext, report: SimReport): boolean {
  if (observeReport(ctx, report) !== 'IN_QUEUE') return false;
  report.result = { status: 'CANCELLED', cancelledAt: ctx.clock.now() };
  return true;
}

/** The model's `Report` object at the simulated now (observing the report first). */
export function reportView(ctx: SimContext, report: SimReport): Record<string, unknown> {
  const status = observeReport(ctx, report);
  const { start, end } = processingTimes(report);
  const cancelledInQueue = report.result?.cancelledAt !== undefined;
  const view: Record<string, unknown> = {
    marketplaceIds: [...report.marketplaceIds],
    reportId: report.reportId,
    reportType: report.reportType,
    dataStartTime: isoOffset(report.dataStartTime),
    dataEndTime: isoOffset(report.dataEndTime),
  };
  if (report.reportScheduleId !== undefined) view.reportScheduleId = report.reportScheduleId;
  view.createdTime = isoOffset(report.createdAt);
  view.processingStatus = status;
  if (status !== 'IN_QUEUE' && !cancelledInQueue) view.processingStartTime = isoOffset(start);
  if (status !== 'IN_QUEUE' && status !== 'IN_PROGRESS' && !cancelledInQueue && end !== null) {
    view.processingEndTime = isoOffset(end);
  }
  if (report.result?.reportDocumentId !== undefined) view.reportDocumentId = report.result.reportDocumentId;
  return view;
}
