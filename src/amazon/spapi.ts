import type { Secret } from '../kernel/secret.js';
import type { WireRequest } from './deadline.js';
import { AmazonError, type AmazonErrorCode } from './errors.js';

/** One SP-API call, before it goes on the wire. */
export interface SpApiCall {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path with values filled in, e.g. `/orders/2026-01-01/orders`. */
  path: string;
  query?: Record<string, string | number | boolean | readonly string[] | undefined>;
  body?: unknown;
}

/**
 * Builds the HTTP request: region endpoint + path, `x-amz-access-token`, User-Agent.
 * A plain URL and init, not a Request: the deadline's signal is given to `fetch` itself (deadline.ts).
 * @see https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api
 */
export function buildSpApiRequest(input: {
  endpoint: string;
  call: SpApiCall;
  accessToken: Secret;
  userAgent: string;
}): WireRequest {
  const url = new URL(`${input.endpoint.replace(/\/$/, '')}${input.call.path}`);
  for (const [key, value] of Object.entries(input.call.query ?? {})) {
    if (value === undefined) continue;
    url.searchParams.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  const headers: Record<string, string> = {
    'x-amz-access-token': input.accessToken.reveal(),
    'user-agent': input.userAgent,
    accept: 'application/json',
  };
  const init: RequestInit = { method: input.call.method, headers };
  if (input.call.body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(input.call.body);
  }
  return { url: url.toString(), init };
}

/** A successful SP-API response: body parsed, with the rate Amazon reported when it did. */
export interface SpApiResult<T> {
  status: number;
  body: T;
  requestId: string | null;
  /** x-amzn-RateLimit-Limit (requests per second), when present (https://developer-docs.amazon.com/sp-api/docs/response-format). */
  rateLimit: number | null;
}

/** Parses a response; non-2xx becomes an AmazonError with Amazon's code and message (https://developer-docs.amazon.com/sp-api/docs/response-format). */
export async function processSpApiResponse<T>(response: Response): Promise<SpApiResult<T>> {
  const requestId = response.headers.get('x-amzn-requestid');
  const limitHeader = response.headers.get('x-amzn-ratelimit-limit');
  const rateLimit = limitHeader !== null && Number.isFinite(Number(limitHeader)) ? Number(limitHeader) : null;
  const text = await response.text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      if (response.ok) {
        throw new AmazonError(
          'SPAPI_BAD_RESPONSE',
          `SP-API answered ${response.status} with a body that is not JSON`,
          {
            status: response.status,
            retryable: true,
          },
        );
      }
    }
  }
  if (response.ok) return { status: response.status, body: body as T, requestId, rateLimit };
  throw spApiError(response.status, body, requestId);
}

function spApiError(status: number, body: unknown, requestId: string | null): AmazonError {
  const first = (body as { errors?: { code?: unknown; message?: unknown; details?: unknown }[] } | undefined)
    ?.errors?.[0];
  const amazonCode = typeof first?.code === 'string' ? first.code : undefined;
  const message = typeof first?.message === 'string' ? first.message : undefined;
  const details = typeof first?.details === 'string' ? first.details : '';
  const amazonMessage = [message, details].filter(Boolean).join(' ').slice(0, 500) || undefined;
  const info = {
    status,
    ...(amazonCode ? { amazonCode } : {}),
    ...(amazonMessage ? { amazonMessage } : {}),
    body,
    requestId,
  };
  const make = (code: AmazonErrorCode, text: string, retryable: boolean): AmazonError =>
    new AmazonError(
      code,
      `${text} (SP-API ${status}${amazonCode ? ` ${amazonCode}` : ''}${amazonMessage ? `: ${amazonMessage}` : ''})`,
      {
        ...info,
        retryable,
      },
    );
  if (status === 403 || status === 401) {
    if (/access token you provided has expired/i.test(details))
      return make('SPAPI_ACCESS_TOKEN_EXPIRED', 'the access token has expired', true);
    if (/LWA secret token you provided has expired/i.test(details)) {
      return make('SPAPI_CLIENT_SECRET_EXPIRED', "the app's LWA client secret has expired", false);
    }
    return make('SPAPI_UNAUTHORIZED', 'Amazon denied access', false);
  }
  if (status === 429) return make('SPAPI_THROTTLED', 'Amazon throttled the call', true);
  if (status === 400) return make('SPAPI_INVALID_INPUT', 'Amazon rejected the request as invalid', false);
  if (status === 404) return make('SPAPI_NOT_FOUND', 'Amazon found no such resource', false);
  if (status === 503) return make('SPAPI_UNAVAILABLE', 'Amazon is temporarily unavailable', true);
  if (status >= 500) return make('SPAPI_SERVER_ERROR', 'Amazon had an internal error', true);
  return make('SPAPI_ERROR', 'Amazon answered with an error', false);
}
