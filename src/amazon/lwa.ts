import type { Clock } from '../kernel/clock.js';
import { Secret } from '../kernel/secret.js';
import { exchangeWithDeadline, isDeadlineError, type WireRequest } from './deadline.js';
import { AmazonError, type AmazonErrorCode } from './errors.js';

/** The app's LWA credentials. */
export interface LwaCredentials {
  clientId: string;
  clientSecret: Secret;
}

/** One of the three grants SP-API uses (https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api). */
export type LwaGrant =
  | { grantType: 'authorization_code'; code: string; redirectUri: string }
  | { grantType: 'refresh_token'; refreshToken: Secret }
  | { grantType: 'client_credentials'; scope: string };

/** What a successful token call returns, with secrets wrapped. */
export interface LwaTokens {
  accessToken: Secret;
  expiresIn: number;
  /** Epoch ms when the access token stops working (by our clock). */
  expiresAt: number;
  /** Present for authorization_code and refresh_token grants; the same value for refresh (https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api). */
  refreshToken?: Secret;
}

/**
 * Builds the token request: form-encoded as Amazon documents. A plain URL and init, not a Request:
 * the deadline's signal is given to `fetch` itself (deadline.ts).
 * @see https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api
 */
export function buildLwaTokenRequest(
  endpoint: string,
  credentials: LwaCredentials,
  grant: LwaGrant,
): WireRequest {
  const body = new URLSearchParams({ grant_type: grant.grantType });
  if (grant.grantType === 'authorization_code') {
    body.set('code', grant.code);
    body.set('redirect_uri', grant.redirectUri);
  } else if (grant.grantType === 'refresh_token') {
    body.set('refresh_token', grant.refreshToken.reveal());
  } else {
    body.set('scope', grant.scope);
  }
  body.set('client_id', credentials.clientId);
  body.set('client_secret', credentials.clientSecret.reveal());
  return {
    url: endpoint,
    init: {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
        accept: 'application/json',
      },
      body: body.toString(),
    },
  };
}

const LWA_ERRORS: Record<string, { code: AmazonErrorCode; retryable: boolean; plain: string }> = {
  invalid_grant: {
    code: 'LWA_INVALID_GRANT',
    retryable: false,
    plain:
      'Amazon refused the authorization (it was revoked, expired, already used or belongs to another app)',
  },
  invalid_client: {
    code: 'LWA_INVALID_CLIENT',
    retryable: false,
    plain: "Amazon refused the app's client credentials (wrong, rotated out or expired client secret)",
  },
  unauthorized_client: {
    code: 'LWA_UNAUTHORIZED_CLIENT',
    retryable: false,
    plain: 'the app may not use this grant or scope',
  },
  invalid_request: {
    code: 'LWA_INVALID_REQUEST',
    retryable: false,
    plain: 'Amazon found the token request malformed',
  },
  invalid_scope: {
    code: 'LWA_INVALID_SCOPE',
    retryable: false,
    plain: 'Amazon does not know the requested scope',
  },
  unsupported_grant_type: {
    code: 'LWA_UNSUPPORTED_GRANT_TYPE',
    retryable: false,
    plain: 'Amazon does not support the grant type sent',
  },
  access_denied: { code: 'LWA_ACCESS_DENIED', retryable: false, plain: 'Amazon denied access' },
  server_error: {
    code: 'LWA_SERVER_ERROR',
    retryable: true,
    plain: 'Amazon’s login service had an internal error',
  },
  temporarily_unavailable: {
    code: 'LWA_UNAVAILABLE',
    retryable: true,
    plain: 'Amazon’s login service is temporarily unavailable',
  },
};

/** Turns the token endpoint's response into tokens, or a typed AmazonError (https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api, §2.3). */
export async function processLwaTokenResponse(response: Response, now: number): Promise<LwaTokens> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const record = body && typeof body === 'object' ? (body as Record<string, unknown>) : undefined;
  if (response.ok) {
    const access = record?.access_token;
    const expiresIn = Number(record?.expires_in);
    if (typeof access !== 'string' || !access || !Number.isFinite(expiresIn) || expiresIn <= 0) {
      throw new AmazonError(
        'LWA_BAD_RESPONSE',
        `Amazon's token endpoint answered ${response.status} without a usable access token`,
        {
          status: response.status,
          retryable: true,
        },
      );
    }
    const tokens: LwaTokens = {
      accessToken: new Secret(access),
      expiresIn,
      expiresAt: now + expiresIn * 1000,
    };
    if (typeof record?.refresh_token === 'string' && record.refresh_token)
      tokens.refreshToken = new Secret(record.refresh_token);
    return tokens;
  }
  const amazonCode = typeof record?.error === 'string' ? record.error : undefined;
  const amazonMessage =
    typeof record?.error_description === 'string' ? record.error_description.slice(0, 500) : undefined;
  const known = amazonCode ? LWA_ERRORS[amazonCode] : undefined;
  if (known) {
    throw new AmazonError(
      known.code,
      `${known.plain} (LWA ${amazonCode}${amazonMessage ? `: ${amazonMessage}` : ''})`,
      {
        status: response.status,
        amazonCode: amazonCode!,
        ...(amazonMessage === undefined ? {} : { amazonMessage }),
        retryable: known.retryable,
      },
    );
  }
  const retryable = response.status >= 500 || response.status === 429;
  throw new AmazonError(
    response.status === 503
      ? 'LWA_UNAVAILABLE'
      : response.status >= 500
        ? 'LWA_SERVER_ERROR'
        : 'LWA_BAD_RESPONSE',
    `Amazon's token endpoint answered HTTP ${response.status}${amazonCode ? ` (${amazonCode})` : ''}`,
    { status: response.status, ...(amazonCode === undefined ? {} : { amazonCode }), retryable },
  );
}

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
function mayRetryExchange(err: AmazonError): boolean {
  const status = err.info.status;
  if (status !== undefined) return status >= 500 || status === 429;
  return err.code === 'AMAZON_NETWORK' || err.code === 'AMAZON_TIMEOUT';
}

/** A client for the LWA token endpoint. Network failures and timeouts become AmazonErrors. */
export function createLwaClient(deps: LwaClientDeps) {
  const timeoutMs = deps.timeoutMs ?? 15_000;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const retryDelays = deps.exchangeRetryDelaysMs ?? EXCHANGE_RETRY_DELAYS_MS;
  const call = async (credentials: LwaCredentials, grant: LwaGrant): Promise<LwaTokens> => {
    // The status, once the headers arrived: a body that then stalls or breaks keeps it.
    const answered: { status?: number } = {};
    try {
      // One deadline over the whole exchange, body included (deadline.ts).
      return await exchangeWithDeadline(
        deps.fetch,
        buildLwaTokenRequest(deps.endpoint, credentials, grant),
        timeoutMs,
        (response) => {
          answered.status = response.status;
          return processLwaTokenResponse(response, deps.clock.now());
        },
      );
    } catch (cause) {
      if (cause instanceof AmazonError) throw cause;
      const timedOut = isDeadlineError(cause);
      const what = answered.status === undefined ? 'answer' : `finish its HTTP ${answered.status} answer`;
      throw new AmazonError(
        timedOut ? 'AMAZON_TIMEOUT' : 'AMAZON_NETWORK',
        timedOut
          ? `Amazon's token endpoint did not ${what} within ${timeoutMs / 1000} s`
          : answered.status === undefined
            ? "could not reach Amazon's token endpoint"
            : `the connection to Amazon's token endpoint broke during its HTTP ${answered.status} answer`,
        {
          ...answered,
          retryable: true,
          cause: timedOut ? undefined : new Error((cause as Error).message),
        },
      );
    }
  };
  return {
    /**
     * Exchanges an `spapi_oauth_code` for tokens at once: codes live 5 minutes and are single use.
     * A transient failure Amazon did not consume the code in is retried (`mayRetryExchange`).
     * @see https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow
     */
    async exchangeCode(credentials: LwaCredentials, code: string, redirectUri: string): Promise<LwaTokens> {
      for (let attempt = 0; ; attempt++) {
        try {
          return await call(credentials, { grantType: 'authorization_code', code, redirectUri });
        } catch (err) {
          const delay = retryDelays[attempt];
          if (delay === undefined || !(err instanceof AmazonError) || !mayRetryExchange(err)) throw err;
          await sleep(delay);
        }
      }
    },
    /** Mints an access token from a refresh token. */
    refresh: (credentials: LwaCredentials, refreshToken: Secret) =>
      call(credentials, { grantType: 'refresh_token', refreshToken }),
    /** Mints a grantless access token for a scope. */
    clientCredentials: (credentials: LwaCredentials, scope: string) =>
      call(credentials, { grantType: 'client_credentials', scope }),
  };
}

export type LwaClient = ReturnType<typeof createLwaClient>;
