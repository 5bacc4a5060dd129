import { DAY } from '../kernel/clock.js';
import { randomString, randomUuid } from '../kernel/random.js';
import type { SimContext } from './context.js';
import type {
  Region,
  SimAdsAccessToken,
  SimAdsAuthCode,
  SimAdsAuthorization,
  SimAdsClient,
  SimAdvertiser,
  SimSellerUser,
} from './state.js';

/**
 * The Amazon Ads side of the simulated world: Ads LWA clients, advertisers and their profiles, Ads
 * consents (authorizations), codes and access tokens. Shared by the consent pages, the token
 * endpoint, the Ads API and the controls; no HTTP here.
 */

/** The scope of the Ads API (https://advertising.amazon.com/API/docs/en-us/guides/get-started/create-authorization-grant). */
export const ADS_SCOPE = 'advertising::campaign_management';

/** Scopes the consent request may list beside it (legacy Sponsored Ads scope, and LWA's `profile`). */
export const ADS_KNOWN_SCOPES: readonly string[] = [
  ADS_SCOPE,
  'cpc_advertising:campaign_management',
  'profile',
];

/**
 * Ads refresh tokens of consents given on or after this day expire 365 days after the consent;
 * earlier ones never expire (https://advertising.amazon.com/API/docs/en-us/guides/account-management/authorization/overview).
 */
export const ADS_EXPIRY_RULE_FROM = Date.UTC(2026, 5, 30);
export const ADS_REFRESH_TOKEN_LIFETIME_MS = 365 * DAY;

/**
 * Expiry of an Ads client secret that was given none: whether LWA's 180-day rotation applies to
 * Ads-only security profiles is UNCONFIRMED, so by default they do not expire.
 */
export const ADS_SECRET_NEVER_EXPIRES = Date.UTC(9999, 11, 31);

const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** What creates or replaces an Ads client. */
export interface NewAdsClient {
  clientId: string;
  name: string;
  clientSecret: string;
  approved: boolean;
  returnUrls: string[];
  /** Epoch ms; default: never. */
  clientSecretExpiresAt?: number;
}

/** Creates or replaces an Ads LWA client. */
export function putAdsClient(ctx: SimContext, input: NewAdsClient): SimAdsClient {
  const client: SimAdsClient = {
    clientId: input.clientId,
    name: input.name,
    clientSecrets: [
      {
        secret: input.clientSecret,
        issuedAt: ctx.clock.now(),
        expiresAt: input.clientSecretExpiresAt ?? ADS_SECRET_NEVER_EXPIRES,
      },
    ],
    approved: input.approved,
    returnUrls: [...input.returnUrls],
  };
  ctx.state.adsClients.set(client.clientId, client);
  return client;
}

/** 'valid', 'expired' or 'unknown' for a presented Ads client secret (the SP-API rules). */
export function checkAdsClientSecret(
  ctx: SimContext,
  client: SimAdsClient,
  presented: string,
): 'valid' | 'expired' | 'unknown' {
  const found = client.clientSecrets.find((s) => s.secret === presented);
  if (!found) return 'unknown';
  return ctx.clock.now() < found.expiresAt ? 'valid' : 'expired';
}

/** Adds or replaces an advertiser (checks its profile ids). */
export function putAdvertiser(ctx: SimContext, advertiser: SimAdvertiser): SimAdvertiser {
  for (const profile of advertiser.profiles) {
    if (!/^[1-9]\d{0,15}$/.test(profile.profileId) || Number(profile.profileId) > Number.MAX_SAFE_INTEGER) {
      throw new RangeError(`profile id ${profile.profileId} must be digits below 2^53`);
    }
  }
  ctx.state.advertisers.set(advertiser.id, advertiser);
  return advertiser;
}

/** A fresh 16-digit profile id below 2^53 that no advertiser uses yet. */
export function newProfileId(ctx: SimContext): string {
  for (;;) {
    const id = `${randomString(ctx.random, 1, '12345678')}${randomString(ctx.random, 15, '0123456789')}`;
    if (!findProfile(ctx, id)) return id;
  }
}

/** The advertiser owning a profile id, if any. */
export function findProfile(
  ctx: SimContext,
  profileId: string,
): { advertiser: SimAdvertiser; profile: SimAdvertiser['profiles'][number] } | undefined {
  for (const advertiser of ctx.state.advertisers.values()) {
    const profile = advertiser.profiles.find((p) => p.profileId === profileId);
    if (profile) return { advertiser, profile };
  }
  return undefined;
}

/** Advertiser users with this email (case-insensitive), with their advertiser. */
export function findAdvertiserUsers(
  ctx: SimContext,
  email: string,
): { advertiser: SimAdvertiser; user: SimSellerUser }[] {
  const wanted = email.trim().toLowerCase();
  const found: { advertiser: SimAdvertiser; user: SimSellerUser }[] = [];
  for (const advertiser of ctx.state.advertisers.values()) {
    for (const user of advertiser.users) {
      if (user.email.toLowerCase() === wanted) found.push({ advertiser, user });
    }
  }
  return found;
}

/**
 * Records an Ads consent and issues a new refresh token. Earlier consents of the same advertiser
 * and client keep their own refresh tokens (LWA keeps tokens until they expire or are revoked).
 */
export function consentAds(
  ctx: SimContext,
  input: { clientId: string; advertiserId: string; region: Region },
): SimAdsAuthorization {
  if (!ctx.state.adsClients.has(input.clientId)) throw new Error(`unknown Ads client ${input.clientId}`);
  if (!ctx.state.advertisers.has(input.advertiserId))
    throw new Error(`unknown advertiser ${input.advertiserId}`);
  const now = ctx.clock.now();
  const authorization: SimAdsAuthorization = {
    id: randomUuid(ctx.random),
    clientId: input.clientId,
    advertiserId: input.advertiserId,
    region: input.region,
    refreshToken: `Atzr|${randomString(ctx.random, 300, TOKEN_ALPHABET)}`,
    consentedAt: now,
    expiresAt: adsRefreshTokenExpiry(now),
    revokedAt: null,
  };
  ctx.state.adsAuthorizations.set(authorization.id, authorization);
  return authorization;
}

/** When a refresh token of a consent given at `consentedAt` expires (null: never). */
export function adsRefreshTokenExpiry(consentedAt: number): number | null {
  return consentedAt >= ADS_EXPIRY_RULE_FROM ? consentedAt + ADS_REFRESH_TOKEN_LIFETIME_MS : null;
}

/** 'active', 'expired' (expiresAt <= now) or 'revoked' at the simulated now. */
export function adsAuthorizationStatus(
  ctx: SimContext,
  authorization: SimAdsAuthorization,
): 'active' | 'expired' | 'revoked' {
  if (authorization.revokedAt !== null) return 'revoked';
  if (authorization.expiresAt !== null && authorization.expiresAt <= ctx.clock.now()) return 'expired';
  return 'active';
}

/** Revokes an Ads authorization (the advertiser removed the app); idempotent. */
export function revokeAdsAuthorization(ctx: SimContext, authorization: SimAdsAuthorization): void {
  if (authorization.revokedAt === null) authorization.revokedAt = ctx.clock.now();
}

/** The Ads authorization holding a refresh token. */
export function findAdsAuthorizationByRefreshToken(
  ctx: SimContext,
  refreshToken: string,
): SimAdsAuthorization | undefined {
  for (const a of ctx.state.adsAuthorizations.values()) if (a.refreshToken === refreshToken) return a;
  return undefined;
}

/** Issues a single-use Ads authorization code for an Allow on the consent page. */
export function issueAdsCode(
  ctx: SimContext,
  input: { authorizationId: string; clientId: string; redirectUri: string },
): SimAdsAuthCode {
  const code: SimAdsAuthCode = {
    code: `AN${randomString(ctx.random, 18, LETTERS)}`,
    clientId: input.clientId,
    redirectUri: input.redirectUri,
    authorizationId: input.authorizationId,
    issuedAt: ctx.clock.now(),
    used: false,
  };
  ctx.state.adsAuthCodes.set(code.code, code);
  return code;
}

/** Issues an Ads access token (`Atza|`, `accessTokenTtlMs`, valid in every Ads region). */
export function issueAdsAccessToken(
  ctx: SimContext,
  input: { clientId: string; authorizationId: string },
): SimAdsAccessToken {
  const now = ctx.clock.now();
  const token: SimAdsAccessToken = {
    token: `Atza|${randomString(ctx.random, 200, TOKEN_ALPHABET)}`,
    clientId: input.clientId,
    authorizationId: input.authorizationId,
    issuedAt: now,
    expiresAt: now + ctx.config.accessTokenTtlMs,
  };
  ctx.state.adsAccessTokens.set(token.token, token);
  return token;
}
