import { sql, type Kysely, type Selectable, type Updateable } from 'kysely';
import type { ReportView } from '../amazon/operations.js';
import type {
  AnalyticsFetchesTable,
  AnalyticsSyncsTable,
  Database,
  SettlementReportsTable,
} from '../store/schema.js';
import type { DailyFigures } from './sales-traffic.js';

/** Storage of the analytics tables (migration 0015): the only module that writes them. */

export type FetchRow = Selectable<AnalyticsFetchesTable>;
export type SyncRow = Selectable<AnalyticsSyncsTable>;
export type SettlementRow = Selectable<SettlementReportsTable>;

/** A connection's schedule row, created (due now) on first use. */
export async function openSync(db: Kysely<Database>, connectionId: string): Promise<SyncRow> {
  await db
    .insertInto('analytics_syncs')
    .values({ connection_id: connectionId })
    .onConflict((oc) => oc.column('connection_id').doNothing())
    .execute();
  return db
    .selectFrom('analytics_syncs')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .executeTakeFirstOrThrow();
}

/** Updates a connection's schedule row. */
export async function setSync(
  db: Kysely<Database>,
  connectionId: string,
  values: Omit<Updateable<AnalyticsSyncsTable>, 'connection_id' | 'updated_at'>,
  now: Date,
): Promise<void> {
  await db
    .updateTable('analytics_syncs')
    .set({ ...values, updated_at: now })
    .where('connection_id', '=', connectionId)
    .execute();
}

/** A marketplace's fetch state, created idle on first use. */
export async function openFetch(
  db: Kysely<Database>,
  connectionId: string,
  marketplaceId: string,
): Promise<FetchRow> {
  await db
    .insertInto('analytics_fetches')
    .values({ connection_id: connectionId, marketplace_id: marketplaceId })
    .onConflict((oc) => oc.columns(['connection_id', 'marketplace_id']).doNothing())
    .execute();
  return db
    .selectFrom('analytics_fetches')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .where('marketplace_id', '=', marketplaceId)
    .executeTakeFirstOrThrow();
}

/** Updates a marketplace's fetch state. */
export async function setFetch(
  db: Kysely<Database>,
  row: Pick<FetchRow, 'connection_id' | 'marketplace_id'>,
  values: Omit<Updateable<AnalyticsFetchesTable>, 'connection_id' | 'marketplace_id' | 'updated_at'>,
  now: Date,
): Promise<void> {
  await db
    .updateTable('analytics_fetches')
    .set({ ...values, updated_at: now })
    .where('connection_id', '=', row.connection_id)
    .where('marketplace_id', '=', row.marketplace_id)
    .execute();
}

/** The latest stored day of a marketplace, or null when none is stored. */
export async function latestStoredDay(
  db: Kysely<Database>,
  connectionId: string,
  marketplaceId: string,
): Promise<string | null> {
  const row = await db
    .selectFrom('analytics_daily')
    .select((eb) => eb.fn.max('day').as('day'))
    .where('connection_id', '=', connectionId)
    .where('marketplace_id', '=', marketplaceId)
    .executeTakeFirst();
  return row?.day ?? null;
}

/**
 * Stores a finished report: its days upserted (a later report replaces a day: Amazon revises recent
 * days) and the fetch state back to idle, in one transaction.
 */
export async function storeReport(
  db: Kysely<Database>,
  row: Pick<FetchRow, 'connection_id' | 'marketplace_id'>,
  report: { reportId: string; days: readonly DailyFigures[] },
  now: Date,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (report.days.length > 0)
      await trx
        .insertInto('analytics_daily')
        .values(
          report.days.map((d) => ({
            connection_id: row.connection_id,
            marketplace_id: row.marketplace_id,
            day: d.day,
            sales_amount: d.salesAmount,
            currency: d.currency,
            units_ordered: d.unitsOrdered,
            total_order_items: d.totalOrderItems,
            sessions: d.sessions,
            page_views: d.pageViews,
            unit_session_percentage: d.unitSessionPercentage,
            report_id: report.reportId,
            fetched_at: now,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['connection_id', 'marketplace_id', 'day']).doUpdateSet((eb) => ({
            sales_amount: eb.ref('excluded.sales_amount'),
            currency: eb.ref('excluded.currency'),
            units_ordered: eb.ref('excluded.units_ordered'),
            total_order_items: eb.ref('excluded.total_order_items'),
            sessions: eb.ref('excluded.sessions'),
            page_views: eb.ref('excluded.page_views'),
            unit_session_percentage: eb.ref('excluded.unit_session_percentage'),
            report_id: eb.ref('excluded.report_id'),
            fetched_at: eb.ref('excluded.fetched_at'),
          })),
        )
        .execute();
    await setFetch(
      trx,
      row,
      {
        status: 'idle',
        report_id: null,
        next_poll_at: null,
        last_fetched_at: now,
        last_report_id: report.reportId,
        failure_reason: null,
        failed_at: null,
      },
      now,
    );
  });
}

/** Stores the settlement reports getReports listed (a report seen again is updated). */
export async function upsertSettlements(
  db: Kysely<Database>,
  connectionId: string,
  reports: readonly ReportView[],
  now: Date,
): Promise<void> {
  if (reports.length === 0) return;
  await db
    .insertInto('settlement_reports')
    .values(
      reports.map((r) => ({
        connection_id: connectionId,
        report_id: r.reportId,
        marketplace_id: r.marketplaceIds[0] ?? null,
        report_document_id: r.reportDocumentId,
        processing_status: r.processingStatus,
        created_time: r.createdTime,
        data_start_time: r.dataStartTime,
        data_end_time: r.dataEndTime,
        listed_at: now,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['connection_id', 'report_id']).doUpdateSet((eb) => ({
        marketplace_id: eb.ref('excluded.marketplace_id'),
        report_document_id: eb.ref('excluded.report_document_id'),
        processing_status: eb.ref('excluded.processing_status'),
        data_start_time: eb.ref('excluded.data_start_time'),
        data_end_time: eb.ref('excluded.data_end_time'),
        listed_at: eb.ref('excluded.listed_at'),
      })),
    )
    .execute();
}

/** Connections whose analytics run is due: not disconnected, next run time passed (or never run). */
export async function dueConnectionIds(db: Kysely<Database>, now: Date): Promise<string[]> {
  const rows = await db
    .selectFrom('connections')
    .leftJoin('analytics_syncs', 'analytics_syncs.connection_id', 'connections.id')
    .select('connections.id')
    .where('connections.api', '=', 'sp_api')
    .where('connections.state', '!=', 'disconnected')
    .where((eb) =>
      eb.or([eb('analytics_syncs.next_run_at', 'is', null), eb('analytics_syncs.next_run_at', '<=', now)]),
    )
    .orderBy('connections.id')
    .execute();
  return rows.map((r) => r.id);
}

/** `sales_amount` as text: numeric reads back the same on PostgreSQL and PGlite this way. */
export const salesAmountText = sql<string>`analytics_daily.sales_amount::text`;
