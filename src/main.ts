import { serve, type ServerType } from '@hono/node-server';
import { sql } from 'kysely';
import type { AddressInfo } from 'node:net';
import { createAccounts } from './accounts/service.js';
import { createAmazonStack } from './amazon-stack.js';
import { createOrderImporter } from './orders/import.js';
import { startOrderJobs } from './orders/jobs.js';
import { createOrders } from './orders/orders.js';
import { createOrderQueries } from './orders/queries.js';
import { createApiKeys } from './accounts/api-keys.js';
import { simulatorEndpoints, type Config } from './config/config.js';
import { createApplications, type Applications } from './lifecycle/applications.js';
import { createAuditLog } from './connections/audit.js';
import { createConnectionManager } from './connections/manage.js';
import { createOAuthFlow } from './connections/oauth.js';
import { startJobs, type Jobs } from './jobs/boss.js';
import { systemClock, type Clock } from './kernel/clock.js';
import type { Logger } from './kernel/log.js';
import { settleWithin } from './kernel/within.js';
import { cryptoRandom, randomString, randomUuid, type Random } from './kernel/random.js';
import {
  assertSandboxEndpoints,
  ensureDemoLogin,
  joinSandboxSimulator,
  registerSandboxApplications,
  startSandboxSimulator,
  type DemoLogin,
  type Sandbox,
} from './main-sandbox.js';
import { openStore, type Store } from './store/database.js';
import { openVault } from './vault/open.js';
import { createListingDrainer } from './listings/drain.js';
import { startListingJobs } from './listings/jobs.js';
import { createListingOutbox } from './listings/outbox.js';
import { createWebApp } from './web/app.js';
import { createMetrics, registerDeliveryBacklog } from './metrics.js';
import { createMonitor, startMonitorJobs, type Monitor } from './monitor/monitor.js';
import { createSandboxTools } from './monitor/sandbox.js';
import { createSecretRotation, type SecretRotation } from './monitor/secrets.js';
import { AMAZON_NOTIFICATIONS_PATH } from './web/routes/amazon-notifications.js';
import { Secret } from './kernel/secret.js';
import {
  createMailCatcher,
  createNotify,
  createSmtpMailer,
  startNotifyJobs,
  type MailCatcher,
  type NotifyJobs,
} from './notify/index.js';
import { mailOwnerFromDeliveries } from './notify/mail-catcher.js';

/** Which parts of the service this process runs. */
export type Role = 'all' | 'web' | 'worker';

/** A running service. */
export interface Service {
  readonly url: string | null;
  readonly simulatorUrl: string | null;
  readonly store: Store;
  /** Sandbox mode: the demo login (printed on start). */
  readonly demoLogin: DemoLogin | null;
  /** The clock the service runs on (the simulator's in sandbox mode). */
  readonly clock: Clock;
  /** Operator use cases (CLI and tests). */
  readonly applications: Applications;
  /** The expiry monitor (`runMonitor()`) and client-secret rotation. */
  readonly monitor: Monitor;
  readonly secrets: SecretRotation;
  /** The web app's handler, for in-process requests (`null` in a worker-only process). */
  readonly fetch: ((request: Request) => Promise<Response>) | null;
  /** The web app's routes and middleware as registered (method, path pattern); empty in a worker. */
  readonly routes: readonly { method: string; path: string }[];
  stop(): Promise<void>;
}

/** Injected effects: tests pass their own. */
export interface ServiceEffects {
  /** Opens the database instead of `config.database` (tests use a prepared template). */
  openStore?: () => Promise<Store>;
  clock?: Clock;
  random?: Random;
  fetch?: typeof fetch;
}

/**
 * The composition root: opens the database (running migrations), the vault, the simulator in
 * sandbox mode, the use cases, the job system and the web app. Everything is created here and
 * passed down; nothing else reads configuration or creates singletons.
 */
export async function startService(
  config: Readonly<Config>,
  logger: Logger,
  role: Role = 'all',
  effects: ServiceEffects = {},
): Promise<Service> {
  let clock = effects.clock ?? systemClock;
  const random = effects.random ?? cryptoRandom;
  const fetchFn = effects.fetch ?? globalThis.fetch.bind(globalThis);
  // Shutdown in two phases, ≤ ~5 s in all (docs/operations.md): first stop taking work, all at
  // once and each bounded (the web server stops accepting, pg-boss stops fetching and releases jobs
  // still running after its timeout, a background monitor pass is waited for briefly); then close
  // what was opened, newest first, the database last.
  const quiesce: (() => Promise<void>)[] = [];
  const stack: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    const failed = (err: unknown): void => logger.error({ err }, 'error while stopping');
    await Promise.all(quiesce.splice(0).map((stop) => stop().catch(failed)));
    for (const stop of stack.splice(0).reverse()) await stop().catch(failed);
  };
  try {
    const vault = openVault(config, random, systemClock, logger);
    const store = effects.openStore
      ? await effects.openStore()
      : await openStore(config.database, { owner: `sellerlink ${role === 'all' ? 'start' : role}` });
    stack.push(() => store.close());
    logger.info({ database: config.database.kind }, 'database ready');

    let sandbox: Sandbox | null = null;
    if (config.mode === 'sandbox') {
      // A worker on its own joins the web process's simulator (found in the data directory).
      sandbox =
        role === 'worker'
          ? await joinSandboxSimulator(config, logger, fetchFn)
          : await startSandboxSimulator(config, logger);
      stack.push(() => sandbox!.stop());
      if (!effects.clock) clock = sandbox.clock;
      logger.info({ url: sandbox.server.url }, 'Amazon simulator listening (sandbox mode)');
    }
    const endpoints = sandbox ? simulatorEndpoints(sandbox.server.url) : config.amazon;
    if (config.mode === 'sandbox') assertSandboxEndpoints(endpoints);
    const accounts = createAccounts({ db: store.db, clock, random, logger });
    const applications = createApplications({ db: store.db, vault, clock, newId: () => randomUuid(random) });
    const audit = createAuditLog(store.db, clock);
    const metrics = createMetrics();
    let renewed: ((connectionId: string) => void) | null = null;
    const amazon = createAmazonStack({
      store,
      vault,
      clock,
      random,
      fetch: fetchFn,
      endpoints,
      applications,
      audit,
      logger,
      metrics: metrics.spApi,
      // Sandbox: the limiter follows simulated time, as the simulator's buckets do.
      ...(sandbox ? { limiterClock: clock } : {}),
      // Listing changes that waited for renewal go out at once (the sweep would within a minute).
      onConnectionChange: (change) => {
        if (change.type === 'renewed') renewed?.(change.connectionId);
      },
    });
    const { lwa, tokens, spApi, lifecycle } = amazon;
    const connectionDeps = {
      db: store.db,
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
    const oauth = createOAuthFlow(connectionDeps);
    const connections = createConnectionManager(connectionDeps);
    const apiKeys = createApiKeys({ db: store.db, clock, random, audit });
    // Notifications: e-mail over SMTP_URL, else (sandbox mode) to the built-in mail catcher.
    let mailCatcher: MailCatcher | null = null;
    if (config.mode === 'sandbox' && !config.notify.smtpUrl && role !== 'worker') {
      mailCatcher = await createMailCatcher({
        host: config.host,
        port: config.notify.mailCatcherPort,
        now: () => clock.now(),
        // Each account sees only its own mail at /sandbox/mail (operators see all).
        ownerOf: mailOwnerFromDeliveries(store.db),
      });
      stack.push(() => mailCatcher!.stop());
      sandbox?.share({ mailCatcherUrl: mailCatcher.url });
      logger.info(
        { url: mailCatcher.url },
        'mail catcher listening (sandbox mode): e-mail is shown at /sandbox/mail',
      );
    } else if (!config.notify.smtpUrl && !sandbox?.mailCatcherUrl) {
      logger.warn(
        {},
        'SMTP_URL is not set: no notification e-mail is sent (webhooks and banners still work)',
      );
    }
    // A sandbox worker sends its mail to the web process's catcher.
    const catcherUrl = config.notify.smtpUrl ? null : (mailCatcher?.url ?? sandbox?.mailCatcherUrl ?? null);
    const smtpUrl = config.notify.smtpUrl ?? (catcherUrl ? new Secret(`${catcherUrl}?ignoreTLS=true`) : null);
    const mailer = smtpUrl ? createSmtpMailer(smtpUrl) : null;
    if (mailer) stack.push(() => Promise.resolve(mailer.close()));
    const notify = createNotify({
      store,
      vault,
      clock,
      wallClock: systemClock,
      random,
      logger,
      newId: () => randomUuid(random),
      mailer,
      mailFrom: config.notify.mailFrom,
      publicUrl: config.publicUrl,
      webhooks: { allowPrivate: config.notify.webhookAllowPrivate },
      operatorEmails: config.notify.operatorEmails,
      requireHttps: config.mode === 'production',
      ...(catcherUrl ? { sandboxAddress: (username: string) => `${username}@sandbox.sellerlink.test` } : {}),
      userAgent: amazon.userAgent,
    });
    registerDeliveryBacklog(metrics.registry, () => notify.deliveries.backlog(), logger);
    let notifyJobs: NotifyJobs | null = null;
    const listings = createListingOutbox({ db: store.db, clock, random });
    const orderImporter = createOrderImporter({
      store,
      spApi,
      clock,
      logger,
      lifecycle,
      settings: config.orders,
    });
    const orders = createOrders({ queries: createOrderQueries(store.db), importer: orderImporter });
    const secrets = createSecretRotation({
      db: store.db,
      clock,
      applications,
      audit,
      lwa,
      spApi,
      logger,
      rotateAheadDays: config.monitor.rotateAheadDays,
    });
    const monitor = createMonitor({ db: store.db, clock, spApi, secrets, lifecycle, logger });
    // Sandbox: the simulator delivers APPLICATION_OAUTH_CLIENT_NEW_SECRET to our endpoint, verified
    // with a secret made for this start unless one is configured.
    const notificationSecret =
      config.notificationSecret ?? (sandbox ? new Secret(randomString(random, 32)) : null);
    if (sandbox && notificationSecret) {
      sandbox.setNotificationDestination(
        `${config.publicUrl}${AMAZON_NOTIFICATIONS_PATH}?secret=${encodeURIComponent(notificationSecret.reveal())}`,
      );
    }

    if (config.application) {
      // Configured app: registered (or updated) at every start, its secret sealed in the vault.
      // A secret received through a rotation wins over the configured one (which it replaced).
      const known = (await applications.list()).find((a) => a.appId === config.application!.appId);
      let clientSecret = config.application.clientSecret;
      if (known && (await applications.hasRotatedSecret(known.id))) {
        const current = (await applications.credentials(known.id)).clientSecret;
        if (current.reveal() !== clientSecret.reveal()) {
          logger.warn(
            { appId: known.appId },
            'AMAZON_CLIENT_SECRET differs from the rotated client secret in use; keeping the rotated one (update the configuration, or use sellerlink applications add to replace it)',
          );
          clientSecret = current;
        }
      }
      await applications.upsert({
        name: config.application.name,
        appId: config.application.appId,
        clientId: config.application.clientId,
        clientSecret,
        status: config.application.status,
        redirectUri: `${config.publicUrl}/oauth/callback`,
        loginUri: `${config.publicUrl}/oauth/login`,
      });
    }
    let demoLogin: DemoLogin | null = null;
    if (config.mode === 'sandbox') {
      await registerSandboxApplications(applications, config);
      demoLogin = await ensureDemoLogin(accounts, config, random);
    }

    let jobs: Jobs | null = null;
    if (role !== 'web') {
      jobs = await startJobs({
        store,
        onError: (err) => logger.error({ err: err.message }, 'job system error'),
      });
      quiesce.push(() => jobs!.stop(JOBS_STOP_MS));
      const listingJobs = await startListingJobs({
        boss: jobs.boss,
        drainer: createListingDrainer({
          store,
          spApi,
          clock,
          logger,
          retryWindowMs: config.listings.retryWindowMs,
          inFlightSettleMs: config.listings.inFlightSettleMs,
        }),
        logger,
      });
      const kick = (id: string): void =>
        void listingJobs
          .kick(id)
          .catch((err: unknown) => logger.error({ err }, 'could not queue a listings drain'));
      listings.onQueued(kick);
      renewed = kick;
      await startMonitorJobs({ boss: jobs.boss, monitor, logger });
      await startOrderJobs({ boss: jobs.boss, importer: orderImporter, logger });
      notifyJobs = await startNotifyJobs({
        boss: jobs.boss,
        deliveries: notify.deliveries,
        logger,
        pollSeconds: config.notify.pollSeconds,
      });
      quiesce.push(() => Promise.resolve(notifyJobs?.stop()));
    }

    const sandboxTools = sandbox
      ? createSandboxTools({
          clock: sandbox.clock,
          monitor,
          secrets,
          applications,
          consoleRotate: async (appId) => {
            const res = await fetchFn(
              `${sandbox.server.url}/_sim/apps/${encodeURIComponent(appId)}/rotate-secret`,
              {
                method: 'POST',
                headers: {
                  'content-type': 'application/json',
                  authorization: `Bearer ${sandbox.controlToken.reveal()}`,
                },
                body: '{}',
              },
            );
            if (!res.ok) throw new Error(`the simulator answered ${res.status}`);
          },
        })
      : null;
    // Shutdown waits for a background monitor pass before the database closes.
    if (sandboxTools) quiesce.push(() => settleWithin(sandboxTools.idle(), JOBS_STOP_MS).then(() => {}));
    let url: string | null = null;
    let handler: Service['fetch'] = null;
    let routes: Service['routes'] = [];
    if (role !== 'worker') {
      const app = createWebApp({
        config,
        clock,
        logger,
        accounts,
        applications,
        oauth,
        connections,
        simulatorUrl: sandbox?.server.url ?? null,
        listings,
        orders,
        metrics: metrics.registry,
        amazonNotifications: {
          secret: notificationSecret,
          ingest: (message, options) => secrets.ingest(message, options),
        },
        sandboxTools,
        notify: { ...notify, nudge: async () => notifyJobs?.nudge() },
        mailCatcher,
        api: {
          keys: apiKeys,
          connections,
          tokens,
          listings,
          orders,
          spApi,
          clock,
          logger,
          publicUrl: config.publicUrl,
          spApiEndpoints: endpoints.spApi,
        },
        demoHint: demoLogin
          ? `Sandbox demo login: ${demoLogin.username} (password printed in the terminal where Sellerlink started).`
          : null,
        checkDatabase: async () => {
          await sql`select 1`.execute(store.db);
          return true;
        },
      });
      handler = async (request) => app.fetch(request);
      routes = app.routes.map(({ method, path }) => ({ method, path }));
      const server = await listen(app.fetch, config.host, config.port);
      quiesce.push(() => closeServer(server, HTTP_CLOSE_MS));
      const port = (server.address() as AddressInfo).port;
      url = config.port === port ? config.publicUrl : `http://${config.host}:${port}`;
      logger.info({ url, lwa: endpoints.lwaTokenUrl }, 'sellerlink web listening');
    }
    return {
      url,
      simulatorUrl: sandbox?.server.url ?? null,
      store,
      demoLogin,
      clock,
      applications,
      monitor,
      secrets,
      fetch: handler,
      routes,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** How long in-flight requests get at shutdown before their connections are closed. */
const HTTP_CLOSE_MS = 1_500;
/** How long running jobs get at shutdown before pg-boss fails them (retried on another worker). */
const JOBS_STOP_MS = 2_500;

/**
 * Stops accepting connections, closes idle keep-alive ones at once and the rest after `graceMs`
 * (a browser's keep-alive connection would otherwise hold `close()` open for minutes).
 */
function closeServer(server: ServerType, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const http = server as ServerType & { closeIdleConnections?(): void; closeAllConnections?(): void };
    const timer = setTimeout(() => http.closeAllConnections?.(), graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    http.closeIdleConnections?.();
  });
}

function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  host: string,
  port: number,
): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname: host, port }, () => resolve(server));
    server.once('error', reject);
  });
}
