import { createRoute, type OpenAPIHono, type z } from '@hono/zod-openapi';
import type { Connection } from '../../connections/repository.js';
import type { AmazonApi } from '../../store/schema.js';
import type { ApiDeps, ApiEnv } from '../context.js';
import {
  commonErrors,
  ConnectionIdParams,
  ConnectionListSchema,
  ConnectionSchema,
  errorResponse,
  ListConnectionsQuery,
} from '../schemas.js';

/** Where a seller renews a connection of an API: `/connections/{id}` or `/ads-connections/{id}`. */
export type ApiRenewUrl = (id: string, api?: AmazonApi) => string;

/** The API's name for a connection's Amazon API. */
export const apiName = (api: AmazonApi): 'sp-api' | 'ads' => (api === 'ads' ? 'ads' : 'sp-api');

/** A connection as the API shows it: its health (lifecycle/health.ts), renew link, never a token. */
export function connectionView(
  connection: Connection,
  renewUrl: ApiRenewUrl,
): z.infer<typeof ConnectionSchema> {
  const h = connection.health;
  return {
    id: connection.id,
    accountId: connection.accountId,
    applicationId: connection.applicationId,
    api: apiName(connection.api),
    region: connection.region,
    // An Ads connection's column holds a fixed key, not a seller (lifecycle/ads-identity.ts).
    sellingPartnerId: connection.api === 'ads' ? null : connection.sellingPartnerId,
    storeName: connection.storeName,
    marketplaceIds: connection.marketplaceIds,
    kind: connection.kind,
    state: h.lifecycle,
    health: {
      state: h.state,
      label: h.label,
      reason: h.reason,
      action: h.action,
      advice: h.advice,
      since: h.since.toISOString(),
      deadline: h.deadline?.toISOString() ?? null,
      canCallAmazon: h.canCallAmazon,
      canRenew: h.canRenew,
      renewBlockedReason: h.renewBlockedReason,
    },
    stateLabel: h.label,
    advice: h.advice,
    daysLeft: h.daysLeft,
    authorizedAt: connection.authorizedAt.toISOString(),
    expiresAt: connection.expiresAt?.toISOString() ?? null,
    lastSuccessAt: connection.lastSuccessAt?.toISOString() ?? null,
    lastError: connection.lastError
      ? {
          code: connection.lastError.code,
          message: connection.lastError.message,
          at: connection.lastError.at.toISOString(),
        }
      : null,
    needsReauthorization: h.action === 'renew' || h.action === 'connect',
    renewUrl: renewUrl(connection.id, connection.api),
  };
}

export const listConnectionsRoute = createRoute({
  method: 'get',
  path: '/v1/connections',
  operationId: 'listConnections',
  tags: ['Connections'],
  summary: 'List connections',
  description:
    "The connections this API key may see (its account's, or every account's for an operator key), SP-API and Amazon Ads alike, by region then seller. Filter by API, derived state, health, region and account; search with `q` (a prefix of the seller id, store name or account name). A page at a time: `limit` (1-1000) and `cursor` (the previous page's `nextCursor`). Without `limit` the answer holds at most 1,000 connections (with `nextCursor` when there are more). Ads connections with their advertising profiles: `/v1/ads-connections`.",
  security: [{ apiKey: [] }],
  request: { query: ListConnectionsQuery },
  responses: {
    200: {
      description: 'The connections',
      content: { 'application/json': { schema: ConnectionListSchema } },
    },
    ...commonErrors,
  },
});

export const getConnectionRoute = createRoute({
  method: 'get',
  path: '/v1/connections/{id}',
  operationId: 'getConnection',
  tags: ['Connections'],
  summary: 'Get one connection',
  description:
    'State (derived: expiring within 30 days, expired after), expiry, marketplaces, last success and last error, and the portal link where the seller renews. An SP-API connection only: an Amazon Ads id answers 404 naming `/v1/ads-connections/{id}`.',
  security: [{ apiKey: [] }],
  request: { params: ConnectionIdParams },
  responses: {
    200: { description: 'The connection', content: { 'application/json': { schema: ConnectionSchema } } },
    ...commonErrors,
    404: errorResponse('No such connection for this key (CONNECTION_NOT_FOUND)'),
  },
});

/** `GET /v1/connections` and `GET /v1/connections/{id}`. */
export function registerConnectionRoutes(
  app: OpenAPIHono<ApiEnv>,
  deps: ApiDeps,
  renewUrl: ApiRenewUrl,
): void {
  app.openapi(listConnectionsRoute, async (c) => {
    const { api, state, health, region, accountId, q, limit, cursor } = c.req.valid('query');
    // An account key sees its own account only, whatever accountId says (the use case enforces it).
    const page = await deps.connections.page(c.get('principal').viewer, {
      api: api === undefined ? 'all' : api === 'ads' ? 'ads' : 'sp_api',
      ...(state === undefined ? {} : { state }),
      ...(health === undefined ? {} : { health }),
      ...(region === undefined ? {} : { region }),
      ...(accountId === undefined ? {} : { accountId }),
      ...(q === undefined ? {} : { q }),
      ...(limit === undefined ? {} : { limit }),
      ...(cursor === undefined ? {} : { cursor }),
    });
    const connections = page.connections.map((connection) => connectionView(connection, renewUrl));
    // Without limit and cursor the answer is what it always was, unless the maximum cut it.
    const paged = limit !== undefined || cursor !== undefined || page.nextCursor !== null;
    return c.json(paged ? { connections, nextCursor: page.nextCursor } : { connections }, 200);
  });

  app.openapi(getConnectionRoute, async (c) => {
    const { id } = c.req.valid('param');
    const connection = await deps.connections.get(c.get('principal').viewer, id);
    return c.json(connectionView(connection, renewUrl), 200);
  });
}
