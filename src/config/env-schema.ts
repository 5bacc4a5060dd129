import { z } from 'zod';
import { parseReturnUrlList } from '../accounts/return-urls.js';

/**
 * The environment variables the service reads, each with its type, bounds and default
 * (docs/configuration.md describes them); config.ts turns the parsed values into the Config.
 */

const url = z.url({ protocol: /^https?$/ });
const port = z.coerce.number().int().min(0).max(65535);

/** A comma- or space-separated list, trimmed, without empty items. */
export function splitList(value: string): string[] {
  return value
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Why a list of return URL prefixes is refused, or null. */
function returnUrlProblem(values: string[]): string | null {
  try {
    parseReturnUrlList(values, 'CONNECT_RETURN_URLS');
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

export const schema = z
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
    TRUST_PROXY: z.string().optional(),
    METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    SIMULATOR_PORT: port.optional(),
    SIMULATOR_SPEED: z.coerce.number().positive().default(1),
    SIMULATOR_REPORT_SECONDS: z.coerce.number().int().min(0).max(86_400).default(30),
    SIMULATOR_TOKEN: z
      .string()
      .regex(/^\S{32,}$/, 'must be at least 32 characters without spaces')
      .optional(),
    LWA_TOKEN_URL: url.default('https://api.amazon.com/auth/o2/token'),
    SPAPI_URL_NA: url.default('https://sellingpartnerapi-na.amazon.com'),
    SPAPI_URL_EU: url.default('https://sellingpartnerapi-eu.amazon.com'),
    SPAPI_URL_FE: url.default('https://sellingpartnerapi-fe.amazon.com'),
    SELLER_CENTRAL_URL_NA: url.default('https://sellercentral.amazon.com'),
    SELLER_CENTRAL_URL_EU: url.default('https://sellercentral-europe.amazon.com'),
    SELLER_CENTRAL_URL_FE: url.default('https://sellercentral.amazon.co.jp'),
    ADS_CONSENT_URL_NA: url.default('https://www.amazon.com/ap/oa'),
    ADS_CONSENT_URL_EU: url.default('https://eu.account.amazon.com/ap/oa'),
    ADS_CONSENT_URL_FE: url.default('https://apac.account.amazon.com/ap/oa'),
    ADS_TOKEN_URL_NA: url.default('https://api.amazon.com/auth/o2/token'),
    ADS_TOKEN_URL_EU: url.default('https://api.amazon.co.uk/auth/o2/token'),
    ADS_TOKEN_URL_FE: url.default('https://api.amazon.co.jp/auth/o2/token'),
    ADS_API_URL_NA: url.default('https://advertising-api.amazon.com'),
    ADS_API_URL_EU: url.default('https://advertising-api-eu.amazon.com'),
    ADS_API_URL_FE: url.default('https://advertising-api-fe.amazon.com'),
    ADS_CLIENT_ID: z.string().min(1).optional(),
    ADS_CLIENT_SECRET: z.string().min(1).optional(),
    ADS_APP_NAME: z.string().min(1).default('Sellerlink Ads'),
    ADS_PROXY_RATE_PER_SECOND: z.coerce.number().positive().max(1000).default(1),
    ADS_PROXY_BURST: z.coerce.number().int().min(1).max(1000).default(2),
    ADS_PROXY_MAX_WAIT_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
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
    CONNECT_RETURN_URLS: z
      .string()
      .optional()
      .refine((v) => v === undefined || returnUrlProblem(splitList(v)) === null, {
        message: 'must be comma-separated https URL prefixes (http only for localhost), without #fragments',
      }),
    CONNECT_LINK_MINUTES: z.coerce.number().int().min(1).max(1440).default(30),
    RENEW_LINK_DAYS: z.coerce.number().int().min(1).max(60).default(14),
    NOTIFY_POLL_SECONDS: z.coerce.number().min(0).max(3600).default(5),
    MAIL_CATCHER_PORT: port.optional(),
    WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false']).optional(),
    AMAZON_NOTIFICATION_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
    SECRET_ROTATE_AHEAD_DAYS: z.coerce.number().int().min(0).max(170).default(30),
    ORDERS_IMPORT_INTERVAL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(300),
    ORDERS_OVERLAP_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
    ORDERS_INITIAL_LOOKBACK_DAYS: z.coerce.number().int().min(1).max(730).default(30),
    ORDERS_REPORT_BACKFILL_AFTER_HOURS: z.coerce.number().min(0).max(8760).default(6),
    ORDERS_REPORT_WINDOW_DAYS: z.coerce.number().int().min(1).max(30).default(29),
    ORDERS_REPORT_LAG_MINUTES: z.coerce.number().int().min(0).max(1440).default(30),
    ORDERS_REPORT_POLL_SECONDS: z.coerce.number().int().min(5).max(3600).default(30),
    ORDERS_REPORT_TIMEOUT_MINUTES: z.coerce.number().int().min(5).max(2880).default(120),
    ORDERS_REPORT_RETRY_AFTER_HOURS: z.coerce.number().min(0).max(720).default(24),
    ANALYTICS_INTERVAL_HOURS: z.coerce
      .number()
      .max(168)
      .refine((h) => h === 0 || h >= 1, 'must be 0 (off) or 1 to 168')
      .default(6),
    ANALYTICS_LOOKBACK_DAYS: z.coerce.number().int().min(1).max(730).default(30),
    ANALYTICS_REFRESH_DAYS: z.coerce.number().int().min(1).max(60).default(3),
    ANALYTICS_POLL_SECONDS: z.coerce.number().int().min(10).max(3600).default(60),
    LISTINGS_RETRY_HOURS: z.coerce.number().min(1).max(720).default(24),
    LISTINGS_IN_FLIGHT_SETTLE_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
    ORDERS_INCLUDED_DATA: z
      .string()
      .regex(
        /^\s*(?:(?:BUYER|RECIPIENT|PROCEEDS|EXPENSE|PROMOTION|CANCELLATION|FULFILLMENT|PACKAGES|TAX|PAYMENT|FULFILLMENT_ORDERS)\s*(?:,\s*|$))*$/,
        'must be a comma-separated list of searchOrders includedData values (e.g. FULFILLMENT,PROCEEDS)',
      )
      .default('FULFILLMENT,PROCEEDS'),
  })
  .strict();

export type Env = z.infer<typeof schema>;
