import type { Context, Hono } from 'hono';
import { adsTokenGrant, type AdsGrantResult } from './ads-lwa.js';
import type { SimContext, SimEnv } from './context.js';
import { applyFaults, type ErrorFaultKind } from './faults.js';
import { lwaError } from './http.js';
import { logRequest } from './request-log.js';
import type { SimApp, SimAuthorization } from './state.js';
import {
  authorizationStatus,
  checkClientSecret,
  findAppByClientId,
  findAuthorizationByRefreshToken,
  issueAccessToken,
} from './world.js';

/**
 * Login with Amazon's token endpoint, `POST /auth/o2/token` (https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api): the authorization_code,
 * refresh_token and client_credentials grants, Amazon's error bodies and caching headers.
 */

/** Grantless scopes LWA issues tokens for (https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api). */
export const GRANTLESS_SCOPES: readonly string[] = [
  'sellingpartnerapi::notifications',
  'sellingpartnerapi::migration',
  'sellingpartnerapi::client_credential:rotation',
];

/** The exact error descriptions (https://developer.amazon.com/docs/login-with-amazon/refresh-token.html, [OBSERVED]). */
export const LWA_MESSAGES = Object.freeze({
  unsupportedGrantType: 'The authorization grant type is not supported by the authorization server',
  invalidCode: 'The request has an invalid grant parameter : code',
  invalidRefreshToken:
    "The request has an invalid grant parameter : refresh_token. User may have revoked or didn't grant the permission.",
  clientAuthFailed: 'Client authentication failed',
  /** Seen with an unknown grantless scope (selling-partner-api-models #1238). */
  invalidScope: 'The request has an invalid parameter : scope',
  malformed: 'Malformed request',
});

/** Required fields per grant, in the order they are checked (https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api). */
const REQUIRED: Record<string, readonly string[]> = {
  authorization_code: ['code', 'redirect_uri', 'client_id', 'client_secret'],
  refresh_token: ['refresh_token', 'client_id', 'client_secret'],
  client_credentials: ['scope', 'client_id', 'client_secret'],
};

type Params = Map<string, string>;

/** What a handled request tells the request log. */
interface Outcome {
  response: Response;
  appId?: string;
  sellingPartnerId?: string;
  /** Amazon Ads clients' grants (ads-lwa.ts). */
  advertiserId?: string;
  note?: string;
}

/** Registers the LWA token endpoint. */
export function registerLwa(app: Hono<SimEnv>, ctx: SimContext): void {
  app.post('/auth/o2/token', async (c) => {
    const fault = await applyFaults(ctx, 'lwa');
    if (fault.error) {
      const response = lwaFaultResponse(c, fault.error);
      logLwa(c, ctx, { response, note: `fault:${fault.error}` });
      return response;
    }
    const outcome = await handleTokenRequest(c, ctx);
    logLwa(c, ctx, outcome);
    return outcome.response;
  });
}

async function handleTokenRequest(c: Context<SimEnv>, ctx: SimContext): Promise<Outcome> {
  const params = await parseBody(c);
  if (params === 'malformed') {
    // A body LWA cannot read surfaces as unsupported_grant_type (https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api, §2.3).
    return fail(c, 400, 'unsupported_grant_type', LWA_MESSAGES.unsupportedGrantType);
  }
  if (params === 'duplicate') return fail(c, 400, 'invalid_request', LWA_MESSAGES.malformed);
  const grantType = params.get('grant_type');
  const required = grantType === undefined ? undefined : REQUIRED[grantType];
  if (grantType === undefined || required === undefined) {
    return fail(c, 400, 'unsupported_grant_type', LWA_MESSAGES.unsupportedGrantType);
  }
  for (const name of required) {
    // redirect_uri of a code exchange: see `lwaCodeRedirectUri` (config.ts) and exchangeCode.
    const optional = name === 'redirect_uri' && ctx.config.lwaCodeRedirectUri === 'rfc6749';
    if (!params.has(name) && !optional) {
      return fail(c, 400, 'invalid_request', `The request is missing a required parameter : ${name}`);
    }
  }
  // https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api: "do not send refresh_token" with client_credentials, "do not send scope" with refresh_token.
  if (grantType === 'client_credentials' && params.has('refresh_token')) {
    return fail(c, 400, 'invalid_request', 'The request has an invalid parameter : refresh_token');
  }
  if (grantType === 'refresh_token' && params.has('scope') && ctx.config.lwaRefreshScope !== 'ignore') {
    return fail(c, 400, 'invalid_request', 'The request has an invalid parameter : scope');
  }

  const ads = adsTokenGrant(ctx, grantType, params);
  if (ads) return adsOutcome(c, ctx, ads);

  const client = authenticateClient(ctx, params.get('client_id') ?? '', params.get('client_secret') ?? '');
  if (client.kind !== 'ok') {
    // An expired or rotated-out secret fails exactly like a wrong one (https://developer.amazon.com/docs/login-with-amazon/refresh-token.html, §4).
    const outcome = fail(c, 401, 'invalid_client', LWA_MESSAGES.clientAuthFailed);
    return client.kind === 'expired-secret'
      ? { ...outcome, appId: client.app.appId, note: 'auth:secret-expired' }
      : outcome;
  }
  const app = client.app;
  if (grantType === 'authorization_code') return exchangeCode(c, ctx, app, params);
  if (grantType === 'refresh_token') return refresh(c, ctx, app, params.get('refresh_token') ?? '');
  return grantless(c, ctx, app, params.get('scope') ?? '');
}

/** grant_type=authorization_code: a single-use, 5-minute code bound to client and redirect URI (https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow). */
function exchangeCode(c: Context<SimEnv>, ctx: SimContext, app: SimApp, params: Params): Outcome {
  const code = ctx.state.authCodes.get(params.get('code') ?? '');
  const authorization = code ? ctx.state.authorizations.get(code.authorizationId) : undefined;
  const bad = (note: string): Outcome => ({
    ...fail(c, 400, 'invalid_grant', LWA_MESSAGES.invalidCode),
    appId: app.appId,
    note,
  });
  if (!code || !authorization) return bad('code:unknown');
  if (code.used) return bad('code:reused');
  if (ctx.clock.now() >= code.issuedAt + ctx.config.authCodeTtlMs) return bad('code:expired');
  if (code.clientId !== app.clientId || authorization.appId !== app.appId) return bad('code:other-client');
  const redirectUri = params.get('redirect_uri');
  if (redirectUri === undefined && code.redirectUriSent !== false) {
    // https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3: required when the authorization request carried it.
    return {
      ...fail(c, 400, 'invalid_request', 'The request is missing a required parameter : redirect_uri'),
      appId: app.appId,
      note: 'code:redirect-uri-missing',
    };
  }
  if (redirectUri !== undefined && code.redirectUri !== redirectUri) return bad('code:redirect-uri-mismatch');
  if (authorizationStatus(ctx, authorization) !== 'active') return bad('code:authorization-inactive');
  code.used = true;
  return issueUserToken(c, ctx, app, authorization);
}

/** grant_type=refresh_token: a new access token and the SAME refresh token (https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api). */
function refresh(c: Context<SimEnv>, ctx: SimContext, app: SimApp, refreshToken: string): Outcome {
  const authorization = findAuthorizationByRefreshToken(ctx, refreshToken);
  const bad = (note: string): Outcome => ({
    ...fail(c, 400, 'invalid_grant', LWA_MESSAGES.invalidRefreshToken),
    appId: app.appId,
    ...(authorization ? { sellingPartnerId: authorization.sellingPartnerId } : {}),
    note,
  });
  if (!authorization) return bad('refresh:unknown');
  // A refresh token is bound to one client (https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api).
  if (authorization.appId !== app.appId) return bad('refresh:other-client');
  const status = authorizationStatus(ctx, authorization);
  if (status !== 'active') return bad(`refresh:${status}`);
  return issueUserToken(c, ctx, app, authorization);
}

/**
 * grant_type=client_credentials: a grantless token, no refresh token (https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api, §2.2). `scope` is a
 * space-separated list (https://www.rfc-editor.org/rfc/rfc6749#section-3.3), as Amazon's own SDKs send it when
 * given several scopes; every one must be known, and the token is good for each.
 */
function grantless(c: Context<SimEnv>, ctx: SimContext, app: SimApp, requested: string): Outcome {
  const scopes = [...new Set(requested.split(/[ \t]+/).filter((s) => s !== ''))];
  if (scopes.length === 0 || !scopes.every((s) => GRANTLESS_SCOPES.includes(s))) {
    return { ...fail(c, 400, 'invalid_scope', LWA_MESSAGES.invalidScope), appId: app.appId };
  }
  const scope = scopes.join(' ');
  const token = issueAccessToken(ctx, { kind: 'grantless', clientId: app.clientId, appId: app.appId, scope });
  return {
    response: success(c, ctx, {
      access_token: token.token,
      token_type: 'bearer',
      expires_in: expiresIn(ctx),
    }),
    appId: app.appId,
  };
}

function issueUserToken(
  c: Context<SimEnv>,
  ctx: SimContext,
  app: SimApp,
  authorization: SimAuthorization,
): Outcome {
  const token = issueAccessToken(ctx, {
    kind: 'user',
    clientId: app.clientId,
    appId: app.appId,
    authorizationId: authorization.id,
  });
  return {
    response: success(c, ctx, {
      access_token: token.token,
      token_type: 'bearer',
      expires_in: expiresIn(ctx),
      refresh_token: authorization.refreshToken,
    }),
    appId: app.appId,
    sellingPartnerId: authorization.sellingPartnerId,
  };
}

/** An Amazon Ads client's grant (ads-lwa.ts), answered with the same bodies and headers as SP-API apps get. */
function adsOutcome(c: Context<SimEnv>, ctx: SimContext, ads: AdsGrantResult): Outcome {
  const outcome = ads.ok
    ? { response: success(c, ctx, ads.body) }
    : fail(c, ads.status, ads.error, LWA_MESSAGES[ads.message]);
  return {
    ...outcome,
    note: ads.note,
    ...(ads.advertiserId === undefined ? {} : { advertiserId: ads.advertiserId }),
  };
}

type ClientCheck =
  { kind: 'ok'; app: SimApp } | { kind: 'expired-secret'; app: SimApp } | { kind: 'unknown' };

function authenticateClient(ctx: SimContext, clientId: string, clientSecret: string): ClientCheck {
  const app = findAppByClientId(ctx, clientId);
  if (!app) return { kind: 'unknown' };
  const secret = checkClientSecret(ctx, app, clientSecret);
  if (secret === 'valid') return { kind: 'ok', app };
  return secret === 'expired' ? { kind: 'expired-secret', app } : { kind: 'unknown' };
}

function expiresIn(ctx: SimContext): number {
  return Math.round(ctx.config.accessTokenTtlMs / 1000);
}

/** The 200 response with LWA's documented headers, Content-Type spelled as Amazon documents it (https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api). */
function success(c: Context<SimEnv>, _ctx: SimContext, body: Record<string, unknown>): Response {
  return c.body(JSON.stringify(body), 200, {
    'Content-Type': 'application/json;charset UTF-8',
    'Cache-Control': 'no-store',
    Pragma: 'no-cache',
  });
}

function fail(
  c: Context<SimEnv>,
  status: 400 | 401 | 500 | 503,
  error: string,
  description: string,
): Outcome {
  return { response: lwaError(c, status, error, description), note: `lwa:${error}` };
}

/**
 * Reads a form or JSON body (https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api: the docs use form encoding, Amazon's Java SDK posts JSON).
 * Empty and null values count as absent, as SDKs send `"refresh_token": null` with client_credentials.
 */
async function parseBody(c: Context<SimEnv>): Promise<Params | 'malformed' | 'duplicate'> {
  const contentType = (c.req.header('content-type') ?? '').toLowerCase();
  let text: string;
  try {
    text = await c.req.text();
  } catch {
    return 'malformed';
  }
  const looksJson = contentType.includes('json') || (contentType === '' && text.trimStart().startsWith('{'));
  if (looksJson) return parseJson(text);
  if (contentType !== '' && !contentType.includes('application/x-www-form-urlencoded')) return 'malformed';
  const params: Params = new Map();
  for (const [key, value] of new URLSearchParams(text)) {
    if (value === '') continue;
    if (params.has(key)) return 'duplicate';
    params.set(key, value);
  }
  return params;
}

function parseJson(text: string): Params | 'malformed' {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'malformed';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'malformed';
  const params: Params = new Map();
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (value === null || value === undefined || value === '') continue;
    if (typeof value !== 'string') return 'malformed';
    params.set(key, value);
  }
  return params;
}

/** The LWA-shaped answer for an injected fault (state.ts `SimFaultRule`, operation `lwa`). */
function lwaFaultResponse(c: Context<SimEnv>, kind: ErrorFaultKind): Response {
  switch (kind) {
    case '500':
      return lwaError(c, 500, 'server_error', 'The server encountered a runtime error.');
    case '503':
      return lwaError(c, 503, 'temporarily_unavailable', 'The server is temporarily unavailable.');
    case '429':
      return c.json(
        { error_description: 'The request was throttled.', error: 'temporarily_unavailable' },
        429,
        { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
      );
  }
}

function logLwa(c: Context<SimEnv>, ctx: SimContext, outcome: Outcome): void {
  logRequest(ctx, {
    requestId: c.env.requestId,
    method: 'POST',
    path: '/auth/o2/token',
    region: c.env.region,
    operation: 'lwa',
    status: outcome.response.status,
    ...(outcome.sellingPartnerId === undefined ? {} : { sellingPartnerId: outcome.sellingPartnerId }),
    ...(outcome.appId === undefined ? {} : { appId: outcome.appId }),
    ...(outcome.advertiserId === undefined ? {} : { advertiserId: outcome.advertiserId }),
    ...(outcome.note === undefined ? {} : { note: outcome.note }),
  });
}
