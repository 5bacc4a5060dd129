import type { Context, Hono } from 'hono';
import { adsAuthorizationStatus } from './ads-world.js';
import type { SimContext, SimEnv } from './context.js';
import { ADS_API_PREFIX } from './region.js';
import { logRequest, type NewRequestLogEntry } from './request-log.js';
import { takeToken } from './spapi/usage-plans.js';
import type {
  SimAdsAccessToken,
  SimAdsAuthorization,
  SimAdsCampaign,
  SimAdsProfile,
  SimAdvertiser,
} from './state.js';

/**
 * The Amazon Ads API on `{region}/ads-api` (and at the root of the `advertising-api{,-eu,-fe}.amazon.com`
 * hosts, region.ts): `GET /v2/profiles` (https://advertising.amazon.com/API/docs/en-us/reference/2/profiles) and Sponsored Products
 * `POST /sp/campaigns/list` (https://advertising.amazon.com/API/docs/en-us/sponsored-products/3-0/openapi/prod). Every call needs an Ads
 * access token and `Amazon-Advertising-API-ClientId`; campaigns also `Amazon-Advertising-API-Scope`
 * (https://advertising.amazon.com/API/docs/en-us/guides/get-started/headers). Errors are `{"code","details","requestId"}`.
 */

/** Content type of Sponsored Products v3 campaigns. */
export const SP_CAMPAIGN_CONTENT_TYPE = 'application/vnd.spCampaign.v3+json';

const PROFILE_TYPES = ['seller', 'vendor', 'agency'] as const;
const CAMPAIGN_STATES: readonly SimAdsCampaign['state'][] = ['ENABLED', 'PAUSED', 'ARCHIVED'];
const DEFAULT_MAX_RESULTS = 100;
const LARGEST_MAX_RESULTS = 1000;

/** An authenticated Ads call. */
interface AdsCall {
  token: SimAdsAccessToken;
  authorization: SimAdsAuthorization;
  advertiser: SimAdvertiser;
}

type AdsHandler = (
  c: Context<SimEnv>,
  ctx: SimContext,
  call: AdsCall,
  notes: string[],
) => Promise<Response> | Response;

/** Registers the Ads API routes. */
export function registerAdsApi(app: Hono<SimEnv>, ctx: SimContext): void {
  app.get(`${ADS_API_PREFIX}/v2/profiles`, (c) => runAds(c, ctx, 'adsListProfiles', listProfiles));
  app.post(`${ADS_API_PREFIX}/sp/campaigns/list`, (c) => runAds(c, ctx, 'adsListCampaigns', listCampaigns));
  app.all(`${ADS_API_PREFIX}/*`, (c) => adsError(c, 404, '404', 'Not Found'));
}

/** An Ads API error body with this request's id. */
function adsError(c: Context<SimEnv>, status: 400 | 401 | 404, code: string, details: string): Response {
  return c.json({ code, details, requestId: c.env.requestId }, status);
}

function unauthorized(c: Context<SimEnv>): Response {
  return adsError(c, 401, 'UNAUTHORIZED', 'Not authorized to access this advertiser');
}

/** Authenticates, runs the handler, and logs the call with the ClientId and Scope headers (never a token). */
async function runAds(
  c: Context<SimEnv>,
  ctx: SimContext,
  operation: string,
  handler: AdsHandler,
): Promise<Response> {
  const clientId = c.req.header('amazon-advertising-api-clientid');
  const scope = c.req.header('amazon-advertising-api-scope');
  const entry: NewRequestLogEntry = {
    requestId: c.env.requestId,
    method: c.req.method,
    // As addressed on the simulator's origin: the region prefix included (`/eu/ads-api/v2/profiles`).
    path: `${c.env.prefix}${c.req.path}`,
    region: c.env.region,
    operation,
    status: 0,
    at: ctx.clock.now(),
    headers: {
      ...(clientId === undefined ? {} : { clientId }),
      ...(scope === undefined ? {} : { scope }),
    },
  };
  const notes: string[] = [];
  c.header('x-amzn-RequestId', c.env.requestId);
  const auth = authenticate(c, ctx, clientId);
  let response: Response;
  if (auth.ok) {
    entry.advertiserId = auth.call.advertiser.id;
    response = await handler(c, ctx, auth.call, notes);
  } else {
    notes.push(`auth:${auth.reason}`);
    response = unauthorized(c);
  }
  logRequest(ctx, {
    ...entry,
    status: response.status,
    ...(notes.length > 0 ? { note: notes.join(' ') } : {}),
  });
  return response;
}

type AuthResult = { ok: true; call: AdsCall } | { ok: false; reason: string };

/** The bearer token must be a live Ads access token of the ClientId header's client, its consent active. */
function authenticate(c: Context<SimEnv>, ctx: SimContext, clientId: string | undefined): AuthResult {
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1];
  if (presented === undefined) return { ok: false, reason: 'missing' };
  const token = ctx.state.adsAccessTokens.get(presented);
  if (!token) return { ok: false, reason: 'unknown' };
  if (token.expiresAt <= ctx.clock.now()) return { ok: false, reason: 'expired' };
  if (clientId === undefined) return { ok: false, reason: 'missing-client-id' };
  if (clientId !== token.clientId) return { ok: false, reason: 'other-client-id' };
  const authorization = ctx.state.adsAuthorizations.get(token.authorizationId);
  const advertiser = authorization && ctx.state.advertisers.get(authorization.advertiserId);
  if (!authorization || !advertiser) return { ok: false, reason: 'unknown' };
  const status = adsAuthorizationStatus(ctx, authorization);
  if (status !== 'active') return { ok: false, reason: `authorization-${status}` };
  return { ok: true, call: { token, authorization, advertiser } };
}

/** A profile as `/v2/profiles` shows it: Amazon's field order, profileId a JSON number, no campaigns. */
function profileView(p: SimAdsProfile): Record<string, unknown> {
  return {
    profileId: Number(p.profileId),
    countryCode: p.countryCode,
    currencyCode: p.currencyCode,
    ...(p.dailyBudget === undefined ? {} : { dailyBudget: p.dailyBudget }),
    timezone: p.timezone,
    accountInfo: {
      marketplaceStringId: p.accountInfo.marketplaceStringId,
      id: p.accountInfo.id,
      type: p.accountInfo.type,
      name: p.accountInfo.name,
      validPaymentMethod: p.accountInfo.validPaymentMethod,
    },
  };
}

/**
 * `GET /v2/profiles`: the advertiser's profiles in this host's region, only those with at least one
 * campaign (Amazon lists no profile before its first campaign), filtered by `profileTypeFilter`.
 */
function listProfiles(c: Context<SimEnv>, _ctx: SimContext, call: AdsCall): Response {
  const filterText = c.req.query('profileTypeFilter');
  let types: readonly string[] = PROFILE_TYPES;
  if (filterText !== undefined) {
    types = filterText
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== '');
    const unknown = types.find((t) => !(PROFILE_TYPES as readonly string[]).includes(t));
    if (unknown !== undefined) {
      return adsError(c, 400, '400', `Invalid profileTypeFilter value: ${unknown}`);
    }
  }
  const profiles = call.advertiser.profiles.filter(
    (p) => p.region === c.env.region && p.campaigns.length > 0 && types.includes(p.accountInfo.type),
  );
  return c.json(profiles.map(profileView), 200);
}

/** `POST /sp/campaigns/list`: Scope header → profile of this advertiser and region → throttling → page. */
async function listCampaigns(
  c: Context<SimEnv>,
  ctx: SimContext,
  call: AdsCall,
  notes: string[],
): Promise<Response> {
  const scope = c.req.header('amazon-advertising-api-scope');
  if (scope === undefined || scope.trim() === '') return adsError(c, 400, '400', 'Scope header is missing');
  const profile = call.advertiser.profiles.find((p) => p.profileId === scope.trim());
  if (!profile || profile.region !== c.env.region) {
    notes.push('auth:foreign-profile');
    return unauthorized(c);
  }
  const throttled = throttle(c, ctx, profile.profileId, notes);
  if (throttled) return throttled;
  const request = await readListRequest(c);
  if (!request.ok) return adsError(c, 400, '400', request.details);
  const matching = profile.campaigns.filter((k) => request.states.includes(k.state));
  const page = matching.slice(request.offset, request.offset + request.maxResults);
  const next = request.offset + page.length;
  const body = {
    campaigns: page.map((k) => ({
      campaignId: k.campaignId,
      name: k.name,
      state: k.state,
      targetingType: k.targetingType,
      budget: { budget: k.budget.budget, budgetType: k.budget.budgetType },
      startDate: k.startDate,
    })),
    totalResults: matching.length,
    ...(next < matching.length ? { nextToken: Buffer.from(String(next)).toString('base64url') } : {}),
  };
  return c.body(JSON.stringify(body), 200, { 'Content-Type': SP_CAMPAIGN_CONTENT_TYPE });
}

/**
 * The campaigns-list rate limit per profile (`/_sim/ads/behaviour`): first any forced 429s, then a
 * token bucket on the real clock as the SP-API pipeline keeps. A 429 carries `Retry-After` (whole
 * seconds, at least 1) and `amazon-advertising-api-throttled: true`.
 */
function throttle(c: Context<SimEnv>, ctx: SimContext, profileId: string, notes: string[]): Response | null {
  const behaviour = ctx.state.adsBehaviour;
  let retryAfter: number;
  if (behaviour.forceThrottle > 0) {
    behaviour.forceThrottle -= 1;
    retryAfter = behaviour.retryAfterSeconds;
    notes.push('throttled:forced');
  } else {
    const key = `ads:${profileId}|adsListCampaigns`;
    const plan = behaviour.throttle;
    if (takeToken(ctx, key, plan)) return null;
    const tokens = ctx.state.buckets.get(key)?.tokens ?? 0;
    retryAfter = Math.ceil((1 - tokens) / (plan.rate * ctx.config.speed));
    notes.push('throttled');
  }
  return c.json({ code: '429', details: 'Request was rate-limited. Retry later.' }, 429, {
    'Retry-After': String(Math.max(1, Math.ceil(retryAfter))),
    'amazon-advertising-api-throttled': 'true',
  });
}

type ListRequest =
  | { ok: true; maxResults: number; offset: number; states: readonly string[] }
  | { ok: false; details: string };

/** Reads `{maxResults?, nextToken?, stateFilter?: {include: [...]}}` (an empty body is `{}`). */
async function readListRequest(c: Context<SimEnv>): Promise<ListRequest> {
  const text = await c.req.text();
  let body: unknown = {};
  try {
    if (text.trim() !== '') body = JSON.parse(text);
  } catch {
    return { ok: false, details: 'Request body is not valid JSON' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, details: 'Request body must be a JSON object' };
  }
  const { maxResults = DEFAULT_MAX_RESULTS, nextToken, stateFilter } = body as Record<string, unknown>;
  if (
    typeof maxResults !== 'number' ||
    !Number.isInteger(maxResults) ||
    maxResults < 1 ||
    maxResults > LARGEST_MAX_RESULTS
  ) {
    return { ok: false, details: `maxResults must be an integer from 1 to ${LARGEST_MAX_RESULTS}` };
  }
  const offset = nextToken === undefined || nextToken === null ? 0 : decodeNextToken(nextToken);
  if (offset === null) return { ok: false, details: 'Invalid nextToken' };
  const states = readStateFilter(stateFilter);
  if (states === null) {
    return { ok: false, details: `stateFilter.include must list states of ${CAMPAIGN_STATES.join(', ')}` };
  }
  return { ok: true, maxResults, offset, states };
}

function decodeNextToken(value: unknown): number | null {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]+$/.test(value)) return null;
  const text = Buffer.from(value, 'base64url').toString('utf8');
  return /^\d{1,9}$/.test(text) ? Number(text) : null;
}

/** The states a `stateFilter` admits (absent: all); null when it is malformed. */
function readStateFilter(value: unknown): readonly string[] | null {
  if (value === undefined || value === null) return CAMPAIGN_STATES;
  if (typeof value !== 'object' || Array.isArray(value)) return null;
  const include = (value as { include?: unknown }).include;
  if (!Array.isArray(include) || include.length === 0) return null;
  const states = include.map((s) => (typeof s === 'string' ? s.toUpperCase() : ''));
  return states.every((s) => (CAMPAIGN_STATES as readonly string[]).includes(s)) ? states : null;
}
