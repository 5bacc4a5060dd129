import { createHash } from 'node:crypto';
import { DAY, SECOND } from '../kernel/clock.js';
import type { SimContext } from './context.js';
import { between, digits } from './orders-data.js';
import type { Region, SimReport, SimReportDocument, SimReportSchedule } from './state.js';

/**
 * Who owns what in the simulated Reports API, and how reports are added. Reports and schedules belong
 * to a selling partner and an application in one region ("unique only in combination with a seller
 * ID", https://developer-docs.amazon.com/sp-api/docs/reports-api-v2021-06-30-reference); Amazon's own
 * settlement reports and schedule (appId null) are seen by every application the seller authorized.
 */

/** Reports are kept 90 days (model: getReports `createdSince`, "Reports are retained for a maximum of 90 days"). */
export const REPORT_RETENTION_MS = 90 * DAY;

/** Processing time of a `slow` rule without `processingSeconds`: one simulated hour (incidents of 1 h+ are documented). */
export const SLOW_PROCESSING_SECONDS = 3600;

/** The caller a Reports operation acts for. */
export interface ReportOwner {
  sellingPartnerId: string;
  appId: string;
  region: Region;
}

/** Whether an owner may see a report, schedule or document (and the report is still retained). */
export function ownedBy(
  item: Pick<SimReport | SimReportDocument | SimReportSchedule, 'sellingPartnerId' | 'appId' | 'region'>,
  owner: ReportOwner,
): boolean {
  return (
    item.sellingPartnerId === owner.sellingPartnerId &&
    item.region === owner.region &&
    (item.appId === null || item.appId === owner.appId)
  );
}

/** Whether a report is still within Amazon's 90-day retention. */
export function retained(report: SimReport, now: number): boolean {
  return report.createdAt >= now - REPORT_RETENTION_MS;
}

/** A fresh 11-digit id unused in `taken` (Amazon's report ids look like `54517018502`). */
export function newNumericId(ctx: SimContext, taken: ReadonlyMap<string, unknown>): string {
  for (;;) {
    const id = `${between(ctx.random, 1, 9)}${digits(ctx.random, 10)}`;
    if (!taken.has(id)) return id;
  }
}

/** A stable 11-digit id derived from `seed` (for Amazon's settlement reports, made lazily). */
export function stableNumericId(seed: string): string {
  const n = createHash('sha256').update(seed).digest().readBigUInt64BE(0) % 90_000_000_000n;
  return String(n + 10_000_000_000n);
}

/** What a new report needs; queue and processing times come from the config unless given. */
export interface NewReport {
  reportId?: string;
  owner: Omit<ReportOwner, 'appId'> & { appId: string | null };
  reportType: string;
  marketplaceIds: string[];
  reportOptions?: Record<string, string>;
  dataStartTime: number;
  dataEndTime: number;
  createdAt: number;
  reportScheduleId?: string;
  queueMs?: number;
  processingMs?: number | null;
  forceFatal?: boolean;
}

/** Adds a report to the state and returns it. */
export function addReport(ctx: SimContext, input: NewReport): SimReport {
  const reportId = input.reportId ?? newNumericId(ctx, ctx.state.reports);
  const report: SimReport = {
    reportId,
    sellingPartnerId: input.owner.sellingPartnerId,
    appId: input.owner.appId,
    region: input.owner.region,
    reportType: input.reportType,
    marketplaceIds: [...input.marketplaceIds],
    dataStartTime: input.dataStartTime,
    dataEndTime: input.dataEndTime,
    createdAt: input.createdAt,
    queueMs: input.queueMs ?? ctx.config.reportQueueSeconds * SECOND,
    processingMs:
      input.processingMs === undefined ? ctx.config.reportProcessingSeconds * SECOND : input.processingMs,
  };
  if (input.reportOptions !== undefined) report.reportOptions = { ...input.reportOptions };
  if (input.reportScheduleId !== undefined) report.reportScheduleId = input.reportScheduleId;
  if (input.forceFatal) report.forceFatal = true;
  ctx.state.reports.set(reportId, report);
  return report;
}

/** The processing plan of a report created now through createReport, after the behaviour rules. */
export function planReport(
  ctx: SimContext,
  sellingPartnerId: string,
  reportType: string,
): Pick<NewReport, 'processingMs' | 'forceFatal'> {
  const rules = ctx.state.reportBehaviours;
  const index = rules.findIndex(
    (r) =>
      (r.reportType === undefined || r.reportType === reportType) &&
      (r.sellingPartnerId === undefined || r.sellingPartnerId === sellingPartnerId),
  );
  const rule = rules[index];
  if (!rule) return {};
  if (rule.remaining !== undefined) {
    rule.remaining -= 1;
    if (rule.remaining <= 0) rules.splice(index, 1);
  }
  const seconds = rule.processingSeconds ?? (rule.outcome === 'slow' ? SLOW_PROCESSING_SECONDS : undefined);
  const plan: Pick<NewReport, 'processingMs' | 'forceFatal'> = {};
  if (rule.outcome === 'stuck') plan.processingMs = null;
  else if (seconds !== undefined) plan.processingMs = seconds * SECOND;
  if (rule.outcome === 'fatal') plan.forceFatal = true;
  return plan;
}
