import { describe, expect, it } from 'vitest';
import {
  cancelReportRequest,
  createReportRequest,
  getReportDocumentRequest,
  getReportRequest,
  getReportsRequest,
  processCancelReport,
  processCreateReport,
  processGetReport,
  processGetReportDocument,
  processGetReports,
  REPORT_TYPES,
} from '../../../src/amazon/operations.js';
import { errors, json, SP_API_ERRORS, urlOf } from './responses.js';

const report = {
  reportId: 'R1',
  reportType: REPORT_TYPES.ordersByLastUpdate,
  processingStatus: 'DONE',
  createdTime: '2026-11-30T10:00:00+00:00',
  marketplaceIds: ['ATVPDKIKX0DER'],
  dataStartTime: '2026-11-01T00:00:00+00:00',
  dataEndTime: '2026-11-29T00:00:00+00:00',
  processingStartTime: '2026-11-30T10:00:15+00:00',
  processingEndTime: '2026-11-30T10:02:15+00:00',
  reportDocumentId: 'amzn1.spdoc.1.4.na.doc',
};

describe('createReportRequest', () => {
  it('sends the type, the marketplaces, ISO times and options as JSON', () => {
    const request = createReportRequest({
      reportType: REPORT_TYPES.salesAndTraffic,
      marketplaceIds: ['A1PA6795UKMFR9'],
      dataStartTime: new Date('2026-11-01T00:00:00Z'),
      dataEndTime: new Date('2026-11-02T00:00:00Z'),
      reportOptions: { dateGranularity: 'DAY' },
    });
    expect(request).toMatchObject({ operationId: 'createReport', method: 'POST' });
    expect(urlOf(request).pathname).toBe('/reports/2021-06-30/reports');
    expect(request.body).toEqual({
      reportType: 'GET_SALES_AND_TRAFFIC_REPORT',
      marketplaceIds: ['A1PA6795UKMFR9'],
      dataStartTime: '2026-11-01T00:00:00.000Z',
      dataEndTime: '2026-11-02T00:00:00.000Z',
      reportOptions: { dateGranularity: 'DAY' },
    });
  });

  it('leaves out what is not given (Amazon defaults both times to now)', () => {
    expect(createReportRequest({ reportType: 'X', marketplaceIds: ['M'] }).body).toEqual({
      reportType: 'X',
      marketplaceIds: ['M'],
    });
  });
});

describe('processCreateReport', () => {
  it('reads the id of a 202', async () => {
    expect(await processCreateReport(json(202, { reportId: 'ID323' }))).toEqual({ reportId: 'ID323' });
  });
  it.each([[{}], [{ reportId: '' }], [{ reportId: 5 }], [null]])('%j is SPAPI_BAD_RESPONSE', async (body) => {
    await expect(processCreateReport(json(202, body))).rejects.toMatchObject({ code: 'SPAPI_BAD_RESPONSE' });
  });
  it.each(SP_API_ERRORS)('%s → %s', async (_name, code, retryable, response) => {
    await expect(processCreateReport(response())).rejects.toMatchObject({ code, retryable });
  });
});

describe('getReportRequest / processGetReport', () => {
  it('puts the id in the path, encoded', () => {
    const request = getReportRequest('a/b c');
    expect(request).toMatchObject({ operationId: 'getReport', method: 'GET' });
    expect(urlOf(request).pathname).toBe('/reports/2021-06-30/reports/a%2Fb%20c');
  });

  it('reads a bare report with offset timestamps', async () => {
    expect(await processGetReport(json(200, report))).toEqual({
      reportId: 'R1',
      reportType: REPORT_TYPES.ordersByLastUpdate,
      processingStatus: 'DONE',
      createdTime: new Date('2026-11-30T10:00:00Z'),
      marketplaceIds: ['ATVPDKIKX0DER'],
      dataStartTime: new Date('2026-11-01T00:00:00Z'),
      dataEndTime: new Date('2026-11-29T00:00:00Z'),
      processingStartTime: new Date('2026-11-30T10:00:15Z'),
      processingEndTime: new Date('2026-11-30T10:02:15Z'),
      reportDocumentId: 'amzn1.spdoc.1.4.na.doc',
      reportScheduleId: null,
    });
  });

  it('reads a queued report without the optional fields', async () => {
    const view = await processGetReport(
      json(200, {
        reportId: 'R2',
        reportType: 'X',
        processingStatus: 'IN_QUEUE',
        createdTime: report.createdTime,
      }),
    );
    expect(view).toMatchObject({ processingStatus: 'IN_QUEUE', reportDocumentId: null, dataStartTime: null });
    expect(view.marketplaceIds).toEqual([]);
  });

  it.each([
    ['an unknown status', { ...report, processingStatus: 'DONE_NO_DATA' }],
    ['no createdTime', { ...report, createdTime: undefined }],
    ['an unreadable time', { ...report, dataEndTime: 'yesterday' }],
    ['no id', { ...report, reportId: '' }],
    ['a wrapper', { payload: report }],
  ])('%s is SPAPI_BAD_RESPONSE', async (_name, body) => {
    await expect(processGetReport(json(200, body))).rejects.toMatchObject({ code: 'SPAPI_BAD_RESPONSE' });
  });

  it.each(SP_API_ERRORS)('%s → %s', async (_name, code, retryable, response) => {
    await expect(processGetReport(response())).rejects.toMatchObject({ code, retryable });
  });
});

describe('getReportsRequest / processGetReports', () => {
  it('sends filters comma-separated and times as ISO', () => {
    const url = urlOf(
      getReportsRequest({
        reportTypes: [REPORT_TYPES.settlementV2],
        processingStatuses: ['DONE'],
        marketplaceIds: ['ATVPDKIKX0DER', 'A2EUQ1WTGCTBG2'],
        pageSize: 100,
        createdSince: new Date('2026-09-01T00:00:00Z'),
      }),
    );
    expect(url.pathname).toBe('/reports/2021-06-30/reports');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      reportTypes: 'GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2',
      processingStatuses: 'DONE',
      marketplaceIds: 'ATVPDKIKX0DER,A2EUQ1WTGCTBG2',
      pageSize: '100',
      createdSince: '2026-09-01T00:00:00.000Z',
    });
  });

  it('sends nextToken alone (Amazon refuses it with other parameters)', () => {
    expect(Object.fromEntries(urlOf(getReportsRequest({ nextToken: 'n+1' })).searchParams)).toEqual({
      nextToken: 'n+1',
    });
  });

  it('reads reports and the next token', async () => {
    const page = await processGetReports(json(200, { reports: [report], nextToken: 'next' }));
    expect(page.nextToken).toBe('next');
    expect(page.reports.map((r) => r.reportId)).toEqual(['R1']);
    expect((await processGetReports(json(200, { reports: [] }))).nextToken).toBeNull();
  });

  it.each([[{}], [{ reports: {} }], [{ reports: [{ reportId: 'x' }] }]])(
    '%j is SPAPI_BAD_RESPONSE',
    async (body) => {
      await expect(processGetReports(json(200, body))).rejects.toMatchObject({ code: 'SPAPI_BAD_RESPONSE' });
    },
  );
});

describe('cancelReportRequest / processCancelReport', () => {
  it('deletes the report', async () => {
    const request = cancelReportRequest('R1');
    expect(request).toMatchObject({ operationId: 'cancelReport', method: 'DELETE' });
    expect(urlOf(request).pathname).toBe('/reports/2021-06-30/reports/R1');
    await expect(processCancelReport(new Response(null, { status: 200 }))).resolves.toBeUndefined();
  });

  it('a report past IN_QUEUE cannot be cancelled: Amazon’s 400 is SPAPI_INVALID_INPUT', async () => {
    await expect(
      processCancelReport(json(400, errors('InvalidInput', 'Only IN_QUEUE reports can be cancelled'))),
    ).rejects.toMatchObject({ code: 'SPAPI_INVALID_INPUT', retryable: false });
  });
});

describe('getReportDocumentRequest / processGetReportDocument', () => {
  it('asks for the document by id', () => {
    const request = getReportDocumentRequest('amzn1.spdoc.1.4.na.x');
    expect(request).toMatchObject({ operationId: 'getReportDocument', method: 'GET' });
    expect(urlOf(request).pathname).toBe('/reports/2021-06-30/documents/amzn1.spdoc.1.4.na.x');
  });

  it.each([
    [{ reportDocumentId: 'D', url: 'https://s3.example/d', compressionAlgorithm: 'GZIP' }, 'GZIP'],
    [{ reportDocumentId: 'D', url: 'https://s3.example/d' }, null],
    [{ reportDocumentId: 'D', url: 'https://s3.example/d', compressionAlgorithm: 'ZSTD' }, null],
  ])('%j → compression %s', async (body, compression) => {
    expect(await processGetReportDocument(json(200, body))).toEqual({
      reportDocumentId: 'D',
      url: 'https://s3.example/d',
      compressionAlgorithm: compression,
    });
  });

  it.each([
    [{ reportDocumentId: 'D' }],
    [{ url: 'https://s3.example/d' }],
    [{ reportDocumentId: 'D', url: 'not a url' }],
    [{ reportDocumentId: 'D', url: 'file:///etc/passwd' }],
  ])('%j is SPAPI_BAD_RESPONSE', async (body) => {
    await expect(processGetReportDocument(json(200, body))).rejects.toMatchObject({
      code: 'SPAPI_BAD_RESPONSE',
    });
  });
});
