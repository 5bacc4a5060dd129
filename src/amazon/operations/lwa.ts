import { Secret } from '../../kernel/secret.js';
import type { WireRequest } from '../deadline.js';
import { AmazonError, type AmazonErrorCode } from '../errors.js';

/**
 * Login with Amazon's token endpoint: one request builder per grant SP-API uses and one response
 * processor for all of them, plain data in and out. The client (../lwa.ts) sends them under a
 * deadline and retries a code exchange.
 * @see https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api
 */

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

/**
 * authorization_code: exchanges the `spapi_oauth_code` of a website authorization for a refresh
 * token and an access token (the code lives 5 minutes and is single use).
 * @see https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow
 */
export function authorizationCodeRequest(
  endpoint: string,
  credentials: LwaCredentials,
  code: string,
  redirectUri: string,
): WireRequest {
  return buildLwaTokenRequest(endpoint, credentials, { grantType: 'authorization_code', code, redirectUri });
}

/**
 * refresh_token: mints an access token (valid one hour) for a seller's authorization.
 * @see https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api
 */
export function refreshTokenRequest(
  endpoint: string,
  credentials: LwaCredentials,
  refreshToken: Secret,
): WireRequest {
  return buildLwaTokenRequest(endpoint, credentials, { grantType: 'refresh_token', refreshToken });
}

/**
 * client_credentials: mints a grantless access token for a scope (no seller), e.g. for
 * rotateApplicationClientSecret.
 * @see https://developer-docs.amazon.com/sp-api/docs/grantless-operations
 */
export function clientCredentialsRequest(
  endpoint: string,
  credentials: LwaCredentials,
  scope: string,
): WireRequest {
  return buildLwaTokenRequest(endpoint, credentials, { grantType: 'client_credentials', scope });
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
