import type { SimContext } from './context.js';
import type { SimAdsAuthorization, SimAdsClient } from './state.js';
import {
  adsAuthorizationStatus,
  checkAdsClientSecret,
  findAdsAuthorizationByRefreshToken,
  issueAdsAccessToken,
} from './ads-world.js';

/**
 * The Login with Amazon grants of Amazon Ads clients (https://advertising.amazon.com/API/docs/en-us/guides/get-started/retrieve-access-token):
 * the same `POST /auth/o2/token` on every region's token host, the same bodies and errors as for
 * SP-API apps. lwa.ts hands a request here when its `client_id` is an Ads client, and turns the
 * result into the HTTP answer it gives SP-API apps, so both stay byte-for-byte alike.
 */

/** Which of lwa.ts's `LWA_MESSAGES` an error carries. */
export type AdsLwaMessage = 'invalidCode' | 'invalidRefreshToken' | 'clientAuthFailed' | 'invalidScope';

/** The result of an Ads grant; `note` goes to the request log (`ads:…`). */
export type AdsGrantResult =
  | { ok: true; body: Record<string, unknown>; note: string; advertiserId: string }
  | {
      ok: false;
      status: 400 | 401;
      error: 'invalid_grant' | 'invalid_client' | 'invalid_scope';
      message: AdsLwaMessage;
      note: string;
      advertiserId?: string;
    };

/**
 * Handles a token request whose `client_id` is an Ads client; undefined when it is not one (an
 * SP-API app, or unknown), so lwa.ts carries on as before. Required fields are already checked.
 */
export function adsTokenGrant(
  ctx: SimContext,
  grantType: string,
  params: ReadonlyMap<string, string>,
): AdsGrantResult | undefined {
  const client = ctx.state.adsClients.get(params.get('client_id') ?? '');
  if (!client) return undefined;
  const secret = checkAdsClientSecret(ctx, client, params.get('client_secret') ?? '');
  if (secret !== 'valid') {
    const note = secret === 'expired' ? 'ads:auth:secret-expired' : 'ads:lwa:invalid_client';
    return { ok: false, status: 401, error: 'invalid_client', message: 'clientAuthFailed', note };
  }
  if (grantType === 'authorization_code') return exchangeAdsCode(ctx, client, params);
  if (grantType === 'refresh_token') return refreshAds(ctx, client, params.get('refresh_token') ?? '');
  // Ads clients get no grantless tokens: every client_credentials scope is unknown to them.
  return {
    ok: false,
    status: 400,
    error: 'invalid_scope',
    message: 'invalidScope',
    note: 'ads:lwa:invalid_scope',
  };
}

/** grant_type=authorization_code: a single-use, 5-minute code bound to client and redirect URI. */
function exchangeAdsCode(
  ctx: SimContext,
  client: SimAdsClient,
  params: ReadonlyMap<string, string>,
): AdsGrantResult {
  const code = ctx.state.adsAuthCodes.get(params.get('code') ?? '');
  const authorization = code ? ctx.state.adsAuthorizations.get(code.authorizationId) : undefined;
  const bad = (why: string): AdsGrantResult => ({
    ok: false,
    status: 400,
    error: 'invalid_grant',
    message: 'invalidCode',
    note: `ads:code:${why}`,
    ...(authorization ? { advertiserId: authorization.advertiserId } : {}),
  });
  if (!code || !authorization) return bad('unknown');
  if (code.used) return bad('reused');
  if (ctx.clock.now() >= code.issuedAt + ctx.config.authCodeTtlMs) return bad('expired');
  if (code.clientId !== client.clientId || authorization.clientId !== client.clientId) {
    return bad('other-client');
  }
  if (code.redirectUri !== params.get('redirect_uri')) return bad('redirect-uri-mismatch');
  if (adsAuthorizationStatus(ctx, authorization) !== 'active') return bad('authorization-inactive');
  code.used = true;
  return tokens(ctx, client, authorization, 'ads:code');
}

/** grant_type=refresh_token: a new access token and the SAME refresh token. */
function refreshAds(ctx: SimContext, client: SimAdsClient, refreshToken: string): AdsGrantResult {
  const authorization = findAdsAuthorizationByRefreshToken(ctx, refreshToken);
  const bad = (why: string): AdsGrantResult => ({
    ok: false,
    status: 400,
    error: 'invalid_grant',
    message: 'invalidRefreshToken',
    note: `ads:refresh:${why}`,
    ...(authorization ? { advertiserId: authorization.advertiserId } : {}),
  });
  if (!authorization) return bad('unknown');
  if (authorization.clientId !== client.clientId) return bad('other-client');
  const status = adsAuthorizationStatus(ctx, authorization);
  if (status !== 'active') return bad(status);
  return tokens(ctx, client, authorization, 'ads:refresh');
}

function tokens(
  ctx: SimContext,
  client: SimAdsClient,
  authorization: SimAdsAuthorization,
  note: string,
): AdsGrantResult {
  const token = issueAdsAccessToken(ctx, { clientId: client.clientId, authorizationId: authorization.id });
  return {
    ok: true,
    body: {
      access_token: token.token,
      token_type: 'bearer',
      expires_in: Math.round(ctx.config.accessTokenTtlMs / 1000),
      refresh_token: authorization.refreshToken,
    },
    note,
    advertiserId: authorization.advertiserId,
  };
}
