import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Analytics, DailyResult, SettlementReportView } from '../../analytics/analytics.js';
import { dailyCsv, dailyCsvName } from '../../analytics/csv.js';
import { isDay } from '../../analytics/days.js';
import { AnalyticsError } from '../../analytics/errors.js';
import type { ApiEnv } from '../context.js';
import { ConnectionIdParams, commonErrors, errorResponse } from '../schemas.js';

/** What the analytics routes need besides the API's own dependencies. */
export interface AnalyticsApiDeps {
  /** Sales and traffic per day, settlement reports: `/v1/connections/{id}/analytics/…`. */
  analytics?: Analytics;
}

const Day = z
  .string()
  .refine(isDay, 'must be a date written YYYY-MM-DD (e.g. 2026-03-01)')
  .openapi({ format: 'date', example: '2026-03-01' });

const DailyQuery = z
  .object({
    marketplaceId: z
      .string()
      .regex(/^[A-Z0-9]{5,20}$/, 'must be a marketplace id such as ATVPDKIKX0DER')
      .optional()
      .openapi({ description: "One of the connection's marketplaces (default: its first)" }),
    from: Day.optional().openapi({ description: 'First day (default: 29 days before `to`)' }),
    to: Day.optional().openapi({ description: 'Last day, included (default: the latest stored day)' }),
    format: z
      .enum(['json', 'csv'])
      .optional()
      .openapi({ description: 'csv: the same rows as CSV (as with `Accept: text/csv`)' }),
  })
  .strict();

const Timestamp = z.string().openapi({ format: 'date-time' });

const DailyRowSchema = z
  .object({
    date: z.string().openapi({ format: 'date', example: '2026-03-01' }),
    marketplaceId: z.string(),
    orderedProductSales: z.object({
      amount: z.string().openapi({ example: '1234.50', description: 'Decimal amount' }),
      currencyCode: z.string().nullable().openapi({ example: 'USD' }),
    }),
    unitsOrdered: z.number().int(),
    totalOrderItems: z.number().int(),
    sessions: z.number().int(),
    pageViews: z.number().int(),
    unitSessionPercentage: z
      .number()
      .nullable()
      .openapi({ description: 'Units ordered per session, percent' }),
  })
  .openapi('AnalyticsDailyRow');

const DailyListSchema = z
  .object({
    connectionId: z.string(),
    marketplaceId: z.string().nullable(),
    from: z.string().openapi({ format: 'date' }),
    to: z.string().openapi({ format: 'date' }),
    rows: z.array(DailyRowSchema),
  })
  .openapi('AnalyticsDailyList');

const SettlementReportSchema = z
  .object({
    reportId: z.string(),
    marketplaceId: z.string().nullable(),
    createdTime: Timestamp,
    dataStartTime: Timestamp.nullable(),
    dataEndTime: Timestamp.nullable(),
    downloadable: z.boolean().openapi({ description: 'Whether Amazon gave a document to download' }),
    documentPath: z
      .string()
      .nullable()
      .openapi({ description: 'This API’s path of the document (tab-separated), when downloadable' }),
  })
  .openapi('SettlementReport');

const ReportParams = ConnectionIdParams.extend({
  reportId: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be a settlement report id as listed by this API')
    .openapi({ param: { name: 'reportId', in: 'path' }, example: '52101019918' }),
});

const dailyRoute = createRoute({
  method: 'get',
  path: '/v1/connections/{id}/analytics/daily',
  operationId: 'getDailyAnalytics',
  tags: ['Analytics'],
  summary: 'Sales and traffic per day',
  description:
    "One row per stored day of one marketplace: ordered product sales, units ordered, order items, sessions, page views and unit session percentage, from Amazon's sales and traffic report (fetched on a schedule). JSON, or CSV with `Accept: text/csv` or `format=csv`. Bad dates, `from` after `to`, a range over 731 days or a marketplace the connection does not have: 400 VALIDATION_FAILED naming the field.",
  security: [{ apiKey: [] }],
  request: { params: ConnectionIdParams, query: DailyQuery },
  responses: {
    200: {
      description: 'The days, oldest first',
      content: {
        'application/json': { schema: DailyListSchema },
        'text/csv': { schema: z.string().openapi({ description: 'Header row, then one row per day' }) },
      },
    },
    ...commonErrors,
    404: errorResponse('No such connection for this key (CONNECTION_NOT_FOUND)'),
  },
});

const settlementsRoute = createRoute({
  method: 'get',
  path: '/v1/connections/{id}/settlement-reports',
  operationId: 'listSettlementReports',
  tags: ['Analytics'],
  summary: 'Settlement reports',
  description:
    'The settlement reports (GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2) Amazon made for the connection, newest first, as listed at the analytics interval. Amazon makes them on its own schedule and keeps them 90 days.',
  security: [{ apiKey: [] }],
  request: { params: ConnectionIdParams },
  responses: {
    200: {
      description: 'The settlement reports',
      content: {
        'application/json': {
          schema: z
            .object({ settlementReports: z.array(SettlementReportSchema) })
            .openapi('SettlementReportList'),
        },
      },
    },
    ...commonErrors,
    404: errorResponse('No such connection for this key (CONNECTION_NOT_FOUND)'),
  },
});

const documentRoute = createRoute({
  method: 'get',
  path: '/v1/connections/{id}/settlement-reports/{reportId}/document',
  operationId: 'getSettlementReportDocument',
  tags: ['Analytics'],
  summary: 'Download a settlement report',
  description:
    "The report's document as Amazon made it (tab-separated text). Sellerlink asks Amazon for it now (getReportDocument, whose link lasts 5 minutes and is never stored), so the usage plan applies: 429 with Retry-After when it allows no call within 10 seconds.",
  security: [{ apiKey: [] }],
  request: { params: ReportParams },
  responses: {
    200: {
      description: 'The document',
      content: { 'text/tab-separated-values': { schema: z.string() } },
    },
    ...commonErrors,
    404: errorResponse(
      'No such connection for this key (CONNECTION_NOT_FOUND), or no such settlement report with a document (ANALYTICS_REPORT_NOT_FOUND)',
    ),
    409: errorResponse('The seller must re-authorize (TOKEN_CONNECTION_REVOKED, _EXPIRED, _DISCONNECTED)'),
    429: errorResponse("Amazon's usage plan allows no call now (SPAPI_WAIT_TOO_LONG); see Retry-After"),
    502: errorResponse('Amazon failed to give the document'),
  },
});

function settlementView(id: string, s: SettlementReportView): z.infer<typeof SettlementReportSchema> {
  return {
    reportId: s.reportId,
    marketplaceId: s.marketplaceId,
    createdTime: s.createdTime.toISOString(),
    dataStartTime: s.dataStartTime?.toISOString() ?? null,
    dataEndTime: s.dataEndTime?.toISOString() ?? null,
    downloadable: s.downloadable,
    documentPath: s.downloadable
      ? `/api/v1/connections/${id}/settlement-reports/${encodeURIComponent(s.reportId)}/document`
      : null,
  };
}

/** Whether the caller asked for CSV: `format=csv`, or an Accept header that prefers text/csv to JSON. */
function wantsCsv(c: Context, format: 'json' | 'csv' | undefined): boolean {
  if (format) return format === 'csv';
  const accept = (c.req.header('accept') ?? '').toLowerCase();
  return accept.includes('text/csv') && !accept.includes('application/json');
}

/** The days as CSV, as a download. */
function csvResponse(c: Context, daily: DailyResult): Response {
  return c.body(dailyCsv(daily.rows), 200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${dailyCsvName(daily.marketplaceId ?? 'none', daily.from, daily.to)}"`,
  });
}

/** `/v1/connections/{id}/analytics/daily`, `/settlement-reports` and a report's `/document`. */
export function registerAnalyticsRoutes(app: OpenAPIHono<ApiEnv>, analytics: Analytics): void {
  app.openapi(dailyRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { format, ...query } = c.req.valid('query');
    const daily = await analytics.daily(c.get('principal').viewer, id, query);
    if (wantsCsv(c, format)) return csvResponse(c, daily);
    return c.json(daily, 200);
  });

  app.openapi(settlementsRoute, async (c) => {
    const { id } = c.req.valid('param');
    const reports = await analytics.settlements(c.get('principal').viewer, id);
    return c.json({ settlementReports: reports.map((s) => settlementView(id, s)) }, 200);
  });

  app.openapi(documentRoute, async (c) => {
    const { id, reportId } = c.req.valid('param');
    try {
      const document = await analytics.settlementDocument(c.get('principal').viewer, id, reportId);
      return c.body(document.text, 200, {
        'content-type': 'text/tab-separated-values; charset=utf-8',
        'content-disposition': `attachment; filename="${document.fileName}"`,
      });
    } catch (err) {
      if (err instanceof AnalyticsError && err.code === 'ANALYTICS_REPORT_NOT_FOUND')
        return c.json({ error: { code: err.code, message: `${err.message}.`, field: 'reportId' } }, 404);
      throw err;
    }
  });
}
