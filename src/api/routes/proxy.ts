import { z, type OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { SpApiRequest } from '../../amazon/client-types.js';
import { AmazonError } from '../../amazon/errors.js';
import type { ApiDeps, ApiEnv } from '../context.js';
import { ApiError, ErrorBodySchema } from '../errors.js';
import { commonErrors, ConnectionIdParams, errorResponse, SPAPI_PATH } from '../schemas.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
type Method = (typeof METHODS)[number];

/** Where the proxy lives, relative to the API app (mounted at /api). */
export const PROXY_PATH = '/v1/connections/:id/sp-api/*';

/**
 * APIs the proxy never forwards: application-level operations (e.g. rotating the vendor's client
 * secret) are not a seller's business, whatever token Amazon would want for them.
 */
const REFUSED_APIS = new Set(['applications', 'authorization']);

const AmazonErrorsSchema = z
  .object({
    errors: z.array(z.object({ code: z.string(), message: z.string(), details: z.string().optional() })),
  })
  .openapi('AmazonErrors', {
    description:
      "Amazon's own error body (https://developer-docs.amazon.com/sp-api/docs/response-format), passed through with Amazon's status",
  });

/** The part after `/sp-api`, still percent-encoded (an encoded `/` in a SKU must stay encoded). */
function rawSpApiPath(url: string): string {
  const pathname = new URL(url).pathname;
  const match = /\/v1\/connections\/[^/]+\/sp-api(\/.*)$/.exec(pathname);
  return match?.[1] ?? '';
}

/** Refuses anything that is not plainly an SP-API path (no dot segments, no control characters). */
function checkPath(path: string): void {
  const refuse = (why: string) => new ApiError(400, 'SPAPI_PATH_REFUSED', `path: ${why}`, 'path');
  if (!SPAPI_PATH.test(path)) {
    throw refuse(
      'not an SP-API path; expected /<api>/<version>/… such as /orders/2026-01-01/orders or /sellers/v1/marketplaceParticipations',
    );
  }
  let decoded: string[];
  try {
    decoded = path.split('/').map((segment) => decodeURIComponent(segment));
  } catch {
    throw refuse('has a malformed percent-encoding');
  }
  if (decoded.some((segment) => segment === '.' || segment === '..'))
    throw refuse('must not contain . or ..');
  if (path.includes('//')) throw refuse('must not contain empty segments');
  // eslint-disable-next-line no-control-regex
  if (decoded.some((segment) => /[\u0000-\u001f\u007f\\]/.test(segment))) {
    throw refuse('must not contain control characters or backslashes');
  }
  if (REFUSED_APIS.has(decoded[1] ?? '')) {
    throw refuse(`the ${decoded[1]} API concerns the application, not a seller, and is not forwarded`);
  }
}

/** Every query parameter, repeated ones as arrays (sent comma-separated, as SP-API expects lists). */
function queryOf(url: string): NonNullable<SpApiRequest['query']> {
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of new URL(url).searchParams) {
    const seen = query[key];
    query[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return query;
}

/** The JSON body, if any; other media types are refused. */
async function bodyOf(c: Context<ApiEnv>): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return undefined;
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (!/^application\/([\w.-]+\+)?json$/.test(type)) {
    throw new ApiError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'Send the request body as JSON (Content-Type: application/json).',
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, 'VALIDATION_FAILED', 'body: the request body is not valid JSON', 'body');
  }
}

/** Amazon's headers worth passing on (https://developer-docs.amazon.com/sp-api/docs/response-format). */
function amazonHeaders(requestId: string | null, rateLimit: number | null): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (requestId) headers['x-amzn-RequestId'] = requestId;
  if (rateLimit !== null) headers['x-amzn-RateLimit-Limit'] = String(rateLimit);
  return headers;
}

/** Amazon's error body for a 4xx as Amazon sent it; rebuilt from its code and words if it had none. */
function amazonErrorBody(err: AmazonError): unknown {
  if (err.info.body !== undefined) return err.info.body;
  return {
    errors: [{ code: err.info.amazonCode ?? 'Error', message: err.info.amazonMessage ?? err.message }],
  };
}

/** How long a proxied call may wait for the usage plan before the caller gets a 429 with Retry-After. */
export const PROXY_MAX_WAIT_MS = 20_000;

/**
 * `ANY /v1/connections/{id}/sp-api/{path}`: forwards one SP-API call for the connection through the
 * SP-API client (auth, shared rate limits, retries). Amazon's status and body come back as they are,
 * 4xx included; Sellerlink's own failures (auth, scope, dead connection, Amazon unreachable) use
 * the API's error shape. Nothing of the caller's request but method, path, query and JSON body
 * reaches Amazon: never its Authorization header.
 */
export function registerProxyRoutes(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  for (const method of METHODS) app.openAPIRegistry.registerPath(proxyOperation(method));
  app.on([...METHODS], PROXY_PATH, (c) => forward(c, deps));
  app.all(PROXY_PATH, (c) => {
    throw new ApiError(
      405,
      'METHOD_NOT_ALLOWED',
      `${c.req.method} is not forwarded; use ${METHODS.join(', ')}`,
    );
  });
}

/** The OpenAPI description of the proxy for one method (the body only where the method has one). */
function proxyOperation(method: Method): RouteConfig {
  const withBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
  return {
    method: method.toLowerCase() as Lowercase<Method>,
    path: '/v1/connections/{id}/sp-api/{path}',
    operationId: `proxy${method[0]}${method.slice(1).toLowerCase()}`,
    tags: ['SP-API proxy'],
    summary: `${method} an SP-API call for the connection`,
    description:
      "Forwards the call to the connection's regional SP-API endpoint with a fresh access token, within the usage plan shared by every Sellerlink process, retrying throttled and failed calls with backoff. `{path}` is the SP-API path after `/sp-api`, slashes included (e.g. `orders/2026-01-01/orders`); it must look like `/<api>/<version>/…`. Every query parameter is forwarded; repeated ones are joined with commas. Amazon's status and JSON body come back unchanged, with `x-amzn-RequestId` and `x-amzn-RateLimit-Limit`.",
    security: [{ apiKey: [] }],
    request: {
      params: ConnectionIdParams.extend({
        path: z.string().openapi({
          param: { name: 'path', in: 'path' },
          description: 'The SP-API path, slashes included',
          example: 'orders/2026-01-01/orders',
        }),
      }),
      ...(withBody
        ? {
            body: {
              required: false,
              content: {
                'application/json': {
                  schema: z.record(z.string(), z.unknown()).openapi({ description: "Amazon's request body" }),
                },
              },
            },
          }
        : {}),
    },
    responses: {
      200: {
        description: "Amazon's answer (any 2xx status), unchanged",
        content: {
          'application/json': {
            schema: z.record(z.string(), z.unknown()).openapi({ description: 'As Amazon sent it' }),
          },
        },
      },
      ...commonErrors,
      400: {
        description:
          "Amazon's 400 passed through ({errors:[…]}), or Sellerlink's own: VALIDATION_FAILED, SPAPI_PATH_REFUSED ({error:{…}})",
        content: { 'application/json': { schema: z.union([AmazonErrorsSchema, ErrorBodySchema]) } },
      },
      403: {
        description: "Amazon's 403, passed through",
        content: { 'application/json': { schema: AmazonErrorsSchema } },
      },
      404: errorResponse(
        "No such connection for this key (CONNECTION_NOT_FOUND), or Amazon's 404 passed through",
      ),
      409: errorResponse('The seller must re-authorize (TOKEN_CONNECTION_REVOKED, _EXPIRED, _DISCONNECTED)'),
      429: {
        description: "Amazon's 429 after Sellerlink's retries, passed through",
        content: { 'application/json': { schema: AmazonErrorsSchema } },
      },
      502: errorResponse('Amazon failed (5xx after retries) or refused the application'),
      503: errorResponse('Amazon or token refresh unavailable; see Retry-After'),
    },
  };
}

/** Forwards the request to Amazon for the connection and answers with Amazon's status and body. */
async function forward(c: Context<ApiEnv>, deps: ApiDeps): Promise<Response> {
  const parsed = ConnectionIdParams.safeParse({ id: c.req.param('id') });
  if (!parsed.success)
    throw new ApiError(400, 'VALIDATION_FAILED', 'id: must be a connection id (a UUID)', 'id');
  const id = parsed.data.id;
  const path = rawSpApiPath(c.req.url);
  checkPath(path);
  const principal = c.get('principal');
  const connection = await deps.connections.get(principal.viewer, id);
  const method = c.req.method as Method;
  const body = await bodyOf(c);
  const request: SpApiRequest = { method, path, query: queryOf(c.req.url), maxWaitMs: PROXY_MAX_WAIT_MS };
  if (body !== undefined) request.body = body;
  try {
    const result = await deps.spApi.call(connection.id, request);
    const headers = amazonHeaders(result.requestId, result.rateLimit);
    if (result.body === undefined || result.status === 204)
      return c.body(null, result.status as 200, headers);
    return c.body(JSON.stringify(result.body), result.status as 200, headers);
  } catch (err) {
    const status = err instanceof AmazonError ? err.info.status : undefined;
    if (err instanceof AmazonError && status !== undefined && status >= 400 && status < 500) {
      deps.logger.info(
        { connectionId: connection.id, apiKeyPrefix: principal.prefix, status, code: err.code, path },
        'SP-API call over the proxy answered with an error',
      );
      const headers = amazonHeaders(err.info.requestId ?? null, null);
      if (err.code === 'SPAPI_THROTTLED') headers['Retry-After'] = '1';
      return c.body(JSON.stringify(amazonErrorBody(err)), status as 400, headers);
    }
    throw err;
  }
}
