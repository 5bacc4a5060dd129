import type { Region, SimClientSecret, SimSellerUser } from './state-basics.js';

/** The Amazon Ads part of the simulator's world (slices of `SimState`; see ads-world.ts). */

/**
 * An LWA security profile registered for the Amazon Ads API (a separate client from any SP-API app,
 * https://advertising.amazon.com/API/docs/en-us/guides/onboarding/create-lwa-app). Keyed by clientId.
 */
export interface SimAdsClient {
  clientId: string;
  name: string;
  clientSecrets: SimClientSecret[];
  /** Amazon approved this client for the Ads API; until then consent answers `invalid_scope`. */
  approved: boolean;
  /** The security profile's Allowed Return URLs: `redirect_uri` must be one of them exactly. */
  returnUrls: string[];
}

/** A Sponsored Products campaign (v3 shape, https://advertising.amazon.com/API/docs/en-us/sponsored-products/3-0/openapi/prod). */
export interface SimAdsCampaign {
  campaignId: string;
  name: string;
  state: 'ENABLED' | 'PAUSED' | 'ARCHIVED';
  targetingType: 'MANUAL' | 'AUTO';
  budget: { budget: number; budgetType: 'DAILY' };
  /** YYYY-MM-DD */
  startDate: string;
}

/** An Ads profile: one advertiser in one marketplace (https://advertising.amazon.com/API/docs/en-us/reference/2/profiles). */
export interface SimAdsProfile {
  /** int64 digits below 2^53; `/v2/profiles` serialises it as a JSON number, as Amazon does. */
  profileId: string;
  region: Region;
  countryCode: string;
  currencyCode: string;
  /** Absent for vendors. */
  dailyBudget?: number;
  timezone: string;
  accountInfo: {
    marketplaceStringId: string;
    id: string;
    type: 'seller' | 'vendor' | 'agency';
    name: string;
    validPaymentMethod: boolean;
  };
  campaigns: SimAdsCampaign[];
}

/** An Amazon user (or users) with access to advertising accounts in any region. Keyed by id. */
export interface SimAdvertiser {
  id: string;
  name: string;
  users: SimSellerUser[];
  profiles: SimAdsProfile[];
}

/**
 * One Ads consent (`/ap/oa` → Allow) of an advertiser for a client. Every consent is a new
 * authorization with its own refresh token; earlier ones stay valid. Keyed by id.
 */
export interface SimAdsAuthorization {
  id: string;
  clientId: string;
  advertiserId: string;
  /** The region of the consent host. */
  region: Region;
  refreshToken: string;
  consentedAt: number;
  /** consentedAt + 365 days for consents on or after 2026-06-30, else null (no expiry). */
  expiresAt: number | null;
  revokedAt: number | null;
}

/** An Ads authorization code: single use, 5 minutes, bound to client and redirect URI. Keyed by code. */
export interface SimAdsAuthCode {
  code: string;
  clientId: string;
  redirectUri: string;
  authorizationId: string;
  issuedAt: number;
  used: boolean;
}

/** An Ads access token (valid on all three Ads API hosts). Keyed by token. */
export interface SimAdsAccessToken {
  token: string;
  clientId: string;
  authorizationId: string;
  issuedAt: number;
  expiresAt: number;
}

/** A signed-in Login with Amazon session of the Ads consent pages (one cookie per region). Keyed by id. */
export interface SimAdsSession {
  id: string;
  advertiserId: string;
  email: string;
  region: Region;
  createdAt: number;
}

/** How the Ads API throttles (`/_sim/ads/behaviour`). */
export interface SimAdsBehaviour {
  /** Token bucket of `POST /sp/campaigns/list`, per profile. */
  throttle: { rate: number; burst: number };
  /** The next this many campaign-list calls answer 429. */
  forceThrottle: number;
  /** Retry-After of those forced 429s. */
  retryAfterSeconds: number;
}

/** The Ads behaviour of a fresh world: campaigns list 1 request/s, burst 2, nothing forced. */
export function defaultAdsBehaviour(): SimAdsBehaviour {
  return { throttle: { rate: 1, burst: 2 }, forceThrottle: 0, retryAfterSeconds: 1 };
}
