import { parseReturnUrlList } from '../accounts/return-urls.js';
import path from 'node:path';
import { AppError } from '../kernel/errors.js';
import { Secret } from '../kernel/secret.js';
import { parseTrustProxy, type TrustProxy } from './trust-proxy.js';
import { schema, splitList, type Env } from './env-schema.js';

export { parseTrustProxy, type TrustProxy } from './trust-proxy.js';

/**
 * The service's configuration, parsed once from the environment (and CLI overrides) into a frozen
 * object. Libraries never read process.env; docs/configuration.md lists every variable.
 */

export type RegionCode = 'NA' | 'EU' | 'FE';

/**
 * Amazon endpoints per region (https://developer-docs.amazon.com/sp-api/docs/sp-api-endpoints,
 * https://developer-docs.amazon.com/sp-api/docs/seller-central-urls); overridable for the simulator.
 */
export interface AmazonEndpoints {
  lwaTokenUrl: string;
  spApi: Record<RegionCode, string>;
  sellerCentral: Record<RegionCode, string>;
  /**
   * The Amazon Ads API's consent pages (`/ap/oa`), LWA token endpoints and API hosts per region
   * (https://advertising.amazon.com/API/docs/en-us/guides/get-started/retrieve-access-token).
   */
  ads: {
    consent: Record<RegionCode, string>;
    token: Record<RegionCode, string>;
    api: Record<RegionCode, string>;
  };
}

export interface Config {
  /** sandbox: the built-in simulator stands in for Amazon; production: real Amazon. */
  mode: 'sandbox' | 'production';
  host: string;
  port: number;
  publicUrl: string;
  database: { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string };
  dataDir: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Which proxies in front of the web app are trusted to say the client's address (X-Forwarded-For). */
  trustProxy: TrustProxy;
  /** Bearer token that `GET /metrics` requires; null: `/metrics` answers 404. */
  metricsToken: Secret | null;
  /** Sandbox mode: the simulator's port, speed and control token (null: a fresh one per start). */
  simulator: { port: number; speed: number; reportSeconds: number; token: Secret | null };
  amazon: AmazonEndpoints;
  /** `id:base64` pairs, newest first; null in sandbox mode means the local key file. */
  vaultKeys: string | null;
  /** The vendor's app from configuration, registered (secret sealed) at start; null when not configured. */
  application: {
    appId: string;
    clientId: string;
    clientSecret: Secret;
    name: string;
    status: 'draft' | 'published';
  } | null;
  /** The vendor's Ads API security profile from configuration (ADS_CLIENT_ID/SECRET); null when not configured. */
  adsApplication: { clientId: string; clientSecret: Secret; name: string } | null;
  /** The Ads API proxy's own pacing per profile (Amazon publishes no numbers: UNCONFIRMED, so configurable). */
  adsProxy: { ratePerSecond: number; burst: number; maxWaitMs: number };
  /**
   * Shared secret the forwarder of Amazon's notifications (APPLICATION_OAUTH_CLIENT_NEW_SECRET) presents
   * at POST /amazon/notifications; null: the endpoint is off (sandbox mode makes one per start).
   */
  notificationSecret: Secret | null;
  /** Order import (docs/orders.md). */
  orders: {
    intervalMs: number;
    overlapMs: number;
    initialLookbackMs: number;
    includedData: string[];
    /** Backfill by report (src/orders/report-backfill.ts). */
    reportBackfillAfterMs: number;
    reportWindowMs: number;
    reportLagMs: number;
    reportPollMs: number;
    reportTimeoutMs: number;
    reportRetryAfterMs: number;
  };
  /** Sales and traffic analytics and settlement reports (docs/analytics.md). */
  analytics: {
    /** How often reports are requested and settlements listed, per connection (0: analytics off). */
    intervalMs: number;
    /** How far back the first fetch of a marketplace reaches, in days. */
    initialLookbackDays: number;
    /** Days before today every fetch reads again (Amazon revises recent days). */
    refreshDays: number;
    /** How often a pending report is polled. */
    pollMs: number;
  };
  /** Listings delivery (docs/listings.md). */
  listings: {
    /** How long a change Amazon keeps failing transiently (5xx, network) is retried before it fails. */
    retryWindowMs: number;
    /** How long after a send with an unknown outcome Amazon may still apply it (read back only after). */
    inFlightSettleMs: number;
  };
  /** The monitor (docs/monitor.md). */
  monitor: {
    /** Days before a client secret expires that automatic rotation starts; 0: off (operators are warned instead). */
    rotateAheadDays: number;
  };
  /** Connect links for the vendor's software (docs/api.md, "Embedding"). */
  connect: {
    /** Return URL prefixes allowed for every account (CONNECT_RETURN_URLS), besides each account's own. */
    returnUrls: string[];
    /** Default validity of a connect link (CONNECT_LINK_MINUTES, default 30). */
    linkMinutes: number;
    /** Validity of the renew links in reminders (RENEW_LINK_DAYS, default 14). */
    renewLinkDays: number;
  };
  /** E-mail and webhook notifications (docs/notifications.md). */
  notify: {
    /** SMTP server URL (with credentials); null: sandbox mode uses the mail catcher, production sends no e-mail. */
    smtpUrl: Secret | null;
    mailFrom: string;
    /** Operators' addresses (NOTIFY_OPERATOR_EMAILS, comma-separated). */
    operatorEmails: string[];
    /** Seconds between delivery runs (0: only the once-a-minute schedule). */
    pollSeconds: number;
    /** Sandbox mode: the mail catcher's SMTP port. */
    mailCatcherPort: number;
    /**
     * Webhooks may go to loopback and private (RFC 1918, fc00::/7) addresses: sandbox only
     * (WEBHOOK_ALLOW_PRIVATE, default true there); production always refuses them.
     */
    webhookAllowPrivate: boolean;
  };
}

/** Only these keys of the environment are read (plus a few prefixes nobody else uses). */
const KNOWN_KEYS = new Set(Object.keys(schema.shape));

/** The known, non-empty variables of the environment, overrides winning. */
function pickKnown(
  env: Record<string, string | undefined>,
  overrides: Record<string, string>,
): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...env, ...overrides })) {
    if (KNOWN_KEYS.has(key) && value !== undefined && value !== '') picked[key] = value;
  }
  return picked;
}

/** Parses the picked variables; throws CONFIG_INVALID naming each bad one. */
function parseEnvironment(picked: Record<string, string>): Env {
  const parsed = schema.safeParse(picked);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new AppError('CONFIG_INVALID', `invalid configuration: ${problems.join('; ')}`, {
      details: { problems },
    });
  }
  return parsed.data;
}

/**
 * The mode (sandbox unless Amazon credentials are given), checked against what production refuses:
 * starting without vault keys, and webhooks to loopback or private addresses.
 */
function resolveMode(e: Env): Config['mode'] {
  const mode = e.SELLERLINK_MODE ?? (e.AMAZON_CLIENT_ID ? 'production' : 'sandbox');
  if (mode === 'production' && !e.SELLERLINK_VAULT_KEYS) {
    throw new AppError(
      'CONFIG_INVALID',
      'production mode refuses to start without SELLERLINK_VAULT_KEYS (id:base64 of 32 random bytes, newest first); see docs/configuration.md',
      { details: { problems: ['SELLERLINK_VAULT_KEYS: required in production mode'] } },
    );
  }
  if (mode === 'production' && e.WEBHOOK_ALLOW_PRIVATE === 'true') {
    throw new AppError(
      'CONFIG_INVALID',
      'invalid configuration: WEBHOOK_ALLOW_PRIVATE: only sandbox mode may send webhooks to loopback or private addresses',
      { details: { problems: ['WEBHOOK_ALLOW_PRIVATE: sandbox mode only'] } },
    );
  }
  return mode;
}

function amazonEndpointsOf(e: Env): AmazonEndpoints {
  return {
    lwaTokenUrl: e.LWA_TOKEN_URL,
    spApi: { NA: e.SPAPI_URL_NA, EU: e.SPAPI_URL_EU, FE: e.SPAPI_URL_FE },
    sellerCentral: { NA: e.SELLER_CENTRAL_URL_NA, EU: e.SELLER_CENTRAL_URL_EU, FE: e.SELLER_CENTRAL_URL_FE },
    ads: {
      consent: { NA: e.ADS_CONSENT_URL_NA, EU: e.ADS_CONSENT_URL_EU, FE: e.ADS_CONSENT_URL_FE },
      token: { NA: e.ADS_TOKEN_URL_NA, EU: e.ADS_TOKEN_URL_EU, FE: e.ADS_TOKEN_URL_FE },
      api: { NA: e.ADS_API_URL_NA, EU: e.ADS_API_URL_EU, FE: e.ADS_API_URL_FE },
    },
  };
}

function ordersOf(e: Env): Config['orders'] {
  return {
    intervalMs: e.ORDERS_IMPORT_INTERVAL_SECONDS * 1000,
    overlapMs: e.ORDERS_OVERLAP_SECONDS * 1000,
    initialLookbackMs: e.ORDERS_INITIAL_LOOKBACK_DAYS * 86_400_000,
    reportBackfillAfterMs: e.ORDERS_REPORT_BACKFILL_AFTER_HOURS * 3_600_000,
    reportWindowMs: e.ORDERS_REPORT_WINDOW_DAYS * 86_400_000,
    reportLagMs: e.ORDERS_REPORT_LAG_MINUTES * 60_000,
    reportPollMs: e.ORDERS_REPORT_POLL_SECONDS * 1000,
    reportTimeoutMs: e.ORDERS_REPORT_TIMEOUT_MINUTES * 60_000,
    reportRetryAfterMs: e.ORDERS_REPORT_RETRY_AFTER_HOURS * 3_600_000,
    includedData: e.ORDERS_INCLUDED_DATA.split(',')
      .map((v) => v.trim())
      .filter(Boolean),
  };
}

function notifyOf(e: Env, mode: Config['mode']): Config['notify'] {
  return {
    smtpUrl: e.SMTP_URL ? new Secret(e.SMTP_URL) : null,
    mailFrom: e.MAIL_FROM,
    operatorEmails: (e.NOTIFY_OPERATOR_EMAILS ?? '')
      .split(/[\s,;]+/)
      .map((s) => s.trim())
      .filter(Boolean),
    pollSeconds: e.NOTIFY_POLL_SECONDS,
    mailCatcherPort: e.MAIL_CATCHER_PORT ?? 0,
    webhookAllowPrivate: mode === 'sandbox' && e.WEBHOOK_ALLOW_PRIVATE !== 'false',
  };
}

/** The configuration the parsed variables describe, in `mode`. */
function toConfig(e: Env, mode: Config['mode']): Config {
  const dataDir = path.resolve(e.SELLERLINK_DATA_DIR);
  return {
    mode,
    host: e.HOST,
    port: e.PORT,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL }
      : { kind: 'pglite', dataDir: path.join(dataDir, 'db') },
    dataDir,
    logLevel: e.LOG_LEVEL,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    metricsToken: e.METRICS_TOKEN ? new Secret(e.METRICS_TOKEN) : null,
    simulator: {
      port: e.SIMULATOR_PORT ?? (e.PORT === 0 ? 0 : e.PORT + 1),
      speed: e.SIMULATOR_SPEED,
      reportSeconds: e.SIMULATOR_REPORT_SECONDS,
      token: e.SIMULATOR_TOKEN ? new Secret(e.SIMULATOR_TOKEN) : null,
    },
    amazon: amazonEndpointsOf(e),
    vaultKeys: e.SELLERLINK_VAULT_KEYS ?? null,
    application: configuredApplication(e),
    adsApplication: configuredAdsApplication(e),
    adsProxy: {
      ratePerSecond: e.ADS_PROXY_RATE_PER_SECOND,
      burst: e.ADS_PROXY_BURST,
      maxWaitMs: e.ADS_PROXY_MAX_WAIT_SECONDS * 1000,
    },
    notificationSecret: e.AMAZON_NOTIFICATION_SECRET ? new Secret(e.AMAZON_NOTIFICATION_SECRET) : null,
    connect: {
      returnUrls: parseReturnUrlList(splitList(e.CONNECT_RETURN_URLS ?? ''), 'CONNECT_RETURN_URLS'),
      linkMinutes: e.CONNECT_LINK_MINUTES,
      renewLinkDays: e.RENEW_LINK_DAYS,
    },
    listings: {
      retryWindowMs: e.LISTINGS_RETRY_HOURS * 3_600_000,
      inFlightSettleMs: e.LISTINGS_IN_FLIGHT_SETTLE_SECONDS * 1000,
    },
    orders: ordersOf(e),
    analytics: {
      intervalMs: e.ANALYTICS_INTERVAL_HOURS * 3_600_000,
      initialLookbackDays: e.ANALYTICS_LOOKBACK_DAYS,
      refreshDays: e.ANALYTICS_REFRESH_DAYS,
      pollMs: e.ANALYTICS_POLL_SECONDS * 1000,
    },
    monitor: { rotateAheadDays: e.SECRET_ROTATE_AHEAD_DAYS },
    notify: notifyOf(e, mode),
  };
}

/** Parses configuration from an environment map; throws CONFIG_INVALID naming each bad variable. */
export function loadConfig(
  env: Record<string, string | undefined>,
  overrides: Record<string, string> = {},
): Readonly<Config> {
  const e = parseEnvironment(pickKnown(env, overrides));
  return deepFreeze(toConfig(e, resolveMode(e)));
}

/** The app from AMAZON_APP_ID / AMAZON_CLIENT_ID / AMAZON_CLIENT_SECRET: all three or none. */
function configuredApplication(e: Env): Config['application'] {
  const given = [e.AMAZON_APP_ID, e.AMAZON_CLIENT_ID, e.AMAZON_CLIENT_SECRET].filter(Boolean).length;
  if (given === 0) return null;
  if (given < 3) {
    throw new AppError(
      'CONFIG_INVALID',
      'AMAZON_APP_ID, AMAZON_CLIENT_ID and AMAZON_CLIENT_SECRET go together: set all three or none',
      {
        details: { problems: ['AMAZON_APP_ID/AMAZON_CLIENT_ID/AMAZON_CLIENT_SECRET: incomplete'] },
      },
    );
  }
  return {
    appId: e.AMAZON_APP_ID!,
    clientId: e.AMAZON_CLIENT_ID!,
    clientSecret: new Secret(e.AMAZON_CLIENT_SECRET!),
    name: e.AMAZON_APP_NAME,
    status: e.AMAZON_APP_STATUS,
  };
}

/** The Ads security profile from ADS_CLIENT_ID / ADS_CLIENT_SECRET: both or none. */
function configuredAdsApplication(e: Env): Config['adsApplication'] {
  if (!e.ADS_CLIENT_ID && !e.ADS_CLIENT_SECRET) return null;
  if (!e.ADS_CLIENT_ID || !e.ADS_CLIENT_SECRET) {
    throw new AppError(
      'CONFIG_INVALID',
      'ADS_CLIENT_ID and ADS_CLIENT_SECRET go together: set both or none',
      {
        details: { problems: ['ADS_CLIENT_ID/ADS_CLIENT_SECRET: incomplete'] },
      },
    );
  }
  return { clientId: e.ADS_CLIENT_ID, clientSecret: new Secret(e.ADS_CLIENT_SECRET), name: e.ADS_APP_NAME };
}

/** Points the Amazon endpoints at a simulator origin, one path prefix per region. */
export function simulatorEndpoints(origin: string): AmazonEndpoints {
  const base = origin.replace(/\/$/, '');
  return {
    lwaTokenUrl: `${base}/auth/o2/token`,
    spApi: { NA: `${base}/na`, EU: `${base}/eu`, FE: `${base}/fe` },
    sellerCentral: { NA: `${base}/na`, EU: `${base}/eu`, FE: `${base}/fe` },
    ads: {
      consent: { NA: `${base}/na/ap/oa`, EU: `${base}/eu/ap/oa`, FE: `${base}/fe/ap/oa` },
      token: {
        NA: `${base}/na/auth/o2/token`,
        EU: `${base}/eu/auth/o2/token`,
        FE: `${base}/fe/auth/o2/token`,
      },
      api: { NA: `${base}/na/ads-api`, EU: `${base}/eu/ads-api`, FE: `${base}/fe/ads-api` },
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
