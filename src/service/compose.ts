import type { Hono } from 'hono';
import { createAccounts, type Accounts } from '../accounts/service.js';
import { createApiKeys, type ApiKeys } from '../accounts/api-keys.js';
import { createAmazonStack, type AmazonStack } from '../amazon-stack.js';
import {
  createRefreshTokenResealer,
  vaultKeyUsage,
  type KeyUsage,
  type RefreshTokenResealer,
} from '../broker/reseal.js';
import { simulatorEndpoints, type AmazonEndpoints, type Config } from '../config/config.js';
import { createAuditLog, type AuditLog } from '../connections/audit.js';
import { createConnectionManager, type ConnectionManager } from '../connections/manage.js';
import { createOAuthFlow, type OAuthFlow } from '../connections/oauth.js';
import { startJobs, type JobTiming, type Jobs } from '../jobs/boss.js';
import { systemClock, type Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import { cryptoRandom, randomUuid, type Random } from '../kernel/random.js';
import { createApplications, type Applications } from '../lifecycle/applications.js';
import { createListingDrainer, type ListingDrainer } from '../listings/drain.js';
import { queueListingDrain } from '../listings/jobs.js';
import { createListingOutbox, type ListingOutbox } from '../listings/outbox.js';
import { createMetrics, registerDeliveryBacklog, type Metrics } from '../metrics.js';
import { createMonitor, type Monitor } from '../monitor/monitor.js';
import { createSecretRotation, type SecretRotation } from '../monitor/secrets.js';
import { createOrderImporter, type OrderImporter } from '../orders/import.js';
import { createOrders, type Orders } from '../orders/orders.js';
import { createOrderQueries } from '../orders/queries.js';
import { openStore, type Store } from '../store/database.js';
import { createVault, type Vault } from '../vault/envelope.js';
import type { KeyRing } from '../vault/keyring.js';
import { openKeyRing } from '../vault/open.js';
import type { WebEnv } from '../web/context.js';
import { Lifetime } from './lifetime.js';
import { openNotifications, type Notifications } from './notifications.js';
import { assertSandboxEndpoints, openSandbox, savedSandboxClock, type Sandbox } from './sandbox.js';
import { setUpService, type ServiceSetUp } from './set-up.js';
import { createWeb } from './web.js';
import { startWorkers } from './workers.js';

/**
 * What a process runs: the whole service (`all`, `sellerlink start`), its web or worker half, an
 * operator command (`cli`: use cases on the configured database, no simulator, jobs or web), or
 * just the use cases over injected parts (`use-cases`: tests and benches).
 */
export type Role = 'all' | 'web' | 'worker' | 'cli' | 'use-cases';

/** Explicit replacements for what the configuration would open or use (tests and benches). */
export interface Overrides {
  /** Opens the database instead of `config.database` (tests use a prepared template). */
  openStore?: () => Promise<Store>;
  clock?: Clock;
  random?: Random;
  fetch?: typeof fetch;
  /** Amazon's endpoints (e.g. a simulator the caller runs); the sandbox's own simulator is then not started. */
  endpoints?: AmazonEndpoints;
  /** The SP-API rate limiter's clock (default: real time; the sandbox's simulated time in sandbox mode). */
  limiterClock?: Clock;
  /** Job expiry, maintenance interval and work budget (tests shorten them). */
  jobTiming?: Partial<JobTiming>;
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
  readonly connections: ConnectionManager;
  readonly apiKeys: ApiKeys;
  readonly refreshTokens: RefreshTokenResealer;
  readonly notifications: Notifications;
  readonly listings: ListingOutbox;
  readonly listingDrainer: ListingDrainer;
  readonly orderImporter: OrderImporter;
  readonly orders: Orders;
  readonly secrets: SecretRotation;
  readonly monitor: Monitor;
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

/**
 * The composition factory: builds the whole object graph of a process from the configuration and
 * explicit overrides, for `start`, `web`, `worker`, every CLI command, the tests and the benches.
 * Opens the vault first (a bad key stops before anything else), then the database (running
 * migrations), the sandbox simulator where the role needs one, the job system, the use cases, the
 * service's set-up (configured and demo applications), the workers and the web app. On failure,
 * whatever was opened is closed again.
 */
export async function composeSellerlink(
  config: Readonly<Config>,
  options: ComposeOptions,
): Promise<Sellerlink> {
  const { role, logger } = options;
  const overrides = options.overrides ?? {};
  const lifetime = new Lifetime(logger);
  try {
    const random = overrides.random ?? cryptoRandom;
    const fetchFn = overrides.fetch ?? globalThis.fetch.bind(globalThis);
    const keyRing = openKeyRing(config, random, systemClock, logger);
    const vault = createVault(keyRing, random);
    const store = overrides.openStore
      ? await overrides.openStore()
      : await openStore(config.database, { owner: options.owner ?? `sellerlink ${role}` });
    lifetime.onClose(() => store.close());
    const sandbox = await openSandbox(config, role, logger, fetchFn, overrides.endpoints !== undefined);
    if (sandbox) lifetime.onClose(() => sandbox.stop());
    const clock = overrides.clock ?? sandbox?.clock ?? fallbackClock(config, role);
    const endpoints = overrides.endpoints ?? amazonEndpoints(config, role, sandbox);
    if (config.mode === 'sandbox') assertSandboxEndpoints(endpoints);
    const jobs = runsWorkers(role)
      ? await startJobs({
          store,
          ...(overrides.jobTiming ? { timing: overrides.jobTiming } : {}),
          onError: (err) => logger.error({ err: err.message }, 'job system error'),
        })
      : null;
    if (jobs) lifetime.onQuiesce(() => jobs.stop(JOBS_STOP_MS));
    const parts = { config, logger, clock, random, fetchFn, store, keyRing, vault, endpoints, sandbox, jobs };
    const useCases = createUseCases(parts, overrides);
    const notifications = await openNotifications({ ...parts, role, lifetime, amazon: useCases.amazon });
    registerDeliveryBacklog(
      useCases.metrics.registry,
      () => notifications.notify.deliveries.backlog(),
      logger,
    );
    const setUp = await setUpService({ ...parts, role, ...useCases });
    const graph: Sellerlink = {
      role,
      ...parts,
      ...useCases,
      notifications,
      jobs,
      web: null,
      setUp,
      keyUsage: () => keyUsage(store, notifications),
      close: () => lifetime.close(),
      onQuiesce: (stop) => lifetime.onQuiesce(stop),
    };
    const notifyJobs = jobs ? await startWorkers(graph, jobs) : null;
    const web = runsWeb(role) ? createWeb(graph, notifyJobs, fetchFn) : null;
    return { ...graph, web };
  } catch (err) {
    await lifetime.close();
    throw err;
  }
}

/** How long running jobs get at shutdown before pg-boss fails them (retried on another worker). */
export const JOBS_STOP_MS = 2_500;

function runsWorkers(role: Role): boolean {
  return role === 'all' || role === 'worker';
}

function runsWeb(role: Role): boolean {
  return role === 'all' || role === 'web';
}

/**
 * Without a simulator in this process: an operator command in sandbox mode runs on the simulated
 * clock the sandbox saved (days left then match the portal); anything else on real time.
 */
function fallbackClock(config: Readonly<Config>, role: Role): Clock {
  return config.mode === 'sandbox' && role === 'cli' ? savedSandboxClock(config.dataDir) : systemClock;
}

/** Amazon, or in sandbox mode the simulator (this process's, or the sandbox's on SIMULATOR_PORT for the CLI). */
function amazonEndpoints(config: Readonly<Config>, role: Role, sandbox: Sandbox | null): AmazonEndpoints {
  if (sandbox) return simulatorEndpoints(sandbox.server.url);
  if (config.mode === 'sandbox' && role === 'cli')
    return simulatorEndpoints(`http://${config.host}:${config.simulator.port}`);
  return config.amazon;
}

/** What every use case is built from. */
interface Parts {
  config: Readonly<Config>;
  logger: Logger;
  clock: Clock;
  random: Random;
  fetchFn: typeof fetch;
  store: Store;
  vault: Vault;
  endpoints: AmazonEndpoints;
  sandbox: Sandbox | null;
  jobs: Jobs | null;
}

/** The use cases, each built once with its dependencies. */
function createUseCases(parts: Parts, overrides: Overrides) {
  const { config, logger, clock, random, store, vault, endpoints, sandbox, jobs } = parts;
  const newId = (): string => randomUuid(random);
  const db = store.db;
  const metrics = createMetrics();
  const applications = createApplications({ db, vault, clock, newId });
  const audit = createAuditLog(db, clock);
  // Listing changes that waited (for renewal, or just queued) go out at once in a process with
  // the job system; elsewhere the listings sweep queues them within a minute.
  const kickListings = (connectionId: string): void => {
    if (!jobs) return;
    queueListingDrain(jobs.boss, connectionId).catch((err: unknown) =>
      logger.error({ err }, 'could not queue a listings drain'),
    );
  };
  const limiterClock = overrides.limiterClock ?? (sandbox ? clock : undefined);
  const amazon = createAmazonStack({
    store,
    vault,
    clock,
    random,
    fetch: parts.fetchFn,
    endpoints,
    applications,
    audit,
    logger,
    metrics: metrics.spApi,
    ...(limiterClock ? { limiterClock } : {}),
    onConnectionChange: (change) => {
      if (change.type === 'renewed') kickListings(change.connectionId);
    },
  });
  const { lwa, tokens, spApi, lifecycle } = amazon;
  const connectionDeps = {
    db,
    clock,
    random,
    lwa,
    spApi,
    primeAccessToken: tokens.prime,
    applications,
    lifecycle,
    audit,
    endpoints,
    logger,
  };
  const listings = createListingOutbox({ db, clock, random });
  if (jobs) listings.onQueued(kickListings);
  const orderImporter = createOrderImporter({
    store,
    spApi,
    clock,
    logger,
    lifecycle,
    settings: config.orders,
  });
  const secrets = createSecretRotation({
    db,
    clock,
    applications,
    audit,
    lwa,
    spApi,
    logger,
    rotateAheadDays: config.monitor.rotateAheadDays,
  });
  return {
    metrics,
    accounts: createAccounts({ db, clock, random, logger }),
    applications,
    audit,
    amazon,
    oauth: createOAuthFlow(connectionDeps),
    connections: createConnectionManager(connectionDeps),
    apiKeys: createApiKeys({ db, clock, random, audit }),
    refreshTokens: createRefreshTokenResealer({ db, vault, lifecycle }),
    listings,
    listingDrainer: createListingDrainer({
      store,
      spApi,
      clock,
      logger,
      retryWindowMs: config.listings.retryWindowMs,
      inFlightSettleMs: config.listings.inFlightSettleMs,
    }),
    orderImporter,
    orders: createOrders({ queries: createOrderQueries(db), importer: orderImporter }),
    secrets,
    monitor: createMonitor({ db, clock, spApi, secrets, lifecycle, logger }),
  };
}

/** Sealed secrets per vault key id: the broker's tables plus the webhook endpoint secrets. */
async function keyUsage(store: Store, notifications: Notifications): Promise<KeyUsage[]> {
  const usage = await vaultKeyUsage(store.db);
  for (const { keyId, count } of await notifications.notify.settings.keyUsage()) {
    const found = usage.find((u) => u.keyId === keyId);
    if (found) found.webhookSecrets += count;
    else usage.push({ keyId, applications: 0, connections: 0, accessTokens: 0, webhookSecrets: count });
  }
  return usage.sort((a, b) => a.keyId.localeCompare(b.keyId));
}
