import { createAds } from '../ads/ads.js';
import { createAccounts } from '../accounts/service.js';
import { createAnalytics } from '../analytics/analytics.js';
import { createAnalyticsFetcher } from '../analytics/fetch.js';
import type { SpApiClient } from '../amazon/client-types.js';
import { createApiKeys } from '../accounts/api-keys.js';
import { createProvisioning } from '../accounts/provisioning.js';
import { createAmazonStack, type AmazonStack } from './amazon.js';
import { createRefreshTokenResealer, vaultKeyUsage, type KeyUsage } from '../broker/reseal.js';
import { simulatorEndpoints, type AmazonEndpoints, type Config } from '../config/config.js';
import { createAuditLog, type AuditLog } from '../connections/audit.js';
import { createConnectionManager, type ConnectionManager } from '../connections/manage.js';
import { createOAuthFlow, type OAuthFlow } from '../connections/oauth.js';
import { createConnect } from '../connect/connect.js';
import { startJobs, type Jobs } from '../jobs/boss.js';
import { systemClock, type Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import { cryptoRandom, randomUuid, type Random } from '../kernel/random.js';
import { createApplications, type Applications } from '../lifecycle/applications.js';
import { createListingDrainer } from '../listings/drain.js';
import { queueCatalogRefresh } from '../listings/catalog-jobs.js';
import { queueListingDrain } from '../listings/jobs.js';
import { createListingOutbox } from '../listings/outbox.js';
import { createMetrics, registerDeliveryBacklog, type Metrics } from '../metrics.js';
import { createMonitor } from '../monitor/monitor.js';
import { createSecretRotation } from '../monitor/secrets.js';
import { createOrderImporter } from '../orders/import.js';
import { createOrders } from '../orders/orders.js';
import { createOrderQueries } from '../orders/queries.js';
import { openStore, type Store } from '../store/database.js';
import { createVault, type Vault } from '../vault/envelope.js';
import { openKeyRing } from '../vault/open.js';
import { Lifetime } from './lifetime.js';
import { openNotifications } from './notifications.js';
import { assertSandboxEndpoints, openSandbox, savedSandboxClock, type Sandbox } from './sandbox.js';
import { setUpService } from './set-up.js';
import type { ComposeOptions, Notifications, Overrides, Role, Sellerlink } from './types.js';
import { createWeb } from './web.js';
import { startWorkers } from './workers.js';

export type { ComposeOptions, Overrides, Role, Sellerlink } from './types.js';

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
    const store = overrides.store ?? (await openOwnStore(config, options, lifetime));
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
    const notifications = await openNotifications({
      ...parts,
      role,
      lifetime,
      amazon: useCases.amazon,
      renewLink: (connectionId, at) => useCases.connect.renewLink(connectionId, at),
    });
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
      // Account provisioning writes contacts through notify's settings (one writer per table).
      provisioning: createProvisioning({
        db: store.db,
        clock,
        audit: useCases.audit,
        notifications: notifications.notify.settings,
      }),
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

/** The database from the override or the configuration, closed last with the graph. */
async function openOwnStore(
  config: Readonly<Config>,
  options: ComposeOptions,
  lifetime: Lifetime,
): Promise<Store> {
  const open = options.overrides?.openStore;
  const store = open
    ? await open()
    : await openStore(config.database, { owner: options.owner ?? `sellerlink ${options.role}` });
  lifetime.onClose(() => store.close());
  return store;
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

/**
 * The Amazon layer with the connection lifecycle and token broker. A renewal queues the
 * connection's waiting listing changes at once in a process with the job system; elsewhere the
 * listings sweep queues them within a minute.
 */
function createAmazon(
  parts: Parts,
  overrides: Overrides,
  shared: Pick<UseCaseBase, 'applications' | 'audit' | 'metrics' | 'kickListings'>,
): AmazonStack {
  const limiterClock = overrides.limiterClock ?? (parts.sandbox ? parts.clock : undefined);
  return createAmazonStack({
    store: parts.store,
    vault: parts.vault,
    clock: parts.clock,
    random: parts.random,
    fetch: parts.fetchFn,
    endpoints: parts.endpoints,
    applications: shared.applications,
    audit: shared.audit,
    logger: parts.logger,
    metrics: overrides.spApiMetrics ?? shared.metrics.spApi,
    ...(limiterClock ? { limiterClock } : {}),
    ...(overrides.spApiBackoff ? { backoff: overrides.spApiBackoff } : {}),
    ...(overrides.sleep ? { sleep: overrides.sleep } : {}),
    adsPace: parts.config.adsProxy,
    onConnectionChange: (change) => {
      if (change.type === 'renewed') shared.kickListings(change.connectionId);
    },
  });
}

/** What every other use case shares. */
interface UseCaseBase {
  applications: Applications;
  audit: AuditLog;
  metrics: Metrics;
  /** Queues a drain of a connection's listing changes (no-op without the job system). */
  kickListings: (connectionId: string) => void;
}

function createBase(parts: Parts): UseCaseBase {
  const { store, vault, clock, random, jobs, logger } = parts;
  return {
    applications: createApplications({ db: store.db, vault, clock, newId: () => randomUuid(random) }),
    audit: createAuditLog(store.db, clock),
    metrics: createMetrics(),
    kickListings: (connectionId) => {
      if (!jobs) return;
      queueListingDrain(jobs.boss, connectionId).catch((err: unknown) =>
        logger.error({ err }, 'could not queue a listings drain'),
      );
    },
  };
}

/** The use cases, each built once with its dependencies. */
function createUseCases(parts: Parts, overrides: Overrides) {
  const { config, logger, clock, random, store, endpoints, jobs } = parts;
  const db = store.db;
  const base = createBase(parts);
  const { applications, audit, metrics, kickListings } = base;
  const amazon = createAmazon(parts, overrides, base);
  const { lwa, tokens, spApi, lifecycle } = amazon;
  const connectionDeps = {
    db,
    clock,
    random,
    lwa,
    adsLwa: amazon.adsLwa,
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
  if (jobs)
    listings.onCatalogRefresh((id) => {
      queueCatalogRefresh(jobs.boss, id).catch((err: unknown) =>
        logger.error({ err }, 'could not queue a catalog refresh'),
      );
    });
  const orderImporter = createOrderImporter({
    store,
    spApi,
    fetch: parts.fetchFn,
    clock,
    logger,
    lifecycle,
    settings: { ...config.orders, ...overrides.orderImport },
  });
  const ads = createAds({ db, clock, logger, tokens, adsApi: amazon.adsApi, applications, lifecycle });
  const oauth = createOAuthFlow(connectionDeps);
  const connections = createConnectionManager(connectionDeps);
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
    oauth,
    connections,
    connect: createConnectLinks(parts, { oauth, connections, applications }),
    // Keys checked are kept in memory at the broker's cache version (broker/cache.ts).
    apiKeys: createApiKeys({ db, clock, random, audit, cacheVersion: tokens.cacheVersion }),
    refreshTokens: createRefreshTokenResealer({ db, vault: parts.vault, lifecycle }),
    listings,
    listingDrainer: createListingDrainer({
      store,
      spApi,
      clock,
      logger,
      retryWindowMs: config.listings.retryWindowMs,
      inFlightSettleMs: config.listings.inFlightSettleMs,
      ...overrides.listingDrain,
    }),
    orderImporter,
    orders: createOrders({ queries: createOrderQueries(db), importer: orderImporter }),
    secrets,
    ads,
    monitor: createMonitor({ db, clock, spApi, secrets, lifecycle, logger, probeAds: (o) => ads.probe(o) }),
    ...createAnalyticsUseCases(parts, spApi, overrides),
  };
}

/** Connect links and reminders' renew links (src/connect/), over the OAuth flow and connections. */
function createConnectLinks(
  parts: Parts,
  uses: { oauth: OAuthFlow; connections: ConnectionManager; applications: Applications },
) {
  const { config, store, clock, random, vault } = parts;
  return createConnect({
    db: store.db,
    clock,
    random,
    publicUrl: config.publicUrl,
    ...uses,
    vault,
    returnUrls: config.connect.returnUrls,
    linkTtlMinutes: config.connect.linkMinutes,
    renewLinkDays: config.connect.renewLinkDays,
  });
}

/** Sales and traffic analytics and settlement reports: the fetcher (jobs) and the reads (portal, API). */
function createAnalyticsUseCases(parts: Parts, spApi: SpApiClient, overrides: Overrides) {
  const { config, store, clock, logger, fetchFn } = parts;
  const analyticsFetcher = createAnalyticsFetcher({
    store,
    spApi,
    fetch: fetchFn,
    clock,
    logger,
    settings: { ...config.analytics, ...overrides.analytics },
  });
  return {
    analyticsFetcher,
    analytics: createAnalytics({ store, spApi, fetch: fetchFn, clock, logger, fetcher: analyticsFetcher }),
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
