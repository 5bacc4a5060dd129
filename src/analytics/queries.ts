import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { salesAmountText } from './tables.js';

/** What the analytics page, the REST API and the CSV read (the caller checked the viewer). */

/** One stored day of one marketplace. */
export interface DailyRow {
  /** `YYYY-MM-DD`. */
  date: string;
  marketplaceId: string;
  orderedProductSales: { amount: string; currencyCode: string | null };
  unitsOrdered: number;
  totalOrderItems: number;
  sessions: number;
  pageViews: number;
  /** Units ordered per session, in percent (Amazon's unitSessionPercentage). */
  unitSessionPercentage: number | null;
}

/** A marketplace's fetch state, as the analytics page shows it. */
export interface FetchStatusView {
  marketplaceId: string;
  status: 'idle' | 'requested' | 'failed';
  /** The report Amazon is making now (status requested). */
  pendingReportId: string | null;
  pendingRange: { from: string; to: string } | null;
  requestedAt: Date | null;
  lastFetchedAt: Date | null;
  lastReportId: string | null;
  failureReason: string | null;
  failedAt: Date | null;
  /** Days stored, and the first and last of them. */
  storedDays: number;
  firstDay: string | null;
  lastDay: string | null;
}

/** The connection's schedule, as the analytics page shows it. */
export interface SyncView {
  lastRunAt: Date | null;
  nextRunAt: Date | null;
  pausedReason: string | null;
  lastError: string | null;
  settlementsCheckedAt: Date | null;
}

/** A settlement report Amazon made. */
export interface SettlementReportView {
  reportId: string;
  marketplaceId: string | null;
  createdTime: Date;
  dataStartTime: Date | null;
  dataEndTime: Date | null;
  /** Whether a document can be downloaded (Amazon gave its id). */
  downloadable: boolean;
}

/** Reads the stored days of one marketplace from `from` to `to` (both included), oldest first. */
export async function dailyRows(
  db: Kysely<Database>,
  connectionId: string,
  marketplaceId: string,
  range: { from: string; to: string },
): Promise<DailyRow[]> {
  const rows = await db
    .selectFrom('analytics_daily')
    .select([
      'day',
      'marketplace_id',
      salesAmountText.as('sales_amount'),
      'currency',
      'units_ordered',
      'total_order_items',
      'sessions',
      'page_views',
      'unit_session_percentage',
    ])
    .where('connection_id', '=', connectionId)
    .where('marketplace_id', '=', marketplaceId)
    .where('day', '>=', range.from)
    .where('day', '<=', range.to)
    .orderBy('day')
    .execute();
  return rows.map((r) => ({
    date: r.day,
    marketplaceId: r.marketplace_id,
    orderedProductSales: { amount: r.sales_amount, currencyCode: r.currency },
    unitsOrdered: r.units_ordered,
    totalOrderItems: r.total_order_items,
    sessions: r.sessions,
    pageViews: r.page_views,
    unitSessionPercentage: r.unit_session_percentage,
  }));
}

/** The marketplaces with stored days (a seller may have left one since). */
export async function storedMarketplaces(db: Kysely<Database>, connectionId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('analytics_daily')
    .select('marketplace_id')
    .distinct()
    .where('connection_id', '=', connectionId)
    .orderBy('marketplace_id')
    .execute();
  return rows.map((r) => r.marketplace_id);
}

/** Every marketplace's fetch state with what is stored. */
export async function fetchStatuses(db: Kysely<Database>, connectionId: string): Promise<FetchStatusView[]> {
  const [fetches, stored] = await Promise.all([
    db.selectFrom('analytics_fetches').selectAll().where('connection_id', '=', connectionId).execute(),
    db
      .selectFrom('analytics_daily')
      .select((eb) => [
        'marketplace_id',
        eb.fn.countAll<string | number>().as('n'),
        eb.fn.min('day').as('first'),
        eb.fn.max('day').as('last'),
      ])
      .where('connection_id', '=', connectionId)
      .groupBy('marketplace_id')
      .execute(),
  ]);
  const byMarketplace = new Map(stored.map((s) => [s.marketplace_id, s]));
  return fetches
    .map((f) => {
      const s = byMarketplace.get(f.marketplace_id);
      const pending = f.status === 'requested';
      return {
        marketplaceId: f.marketplace_id,
        status: f.status,
        pendingReportId: pending ? f.report_id : null,
        pendingRange:
          pending && f.range_start && f.range_end ? { from: f.range_start, to: f.range_end } : null,
        requestedAt: f.requested_at,
        lastFetchedAt: f.last_fetched_at,
        lastReportId: f.last_report_id,
        failureReason: f.failure_reason,
        failedAt: f.failed_at,
        storedDays: Number(s?.n ?? 0),
        firstDay: s?.first ?? null,
        lastDay: s?.last ?? null,
      };
    })
    .sort((a, b) => a.marketplaceId.localeCompare(b.marketplaceId));
}

/** The connection's schedule row, or null before its first run. */
export async function syncStatus(db: Kysely<Database>, connectionId: string): Promise<SyncView | null> {
  const row = await db
    .selectFrom('analytics_syncs')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    lastRunAt: row.last_run_at,
    nextRunAt: row.next_run_at,
    pausedReason: row.paused_reason,
    lastError: row.last_error,
    settlementsCheckedAt: row.settlements_checked_at,
  };
}

/** The connection's settlement reports, newest first. */
export async function settlementReports(
  db: Kysely<Database>,
  connectionId: string,
): Promise<SettlementReportView[]> {
  const rows = await db
    .selectFrom('settlement_reports')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .orderBy('created_time', 'desc')
    .orderBy('report_id')
    .execute();
  return rows.map((r) => ({
    reportId: r.report_id,
    marketplaceId: r.marketplace_id,
    createdTime: r.created_time,
    dataStartTime: r.data_start_time,
    dataEndTime: r.data_end_time,
    downloadable: r.report_document_id !== null,
  }));
}

/** A settlement report's document id, or null when there is no such report or it has none. */
export async function settlementDocumentId(
  db: Kysely<Database>,
  connectionId: string,
  reportId: string,
): Promise<string | null> {
  const row = await db
    .selectFrom('settlement_reports')
    .select('report_document_id')
    .where('connection_id', '=', connectionId)
    .where('report_id', '=', reportId)
    .executeTakeFirst();
  return row?.report_document_id ?? null;
}
