import type { ColumnType } from 'kysely';
import type { Timestamp } from './columns.js';

/** The listings tables' row types (see src/store/schema.ts for the whole database). */

/** One listing change in the outbox and its result (see migration 0008; states in listings/). */
export interface ListingChangesTable {
  id: string;
  /** bigserial: string on pg, number on PGlite; read through listings/ which normalises. */
  seq: ColumnType<string | number, never, never>;
  connection_id: string;
  account_id: string;
  sku: string;
  marketplace_id: string;
  kind: 'put' | 'patch' | 'delete';
  body: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  preview: ColumnType<boolean, boolean | undefined, boolean>;
  state: string;
  state_reason: string | null;
  uncertain: ColumnType<boolean, boolean | undefined, boolean>;
  attempts: ColumnType<number, number | undefined, number>;
  superseded_by: string | null;
  /** After a transient failure: not sent again before this (migration 0012). */
  next_attempt_at: Timestamp | null;
  /** When the current run of transient failures began; given up after the retry window. */
  retrying_since: Timestamp | null;
  amazon_status: string | null;
  submission_id: string | null;
  issues: ColumnType<unknown[], string | undefined, string>;
  error_code: string | null;
  error_message: string | null;
  source: string;
  created_by: string;
  created_at: Timestamp;
  sent_at: Timestamp | null;
  finished_at: Timestamp | null;
  updated_at: Timestamp;
}

/** Migration 0021: one SKU of the seller's catalog in one marketplace (written by listings/catalog.ts). */
export interface ListingCatalogTable {
  connection_id: string;
  marketplace_id: string;
  sku: string;
  asin: string | null;
  product_type: string | null;
  item_name: string | null;
  condition_type: string | null;
  /** Amazon's summary status: BUYABLE, DISCOVERABLE. */
  statuses: ColumnType<string[], string, string>;
  issues: ColumnType<unknown[], string, string>;
  /** The offer's price as Amazon wrote it (a decimal string). */
  price_amount: string | null;
  price_currency: string | null;
  quantity: number | null;
  attributes: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  created_date: Timestamp | null;
  last_updated_date: Timestamp | null;
  walk: string;
  refreshed_at: Timestamp;
}

/** Migration 0021: a connection's catalog refresh (written by listings/catalog.ts). */
export interface ListingCatalogSyncsTable {
  connection_id: string;
  status: 'running' | 'done' | 'paused' | 'failed';
  walk: string;
  items: ColumnType<number, number | undefined, number>;
  reason: string | null;
  last_started_at: Timestamp;
  last_finished_at: Timestamp | null;
  updated_at: Timestamp;
}
