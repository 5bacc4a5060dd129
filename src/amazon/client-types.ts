import type { Secret } from '../kernel/secret.js';
import type { SpApiResult } from './spapi.js';

/** One SP-API call for a connection, as the service's callers describe it. */
export interface SpApiRequest {
  /** Usage-plan key (e.g. `searchOrders`); when absent it is derived from method + path. */
  operationId?: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path with values filled in, e.g. `/orders/2026-01-01/orders`. */
  path: string;
  query?: Record<string, string | number | boolean | readonly string[] | undefined>;
  body?: unknown;
  /**
   * Refuse (SPAPI_WAIT_TOO_LONG, with when to retry) instead of waiting longer than this for the
   * usage plan; by default the call waits as long as the plan requires.
   */
  maxWaitMs?: number;
  /**
   * false: a write that may have reached Amazon (timeout, dropped connection, 5xx) is not retried
   * here; the error goes to the caller, who can check what Amazon has (the listings outbox reads the
   * item back) instead of sending it twice. 429 and a refused token are still retried: Amazon did
   * not process those. Default true.
   */
  retryAmbiguous?: boolean;
  /** Mint and send a Restricted Data Token for this call (https://developer-docs.amazon.com/sp-api/docs/tokens-api-use-case-guide). */
  restrictedDataElements?: string[];
}

/**
 * Who a grantless call (client_credentials token, no seller) is made for: the application (our id),
 * the region whose endpoint serves it and the LWA scope of the token.
 */
export interface GrantlessGrant {
  applicationId: string;
  region: 'NA' | 'EU' | 'FE';
  scope: string;
}

/**
 * An access token Amazon has just issued for an authorization no connection holds yet (checking a
 * seller's claim before storing it): the region whose endpoint takes the call and the rate-limit
 * bucket to count it in.
 */
export interface TokenGrant {
  accessToken: Secret;
  region: 'NA' | 'EU' | 'FE';
  bucket: string;
}

/** Calls SP-API for connections: auth, rate limits shared across processes, retries, timeouts. */
export interface SpApiClient {
  /** Sends one call for a connection and returns the parsed answer (throws AmazonError/TokenError). */
  call<T = unknown>(connectionId: string, request: SpApiRequest): Promise<SpApiResult<T>>;
  /**
   * Sends one grantless call for an application (e.g. rotateApplicationClientSecret) through the
   * same limiter, retries, timeout and metrics as `call`; throws AmazonError.
   */
  callGrantless<T = unknown>(grant: GrantlessGrant, request: SpApiRequest): Promise<SpApiResult<T>>;
  /**
   * Sends one call with a given access token (no connection yet): the same limiter, retries,
   * deadline and metrics, but no refresh and no replay when Amazon refuses the token.
   */
  callWithToken<T = unknown>(grant: TokenGrant, request: SpApiRequest): Promise<SpApiResult<T>>;
  /** Mints a Restricted Data Token for a connection (https://developer-docs.amazon.com/sp-api/docs/tokens-api-use-case-guide). */
  restrictedDataToken(
    connectionId: string,
    resources: { method: string; path: string; dataElements?: string[] }[],
  ): Promise<{ token: string; expiresAt: Date }>;
  /**
   * Seconds the usage plan needs before `calls` more calls of an operation (its usage-plan key, e.g.
   * `searchOrders`) can go for a connection, from the shared bucket: for progress estimates.
   */
  planWaitSeconds(connectionId: string, operationId: string, calls: number): Promise<number>;
}
