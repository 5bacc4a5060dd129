import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Connect, ConnectSession } from '../../connect/connect.js';
import type { ApiEnv } from '../context.js';
import { commonErrors, errorResponse } from '../schemas.js';
import { apiName } from './connections.js';

/**
 * `POST /v1/connect-sessions` and `GET /v1/connect-sessions/{id}`: one-time links the vendor sends a
 * seller to, to connect or renew an Amazon authorization without a Sellerlink login
 * (docs/api.md, "Embedding").
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const NewConnectSessionSchema = z
  .object({
    accountId: z.string().optional().openapi({
      description: 'The account to connect. Required for operator keys; account keys may omit it.',
    }),
    api: z
      .enum(['sp-api', 'ads'])
      .optional()
      .openapi({ description: 'Seller Central (sp-api, the default) or Amazon Ads' }),
    region: z
      .enum(['NA', 'EU', 'FE'])
      .nullable()
      .optional()
      .openapi({ description: 'Omit (or null) to let the seller choose on the link’s page' }),
    purpose: z
      .enum(['connect', 'renew'])
      .optional()
      .openapi({ description: 'connect (default) or renew `connectionId`' }),
    connectionId: z.string().optional().openapi({ description: 'The connection to renew (purpose renew)' }),
    returnUrl: z.string().openapi({
      description:
        "Where the seller lands afterwards, with `outcome`, `sessionId`, `connectionId` and `code` added to the query. Must start with one of the account's `returnUrls` (or CONNECT_RETURN_URLS).",
      example: 'https://app.vendor.example/settings/amazon',
    }),
    vendorName: z
      .string()
      .optional()
      .openapi({ description: 'Shown on the link’s page', example: 'Acme Repricer' }),
    vendorLogoUrl: z.string().optional().openapi({ description: 'An https image shown on the link’s page' }),
    expiresInMinutes: z
      .number()
      .int()
      .optional()
      .openapi({ description: 'How long the link works (1-1440 minutes; default 30)' }),
  })
  .strict()
  .openapi('NewConnectSession');

const ConnectSessionSchema = z
  .object({
    id: z.string(),
    accountId: z.string(),
    api: z.enum(['sp-api', 'ads']),
    region: z.enum(['NA', 'EU', 'FE']).nullable(),
    purpose: z.enum(['connect', 'renew']),
    connectionId: z.string().nullable(),
    returnUrl: z.string(),
    vendor: z.object({ name: z.string().nullable(), logoUrl: z.string().nullable() }),
    origin: z
      .enum(['api', 'reminder'])
      .openapi({ description: 'Created by API, or by a renew link from a reminder' }),
    status: z.enum(['pending', 'started', 'completed', 'expired']),
    createdAt: z.string(),
    expiresAt: z.string(),
    startedAt: z.string().nullable(),
    completedAt: z.string().nullable(),
    outcome: z.enum(['connected', 'renewed', 'cancelled', 'error']).nullable(),
    errorCode: z.string().nullable(),
    resultConnectionId: z
      .string()
      .nullable()
      .openapi({ description: 'The connection connected or renewed (outcome connected or renewed)' }),
  })
  .openapi('ConnectSession');

const CreatedSchema = z
  .object({
    session: ConnectSessionSchema,
    url: z.string().openapi({
      description: 'The one-time link to send the seller to. Shown only in this answer.',
      example: 'https://sellerlink.example/connect/…',
    }),
  })
  .openapi('CreatedConnectSession');

const IdParams = z.object({
  id: z
    .string()
    .regex(UUID, 'must be a connect session id (a UUID)')
    .openapi({ param: { name: 'id', in: 'path' } }),
});

const createRoute_ = createRoute({
  method: 'post',
  path: '/v1/connect-sessions',
  operationId: 'createConnectSession',
  tags: ['Connect links'],
  summary: 'Create a connect link',
  description:
    'A one-time link (valid 30 minutes unless `expiresInMinutes` says otherwise) that lets a seller connect (or renew) an Amazon authorization for an account without a Sellerlink login. The seller lands on `returnUrl` with `outcome` (`connected`, `renewed`, `cancelled`, `error`), `sessionId`, `connectionId` and `code`; a `connect_session.completed` webhook carries the same. Confirm the outcome with `GET /v1/connect-sessions/{id}` or the webhook, not the query alone.',
  security: [{ apiKey: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: NewConnectSessionSchema } } } },
  responses: {
    201: { description: 'The link', content: { 'application/json': { schema: CreatedSchema } } },
    ...commonErrors,
    400: errorResponse(
      'Bad input (VALIDATION_FAILED) or a returnUrl not on the allow-list (RETURN_URL_NOT_ALLOWED)',
    ),
    403: errorResponse('The key may not create links for that account (CONNECT_FORBIDDEN)'),
    404: errorResponse('No such account or connection for this key (CONNECT_NOT_FOUND)'),
    409: errorResponse(
      'Nothing to connect with (CONNECT_UNAVAILABLE), or a connection renewed otherwise (CONNECT_NOT_RENEWABLE)',
    ),
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/v1/connect-sessions/{id}',
  operationId: 'getConnectSession',
  tags: ['Connect links'],
  summary: 'Get a connect session',
  description:
    'How a link stands: pending, started (the seller is at Amazon), completed with its outcome, or expired.',
  security: [{ apiKey: [] }],
  request: { params: IdParams },
  responses: {
    200: { description: 'The session', content: { 'application/json': { schema: ConnectSessionSchema } } },
    ...commonErrors,
    404: errorResponse('No such session for this key (CONNECT_NOT_FOUND)'),
  },
});

/** A session as the API shows it. */
function sessionView(s: ConnectSession): z.infer<typeof ConnectSessionSchema> {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    id: s.id,
    accountId: s.accountId,
    api: apiName(s.api),
    region: s.region,
    purpose: s.purpose,
    connectionId: s.connectionId,
    returnUrl: s.returnUrl,
    vendor: s.vendor,
    origin: s.origin,
    status: s.status,
    createdAt: s.createdAt.toISOString(),
    expiresAt: s.expiresAt.toISOString(),
    startedAt: iso(s.startedAt),
    completedAt: iso(s.completedAt),
    outcome: s.outcome,
    errorCode: s.errorCode,
    resultConnectionId: s.resultConnectionId,
  };
}

/** Registers the connect-link routes. */
export function registerConnectSessionRoutes(app: OpenAPIHono<ApiEnv>, connect: Connect): void {
  app.openapi(createRoute_, async (c) => {
    const body = c.req.valid('json');
    const { session, url } = await connect.create(c.get('principal').viewer, {
      ...(body.accountId !== undefined ? { accountId: body.accountId } : {}),
      api: body.api === 'ads' ? 'ads' : 'sp_api',
      region: body.region ?? null,
      purpose: body.purpose ?? 'connect',
      ...(body.connectionId !== undefined ? { connectionId: body.connectionId } : {}),
      returnUrl: body.returnUrl,
      ...(body.vendorName !== undefined ? { vendorName: body.vendorName } : {}),
      ...(body.vendorLogoUrl !== undefined ? { vendorLogoUrl: body.vendorLogoUrl } : {}),
      ...(body.expiresInMinutes !== undefined ? { expiresInMinutes: body.expiresInMinutes } : {}),
    });
    c.header('Cache-Control', 'no-store');
    return c.json({ session: sessionView(session), url }, 201);
  });
  app.openapi(getRoute, async (c) => {
    const session = await connect.get(c.get('principal').viewer, c.req.valid('param').id);
    return c.json(sessionView(session), 200);
  });
}
