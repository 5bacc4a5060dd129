import { z } from '@hono/zod-openapi';
import { OrdersError } from '../orders/errors.js';
import { ConnectError } from '../connect/errors.js';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { AdsError } from '../ads/errors.js';
import { AmazonError } from '../amazon/errors.js';
import { ConnectionsError } from '../connections/errors.js';
import { AppError, ValidationError } from '../kernel/errors.js';
import { ListingsError } from '../listings/errors.js';
import { TokenError } from '../broker/errors.js';
import { AccountsError, ApiKeyError } from '../accounts/errors.js';

/** Codes only the API layer itself answers with (besides every domain code it maps). */
export type ApiOwnCode =
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'PAYLOAD_TOO_LARGE'
  | 'SPAPI_PATH_REFUSED'
  | 'ADS_PATH_REFUSED'
  | 'INTERNAL';

/** A failure the API answers directly (routing, media types, the proxy's path rules). */
export class ApiError extends AppError<ApiOwnCode | 'VALIDATION_FAILED'> {
  constructor(
    readonly status: ContentfulStatusCode,
    code: ApiOwnCode | 'VALIDATION_FAILED',
    message: string,
    field?: string,
  ) {
    super(code, message, field === undefined ? {} : { details: { field } });
  }
}

/** The one error body every failure of the API has. */
export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z
        .string()
        .openapi({ example: 'VALIDATION_FAILED', description: 'Stable, machine-readable code' }),
      message: z.string().openapi({ example: 'state: must be one of active, expiring, expired, …' }),
      field: z
        .string()
        .optional()
        .openapi({ example: 'state', description: 'The input field at fault, for validation failures' }),
    }),
  })
  .openapi('Error');

export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** How a failure is answered: status, body, extra headers, and whether it is worth a log line. */
export interface ApiFailure {
  status: ContentfulStatusCode;
  body: ErrorBody;
  headers: Record<string, string>;
  /** 'warn' for our own or Amazon's faults, 'debug' for the caller's mistakes, 'error' for bugs. */
  level: 'debug' | 'warn' | 'error';
}

/** Where a seller renews a connection, for the messages that tell the vendor to send them there. */
export type RenewUrl = (connectionId: string) => string;

/** The refusal getVisibleConnection gives for an id of the other API (it names the right route). */
const OTHER_API = /^connection \S+ is an (Amazon Ads|SP-API) connection: use \/api\/v1\//;

const RETRY_AFTER_REFRESH_S = 30;
const RETRY_AFTER_AMAZON_S = 60;

function failure(
  status: ContentfulStatusCode,
  code: string,
  message: string,
  options: { field?: unknown; headers?: Record<string, string>; level?: ApiFailure['level'] } = {},
): ApiFailure {
  const field = typeof options.field === 'string' ? options.field : undefined;
  return {
    status,
    body: { error: { code, message, ...(field === undefined ? {} : { field }) } },
    headers: options.headers ?? {},
    level: options.level ?? (status >= 500 ? 'warn' : 'debug'),
  };
}

/** The first issue of a zod error as a field path (`restrictedResources.0.method`) and a message. */
export function zodFailure(error: ZodError, fallbackField: string): ApiFailure {
  const issue = error.issues[0];
  const path = issue ? issue.path.map(String) : [];
  if (issue?.code === 'unrecognized_keys' && issue.keys[0] !== undefined) {
    const field = [...path, issue.keys[0]].join('.');
    return failure(400, 'VALIDATION_FAILED', `${field}: unknown field`, { field });
  }
  const field = path.length > 0 ? path.join('.') : fallbackField;
  const message = issue ? `${field}: ${issue.message}` : `${field}: invalid`;
  return failure(400, 'VALIDATION_FAILED', message, { field });
}

const BAD_STATE: Record<string, string> = {
  TOKEN_CONNECTION_REVOKED:
    'Amazon no longer accepts this authorization (the seller removed the app, or access changed).',
  TOKEN_CONNECTION_EXPIRED: 'The authorization ended after its 365 days.',
  TOKEN_CONNECTION_DISCONNECTED: 'The connection was disconnected in Sellerlink.',
};

/**
 * Maps any thrown value to the API's answer. Only this module decides HTTP statuses for the API;
 * messages are the domain's plain words plus, for dead connections, where the seller must go.
 */
export function toApiFailure(err: unknown, renewUrl: RenewUrl, connectionId?: string): ApiFailure {
  if (err instanceof ApiError)
    return failure(err.status, err.code, err.message, { field: err.details.field });
  if (err instanceof ValidationError) return failure(400, err.code, err.message, { field: err.field });
  if (err instanceof ApiKeyError) {
    switch (err.code) {
      case 'API_KEY_MISSING':
      case 'API_KEY_INVALID':
      case 'API_KEY_REVOKED':
        return failure(401, err.code, err.message, { headers: { 'WWW-Authenticate': 'Bearer' } });
      case 'API_KEY_FORBIDDEN':
        return failure(403, err.code, err.message);
      case 'API_KEY_NOT_FOUND':
        return failure(404, err.code, err.message);
    }
  }
  if (err instanceof AccountsError) return accountsFailure(err);
  if (err instanceof ConnectionsError && err.code === 'CONNECTION_NOT_FOUND') {
    // A visible connection of the other API: say which route serves it (connections/repository.ts).
    if (OTHER_API.test(err.message)) return failure(404, err.code, err.message);
    return failure(404, err.code, 'There is no such connection for this API key.');
  }
  if (err instanceof ConnectError) return connectFailure(err);
  if (err instanceof AdsError) {
    return failure(err.code === 'ADS_PROFILE_UNKNOWN' ? 404 : 400, err.code, err.message);
  }
  if (err instanceof OrdersError) {
    const status = err.code === 'ORDERS_NOT_FOUND' || err.code === 'ORDERS_CONNECTION_NOT_FOUND' ? 404 : 400;
    return failure(status, err.code, err.message, { field: err.details.field });
  }
  if (err instanceof ListingsError) {
    return failure(err.code === 'LISTING_CHANGE_NOT_FOUND' ? 404 : 400, err.code, err.message);
  }
  if (err instanceof TokenError) {
    const id = typeof err.details.connectionId === 'string' ? err.details.connectionId : connectionId;
    switch (err.code) {
      case 'TOKEN_CONNECTION_NOT_FOUND':
        return failure(404, 'CONNECTION_NOT_FOUND', 'There is no such connection for this API key.');
      case 'TOKEN_CONNECTION_REVOKED':
      case 'TOKEN_CONNECTION_EXPIRED':
      case 'TOKEN_CONNECTION_DISCONNECTED': {
        const where = id
          ? `renew it at ${renewUrl(id)} (Sellerlink portal → Connections → the connection → Renew)`
          : 'renew it on the Sellerlink portal (Connections → the connection → Renew)';
        return failure(
          409,
          err.code,
          `${BAD_STATE[err.code]} The seller must re-authorize before Amazon can be called again: ${where}.`,
        );
      }
      case 'TOKEN_APPLICATION_REJECTED':
        return failure(
          502,
          err.code,
          "Amazon refused the vendor application's client credentials (client secret wrong, rotated out or expired). Every seller of this app is affected until an operator updates the secret.",
        );
      case 'TOKEN_REFRESH_FAILED':
        return failure(
          503,
          err.code,
          'Amazon could not be reached to refresh the access token. Try again shortly.',
          { headers: { 'Retry-After': String(RETRY_AFTER_REFRESH_S) } },
        );
    }
  }
  if (err instanceof AmazonError) return amazonFailure(err);
  if (err instanceof HTTPException) return httpFailure(err);
  return failure(500, 'INTERNAL', 'Sellerlink hit an unexpected error; nothing was changed. Try again.', {
    level: 'error',
  });
}

/** Account provisioning's refusals (accounts/provisioning.ts). */
function accountsFailure(err: AccountsError): ApiFailure {
  switch (err.code) {
    case 'ACCOUNT_NOT_FOUND':
      return failure(404, err.code, err.message);
    case 'ACCOUNT_EXISTS':
    case 'ACCOUNT_HAS_CONNECTIONS':
      return failure(409, err.code, err.message);
    case 'FORBIDDEN':
      return failure(403, err.code, err.message);
    default:
      return failure(400, err.code, err.message);
  }
}

/** Amazon failures on our own endpoints (the proxy passes Amazon's 4xx through instead). */
function amazonFailure(err: AmazonError): ApiFailure {
  const words = err.info.amazonMessage ? `: ${err.info.amazonMessage}` : '';
  const amazonCode = err.info.amazonCode ? ` (${err.info.amazonCode})` : '';
  const said = `${amazonCode}${words}`;
  const retry = { 'Retry-After': String(RETRY_AFTER_AMAZON_S) };
  switch (err.code) {
    case 'SPAPI_INVALID_INPUT':
      return failure(400, err.code, `Amazon rejected the request as invalid${said}`);
    case 'SPAPI_NOT_FOUND':
      return failure(404, err.code, `Amazon found no such resource${said}`);
    case 'SPAPI_UNAUTHORIZED':
      return failure(
        403,
        err.code,
        `Amazon denied access${said}. The application may lack the role this call needs.`,
      );
    case 'SPAPI_WAIT_TOO_LONG': {
      const seconds = Math.max(1, Math.ceil((err.info.retryAfterMs ?? 1000) / 1000));
      return failure(
        429,
        err.code,
        `Amazon's usage plan for this connection and operation allows the next call in ${seconds} s; Sellerlink did not send it. Retry after that.`,
        { headers: { 'Retry-After': String(seconds) } },
      );
    }
    case 'ADS_WAIT_TOO_LONG': {
      const seconds = Math.max(1, Math.ceil((err.info.retryAfterMs ?? 1000) / 1000));
      return failure(
        429,
        err.code,
        `Amazon Ads allows this profile's next call in ${seconds} s, later than Sellerlink waits; it did not send the call. Retry after that.`,
        { headers: { 'Retry-After': String(seconds) } },
      );
    }
    case 'ADS_THROTTLED':
      return failure(429, err.code, `Amazon Ads throttled the call${said}. Slow down and retry.`, {
        headers: retry,
      });
    case 'SPAPI_THROTTLED':
      return failure(429, err.code, `Amazon throttled the call${said}. Slow down and retry.`, {
        headers: retry,
      });
    case 'SPAPI_UNAVAILABLE':
    case 'LWA_UNAVAILABLE':
      return failure(503, err.code, `Amazon is temporarily unavailable${said}. Retry later.`, {
        headers: retry,
      });
    case 'AMAZON_TIMEOUT':
      return failure(504, err.code, 'Amazon did not answer in time. Retry later.', { headers: retry });
    default:
      return failure(502, err.code, `Amazon answered with an error${said}.`);
  }
}

/** Hono's own refusals (malformed JSON, media type, body size) in the API's shape. */
function httpFailure(err: HTTPException): ApiFailure {
  switch (err.status) {
    case 400:
      return failure(400, 'VALIDATION_FAILED', 'body: the request body is not valid JSON', { field: 'body' });
    case 413:
      return failure(413, 'PAYLOAD_TOO_LARGE', 'The request body is too large.');
    case 415:
      return failure(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'Send the request body as JSON (Content-Type: application/json).',
      );
    default:
      return failure(
        err.status >= 400 ? err.status : 500,
        err.status === 404 ? 'NOT_FOUND' : 'INTERNAL',
        err.message || 'The request was refused.',
      );
  }
}

/** Connect links' refusals (src/connect/). */
function connectFailure(err: ConnectError): ApiFailure {
  switch (err.code) {
    case 'RETURN_URL_NOT_ALLOWED':
      return failure(400, err.code, err.message, { field: err.details.field });
    case 'CONNECT_FORBIDDEN':
      return failure(403, err.code, err.message);
    case 'CONNECT_UNAVAILABLE':
    case 'CONNECT_NOT_RENEWABLE':
      return failure(409, err.code, err.message);
    case 'CONNECT_LINK_EXPIRED':
    case 'CONNECT_LINK_USED':
      return failure(410, err.code, err.message);
    case 'CONNECT_NOT_FOUND':
    case 'CONNECT_LINK_UNKNOWN':
      return failure(404, err.code, err.message);
  }
}
