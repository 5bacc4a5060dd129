import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE, iso } from '../../src/kernel/clock.js';
import type { SimOrder } from '../../src/simulator/state.js';
import {
  BY_LAST_UPDATE,
  BY_ORDER_DATE,
  CA,
  NA,
  SALES_AND_TRAFFIC,
  SETTLEMENT,
  START,
  US,
  REPORTS,
  createReportsWorld,
  parseTsv,
  type ReportsWorld,
} from './reports-fixtures.js';

/**
 * What the documents hold: the order tracking flat files against what searchOrders serves, the
 * sales and traffic report against the orders, and the settlement flat file.
 */

/** The documented columns (https://developer-docs.amazon.com/sp-api/docs/order-tracking-reports-attributes). */
const DOCUMENTED = [
  'amazon-order-id',
  'merchant-order-id',
  'purchase-date',
  'last-updated-date',
  'order-status',
  'fulfillment-channel',
  'sales-channel',
  'order-channel',
  'ship-service-level',
  'product-name',
  'sku',
  'asin',
  'item-status',
  'quantity',
  'currency',
  'item-price',
  'item-tax',
  'shipping-price',
  'shipping-tax',
  'gift-wrap-price',
  'gift-wrap-tax',
  'item-promotion-discount',
  'ship-promotion-discount',
  'ship-city',
  'ship-state',
  'ship-postal-code',
  'ship-country',
  'promotion-ids',
  'is-business-order',
  'purchase-order-number',
  'price-designation',
];

/** The mapping Sellerlink parses back (fixed by the task). */
const STATUS_TEXT: Record<string, string> = {
  PENDING: 'Pending',
  UNSHIPPED: 'Unshipped',
  PARTIALLY_SHIPPED: 'Shipping',
  SHIPPED: 'Shipped',
  CANCELLED: 'Cancelled',
  UNFULFILLABLE: 'Unfulfillable',
  PENDING_AVAILABILITY: 'PendingAvailability',
};

type ApiOrder = {
  orderId: string;
  createdTime: string;
  lastUpdatedTime: string;
  salesChannel: { marketplaceName: string };
  fulfillment: { fulfillmentStatus: string; fulfilledBy: string };
  orderItems: {
    quantityOrdered: number;
    product: {
      asin: string;
      sellerSku: string;
      price: { unitPrice: { amount: string; currencyCode: string } };
    };
  }[];
};

/** Every order searchOrders serves for a lastUpdated (or created) window, through the API. */
async function searchAll(w: ReportsWorld, field: 'lastUpdated' | 'created', after: number, before: number) {
  const orders: ApiOrder[] = [];
  let token: string | undefined;
  do {
    const params = new URLSearchParams({
      [`${field}After`]: iso(after),
      [`${field}Before`]: iso(before),
      marketplaceIds: `${US},${CA}`,
      includedData: 'FULFILLMENT',
      ...(token ? { paginationToken: token } : {}),
    });
    const r = await w.api('GET', `/orders/2026-01-01/orders?${params.toString()}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const body = r.body as { orders: ApiOrder[]; pagination?: { nextToken: string } };
    orders.push(...body.orders);
    token = body.pagination?.nextToken;
  } while (token);
  return orders;
}

async function documentOf(w: ReportsWorld, reportId: string) {
  w.finishProcessing();
  const report = await w.report(reportId);
  expect(report.processingStatus).toBe('DONE');
  return w.document(report.reportDocumentId as string);
}

const cents = (amount: string) => Math.round(Number(amount) * 100);

describe('order tracking flat files', () => {
  it('BY_LAST_UPDATE has one row per item of exactly the orders searchOrders serves for the range', async () => {
    const w = createReportsWorld();
    w.seedOrders(NA, 60, 25);
    const start = START - 12 * DAY;
    const end = START - 5 * MINUTE;
    const reportId = await w.create({
      reportType: BY_LAST_UPDATE,
      marketplaceIds: [US, CA],
      dataStartTime: iso(start),
      dataEndTime: iso(end),
    });
    const { rows, header } = parseTsv((await documentOf(w, reportId)).text);
    const api = await searchAll(w, 'lastUpdated', start, end);
    expect(api.length).toBeGreaterThan(10);
    expect(api.length).toBeLessThan(w.sim.ctx.state.orders.size);

    expect([...new Set(rows.map((r) => r['amazon-order-id']))].sort()).toEqual(
      api.map((o) => o.orderId).sort(),
    );
    expect(rows).toHaveLength(api.reduce((n, o) => n + o.orderItems.length, 0));
    for (const order of api) {
      const mine = rows.filter((r) => r['amazon-order-id'] === order.orderId);
      const status = order.fulfillment.fulfillmentStatus;
      const hidden = order.fulfillment.fulfilledBy === 'MERCHANT' && status === 'PENDING';
      order.orderItems.forEach((item, i) => {
        const row = mine[i]!;
        expect(row['last-updated-date']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/);
        expect(Date.parse(row['last-updated-date']!)).toBe(Date.parse(order.lastUpdatedTime));
        expect(Date.parse(row['purchase-date']!)).toBe(Date.parse(order.createdTime));
        expect(row['order-status']).toBe(STATUS_TEXT[status]);
        expect(row['fulfillment-channel']).toBe(
          order.fulfillment.fulfilledBy === 'AMAZON' ? 'Amazon' : 'Merchant',
        );
        expect(row['sales-channel']).toBe(order.salesChannel.marketplaceName);
        expect(['Amazon.com', 'Amazon.ca']).toContain(row['sales-channel']);
        expect(row.sku).toBe(item.product.sellerSku);
        expect(row.asin).toBe(item.product.asin);
        expect(row.quantity).toBe(String(item.quantityOrdered));
        expect(row.currency).toBe(item.product.price.unitPrice.currencyCode);
        const total = (cents(item.product.price.unitPrice.amount) * item.quantityOrdered) / 100;
        expect(row['item-price']).toBe(hidden ? '' : total.toFixed(2));
      });
    }
    expect(rows.some((r) => r['item-price'] === '')).toBe(true);
    expect(new Set(rows.map((r) => r['order-status'])).size).toBeGreaterThan(2);
    expect(header).not.toContain('cpf');
  });

  it('carries extra columns among the documented ones, so only a by-header parser reads it right', async () => {
    const w = createReportsWorld();
    w.seedOrders(NA, 6, 5, US);
    const reportId = await w.create({
      reportType: BY_LAST_UPDATE,
      marketplaceIds: [US],
      dataStartTime: iso(START - 6 * DAY),
    });
    const { header, rows } = parseTsv((await documentOf(w, reportId)).text);
    expect(header.filter((name) => DOCUMENTED.includes(name))).toEqual(DOCUMENTED);
    expect(header.indexOf('number-of-items')).toBe(header.indexOf('order-channel') + 1);
    expect(header.indexOf('is-replacement-order')).toBe(header.indexOf('price-designation') - 1);
    expect(header.length).toBeGreaterThan(DOCUMENTED.length + 1);
    // Read by position, the 9th column is no longer ship-service-level.
    expect(header[8]).not.toBe('ship-service-level');
    expect(rows.every((r) => /^\d+$/.test(r['number-of-items']!))).toBe(true);
    expect(
      rows.every((r) =>
        ['Standard', 'Expedited', 'NextDay', 'SecondDay', 'FreeEconomy'].includes(r['ship-service-level']!),
      ),
    ).toBe(true);
  });

  it('BY_ORDER_DATE selects by createdTime and adds cpf between promotion-ids and is-business-order', async () => {
    const w = createReportsWorld();
    w.seedOrders(NA, 40, 25);
    const start = START - 8 * DAY;
    const end = START - 3 * DAY;
    const reportId = await w.create({
      reportType: BY_ORDER_DATE,
      marketplaceIds: [US, CA],
      dataStartTime: iso(start),
      dataEndTime: iso(end),
    });
    const { header, rows } = parseTsv((await documentOf(w, reportId)).text);
    expect(header.indexOf('cpf')).toBe(header.indexOf('promotion-ids') + 1);
    expect(header.indexOf('is-business-order')).toBe(header.indexOf('cpf') + 1);
    const api = await searchAll(w, 'created', start, end);
    expect([...new Set(rows.map((r) => r['amazon-order-id']))].sort()).toEqual(
      api.map((o) => o.orderId).sort(),
    );
    expect(
      rows.every((r) => Date.parse(r['purchase-date']!) >= start && Date.parse(r['purchase-date']!) <= end),
    ).toBe(true);
  });
});

/** Expected sales per UTC day of the seller's non-cancelled US orders, from the simulator's state. */
function expectedSales(orders: Iterable<SimOrder>, marketplaceId: string, from: number, to: number) {
  const byDay = new Map<string, { cents: number; units: number; items: number }>();
  for (const order of orders) {
    if (order.marketplaceId !== marketplaceId || order.createdAt < from || order.createdAt >= to) continue;
    const data = order.data as unknown as ApiOrder;
    if (data.fulfillment.fulfillmentStatus === 'CANCELLED') continue;
    const day = iso(order.createdAt).slice(0, 10);
    const s = byDay.get(day) ?? { cents: 0, units: 0, items: 0 };
    for (const item of data.orderItems) {
      s.cents += cents(item.product.price.unitPrice.amount) * item.quantityOrdered;
      s.units += item.quantityOrdered;
      s.items += 1;
    }
    byDay.set(day, s);
  }
  return byDay;
}

type SalesAndTraffic = {
  reportSpecification: Record<string, unknown>;
  salesAndTrafficByDate: {
    date: string;
    salesByDate: {
      orderedProductSales: { amount: number; currencyCode: string };
      unitsOrdered: number;
      totalOrderItems: number;
    };
    trafficByDate: {
      sessions: number;
      pageViews: number;
      browserSessions: number;
      mobileAppSessions: number;
      unitSessionPercentage: number;
      buyBoxPercentage: number;
    };
  }[];
  salesAndTrafficByAsin: {
    parentAsin: string;
    childAsin?: string;
    sku?: string;
    salesByAsin: { unitsOrdered: number; orderedProductSales: { amount: number }; totalOrderItems: number };
    trafficByAsin: { sessions: number; unitSessionPercentage: number };
  }[];
};

async function salesAndTraffic(w: ReportsWorld, body: Record<string, unknown>): Promise<SalesAndTraffic> {
  const reportId = await w.create({ reportType: SALES_AND_TRAFFIC, marketplaceIds: [US], ...body });
  const document = await documentOf(w, reportId);
  expect(document.headers.get('content-type')).toBe('application/json');
  return JSON.parse(document.text) as SalesAndTraffic;
}

describe('GET_SALES_AND_TRAFFIC_REPORT', () => {
  it('sums each day\u2019s orders by createdTime (whole UTC days, CANCELLED left out), with traffic every day', async () => {
    const w = createReportsWorld();
    w.seedOrders(NA, 90, 10, US);
    const report = await salesAndTraffic(w, {
      dataStartTime: '2026-11-13T15:00:00Z',
      dataEndTime: '2026-11-19T03:00:00Z',
    });
    expect(report.reportSpecification).toEqual({
      reportType: SALES_AND_TRAFFIC,
      reportOptions: { dateGranularity: 'DAY', asinGranularity: 'PARENT' },
      dataStartTime: '2026-11-13',
      dataEndTime: '2026-11-19',
      marketplaceIds: [US],
    });
    const days = report.salesAndTrafficByDate;
    expect(days.map((d) => d.date)).toEqual([
      '2026-11-13',
      '2026-11-14',
      '2026-11-15',
      '2026-11-16',
      '2026-11-17',
      '2026-11-18',
      '2026-11-19',
    ]);
    const expected = expectedSales(
      w.sim.ctx.state.orders.values(),
      US,
      Date.UTC(2026, 10, 13),
      Date.UTC(2026, 10, 20),
    );
    for (const day of days) {
      const e = expected.get(day.date) ?? { cents: 0, units: 0, items: 0 };
      expect(Math.round(day.salesByDate.orderedProductSales.amount * 100), day.date).toBe(e.cents);
      expect(day.salesByDate.orderedProductSales.currencyCode).toBe('USD');
      expect(day.salesByDate.unitsOrdered).toBe(e.units);
      expect(day.salesByDate.totalOrderItems).toBe(e.items);
      const t = day.trafficByDate;
      expect(t.sessions).toBeGreaterThan(0);
      expect(t.browserSessions + t.mobileAppSessions).toBe(t.sessions);
      expect(t.pageViews).toBeGreaterThanOrEqual(t.sessions);
      expect(t.buyBoxPercentage).toBeGreaterThanOrEqual(85);
      if (e.units > 0) {
        expect(t.unitSessionPercentage).toBeGreaterThanOrEqual(4.5);
        expect(t.unitSessionPercentage).toBeLessThanOrEqual(15.5);
      } else expect(t.unitSessionPercentage).toBe(0);
    }
    const asinUnits = report.salesAndTrafficByAsin.reduce((n, a) => n + a.salesByAsin.unitsOrdered, 0);
    expect(asinUnits).toBe(days.reduce((n, d) => n + d.salesByDate.unitsOrdered, 0));
    const asinCents = report.salesAndTrafficByAsin.reduce(
      (n, a) => n + Math.round(a.salesByAsin.orderedProductSales.amount * 100),
      0,
    );
    expect(asinCents).toBe([...expected.values()].reduce((n, e) => n + e.cents, 0));
    expect(report.salesAndTrafficByAsin.every((a) => a.childAsin === undefined && a.sku === undefined)).toBe(
      true,
    );
  });

  it('simulates the same traffic for the same seller, marketplace and day', async () => {
    const w = createReportsWorld();
    const a = await salesAndTraffic(w, { dataStartTime: '2026-11-10T00:00:00Z' });
    const b = await salesAndTraffic(w, { dataStartTime: '2026-11-10T00:00:00Z' });
    expect(b.salesAndTrafficByDate).toEqual(a.salesAndTrafficByDate);
    expect(new Set(a.salesAndTrafficByDate.map((d) => d.trafficByDate.sessions)).size).toBeGreaterThan(1);
  });

  it('widens WEEK (Sunday–Saturday) and MONTH to whole periods; CHILD and SKU name the child and the SKU', async () => {
    const w = createReportsWorld();
    w.seedOrders(NA, 30, 20, US);
    const week = await salesAndTraffic(w, {
      dataStartTime: '2026-11-04T00:00:00Z',
      dataEndTime: '2026-11-12T00:00:00Z',
      reportOptions: { dateGranularity: 'WEEK', asinGranularity: 'SKU' },
    });
    expect(week.salesAndTrafficByDate.map((d) => d.date)).toEqual(['2026-11-01', '2026-11-08']);
    const expected = expectedSales(
      w.sim.ctx.state.orders.values(),
      US,
      Date.UTC(2026, 10, 1),
      Date.UTC(2026, 10, 15),
    );
    expect(week.salesAndTrafficByDate.reduce((n, d) => n + d.salesByDate.unitsOrdered, 0)).toBe(
      [...expected.values()].reduce((n, e) => n + e.units, 0),
    );
    expect(
      week.salesAndTrafficByAsin.every((a) => a.childAsin === a.parentAsin && /^SKU-\d+$/.test(a.sku ?? '')),
    ).toBe(true);
    const month = await salesAndTraffic(w, {
      dataStartTime: '2026-10-20T00:00:00Z',
      reportOptions: { dateGranularity: 'MONTH', asinGranularity: 'CHILD' },
    });
    expect(month.salesAndTrafficByDate.map((d) => d.date)).toEqual(['2026-10-01', '2026-11-01']);
    expect(
      month.salesAndTrafficByAsin.every((a) => a.childAsin === a.parentAsin && a.sku === undefined),
    ).toBe(true);
  });

  it('fails (FATAL, errorDetails) for more than one marketplace and is CANCELLED for a start over two years back', async () => {
    const w = createReportsWorld();
    const two = await w.create({ reportType: SALES_AND_TRAFFIC, marketplaceIds: [US, CA] });
    const old = await w.create({
      reportType: SALES_AND_TRAFFIC,
      marketplaceIds: [US],
      dataStartTime: iso(START - 2 * 366 * DAY),
    });
    w.finishProcessing();
    const fatal = await w.report(two);
    expect(fatal.processingStatus).toBe('FATAL');
    const document = await w.document(fatal.reportDocumentId as string);
    const error = JSON.parse(document.text) as { errorDetails: string };
    expect(Object.keys(error)).toEqual(['errorDetails']);
    expect(error.errorDetails).toMatch(/only one marketplaceId/);
    expect((await w.report(old)).processingStatus).toBe('CANCELLED');
  });
});

describe('GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2', () => {
  it('holds the summary row, then Principal, Shipping and Commission rows per shipped item, summing to total-amount', async () => {
    const w = createReportsWorld();
    // The period 2026-11-19 … 2026-12-03: orders created in it, some shipped.
    w.clock.set(Date.UTC(2026, 10, 30, 12));
    const orders = w.seedOrders(NA, 40, 10, US);
    w.clock.set(Date.UTC(2026, 11, 3, 0, 0, 1));
    const list = await w.api('GET', `${REPORTS}/reports?reportTypes=${SETTLEMENT}&marketplaceIds=${US}`);
    const latest = (list.body as { reports: { reportDocumentId: string; dataEndTime: string }[] })
      .reports[0]!;
    expect(latest.dataEndTime).toBe('2026-12-03T00:00:00+00:00');
    const document = await w.document(latest.reportDocumentId);
    const { header, rows } = parseTsv(document.text);
    expect(header.slice(0, 6)).toEqual([
      'settlement-id',
      'settlement-start-date',
      'settlement-end-date',
      'deposit-date',
      'total-amount',
      'currency',
    ]);
    expect(header).toEqual(
      expect.arrayContaining([
        'transaction-type',
        'order-id',
        'amount-type',
        'amount-description',
        'amount',
        'posted-date',
        'sku',
        'quantity-purchased',
      ]),
    );
    const [summary, ...details] = rows;
    expect(summary).toMatchObject({
      'settlement-start-date': '2026-11-19 00:00:00 UTC',
      'settlement-end-date': '2026-12-03 00:00:00 UTC',
      currency: 'USD',
      'transaction-type': '',
    });
    const total = details.reduce((n, r) => n + cents(r.amount!), 0);
    expect(cents(summary!['total-amount']!)).toBe(total);
    expect(
      details.every(
        (r) => r['settlement-id'] === summary!['settlement-id'] && r['transaction-type'] === 'Order',
      ),
    ).toBe(true);

    const inPeriod = orders.filter(
      (o) => o.createdAt >= Date.UTC(2026, 10, 19) && o.createdAt < Date.UTC(2026, 11, 3),
    );
    let expectedItems = 0;
    for (const order of inPeriod) {
      const data = order.data as unknown as {
        orderItems: {
          orderItemId: string;
          quantityOrdered: number;
          fulfillment?: { quantityFulfilled: number };
          product: { price: { unitPrice: { amount: string } } };
        }[];
      };
      for (const item of data.orderItems) {
        const shipped = item.fulfillment?.quantityFulfilled ?? 0;
        const mine = details.filter((r) => r['order-item-code'] === item.orderItemId);
        if (shipped === 0) {
          expect(mine).toEqual([]);
          continue;
        }
        expectedItems += 1;
        const principal = mine.find(
          (r) => r['amount-type'] === 'ItemPrice' && r['amount-description'] === 'Principal',
        )!;
        expect(cents(principal.amount!)).toBe(cents(item.product.price.unitPrice.amount) * shipped);
        expect(principal['quantity-purchased']).toBe(String(shipped));
        const shipping = mine.find((r) => r['amount-description'] === 'Shipping');
        const commission = mine.find(
          (r) => r['amount-type'] === 'ItemFees' && r['amount-description'] === 'Commission',
        )!;
        const base = cents(principal.amount!) + (shipping ? cents(shipping.amount!) : 0);
        expect(cents(commission.amount!)).toBe(-Math.round(base * 0.15));
      }
    }
    expect(expectedItems).toBeGreaterThan(5);
    expect(new Set(details.map((r) => r['order-item-code'])).size).toBe(expectedItems);
  });
});

describe('a large order report', () => {
  it('covers 5,000 orders in one document, one row per item', async () => {
    const w = createReportsWorld();
    const orders = w.seedOrders(NA, 5000, 20, US);
    const reportId = await w.create({
      reportType: BY_ORDER_DATE,
      marketplaceIds: [US],
      dataStartTime: iso(START - 21 * DAY),
    });
    w.clock.advance(HOUR);
    const report = await w.report(reportId);
    const { rows } = parseTsv((await w.document(report.reportDocumentId as string)).text);
    const items = orders.reduce((n, o) => n + (o.data as { orderItems: unknown[] }).orderItems.length, 0);
    expect(rows).toHaveLength(items);
  });
});
