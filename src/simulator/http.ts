import type { Context } from 'hono';
import type { SimEnv } from './context.js';

/**
 * `x-amzn-ErrorType` per status, where Amazon's value is known: "the SP-API gateway populates this
 * [header] with the errorType if the response status code is 4xx or 5xx. This header is optional and
 * may not be returned" (https://developer-docs.amazon.com/sp-api/docs/response-format). 400
 * `ValidationException` and 403 `AccessDeniedException` are that page's examples; 429
 * `TooManyRequestsException` was observed on a throttled call (amzn/selling-partner-api-models#746).
 * Other statuses go without it rather than with a guessed value.
 */
export const SPAPI_ERROR_TYPES: Readonly<Partial<Record<number, string>>> = Object.freeze({
  400: 'ValidationException',
  403: 'AccessDeniedException',
  429: 'TooManyRequestsException',
});

/**
 * The SP-API error body (https://developer-docs.amazon.com/sp-api/docs/response-format): `{"errors":[{code,message,details?}]}`,
 * with `x-amzn-RequestId` and, where known, `x-amzn-ErrorType`. A 400 without `details` carries
 * `"details": ""`, as Amazon's 400 InvalidInput answers do; a 429 has none (the raw 429 body in
 * amzn/selling-partner-api-models#746).
 */
export function spapiError(
  c: Context<SimEnv>,
  status: 400 | 401 | 403 | 404 | 413 | 415 | 429 | 500 | 503,
  code: string,
  message: string,
  details?: string,
): Response {
  const error: Record<string, string> = { code, message };
  const withDetails = details ?? (status === 400 ? '' : undefined);
  if (withDetails !== undefined) error.details = withDetails;
  c.header('x-amzn-RequestId', c.env.requestId);
  const errorType = SPAPI_ERROR_TYPES[status];
  if (errorType !== undefined) c.header('x-amzn-ErrorType', errorType);
  return c.json({ errors: [error] }, status);
}

/** The LWA error body (https://developer.amazon.com/docs/login-with-amazon/refresh-token.html): `{"error_description","error"}` with no-store caching. */
export function lwaError(
  c: Context<SimEnv>,
  status: 400 | 401 | 500 | 503,
  error: string,
  description: string,
): Response {
  c.header('Cache-Control', 'no-store');
  c.header('Pragma', 'no-cache');
  return c.json({ error_description: description, error }, status);
}

/** The exact "Access to requested resource is denied." message of SP-API 403s (https://developer-docs.amazon.com/sp-api/docs/response-format). */
export const ACCESS_DENIED = 'Access to requested resource is denied.';

/**
 * Thrown to simulate a dropped connection: the front door turns it into a destroyed socket (HTTP
 * server) or a rejected fetch (in-process), as a real network failure would look.
 */
export class SimulatedDrop extends Error {
  constructor() {
    super('simulated dropped connection');
    this.name = 'SimulatedDrop';
  }
}
