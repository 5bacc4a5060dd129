import type { Connect } from '../connect/connect.js';
import type { Ads } from '../ads/ads.js';
import type { Hono } from 'hono';
import type { Accounts } from '../accounts/service.js';
import type { Analytics } from '../analytics/analytics.js';
import type { AnalyticsFetcher } from '../analytics/fetch.js';
import type { AnalyticsSettings } from '../analytics/sales-traffic-report.js';
import type { ApiKeys } from '../accounts/api-keys.js';
import type { Provisioning } from '../accounts/provisioning.js';
import type { SpApiMetrics } from '../amazon/client.js';
import type { AmazonStack } from './amazon.js';
import type { KeyUsage, RefreshTokenResealer } from '../broker/reseal.js';
import type { AmazonEndpoints, Config } from '../config/config.js';
import type { AuditLog } from '../connections/audit.js';
import type { ConnectionManager } from '../connections/manage.js';
import type { OAuthFlow } from '../connections/oauth.js';
import type { JobTiming, Jobs } from '../jobs/boss.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import type { Random } from '../kernel/random.js';
import type { Applications } from '../lifecycle/applications.js';
import type { ListingDrainer } from '../listings/drain.js';
import type { ListingOutbox } from '../listings/outbox.js';
import type { Metrics } from '../metrics.js';
import type { Monitor } from '../monitor/monitor.js';
import type { SecretRotation } from '../monitor/secrets.js';
import type { OrderImporter, OrderImportSettings } from '../orders/import.js';
import type { Orders } from '../orders/orders.js';
import type { Store } from '../store/database.js';
import type { Vault } from '../vault/envelope.js';
import type { KeyRing } from '../vault/keyring.js';
import type { WebEnv } from '../web/context.js';
import type { MailCatcher, Notify } from '../notify/index.js';
import type { Secret } from '../kernel/secret.js';
import type { Sandbox } from './sandbox.js';
import type { DemoLogin } from './sandbox.js';

/**
 * What a process runs: the whole service (`all`, `sellerlink start`), its web or worker half, an
 * operator command (`cli`: use cases on the configured database, no simulator, jobs or web), or
 * just the use cases over injected parts (`use-cases`: tests and benches).
 */
export type Role = 'all' | 'web' | 'worker' | 'cli' | 'use-cases';

/** Explicit replacements for what the configuration would open or use (tests and benches). */
export interface Overrides {
  /** Opens the database instead of `config.database` (tests use a prepared template); closed with the graph. */
  openStore?: () => Promise<Store>;
  /** A database the caller opened and closes itself (not closed with the graph). */
  store?: Store;
  clock?: Clock;
  random?: Random;
  fetch?: typeof fetch;
  /** Amazon's endpoints (e.g. a simulator the caller runs); the sandbox's own simulator is then not started. */
  endpoints?: AmazonEndpoints;
  /** The SP-API rate limiter's clock (default: real time; the sandbox's simulated time in sandbox mode). */
  limiterClock?: Clock;
  /**
   * How the SP-API client and its rate limiter wait (default a timer). A bench on a virtual clock
   * advances the clock instead, so Amazon's time passes without waiting for it.
   */
  sleep?: (ms: number) => Promise<void>;
  /** Job expiry, maintenance interval and work budget (tests shorten them). */
  jobTiming?: Partial<JobTiming>;
  /** Order import settings beyond the configuration's (page size, lag; tests and benches). */
  orderImport?: Partial<OrderImportSettings>;
  /** Counts SP-API calls, throttles and waits instead of the process's Prometheus counters (tests). */
  spApiMetrics?: SpApiMetrics;
  /** The SP-API client's retry backoff (tests shorten it). */
  spApiBackoff?: { baseMs: number; capMs: number };
  /** Analytics settings beyond the configuration's (poll interval, report timeout; tests). */
  analytics?: Partial<AnalyticsSettings>;
  /** Listings delivery timing beyond the configuration's (first retry delay; tests). */
  listingDrain?: { retryDelayMs?: number; inFlightSettleMs?: number };
}

export interface ComposeOptions {
  role: Role;
  logger: Logger;
  overrides?: Overrides;
  /** Who holds the embedded database's lock (shown to a second process refused by it). */
  owner?: string;
}

/** The whole object graph of one process. Everything is built by `composeSellerlink`, nowhere else. */
export interface Sellerlink {
  readonly role: Role;
  readonly config: Readonly<Config>;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly random: Random;
  readonly store: Store;
  readonly keyRing: KeyRing;
  readonly vault: Vault;
  readonly endpoints: AmazonEndpoints;
  /** Sandbox mode in a service role: the simulator this process runs or joined. */
  readonly sandbox: Sandbox | null;
  readonly metrics: Metrics;
  readonly accounts: Accounts;
  readonly applications: Applications;
  readonly audit: AuditLog;
  /** LWA, the connection lifecycle, the token broker and the SP-API client. */
  readonly amazon: AmazonStack;
  readonly oauth: OAuthFlow;
  /** Connect links and renew links for the vendor's software (src/connect/). */
  readonly connect: Connect;
  readonly connections: ConnectionManager;
  /** Amazon Ads connections: profiles, access tokens, the Ads API proxy (src/ads/). */
  readonly ads: Ads;
  readonly apiKeys: ApiKeys;
  readonly refreshTokens: RefreshTokenResealer;
  readonly notifications: Notifications;
  /** Provisioning accounts from the vendor's software (REST API `/v1/accounts…`, operators only). */
  readonly provisioning: Provisioning;
  readonly listings: ListingOutbox;
  readonly listingDrainer: ListingDrainer;
  readonly orderImporter: OrderImporter;
  readonly orders: Orders;
  readonly secrets: SecretRotation;
  readonly monitor: Monitor;
  /** Sales and traffic fetch (jobs) and the analytics reads (portal, API). */
  readonly analyticsFetcher: AnalyticsFetcher;
  readonly analytics: Analytics;
  /** Sealed secrets per vault key id (applications, connections, access tokens, webhook secrets). */
  keyUsage(): Promise<KeyUsage[]>;
  /** The job system, in roles that run workers. */
  readonly jobs: Jobs | null;
  /** The web app (pages, REST API, OAuth callback), in roles that serve it; not listening yet. */
  readonly web: Hono<WebEnv> | null;
  /** What the service set up at start (sandbox demo login, Amazon notification secret). */
  readonly setUp: ServiceSetUp;
  /** Stops taking work (jobs, background passes), then closes everything, the database last. */
  close(): Promise<void>;
  /** Adds a step to the first phase of `close` (e.g. closing an HTTP server). */
  onQuiesce(stop: () => Promise<void>): void;
}

/** Notifications as this process sends them: the use cases, the mailer, the sandbox mail catcher. */
export interface Notifications {
  readonly notify: Notify;
  /** Sandbox mode in the web process without SMTP_URL: the built-in mail catcher (/sandbox/mail). */
  readonly mailCatcher: MailCatcher | null;
}

/** What a service process set up at start. */
export interface ServiceSetUp {
  /** Sandbox mode: the demo login (printed on start). */
  readonly demoLogin: DemoLogin | null;
  /** The shared secret Amazon's forwarded notifications must carry (null: the endpoint refuses all). */
  readonly notificationSecret: Secret | null;
}
