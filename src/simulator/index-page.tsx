import type { Hono } from 'hono';
import type { SimContext, SimEnv } from './context.js';
import { stateSummary } from './controls.js';

const CONTROLS: [string, string][] = [
  ['GET /_sim/clock', 'simulated time and its offset'],
  ['POST /_sim/clock/advance', '{"days":30} moves time forward'],
  ['GET /_sim/apps', 'apps (add ?reveal=1 for secrets)'],
  ['GET /_sim/sellers', 'sellers and their sign-in users'],
  ['GET /_sim/authorizations', 'who authorized what, and until when'],
  ['GET /_sim/ads/authorizations', 'Amazon Ads consents (clients, advertisers, expiry)'],
  ['GET /_sim/orders?sellingPartnerId=…', 'orders, for checking an importer'],
  ['GET /_sim/listings?sellingPartnerId=…', 'listings as applied'],
  ['GET /_sim/reports', 'reports, documents and schedules (Reports API)'],
  ['GET /_sim/notifications', 'notifications sent (e.g. new client secrets)'],
  ['GET /_sim/faults', 'injected faults'],
  ['GET /_sim/requests', 'the request log'],
  ['GET /_sim/state', 'counts of everything'],
];

/**
 * `GET /_sim/`: a page for people, listing the simulator's pages and controls (docs/simulator.md has
 * all). Like every control it needs the control token (control-auth.ts): opened through the link
 * printed at start, a cookie lets the browser follow the links to the JSON controls below.
 */
export function registerIndexPage(app: Hono<SimEnv>, ctx: SimContext): void {
  app.get('/_sim/', (c) => {
    const summary = stateSummary(ctx.state);
    return c.html(
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <title>Amazon simulator</title>
        </head>
        <body style="font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; line-height: 1.5">
          <h1>Amazon simulator</h1>
          <p>
            Simulated time: <strong>{new Date(ctx.clock.now()).toISOString()}</strong>. Everything here is
            fake: nothing reaches Amazon.
          </p>
          <h2>Pages</h2>
          <ul>
            {(['na', 'eu', 'fe'] as const).map((r) => (
              <li>
                <a href={`/${r}/apps/manage`}>Manage Your Apps ({r.toUpperCase()})</a>
              </li>
            ))}
            <li>
              <a href="/sellingpartner/developerconsole">Developer Console (self-authorization)</a>
            </li>
          </ul>
          <h2>World</h2>
          <ul>
            {Object.entries(summary).map(([k, v]) => (
              <li>
                {k}: {v}
              </li>
            ))}
          </ul>
          <h2>Controls (JSON)</h2>
          <ul>
            {CONTROLS.map(([route, what]) => {
              const [method, path] = route.split(' ') as [string, string];
              return (
                <li>
                  {method === 'GET' && !path.includes('…') ? (
                    <a href={`${c.env.prefix}${path}`}>
                      <code>{route}</code>
                    </a>
                  ) : (
                    <code>{route}</code>
                  )}
                  : {what}
                </li>
              );
            })}
          </ul>
          <p>
            The CLI drives the same controls: <code>sellerlink sim --help</code>. Scripts send the control
            token printed at start as <code>Authorization: Bearer …</code>; POSTs take JSON.
          </p>
        </body>
      </html>,
    );
  });
}
