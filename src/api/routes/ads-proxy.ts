import { z, type OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Ads } from '../../ads/ads.js';
import { AdsError } from '../../ads/errors.js';
import type { AdsAnswer } from '../../amazon/ads-client.js';
import type { ApiDeps, ApiEnv } from '../context.js';
import { ApiError } from '../errors.js';
import { commonErrors, ConnectionIdParams, errorResponse } from '../schemas.js';

/**
 * `ANY /v1/ads-connections/{id}/ads-api/{path}`: forwards one Amazon Ads API call for one of the
 * connection's advertising profiles. Sellerlink adds the three headers the Ads API wants
 * (`Authorization`, `Amazon-Advertising-API-ClientId`, `Amazon-Advertising-API-Scope`), sends it to
 * the profile's regional host at the pace kept per profile, and waits out Amazon's 429 +
 * `Retry-After` (src/amazon/ads-client.ts). Amazon's status, body and content type come back as
 * they are.
 * @see https://advertising.amazon.com/API/docs/en-us/guides/get-started/headers
 * @see https://advertising.amazon.com/API/docs/en-us/concepts/rate-limiting
 */

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
type Method = (typeof METHODS)[number];

/** Where the Ads proxy lives, relative to the API app (mounted at /api). */
export const ADS_PROXY_PATH = '/v1/ads-connections/:id/ads-api/*';

/** The header naming the profile (https://advertising.amazon.com/API/docs/en-us/guides/get-started/headers). */
const SCOPE_HEADER = 'amazon-advertising-api-scope';
/** The query parameter that may name the profile instead; never forwarded. */
const PROFILE_PARAM = 'profileId';
/** Largest body forwarded (the API's body limit; the input guard refuses larger ones first). */
export const ADS_PROXY_MAX_BODY_BYTES = 1024 * 1024;
const MAX_PATH_LENGTH = 2048;

/** JSON, or a versioned vendor JSON type such as `application/vnd.spCampaign.v3+json`. */
const JSON_TYPE = /^application\/([\w.+-]+\+)?json$/;

/** The part after `/ads-api`, still percent-encoded as sent. */
function rawAdsPath(url: string): string {
  const match = /\/v1\/ads-connections\/[^/]+\/ads-api(\/.*)$/.exec(new URL(url).pathname);
  return match?.[1] ?? '';
}

/** Refuses anything that is not plainly an Ads API path (letter first segment, no dot segments, no control characters). */
export function checkAdsPath(path: string): void {
  const refuse = (why: string) => new ApiError(400, 'ADS_PATH_REFUSED', `path: ${why}`, 'path');
  if (path.length > MAX_PATH_LENGTH) throw refuse(`longer than ${MAX_PATH_LENGTH} characters`);
  if (!/^\/[A-Za-z][A-Za-z0-9_-]*(\/|$)/.test(path)) {
    throw refuse('not an Ads API path; expected one such as /sp/campaigns/list or /v2/profiles');
  }
  let decoded: string[];
  try {
    decoded = path.split('/').map((segment) => decodeURIComponent(segment));
  } catch {
    throw refuse('has a malformed percent-encoding');
  }
  // An encoded slash may stay (Amazon gets it encoded), but not to smuggle a dot segment past us.
  if (decoded.some((segment) => segment.split('/').some((part) => part === '.' || part === '..'))) {
    throw refuse('must not contain . or ..');
  }
  if (path.includes('//')) throw refuse('must not contain empty segments');
  // eslint-disable-next-line no-control-regex
  if (decoded.some((segment) => /[\u0000-\u001f\u007f\\]/.test(segment))) {
    throw refuse('must not contain control characters or backslashes');
  }
}

/**
 * The query string to forward (as sent, minus `profileId`) and the profile id it named, if any.
 * Pairs are kept byte for byte: Amazon sees the encoding the caller chose.
 */
export function splitQuery(search: string): { search: string; profileId: string | null } {
  let profileId: string | null = null;
  const kept: string[] = [];
  for (const pair of search.replace(/^\?/, '').split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const rawName = at < 0 ? pair : pair.slice(0, at);
    let name = rawName;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
    } catch {
      // an undecodable name is forwarded as it is
    }
    if (name === PROFILE_PARAM) {
      const value = at < 0 ? '' : pair.slice(at + 1).replace(/\+/g, ' ');
      try {
        profileId = decodeURIComponent(value).trim();
      } catch {
        profileId = value; // not a profile id: refused as one (ADS_REQUEST_INVALID)
      }
      continue;
    }
    kept.push(pair);
  }
  return { search: kept.length > 0 ? `?${kept.join('&')}` : '', profileId };
}

/** The profile the caller named: the Scope header, else `?profileId=`; both must agree. */
function profileOf(header: string | undefined, queried: string | null): string | null {
  const fromHeader = header?.trim() || null;
  if (fromHeader && queried && fromHeader !== queried) {
    throw new AdsError(
      'ADS_REQUEST_INVALID',
      `the Amazon-Advertising-API-Scope header (${fromHeader}) and ?profileId= (${queried}) name different profiles; send one`,
    );
  }
  return fromHeader ?? (queried || null);
}

/** The body as bytes, if any: JSON or vendor JSON only, at most 1 MiB. */
async function bodyOf(c: Context<ApiEnv>): Promise<ArrayBuffer | null> {
  if (c.req.raw.body === null || c.req.method === 'GET') return null;
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const bytes = await c.req.arrayBuffer();
  if (bytes.byteLength === 0) return null;
  if (bytes.byteLength > ADS_PROXY_MAX_BODY_BYTES) {
    throw new ApiError(413, 'PAYLOAD_TOO_LARGE', 'The request body is too large (at most 1024 KiB here).');
  }
  if (!JSON_TYPE.test(type)) {
    throw new ApiError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'Send the request body as JSON: Content-Type application/json, or the Ads API’s versioned type such as application/vnd.spCampaign.v3+json.',
    );
  }
  return bytes;
}

/** The caller's headers Amazon may see: only Content-Type (with a body) and Accept. */
function forwardedHeaders(c: Context<ApiEnv>, withBody: boolean): Record<string, string> {
  const headers: Record<string, string> = {};
  const type = c.req.header('content-type');
  const accept = c.req.header('accept');
  if (withBody && type) headers['content-type'] = type;
  if (accept) headers.accept = accept;
  return headers;
}

/** Amazon's answer as the caller gets it: status, body, content type, request id, and a final 429's Retry-After. */
function answerOf(answer: AdsAnswer): Response {
  const headers = new Headers();
  const type = answer.headers.get('content-type');
  if (type) headers.set('content-type', type);
  const requestId = answer.headers.get('x-amzn-requestid') ?? answer.headers.get('x-amz-request-id');
  if (requestId) headers.set('x-amzn-RequestId', requestId);
  if (answer.status === 429) headers.set('Retry-After', answer.headers.get('retry-after') ?? '1');
  const empty = answer.status === 204 || answer.status === 304 || answer.body.byteLength === 0;
  return new Response(empty ? null : (answer.body as Uint8Array<ArrayBuffer>), {
    status: answer.status,
    headers,
  });
}

/** Forwards the request for the connection's profile and answers with Amazon's answer. */
async function forward(c: Context<ApiEnv>, deps: ApiDeps, ads: Ads): Promise<Response> {
  const parsed = ConnectionIdParams.safeParse({ id: c.req.param('id') });
  if (!parsed.success)
    throw new ApiError(400, 'VALIDATION_FAILED', 'id: must be a connection id (a UUID)', 'id');
  const id = parsed.data.id;
  const path = rawAdsPath(c.req.url);
  checkAdsPath(path);
  const principal = c.get('principal');
  // Visibility first: another account's id (or an SP-API one) is refused before the body is read.
  await ads.get(principal.viewer, id);
  const query = splitQuery(new URL(c.req.url).search);
  const profileId = profileOf(c.req.header(SCOPE_HEADER), query.profileId);
  const body = await bodyOf(c);
  const answer = await ads.forward(principal.viewer, id, profileId, {
    method: c.req.method,
    path,
    search: query.search,
    headers: forwardedHeaders(c, body !== null),
    body,
  });
  deps.logger.info(
    {
      connectionId: id,
      apiKeyPrefix: principal.prefix,
      profileId,
      method: c.req.method,
      path,
      status: answer.status,
      waitedMs: answer.waitedMs,
      throttled: answer.throttled,
    },
    'Ads API call over the proxy',
  );
  return answerOf(answer);
}

/** Registers the Ads proxy for GET, POST, PUT, PATCH and DELETE (405 for other methods). */
export function registerAdsProxyRoutes(app: OpenAPIHono<ApiEnv>, deps: ApiDeps, ads: Ads): void {
  for (const method of METHODS) app.openAPIRegistry.registerPath(adsProxyOperation(method));
  app.on([...METHODS], ADS_PROXY_PATH, (c) => forward(c, deps, ads));
  app.all(ADS_PROXY_PATH, (c) => {
    throw new ApiError(
      405,
      'METHOD_NOT_ALLOWED',
      `${c.req.method} is not forwarded; use ${METHODS.join(', ')}`,
    );
  });
}

const AdsErrorBodySchema = z
  .object({ code: z.string(), details: z.string(), requestId: z.string().optional() })
  .openapi('AdsApiError', {
    description:
      "Amazon Ads' own error body (https://advertising.amazon.com/API/docs/en-us/concepts/errors), passed through with Amazon's status",
  });

const amazonAnswer = (description: string) => ({
  description,
  content: { 'application/json': { schema: AdsErrorBodySchema } },
});

/** The OpenAPI description of the Ads proxy for one method. */
function adsProxyOperation(method: Method): RouteConfig {
  const withBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
  const anyJson = z.record(z.string(), z.unknown()).openapi({ description: 'As Amazon defines it' });
  return {
    method: method.toLowerCase() as Lowercase<Method>,
    path: '/v1/ads-connections/{id}/ads-api/{path}',
    operationId: `adsProxy${method[0]}${method.slice(1).toLowerCase()}`,
    tags: ['Amazon Ads proxy'],
    summary: `${method} an Amazon Ads API call for one profile`,
    description:
      "Forwards the call to the Ads API host of the profile's region with the connection's access token, `Amazon-Advertising-API-ClientId` and `Amazon-Advertising-API-Scope`. Name the profile with the `Amazon-Advertising-API-Scope` header (or `?profileId=`, not forwarded); it must be one of the connection's listed profiles, else 404 ADS_PROFILE_UNKNOWN and nothing is sent. `{path}` is the Ads API path after `/ads-api`, slashes included (e.g. `sp/campaigns/list`). The query string is forwarded as sent; of the caller's headers only Content-Type and Accept. A body must be JSON or a vendor JSON type such as `application/vnd.spCampaign.v3+json` (at most 1 MiB) and is forwarded byte for byte. Calls are paced per profile across Sellerlink's processes, and a 429 is waited out (its Retry-After) and sent again while the wait fits; Amazon's status, body and content type come back unchanged with `x-amzn-RequestId` (and `Retry-After` on a final 429).",
    security: [{ apiKey: [] }],
    request: {
      params: ConnectionIdParams.extend({
        path: z.string().openapi({
          param: { name: 'path', in: 'path' },
          description: 'The Ads API path, slashes included',
          example: 'sp/campaigns/list',
        }),
      }),
      query: z.object({
        profileId: z
          .string()
          .optional()
          .openapi({
            param: { name: 'profileId', in: 'query' },
            description: 'The profile, if no Scope header',
          }),
      }),
      headers: z.object({
        'Amazon-Advertising-API-Scope': z
          .string()
          .optional()
          .openapi({
            param: { name: 'Amazon-Advertising-API-Scope', in: 'header' },
            description: 'The advertising profile id (one of the connection’s profiles)',
            example: '3312910465837761',
          }),
      }),
      ...(withBody
        ? {
            body: {
              required: false,
              content: { 'application/json': { schema: anyJson } },
            },
          }
        : {}),
    },
    responses: {
      200: {
        description: "Amazon's answer (any status Amazon gives), unchanged, with Amazon's content type",
        content: { 'application/json': { schema: anyJson } },
      },
      ...commonErrors,
      400: errorResponse(
        "Amazon's 400 passed through ({code, details}), or Sellerlink's own: ADS_REQUEST_INVALID (no profile named), ADS_PATH_REFUSED, VALIDATION_FAILED",
      ),
      401: amazonAnswer("Amazon's 401 passed through, or Sellerlink's API_KEY_* ({error:{…}})"),
      404: errorResponse(
        "No such Ads connection for this key (CONNECTION_NOT_FOUND), a profile not of this connection (ADS_PROFILE_UNKNOWN), or Amazon's 404 passed through",
      ),
      409: errorResponse(
        'The advertiser must re-authorize (TOKEN_CONNECTION_REVOKED, _EXPIRED, _DISCONNECTED)',
      ),
      413: errorResponse('The body is larger than 1 MiB (PAYLOAD_TOO_LARGE)'),
      415: errorResponse('The body is not JSON (UNSUPPORTED_MEDIA_TYPE)'),
      429: {
        description:
          "Amazon's 429 after Sellerlink waited (Retry-After passed on), or ADS_WAIT_TOO_LONG: the profile's next call is later than Sellerlink waits; nothing was sent",
        content: { 'application/json': { schema: AdsErrorBodySchema } },
      },
      502: errorResponse('Amazon could not be reached (AMAZON_NETWORK) or refused the application'),
      504: errorResponse('Amazon did not answer in time (AMAZON_TIMEOUT)'),
    },
  };
}
