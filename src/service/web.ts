import { sql } from 'kysely';
import type { Hono } from 'hono';
import { settleWithin } from '../kernel/within.js';
import { createSandboxTools } from '../monitor/sandbox.js';
import type { NotifyJobs } from '../notify/index.js';
import { createWebApp } from '../web/app.js';
import type { WebEnv } from '../web/context.js';
import type { Sellerlink } from './types.js';
import { rotateSimulatorSecret } from './sandbox.js';

/** How long shutdown waits for a background monitor pass the sandbox toolbar started. */
const SANDBOX_PASS_STOP_MS = 2_500;

/**
 * The web app (pages, REST API, OAuth callback, Amazon's notifications) over the graph's use cases;
 * in sandbox mode with the toolbar's tools. Not listening: `startService` serves it, tests call it
 * in process.
 */
export function createWeb(
  graph: Omit<Sellerlink, 'web'>,
  notifyJobs: NotifyJobs | null,
  fetchFn: typeof fetch,
): Hono<WebEnv> {
  const { config, sandbox, secrets, setUp } = graph;
  const sandboxTools = sandbox
    ? createSandboxTools({
        clock: sandbox.clock,
        monitor: graph.monitor,
        secrets,
        applications: graph.applications,
        consoleRotate: (appId) => rotateSimulatorSecret(sandbox, fetchFn, appId),
      })
    : null;
  // Shutdown waits for a background monitor pass before the database closes.
  if (sandboxTools)
    graph.onQuiesce(() => settleWithin(sandboxTools.idle(), SANDBOX_PASS_STOP_MS).then(() => {}));
  const { notify, mailCatcher } = graph.notifications;
  const demo = setUp.demoLogin;
  return createWebApp({
    config,
    clock: graph.clock,
    logger: graph.logger,
    accounts: graph.accounts,
    applications: graph.applications,
    oauth: graph.oauth,
    connections: graph.connections,
    connect: graph.connect,
    ads: graph.ads,
    simulatorUrl: sandbox?.server.url ?? null,
    listings: graph.listings,
    orders: graph.orders,
    analytics: graph.analytics,
    metrics: graph.metrics.registry,
    amazonNotifications: {
      secret: setUp.notificationSecret,
      ingest: (message, options) => secrets.ingest(message, options),
    },
    sandboxTools,
    secrets,
    notify: { ...notify, nudge: async () => notifyJobs?.nudge() },
    mailCatcher,
    api: {
      keys: graph.apiKeys,
      provisioning: graph.provisioning,
      connect: graph.connect,
      connections: graph.connections,
      tokens: graph.amazon.tokens,
      listings: graph.listings,
      orders: graph.orders,
      analytics: graph.analytics,
      spApi: graph.amazon.spApi,
      clock: graph.clock,
      logger: graph.logger,
      publicUrl: config.publicUrl,
      spApiEndpoints: graph.endpoints.spApi,
      ads: graph.ads,
      adsEndpoints: graph.endpoints.ads.api,
      ...(notify ? { webhooks: { ...notify.settings, nudge: async () => notifyJobs?.nudge() } } : {}),
    },
    demoHint: demo
      ? `Sandbox demo login: ${demo.username} (password printed in the terminal where Sellerlink started).`
      : null,
    checkDatabase: async () => {
      await sql`select 1`.execute(graph.store.db);
      return true;
    },
  });
}
