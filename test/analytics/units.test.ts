import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { dailyCsv } from '../../src/analytics/csv.js';
import { addDays, checkRange, daysBetween, isDay } from '../../src/analytics/days.js';
import type { DailyRow } from '../../src/analytics/queries.js';
import { rangeToRequest } from '../../src/analytics/sales-traffic-report.js';
import { parseSalesAndTraffic } from '../../src/analytics/sales-traffic.js';

/** The pure parts of analytics: days, ranges, the report's JSON, the CSV. */
describe('analytics days and ranges', () => {
  it('accepts real calendar days only', () => {
    expect(isDay('2026-02-28')).toBe(true);
    expect(isDay('2028-02-29')).toBe(true);
    for (const bad of ['2026-02-30', '2026-13-01', '26-01-01', '2026-1-1', 'yesterday', '0999-12-31'])
      expect(isDay(bad), bad).toBe(false);
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(daysBetween('2026-03-01', '2026-03-30')).toBe(30);
  });

  it('fills a range and refuses bad ones with the field', () => {
    expect(checkRange({}, '2026-03-30')).toEqual({ from: '2026-03-01', to: '2026-03-30' });
    expect(checkRange({ from: '2026-03-10', to: '2026-03-10' }, '2026-03-30')).toEqual({
      from: '2026-03-10',
      to: '2026-03-10',
    });
    expect(() => checkRange({ from: '2026-03-31', to: '2026-03-01' }, 'x')).toThrow(
      /from: 2026-03-31 is after/,
    );
    expect(() => checkRange({ to: '2026-02-30' }, 'x')).toThrow(/^to: enter a date/);
    expect(() => checkRange({ from: '2020-01-01', to: '2026-01-01' }, 'x')).toThrow(/at most 731 days/);
  });

  it('asks for the lookback first, then the days after the latest stored one and the last few again', () => {
    const now = Date.parse('2026-03-31T10:00:00Z');
    const settings = { initialLookbackDays: 30, refreshDays: 3 };
    expect(rangeToRequest(settings, null, now)).toEqual({ start: '2026-03-01', end: '2026-03-30' });
    // Up to date: the last 3 days again (Amazon revises them).
    expect(rangeToRequest(settings, '2026-03-30', now)).toEqual({ start: '2026-03-28', end: '2026-03-30' });
    // Behind by ten days: everything not yet stored.
    expect(rangeToRequest(settings, '2026-03-20', now)).toEqual({ start: '2026-03-21', end: '2026-03-30' });
    // Never more than two years back.
    expect(rangeToRequest({ initialLookbackDays: 5000, refreshDays: 3 }, null, now)?.start).toBe(
      '2024-04-01',
    );
  });
});

describe('the sales and traffic document', () => {
  const document = {
    reportSpecification: { reportType: 'GET_SALES_AND_TRAFFIC_REPORT' },
    salesAndTrafficByDate: [
      {
        date: '2026-03-02',
        salesByDate: {
          orderedProductSales: { amount: 12.5, currencyCode: 'USD' },
          unitsOrdered: 2,
          totalOrderItems: 1,
        },
        trafficByDate: { sessions: 40, pageViews: 61, unitSessionPercentage: 5 },
      },
      {
        date: '2026-03-01',
        salesByDate: {
          orderedProductSales: { amount: 0, currencyCode: 'USD' },
          unitsOrdered: 0,
          totalOrderItems: 0,
        },
        trafficByDate: { sessions: 33, pageViews: 50 },
      },
      { date: 'not a day', salesByDate: {} },
    ],
    salesAndTrafficByAsin: [],
  };

  it('reads one row per day, in order, ignoring what it does not store', () => {
    const days = parseSalesAndTraffic(`\uFEFF${JSON.stringify(document)}`);
    expect(days).toEqual([
      {
        day: '2026-03-01',
        salesAmount: '0',
        currency: 'USD',
        unitsOrdered: 0,
        totalOrderItems: 0,
        sessions: 33,
        pageViews: 50,
        unitSessionPercentage: null,
      },
      {
        day: '2026-03-02',
        salesAmount: '12.5',
        currency: 'USD',
        unitsOrdered: 2,
        totalOrderItems: 1,
        sessions: 40,
        pageViews: 61,
        unitSessionPercentage: 5,
      },
    ]);
  });

  it('refuses what is not a sales and traffic document', () => {
    expect(() => parseSalesAndTraffic('Date range exceeded')).toThrow(/not JSON/);
    expect(() => parseSalesAndTraffic('{"errorDetails":"x"}')).toThrow(/no salesAndTrafficByDate/);
  });
});

describe('the CSV', () => {
  it('has a header row, one row per day, and neutralises formulas', () => {
    const row: DailyRow = {
      date: '2026-03-01',
      marketplaceId: 'ATVPDKIKX0DER',
      orderedProductSales: { amount: '-12.50', currencyCode: '=HYPERLINK("x")' },
      unitsOrdered: 3,
      totalOrderItems: 2,
      sessions: 40,
      pageViews: 50,
      unitSessionPercentage: null,
    };
    const lines = dailyCsv([row]).split('\r\n');
    expect(lines[0]).toBe(
      'date,marketplace_id,ordered_product_sales,currency,units_ordered,total_order_items,sessions,page_views,unit_session_percentage',
    );
    expect(lines[1]).toBe(`2026-03-01,ATVPDKIKX0DER,-12.50,"'=HYPERLINK(""x"")",3,2,40,50,`);
    expect(lines[2]).toBe('');
  });
});

describe('the analytics settings', () => {
  it('default to every 6 hours, 30 days back, 3 days again, polls every minute; 0 hours is off', () => {
    expect(loadConfig({ SELLERLINK_DATA_DIR: '/tmp/x' }).analytics).toEqual({
      intervalMs: 6 * 3_600_000,
      initialLookbackDays: 30,
      refreshDays: 3,
      pollMs: 60_000,
    });
    expect(loadConfig({ ANALYTICS_INTERVAL_HOURS: '0' }).analytics.intervalMs).toBe(0);
    expect(() => loadConfig({ ANALYTICS_INTERVAL_HOURS: '0.5' })).toThrow(
      /ANALYTICS_INTERVAL_HOURS: must be 0 \(off\) or 1 to 168/,
    );
    expect(() => loadConfig({ ANALYTICS_LOOKBACK_DAYS: '0' })).toThrow(/ANALYTICS_LOOKBACK_DAYS/);
  });
});
