import type { ColumnType } from 'kysely';
import type { DefaultedTimestamp, Timestamp } from './columns.js';

/** The orders tables' row types (see src/store/schema.ts for the whole database). */

/** An imported order (see migration 0007). `data` is the Orders 2026-01-01 `Order`. */
export interface OrdersTable {
  connection_id: string;
  order_id: string;
  account_id: string;
  marketplace_id: string;
  status: string;
  created_time: Timestamp;
  last_updated_time: Timestamp;
  item_count: number;
  total_amount: string | null;
  total_currency: string | null;
  data: ColumnType<Record<string, unknown>, string, string>;
  first_imported_at: Timestamp;
  imported_at: Timestamp;
  /** Where the stored version came from (migration 0014): searchOrders, or an order-tracking report. */
  source: ColumnType<OrderSource, OrderSource | undefined, OrderSource>;
}

export type OrderSource = 'api' | 'report';

export type OrderBackfillStatus = 'running' | 'done' | 'fell_back';

/** A connection's latest backfill by report (migration 0014). */
export interface OrderBackfillsTable {
  connection_id: string;
  status: OrderBackfillStatus;
  range_start: Timestamp;
  range_end: Timestamp;
  reason: string | null;
  orders_merged: ColumnType<number, number | undefined, number>;
  started_at: Timestamp;
  finished_at: Timestamp | null;
}

export type BackfillReportStatus = 'pending' | 'requested' | 'ready' | 'merged' | 'empty';

/** One report of a backfill: a window of one marketplace (migration 0014). */
export interface OrderBackfillReportsTable {
  connection_id: string;
  seq: number;
  marketplace_id: string;
  window_start: Timestamp;
  window_end: Timestamp;
  status: BackfillReportStatus;
  report_id: string | null;
  report_document_id: string | null;
  requested_at: Timestamp | null;
  /** Orders of the document merged so far (a restart skips them). */
  rows_merged: ColumnType<number, number | undefined, number>;
  /** Of those, orders that were new or newer than the stored version. */
  orders_changed: ColumnType<number, number | undefined, number>;
}

export type OrderSyncStatus = 'idle' | 'running' | 'paused' | 'failed';

/** One connection's order importer state (see migration 0007). */
export interface OrderSyncsTable {
  connection_id: string;
  watermark: Timestamp;
  status: ColumnType<OrderSyncStatus, OrderSyncStatus | undefined, OrderSyncStatus>;
  paused_reason: string | null;
  last_started_at: Timestamp | null;
  last_finished_at: Timestamp | null;
  last_error: string | null;
  /** bigint: string on pg, number on PGlite. */
  pages_total: ColumnType<string | number, number | undefined, number | string>;
  orders_upserted_total: ColumnType<string | number, number | undefined, number | string>;
  updated_at: DefaultedTimestamp;
  /** The walk in progress (migration 0012): its window and the next page's token, or null. */
  resume_window_start: Timestamp | null;
  resume_window_end: Timestamp | null;
  resume_token: string | null;
  resume_saved_at: Timestamp | null;
}
