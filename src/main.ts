import type { AddressInfo } from 'node:net';
import type { Config } from './config/config.js';
import type { Clock } from './kernel/clock.js';
import type { Logger } from './kernel/log.js';
import type { Applications } from './lifecycle/applications.js';
import type { Monitor } from './monitor/monitor.js';
import type { SecretRotation } from './monitor/secrets.js';
import { composeSellerlink, type Overrides, type Sellerlink } from './service/compose.js';
import { closeServer, listen } from './service/http-server.js';
import type { DemoLogin } from './service/sandbox.js';
import type { Store } from './store/database.js';

/** Which parts of the service this process runs. */
export type Role = 'all' | 'web' | 'worker';

/** A running service. */
export interface Service {
  /** Where the web app listens (`null` in a worker, or when started without listening). */
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
  /** The whole object graph (composition factory), for tests and operator tools. */
  readonly graph: Sellerlink;
  stop(): Promise<void>;
}

/** Injected effects: tests pass their own (see `Overrides`). */
export interface ServiceEffects extends Overrides {
  /** Serve the web app on `config.host:config.port` (default true); false: in-process requests only. */
  listen?: boolean;
}

/** How long in-flight requests get at shutdown before their connections are closed. */
const HTTP_CLOSE_MS = 1_500;

/**
 * Runs Sellerlink in this process: the composition factory builds everything for the role, then the
 * web app (if the role has one) listens. `stop()` shuts down in two phases (docs/operations.md).
 */
export async function startService(
  config: Readonly<Config>,
  logger: Logger,
  role: Role = 'all',
  effects: ServiceEffects = {},
): Promise<Service> {
  const { listen: shouldListen = true, ...overrides } = effects;
  const graph = await composeSellerlink(config, {
    role,
    logger,
    overrides,
    owner: `sellerlink ${role === 'all' ? 'start' : role}`,
  });
  let url: string | null = null;
  try {
    if (graph.web && shouldListen) {
      const server = await listen(graph.web.fetch, config.host, config.port);
      graph.onQuiesce(() => closeServer(server, HTTP_CLOSE_MS));
      const port = (server.address() as AddressInfo).port;
      url = config.port === port ? config.publicUrl : `http://${config.host}:${port}`;
      logger.info({ url, lwa: graph.endpoints.lwaTokenUrl }, 'sellerlink web listening');
    }
  } catch (err) {
    await graph.close();
    throw err;
  }
  const web = graph.web;
  return {
    url: web && !shouldListen ? config.publicUrl : url,
    simulatorUrl: graph.sandbox?.server.url ?? null,
    store: graph.store,
    demoLogin: graph.setUp.demoLogin,
    clock: graph.clock,
    applications: graph.applications,
    monitor: graph.monitor,
    secrets: graph.secrets,
    fetch: web ? async (request) => web.fetch(request) : null,
    routes: web ? web.routes.map(({ method, path }) => ({ method, path })) : [],
    graph,
    stop: () => graph.close(),
  };
}
