/**
 * The simulator's whole world, in memory. Every slice is a Map keyed as documented, so the state can
 * be saved to and loaded from a file (see persistence.ts). Times are simulated epoch milliseconds.
 */
import {
  defaultAdsBehaviour,
  type SimAdsClient,
  type SimAdvertiser,
  type SimAdsAuthorization,
  type SimAdsAuthCode,
  type SimAdsAccessToken,
  type SimAdsSession,
  type SimAdsBehaviour,
} from './ads-state.js';
import type { Region, SimClientSecret, SimSellerUser } from './state-basics.js';
export { REGIONS, type Region, type SimClientSecret, type SimSellerUser } from './state-basics.js';
export { defaultAdsBehaviour } from './ads-state.js';
export type {
  SimAdsClient,
  SimAdsCampaign,
  SimAdsProfile,
  SimAdvertiser,
  SimAdsAuthorization,
  SimAdsAuthCode,
  SimAdsAccessToken,
  SimAdsSession,
  SimAdsBehaviour,
} from './ads-state.js';

/** A vendor's SP-API application (Developer Console entry). Keyed by appId. */
export interface SimApp {
  appId: string;
  name: string;
  clientId: string;
  clientSecrets: SimClientSecret[];
  status: 'draft' | 'published';
  /** OAuth redirect URIs; the first is the default when none is sent (https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow). */
  redirectUris: string[];
  /** Login URI for the Amazon-initiated flow (https://developer-docs.amazon.com/sp-api/docs/selling-partner-appstore-authorization-workflow). */
  loginUri?: string;
  /** Role names shown on the consent page. */
  roles: string[];
  /** Seller that owns the app (self-authorization, https://developer-docs.amazon.com/sp-api/docs/renew-authorizations). */
  ownerSellingPartnerId?: string;
  /** Where APPLICATION_OAUTH_CLIENT_NEW_SECRET notifications are POSTed (https://developer-docs.amazon.com/sp-api/docs/rotate-your-application-client-secret). */
  notificationDestinationUrl?: string;
}

/** A selling partner in one region. Keyed by sellingPartnerId. */
export interface SimSeller {
  sellingPartnerId: string;
  name: string;
  region: Region;
  marketplaceIds: string[];
  users: SimSellerUser[];
}

/** One authorization of one app by one seller (in the seller's region). Keyed by id. */
export interface SimAuthorization {
  id: string;
  appId: string;
  sellingPartnerId: string;
  region: Region;
  kind: 'oauth' | 'self';
  refreshToken: string;
  authorizedAt: number;
  /** null: never expires (self-authorization when so configured). */
  expiresAt: number | null;
  revokedAt: number | null;
}

/** An LWA authorization code (`spapi_oauth_code`). Keyed by code. */
export interface SimAuthCode {
  code: string;
  clientId: string;
  redirectUri: string;
  /**
   * Whether the authorization request carried `redirect_uri` (else Amazon used the app's first
   * registered one). Absent in older saved states: treated as sent.
   */
  redirectUriSent?: boolean;
  authorizationId: string;
  issuedAt: number;
  used: boolean;
}

/** An access token: LWA (user or grantless) or a Restricted Data Token. Keyed by token. */
export interface SimAccessToken {
  token: string;
  kind: 'user' | 'grantless' | 'rdt';
  clientId: string;
  appId: string;
  issuedAt: number;
  /** By the simulated clock; see `accessTokenExpired` (world.ts) for `accessTokenClock: 'real'`. */
  expiresAt: number;
  /** The simulated clock's offset at issue (absent in older saved states: 0). */
  clockOffsetAtIssue?: number;
  /** user and rdt tokens: the authorization they act for. */
  authorizationId?: string;
  /** grantless tokens: the granted scopes, space-separated as in the request. */
  scope?: string;
  /** rdt tokens: what they may open. */
  restrictedResources?: { method: string; path: string; dataElements?: string[] }[];
}

/** A signed-in Seller Central browser session (cookie). Keyed by id. */
export interface SimSellerSession {
  id: string;
  sellingPartnerId: string;
  email: string;
  createdAt: number;
}

/**
 * An `amazon_state` of the Amazon-initiated flow (https://developer-docs.amazon.com/sp-api/docs/selling-partner-appstore-authorization-workflow): issued when the seller leaves Seller
 * Central for the app's Login URI, single use, bound to the seller and the app. Keyed by value.
 */
export interface SimAmazonState {
  value: string;
  appId: string;
  sellingPartnerId: string;
  issuedAt: number;
  used: boolean;
}

/** An order, stored in the Orders 2026-01-01 `Order` shape; v0 views derive from it. Keyed by orderId. */
export interface SimOrder {
  orderId: string;
  sellingPartnerId: string;
  region: Region;
  marketplaceId: string;
  createdAt: number;
  lastUpdatedAt: number;
  /** Incremented on every update; lets tests check that the latest version was imported. */
  version: number;
  /** The 2026-01-01 Order object exactly as searchOrders/getOrder return it (all includedData). */
  data: Record<string, unknown>;
}

/** One submission made through the Listings Items API. */
export interface SimListingSubmission {
  submissionId: string;
  at: number;
  method: 'PUT' | 'PATCH' | 'DELETE';
  mode: 'LIVE' | 'VALIDATION_PREVIEW';
  status: 'ACCEPTED' | 'INVALID' | 'VALID';
  issues: {
    code: string;
    message: string;
    severity: 'ERROR' | 'WARNING' | 'INFO';
    attributeNames?: string[];
    categories?: string[];
  }[];
  /** The marketplace the submission was made for (`marketplaceIds` query). */
  marketplaceId?: string;
  /** The request body as received (PUT/PATCH), for the listings control page. */
  body?: unknown;
}

/** A listing as applied. Keyed by `${sellingPartnerId}|${sku}`. */
export interface SimListing {
  sellingPartnerId: string;
  sku: string;
  productType: string;
  marketplaceIds: string[];
  attributes: Record<string, unknown>;
  /** The requirements set of the last accepted PUT (default LISTING); PATCH-created listings have none. */
  requirements?: 'LISTING' | 'LISTING_PRODUCT_ONLY' | 'LISTING_OFFER_ONLY';
  createdAt: number;
  lastUpdatedAt: number;
  deleted: boolean;
  submissions: SimListingSubmission[];
}

/** A notification the simulator sent (or tried to send). */
export interface SimNotification {
  notificationId: string;
  notificationType: string;
  appId: string;
  at: number;
  body: Record<string, unknown>;
  destinationUrl: string | null;
  delivery: { status: 'delivered' | 'failed' | 'no-destination'; httpStatus?: number; error?: string };
}

/** One request as seen by the simulator. */
export interface SimRequestLogEntry {
  requestId: string;
  at: number;
  method: string;
  path: string;
  region: Region;
  operation: string | null;
  status: number;
  /** SP-API calls: the query string as sent, without the `?` (absent when empty). */
  query?: string;
  sellingPartnerId?: string;
  appId?: string;
  /** Amazon Ads calls: the advertiser whose token was used. */
  advertiserId?: string;
  /**
   * Amazon Ads calls: the `Amazon-Advertising-API-ClientId` and `-Scope` headers as sent (never the
   * `Authorization` header: tokens are not logged).
   */
  headers?: { clientId?: string; scope?: string };
  /** e.g. 'throttled', 'fault:503', 'auth:expired' */
  note?: string;
}

/** A fault injected into a share of calls. */
export interface SimFaultRule {
  id: string;
  /** operationId, `lwa` for the token endpoint, or `*` for every SP-API operation. */
  operation: string;
  kind: '429' | '500' | '503' | 'latency' | 'drop';
  /** 0..1 share of matching calls affected. */
  share: number;
  latencyMs?: number;
  /** Optional: stop after this many injections. */
  remaining?: number;
}

/**
 * A token bucket for a (sellingPartnerId, appId, operation) triple. Refills in real time, and also
 * over simulated time when `bucketsRefillOnClockJump` is on.
 */
export interface SimBucket {
  tokens: number;
  updatedAtReal: number;
  /** Simulated time of the last update (absent in state files saved before it was kept). */
  updatedAtSim?: number;
}

/** A Reports API 2021-06-30 report (https://developer-docs.amazon.com/sp-api/docs/reports-api-v2021-06-30-reference). Keyed by reportId. */
export interface SimReport {
  reportId: string;
  sellingPartnerId: string;
  /** The application that asked for it; null for Amazon's own (settlement) reports, seen by every app. */
  appId: string | null;
  region: Region;
  reportType: string;
  marketplaceIds: string[];
  reportOptions?: Record<string, string>;
  dataStartTime: number;
  dataEndTime: number;
  createdAt: number;
  reportScheduleId?: string;
  /** Simulated time spent IN_QUEUE, then IN_PROGRESS; null processing: stuck IN_PROGRESS forever. */
  queueMs: number;
  processingMs: number | null;
  /** A `/_sim/reports/behaviour` rule made it end FATAL. */
  forceFatal?: boolean;
  /** Frozen once: by cancelReport, or when the report is first seen after its processing ended. */
  result?: { status: 'DONE' | 'CANCELLED' | 'FATAL'; reportDocumentId?: string; cancelledAt?: number };
}

/** A report document behind getReportDocument's presigned URL. Keyed by reportDocumentId. */
export interface SimReportDocument {
  reportDocumentId: string;
  reportId: string;
  sellingPartnerId: string;
  appId: string | null;
  region: Region;
  contentType: string;
  /** GZIP-compressed (`compressionAlgorithm: "GZIP"`); the body is then base64 of the GZIP bytes. */
  compressed: boolean;
  body: string;
  /** Uncompressed size in bytes. */
  size: number;
  createdAt: number;
  /** Raised by `/_sim/reports/expire-document-urls`: URLs signed for an earlier value have expired. */
  urlGeneration: number;
}

/** A report schedule, the seller's (created through the API) or Amazon's (settlements). Keyed by id. */
export interface SimReportSchedule {
  reportScheduleId: string;
  sellingPartnerId: string;
  /** null: Amazon's own schedule, seen by every app and not cancellable. */
  appId: string | null;
  region: Region;
  reportType: string;
  marketplaceIds: string[];
  reportOptions?: Record<string, string>;
  /** ISO 8601 period as the model lists it (`P1D`, `PT15M`, `P1M`, …). */
  period: string;
  nextReportAt: number;
  createdAt: number;
}

/** A `/_sim/reports/behaviour` rule: how reports created from now on are processed. */
export interface SimReportBehaviour {
  id: string;
  outcome: 'normal' | 'fatal' | 'stuck' | 'slow';
  processingSeconds?: number;
  reportType?: string;
  sellingPartnerId?: string;
  /** Applies to this many more reports, then goes away; absent: until removed. */
  remaining?: number;
}

export interface SimState {
  apps: Map<string, SimApp>;
  sellers: Map<string, SimSeller>;
  authorizations: Map<string, SimAuthorization>;
  authCodes: Map<string, SimAuthCode>;
  accessTokens: Map<string, SimAccessToken>;
  sellerSessions: Map<string, SimSellerSession>;
  amazonStates: Map<string, SimAmazonState>;
  orders: Map<string, SimOrder>;
  listings: Map<string, SimListing>;
  notifications: SimNotification[];
  requestLog: SimRequestLogEntry[];
  faults: SimFaultRule[];
  buckets: Map<string, SimBucket>;
  reports: Map<string, SimReport>;
  reportDocuments: Map<string, SimReportDocument>;
  reportSchedules: Map<string, SimReportSchedule>;
  reportBehaviours: SimReportBehaviour[];
  adsClients: Map<string, SimAdsClient>;
  advertisers: Map<string, SimAdvertiser>;
  adsAuthorizations: Map<string, SimAdsAuthorization>;
  adsAuthCodes: Map<string, SimAdsAuthCode>;
  adsAccessTokens: Map<string, SimAdsAccessToken>;
  adsSessions: Map<string, SimAdsSession>;
  adsBehaviour: SimAdsBehaviour;
}

/** An empty world. */
export function createEmptyState(): SimState {
  return {
    apps: new Map(),
    sellers: new Map(),
    authorizations: new Map(),
    authCodes: new Map(),
    accessTokens: new Map(),
    sellerSessions: new Map(),
    amazonStates: new Map(),
    orders: new Map(),
    listings: new Map(),
    notifications: [],
    requestLog: [],
    faults: [],
    buckets: new Map(),
    reports: new Map(),
    reportDocuments: new Map(),
    reportSchedules: new Map(),
    reportBehaviours: [],
    adsClients: new Map(),
    advertisers: new Map(),
    adsAuthorizations: new Map(),
    adsAuthCodes: new Map(),
    adsAccessTokens: new Map(),
    adsSessions: new Map(),
    adsBehaviour: defaultAdsBehaviour(),
  };
}

/** Key of a listing in `SimState.listings`. */
export function listingKey(sellingPartnerId: string, sku: string): string {
  return `${sellingPartnerId}|${sku}`;
}
