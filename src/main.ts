import { serve, type ServerType } from '@hono/node-server';
import { sql } from 'kysely';
import type { AddressInfo } from 'node:net';
import { simulatorEndpoints, type Config } from './config/config.js';
import { startJobs, type Jobs } from './jobs/boss.js';
import type { Logger } from './kernel/log.js';
import { createSimulator } from './simulator/app.js';
import { seedDemo } from './simulator/seed.js';
import { listenSimulator, type SimulatorServer } from './simulator/server.js';
import { openStore, type Store } from './store/database.js';
import { createWebApp } from './web/app.js';

/** Which parts of the service this process runs. */
export type Role = 'all' | 'web' | 'worker';

/** A running service. */
export interface Service {
  readonly url: string | null;
  readonly simulatorUrl: string | null;
  readonly store: Store;
  stop(): Promise<void>;
}

/**
 * The composition root: opens the database (running migrations), starts the job system and, in
 * sandbox mode, the built-in Amazon simulator, then serves the web app. Everything is created
 * here and passed down; nothing else reads configuration or creates singletons.
 */
export async function startService(config: Readonly<Config>, logger: Logger, role: Role = 'all'): Promise<Service> {
  const stack: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stack.reverse()) await stop().catch((err: unknown) => logger.error({ err }, 'error while stopping'));
  };
  try {
    const store = await openStore(config.database);
    stack.push(() => store.close());
    logger.info({ database: config.database.kind }, 'database ready');

    let simulator: SimulatorServer | null = null;
    if (config.mode === 'sandbox' && role !== 'worker') {
      simulator = await startSandboxSimulator(config);
      stack.push(() => simulator!.close());
      logger.info({ url: simulator.url }, 'Amazon simulator listening (sandbox mode)');
    }
    const amazon = simulator ? simulatorEndpoints(simulator.url) : config.amazon;

    let jobs: Jobs | null = null;
    if (role !== 'web') {
      jobs = await startJobs({ store, onError: (err) => logger.error({ err: err.message }, 'job system error') });
      stack.push(() => jobs!.stop());
    }

    let url: string | null = null;
    if (role !== 'worker') {
      const app = createWebApp({
        config,
        simulatorUrl: simulator?.url ?? null,
        checkDatabase: async () => {
          await sql`select 1`.execute(store.db);
          return true;
        },
      });
      const server = await listen(app.fetch, config.host, config.port);
      stack.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
      const port = (server.address() as AddressInfo).port;
      url = config.port === port ? config.publicUrl : `http://${config.host}:${port}`;
      logger.info({ url, amazon: amazon.lwaTokenUrl }, 'sellerlink web listening');
    }
    return { url, simulatorUrl: simulator?.url ?? null, store, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function startSandboxSimulator(config: Readonly<Config>): Promise<SimulatorServer> {
  const simulator = createSimulator({ config: { speed: config.simulator.speed } });
  const server = await listenSimulator(simulator, { port: config.simulator.port, host: config.host });
  seedDemo(simulator.ctx, {
    redirectUris: [`${config.publicUrl}/oauth/callback`, `${server.url}/_sim/landing`],
    loginUri: `${config.publicUrl}/oauth/login`,
  });
  return server;
}

function listen(fetch: (request: Request) => Response | Promise<Response>, host: string, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname: host, port }, () => resolve(server));
    server.once('error', reject);
  });
}
