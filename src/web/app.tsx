import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { Config } from '../config/config.js';

/** What the web layer needs from the rest of the service. */
export interface WebDeps {
  config: Readonly<Config>;
  /** Origin of the simulator in sandbox mode (for the banner and links). */
  simulatorUrl: string | null;
  /** Reports database reachability for /healthz. */
  checkDatabase: () => Promise<boolean>;
}

/** Builds the service's Hono app: pages, API and health. */
export function createWebApp(deps: WebDeps): Hono {
  const app = new Hono();
  app.use(secureHeaders({ referrerPolicy: 'no-referrer' }));

  app.get('/healthz', async (c) => {
    const database = await deps.checkDatabase().catch(() => false);
    return c.json({ status: database ? 'ok' : 'degraded', database, mode: deps.config.mode }, database ? 200 : 503);
  });

  app.get('/', (c) =>
    c.html(
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <title>Sellerlink</title>
        </head>
        <body style="font-family: system-ui, sans-serif; max-width: 48rem; margin: 2rem auto;">
          <h1>Sellerlink</h1>
          <p>Keeps your sellers' Amazon connections alive.</p>
          {deps.simulatorUrl ? (
            <p>
              Sandbox mode: Amazon is simulated at <a href={`${deps.simulatorUrl}/_sim/`}>{deps.simulatorUrl}</a>.
            </p>
          ) : null}
        </body>
      </html>,
    ),
  );
  return app;
}
