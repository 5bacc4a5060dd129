import { serve, type ServerType } from '@hono/node-server';
import { sql } from 'kysely';
import type { AddressInfo } from 'node:net';
import { createAccounts } from './accounts/service.js';
import { createAmazonStack } from './amazon-stack.js';
import { createApiKeys } from './api/keys.js';
import { simulatorEndpoints, type Config } from './config/config.js';
import { createApplications, type Applications } from './connections/applications.js';
import { createAuditLog } from './connections/audit.js';
import { createConnectionManager } from './connections/manage.js';
import { createOAuthFlow } from './connections/oauth.js';
import { startJobs, type Jobs } from './jobs/boss.js';
import { systemClock, type Clock } from './kernel/clock.js';
import type { Logger } from './kernel/log.js';
import { cryptoRandom, randomUuid, type Random } from './kernel/random.js';
import {
  ensureDemoLogin,
  registerSandboxApplications,
  startSandboxSimulator,
  type DemoLogin,
  type Sandbox,
} from './main-sandbox.js';
import { openStore, type Store } from './store/database.js';
import { openVault } from './vault/open.js';
import { createWebApp } from './web/app.js';
import { createMetrics } from './metrics.js';

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
  const stack: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stack.splice(0).reverse())
      await stop().catch((err: unknown) => logger.error({ err }, 'error while stopping'));
  };
  try {
    const vault = openVault(config, random, systemClock, logger);
    const store = effects.openStore ? await effects.openStore() : await openStore(config.database);
    stack.push(() => store.close());
    logger.info({ database: config.database.kind }, 'database ready');

    let sandbox: Sandbox | null = null;
    if (config.mode === 'sandbox' && role !== 'worker') {
      sandbox = await startSandboxSimulator(config, logger);
      stack.push(() => sandbox!.stop());
      if (!effects.clock) clock = sandbox.clock;
      logger.info({ url: sandbox.server.url }, 'Amazon simulator listening (sandbox mode)');
    }
    const endpoints = sandbox ? simulatorEndpoints(sandbox.server.url) : config.amazon;
    const accounts = createAccounts({ db: store.db, clock, random });
    const applications = createApplications({ db: store.db, vault, clock, newId: () => randomUuid(random) });
    const audit = createAuditLog(store.db, clock);
    const metrics = createMetrics();
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
    });
    const { lwa, tokens, spApi, userAgent } = amazon;
    const connectionDeps = {
      db: store.db,
      vault,
      clock,
      random,
      lwa,
      fetch: fetchFn,
      applications,
      audit,
      endpoints,
      userAgent,
      logger,
      onEvent: amazon.logEvent,
    };
    const oauth = createOAuthFlow(connectionDeps);
    const connections = createConnectionManager(connectionDeps);
    const apiKeys = createApiKeys({ db: store.db, clock, random, audit });

    if (config.application) {
      // Configured app: registered (or updated) at every start, its secret sealed in the vault.
      await applications.upsert({
        name: config.application.name,
        appId: config.application.appId,
        clientId: config.application.clientId,
        clientSecret: config.application.clientSecret,
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
      stack.push(() => jobs!.stop());
    }

    let url: string | null = null;
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
        metrics: metrics.registry,
        api: {
          keys: apiKeys,
          connections,
          tokens,
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
      const server = await listen(app.fetch, config.host, config.port);
      stack.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
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
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
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
