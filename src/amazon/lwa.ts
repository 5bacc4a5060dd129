import type { Clock } from '../kernel/clock.js';
import type { Secret } from '../kernel/secret.js';
import { exchangeWithDeadline, isDeadlineError, type WireRequest } from './deadline.js';
import { AmazonError } from './errors.js';
import {
  authorizationCodeRequest,
  clientCredentialsRequest,
  processLwaTokenResponse,
  refreshTokenRequest,
  type LwaCredentials,
  type LwaTokens,
} from './operations/lwa.js';

export interface LwaClientDeps {
  fetch: typeof fetch;
  endpoint: string;
  clock: Clock;
  /** Deadline of one token call, response body included (default 15 s). */
  timeoutMs?: number;
  /** Waits between code-exchange attempts (default: a real timer). */
  sleep?: (ms: number) => Promise<void>;
  /** Waits before the 2nd, 3rd, ... code-exchange attempt; its length + 1 is the attempt count. */
  exchangeRetryDelaysMs?: readonly number[];
}

/** The LWA token endpoint, one method per grant. Every failure is an AmazonError. */
export interface LwaClient {
  /**
   * Exchanges an `spapi_oauth_code` for tokens at once: codes live 5 minutes and are single use.
   * A transient failure Amazon did not consume the code in is retried (`mayRetryExchange`).
   * @see https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow
   */
  exchangeCode(credentials: LwaCredentials, code: string, redirectUri: string): Promise<LwaTokens>;
  /** Mints an access token from a refresh token. */
  refresh(credentials: LwaCredentials, refreshToken: Secret): Promise<LwaTokens>;
  /** Mints a grantless access token for a scope. */
  clientCredentials(credentials: LwaCredentials, scope: string): Promise<LwaTokens>;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * Waits before retrying a code exchange: 3 attempts within about 2 s of the first failure answer,
 * far inside the code's 5-minute life.
 */
const EXCHANGE_RETRY_DELAYS_MS: readonly number[] = [500, 1_500];

/**
 * Whether a failed authorization_code exchange may be sent again with the same code. The code is
 * single use, so only when Amazon did not consume it: it answered 5xx or 429 (no grant was
 * processed), or no answer came at all (a dropped connection or our deadline; if Amazon did take
 * the code then, the retry gets invalid_grant, the same outcome as not retrying). Never after a
 * 4xx such as invalid_grant, nor after a 2xx whose body was unusable: that code is spent.
 */
export function mayRetryExchange(err: AmazonError): boolean {
  const status = err.info.status;
  if (status !== undefined) return status >= 500 || status === 429;
  return err.code === 'AMAZON_NETWORK' || err.code === 'AMAZON_TIMEOUT';
}

/**
 * A failure with no usable answer (our deadline passed, or the connection failed), as an
 * AmazonError. `status`: the HTTP status when the headers had arrived before the body failed.
 */
function unansweredError(cause: unknown, status: number | undefined, timeoutMs: number): AmazonError {
  const timedOut = isDeadlineError(cause);
  const what = status === undefined ? 'answer' : `finish its HTTP ${status} answer`;
  return new AmazonError(
    timedOut ? 'AMAZON_TIMEOUT' : 'AMAZON_NETWORK',
    timedOut
      ? `Amazon's token endpoint did not ${what} within ${timeoutMs / 1000} s`
      : status === undefined
        ? "could not reach Amazon's token endpoint"
        : `the connection to Amazon's token endpoint broke during its HTTP ${status} answer`,
    {
      ...(status === undefined ? {} : { status }),
      retryable: true,
      cause: timedOut ? undefined : new Error((cause as Error).message),
    },
  );
}

/** Sends one token request under the deadline and processes the answer (processLwaTokenResponse). */
export async function sendTokenRequest(deps: LwaClientDeps, request: WireRequest): Promise<LwaTokens> {
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // The status, once the headers arrived: a body that then stalls or breaks keeps it.
  let status: number | undefined;
  try {
    // One deadline over the whole exchange, body included (deadline.ts).
    return await exchangeWithDeadline(deps.fetch, request, timeoutMs, (response) => {
      status = response.status;
      return processLwaTokenResponse(response, deps.clock.now());
    });
  } catch (cause) {
    if (cause instanceof AmazonError) throw cause;
    throw unansweredError(cause, status, timeoutMs);
  }
}

/** The authorization_code grant, retried while Amazon cannot have consumed the code (see LwaClient). */
export async function exchangeCode(
  deps: LwaClientDeps,
  credentials: LwaCredentials,
  code: string,
  redirectUri: string,
): Promise<LwaTokens> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const retryDelays = deps.exchangeRetryDelaysMs ?? EXCHANGE_RETRY_DELAYS_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return await sendTokenRequest(
        deps,
        authorizationCodeRequest(deps.endpoint, credentials, code, redirectUri),
      );
    } catch (err) {
      const delay = retryDelays[attempt];
      if (delay === undefined || !(err instanceof AmazonError) || !mayRetryExchange(err)) throw err;
      await sleep(delay);
    }
  }
}

/** A client for the LWA token endpoint. Network failures and timeouts become AmazonErrors. */
export function createLwaClient(deps: LwaClientDeps): LwaClient {
  return {
    exchangeCode: (credentials, code, redirectUri) => exchangeCode(deps, credentials, code, redirectUri),
    refresh: (credentials, refreshToken) =>
      sendTokenRequest(deps, refreshTokenRequest(deps.endpoint, credentials, refreshToken)),
    clientCredentials: (credentials, scope) =>
      sendTokenRequest(deps, clientCredentialsRequest(deps.endpoint, credentials, scope)),
  };
}
