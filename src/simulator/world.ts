import { randomString, randomUuid } from '../kernel/random.js';
import type { SimContext } from './context.js';
import type {
  Region,
  SimAccessToken,
  SimApp,
  SimAuthCode,
  SimAuthorization,
  SimSeller,
  SimSellerUser,
} from './state.js';

/**
 * The simulator's domain operations, shared by the LWA endpoint, Seller Central pages, SP-API
 * operations and controls. They change `ctx.state` and never do HTTP.
 */

const HEX = '0123456789abcdef';
const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export interface NewApp {
  name: string;
  status: 'draft' | 'published';
  redirectUris: string[];
  loginUri?: string;
  roles?: string[];
  appId?: string;
  clientId?: string;
  clientSecret?: string;
  ownerSellingPartnerId?: string;
  notificationDestinationUrl?: string;
}

/** Registers an app with a fresh (or given) client id and secret. */
export function addApp(ctx: SimContext, input: NewApp): SimApp {
  const now = ctx.clock.now();
  const appId = input.appId ?? `amzn1.sp.solution.${randomUuid(ctx.random)}`;
  if (ctx.state.apps.has(appId)) throw new Error(`app ${appId} already exists`);
  if (input.redirectUris.length === 0) throw new Error('an app needs at least one redirect URI');
  const app: SimApp = {
    appId,
    name: input.name,
    clientId: input.clientId ?? `amzn1.application-oa2-client.${randomString(ctx.random, 32, HEX)}`,
    clientSecrets: [
      {
        secret: input.clientSecret ?? newClientSecret(ctx),
        issuedAt: now,
        expiresAt: now + ctx.config.clientSecretLifetimeMs,
      },
    ],
    status: input.status,
    redirectUris: [...input.redirectUris],
    roles: input.roles ?? ['Inventory and Order Tracking', 'Product Listing'],
  };
  if (input.loginUri !== undefined) app.loginUri = input.loginUri;
  if (input.ownerSellingPartnerId !== undefined) app.ownerSellingPartnerId = input.ownerSellingPartnerId;
  if (input.notificationDestinationUrl !== undefined)
    app.notificationDestinationUrl = input.notificationDestinationUrl;
  ctx.state.apps.set(appId, app);
  return app;
}

/** A new client secret string in Amazon's format (https://developer-docs.amazon.com/sp-api/docs/rotate-your-application-client-secret). */
export function newClientSecret(ctx: SimContext): string {
  return `amzn1.oa2-cs.v1.${randomString(ctx.random, 64, HEX)}`;
}

/** Finds an app by its LWA client id. */
export function findAppByClientId(ctx: SimContext, clientId: string): SimApp | undefined {
  for (const app of ctx.state.apps.values()) if (app.clientId === clientId) return app;
  return undefined;
}

/** 'valid', 'expired' (known but past its expiry) or 'unknown' for a presented client secret. */
export function checkClientSecret(
  ctx: SimContext,
  app: SimApp,
  presented: string,
): 'valid' | 'expired' | 'unknown' {
  const found = app.clientSecrets.find((s) => s.secret === presented);
  if (!found) return 'unknown';
  return ctx.clock.now() < found.expiresAt ? 'valid' : 'expired';
}

export interface NewSeller {
  name: string;
  region: Region;
  marketplaceIds: string[];
  users?: SimSellerUser[];
  sellingPartnerId?: string;
}

/** Adds a selling partner in one region. */
export function addSeller(ctx: SimContext, input: NewSeller): SimSeller {
  const sellingPartnerId = input.sellingPartnerId ?? `A${randomString(ctx.random, 13)}`;
  if (ctx.state.sellers.has(sellingPartnerId)) throw new Error(`seller ${sellingPartnerId} already exists`);
  if (input.marketplaceIds.length === 0) throw new Error('a seller needs at least one marketplace');
  const seller: SimSeller = {
    sellingPartnerId,
    name: input.name,
    region: input.region,
    marketplaceIds: [...input.marketplaceIds],
    users: (input.users ?? []).map((u) => ({ ...u })),
  };
  ctx.state.sellers.set(sellingPartnerId, seller);
  return seller;
}

/**
 * Records that a seller authorized an app (consent confirmed, or self-authorization) and issues a
 * new refresh token. Earlier authorizations of the same pair keep working unless configured not to.
 */
export function authorize(
  ctx: SimContext,
  input: { appId: string; sellingPartnerId: string; kind: 'oauth' | 'self' },
): SimAuthorization {
  const app = ctx.state.apps.get(input.appId);
  const seller = ctx.state.sellers.get(input.sellingPartnerId);
  if (!app) throw new Error(`unknown app ${input.appId}`);
  if (!seller) throw new Error(`unknown seller ${input.sellingPartnerId}`);
  const now = ctx.clock.now();
  if (!ctx.config.reauthorizationKeepsOldToken) {
    for (const previous of ctx.state.authorizations.values()) {
      if (
        previous.appId === app.appId &&
        previous.sellingPartnerId === seller.sellingPartnerId &&
        previous.revokedAt === null
      ) {
        previous.revokedAt = now;
      }
    }
  }
  const expires = input.kind === 'oauth' || ctx.config.selfAuthorizationExpires;
  const authorization: SimAuthorization = {
    id: randomUuid(ctx.random),
    appId: app.appId,
    sellingPartnerId: seller.sellingPartnerId,
    region: seller.region,
    kind: input.kind,
    refreshToken: `Atzr|${randomString(ctx.random, 300, TOKEN_ALPHABET)}`,
    authorizedAt: now,
    expiresAt: expires ? now + ctx.config.authorizationLifetimeMs : null,
    revokedAt: null,
  };
  ctx.state.authorizations.set(authorization.id, authorization);
  return authorization;
}

/** 'active', 'expired' or 'revoked' at the simulated now. */
export function authorizationStatus(
  ctx: SimContext,
  authorization: SimAuthorization,
): 'active' | 'expired' | 'revoked' {
  if (authorization.revokedAt !== null) return 'revoked';
  if (authorization.expiresAt !== null && ctx.clock.now() >= authorization.expiresAt) return 'expired';
  return 'active';
}

/** Revokes an authorization (seller pressed Revoke in Manage Your Apps, or a control). */
export function revokeAuthorization(ctx: SimContext, authorizationId: string): SimAuthorization {
  const authorization = ctx.state.authorizations.get(authorizationId);
  if (!authorization) throw new Error(`unknown authorization ${authorizationId}`);
  if (authorization.revokedAt === null) authorization.revokedAt = ctx.clock.now();
  return authorization;
}

/** Finds the authorization that holds a refresh token. */
export function findAuthorizationByRefreshToken(
  ctx: SimContext,
  refreshToken: string,
): SimAuthorization | undefined {
  for (const a of ctx.state.authorizations.values()) if (a.refreshToken === refreshToken) return a;
  return undefined;
}

/** Issues a single-use authorization code for a confirmed consent (https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow). */
export function issueAuthCode(
  ctx: SimContext,
  input: { authorizationId: string; clientId: string; redirectUri: string; redirectUriSent?: boolean },
): SimAuthCode {
  const code: SimAuthCode = {
    code: `AN${randomString(ctx.random, 18, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz')}`,
    clientId: input.clientId,
    redirectUri: input.redirectUri,
    redirectUriSent: input.redirectUriSent ?? true,
    authorizationId: input.authorizationId,
    issuedAt: ctx.clock.now(),
    used: false,
  };
  ctx.state.authCodes.set(code.code, code);
  return code;
}

/** Issues an access token (LWA `Atza|`, or an RDT `Atz.sprdt|`). */
export function issueAccessToken(
  ctx: SimContext,
  input: Omit<SimAccessToken, 'token' | 'issuedAt' | 'expiresAt' | 'clockOffsetAtIssue'>,
): SimAccessToken {
  const now = ctx.clock.now();
  const prefix = input.kind === 'rdt' ? 'Atz.sprdt|' : 'Atza|';
  const ttl = input.kind === 'rdt' ? ctx.config.rdtTtlMs : ctx.config.accessTokenTtlMs;
  const token: SimAccessToken = {
    ...input,
    token: `${prefix}${randomString(ctx.random, 200, TOKEN_ALPHABET)}`,
    issuedAt: now,
    expiresAt: now + ttl,
    clockOffsetAtIssue: ctx.clock.offset(),
  };
  ctx.state.accessTokens.set(token.token, token);
  return token;
}

/**
 * Whether an access token or RDT has expired. By the simulated clock (`accessTokenClock:
 * 'simulated'`); or, with 'real', by the real time since issue: the clock's jumps since then do not
 * count, so a token lives its `expires_in` for a client that keeps time by its own clock.
 */
export function accessTokenExpired(ctx: SimContext, token: SimAccessToken): boolean {
  const now = ctx.clock.now();
  if (ctx.config.accessTokenClock === 'simulated') return now >= token.expiresAt;
  const jumped = ctx.clock.offset() - (token.clockOffsetAtIssue ?? 0);
  return now - jumped >= token.expiresAt;
}

/** Whether a grantless token was granted `scope` (scopes are space-separated, https://www.rfc-editor.org/rfc/rfc6749#section-3.3). */
export function tokenHasScope(token: SimAccessToken, scope: string): boolean {
  return (token.scope ?? '').split(' ').includes(scope);
}

/**
 * Rotates an app's client secret: the new one lives `clientSecretLifetimeMs`, every older one that
 * is still valid now expires after the grace period (https://developer-docs.amazon.com/sp-api/docs/rotate-your-application-client-secret).
 */
export function rotateClientSecret(
  ctx: SimContext,
  appId: string,
): { app: SimApp; newSecret: string; issuedAt: number; newExpiresAt: number; oldExpiresAt: number } {
  const app = ctx.state.apps.get(appId);
  if (!app) throw new Error(`unknown app ${appId}`);
  const now = ctx.clock.now();
  const oldExpiresAt = now + ctx.config.clientSecretGraceMs;
  for (const s of app.clientSecrets) if (s.expiresAt > oldExpiresAt) s.expiresAt = oldExpiresAt;
  const newSecret = newClientSecret(ctx);
  const newExpiresAt = now + ctx.config.clientSecretLifetimeMs;
  app.clientSecrets.push({ secret: newSecret, issuedAt: now, expiresAt: newExpiresAt });
  return { app, newSecret, issuedAt: now, newExpiresAt, oldExpiresAt };
}
