import type { SpApiRequest } from '../client-types.js';
import type {
  CreateReportResponse,
  GetReportsResponse,
  Report,
  ReportDocument,
} from '../generated/reports_2021-06-30.js';
import { badResponse, isRecord, nonEmptyString, settleAnswer, type SpApiAnswer } from './answer.js';

/**
 * Reports API 2021-06-30: one builder and one processor per operation Sellerlink uses.
 * @see https://developer-docs.amazon.com/sp-api/docs/reports-api-v2021-06-30-reference
 */

/** The report types Sellerlink requests or reads. */
export const REPORT_TYPES = Object.freeze({
  /** Orders updated in the range, one row per order item, tab-separated. */
  ordersByLastUpdate: 'GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL',
  /** Orders placed in the range, one row per order item, tab-separated. */
  ordersByOrderDate: 'GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL',
  /** Sales and traffic by date and by ASIN, JSON; exactly one marketplace. */
  salesAndTraffic: 'GET_SALES_AND_TRAFFIC_REPORT',
  /** Settlements: Amazon creates them on its own schedule; they cannot be requested. */
  settlementV2: 'GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2',
});

export type ReportProcessingStatus = Report['processingStatus'];

const STATUSES: readonly ReportProcessingStatus[] = ['IN_QUEUE', 'IN_PROGRESS', 'DONE', 'CANCELLED', 'FATAL'];

/** A report as Sellerlink reads it: times as dates, absent optional fields as null. */
export interface ReportView {
  reportId: string;
  reportType: string;
  processingStatus: ReportProcessingStatus;
  createdTime: Date;
  marketplaceIds: string[];
  dataStartTime: Date | null;
  dataEndTime: Date | null;
  processingStartTime: Date | null;
  processingEndTime: Date | null;
  /** Present when DONE, and on a FATAL report whose document explains the failure. */
  reportDocumentId: string | null;
  reportScheduleId: string | null;
}

/** What createReport asks for. */
export interface CreateReportParams {
  reportType: string;
  /** 1–25 marketplaces (exactly one for the sales and traffic report). */
  marketplaceIds: readonly string[];
  /** Amazon defaults both to now; order reports cover at most 30 days. */
  dataStartTime?: Date;
  dataEndTime?: Date;
  reportOptions?: Readonly<Record<string, string>>;
}

/**
 * createReport: asks Amazon to prepare a report (202 with its id).
 * @see https://developer-docs.amazon.com/sp-api/docs/reports-api-v2021-06-30-reference#createreport
 */
export function createReportRequest(params: CreateReportParams): SpApiRequest {
  return {
    operationId: 'createReport',
    method: 'POST',
    path: '/reports/2021-06-30/reports',
    body: {
      reportType: params.reportType,
      marketplaceIds: [...params.marketplaceIds],
      ...(params.dataStartTime ? { dataStartTime: params.dataStartTime.toISOString() } : {}),
      ...(params.dataEndTime ? { dataEndTime: params.dataEndTime.toISOString() } : {}),
      ...(params.reportOptions ? { reportOptions: { ...params.reportOptions } } : {}),
    },
  };
}

/** createReport's answer → the new report's id. */
export async function processCreateReport(answer: SpApiAnswer): Promise<{ reportId: string }> {
  const { body } = await settleAnswer(answer);
  const wire: Partial<Record<keyof CreateReportResponse, unknown>> = isRecord(body) ? body : {};
  const reportId = nonEmptyString(wire.reportId);
  if (reportId === null) throw badResponse('createReport', 'without a reportId');
  return { reportId };
}

/**
 * getReport: a report's processing status (2 requests/s, burst 15).
 * @see https://developer-docs.amazon.com/sp-api/docs/reports-api-v2021-06-30-reference#getreport
 */
export function getReportRequest(reportId: string): SpApiRequest {
  return {
    operationId: 'getReport',
    method: 'GET',
    path: `/reports/2021-06-30/reports/${encodeURIComponent(reportId)}`,
  };
}

/** An optional timestamp field, or null; a present but unreadable one is a bad response. */
function optionalTime(operationId: string, wire: Record<string, unknown>, field: string): Date | null {
  const value = wire[field];
  if (value === undefined || value === null) return null;
  const at = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(at)) throw badResponse(operationId, `a report with an unreadable ${field}`);
  return new Date(at);
}

/** One wire `Report` → a ReportView; anything that is not a report is SPAPI_BAD_RESPONSE. */
export function readReport(operationId: string, value: unknown): ReportView {
  if (!isRecord(value)) throw badResponse(operationId, 'a report that is not an object');
  const wire = value as Partial<Record<keyof Report, unknown>> & Record<string, unknown>;
  const reportId = nonEmptyString(wire.reportId);
  const reportType = nonEmptyString(wire.reportType);
  const status = wire.processingStatus as ReportProcessingStatus;
  if (reportId === null || reportType === null) throw badResponse(operationId, 'a report without id or type');
  if (!STATUSES.includes(status)) throw badResponse(operationId, `an unknown processingStatus`);
  const createdTime = optionalTime(operationId, wire, 'createdTime');
  if (createdTime === null) throw badResponse(operationId, 'a report without createdTime');
  const marketplaceIds = Array.isArray(wire.marketplaceIds)
    ? wire.marketplaceIds.filter((m): m is string => typeof m === 'string')
    : [];
  return {
    reportId,
    reportType,
    processingStatus: status,
    createdTime,
    marketplaceIds,
    dataStartTime: optionalTime(operationId, wire, 'dataStartTime'),
    dataEndTime: optionalTime(operationId, wire, 'dataEndTime'),
    processingStartTime: optionalTime(operationId, wire, 'processingStartTime'),
    processingEndTime: optionalTime(operationId, wire, 'processingEndTime'),
    reportDocumentId: nonEmptyString(wire.reportDocumentId),
    reportScheduleId: nonEmptyString(wire.reportScheduleId),
  };
}

/** getReport's answer (a bare `Report`, no wrapper) → ReportView. */
export async function processGetReport(answer: SpApiAnswer): Promise<ReportView> {
  const { body } = await settleAnswer(answer);
  return readReport('getReport', body);
}

/** getReports' filters; `nextToken` must be sent alone. */
export type GetReportsParams =
  | {
      /** 1–10 report types. */
      reportTypes: readonly string[];
      processingStatuses?: readonly ReportProcessingStatus[];
      /** At most 10. */
      marketplaceIds?: readonly string[];
      /** 1–100, Amazon's default 10. */
      pageSize?: number;
      /** Amazon's default and earliest: 90 days ago. */
      createdSince?: Date;
      createdUntil?: Date;
    }
  | { nextToken: string };

/**
 * getReports: reports of given types, newest first, in pages (0.0222 requests/s, burst 10).
 * @see https://developer-docs.amazon.com/sp-api/docs/reports-api-v2021-06-30-reference#getreports
 */
export function getReportsRequest(params: GetReportsParams): SpApiRequest {
  const base = { operationId: 'getReports', method: 'GET' as const, path: '/reports/2021-06-30/reports' };
  if ('nextToken' in params) return { ...base, query: { nextToken: params.nextToken } };
  const { processingStatuses, marketplaceIds, pageSize, createdSince, createdUntil } = params;
  return {
    ...base,
    query: {
      reportTypes: params.reportTypes,
      ...(processingStatuses && processingStatuses.length > 0 ? { processingStatuses } : {}),
      ...(marketplaceIds && marketplaceIds.length > 0 ? { marketplaceIds } : {}),
      ...(pageSize === undefined ? {} : { pageSize }),
      ...(createdSince ? { createdSince: createdSince.toISOString() } : {}),
      ...(createdUntil ? { createdUntil: createdUntil.toISOString() } : {}),
    },
  };
}

/** getReports' answer → its reports and the next page's token. */
export async function processGetReports(
  answer: SpApiAnswer,
): Promise<{ reports: ReportView[]; nextToken: string | null }> {
  const { body } = await settleAnswer(answer);
  const wire: Partial<Record<keyof GetReportsResponse, unknown>> = isRecord(body) ? body : {};
  if (!Array.isArray(wire.reports)) throw badResponse('getReports', 'without a reports array');
  return {
    reports: wire.reports.map((r) => readReport('getReports', r)),
    nextToken: nonEmptyString(wire.nextToken),
  };
}

/**
 * cancelReport: only a report still IN_QUEUE can be cancelled (0.0222 requests/s, burst 10).
 * @see https://developer-docs.amazon.com/sp-api/docs/reports-api-v2021-06-30-reference#cancelreport
 */
export function cancelReportRequest(reportId: string): SpApiRequest {
  return {
    operationId: 'cancelReport',
    method: 'DELETE',
    path: `/reports/2021-06-30/reports/${encodeURIComponent(reportId)}`,
  };
}

/** cancelReport's answer: success carries no body; an error status is an AmazonError. */
export async function processCancelReport(answer: SpApiAnswer): Promise<void> {
  await settleAnswer(answer);
}

/** Where a report document can be downloaded (the URL is a bearer link that expires in 5 minutes). */
export interface ReportDocumentLink {
  reportDocumentId: string;
  url: string;
  /** GZIP: the body is compressed (be tolerant: sniff the magic bytes, see report-documents.ts). */
  compressionAlgorithm: 'GZIP' | null;
}

/**
 * getReportDocument: a presigned download URL for a report document (0.0167 requests/s, burst 15).
 * @see https://developer-docs.amazon.com/sp-api/docs/reports-api-v2021-06-30-reference#getreportdocument
 */
export function getReportDocumentRequest(reportDocumentId: string): SpApiRequest {
  return {
    operationId: 'getReportDocument',
    method: 'GET',
    path: `/reports/2021-06-30/documents/${encodeURIComponent(reportDocumentId)}`,
  };
}

/** getReportDocument's answer → the download link; a missing or non-http(s) URL is a bad response. */
export async function processGetReportDocument(answer: SpApiAnswer): Promise<ReportDocumentLink> {
  const { body } = await settleAnswer(answer);
  const wire: Partial<Record<keyof ReportDocument, unknown>> = isRecord(body) ? body : {};
  const reportDocumentId = nonEmptyString(wire.reportDocumentId);
  const url = nonEmptyString(wire.url);
  if (reportDocumentId === null || url === null)
    throw badResponse('getReportDocument', 'without reportDocumentId or url');
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw badResponse('getReportDocument', 'with an unreadable url');
  }
  if (protocol !== 'https:' && protocol !== 'http:')
    throw badResponse('getReportDocument', 'with a url that is not http(s)');
  return {
    reportDocumentId,
    url,
    compressionAlgorithm: wire.compressionAlgorithm === 'GZIP' ? 'GZIP' : null,
  };
}
