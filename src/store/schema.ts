import type { ColumnType, Generated } from 'kysely';
import type { AdsProfileListingsTable, AdsProfilesTable } from './tables/ads.js';
import type {
  AnalyticsDailyTable,
  AnalyticsFetchesTable,
  AnalyticsSyncsTable,
  SettlementReportsTable,
} from './tables/analytics.js';
import type { CreatedAt, DefaultedTimestamp, Json, RegionCode, Timestamp } from './tables/columns.js';
import type {
  ListingCatalogSyncsTable,
  ListingCatalogTable,
  ListingChangesTable,
} from './tables/listings.js';
import type {
  NotificationDeliveriesTable,
  NotificationSettingsTable,
  WebhookEndpointsTable,
} from './tables/notify.js';
import type {
  OrderBackfillReportsTable,
  OrderBackfillsTable,
  OrderSyncsTable,
  OrdersTable,
} from './tables/orders.js';

export type * from './tables/ads.js';
export type * from './tables/columns.js';
export type * from './tables/analytics.js';
export type * from './tables/listings.js';
export type * from './tables/notify.js';
export type * from './tables/orders.js';

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
  connect_sessions: ConnectSessionsTable;
  audit_log: AuditLogTable;
  access_tokens: AccessTokensTable;
  rate_buckets: RateBucketsTable;
  api_keys: ApiKeysTable;
  events: EventsTable;
  listing_changes: ListingChangesTable;
  listing_catalog: ListingCatalogTable;
  listing_catalog_syncs: ListingCatalogSyncsTable;
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
  cache_versions: CacheVersionsTable;
}

/** Migration 0020: one row (id 1) whose version moves with every change the in-memory caches depend on (src/broker/cache.ts). */
export interface CacheVersionsTable {
  id: number;
  /** bigint: read as text. */
  version: ColumnType<string, never, never>;
}

export interface AccountsTable {
  id: Generated<string>;
  name: string;
  created_at: CreatedAt;
  /** Migration 0017: the vendor's own id for this tenant (unique), for idempotent provisioning. */
  external_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** Migration 0017: JSON array of URL prefixes a connect session's returnUrl must start with. */
  return_urls: ColumnType<string, string | undefined, string>;
  /** Migration 0017: where renew links from reminders return the seller (null: Sellerlink's result page). */
  default_return_url: ColumnType<string | null, string | null | undefined, string | null>;
  updated_at: DefaultedTimestamp;
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
  /** Null for a state started from a connect link (migration 0017): then `connect_session_id` is set. */
  user_id: string | null;
  application_id: string;
  region: RegionCode;
  purpose: 'connect' | 'renew';
  connection_id: string | null;
  created_at: CreatedAt;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  connect_session_id: ColumnType<string | null, string | null | undefined, string | null>;
}

/** How a connect session ended (migration 0017). */
export type ConnectOutcome = 'connected' | 'renewed' | 'cancelled' | 'error';

/** A one-time connect link for the vendor's software (migration 0017; written by src/connect/). */
export interface ConnectSessionsTable {
  id: Generated<string>;
  token_hash: string;
  account_id: string;
  api: AmazonApi;
  /** Null: the seller chooses the region on the landing page. */
  region: RegionCode | null;
  purpose: 'connect' | 'renew';
  connection_id: string | null;
  return_url: string;
  vendor_name: string | null;
  vendor_logo_url: string | null;
  origin: ColumnType<'api' | 'reminder', 'api' | 'reminder' | undefined, never>;
  created_by: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  started_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  browser_hash: ColumnType<string | null, string | null | undefined, string | null>;
  completed_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  outcome: ColumnType<ConnectOutcome | null, ConnectOutcome | null | undefined, ConnectOutcome | null>;
  error_code: ColumnType<string | null, string | null | undefined, string | null>;
  result_connection_id: ColumnType<string | null, string | null | undefined, string | null>;
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
