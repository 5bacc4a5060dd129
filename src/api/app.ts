import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { ApiDocsPage } from './docs-page.js';
import type { ApiDeps, ApiEnv } from './context.js';
import { ApiKeyError } from '../accounts/errors.js';
import { ApiError, toApiFailure, zodFailure, type ApiFailure } from './errors.js';
import { buildOpenApiDocument, registerSecurityScheme, type OpenApiDocument } from './openapi.js';
import { registerAccountRoutes } from './routes/accounts.js';
import { registerConnectSessionRoutes } from './routes/connect-sessions.js';
import { registerAdsRoutes } from './routes/ads.js';
import { registerAdsProxyRoutes } from './routes/ads-proxy.js';
import { registerAnalyticsRoutes, type AnalyticsApiDeps } from './routes/analytics.js';
import { registerConnectionRoutes, type ApiRenewUrl } from './routes/connections.js';
import { registerListingRoutes } from './routes/listings.js';
import { registerOrderRoutes } from './routes/orders.js';
import { registerProxyRoutes } from './routes/proxy.js';
import { registerTokenRoutes } from './routes/access-tokens.js';
import { registerWebhookRoutes } from './routes/webhooks.js';

export type { ApiDeps, ApiEnv } from './context.js';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** Paths of the Amazon Ads routes: their dead connections are renewed on the Ads portal page. */
const ADS_ROUTE = /\/v1\/ads-connections(\/|$)/;

/** Sends a failure in the API's one error shape. */
function answer(c: Context, f: ApiFailure): Response {
  for (const [name, value] of Object.entries(f.headers)) c.header(name, value);
  return c.json(f.body, f.status);
}

/** Authenticates `Authorization: Bearer slk_…` and puts the key's principal on the context. */
function requireApiKey(deps: ApiDeps): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) {
      throw new ApiKeyError('API_KEY_MISSING', 'send an API key: Authorization: Bearer slk_…');
    }
    const match = BEARER.exec(header);
    if (!match) {
      throw new ApiKeyError('API_KEY_INVALID', 'the Authorization header must be "Bearer slk_…"');
    }
    c.set('principal', await deps.keys.authenticate(match[1]!));
    await next();
  };
}

/**
 * The REST API for the vendor's software, mounted at `/api` by the web app: `/v1/…` behind API keys,
 * `/openapi.json` and a readable `/docs` page generated from the same route schemas. Every failure
 * answers `{"error": {"code", "message", "field"?}}`; only the proxies pass Amazon's 4xx through.
 */
export function createApiApp(deps: ApiDeps & AnalyticsApiDeps): OpenAPIHono<ApiEnv> {
  const portal = deps.publicUrl.replace(/\/$/, '');
  const renewUrl: ApiRenewUrl = (id, api = 'sp_api') =>
    `${portal}/${api === 'ads' ? 'ads-connections' : 'connections'}/${id}`;
  const app = new OpenAPIHono<ApiEnv>({
    defaultHook: (result, c) => {
      if (!result.success) return answer(c, zodFailure(result.error, result.target));
    },
  });
  registerSecurityScheme(app);

  app.use(async (c, next) => {
    const started = Date.now();
    await next();
    deps.logger.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Date.now() - started,
        apiKeyPrefix: c.get('principal')?.prefix ?? null,
      },
      'api request',
    );
  });
  // Body size (deps.bodyLimitBytes) and input checks: the web app's input guard, which runs before
  // every route (web/input-guard.tsx); a second limit here would find the body already read.

  let document: OpenApiDocument | null = null;
  const openApi = (): OpenApiDocument => (document ??= buildOpenApiDocument(app, deps.publicUrl));
  app.get('/openapi.json', (c) => c.json(openApi()));
  app.get('/docs', (c) => c.html(ApiDocsPage({ document: openApi() })));

  app.use('/v1/*', requireApiKey(deps));
  registerConnectionRoutes(app, deps, renewUrl);
  registerTokenRoutes(app, deps);
  registerAccountRoutes(app, deps.provisioning);
  if (deps.connect) registerConnectSessionRoutes(app, deps.connect);
  if (deps.webhooks) registerWebhookRoutes(app, deps.webhooks);
  registerProxyRoutes(app, deps);
  if (deps.ads && deps.adsEndpoints) {
    registerAdsRoutes(app, deps, deps.ads, deps.adsEndpoints, renewUrl);
    registerAdsProxyRoutes(app, deps, deps.ads);
  }
  if (deps.listings) registerListingRoutes(app, deps, deps.listings);
  if (deps.orders) registerOrderRoutes(app, deps.orders);
  if (deps.analytics) registerAnalyticsRoutes(app, deps.analytics);

  app.all('*', (c) => {
    throw new ApiError(
      404,
      'NOT_FOUND',
      `there is no API route ${c.req.method} ${c.req.path}; see /api/docs`,
    );
  });
  app.onError((err, c) => {
    const ads = ADS_ROUTE.test(c.req.path);
    const f = toApiFailure(err, (id) => renewUrl(id, ads ? 'ads' : 'sp_api'));
    const fields = {
      method: c.req.method,
      path: c.req.path,
      status: f.status,
      code: f.body.error.code,
      apiKeyPrefix: c.get('principal')?.prefix ?? null,
    };
    if (f.level === 'error') {
      deps.logger.error(
        { ...fields, err: { name: err.name, message: err.message, code: (err as { code?: unknown }).code } },
        'api request failed',
      );
    } else if (f.level === 'warn') deps.logger.warn(fields, 'api request failed');
    else deps.logger.debug(fields, 'api request refused');
    return answer(c, f);
  });
  return app;
}
