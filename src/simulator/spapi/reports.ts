import type { Context } from 'hono';
import type { SimEnv } from '../context.js';
import { spapiError } from '../http.js';
import { InvalidInput, listParam } from '../orders-query.js';
import { documentLink } from '../reports-documents.js';
import { cancelQueuedReport, observeReport, reportView } from '../reports-processing.js';
import {
  encodeReportsToken,
  parseReportRequest,
  parseReportsQuery,
  parseScheduleRequest,
  readJsonObject,
  type ReportsQuery,
} from '../reports-requests.js';
import { addSchedule, refreshReports, scheduleView } from '../reports-schedules.js';
import { addReport, ownedBy, planReport, retained, type ReportOwner } from '../reports-store.js';
import type { SimReport } from '../state.js';
import type { SpApiCall, SpApiOperation } from './operation.js';

/**
 * Reports API 2021-06-30 (spapi-models/reports_2021-06-30.json,
 * https://developer-docs.amazon.com/sp-api/docs/reports-api-v2021-06-30-reference). Reports and
 * schedules belong to the calling seller and application in the endpoint's region; processing runs
 * on the simulated clock (reports-processing.ts), documents are served by reports-documents.ts.
 */

/** The caller as a report owner; the pipeline only lets seller tokens reach these operations. */
function ownerOf(call: SpApiCall): ReportOwner {
  if (call.sellingPartnerId === undefined) throw new Error(`${call.operationId} reached without a seller`);
  return { sellingPartnerId: call.sellingPartnerId, appId: call.app.appId, region: call.region };
}

/** Runs a handler, answering InvalidInput with 400. */
async function guarded(c: Context<SimEnv>, run: () => Response | Promise<Response>): Promise<Response> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof InvalidInput) return spapiError(c, 400, 'InvalidInput', err.message);
    throw err;
  }
}

/** The caller's report with this id (retained, after bringing settlements and schedules up to now). */
function findReport(call: SpApiCall, reportId: string): SimReport | undefined {
  const owner = ownerOf(call);
  refreshReports(call.ctx, owner);
  const report = call.ctx.state.reports.get(reportId);
  if (!report || !ownedBy(report, owner) || !retained(report, call.ctx.clock.now())) return undefined;
  return report;
}

function reportNotFound(c: Context<SimEnv>, reportId: string): Response {
  return spapiError(c, 404, 'NotFound', `Report ${reportId} was not found.`);
}

function createReport(c: Context<SimEnv>, call: SpApiCall): Promise<Response> {
  return guarded(c, async () => {
    const owner = ownerOf(call);
    const request = parseReportRequest(call.ctx, await readJsonObject(c), owner);
    const report = addReport(call.ctx, {
      owner,
      ...request,
      createdAt: call.ctx.clock.now(),
      ...planReport(call.ctx, owner.sellingPartnerId, request.reportType),
    });
    return c.json({ reportId: report.reportId }, 202);
  });
}

function getReport(c: Context<SimEnv>, call: SpApiCall): Response {
  const reportId = c.req.param('reportId') ?? '';
  const report = findReport(call, reportId);
  if (!report) return reportNotFound(c, reportId);
  return c.json(reportView(call.ctx, report), 200);
}

/** Whether a report passes a getReports query's filters (status observed first). */
function matches(call: SpApiCall, report: SimReport, query: ReportsQuery, owner: ReportOwner): boolean {
  if (!ownedBy(report, owner) || !query.reportTypes.includes(report.reportType)) return false;
  if (report.createdAt < query.createdSince || report.createdAt > query.createdUntil) return false;
  if (query.marketplaceIds && !report.marketplaceIds.some((id) => query.marketplaceIds!.includes(id)))
    return false;
  if (query.cursor) {
    const [at, id] = query.cursor;
    if (report.createdAt > at || (report.createdAt === at && report.reportId >= id)) return false;
  }
  return !query.processingStatuses || query.processingStatuses.includes(observeReport(call.ctx, report));
}

/** getReports: newest first, `pageSize` per page, `nextToken` for the rest (model: getReports). */
function getReports(c: Context<SimEnv>, call: SpApiCall): Promise<Response> {
  return guarded(c, () => {
    const owner = ownerOf(call);
    const query = parseReportsQuery(call.ctx, c, owner);
    refreshReports(call.ctx, owner);
    const found = [...call.ctx.state.reports.values()]
      .filter((r) => matches(call, r, query, owner))
      .sort(
        (a, b) =>
          b.createdAt - a.createdAt || (a.reportId < b.reportId ? 1 : a.reportId > b.reportId ? -1 : 0),
      );
    const page = found.slice(0, query.pageSize);
    const body: Record<string, unknown> = { reports: page.map((r) => reportView(call.ctx, r)) };
    const last = page.at(-1);
    if (found.length > query.pageSize && last) {
      body.nextToken = encodeReportsToken({ ...query, cursor: [last.createdAt, last.reportId] });
    }
    return c.json(body, 200);
  });
}

/** cancelReport: only IN_QUEUE reports (model: "Only reports with processingStatus=IN_QUEUE can be cancelled"). */
function cancelReport(c: Context<SimEnv>, call: SpApiCall): Response {
  const reportId = c.req.param('reportId') ?? '';
  const report = findReport(call, reportId);
  if (!report) return reportNotFound(c, reportId);
  const status = observeReport(call.ctx, report);
  if (!cancelQueuedReport(call.ctx, report)) {
    return spapiError(
      c,
      400,
      'InvalidInput',
      `Report ${reportId} cannot be cancelled: its processingStatus is ${status}, and only reports with processingStatus IN_QUEUE can be cancelled.`,
    );
  }
  return c.body(null, 200);
}

/** getReportDocument: a fresh presigned URL for a document of one of the caller's reports. */
function getReportDocument(c: Context<SimEnv>, call: SpApiCall): Promise<Response> {
  return guarded(c, () => {
    const owner = ownerOf(call);
    const documentId = c.req.param('reportDocumentId') ?? '';
    const flag = c.req.query('enableContentEncodingUrlHeader');
    if (flag !== undefined && flag !== 'true' && flag !== 'false') {
      throw new InvalidInput(`enableContentEncodingUrlHeader must be true or false (got '${flag}').`);
    }
    refreshReports(call.ctx, owner);
    const document = call.ctx.state.reportDocuments.get(documentId);
    const report = document && call.ctx.state.reports.get(document.reportId);
    if (!document || !ownedBy(document, owner) || !report || !retained(report, call.ctx.clock.now())) {
      return spapiError(c, 404, 'NotFound', `Report document ${documentId} was not found.`);
    }
    return c.json(documentLink(call.ctx, c, document, flag === 'true'), 200);
  });
}

/** getReportSchedules: the caller's schedules (and Amazon's settlement schedules) of the given types. */
function getReportSchedules(c: Context<SimEnv>, call: SpApiCall): Promise<Response> {
  return guarded(c, () => {
    const owner = ownerOf(call);
    const types = listParam(c, 'reportTypes') ?? [];
    if (types.length === 0) throw new InvalidInput('reportTypes is required.');
    if (types.length > 10)
      throw new InvalidInput(`reportTypes accepts at most 10 report types (got ${types.length}).`);
    refreshReports(call.ctx, owner);
    const reportSchedules = [...call.ctx.state.reportSchedules.values()]
      .filter((s) => ownedBy(s, owner) && types.includes(s.reportType))
      .sort((a, b) => a.createdAt - b.createdAt || (a.reportScheduleId < b.reportScheduleId ? -1 : 1))
      .map(scheduleView);
    return c.json({ reportSchedules }, 200);
  });
}

function createReportSchedule(c: Context<SimEnv>, call: SpApiCall): Promise<Response> {
  return guarded(c, async () => {
    const owner = ownerOf(call);
    const request = parseScheduleRequest(call.ctx, await readJsonObject(c), owner);
    const schedule = addSchedule(call.ctx, owner, request);
    return c.json({ reportScheduleId: schedule.reportScheduleId }, 201);
  });
}

function findSchedule(call: SpApiCall, id: string) {
  const owner = ownerOf(call);
  refreshReports(call.ctx, owner);
  const schedule = call.ctx.state.reportSchedules.get(id);
  return schedule && ownedBy(schedule, owner) ? schedule : undefined;
}

function getReportSchedule(c: Context<SimEnv>, call: SpApiCall): Response {
  const id = c.req.param('reportScheduleId') ?? '';
  const schedule = findSchedule(call, id);
  if (!schedule) return spapiError(c, 404, 'NotFound', `Report schedule ${id} was not found.`);
  return c.json(scheduleView(schedule), 200);
}

function cancelReportSchedule(c: Context<SimEnv>, call: SpApiCall): Response {
  const id = c.req.param('reportScheduleId') ?? '';
  const schedule = findSchedule(call, id);
  if (!schedule) return spapiError(c, 404, 'NotFound', `Report schedule ${id} was not found.`);
  if (schedule.appId === null) {
    return spapiError(
      c,
      400,
      'InvalidInput',
      `Report schedule ${id} is Amazon's ${schedule.reportType} schedule and cannot be cancelled.`,
    );
  }
  call.ctx.state.reportSchedules.delete(id);
  return c.body(null, 200);
}

const seller = { kind: 'seller' } as const;
const REPORTS = '/reports/2021-06-30';

/** The nine operations of the Reports API 2021-06-30. */
export const reportsOperations: SpApiOperation[] = [
  { operationId: 'getReports', method: 'GET', path: `${REPORTS}/reports`, auth: seller, handle: getReports },
  {
    operationId: 'createReport',
    method: 'POST',
    path: `${REPORTS}/reports`,
    auth: seller,
    handle: createReport,
  },
  {
    operationId: 'getReport',
    method: 'GET',
    path: `${REPORTS}/reports/:reportId`,
    auth: seller,
    handle: getReport,
  },
  {
    operationId: 'cancelReport',
    method: 'DELETE',
    path: `${REPORTS}/reports/:reportId`,
    auth: seller,
    handle: cancelReport,
  },
  {
    operationId: 'getReportSchedules',
    method: 'GET',
    path: `${REPORTS}/schedules`,
    auth: seller,
    handle: getReportSchedules,
  },
  {
    operationId: 'createReportSchedule',
    method: 'POST',
    path: `${REPORTS}/schedules`,
    auth: seller,
    handle: createReportSchedule,
  },
  {
    operationId: 'getReportSchedule',
    method: 'GET',
    path: `${REPORTS}/schedules/:reportScheduleId`,
    auth: seller,
    handle: getReportSchedule,
  },
  {
    operationId: 'cancelReportSchedule',
    method: 'DELETE',
    path: `${REPORTS}/schedules/:reportScheduleId`,
    auth: seller,
    handle: cancelReportSchedule,
  },
  {
    operationId: 'getReportDocument',
    method: 'GET',
    path: `${REPORTS}/documents/:reportDocumentId`,
    // Restricted reports need an RDT naming the document (https://developer-docs.amazon.com/sp-api/docs/tokens-api-use-case-guide).
    auth: { kind: 'seller', restricted: true },
    handle: getReportDocument,
  },
];
