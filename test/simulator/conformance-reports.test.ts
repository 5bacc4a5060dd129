import { afterAll, describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE, SECOND, iso } from '../../src/kernel/clock.js';
import { createConformanceRecorder, type CheckedResponse } from '../support/spapi-schemas.js';
import {
  createConformanceWorld,
  describeCall,
  START,
  schemas,
  US,
  type CallOptions,
} from './conformance-fixtures.js';

/**
 * Reports API 2021-06-30: every operation's answers (202, 201, 200, 400, 404, 429) and a report in
 * every processing status (IN_QUEUE, IN_PROGRESS, DONE, CANCELLED, FATAL) validate against the
 * model's schema for the operation and status.
 */

const recorder = createConformanceRecorder(schemas);
const REPORTS = '/reports/2021-06-30';
const BY_LAST_UPDATE = 'GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL';
const SALES_AND_TRAFFIC = 'GET_SALES_AND_TRAFFIC_REPORT';
const SETTLEMENT = 'GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2';

/** A world with NA orders whose real clock jumps before each call, so usage plans never throttle. */
function reportsWorld() {
  const w = createConformanceWorld(recorder);
  w.seedOrders('NA', 20);
  const call = (method: string, path: string, options: CallOptions = {}) => {
    w.realClock.advance(HOUR);
    return w.call(method, path, options);
  };
  const create = async (body: Record<string, unknown>) => {
    const r = await call('POST', `${REPORTS}/reports`, { body });
    expectConforms(r, 202);
    return (r.body as { reportId: string }).reportId;
  };
  return { ...w, call, create };
}

function expectConforms(r: CheckedResponse, status: number): void {
  expect(r.status, describeCall(r)).toBe(status);
  expect(r.errors, describeCall(r)).toEqual([]);
}

afterAll(() => {
  console.log(`conformance (reports):\n${recorder.summary()}`);
});

describe('conformance: Reports reports', () => {
  it('a report in every processing status, through getReport and getReports', async () => {
    const w = reportsWorld();
    const start = iso(START - 9 * DAY);
    const done = await w.create({ reportType: BY_LAST_UPDATE, marketplaceIds: [US], dataStartTime: start });
    const empty = await w.create({
      reportType: BY_LAST_UPDATE,
      marketplaceIds: [US],
      dataStartTime: iso(START - 200 * DAY),
      dataEndTime: iso(START - 190 * DAY),
    });
    const fatal = await w.create({
      reportType: BY_LAST_UPDATE,
      marketplaceIds: [US],
      dataStartTime: iso(START - 60 * DAY),
    });
    const cancelled = await w.create({ reportType: SALES_AND_TRAFFIC, marketplaceIds: [US] });
    expectConforms(await w.call('DELETE', `${REPORTS}/reports/${cancelled}`), 200);

    const status = async (id: string) => {
      const r = await w.call('GET', `${REPORTS}/reports/${id}`);
      expectConforms(r, 200);
      return (r.body as { processingStatus: string }).processingStatus;
    };
    expect(await status(done)).toBe('IN_QUEUE');
    w.clock.advance(20 * SECOND);
    expect(await status(done)).toBe('IN_PROGRESS');
    w.clock.advance(5 * MINUTE);
    expect(await status(done)).toBe('DONE');
    expect(await status(empty)).toBe('CANCELLED');
    expect(await status(fatal)).toBe('FATAL');
    expect(await status(cancelled)).toBe('CANCELLED');

    const inQueue = await w.create({ reportType: SALES_AND_TRAFFIC, marketplaceIds: [US] });
    const list = await w.call(
      'GET',
      `${REPORTS}/reports?reportTypes=${BY_LAST_UPDATE},${SALES_AND_TRAFFIC}&pageSize=2`,
    );
    expectConforms(list, 200);
    let token = (list.body as { nextToken?: string }).nextToken;
    const statuses = new Set(
      (list.body as { reports: { processingStatus: string }[] }).reports.map((r) => r.processingStatus),
    );
    while (token) {
      const page = await w.call('GET', `${REPORTS}/reports?nextToken=${encodeURIComponent(token)}`);
      expectConforms(page, 200);
      for (const r of (page.body as { reports: { processingStatus: string }[] }).reports)
        statuses.add(r.processingStatus);
      token = (page.body as { nextToken?: string }).nextToken;
    }
    expect([...statuses].sort()).toEqual(['CANCELLED', 'DONE', 'FATAL', 'IN_QUEUE']);
    expect(await status(inQueue)).toBe('IN_QUEUE');
  });

  it('400 and 404 answers', async () => {
    const w = reportsWorld();
    for (const body of [
      '{',
      {},
      { reportType: SETTLEMENT, marketplaceIds: [US] },
      { reportType: BY_LAST_UPDATE, marketplaceIds: ['A1PA6795UKMFR9'] },
    ]) {
      expectConforms(await w.call('POST', `${REPORTS}/reports`, { body }), 400);
    }
    expectConforms(await w.call('GET', `${REPORTS}/reports`), 400);
    expectConforms(
      await w.call('GET', `${REPORTS}/reports?reportTypes=${BY_LAST_UPDATE}&processingStatuses=BAD_VALUE`),
      400,
    );
    expectConforms(await w.call('GET', `${REPORTS}/reports?nextToken=garbage`), 400);
    expectConforms(await w.call('GET', `${REPORTS}/reports/12345678901`), 404);
    expectConforms(await w.call('DELETE', `${REPORTS}/reports/12345678901`), 404);
    const running = await w.create({ reportType: SALES_AND_TRAFFIC, marketplaceIds: [US] });
    w.clock.advance(MINUTE);
    expectConforms(await w.call('DELETE', `${REPORTS}/reports/${running}`), 400);
  });

  it('429 from the usage plan of getReport (2 rps, burst 15)', async () => {
    const w = reportsWorld();
    const id = await w.create({ reportType: SALES_AND_TRAFFIC, marketplaceIds: [US] });
    const burst: CheckedResponse[] = [];
    for (let i = 0; i < 16; i++) burst.push(await rawCall(w, `${REPORTS}/reports/${id}`));
    expectConforms(burst.at(-1)!, 429);
    for (const r of burst.slice(0, 15)) expectConforms(r, 200);
  });
});

/** A seller call that leaves the real clock alone, so the usage plan applies. */
function rawCall(w: ReturnType<typeof reportsWorld>, path: string): Promise<CheckedResponse> {
  const headers = new Headers({ 'x-amz-access-token': w.tokens.NA });
  return recorder.check(new Request(`https://sellingpartnerapi-na.amazon.com${path}`, { headers }), (r) =>
    w.sim.fetch(r),
  );
}

describe('conformance: Reports documents', () => {
  it('200 plain and GZIP, with and without enableContentEncodingUrlHeader; 400 and 404', async () => {
    for (const reportGzipMinBytes of [-1, 0]) {
      const w = createConformanceWorld(recorder, { reportGzipMinBytes });
      w.seedOrders('NA', 10);
      w.realClock.advance(HOUR);
      const created = await w.call('POST', `${REPORTS}/reports`, {
        body: { reportType: BY_LAST_UPDATE, marketplaceIds: [US], dataStartTime: iso(START - 9 * DAY) },
      });
      w.clock.advance(10 * MINUTE);
      w.realClock.advance(HOUR);
      const report = await w.call(
        'GET',
        `${REPORTS}/reports/${(created.body as { reportId: string }).reportId}`,
      );
      const documentId = (report.body as { reportDocumentId: string }).reportDocumentId;
      for (const query of [
        '',
        '?enableContentEncodingUrlHeader=true',
        '?enableContentEncodingUrlHeader=false',
      ]) {
        w.realClock.advance(HOUR);
        const r = await w.call('GET', `${REPORTS}/documents/${documentId}${query}`);
        expectConforms(r, 200);
        expect('compressionAlgorithm' in (r.body as object)).toBe(reportGzipMinBytes === 0);
      }
      w.realClock.advance(HOUR);
      expectConforms(
        await w.call('GET', `${REPORTS}/documents/${documentId}?enableContentEncodingUrlHeader=1`),
        400,
      );
      w.realClock.advance(HOUR);
      expectConforms(await w.call('GET', `${REPORTS}/documents/amzn1.spdoc.1.4.na.nothing.1`), 404);
    }
  });
});

describe('conformance: Reports schedules', () => {
  it('201, 200, 400 and 404 answers, including Amazon\u2019s settlement schedule', async () => {
    const w = reportsWorld();
    const created = await w.call('POST', `${REPORTS}/schedules`, {
      body: {
        reportType: SALES_AND_TRAFFIC,
        marketplaceIds: [US],
        period: 'PT12H',
        reportOptions: { dateGranularity: 'DAY' },
      },
    });
    expectConforms(created, 201);
    const id = (created.body as { reportScheduleId: string }).reportScheduleId;
    expectConforms(await w.call('GET', `${REPORTS}/schedules/${id}`), 200);
    const list = await w.call('GET', `${REPORTS}/schedules?reportTypes=${SALES_AND_TRAFFIC},${SETTLEMENT}`);
    expectConforms(list, 200);
    const schedules = (list.body as { reportSchedules: { reportScheduleId: string; reportType: string }[] })
      .reportSchedules;
    expect(schedules.map((s) => s.reportType).sort()).toEqual([
      SALES_AND_TRAFFIC,
      SETTLEMENT,
      SETTLEMENT,
      SETTLEMENT,
    ]);
    const settlement = schedules.find((s) => s.reportType === SETTLEMENT)!;
    expectConforms(await w.call('GET', `${REPORTS}/schedules/${settlement.reportScheduleId}`), 200);
    expectConforms(await w.call('DELETE', `${REPORTS}/schedules/${settlement.reportScheduleId}`), 400);
    expectConforms(await w.call('DELETE', `${REPORTS}/schedules/${id}`), 200);
    expectConforms(await w.call('GET', `${REPORTS}/schedules/${id}`), 404);
    expectConforms(await w.call('DELETE', `${REPORTS}/schedules/${id}`), 404);
    expectConforms(await w.call('GET', `${REPORTS}/schedules`), 400);
    for (const body of [
      {},
      { reportType: BY_LAST_UPDATE, marketplaceIds: [US], period: 'P1D' },
      { reportType: SALES_AND_TRAFFIC, marketplaceIds: [US], period: 'P9D' },
    ]) {
      expectConforms(await w.call('POST', `${REPORTS}/schedules`, { body }), 400);
    }
    // The settlement reports the schedule made.
    const settlements = await w.call('GET', `${REPORTS}/reports?reportTypes=${SETTLEMENT}&pageSize=100`);
    expectConforms(settlements, 200);
    expect((settlements.body as { reports: unknown[] }).reports.length).toBeGreaterThan(0);
  });
});

describe('conformance: Reports model properties', () => {
  it('sends no property the model does not declare (in any call of this file)', () => {
    const undeclared = recorder.calls.flatMap((c) =>
      c.undeclared.map((u) => `${c.operation} ${c.status} ${u}`),
    );
    expect([...new Set(undeclared)]).toEqual([]);
    const seen = new Set(recorder.calls.map((c) => `${c.operation} ${c.status}`));
    for (const expected of [
      'reports_2021-06-30 createReport 202',
      'reports_2021-06-30 createReport 400',
      'reports_2021-06-30 getReport 200',
      'reports_2021-06-30 getReport 404',
      'reports_2021-06-30 getReport 429',
      'reports_2021-06-30 getReports 200',
      'reports_2021-06-30 getReports 400',
      'reports_2021-06-30 cancelReport 200',
      'reports_2021-06-30 cancelReport 400',
      'reports_2021-06-30 cancelReport 404',
      'reports_2021-06-30 getReportDocument 200',
      'reports_2021-06-30 getReportDocument 400',
      'reports_2021-06-30 getReportDocument 404',
      'reports_2021-06-30 getReportSchedules 200',
      'reports_2021-06-30 getReportSchedules 400',
      'reports_2021-06-30 createReportSchedule 201',
      'reports_2021-06-30 createReportSchedule 400',
      'reports_2021-06-30 getReportSchedule 200',
      'reports_2021-06-30 getReportSchedule 404',
      'reports_2021-06-30 cancelReportSchedule 200',
      'reports_2021-06-30 cancelReportSchedule 400',
      'reports_2021-06-30 cancelReportSchedule 404',
    ]) {
      expect(seen, expected).toContain(expected);
    }
  });
});
