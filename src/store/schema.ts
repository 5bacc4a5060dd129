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
  orders: OrdersTable;
  order_syncs: OrderSyncsTable;
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
}

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
}

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
}
