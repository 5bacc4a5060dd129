import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE, SECOND, iso } from '../../src/kernel/clock.js';
import { deserializeState, replaceState, serializeState } from '../../src/simulator/persistence.js';
import {
  BY_LAST_UPDATE,
  BY_ORDER_DATE,
  CA,
  DE,
  EU,
  NA,
  REPORTS,
  SALES_AND_TRAFFIC,
  SETTLEMENT,
  START,
  US,
  createReportsWorld,
  expectModel,
  type ReportsWorld,
} from './reports-fixtures.js';

/**
 * Reports API 2021-06-30 behaviour: processing on the simulated clock, the 30-day rule, automatic
 * cancellation without data, cancelReport, getReports' filters and paging, schedules, Amazon's
 * settlement reports, the fault controls, usage plans and persistence.
 */

const errorOf = (body: unknown) => (body as { errors: { code: string; message: string }[] }).errors[0]!;

async function ordersReport(w: ReportsWorld, extra: Record<string, unknown> = {}): Promise<string> {
  return w.create({
    reportType: BY_LAST_UPDATE,
    marketplaceIds: [US],
    dataStartTime: iso(START - 20 * DAY),
    ...extra,
  });
}

describe('processing on the simulated clock', () => {
  it('goes IN_QUEUE → IN_PROGRESS → DONE with times and a document, all per the model', async () => {
    const w = createReportsWorld();
    w.seedOrders(NA, 12);
    const reportId = await ordersReport(w);
    expect(reportId).toMatch(/^\d{11}$/);

    const queued = await w.report(reportId);
    expectModel('getReport', 200, queued);
    expect(queued).toMatchObject({
      reportId,
      reportType: BY_LAST_UPDATE,
      marketplaceIds: [US],
      processingStatus: 'IN_QUEUE',
      createdTime: '2026-11-20T12:00:00+00:00',
      dataEndTime: '2026-11-20T12:00:00+00:00',
    });
    expect(queued.processingStartTime).toBeUndefined();

    w.clock.advance(15 * SECOND);
    const running = await w.report(reportId);
    expectModel('getReport', 200, running);
    expect(running).toMatchObject({
      processingStatus: 'IN_PROGRESS',
      processingStartTime: '2026-11-20T12:00:15+00:00',
    });
    expect(running.processingEndTime).toBeUndefined();
    expect(running.reportDocumentId).toBeUndefined();

    w.clock.advance(120 * SECOND - 1);
    expect((await w.report(reportId)).processingStatus).toBe('IN_PROGRESS');
    w.clock.advance(1);
    const done = await w.report(reportId);
    expectModel('getReport', 200, done);
    expect(done).toMatchObject({
      processingStatus: 'DONE',
      processingStartTime: '2026-11-20T12:00:15+00:00',
      processingEndTime: '2026-11-20T12:02:15+00:00',
    });
    expect(done.reportDocumentId).toMatch(/^amzn1\.spdoc\.1\.4\.na\.[0-9a-f-]{36}\.\d+$/);
  });

  it('follows reportQueueSeconds and reportProcessingSeconds', async () => {
    const w = createReportsWorld({ reportQueueSeconds: 0, reportProcessingSeconds: 600 });
    w.seedOrders(NA, 6);
    const reportId = await ordersReport(w);
    expect((await w.report(reportId)).processingStatus).toBe('IN_PROGRESS');
    w.clock.advance(599 * SECOND);
    expect((await w.report(reportId)).processingStatus).toBe('IN_PROGRESS');
    w.clock.advance(SECOND);
    expect((await w.report(reportId)).processingStatus).toBe('DONE');
  });

  it('freezes the document when the report is first seen done: later orders do not change it', async () => {
    const w = createReportsWorld();
    w.seedOrders(NA, 6, 10, US);
    const reportId = await ordersReport(w);
    w.finishProcessing();
    const done = await w.report(reportId);
    const first = await w.document(done.reportDocumentId as string);
    w.seedOrders(NA, 6, 10, US);
    const again = await w.document(done.reportDocumentId as string);
    expect(again.text).toBe(first.text);
    expect((await w.report(reportId)).reportDocumentId).toBe(done.reportDocumentId);
  });

  it('cancels a report automatically when there is no data (CANCELLED, no document; never DONE_NO_DATA)', async () => {
    const w = createReportsWorld();
    const reportId = await ordersReport(w);
    w.finishProcessing();
    const report = await w.report(reportId);
    expectModel('getReport', 200, report);
    expect(report.processingStatus).toBe('CANCELLED');
    expect(report.reportDocumentId).toBeUndefined();
    expect(report.processingEndTime).toBe('2026-11-20T12:02:15+00:00');
  });

  it('ends an order report over 30 days FATAL, with Amazon\u2019s "Date range exceeded" document', async () => {
    const w = createReportsWorld();
    w.seedOrders(NA, 10, 40);
    const over = await ordersReport(w, { dataStartTime: iso(START - 30 * DAY - SECOND) });
    const exactly = await ordersReport(w, { dataStartTime: iso(START - 30 * DAY) });
    w.finishProcessing();
    const fatal = await w.report(over);
    expectModel('getReport', 200, fatal);
    expect(fatal.processingStatus).toBe('FATAL');
    const document = await w.document(fatal.reportDocumentId as string);
    expect(document.text).toBe('Date range exceeded. Report can be requested only upto 30 days');
    expect((await w.report(exactly)).processingStatus).toBe('DONE');
  });

  it('applies reportMaxRangeDays', async () => {
    const w = createReportsWorld({ reportMaxRangeDays: 7 });
    w.seedOrders(NA, 10, 10);
    const reportId = await ordersReport(w, { dataStartTime: iso(START - 8 * DAY) });
    w.finishProcessing();
    expect((await w.report(reportId)).processingStatus).toBe('FATAL');
  });
});

describe('createReport validation', () => {
  const cases: [string, unknown, RegExp][] = [
    ['no body', '', /JSON object/],
    ['reportType missing', { marketplaceIds: [US] }, /reportType is required/],
    ['marketplaceIds missing', { reportType: BY_LAST_UPDATE }, /marketplaceIds is required/],
    [
      'empty marketplaceIds',
      { reportType: BY_LAST_UPDATE, marketplaceIds: [] },
      /marketplaceIds is required/,
    ],
    [
      'too many marketplaceIds',
      { reportType: BY_LAST_UPDATE, marketplaceIds: Array.from({ length: 26 }, () => US) },
      /at most 25/,
    ],
    [
      'a marketplace of another seller',
      { reportType: BY_LAST_UPDATE, marketplaceIds: [DE] },
      /not a marketplace this seller participates in/,
    ],
    [
      'an unknown marketplace',
      { reportType: BY_LAST_UPDATE, marketplaceIds: ['XYZ'] },
      /not a valid marketplace id/,
    ],
    [
      'a malformed date',
      { reportType: BY_LAST_UPDATE, marketplaceIds: [US], dataStartTime: 'yesterday' },
      /dataStartTime must be an ISO 8601/,
    ],
    [
      'a start in the future',
      { reportType: BY_LAST_UPDATE, marketplaceIds: [US], dataStartTime: iso(START + HOUR) },
      /dataStartTime must be prior to or equal to the current/,
    ],
    [
      'an end in the future',
      {
        reportType: BY_LAST_UPDATE,
        marketplaceIds: [US],
        dataStartTime: iso(START - HOUR),
        dataEndTime: iso(START + HOUR),
      },
      /dataEndTime must be prior/,
    ],
    [
      'a start after the end',
      {
        reportType: BY_LAST_UPDATE,
        marketplaceIds: [US],
        dataStartTime: iso(START - HOUR),
        dataEndTime: iso(START - 2 * HOUR),
      },
      /prior to or equal to dataEndTime/,
    ],
    ['a settlement report', { reportType: SETTLEMENT, marketplaceIds: [US] }, /cannot be requested/],
    [
      'an unsupported report type',
      { reportType: 'GET_MERCHANT_LISTINGS_ALL_DATA', marketplaceIds: [US] },
      /not supported by the simulator/,
    ],
    [
      'a bad dateGranularity',
      { reportType: SALES_AND_TRAFFIC, marketplaceIds: [US], reportOptions: { dateGranularity: 'YEAR' } },
      /dateGranularity must be one of DAY, WEEK, MONTH/,
    ],
    [
      'non-string reportOptions',
      { reportType: SALES_AND_TRAFFIC, marketplaceIds: [US], reportOptions: { a: 1 } },
      /reportOptions/,
    ],
  ];
  it.each(cases)('answers 400 InvalidInput for %s', async (_name, body, message) => {
    const w = createReportsWorld();
    const r = await w.api('POST', `${REPORTS}/reports`, { body });
    expect(r.status).toBe(400);
    expectModel('createReport', 400, r.body);
    expect(errorOf(r.body).code).toBe('InvalidInput');
    expect(errorOf(r.body).message).toMatch(message);
    expect(w.sim.ctx.state.reports.size).toBe(0);
  });

  it('defaults both times to now', async () => {
    const w = createReportsWorld();
    const reportId = await w.create({ reportType: SALES_AND_TRAFFIC, marketplaceIds: [US] });
    expect(await w.report(reportId)).toMatchObject({
      dataStartTime: '2026-11-20T12:00:00+00:00',
      dataEndTime: '2026-11-20T12:00:00+00:00',
    });
  });
});

describe('ownership', () => {
  it('shows a report only to its seller and application, in its region', async () => {
    const w = createReportsWorld();
    w.seedOrders(NA, 4);
    const reportId = await ordersReport(w);
    const draftApp = await w.api('GET', `${REPORTS}/reports/${reportId}`, { token: w.token(NA, 'draft') });
    expect(draftApp.status).toBe(404);
    expectModel('getReport', 404, draftApp.body);
    expect(errorOf(draftApp.body).code).toBe('NotFound');
    const otherSeller = await w.api('GET', `${REPORTS}/reports/${reportId}`, { seller: EU });
    expect(otherSeller.status).toBe(404);
    const unknown = await w.api('GET', `${REPORTS}/reports/12345678901`);
    expect(unknown.status).toBe(404);
    const list = await w.api('GET', `${REPORTS}/reports?reportTypes=${BY_LAST_UPDATE}`, {
      token: w.token(NA, 'draft'),
    });
    expect((list.body as { reports: unknown[] }).reports).toEqual([]);
  });
});

describe('cancelReport', () => {
  it('cancels an IN_QUEUE report (200, no body) and refuses one IN_PROGRESS or DONE with 400', async () => {
    const w = createReportsWorld();
    w.seedOrders(NA, 4);
    const queued = await ordersReport(w);
    const cancelled = await w.api('DELETE', `${REPORTS}/reports/${queued}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toBeUndefined();
    const after = await w.report(queued);
    expectModel('getReport', 200, after);
    expect(after.processingStatus).toBe('CANCELLED');
    expect(after.processingStartTime).toBeUndefined();
    w.finishProcessing();
    expect((await w.report(queued)).processingStatus).toBe('CANCELLED');

    const running = await ordersReport(w);
    w.clock.advance(20 * SECOND);
    const refused = await w.api('DELETE', `${REPORTS}/reports/${running}`);
    expect(refused.status).toBe(400);
    expectModel('cancelReport', 400, refused.body);
    expect(errorOf(refused.body).message).toMatch(
      /processingStatus is IN_PROGRESS.*only reports with processingStatus IN_QUEUE/,
    );
    w.finishProcessing();
    const done = await w.api('DELETE', `${REPORTS}/reports/${running}`);
    expect(done.status).toBe(400);
    expect(errorOf(done.body).message).toMatch(/processingStatus is DONE/);
    expect((await w.api('DELETE', `${REPORTS}/reports/99999999999`)).status).toBe(404);
  });
});

describe('getReports', () => {
  async function threeReports(w: ReportsWorld): Promise<string[]> {
    w.seedOrders(NA, 10);
    const ids: string[] = [];
    for (const type of [BY_LAST_UPDATE, BY_ORDER_DATE, SALES_AND_TRAFFIC]) {
      ids.push(
        await w.create({
          reportType: type,
          marketplaceIds: type === SALES_AND_TRAFFIC ? [CA] : [US],
          dataStartTime: iso(START - 5 * DAY),
        }),
      );
      w.clock.advance(MINUTE);
    }
    return ids;
  }

  it('lists newest first, filtered by report type, status and marketplace', async () => {
    const w = createReportsWorld();
    const [a, b, c] = await threeReports(w);
    const all = await w.api(
      'GET',
      `${REPORTS}/reports?reportTypes=${BY_LAST_UPDATE},${BY_ORDER_DATE},${SALES_AND_TRAFFIC}`,
    );
    expect(all.status).toBe(200);
    expectModel('getReports', 200, all.body);
    const ids = (body: unknown) =>
      (body as { reports: { reportId: string }[] }).reports.map((r) => r.reportId);
    expect(ids(all.body)).toEqual([c, b, a]);
    expect((all.body as { nextToken?: string }).nextToken).toBeUndefined();

    const byType = await w.api('GET', `${REPORTS}/reports?reportTypes=${BY_ORDER_DATE}`);
    expect(ids(byType.body)).toEqual([b]);
    const byMarketplace = await w.api(
      'GET',
      `${REPORTS}/reports?reportTypes=${BY_LAST_UPDATE},${SALES_AND_TRAFFIC}&marketplaceIds=${CA}`,
    );
    expect(ids(byMarketplace.body)).toEqual([c]);
    // a is done after 2 more minutes of the 3 it has had; c is still in the queue.
    const statuses = await w.api(
      'GET',
      `${REPORTS}/reports?reportTypes=${BY_LAST_UPDATE},${BY_ORDER_DATE},${SALES_AND_TRAFFIC}&processingStatuses=DONE`,
    );
    expect(ids(statuses.body)).toEqual([a]);
    const queued = await w.api(
      'GET',
      `${REPORTS}/reports?reportTypes=${BY_LAST_UPDATE},${BY_ORDER_DATE},${SALES_AND_TRAFFIC}&processingStatuses=IN_QUEUE,IN_PROGRESS`,
    );
    expect(ids(queued.body)).toEqual([c, b]);
    const window = await w.api(
      'GET',
      `${REPORTS}/reports?reportTypes=${BY_LAST_UPDATE},${BY_ORDER_DATE},${SALES_AND_TRAFFIC}&createdSince=${iso(START + 30 * SECOND)}&createdUntil=${iso(START + 90 * SECOND)}`,
    );
    expect(ids(window.body)).toEqual([b]);
  });

  it('pages with nextToken, which must be the only parameter', async () => {
    const w = createReportsWorld();
    const [a, b, c] = await threeReports(w);
    const types = `reportTypes=${BY_LAST_UPDATE},${BY_ORDER_DATE},${SALES_AND_TRAFFIC}`;
    const first = await w.api('GET', `${REPORTS}/reports?${types}&pageSize=2`);
    expectModel('getReports', 200, first.body);
    const page1 = first.body as { reports: { reportId: string }[]; nextToken: string };
    expect(page1.reports.map((r) => r.reportId)).toEqual([c, b]);
    // Amazon's alphabet (standard base64 with + / =): sent without percent-encoding, it is refused.
    expect(page1.nextToken).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(page1.nextToken).toMatch(/[+/]/);
    const raw = await w.api('GET', `${REPORTS}/reports?nextToken=${page1.nextToken}`);
    expect(raw.status).toBe(400);
    const mixed = await w.api(
      'GET',
      `${REPORTS}/reports?${types}&nextToken=${encodeURIComponent(page1.nextToken)}`,
    );
    expect(mixed.status).toBe(400);
    expectModel('getReports', 400, mixed.body);
    expect(errorOf(mixed.body).message).toMatch(/nextToken must be the only parameter/);
    const second = await w.api('GET', `${REPORTS}/reports?nextToken=${encodeURIComponent(page1.nextToken)}`);
    expect(second.status).toBe(200);
    const page2 = second.body as { reports: { reportId: string }[]; nextToken?: string };
    expect(page2.reports.map((r) => r.reportId)).toEqual([a]);
    expect(page2.nextToken).toBeUndefined();
    const forged = await w.api(
      'GET',
      `${REPORTS}/reports?nextToken=${encodeURIComponent(`x${page1.nextToken}`)}`,
    );
    expect(forged.status).toBe(400);
    const otherApp = await w.api(
      'GET',
      `${REPORTS}/reports?nextToken=${encodeURIComponent(page1.nextToken)}`,
      {
        token: w.token(NA, 'draft'),
      },
    );
    expect(otherApp.status).toBe(400);
  });

  it('checks its parameters', async () => {
    const w = createReportsWorld();
    const bad: [string, RegExp][] = [
      ['', /Either reportTypes or nextToken is required/],
      [`reportTypes=${Array.from({ length: 11 }, (_, i) => `T${i}`).join(',')}`, /at most 10 report types/],
      [
        `reportTypes=${BY_LAST_UPDATE}&processingStatuses=BAD_VALUE`,
        /processingStatuses contains 'BAD_VALUE'/,
      ],
      [`reportTypes=${BY_LAST_UPDATE}&pageSize=0`, /pageSize must be an integer between 1 and 100/],
      [`reportTypes=${BY_LAST_UPDATE}&pageSize=101`, /pageSize/],
      [
        `reportTypes=${BY_LAST_UPDATE}&marketplaceIds=${Array.from({ length: 11 }, () => US).join(',')}`,
        /at most 10 marketplace ids/,
      ],
      [`reportTypes=${BY_LAST_UPDATE}&createdSince=soon`, /createdSince must be an ISO 8601/],
      [
        `reportTypes=${BY_LAST_UPDATE}&createdSince=${iso(START - HOUR)}&createdUntil=${iso(START - 2 * HOUR)}`,
        /createdUntil must be after createdSince/,
      ],
    ];
    for (const [query, message] of bad) {
      const r = await w.api('GET', `${REPORTS}/reports?${query}`);
      expect(r.status, query).toBe(400);
      expectModel('getReports', 400, r.body);
      expect(errorOf(r.body).message, query).toMatch(message);
    }
  });

  it('defaults pageSize to 10 and keeps reports 90 days, whatever createdSince says', async () => {
    const w = createReportsWorld();
    const old = await w.create({ reportType: SALES_AND_TRAFFIC, marketplaceIds: [US] });
    w.clock.advance(10 * DAY);
    for (let i = 0; i < 11; i++) await w.create({ reportType: SALES_AND_TRAFFIC, marketplaceIds: [US] });
    const page = await w.api('GET', `${REPORTS}/reports?reportTypes=${SALES_AND_TRAFFIC}`);
    expect((page.body as { reports: unknown[] }).reports).toHaveLength(10);
    w.clock.advance(80 * DAY + HOUR);
    const since = iso(START - 365 * DAY);
    const all = await w.api(
      'GET',
      `${REPORTS}/reports?reportTypes=${SALES_AND_TRAFFIC}&pageSize=100&createdSince=${since}`,
    );
    const ids = (all.body as { reports: { reportId: string }[] }).reports.map((r) => r.reportId);
    expect(ids).toHaveLength(11);
    expect(ids).not.toContain(old);
    expect((await w.api('GET', `${REPORTS}/reports/${old}`)).status).toBe(404);
  });
});

describe('schedules', () => {
  it('refuses the order tracking and settlement reports, and types the simulator has no content for', async () => {
    const w = createReportsWorld();
    for (const [reportType, message] of [
      [BY_LAST_UPDATE, /cannot be scheduled/],
      ['GET_XML_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL', /cannot be scheduled/],
      [SETTLEMENT, /cannot be scheduled/],
      ['GET_MERCHANT_LISTINGS_ALL_DATA', /not supported by the simulator/],
    ] as const) {
      const r = await w.api('POST', `${REPORTS}/schedules`, {
        body: { reportType, marketplaceIds: [US], period: 'P1D' },
      });
      expect(r.status, reportType).toBe(400);
      expectModel('createReportSchedule', 400, r.body);
      expect(errorOf(r.body).message).toMatch(message);
    }
    const badPeriod = await w.api('POST', `${REPORTS}/schedules`, {
      body: { reportType: SALES_AND_TRAFFIC, marketplaceIds: [US], period: 'P2W' },
    });
    expect(badPeriod.status).toBe(400);
    expect(errorOf(badPeriod.body).message).toMatch(/period must be one of/);
  });

  it('creates reports every period on the simulated clock, replaces a schedule of the same type and marketplaces, and cancels', async () => {
    const w = createReportsWorld();
    w.seedOrders(NA, 10, 5, US);
    const created = await w.api('POST', `${REPORTS}/schedules`, {
      body: {
        reportType: SALES_AND_TRAFFIC,
        marketplaceIds: [US],
        period: 'P1D',
        nextReportCreationTime: iso(START + HOUR),
      },
    });
    expect(created.status).toBe(201);
    expectModel('createReportSchedule', 201, created.body);
    const { reportScheduleId } = created.body as { reportScheduleId: string };

    const one = await w.api('GET', `${REPORTS}/schedules/${reportScheduleId}`);
    expectModel('getReportSchedule', 200, one.body);
    expect(one.body).toEqual({
      reportScheduleId,
      reportType: SALES_AND_TRAFFIC,
      marketplaceIds: [US],
      period: 'P1D',
      nextReportCreationTime: '2026-11-20T13:00:00+00:00',
    });

    w.clock.advance(2 * DAY + 2 * HOUR);
    const list = await w.api('GET', `${REPORTS}/reports?reportTypes=${SALES_AND_TRAFFIC}`);
    const reports = (list.body as { reports: Record<string, unknown>[] }).reports;
    expect(reports.map((r) => r.createdTime)).toEqual([
      '2026-11-22T13:00:00+00:00',
      '2026-11-21T13:00:00+00:00',
      '2026-11-20T13:00:00+00:00',
    ]);
    expect(
      reports.every((r) => r.reportScheduleId === reportScheduleId && r.processingStatus === 'DONE'),
    ).toBe(true);
    expect(reports[0]).toMatchObject({
      dataStartTime: '2026-11-21T13:00:00+00:00',
      dataEndTime: '2026-11-22T13:00:00+00:00',
    });

    const replaced = await w.api('POST', `${REPORTS}/schedules`, {
      body: { reportType: SALES_AND_TRAFFIC, marketplaceIds: [US], period: 'P7D' },
    });
    const newId = (replaced.body as { reportScheduleId: string }).reportScheduleId;
    expect((await w.api('GET', `${REPORTS}/schedules/${reportScheduleId}`)).status).toBe(404);
    const schedules = await w.api('GET', `${REPORTS}/schedules?reportTypes=${SALES_AND_TRAFFIC}`);
    expectModel('getReportSchedules', 200, schedules.body);
    expect(
      (schedules.body as { reportSchedules: { reportScheduleId: string }[] }).reportSchedules.map(
        (s) => s.reportScheduleId,
      ),
    ).toEqual([newId]);

    const cancelled = await w.api('DELETE', `${REPORTS}/schedules/${newId}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toBeUndefined();
    expect((await w.api('GET', `${REPORTS}/schedules/${newId}`)).status).toBe(404);
    expect((await w.api('DELETE', `${REPORTS}/schedules/${newId}`)).status).toBe(404);
    const noTypes = await w.api('GET', `${REPORTS}/schedules`);
    expect(noTypes.status).toBe(400);
  });
});

describe("Amazon's settlement reports", () => {
  it('appear after each 14-day period ends, DONE, with the schedule getReportSchedules lists (not cancellable)', async () => {
    const w = createReportsWorld();
    // Periods run from 2026-01-01 in 14-day steps: 2026-11-19 ends one before START, 2026-12-03 the next.
    const before = await w.api(
      'GET',
      `${REPORTS}/reports?reportTypes=${SETTLEMENT}&marketplaceIds=${US}&pageSize=100`,
    );
    const ends = (body: unknown) =>
      (body as { reports: { dataEndTime: string }[] }).reports.map((r) => r.dataEndTime);
    expect(ends(before.body)).not.toContain('2026-12-03T00:00:00+00:00');
    expect(ends(before.body)[0]).toBe('2026-11-19T00:00:00+00:00');
    // 90 days of retention: the periods ending 2026-08-27 … 2026-11-19.
    expect(ends(before.body)).toHaveLength(7);

    w.clock.set(Date.UTC(2026, 11, 3, 0, 0, 0) - 1);
    const justBefore = await w.api(
      'GET',
      `${REPORTS}/reports?reportTypes=${SETTLEMENT}&marketplaceIds=${US}`,
    );
    expect(ends(justBefore.body)).not.toContain('2026-12-03T00:00:00+00:00');
    w.clock.advance(1);
    const after = await w.api('GET', `${REPORTS}/reports?reportTypes=${SETTLEMENT}&marketplaceIds=${US}`);
    expectModel('getReports', 200, after.body);
    const latest = (after.body as { reports: Record<string, unknown>[] }).reports[0]!;
    expect(latest).toMatchObject({
      reportType: SETTLEMENT,
      marketplaceIds: [US],
      processingStatus: 'DONE',
      dataStartTime: '2026-11-19T00:00:00+00:00',
      dataEndTime: '2026-12-03T00:00:00+00:00',
      createdTime: '2026-12-03T00:00:00+00:00',
    });
    expect(latest.reportDocumentId).toBeTruthy();

    const schedules = await w.api('GET', `${REPORTS}/schedules?reportTypes=${SETTLEMENT}`);
    expectModel('getReportSchedules', 200, schedules.body);
    const list = (schedules.body as { reportSchedules: Record<string, unknown>[] }).reportSchedules;
    expect(list).toHaveLength(3);
    const us = list.find((s) => (s.marketplaceIds as string[])[0] === US)!;
    expect(us).toMatchObject({ period: 'P14D', nextReportCreationTime: '2026-12-17T00:00:00+00:00' });
    expect(latest.reportScheduleId).toBe(us.reportScheduleId);
    const refused = await w.api('DELETE', `${REPORTS}/schedules/${us.reportScheduleId as string}`);
    expect(refused.status).toBe(400);
    expect(errorOf(refused.body).message).toMatch(/cannot be cancelled/);
    // Every application of the seller sees them.
    const draft = await w.api('GET', `${REPORTS}/reports/${latest.reportId as string}`, {
      token: w.token(NA, 'draft'),
    });
    expect(draft.status).toBe(200);
  });

  it('follows settlementPeriodDays', async () => {
    const w = createReportsWorld({ settlementPeriodDays: 7 });
    const r = await w.api('GET', `${REPORTS}/schedules?reportTypes=${SETTLEMENT}`);
    expect((r.body as { reportSchedules: { period: string }[] }).reportSchedules[0]!.period).toBe('P7D');
  });
});

describe('fault controls', () => {
  it('fatal: reports created afterwards end FATAL with an error document', async () => {
    const w = createReportsWorld();
    w.seedOrders(NA, 6);
    const rule = await w.control('POST', '/_sim/reports/behaviour', { outcome: 'fatal', count: 1 });
    expect(rule.status).toBe(201);
    const failed = await ordersReport(w);
    const normal = await ordersReport(w);
    w.finishProcessing();
    const report = await w.report(failed);
    expect(report.processingStatus).toBe('FATAL');
    expect((await w.document(report.reportDocumentId as string)).text).toMatch(/simulated FATAL/);
    expect((await w.report(normal)).processingStatus).toBe('DONE');
  });

  it('stuck: stays IN_PROGRESS forever; slow: takes processingSeconds; filters by type and seller', async () => {
    const w = createReportsWorld();
    w.seedOrders(NA, 6);
    w.seedOrders(EU, 6);
    await w.control('POST', '/_sim/reports/behaviour', { outcome: 'stuck', reportType: BY_ORDER_DATE });
    await w.control('POST', '/_sim/reports/behaviour', {
      outcome: 'slow',
      processingSeconds: 3600,
      sellingPartnerId: EU,
    });
    const stuck = await w.create({
      reportType: BY_ORDER_DATE,
      marketplaceIds: [US],
      dataStartTime: iso(START - 10 * DAY),
    });
    const normal = await ordersReport(w);
    const slow = await w.create(
      { reportType: BY_LAST_UPDATE, marketplaceIds: [DE], dataStartTime: iso(START - 20 * DAY) },
      EU,
    );
    w.finishProcessing();
    expect((await w.report(normal)).processingStatus).toBe('DONE');
    expect((await w.report(slow, EU)).processingStatus).toBe('IN_PROGRESS');
    w.clock.advance(30 * DAY);
    expect((await w.report(stuck)).processingStatus).toBe('IN_PROGRESS');
    expect((await w.report(slow, EU)).processingStatus).toBe('DONE');
    const cancel = await w.api('DELETE', `${REPORTS}/reports/${stuck}`);
    expect(cancel.status).toBe(400);
    const listed = await w.control('GET', '/_sim/reports?sellingPartnerId=' + NA);
    expect(
      (listed.body as { reports: { reportId: string; processingStatus: string }[] }).reports,
    ).toContainEqual(expect.objectContaining({ reportId: stuck, processingStatus: 'IN_PROGRESS' }));
    expect((await w.control('DELETE', '/_sim/reports/behaviour')).body).toEqual({ removed: 2 });
  });

  it('validates its bodies with clear 400s', async () => {
    const w = createReportsWorld();
    const bad: [unknown, string][] = [
      [{}, 'outcome'],
      [{ outcome: 'explode' }, 'outcome'],
      [{ outcome: 'stuck', processingSeconds: 5 }, 'processingSeconds'],
      [{ outcome: 'slow', processingSeconds: -1 }, 'processingSeconds'],
      [{ outcome: 'fatal', count: 0 }, 'count'],
      [{ outcome: 'fatal', reportType: SETTLEMENT }, 'reportType'],
      [{ outcome: 'fatal', sellingPartnerId: 'NOBODY' }, 'sellingPartnerId'],
      [{ outcome: 'fatal', extra: 1 }, 'extra'],
    ];
    for (const [body, field] of bad) {
      const r = await w.control('POST', '/_sim/reports/behaviour', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body).toMatchObject({ error: 'invalid_request', field });
    }
    expect(w.sim.ctx.state.reportBehaviours).toEqual([]);
  });

  it('reset removes a seller\u2019s reports, documents and schedules', async () => {
    const w = createReportsWorld();
    w.seedOrders(NA, 6);
    const id = await ordersReport(w);
    w.finishProcessing();
    await w.report(id);
    const r = await w.control('POST', '/_sim/reports/reset', { sellingPartnerId: NA });
    expect(r.status).toBe(200);
    expect((r.body as { removed: { reports: number; documents: number } }).removed).toMatchObject({
      documents: 1,
    });
    expect((await w.api('GET', `${REPORTS}/reports/${id}`)).status).toBe(404);
  });
});

describe('usage plans', () => {
  it('throttles createReport after a burst of 15 with the pipeline\u2019s 429, and getReport at 2 rps', async () => {
    const w = createReportsWorld();
    const token = w.token();
    const statuses: number[] = [];
    for (let i = 0; i < 16; i++) {
      const r = await w.api('POST', `${REPORTS}/reports`, {
        token,
        keepRealClock: true,
        body: { reportType: SALES_AND_TRAFFIC, marketplaceIds: [US] },
      });
      statuses.push(r.status);
      if (r.status === 202) expect(r.headers.get('x-amzn-RateLimit-Limit')).toBe('0.0167');
      if (r.status === 429) {
        expectModel('createReport', 429, r.body);
        expect(errorOf(r.body).code).toBe('QuotaExceeded');
      }
    }
    expect(statuses).toEqual([...Array<number>(15).fill(202), 429]);
    const id = [...w.sim.ctx.state.reports.keys()][0]!;
    const gets: number[] = [];
    for (let i = 0; i < 16; i++)
      gets.push((await w.api('GET', `${REPORTS}/reports/${id}`, { token, keepRealClock: true })).status);
    expect(gets).toEqual([...Array<number>(15).fill(200), 429]);
    w.realClock.advance(500);
    expect((await w.api('GET', `${REPORTS}/reports/${id}`, { token, keepRealClock: true })).status).toBe(200);
  });
});

describe('persistence', () => {
  it('a saved and loaded state serves the same reports, documents and schedules', async () => {
    const w = createReportsWorld({ reportGzipMinBytes: 0 });
    w.seedOrders(NA, 8);
    const id = await ordersReport(w);
    w.finishProcessing();
    const done = await w.report(id);
    const before = await w.document(done.reportDocumentId as string);
    const saved = JSON.parse(JSON.stringify(serializeState(w.sim.ctx.state))) as unknown;

    const loaded = createReportsWorld({ reportGzipMinBytes: 0 });
    replaceState(loaded.sim.ctx.state, deserializeState(saved));
    loaded.authorizations[NA] = loaded.sim.ctx.state.authorizations.get(w.authorizations[NA]!.id)!;
    loaded.clock.set(w.clock.now());
    expect(await loaded.report(id)).toEqual(done);
    const after = await loaded.document(done.reportDocumentId as string);
    expect(after.bytes.equals(before.bytes)).toBe(true);
    expect(after.text).toBe(before.text);
  });
});
