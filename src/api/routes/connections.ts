import { createRoute, type OpenAPIHono, type z } from '@hono/zod-openapi';
import type { Connection } from '../../connections/repository.js';
import { deriveState, describeStatus } from '../../connections/status.js';
import type { ConnectionState } from '../../store/schema.js';
import type { ApiDeps, ApiEnv } from '../context.js';
import {
  commonErrors,
  ConnectionIdParams,
  ConnectionListSchema,
  ConnectionSchema,
  errorResponse,
  ListConnectionsQuery,
} from '../schemas.js';

/** States in which the seller should renew now: it will stop, or has stopped, working. */
const NEEDS_RENEWAL: ReadonlySet<ConnectionState> = new Set([
  'expiring',
  'expired',
  'revoked',
  'disconnected',
]);

/** A connection as the API shows it: status derived at read time, renew link, never a token. */
export function connectionView(
  connection: Connection,
  now: number,
  renewUrl: (id: string) => string,
): z.infer<typeof ConnectionSchema> {
  const state = deriveState(connection.state, connection.expiresAt, now);
  const status = describeStatus(state, connection.expiresAt, now);
  return {
    id: connection.id,
    accountId: connection.accountId,
    applicationId: connection.applicationId,
    region: connection.region,
    sellingPartnerId: connection.sellingPartnerId,
    storeName: connection.storeName,
    marketplaceIds: connection.marketplaceIds,
    kind: connection.kind,
    state,
    stateLabel: status.label,
    advice: status.advice,
    daysLeft: status.daysLeft,
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
    needsReauthorization: NEEDS_RENEWAL.has(state),
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
    const { state, region, accountId } = c.req.valid('query');
    const now = deps.clock.now();
    const principal = c.get('principal');
    // An account key sees its own account only, whatever accountId says (the use case enforces it).
    const all = await deps.connections.list(principal.viewer, accountId);
    const views = all
      .filter((connection) => region === undefined || connection.region === region)
      .filter((connection) => principal.accountId === null || connection.accountId === principal.accountId)
      .filter((connection) => accountId === undefined || connection.accountId === accountId)
      .map((connection) => connectionView(connection, now, renewUrl))
      .filter((view) => state === undefined || view.state === state);
    return c.json({ connections: views }, 200);
  });

  app.openapi(getConnectionRoute, async (c) => {
    const { id } = c.req.valid('param');
    const connection = await deps.connections.get(c.get('principal').viewer, id);
    return c.json(connectionView(connection, deps.clock.now(), renewUrl), 200);
  });
}
