import { DAY, HOUR, MINUTE } from '../kernel/clock.js';
import type { SimContext } from './context.js';
import { isoOffset } from './reports-catalog.js';
import { ensureSettlements } from './reports-settlement.js';
import { addReport, newNumericId, ownedBy, REPORT_RETENTION_MS, type ReportOwner } from './reports-store.js';
import type { SimReportSchedule } from './state.js';

/**
 * Report schedules (https://developer-docs.amazon.com/sp-api/docs/reports-api-v2021-06-30-reference#createreportschedule):
 * a schedule creates a report every `period`, starting at `nextReportCreationTime`. Like the
 * settlements, its reports appear lazily: whenever the owner's reports are looked at, every
 * creation time that has passed (within the 90-day retention) gets its report, whose data covers
 * the period before it.
 */

/** The periods of the model's `CreateReportScheduleSpecification.period` enum. */
export const SCHEDULE_PERIODS = [
  'PT5M',
  'PT15M',
  'PT30M',
  'PT1H',
  'PT2H',
  'PT4H',
  'PT8H',
  'PT12H',
  'P1D',
  'P2D',
  'P3D',
  'PT84H',
  'P7D',
  'P14D',
  'P15D',
  'P18D',
  'P30D',
  'P1M',
] as const;

/** The length of a fixed period (every one but `P1M`), or null for calendar months. */
export function periodLength(period: string): number | null {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(period);
  if (!m || period === 'P1M') return null;
  return Number(m[1] ?? 0) * DAY + Number(m[2] ?? 0) * HOUR + Number(m[3] ?? 0) * MINUTE;
}

/** The time one period after `at`. */
export function afterPeriod(period: string, at: number): number {
  const fixed = periodLength(period);
  if (fixed !== null) return at + fixed;
  const d = new Date(at);
  d.setUTCMonth(d.getUTCMonth() + 1);
  return d.getTime();
}

/** The time one period before `at`. */
function beforePeriod(period: string, at: number): number {
  const fixed = periodLength(period);
  if (fixed !== null) return at - fixed;
  const d = new Date(at);
  d.setUTCMonth(d.getUTCMonth() - 1);
  return d.getTime();
}

/** What createReportSchedule was given, checked. */
export interface NewSchedule {
  reportType: string;
  marketplaceIds: string[];
  reportOptions?: Record<string, string>;
  period: string;
  nextReportAt: number;
}

const sameSet = (a: string[], b: string[]): boolean =>
  a.length === b.length && [...a].sort().every((v, i) => v === [...b].sort()[i]);

/**
 * Adds a schedule; one of the owner's with the same report type and marketplaces is cancelled and
 * replaced (model: createReportSchedule). Reports it already made stay.
 */
export function addSchedule(ctx: SimContext, owner: ReportOwner, input: NewSchedule): SimReportSchedule {
  materializeSchedules(ctx, owner);
  for (const existing of [...ctx.state.reportSchedules.values()]) {
    if (
      existing.appId === owner.appId &&
      ownedBy(existing, owner) &&
      existing.reportType === input.reportType &&
      sameSet(existing.marketplaceIds, input.marketplaceIds)
    ) {
      ctx.state.reportSchedules.delete(existing.reportScheduleId);
    }
  }
  const schedule: SimReportSchedule = {
    reportScheduleId: newNumericId(ctx, ctx.state.reportSchedules),
    sellingPartnerId: owner.sellingPartnerId,
    appId: owner.appId,
    region: owner.region,
    reportType: input.reportType,
    marketplaceIds: [...input.marketplaceIds],
    period: input.period,
    nextReportAt: input.nextReportAt,
    createdAt: ctx.clock.now(),
  };
  if (input.reportOptions !== undefined) schedule.reportOptions = { ...input.reportOptions };
  ctx.state.reportSchedules.set(schedule.reportScheduleId, schedule);
  return schedule;
}

/** Skips creation times older than the retention without making their (already gone) reports. */
function skipExpired(schedule: SimReportSchedule, horizon: number): void {
  const fixed = periodLength(schedule.period);
  if (fixed !== null && fixed > 0 && schedule.nextReportAt < horizon) {
    schedule.nextReportAt += Math.ceil((horizon - schedule.nextReportAt) / fixed) * fixed;
  }
  while (schedule.nextReportAt < horizon)
    schedule.nextReportAt = afterPeriod(schedule.period, schedule.nextReportAt);
}

/** Creates the reports of the owner's own schedules whose creation times have passed. */
export function materializeSchedules(ctx: SimContext, owner: ReportOwner): void {
  const now = ctx.clock.now();
  for (const schedule of ctx.state.reportSchedules.values()) {
    if (schedule.appId === null || !ownedBy(schedule, owner)) continue;
    skipExpired(schedule, now - REPORT_RETENTION_MS);
    while (schedule.nextReportAt <= now) {
      const at = schedule.nextReportAt;
      addReport(ctx, {
        owner: {
          sellingPartnerId: schedule.sellingPartnerId,
          appId: schedule.appId,
          region: schedule.region,
        },
        reportType: schedule.reportType,
        marketplaceIds: schedule.marketplaceIds,
        ...(schedule.reportOptions === undefined ? {} : { reportOptions: schedule.reportOptions }),
        dataStartTime: beforePeriod(schedule.period, at),
        dataEndTime: at,
        createdAt: at,
        reportScheduleId: schedule.reportScheduleId,
      });
      schedule.nextReportAt = afterPeriod(schedule.period, at);
    }
  }
}

/** Brings an owner's reports up to now: Amazon's settlements and the owner's scheduled reports. */
export function refreshReports(ctx: SimContext, owner: ReportOwner): void {
  ensureSettlements(ctx, owner);
  materializeSchedules(ctx, owner);
}

/** The model's `ReportSchedule` object. */
export function scheduleView(schedule: SimReportSchedule): Record<string, unknown> {
  const view: Record<string, unknown> = {
    reportScheduleId: schedule.reportScheduleId,
    reportType: schedule.reportType,
    marketplaceIds: [...schedule.marketplaceIds],
  };
  if (schedule.reportOptions !== undefined) view.reportOptions = { ...schedule.reportOptions };
  view.period = schedule.period;
  view.nextReportCreationTime = isoOffset(schedule.nextReportAt);
  return view;
}
