import type { ColumnType } from 'kysely';
import type { RegionCode, Timestamp } from './columns.js';

/** The ads tables' row types (see src/store/schema.ts for the whole database). */

/** An advertising profile an Ads connection's `GET /v2/profiles` listed (migration 0016). */
export interface AdsProfilesTable {
  connection_id: string;
  profile_id: string;
  /** The Ads API host that listed it. */
  api_region: RegionCode;
  country_code: string;
  currency_code: string;
  timezone: string;
  marketplace_id: string | null;
  account_type: string;
  account_id: string;
  account_name: string | null;
  valid_payment_method: boolean | null;
  listed_at: Timestamp;
}

/** When an Ads connection's profiles were last listed, and which hosts did not answer (migration 0016). */
export interface AdsProfileListingsTable {
  connection_id: string;
  listed_at: Timestamp;
  failed_regions: ColumnType<string, string | undefined, string>;
  note: string | null;
}
