import type { SimContext } from '../context.js';
import type { Region, SimAccessToken } from '../state.js';
import { accessTokenExpired, tokenHasScope } from '../world.js';
import type { SpApiCall, SpApiOperation } from './operation.js';

/**
 * Access-token checks of an SP-API call (https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api, §5.3). Only `x-amz-access-token` counts: a
 * SigV4 `Authorization` header and `x-amz-security-token` are ignored, as Amazon has done since
 * 2023-10-02.
 */

/** The `details` strings of Amazon's 403 Unauthorized answers (https://developer-docs.amazon.com/sp-api/docs/response-format). */
export const ACCESS_DETAILS = Object.freeze({
  missing: 'Access token is missing in the request header.',
  invalid: 'The access token you provided is revoked, malformed or invalid.',
  expired: 'The access token you provided has expired.',
  secretExpired: 'The LWA secret token you provided has expired.',
  forbidden: '',
});

/** Why a call was refused; used for the log note `auth:<reason>`. */
export type AccessDenialReason =
  'missing' | 'invalid' | 'expired' | 'revoked' | 'region' | 'secret-expired' | 'forbidden';

export type AccessResult =
  { ok: true; call: SpApiCall } | { ok: false; reason: AccessDenialReason; details: string };

/** What the checks need to know about the request. */
export interface AccessRequest {
  /** The `x-amz-access-token` header value, if any. */
  token: string | undefined;
  region: Region;
  method: string;
  /** Request path without the region prefix. */
  path: string;
}

function deny(reason: AccessDenialReason): AccessResult {
  const details =
    reason === 'missing'
      ? ACCESS_DETAILS.missing
      : reason === 'expired'
        ? ACCESS_DETAILS.expired
        : reason === 'secret-expired'
          ? ACCESS_DETAILS.secretExpired
          : // Another region's endpoint answers a valid token with empty details, as for a missing role (amzn/selling-partner-api-models#4825).
            reason === 'forbidden' || reason === 'region'
            ? ACCESS_DETAILS.forbidden
            : ACCESS_DETAILS.invalid;
  return { ok: false, reason, details };
}

/** Checks the caller's access token against an operation at the simulated now. */
export function checkAccess(ctx: SimContext, op: SpApiOperation, request: AccessRequest): AccessResult {
  const presented = request.token?.trim();
  if (!presented) return deny('missing');
  const token = ctx.state.accessTokens.get(presented);
  if (!token) return deny('invalid');
  const now = ctx.clock.now();
  if (accessTokenExpired(ctx, token)) return deny('expired');
  const app = ctx.state.apps.get(token.appId);
  if (!app) return deny('invalid');

  const base = { region: request.region, operationId: op.operationId, token, app, ctx };
  let call: SpApiCall = base;
  if (token.kind === 'user' || token.kind === 'rdt') {
    const authorization =
      token.authorizationId === undefined ? undefined : ctx.state.authorizations.get(token.authorizationId);
    if (!authorization || authorization.revokedAt !== null) return deny('revoked');
    // Authorizations are regional (https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow, §5.1): another region's endpoint does not know the token.
    if (authorization.region !== request.region) return deny('region');
    call = { ...base, authorization, sellingPartnerId: authorization.sellingPartnerId };
  }
  // https://developer-docs.amazon.com/sp-api/docs/rotate-your-application-client-secret: once every secret of the app has expired, SP-API refuses its tokens.
  if (app.clientSecrets.every((s) => now >= s.expiresAt)) return deny('secret-expired');

  if (!permits(op, token, request)) return deny('forbidden');
  return { ok: true, call };
}

/** Whether this kind of token may call this operation (no role or scope: 403 with empty details). */
function permits(op: SpApiOperation, token: SimAccessToken, request: AccessRequest): boolean {
  if (op.auth.kind === 'grantless') return token.kind === 'grantless' && tokenHasScope(token, op.auth.scope);
  // A PII-only operation refuses the regular LWA token as Amazon does: 403 with empty details.
  if (token.kind === 'user') return !(op.auth.kind === 'seller' && op.auth.rdtOnly === true);
  if (token.kind === 'rdt') {
    return (
      op.auth.restricted === true && rdtCovers(token.restrictedResources ?? [], request.method, request.path)
    );
  }
  return false;
}

/**
 * Whether an RDT's restricted resources cover a call (https://developer-docs.amazon.com/sp-api/docs/tokens-api-use-case-guide): same method, and each path segment
 * equal, or a generic `{name}` segment that matches any value. A resource path with a trailing slash
 * covers nothing: Amazon issues such an RDT, and the call it was meant for then fails with 403.
 */
export function rdtCovers(
  resources: readonly { method: string; path: string }[],
  method: string,
  path: string,
): boolean {
  const want = splitPath(path.replace(/\/+$/, ''));
  return resources.some((resource) => {
    if (resource.method.toUpperCase() !== method.toUpperCase()) return false;
    const have = splitPath(resource.path);
    return (
      have.length === want.length &&
      have.every((segment, i) => /^\{[^/{}]+\}$/.test(segment) || segment === want[i])
    );
  });
}

function splitPath(path: string): string[] {
  return path.split('/').map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      return segment;
    }
  });
}

/** Who a presented token belongs to, for the request log, without judging it. */
export function describeToken(
  ctx: SimContext,
  presented: string | undefined,
): { appId?: string; sellingPartnerId?: string } {
  const token = presented ? ctx.state.accessTokens.get(presented.trim()) : undefined;
  if (!token) return {};
  const authorization =
    token.authorizationId === undefined ? undefined : ctx.state.authorizations.get(token.authorizationId);
  return authorization
    ? { appId: token.appId, sellingPartnerId: authorization.sellingPartnerId }
    : { appId: token.appId };
}
