import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../kernel/errors.js';
import { Secret } from '../kernel/secret.js';

/**
 * The service's configuration, parsed once from the environment (and CLI overrides) into a frozen
 * object. Libraries never read process.env; docs/configuration.md lists every variable.
 */

export type RegionCode = 'NA' | 'EU' | 'FE';

const url = z.url({ protocol: /^https?$/ });
const port = z.coerce.number().int().min(0).max(65535);

const schema = z
  .object({
    SELLERLINK_MODE: z.enum(['sandbox', 'production']).optional(),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: port.default(3000),
    PUBLIC_URL: url.optional(),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    SELLERLINK_DATA_DIR: z.string().min(1).default('.sellerlink'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    SIMULATOR_PORT: port.optional(),
    SIMULATOR_SPEED: z.coerce.number().positive().default(1),
    LWA_TOKEN_URL: url.default('https://api.amazon.com/auth/o2/token'),
    SPAPI_URL_NA: url.default('https://sellingpartnerapi-na.amazon.com'),
    SPAPI_URL_EU: url.default('https://sellingpartnerapi-eu.amazon.com'),
    SPAPI_URL_FE: url.default('https://sellingpartnerapi-fe.amazon.com'),
    SELLER_CENTRAL_URL_NA: url.default('https://sellercentral.amazon.com'),
    SELLER_CENTRAL_URL_EU: url.default('https://sellercentral-europe.amazon.com'),
    SELLER_CENTRAL_URL_FE: url.default('https://sellercentral.amazon.co.jp'),
    SELLERLINK_VAULT_KEYS: z.string().min(1).optional(),
    AMAZON_APP_ID: z.string().min(1).optional(),
    AMAZON_CLIENT_ID: z.string().min(1).optional(),
    AMAZON_CLIENT_SECRET: z.string().min(1).optional(),
    AMAZON_APP_NAME: z.string().min(1).default('Sellerlink'),
    AMAZON_APP_STATUS: z.enum(['draft', 'published']).default('published'),
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\/[^/]+/, 'must be an smtp:// or smtps:// URL (smtp://user:password@host:587)')
      .optional(),
    MAIL_FROM: z.string().min(3).default('Sellerlink <sellerlink@localhost>'),
    NOTIFY_OPERATOR_EMAILS: z.string().optional(),
    NOTIFY_POLL_SECONDS: z.coerce.number().min(0).max(3600).default(5),
    MAIL_CATCHER_PORT: port.optional(),
    AMAZON_NOTIFICATION_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
    SECRET_ROTATE_AHEAD_DAYS: z.coerce.number().int().min(0).max(170).default(30),
    ORDERS_IMPORT_INTERVAL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(300),
    ORDERS_OVERLAP_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
    ORDERS_INITIAL_LOOKBACK_DAYS: z.coerce.number().int().min(1).max(730).default(30),
    ORDERS_INCLUDED_DATA: z
      .string()
      .regex(
        /^\s*(?:(?:BUYER|RECIPIENT|PROCEEDS|EXPENSE|PROMOTION|CANCELLATION|FULFILLMENT|PACKAGES|TAX|PAYMENT|FULFILLMENT_ORDERS)\s*(?:,\s*|$))*$/,
        'must be a comma-separated list of searchOrders includedData values (e.g. FULFILLMENT,PROCEEDS)',
      )
      .default('FULFILLMENT,PROCEEDS'),
  })
  .strict();

/** Amazon endpoints per region (FACTS §1.2, §2, §5.1); overridable for the simulator. */
export interface AmazonEndpoints {
  lwaTokenUrl: string;
  spApi: Record<RegionCode, string>;
  sellerCentral: Record<RegionCode, string>;
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
  simulator: { port: number; speed: number };
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
  };
  /** The monitor (docs/monitor.md). */
  monitor: {
    /** Days before a client secret expires that automatic rotation starts; 0: off (operators are warned instead). */
    rotateAheadDays: number;
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
  };
}

/** Only these keys of the environment are read (plus a few prefixes nobody else uses). */
const KNOWN_KEYS = new Set(Object.keys(schema.shape));

/** Parses configuration from an environment map; throws CONFIG_INVALID naming each bad variable. */
export function loadConfig(
  env: Record<string, string | undefined>,
  overrides: Record<string, string> = {},
): Readonly<Config> {
  const picked: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...env, ...overrides })) {
    if (KNOWN_KEYS.has(key) && value !== undefined && value !== '') picked[key] = value;
  }
  const parsed = schema.safeParse(picked);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new AppError('CONFIG_INVALID', `invalid configuration: ${problems.join('; ')}`, {
      details: { problems },
    });
  }
  const e = parsed.data;
  const mode = e.SELLERLINK_MODE ?? (e.AMAZON_CLIENT_ID ? 'production' : 'sandbox');
  const dataDir = path.resolve(e.SELLERLINK_DATA_DIR);
  if (mode === 'production' && !e.SELLERLINK_VAULT_KEYS) {
    throw new AppError(
      'CONFIG_INVALID',
      'production mode refuses to start without SELLERLINK_VAULT_KEYS (id:base64 of 32 random bytes, newest first); see docs/configuration.md',
      { details: { problems: ['SELLERLINK_VAULT_KEYS: required in production mode'] } },
    );
  }
  const config: Config = {
    mode,
    host: e.HOST,
    port: e.PORT,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL }
      : { kind: 'pglite', dataDir: path.join(dataDir, 'db') },
    dataDir,
    logLevel: e.LOG_LEVEL,
    simulator: { port: e.SIMULATOR_PORT ?? (e.PORT === 0 ? 0 : e.PORT + 1), speed: e.SIMULATOR_SPEED },
    amazon: {
      lwaTokenUrl: e.LWA_TOKEN_URL,
      spApi: { NA: e.SPAPI_URL_NA, EU: e.SPAPI_URL_EU, FE: e.SPAPI_URL_FE },
      sellerCentral: {
        NA: e.SELLER_CENTRAL_URL_NA,
        EU: e.SELLER_CENTRAL_URL_EU,
        FE: e.SELLER_CENTRAL_URL_FE,
      },
    },
    vaultKeys: e.SELLERLINK_VAULT_KEYS ?? null,
    application: configuredApplication(e),
    notificationSecret: e.AMAZON_NOTIFICATION_SECRET ? new Secret(e.AMAZON_NOTIFICATION_SECRET) : null,
    orders: {
      intervalMs: e.ORDERS_IMPORT_INTERVAL_SECONDS * 1000,
      overlapMs: e.ORDERS_OVERLAP_SECONDS * 1000,
      initialLookbackMs: e.ORDERS_INITIAL_LOOKBACK_DAYS * 86_400_000,
      includedData: e.ORDERS_INCLUDED_DATA.split(',')
        .map((v) => v.trim())
        .filter(Boolean),
    },
    monitor: { rotateAheadDays: e.SECRET_ROTATE_AHEAD_DAYS },
    notify: {
      smtpUrl: e.SMTP_URL ? new Secret(e.SMTP_URL) : null,
      mailFrom: e.MAIL_FROM,
      operatorEmails: (e.NOTIFY_OPERATOR_EMAILS ?? '')
        .split(/[\s,;]+/)
        .map((s) => s.trim())
        .filter(Boolean),
      pollSeconds: e.NOTIFY_POLL_SECONDS,
      mailCatcherPort: e.MAIL_CATCHER_PORT ?? 0,
    },
  };
  return deepFreeze(config);
}

/** The app from AMAZON_APP_ID / AMAZON_CLIENT_ID / AMAZON_CLIENT_SECRET: all three or none. */
function configuredApplication(e: z.infer<typeof schema>): Config['application'] {
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

/** Points the Amazon endpoints at a simulator origin, one path prefix per region. */
export function simulatorEndpoints(origin: string): AmazonEndpoints {
  const base = origin.replace(/\/$/, '');
  return {
    lwaTokenUrl: `${base}/auth/o2/token`,
    spApi: { NA: `${base}/na`, EU: `${base}/eu`, FE: `${base}/fe` },
    sellerCentral: { NA: `${base}/na`, EU: `${base}/eu`, FE: `${base}/fe` },
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
