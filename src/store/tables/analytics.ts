import type { ColumnType } from 'kysely';
import type { DefaultedTimestamp, Timestamp } from './columns.js';

/** The analytics tables' row types (see src/store/schema.ts for the whole database). */

/** One day of sales and traffic of a connection's marketplace (migration 0015). */
export interface AnalyticsDailyTable {
  connection_id: string;
  marketplace_id: string;
  /** `YYYY-MM-DD`. */
  day: string;
  /** numeric: select it as text (`sales_amount::text`) so both databases read it the same. */
  sales_amount: ColumnType<string | number, string, string>;
  currency: string | null;
  units_ordered: number;
  total_order_items: number;
  sessions: number;
  page_views: number;
  unit_session_percentage: number | null;
  report_id: string;
  fetched_at: Timestamp;
}

export type AnalyticsFetchStatus = 'idle' | 'requested' | 'failed';

/** The sales and traffic fetch of one connection and marketplace (migration 0015). */
export interface AnalyticsFetchesTable {
  connection_id: string;
  marketplace_id: string;
  status: ColumnType<AnalyticsFetchStatus, AnalyticsFetchStatus | undefined, AnalyticsFetchStatus>;
  report_id: string | null;
  range_start: string | null;
  range_end: string | null;
  requested_at: Timestamp | null;
  next_poll_at: Timestamp | null;
  last_fetched_at: Timestamp | null;
  last_report_id: string | null;
  failure_reason: string | null;
  failed_at: Timestamp | null;
  updated_at: DefaultedTimestamp;
}

/** One connection's analytics schedule (migration 0015). */
export interface AnalyticsSyncsTable {
  connection_id: string;
  next_run_at: Timestamp | null;
  last_run_at: Timestamp | null;
  paused_reason: string | null;
  last_error: string | null;
  settlements_checked_at: Timestamp | null;
  updated_at: DefaultedTimestamp;
}

/** A settlement report Amazon made for a connection, as getReports listed it (migration 0015). */
export interface SettlementReportsTable {
  connection_id: string;
  report_id: string;
  marketplace_id: string | null;
  report_document_id: string | null;
  processing_status: string;
  created_time: Timestamp;
  data_start_time: Timestamp | null;
  data_end_time: Timestamp | null;
  listed_at: Timestamp;
}
