import { Hono, type Context } from 'hono';
import type { Logger } from '../kernel/log.js';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import { createApiApp, type ApiDeps } from '../api/app.js';
import type { AnalyticsApiDeps } from '../api/routes/analytics.js';
import type { Analytics } from '../analytics/analytics.js';
import type { WebDeps, WebEnv } from './context.js';
import { FAVICON_PATH, FAVICON_SVG, MessagePage, PAGE_CSP } from './pages/layout.js';
import { registerApiKeyRoutes } from './routes/api-keys.js';
import { registerAuthRoutes } from './routes/auth.js';
import {
  AMAZON_NOTIFICATIONS_PATH,
  registerAmazonNotificationRoutes,
} from './routes/amazon-notifications.js';
import { answerRefusal, bodyLimitFor, inputGuard } from './input-guard.js';
import { registerSandboxRoutes } from './routes/sandbox.js';
import { connectionNotFound, registerConnectionRoutes } from './routes/connections.js';
import { ConnectionsError } from '../connections/errors.js';
import { registerListingRoutes } from './routes/listings.js';
import { registerOrderRoutes } from './routes/orders.js';
import { registerAnalyticsRoutes } from './routes/analytics.js';
import { registerOAuthRoutes } from './routes/oauth.js';
import { registerConnectRoutes } from './routes/connect.js';
import { registerAdsRoutes } from './routes/ads.js';
import { registerOperatorApplicationRoutes } from './routes/operator-applications.js';
import { registerOperatorConsoleRoutes } from './routes/operator-console.js';
import { notificationBanners, registerNotificationRoutes } from './routes/notifications.js';
import { contextStorage } from 'hono/context-storage';
import { loadSession, sameToken } from './session.js';
import { createClientAddressResolver } from './client-address.js';

export type { WebDeps } from './context.js';

/** What the app is given: the web layer's use cases, and the REST API's when it is mounted. */
type AppDeps = WebDeps & {
  demoHint?: string | null;
  api?: ApiDeps & AnalyticsApiDeps;
  /** Sales and traffic, settlement reports: the /connections/:id/analytics pages. */
  analytics?: Analytics;
};

/** Builds the service's Hono app: portal pages, OAuth endpoints and health. */
export function createWebApp(deps: AppDeps): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  useMiddleware(app, deps);
  registerServiceRoutes(app, deps);
  registerAuthRoutes(app, deps, { demoHint: deps.demoHint ?? null });
  registerConnectionRoutes(app, deps);
  if (deps.orders) registerOrderRoutes(app, deps, deps.orders);
  if (deps.analytics) registerAnalyticsRoutes(app, deps, deps.analytics);
  registerOAuthRoutes(app, deps);
  if (deps.ads) registerAdsRoutes(app, { ...deps, ads: deps.ads });
  if (deps.api) registerApiKeyRoutes(app, deps, deps.api.keys);
  if (deps.listings) registerListingRoutes(app, deps, deps.listings);
  registerOperatorApplicationRoutes(app, deps);
  registerOperatorConsoleRoutes(app, deps);
  registerSandboxRoutes(app, deps);
  registerConnectRoutes(app, deps);
  registerNotificationRoutes(app, deps);

  app.notFound(notFound);
  app.onError((err, c) => answerError(err, c, deps.logger));
  return app;
}

/**
 * Everything that runs before the routes, in this order: security headers, input guard, the REST
 * API and Amazon's notifications (both before CSRF and sessions), CSRF, session, context storage,
 * banners. Hono runs middleware in the order it is added (https://hono.dev/docs/guides/middleware).
 */
function useMiddleware(app: Hono<WebEnv>, deps: AppDeps): void {
  // overwrite: false lets a page set its own policy (the connect link's page allows the vendor's logo).
  const pageHeaders = secureHeaders({
    referrerPolicy: 'no-referrer',
    contentSecurityPolicy: PAGE_CSP,
    overwrite: false,
  });
  // The REST API answers JSON, never a page: the same headers with a policy that allows nothing, and
  // no per-response script nonce to generate.
  const apiHeaders = secureHeaders({
    referrerPolicy: 'no-referrer',
    contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  });
  app.use((c, next) => (c.req.path.startsWith('/api/v1/') ? apiHeaders(c, next) : pageHeaders(c, next)));
  // Before every route, the API's included: body limits (413 before reading) and input checks (400).
  const guardPaths = { amazonNotifications: AMAZON_NOTIFICATIONS_PATH, apiLimit: deps.api?.bodyLimitBytes };
  app.use(
    inputGuard({
      limitFor: (path) => bodyLimitFor(path, guardPaths),
      answer: (c, refusal) => answerRefusal(c, refusal, guardPaths),
      logger: deps.logger,
    }),
  );
  // The REST API (API keys, JSON errors) is mounted before the portal's CSRF and session middleware.
  if (deps.api) app.route('/api', createApiApp(deps.api));
  // Server-to-server (shared-secret checked), so also before the portal's CSRF and session middleware.
  registerAmazonNotificationRoutes(app, deps);
  // Refuses cross-site form posts by Origin; each form also carries the session's CSRF token.
  app.use(
    csrf({
      origin: (origin) =>
        origin === new URL(deps.config.publicUrl).origin ||
        (deps.config.mode === 'sandbox' && isLoopback(origin)),
    }),
  );
  app.use(loadSession(deps.accounts, createClientAddressResolver(deps.config.trustProxy)));
  // The layout reads the request's banners through the context storage (no prop threading).
  app.use(contextStorage());
  app.use(notificationBanners(deps.notify));
}

/** `/healthz`, `/metrics`, `/` and the favicon. */
function registerServiceRoutes(app: Hono<WebEnv>, deps: AppDeps): void {
  app.get('/healthz', async (c) => {
    const database = await deps.checkDatabase().catch(() => false);
    return c.json(
      { status: database ? 'ok' : 'degraded', database, mode: deps.config.mode },
      database ? 200 : 503,
    );
  });
  // Only with METRICS_TOKEN set, and only for its bearer (docs/operations.md#metrics).
  app.get('/metrics', async (c) => {
    const token = deps.config.metricsToken;
    if (!deps.metrics || !token) return c.text('not found\n', 404);
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (!sameToken(presented, token.reveal())) {
      return c.text('send Authorization: Bearer <METRICS_TOKEN>\n', 401, {
        'WWW-Authenticate': 'Bearer realm="sellerlink-metrics"',
      });
    }
    return c.text(await deps.metrics.metrics(), 200, { 'content-type': deps.metrics.contentType });
  });
  app.get('/', (c) => c.redirect(c.get('user') ? '/connections' : '/login'));
  // Browsers ask for /favicon.ico on every page unless the page links an icon (the layout links
  // /favicon.svg): both answer the same small SVG. An SVG at /favicon.ico is understood by current
  // browsers (https://developer.mozilla.org/en-US/docs/Web/HTML/Reference/Attributes/rel#icon).
  for (const path of [FAVICON_PATH, '/favicon.ico']) {
    app.get(path, (c) =>
      c.body(FAVICON_SVG, 200, {
        'content-type': 'image/svg+xml',
        'cache-control': 'public, max-age=86400',
      }),
    );
  }
}

/** The 404 page for an address no route answers. */
function notFound(c: Context<WebEnv>): Response | Promise<Response> {
  return c.html(
    <MessagePage
      title="Not found"
      message="There is no page at this address."
      user={c.get('user') ?? null}
      code="NOT_FOUND"
    />,
    404,
  );
}

/** A request that threw: a refused cross-site post (403), Hono's own HTTP errors, anything else (500). */
function answerError(err: Error, c: Context<WebEnv>, logger: Logger): Response | Promise<Response> {
  // The csrf middleware refuses cross-site posts by throwing a 403: answer it as such, not as a crash.
  if (err instanceof HTTPException && err.status === 403) {
    logger.warn(
      { path: c.req.path, origin: c.req.header('origin') ?? null, ip: c.get('ip') ?? null },
      'cross-site request refused',
    );
    return c.html(
      <MessagePage
        title="Request refused"
        message="This form was sent from another site, so it was refused. Nothing was changed; open Sellerlink directly and try again."
        user={c.get('user') ?? null}
        code="CSRF_FAILED"
      />,
      403,
    );
  }
  if (err instanceof HTTPException) return err.getResponse();
  // A connection the user may not see (or that does not exist), from any page of one connection.
  const user = c.get('user') ?? null;
  if (user && err instanceof ConnectionsError && err.code === 'CONNECTION_NOT_FOUND')
    return connectionNotFound(c, user);
  logger.error(
    { err: { name: err.name, message: err.message, code: (err as { code?: unknown }).code } },
    'request failed',
  );
  return c.html(
    <MessagePage
      title="Something went wrong"
      message="Sellerlink hit an unexpected error. Nothing was changed by the failed step; please try again."
      user={c.get('user') ?? null}
      code="INTERNAL"
    />,
    500,
  );
}

function isLoopback(origin: string): boolean {
  try {
    const host = new URL(origin).hostname;
    return host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
  } catch {
    return false;
  }
}
