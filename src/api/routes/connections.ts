import { createRoute, type OpenAPIHono, type z } from '@hono/zod-openapi';
import type { Connection } from '../../connections/repository.js';
import type { ApiDeps, ApiEnv } from '../context.js';
import {
  commonErrors,
  ConnectionIdParams,
  ConnectionListSchema,
  ConnectionSchema,
  errorResponse,
  ListConnectionsQuery,
} from '../schemas.js';

/** A connection as the API shows it: its health (lifecycle/health.ts), renew link, never a token. */
export function connectionView(
  connection: Connection,
  renewUrl: (id: string) => string,
): z.infer<typeof ConnectionSchema> {
  const h = connection.health;
  return {
    id: connection.id,
    accountId: connection.accountId,
    applicationId: connection.applicationId,
    region: connection.region,
    sellingPartnerId: connection.sellingPartnerId,
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
    renewUrl: renewUrl(connection.id),
  };
}

export const listConnectionsRoute = createRoute({
  method: 'get',
  path: '/v1/connections',
  operationId: 'listConnections',
  tags: ['Connections'],
  summary: 'List connections',
  description:
    "The connections this API key may see (its account's, or every account's for an operator key), by region then seller. Filter by derived state, region and account.",
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
    'State (derived: expiring within 30 days, expired after), expiry, marketplaces, last success and last error, and the portal link where the seller renews.',
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
  renewUrl: (id: string) => string,
): void {
  app.openapi(listConnectionsRoute, async (c) => {
    const { state, health, region, accountId } = c.req.valid('query');
    const principal = c.get('principal');
    // An account key sees its own account only, whatever accountId says (the use case enforces it).
    const all = await deps.connections.list(principal.viewer, accountId);
    const views = all
      .filter((connection) => region === undefined || connection.region === region)
      .filter((connection) => principal.accountId === null || connection.accountId === principal.accountId)
      .filter((connection) => accountId === undefined || connection.accountId === accountId)
      .map((connection) => connectionView(connection, renewUrl))
      .filter((view) => state === undefined || view.state === state)
      .filter((view) => health === undefined || view.health.state === health);
    return c.json({ connections: views }, 200);
  });

  app.openapi(getConnectionRoute, async (c) => {
    const { id } = c.req.valid('param');
    const connection = await deps.connections.get(c.get('principal').viewer, id);
    return c.json(connectionView(connection, renewUrl), 200);
  });
}
