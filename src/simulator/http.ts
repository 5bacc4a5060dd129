import type { Context } from 'hono';
import type { SimEnv } from './context.js';

/** The SP-API error body (https://developer-docs.amazon.com/sp-api/docs/response-format): `{"errors":[{code,message,details?}]}`. */
export function spapiError(
  c: Context<SimEnv>,
  status: 400 | 401 | 403 | 404 | 413 | 415 | 429 | 500 | 503,
  code: string,
  message: string,
  details?: string,
): Response {
  const error: Record<string, string> = { code, message };
  if (details !== undefined) error.details = details;
  c.header('x-amzn-RequestId', c.env.requestId);
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
