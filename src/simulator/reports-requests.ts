import { decodeOpaqueToken, encodeOpaqueToken } from './page-tokens.js';
import type { Context } from 'hono';
import type { SimContext, SimEnv } from './context.js';
import { checkMarketplaces, InvalidInput, listParam, parseDateParam } from './orders-query.js';
import { requestRefusal, SALES_AND_TRAFFIC, scheduleRefusal } from './reports-catalog.js';
import { ASIN_GRANULARITIES, DATE_GRANULARITIES } from './reports-sales-traffic.js';
import { SCHEDULE_PERIODS } from './reports-schedules.js';
import { REPORT_RETENTION_MS, type ReportOwner } from './reports-store.js';
import type { NewSchedule } from './reports-schedules.js';

/**
 * Request checks of the Reports API operations (https://developer-docs.amazon.com/sp-api/docs/reports-api-v2021-06-30-reference):
 * the createReport and createReportSchedule bodies, and getReports' filters and `nextToken`. Bad
 * input throws InvalidInput, which the operations answer with 400 `InvalidInput`.
 */

/** The checked createReport body. */
export interface ReportRequest {
  reportType: string;
  marketplaceIds: string[];
  reportOptions?: Record<string, string>;
  dataStartTime: number;
  dataEndTime: number;
}

/** Reads a JSON object body. */
export async function readJsonObject(c: Context<SimEnv>): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new InvalidInput('The request body must be a JSON object.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidInput('The request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

function requiredString(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value.trim() === '') throw new InvalidInput(`${name} is required.`);
  return value.trim();
}

/** marketplaceIds: 1–25 marketplaces, each one the seller participates in; duplicates dropped. */
function marketplacesOf(ctx: SimContext, body: Record<string, unknown>, sellingPartnerId: string): string[] {
  const value = body.marketplaceIds;
  if (!Array.isArray(value) || value.length === 0) {
    throw new InvalidInput('marketplaceIds is required: a list of 1 to 25 marketplace ids.');
  }
  if (value.length > 25)
    throw new InvalidInput(`marketplaceIds accepts at most 25 marketplace ids (got ${value.length}).`);
  if (!value.every((v): v is string => typeof v === 'string' && v !== '')) {
    throw new InvalidInput('marketplaceIds must be a list of marketplace id strings.');
  }
  checkMarketplaces(ctx, 'marketplaceIds', sellingPartnerId, value);
  return [...new Set(value)];
}

/** reportOptions: an object of strings; for the sales and traffic report, known granularities only. */
function optionsOf(body: Record<string, unknown>, reportType: string): Record<string, string> | undefined {
  const value = body.reportOptions;
  if (value === undefined || value === null) return undefined;
  if (
    typeof value !== 'object' ||
    Array.isArray(value) ||
    !Object.values(value).every((v) => typeof v === 'string')
  ) {
    throw new InvalidInput('reportOptions must be an object whose values are strings.');
  }
  const options = value as Record<string, string>;
  if (reportType === SALES_AND_TRAFFIC) {
    const date = options.dateGranularity;
    const asin = options.asinGranularity;
    if (date !== undefined && !(DATE_GRANULARITIES as readonly string[]).includes(date)) {
      throw new InvalidInput(
        `reportOptions.dateGranularity must be one of ${DATE_GRANULARITIES.join(', ')} (got '${date}').`,
      );
    }
    if (asin !== undefined && !(ASIN_GRANULARITIES as readonly string[]).includes(asin)) {
      throw new InvalidInput(
        `reportOptions.asinGranularity must be one of ${ASIN_GRANULARITIES.join(', ')} (got '${asin}').`,
      );
    }
  }
  return { ...options };
}

/** An optional ISO 8601 date-time field of a body. */
function timeOf(body: Record<string, unknown>, name: string): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new InvalidInput(`${name} must be an ISO 8601 date-time string.`);
  return parseDateParam(name, value);
}

/**
 * Checks a createReport body: reportType (requestable in the simulator), marketplaceIds, optional
 * reportOptions, and dataStartTime ≤ dataEndTime ≤ now, both defaulting to now (model:
 * CreateReportSpecification).
 */
export function parseReportRequest(
  ctx: SimContext,
  body: Record<string, unknown>,
  owner: ReportOwner,
): ReportRequest {
  const reportType = requiredString(body, 'reportType');
  const refusal = requestRefusal(reportType);
  if (refusal) throw new InvalidInput(refusal);
  const marketplaceIds = marketplacesOf(ctx, body, owner.sellingPartnerId);
  const reportOptions = optionsOf(body, reportType);
  const now = ctx.clock.now();
  const start = timeOf(body, 'dataStartTime') ?? now;
  const end = timeOf(body, 'dataEndTime') ?? now;
  if (start > now)
    throw new InvalidInput('dataStartTime must be prior to or equal to the current date and time.');
  if (end > now)
    throw new InvalidInput('dataEndTime must be prior to or equal to the current date and time.');
  if (start > end) throw new InvalidInput('dataStartTime must be prior to or equal to dataEndTime.');
  return {
    reportType,
    marketplaceIds,
    ...(reportOptions === undefined ? {} : { reportOptions }),
    dataStartTime: start,
    dataEndTime: end,
  };
}

/** Checks a createReportSchedule body (model: CreateReportScheduleSpecification). */
export function parseScheduleRequest(
  ctx: SimContext,
  body: Record<string, unknown>,
  owner: ReportOwner,
): NewSchedule {
  const reportType = requiredString(body, 'reportType');
  const refusal = scheduleRefusal(reportType);
  if (refusal) throw new InvalidInput(refusal);
  const marketplaceIds = marketplacesOf(ctx, body, owner.sellingPartnerId);
  const reportOptions = optionsOf(body, reportType);
  const period = requiredString(body, 'period');
  if (!(SCHEDULE_PERIODS as readonly string[]).includes(period)) {
    throw new InvalidInput(`period must be one of ${SCHEDULE_PERIODS.join(', ')} (got '${period}').`);
  }
  const next = timeOf(body, 'nextReportCreationTime') ?? ctx.clock.now();
  return {
    reportType,
    marketplaceIds,
    ...(reportOptions === undefined ? {} : { reportOptions }),
    period,
    nextReportAt: next,
  };
}

/** The model's processingStatuses enum. */
export const PROCESSING_STATUSES = ['CANCELLED', 'DONE', 'FATAL', 'IN_PROGRESS', 'IN_QUEUE'] as const;

/** A getReports query, normalised: what a nextToken carries. */
export interface ReportsQuery {
  sellingPartnerId: string;
  appId: string;
  region: string;
  reportTypes: string[];
  processingStatuses: string[] | null;
  marketplaceIds: string[] | null;
  pageSize: number;
  createdSince: number;
  createdUntil: number;
  /** Last (createdAt, reportId) returned: the next page starts after it (newest first). */
  cursor: [number, string] | null;
}

/** Serialises a query as a nextToken (standard base64 with `+`, `/`, `=`, as Amazon's: page-tokens.ts). */
export function encodeReportsToken(query: ReportsQuery): string {
  return encodeOpaqueToken(query);
}

/** Reads a nextToken; throws InvalidInput when it is not one of this caller's. */
function decodeReportsToken(text: string, owner: ReportOwner): ReportsQuery {
  let query: ReportsQuery | undefined;
  try {
    query = decodeOpaqueToken(text) as ReportsQuery;
  } catch {
    query = undefined;
  }
  if (
    !query ||
    query.sellingPartnerId !== owner.sellingPartnerId ||
    query.appId !== owner.appId ||
    query.region !== owner.region ||
    !Array.isArray(query.cursor)
  ) {
    throw new InvalidInput('nextToken is invalid.');
  }
  return query;
}

function pageSizeOf(value: string | undefined): number {
  if (value === undefined) return 10;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 100) {
    throw new InvalidInput(`pageSize must be an integer between 1 and 100 (got '${value}').`);
  }
  return n;
}

/** The filters of a first getReports page. */
function firstPageQuery(ctx: SimContext, c: Context<SimEnv>, owner: ReportOwner): ReportsQuery {
  const reportTypes = listParam(c, 'reportTypes');
  if (!reportTypes) throw new InvalidInput('Either reportTypes or nextToken is required.');
  if (reportTypes.length > 10)
    throw new InvalidInput(`reportTypes accepts at most 10 report types (got ${reportTypes.length}).`);
  const statuses = listParam(c, 'processingStatuses');
  for (const s of statuses ?? []) {
    if (!(PROCESSING_STATUSES as readonly string[]).includes(s)) {
      throw new InvalidInput(
        `processingStatuses contains '${s}', which is not one of: ${PROCESSING_STATUSES.join(', ')}.`,
      );
    }
  }
  const marketplaceIds = listParam(c, 'marketplaceIds');
  if (marketplaceIds && marketplaceIds.length > 10) {
    throw new InvalidInput(
      `marketplaceIds accepts at most 10 marketplace ids (got ${marketplaceIds.length}).`,
    );
  }
  const now = ctx.clock.now();
  const sinceText = c.req.query('createdSince');
  const untilText = c.req.query('createdUntil');
  // Reports are kept 90 days: an earlier createdSince finds nothing more, so it reads as 90 days ago.
  const createdSince = Math.max(
    now - REPORT_RETENTION_MS,
    sinceText ? parseDateParam('createdSince', sinceText) : 0,
  );
  const createdUntil = untilText ? parseDateParam('createdUntil', untilText) : now;
  if (createdUntil < createdSince) throw new InvalidInput('createdUntil must be after createdSince.');
  return {
    ...owner,
    reportTypes: [...new Set(reportTypes)],
    processingStatuses: statuses ? [...new Set(statuses)] : null,
    marketplaceIds: marketplaceIds ?? null,
    pageSize: pageSizeOf(c.req.query('pageSize')),
    createdSince,
    createdUntil,
    cursor: null,
  };
}

/**
 * The getReports query of a request: `reportTypes` (1–10) with optional filters, or `nextToken`,
 * which must then be the only parameter ("Specifying nextToken with any other parameters will cause
 * the request to fail").
 */
export function parseReportsQuery(ctx: SimContext, c: Context<SimEnv>, owner: ReportOwner): ReportsQuery {
  const url = new URL(c.req.url);
  const token = url.searchParams.get('nextToken');
  if (token === null || token === '') return firstPageQuery(ctx, c, owner);
  const others = [...new Set(url.searchParams.keys())].filter((name) => name !== 'nextToken');
  if (others.length > 0) {
    throw new InvalidInput(
      `nextToken must be the only parameter when it is given (also sent: ${others.join(', ')}).`,
    );
  }
  return decodeReportsToken(token, owner);
}
