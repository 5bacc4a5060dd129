import { REPORT_TYPES, getReportsRequest, processGetReports, type ReportView } from '../amazon/operations.js';
import { DAY } from '../kernel/clock.js';
import { call, readDocument, type RunContext } from './sales-traffic-report.js';
import { setSync, upsertSettlements, type SyncRow } from './tables.js';

/**
 * Settlement reports (`GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2`): Amazon makes them on its own
 * schedule (about every 14 days) and they cannot be requested, so Sellerlink lists them with
 * getReports(createdSince) at the analytics interval and keeps their metadata. Documents are
 * fetched only when someone downloads one (getReportDocument gives a link that lasts 5 minutes).
 * @see https://developer-docs.amazon.com/sp-api/docs/report-type-values-settlement
 * @see https://developer-docs.amazon.com/sp-api/docs/reports-api-v2021-06-30-reference#getreports
 */

/** getReports keeps reports 90 days; a listing reaches back one day before the last one (overlap). */
const OVERLAP_MS = DAY;

/** Pages of getReports followed in one listing at most (100 reports each). */
const MAX_PAGES = 20;

/** Whether the settlement listing is due: never done, or done one interval ago. */
export function settlementsDue(ctx: RunContext, sync: SyncRow, now: number): boolean {
  const checked = sync.settlements_checked_at?.getTime();
  return checked === undefined || now - checked >= ctx.settings.intervalMs;
}

/** When the next settlement listing is due. */
export function nextSettlementsAt(ctx: RunContext, checkedAt: number): number {
  return checkedAt + ctx.settings.intervalMs;
}

/** Lists the settlement reports Amazon made since the last listing and stores them; returns how many. */
export async function listSettlements(ctx: RunContext, sync: SyncRow): Promise<number> {
  const now = ctx.clock.now();
  const earliest = now - ctx.settings.settlementLookbackDays * DAY;
  const since = Math.max(earliest, (sync.settlements_checked_at?.getTime() ?? earliest) - OVERLAP_MS);
  const reports: ReportView[] = [];
  let page = await processGetReports(
    call(
      ctx,
      getReportsRequest({
        reportTypes: [REPORT_TYPES.settlementV2],
        processingStatuses: ['DONE'],
        pageSize: 100,
        createdSince: new Date(since),
      }),
    ),
  );
  reports.push(...page.reports);
  for (let pages = 1; page.nextToken !== null && pages < MAX_PAGES; pages++) {
    page = await processGetReports(call(ctx, getReportsRequest({ nextToken: page.nextToken })));
    reports.push(...page.reports);
  }
  const settlements = reports.filter((r) => r.reportType === REPORT_TYPES.settlementV2);
  const at = new Date(ctx.clock.now());
  await upsertSettlements(ctx.db, ctx.connectionId, settlements, at);
  await setSync(ctx.db, ctx.connectionId, { settlements_checked_at: new Date(now) }, at);
  return settlements.length;
}

/** A settlement report's document as text (tab-separated, as Amazon made it). */
export function readSettlementDocument(ctx: RunContext, reportDocumentId: string): Promise<string> {
  return readDocument(ctx, reportDocumentId);
}
