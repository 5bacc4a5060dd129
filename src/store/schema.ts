import type { ColumnType, Generated } from 'kysely';

/** Columns the database fills in on insert. */
export type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

/** Key/value facts about this installation (e.g. its id, first start). */
export interface MetaTable {
  key: string;
  value: string;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** A smoke table the foundation tests use to prove both dialects behave the same. */
export interface ProbeTable {
  id: Generated<number>;
  label: string;
  created_at: CreatedAt;
}

/** Every table, as Kysely sees it. Each bounded context adds its tables here with its migration. */
export interface Database {
  meta: MetaTable;
  probe: ProbeTable;
  accounts: AccountsTable;
  users: UsersTable;
  sessions: SessionsTable;
  login_throttles: LoginThrottlesTable;
  applications: ApplicationsTable;
  connections: ConnectionsTable;
  oauth_states: OauthStatesTable;
  audit_log: AuditLogTable;
  access_tokens: AccessTokensTable;
  rate_buckets: RateBucketsTable;
  api_keys: ApiKeysTable;
  events: EventsTable;
  listing_changes: ListingChangesTable;
  notification_settings: NotificationSettingsTable;
  webhook_endpoints: WebhookEndpointsTable;
  notification_deliveries: NotificationDeliveriesTable;
  orders: OrdersTable;
  order_syncs: OrderSyncsTable;
  order_backfills: OrderBackfillsTable;
  order_backfill_reports: OrderBackfillReportsTable;
  analytics_daily: AnalyticsDailyTable;
  analytics_fetches: AnalyticsFetchesTable;
  analytics_syncs: AnalyticsSyncsTable;
  settlement_reports: SettlementReportsTable;
  ads_profiles: AdsProfilesTable;
  ads_profile_listings: AdsProfileListingsTable;
}

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface AccountsTable {
  id: Generated<string>;
  name: string;
  created_at: CreatedAt;
}

export type UserRole = 'owner' | 'member' | 'operator';

export interface UsersTable {
  id: Generated<string>;
  account_id: string | null;
  username: string;
  password_hash: string;
  role: UserRole;
  email: string | null;
  created_at: CreatedAt;
  password_changed_at: DefaultedTimestamp;
}

export interface SessionsTable {
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: CreatedAt;
  last_seen_at: DefaultedTimestamp;
  expires_at: Timestamp;
  ip: string | null;
  user_agent: string | null;
}

export interface LoginThrottlesTable {
  key: string;
  failures: number;
  window_started_at: Timestamp;
  locked_until: Timestamp | null;
}

export interface ApplicationsTable {
  id: Generated<string>;
  name: string;
  app_id: string;
  lwa_client_id: string;
  client_secret_key_id: string;
  client_secret_blob: string;
  client_secret_issued_at: Timestamp;
  status: 'draft' | 'published';
  kind: ColumnType<'public' | 'private', 'public' | 'private' | undefined, 'public' | 'private'>;
  redirect_uri: string;
  login_uri: string | null;
  authorization_lifetime_days: number | null;
  flagged_at: Timestamp | null;
  flagged_reason: string | null;
  created_at: CreatedAt;
  updated_at: DefaultedTimestamp;
  /** Migration 0010: when Amazon said the secret expires; null: issued + 180 days. */
  client_secret_expires_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** Migration 0010: the rotated-out secret, sealed, kept until its own expiry. */
  previous_secret_key_id: ColumnType<string | null, string | null | undefined, string | null>;
  previous_secret_blob: ColumnType<string | null, string | null | undefined, string | null>;
  previous_secret_expires_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** Migration 0011: automatic client-secret rotation (lifecycle/applications.ts). */
  rotation_state: ColumnType<RotationState, RotationState | undefined, RotationState>;
  rotation_requested_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  rotation_attempts: ColumnType<number, number | undefined, number>;
  rotation_next_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  rotation_last_error: ColumnType<string | null, string | null | undefined, string | null>;
  /** Migration 0016: an SP-API app, or an LWA security profile approved for the Ads API. */
  api: ColumnType<AmazonApi, AmazonApi | undefined, AmazonApi>;
}

/** Which Amazon API an application and its connections are for (migration 0016). */
export type AmazonApi = 'sp_api' | 'ads';

/** Where an application's automatic client-secret rotation stands. */
export type RotationState = 'idle' | 'requested' | 'failed';

export type ConnectionState = 'active' | 'expiring' | 'expired' | 'revoked' | 'error' | 'disconnected';
export type RegionCode = 'NA' | 'EU' | 'FE';

export interface ConnectionsTable {
  id: Generated<string>;
  account_id: string;
  application_id: string;
  selling_partner_id: string;
  region: RegionCode;
  marketplace_ids: Json<string[]>;
  store_name: string | null;
  kind: 'oauth' | 'self';
  refresh_token_key_id: string | null;
  refresh_token_blob: string | null;
  authorized_at: Timestamp;
  expires_at: Timestamp | null;
  state: ConnectionState;
  state_reason: string | null;
  state_changed_at: DefaultedTimestamp;
  last_success_at: Timestamp | null;
  last_error_code: string | null;
  last_error_message: string | null;
  last_error_at: Timestamp | null;
  consecutive_failures: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
  updated_at: DefaultedTimestamp;
  /** Migration 0010: the monitor's last health probe of this connection. */
  last_probe_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  last_probe_outcome: ColumnType<string | null, string | null | undefined, string | null>;
  /** Migration 0015: whether Amazon confirmed the claimed seller id, when, why not, and what contradicts it. */
  claim_status: ColumnType<ClaimStatus, ClaimStatus | undefined, ClaimStatus>;
  claim_checked_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  claim_note: ColumnType<string | null, string | null | undefined, string | null>;
  claim_mismatch: ColumnType<string | null, string | null | undefined, string | null>;
  /** Migration 0016: SP-API or Ads (then `selling_partner_id` is the fixed advertiser key). */
  api: ColumnType<AmazonApi, AmazonApi | undefined, AmazonApi>;
}

/** Whether Amazon confirmed a connection's seller id (unchecked: made before claims were checked). */
export type ClaimStatus = 'confirmed' | 'unconfirmed' | 'unchecked';

export interface OauthStatesTable {
  state_hash: string;
  session_hash: string;
  account_id: string;
  user_id: string;
  application_id: string;
  region: RegionCode;
  purpose: 'connect' | 'renew';
  connection_id: string | null;
  created_at: CreatedAt;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface AuditLogTable {
  id: Generated<string>;
  at: DefaultedTimestamp;
  account_id: string | null;
  connection_id: string | null;
  actor_user_id: string | null;
  actor: string;
  action: string;
  outcome: 'success' | 'failure';
  detail: ColumnType<Record<string, unknown>, string | undefined, string>;
  ip: string | null;
}

export interface AccessTokensTable {
  connection_id: string;
  token_key_id: string;
  token_blob: string;
  expires_at: Timestamp;
  minted_at: DefaultedTimestamp;
}

export interface RateBucketsTable {
  key: string;
  tokens: number;
  updated_ms: number;
  rate: number;
  burst: number;
}

export interface ApiKeysTable {
  id: Generated<string>;
  name: string;
  /** The visible part of the key (`slk_<prefix>_...`), unique. */
  prefix: string;
  /** SHA-256 (hex) of the whole key; the key itself is never stored. */
  key_hash: string;
  /** null: every account (operators only). */
  account_id: string | null;
  created_by: string;
  created_by_user_id: string | null;
  created_at: DefaultedTimestamp;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
  revoked_by: string | null;
}

/** The event log (see migration 0006). */
export interface EventsTable {
  /** bigserial: PostgreSQL (pg) returns a string, PGlite a number; read through events/ which normalises. */
  id: ColumnType<string | number, never, never>;
  type: string;
  account_id: string | null;
  connection_id: string | null;
  application_id: string | null;
  payload: ColumnType<Record<string, unknown>, string | undefined, string>;
  dedupe_key: string | null;
  occurred_at: Timestamp;
  recorded_at: DefaultedTimestamp;
}

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

/** Notification settings per scope: an account id, or `operators` (migration 0009). */
export interface NotificationSettingsTable {
  scope: string;
  account_id: string | null;
  email_enabled: ColumnType<boolean, boolean | undefined, boolean>;
  recipients: ColumnType<string[], string | undefined, string>;
  event_types: ColumnType<string[], string | undefined, string>;
  updated_at: DefaultedTimestamp;
  updated_by: string | null;
}

/** A webhook endpoint of a scope; its signing secret is sealed with the vault. */
export interface WebhookEndpointsTable {
  id: string;
  scope: string;
  account_id: string | null;
  url: string;
  description: string | null;
  event_types: ColumnType<string[], string | undefined, string>;
  secret_key_id: string;
  secret_blob: string;
  created_at: Timestamp;
  /** Database time of creation: compared with events.recorded_at by fan-out. */
  recorded_at: DefaultedTimestamp;
  created_by: string;
  disabled_at: Timestamp | null;
}

/** One notification of one event to one e-mail address or webhook endpoint. */
export interface NotificationDeliveriesTable {
  /** bigserial: string on pg, number on PGlite; notify/ normalises. */
  id: ColumnType<string | number, never, never>;
  event_id: ColumnType<string | number, number | string, never>;
  event_type: string;
  scope: string;
  account_id: string | null;
  channel: 'email' | 'webhook';
  target: string;
  endpoint_id: string | null;
  content: ColumnType<Record<string, unknown>, string, string>;
  status: ColumnType<
    'pending' | 'sending' | 'delivered' | 'failed',
    'pending' | 'sending' | 'delivered' | 'failed' | undefined,
    'pending' | 'sending' | 'delivered' | 'failed'
  >;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Timestamp | null;
  give_up_at: Timestamp;
  last_attempt_at: Timestamp | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: Timestamp | null;
  created_at: Timestamp;
}

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
