import { DAY, MINUTE, SECOND } from '../kernel/clock.js';

/**
 * Every knob of the simulator. Items that Amazon's documentation does not confirm (marked UNCONFIRMED) are options here, defaulting to
 * the most likely behaviour; docs/simulator.md lists them.
 */
export interface SimulatorConfig {
  /** Multiplies every usage-plan rate (tokens per second); burst sizes stay as in the models. */
  speed: number;
  /** LWA authorization code life (https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow: 5 minutes). */
  authCodeTtlMs: number;
  /** LWA access token life (https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api: 3600 s). */
  accessTokenTtlMs: number;
  /** Restricted Data Token life (https://developer-docs.amazon.com/sp-api/docs/tokens-api-use-case-guide: 1 hour). */
  rdtTtlMs: number;
  /** Authorization life of public apps (https://developer-docs.amazon.com/sp-api/docs/renew-authorizations: 365 days). */
  authorizationLifetimeMs: number;
  /** UNCONFIRMED (https://developer-docs.amazon.com/sp-api/docs/renew-authorizations): whether self-authorizations expire like public ones. Default: no. */
  selfAuthorizationExpires: boolean;
  /** UNCONFIRMED (https://developer-docs.amazon.com/sp-api/docs/renew-authorizations): whether re-authorizing leaves the previous refresh token working. Default: yes, until its own expiry. */
  reauthorizationKeepsOldToken: boolean;
  /** Client secret life (https://developer-docs.amazon.com/sp-api/docs/rotate-your-application-client-secret: 180 days). */
  clientSecretLifetimeMs: number;
  /** Grace for the old secret after a rotation (https://developer-docs.amazon.com/sp-api/docs/rotate-your-application-client-secret: 7 days). */
  clientSecretGraceMs: number;
  /**
   * UNCONFIRMED (https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow): what Cancel on the consent page does. 'none' redirects to the
   * redirect URI with no parameters; 'error' adds `error=access_denied` and `state`; 'stay' shows a page.
   */
  consentCancel: 'none' | 'error' | 'stay';
  /**
   * UNCONFIRMED (https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api says only "do not send scope" with grant_type=refresh_token): what LWA does
   * when a refresh_token grant carries `scope`. 'invalid_request' answers 400 invalid_request;
   * 'ignore' refreshes as if it were absent.
   */
  lwaRefreshScope: 'invalid_request' | 'ignore';
  /**
   * UNCONFIRMED what LWA does when an authorization_code grant omits `redirect_uri`: Amazon's docs
   * (https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow, step 5) list it among the
   * required parameters, and no refusal was observed. 'required' (default, as documented) answers
   * 400 invalid_request; 'rfc6749' requires it only when the authorization request carried one
   * (https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3), as many OAuth clients expect. A
   * `redirect_uri` that is sent must match in both modes.
   */
  lwaCodeRedirectUri: 'required' | 'rfc6749';
  /**
   * How issued access tokens and Restricted Data Tokens age when the simulated clock jumps.
   * 'simulated' (default): they expire by the simulated clock, so a jump of an hour expires them
   * although a client's own clock says they are fresh. 'real': they keep their lifetime in real
   * time across jumps (only real time since issue counts), so clients that cache tokens by their
   * own clock are never surprised by a 403 "expired". Amazon has one clock; this is a test-harness
   * choice, not an Amazon behaviour.
   */
  accessTokenClock: 'simulated' | 'real';
  /** UNCONFIRMED (https://developer-docs.amazon.com/sp-api/docs/selling-partner-appstore-authorization-workflow gives no lifetime): how long an `amazon_state` can be returned to the callback. */
  amazonStateTtlMs: number;
  /**
   * UNCONFIRMED (Amazon's Listings Items reference says nothing): what patchListingsItem / deleteListingsItem do for a SKU
   * that is not listed in the marketplace. 'accept' (seen on Amazon: a PATCH of an unknown SKU is
   * ACCEPTED and creates a partial listing; a DELETE is ACCEPTED and changes nothing); 'invalid'
   * answers status INVALID with an issue.
   */
  listingsMissingSku: 'accept' | 'invalid';
  /**
   * Whether createRestrictedDataToken checks the app's restricted roles (https://developer-docs.amazon.com/sp-api/docs/tokens-api-use-case-guide: Direct-to-Consumer
   * Shipping for addresses, Tax Invoicing or Tax Remittance for buyer info), answering 400 "Application
   * do not have access to some or all requested resource" when missing. Off by default because the
   * demo apps do not carry those roles.
   */
  rdtRequiresRestrictedRoles: boolean;
  /** UNCONFIRMED (https://developer-docs.amazon.com/sp-api/docs/response-format): status for a missing access token. */
  missingTokenStatus: 400 | 403;
  /** UNCONFIRMED (https://developer-docs.amazon.com/sp-api/docs/response-format, §4): status of the SP-API answer for an app whose client secrets all expired. */
  secretExpiredStatus: 401 | 403;
  /**
   * UNCONFIRMED (https://developer-docs.amazon.com/sp-api/docs/usage-plans-and-rate-limits): whether usage-plan buckets are also split per region. Seller buckets are
   * regional anyway (authorizations are); this matters for grantless calls. Default: no.
   */
  bucketsPerRegion: boolean;
  /** Rate reported in x-amzn-RateLimit-Limit: the model's rate times `speed` when true (what is enforced). */
  rateLimitHeaderScaled: boolean;
  /**
   * Whether a jump of the simulated clock refills usage-plan buckets. Off: buckets refill per real
   * second only, so a test can jump time (to expire a token, say) and still meet a throttled bucket.
   * On (sandbox mode): they refill over whichever is longer, the real or the simulated time since the
   * last call, as Amazon's would after that much time; without jumps the two are the same.
   */
  bucketsRefillOnClockJump: boolean;
  /**
   * UNCONFIRMED (https://developer-docs.amazon.com/sp-api/docs/sp-api-endpoints says only that the sandbox answers "when request parameters match"): whether
   * a static sandbox request may carry parameters an `x-amzn-api-sandbox.static` entry does not name.
   * 'ignore' (default) matches on the entry's parameters alone, so the required parameters a client
   * always sends do not spoil a match; 'reject' needs the request to carry exactly the entry's set.
   */
  sandboxExtraParameters: 'ignore' | 'reject';
  /**
   * UNCONFIRMED (https://developer-docs.amazon.com/sp-api/docs/orders-api-migration-guide only says *Before must be ≥ 2 minutes before now): the upper bound that
   * searchOrders/getOrders use when no createdBefore/lastUpdatedBefore is sent, as now minus this. It
   * is echoed in the response (`lastUpdatedBefore`/`createdBefore`) so importers can use it as their
   * next watermark. Default 2 minutes, the same margin Amazon demands for an explicit bound.
   */
  ordersDefaultBeforeLagMs: number;
  /**
   * UNCONFIRMED: whether searchOrders (2026-01-01) requires `marketplaceIds`. The 2026-01-01 model marks
   * it optional (v0 `MarketplaceIds` is required, https://developer-docs.amazon.com/sp-api/docs/orders-api-migration-guide); when optional and absent, every
   * marketplace of the seller is searched. Default false, as the model says.
   */
  searchOrdersRequireMarketplaceIds: boolean;
  /**
   * What Orders v0 returns as `ShippingAddress` without an RDT covering `shippingAddress` (https://developer-docs.amazon.com/sp-api/docs/tokens-api-use-case-guide:
   * "the PII fields are left out"). 'non-pii' keeps City, StateOrRegion, PostalCode and CountryCode,
   * as observed in amzn/selling-partner-api-models#314, #1837 and jlevers/selling-partner-api#189;
   * 'omit' drops the whole object. BuyerInfo is omitted either way.
   */
  ordersV0AddressWithoutRdt: 'non-pii' | 'omit';
  /** Reports API: simulated seconds a new report stays IN_QUEUE. */
  reportQueueSeconds: number;
  /** Reports API: simulated seconds a report is IN_PROGRESS (minutes on Amazon, https://developer-docs.amazon.com/sp-api/docs/reports-api-v2021-06-30-retrieve-a-report). */
  reportProcessingSeconds: number;
  /** Life of a report document URL (https://developer-docs.amazon.com/sp-api/docs/reports-api-v2021-06-30-reference: "This URL expires after 5 minutes"). */
  reportDocumentTtlSeconds: number;
  /** Longest order-tracking report range; longer ranges end FATAL with Amazon's "Date range exceeded" document. */
  reportMaxRangeDays: number;
  /** Documents at least this many bytes are GZIP-compressed (0: always, -1: never). */
  reportGzipMinBytes: number;
  /** UNCONFIRMED (Amazon says only "regularly"): length of a settlement period. */
  settlementPeriodDays: number;
  /** How many request log entries are kept (oldest dropped first). */
  requestLogLimit: number;
  /** Seed for the simulator's own randomness (fault shares, generated data). */
  seed: number;
}

/** The defaults: Amazon's documented values at speed 1. */
export const DEFAULT_SIMULATOR_CONFIG: Readonly<SimulatorConfig> = Object.freeze({
  speed: 1,
  authCodeTtlMs: 5 * MINUTE,
  accessTokenTtlMs: 3600 * SECOND,
  rdtTtlMs: 3600 * SECOND,
  authorizationLifetimeMs: 365 * DAY,
  selfAuthorizationExpires: false,
  reauthorizationKeepsOldToken: true,
  clientSecretLifetimeMs: 180 * DAY,
  clientSecretGraceMs: 7 * DAY,
  consentCancel: 'none',
  lwaRefreshScope: 'invalid_request',
  lwaCodeRedirectUri: 'required',
  accessTokenClock: 'simulated',
  amazonStateTtlMs: 15 * MINUTE,
  listingsMissingSku: 'accept',
  rdtRequiresRestrictedRoles: false,
  missingTokenStatus: 403,
  secretExpiredStatus: 403,
  bucketsPerRegion: false,
  rateLimitHeaderScaled: true,
  bucketsRefillOnClockJump: false,
  sandboxExtraParameters: 'ignore',
  ordersDefaultBeforeLagMs: 2 * MINUTE,
  searchOrdersRequireMarketplaceIds: false,
  ordersV0AddressWithoutRdt: 'non-pii',
  reportQueueSeconds: 15,
  reportProcessingSeconds: 120,
  reportDocumentTtlSeconds: 300,
  reportMaxRangeDays: 30,
  reportGzipMinBytes: 1024,
  settlementPeriodDays: 14,
  requestLogLimit: 10_000,
  seed: 1,
});

/** Merges overrides onto the defaults and checks them. */
export function resolveSimulatorConfig(overrides: Partial<SimulatorConfig> = {}): SimulatorConfig {
  const config = { ...DEFAULT_SIMULATOR_CONFIG, ...overrides };
  if (!(config.speed > 0) || !Number.isFinite(config.speed)) {
    throw new RangeError(`simulator speed must be a positive number (got ${config.speed})`);
  }
  checkReportConfig(config);
  return config;
}

/** The Reports knobs must be whole, non-negative numbers (the settlement period at least a day). */
function checkReportConfig(config: SimulatorConfig): void {
  const counts = {
    reportQueueSeconds: config.reportQueueSeconds,
    reportProcessingSeconds: config.reportProcessingSeconds,
    reportDocumentTtlSeconds: config.reportDocumentTtlSeconds,
    reportMaxRangeDays: config.reportMaxRangeDays,
  };
  for (const [name, value] of Object.entries(counts)) {
    if (!Number.isFinite(value) || value < 0)
      throw new RangeError(`simulator ${name} must be >= 0 (got ${value})`);
  }
  if (!Number.isInteger(config.reportGzipMinBytes) || config.reportGzipMinBytes < -1) {
    throw new RangeError(
      `simulator reportGzipMinBytes must be an integer >= -1 (got ${config.reportGzipMinBytes})`,
    );
  }
  if (!Number.isInteger(config.settlementPeriodDays) || config.settlementPeriodDays < 1) {
    throw new RangeError(
      `simulator settlementPeriodDays must be a positive integer (got ${config.settlementPeriodDays})`,
    );
  }
}
