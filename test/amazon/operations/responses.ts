import { buildSpApiRequest } from '../../../src/amazon/spapi.js';
import type { SpApiRequest } from '../../../src/amazon/client-types.js';
import { Secret } from '../../../src/kernel/secret.js';

/** A JSON response as Amazon sends it. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** A response whose body is the given text as it is (not JSON, or broken JSON). */
export function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { 'content-type': 'text/html' } });
}

/** Amazon's error body. */
export function errors(code: string, message: string, details?: string): { errors: object[] } {
  return { errors: [{ code, message, ...(details === undefined ? {} : { details }) }] };
}

/**
 * The error statuses every SP-API operation shares (https://developer-docs.amazon.com/sp-api/docs/response-format):
 * its name, the AmazonError code it becomes, whether that error is retryable, and the response
 * (made fresh per test: a body is read once).
 */
export const SP_API_ERRORS: [string, string, boolean, () => Response][] = [
  [
    '400 InvalidInput',
    'SPAPI_INVALID_INPUT',
    false,
    () => json(400, errors('InvalidInput', 'bad marketplace')),
  ],
  [
    '403 Unauthorized',
    'SPAPI_UNAUTHORIZED',
    false,
    () => json(403, errors('Unauthorized', 'Access to requested resource is denied.')),
  ],
  [
    '403 expired access token',
    'SPAPI_ACCESS_TOKEN_EXPIRED',
    true,
    () => json(403, errors('Unauthorized', 'Access denied', 'The access token you provided has expired.')),
  ],
  [
    '429 QuotaExceeded',
    'SPAPI_THROTTLED',
    true,
    () => json(429, errors('QuotaExceeded', 'You exceeded your quota')),
  ],
  [
    '500 InternalFailure',
    'SPAPI_SERVER_ERROR',
    true,
    () => json(500, errors('InternalFailure', 'We encountered an internal error.')),
  ],
  ['500 with an HTML page', 'SPAPI_SERVER_ERROR', true, () => text(500, '<html>oops</html>')],
  ['502 without a body', 'SPAPI_SERVER_ERROR', true, () => new Response(null, { status: 502 })],
  [
    '503 ServiceUnavailable',
    'SPAPI_UNAVAILABLE',
    true,
    () => json(503, errors('ServiceUnavailable', 'try later')),
  ],
  ['413 RequestTooLarge', 'SPAPI_ERROR', false, () => json(413, errors('RequestTooLarge', 'too big'))],
  ['200 with broken JSON', 'SPAPI_BAD_RESPONSE', true, () => text(200, '{"orders": [')],
];

/** The URL a request goes to, as the client builds it (endpoint + path + query). */
export function urlOf(request: SpApiRequest): URL {
  return new URL(
    buildSpApiRequest({
      endpoint: 'https://sellingpartnerapi-na.amazon.com',
      call: request,
      accessToken: new Secret('Atza|token'),
      userAgent: 'test',
    }).url,
  );
}
