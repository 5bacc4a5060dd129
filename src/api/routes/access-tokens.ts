import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ApiPrincipal } from '../../accounts/api-keys.js';
import type { AccessToken } from '../../broker/broker.js';
import type { ApiDeps, ApiEnv } from '../context.js';
import {
  AccessTokenSchema,
  commonErrors,
  ConnectionIdParams,
  errorResponse,
  RestrictedDataTokenRequestSchema,
  RestrictedDataTokenSchema,
} from '../schemas.js';

const tokenErrors = {
  ...commonErrors,
  404: errorResponse('No such connection for this key (CONNECTION_NOT_FOUND)'),
  409: errorResponse(
    'The seller must re-authorize: TOKEN_CONNECTION_REVOKED, TOKEN_CONNECTION_EXPIRED or TOKEN_CONNECTION_DISCONNECTED; the message says where',
  ),
  502: errorResponse("Amazon refused the application's credentials (TOKEN_APPLICATION_REJECTED) or failed"),
  503: errorResponse('Amazon could not be reached (TOKEN_REFRESH_FAILED); see Retry-After'),
} as const;

export const accessTokenRoute = createRoute({
  method: 'post',
  path: '/v1/connections/{id}/access-token',
  operationId: 'createAccessToken',
  tags: ['Tokens'],
  summary: 'Get an access token',
  description:
    "A Login with Amazon access token for the connection, valid until `expiresAt` (at most an hour; Sellerlink hands out its cached token while it has more than a minute left). Send it as `x-amz-access-token` to the region's `endpoint`. The refresh token never leaves Sellerlink. Answered with `Cache-Control: no-store`.",
  security: [{ apiKey: [] }],
  request: { params: ConnectionIdParams },
  responses: {
    200: { description: 'The access token', content: { 'application/json': { schema: AccessTokenSchema } } },
    ...tokenErrors,
  },
});

export const restrictedDataTokenRoute = createRoute({
  method: 'post',
  path: '/v1/connections/{id}/restricted-data-token',
  operationId: 'createRestrictedDataToken',
  tags: ['Tokens'],
  summary: 'Get a Restricted Data Token',
  description:
    'Calls the Tokens API (createRestrictedDataToken) for the connection: a token valid for one hour for the listed restricted operations (personal data such as buyer info and shipping addresses). At most 50 resources; `dataElements` only for Orders getOrder, getOrders and getOrderItems.',
  security: [{ apiKey: [] }],
  request: {
    params: ConnectionIdParams,
    body: {
      required: true,
      content: { 'application/json': { schema: RestrictedDataTokenRequestSchema } },
    },
  },
  responses: {
    200: {
      description: 'The Restricted Data Token',
      content: { 'application/json': { schema: RestrictedDataTokenSchema } },
    },
    ...tokenErrors,
    403: errorResponse(
      'Amazon denied the token: the application may lack the restricted role (SPAPI_UNAUTHORIZED)',
    ),
  },
});

/** Tokens must not be stored by caches or proxies on the way. */
function noStore(c: Context<ApiEnv>): void {
  c.header('Cache-Control', 'no-store');
  c.header('Pragma', 'no-cache');
}

/**
 * The access token kept in the broker's memory at the request's cache version (read after the
 * request arrived, while checking its key), when the key may see the connection: no other read.
 * Else null, and the route takes the full path (visibility, then the broker).
 */
function fromMemory(deps: ApiDeps, principal: ApiPrincipal, id: string): AccessToken | null {
  if (principal.cacheVersion === undefined || !deps.tokens.cached) return null;
  const hit = deps.tokens.cached(id, principal.cacheVersion);
  if (!hit || hit.api !== 'sp_api') return null;
  const { viewer } = principal;
  return viewer.role === 'operator' || viewer.accountId === hit.accountId ? hit : null;
}

/** Visibility first (another account's connection is "not found", and Amazon is not called), then the broker. */
async function throughBroker(deps: ApiDeps, principal: ApiPrincipal, id: string): Promise<AccessToken> {
  const connection = await deps.connections.get(principal.viewer, id);
  return deps.tokens.accessToken(connection.id, principal.cacheVersion);
}

/** `POST /v1/connections/{id}/access-token` and `POST /v1/connections/{id}/restricted-data-token`. */
export function registerTokenRoutes(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(accessTokenRoute, async (c) => {
    const { id } = c.req.valid('param');
    const principal = c.get('principal');
    const access = fromMemory(deps, principal, id) ?? (await throughBroker(deps, principal, id));
    deps.logger.info(
      {
        connectionId: access.connectionId,
        apiKeyPrefix: principal.prefix,
        expiresAt: access.expiresAt.toISOString(),
      },
      'access token handed out over the API',
    );
    noStore(c);
    return c.json(
      {
        accessToken: access.token.reveal(),
        tokenType: 'bearer' as const,
        expiresAt: access.expiresAt.toISOString(),
        sellingPartnerId: access.sellingPartnerId,
        region: access.region,
        endpoint: deps.spApiEndpoints[access.region],
      },
      200,
    );
  });

  app.openapi(restrictedDataTokenRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { restrictedResources } = c.req.valid('json');
    const principal = c.get('principal');
    const connection = await deps.connections.get(principal.viewer, id);
    const rdt = await deps.spApi.restrictedDataToken(
      connection.id,
      restrictedResources.map((r) => ({
        method: r.method,
        path: r.path,
        ...(r.dataElements ? { dataElements: r.dataElements } : {}),
      })),
    );
    deps.logger.info(
      { connectionId: connection.id, apiKeyPrefix: principal.prefix, resources: restrictedResources.length },
      'restricted data token handed out over the API',
    );
    noStore(c);
    return c.json({ restrictedDataToken: rdt.token, expiresAt: rdt.expiresAt.toISOString() }, 200);
  });
}
