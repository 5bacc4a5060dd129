import { createRoute, type OpenAPIHono, type z } from '@hono/zod-openapi';
import type { Ads } from '../../ads/ads.js';
import type { ProfilesView } from '../../ads/profiles.js';
import type { Connection } from '../../connections/repository.js';
import type { RegionCode } from '../../store/schema.js';
import type { ApiDeps, ApiEnv } from '../context.js';
import {
  AdsAccessTokenSchema,
  AdsConnectionListSchema,
  AdsConnectionSchema,
  commonErrors,
  ConnectionIdParams,
  errorResponse,
  ListConnectionsQuery,
} from '../schemas.js';
import { connectionView, type ApiRenewUrl } from './connections.js';

/**
 * Amazon Ads connections over the REST API: the key's Ads connections with their advertising
 * profiles (listed on all three Ads API hosts, since `GET /v2/profiles` answers only its host's
 * region), listing them again, and access tokens for calling the Ads API directly. The proxy is in
 * ads-proxy.ts.
 * @see https://advertising.amazon.com/API/docs/en-us/reference/2/profiles
 */

/** Why a connection with no profiles has none (Amazon's documented behaviour of listProfiles). */
export const NO_PROFILES_NOTE =
  'No advertising profiles: Amazon lists none until the advertiser has created at least one campaign.';

/** Plain words on an empty or incomplete listing; null when the listing is complete and not empty. */
export function profilesNote(connectionId: string, view: ProfilesView): string | null {
  if (view.listedAt === null) {
    return `The advertising profiles have not been listed yet: POST /api/v1/ads-connections/${connectionId}/profiles/refresh lists them.`;
  }
  const parts: string[] = [];
  if (view.profiles.length === 0 && view.failedRegions.length < 3) parts.push(NO_PROFILES_NOTE);
  if (view.failedRegions.length > 0) {
    parts.push(
      `The Ads API did not answer the last listing in ${view.failedRegions.join(', ')}${view.note ? ` (${view.note})` : ''}; profiles listed there before are kept. List again later.`,
    );
  }
  return parts.length > 0 ? parts.join(' ') : null;
}

/** An Ads connection as the API shows it: the connection, its profiles and the note on them. */
export function adsConnectionView(
  connection: Connection,
  view: ProfilesView,
  renewUrl: ApiRenewUrl,
): z.infer<typeof AdsConnectionSchema> {
  return {
    ...connectionView(connection, renewUrl),
    profiles: view.profiles.map((p) => ({
      profileId: p.profileId,
      region: p.region,
      countryCode: p.countryCode,
      currencyCode: p.currencyCode,
      timezone: p.timezone,
      marketplaceId: p.marketplaceId,
      accountType: p.accountType,
      accountId: p.accountId,
      accountName: p.accountName,
      validPaymentMethod: p.validPaymentMethod,
      match: p.match,
    })),
    listedAt: view.listedAt?.toISOString() ?? null,
    failedRegions: view.failedRegions,
    profilesNote: profilesNote(connection.id, view),
  };
}

const TAGS = ['Amazon Ads'];
const notFound = errorResponse(
  'No such Ads connection for this key (CONNECTION_NOT_FOUND; for an SP-API id the message names /v1/connections/{id})',
);
const mustRenew = errorResponse(
  'The advertiser must re-authorize: TOKEN_CONNECTION_REVOKED, TOKEN_CONNECTION_EXPIRED or TOKEN_CONNECTION_DISCONNECTED; the message names the portal page',
);

export const listAdsConnectionsRoute = createRoute({
  method: 'get',
  path: '/v1/ads-connections',
  operationId: 'listAdsConnections',
  tags: TAGS,
  summary: 'List Amazon Ads connections',
  description:
    'The Amazon Ads connections this API key may see, each with its advertising profiles as last listed (one per advertiser and marketplace) and, for seller profiles, the SP-API connection of the same seller id in the same region. `profilesNote` explains an empty or incomplete list.',
  security: [{ apiKey: [] }],
  request: { query: ListConnectionsQuery.omit({ api: true }) },
  responses: {
    200: {
      description: 'The Ads connections',
      content: { 'application/json': { schema: AdsConnectionListSchema } },
    },
    ...commonErrors,
  },
});

export const getAdsConnectionRoute = createRoute({
  method: 'get',
  path: '/v1/ads-connections/{id}',
  operationId: 'getAdsConnection',
  tags: TAGS,
  summary: 'Get one Amazon Ads connection',
  description:
    'The connection (health, expiry: 365 days from consents given on or after 2026-06-30) and its advertising profiles as last listed.',
  security: [{ apiKey: [] }],
  request: { params: ConnectionIdParams },
  responses: {
    200: {
      description: 'The Ads connection',
      content: { 'application/json': { schema: AdsConnectionSchema } },
    },
    ...commonErrors,
    404: notFound,
  },
});

export const refreshAdsProfilesRoute = createRoute({
  method: 'post',
  path: '/v1/ads-connections/{id}/profiles/refresh',
  operationId: 'refreshAdsProfiles',
  tags: TAGS,
  summary: 'List the advertising profiles again',
  description:
    'Calls `GET /v2/profiles` on the NA, EU and FE Ads API hosts now and stores what they list (a host that fails keeps its earlier profiles and is named in `failedRegions`). Answers the connection as `GET /v1/ads-connections/{id}` does. Use it after the advertiser created a first campaign or gained a marketplace.',
  security: [{ apiKey: [] }],
  request: { params: ConnectionIdParams },
  responses: {
    200: {
      description: 'The Ads connection with its profiles listed now',
      content: { 'application/json': { schema: AdsConnectionSchema } },
    },
    ...commonErrors,
    404: notFound,
    409: mustRenew,
    502: errorResponse('No Ads API host answered (ADS_ERROR), or Amazon refused the application'),
    503: errorResponse(
      'Amazon could not be reached to refresh the token (TOKEN_REFRESH_FAILED); see Retry-After',
    ),
  },
});

export const adsAccessTokenRoute = createRoute({
  method: 'post',
  path: '/v1/ads-connections/{id}/access-token',
  operationId: 'createAdsAccessToken',
  tags: TAGS,
  summary: 'Get an Amazon Ads access token',
  description:
    'A Login with Amazon access token for the Ads connection, valid until `expiresAt` (at most an hour; the cached token while more than a minute is left). Call the Ads API with `Authorization: Bearer <accessToken>`, `Amazon-Advertising-API-ClientId: <clientId>` and, on everything but the profiles listing, `Amazon-Advertising-API-Scope: <profileId>`. The token is valid on the three `endpoints`. The refresh token never leaves Sellerlink. Answered with `Cache-Control: no-store`.',
  security: [{ apiKey: [] }],
  request: { params: ConnectionIdParams },
  responses: {
    200: {
      description: 'The access token',
      content: { 'application/json': { schema: AdsAccessTokenSchema } },
    },
    ...commonErrors,
    404: notFound,
    409: mustRenew,
    502: errorResponse("Amazon refused the Ads application's credentials (TOKEN_APPLICATION_REJECTED)"),
    503: errorResponse('Amazon could not be reached (TOKEN_REFRESH_FAILED); see Retry-After'),
  },
});

/** `/v1/ads-connections`, `/v1/ads-connections/{id}`, `…/profiles/refresh` and `…/access-token`. */
export function registerAdsRoutes(
  app: OpenAPIHono<ApiEnv>,
  deps: ApiDeps,
  ads: Ads,
  endpoints: Record<RegionCode, string>,
  renewUrl: ApiRenewUrl,
): void {
  app.openapi(listAdsConnectionsRoute, async (c) => {
    const { state, health, region, accountId } = c.req.valid('query');
    const principal = c.get('principal');
    const listed = await deps.connections.list(principal.viewer, accountId, 'ads');
    const connections: z.infer<typeof AdsConnectionSchema>[] = [];
    for (const connection of listed) {
      if (region !== undefined && connection.region !== region) continue;
      if (principal.accountId !== null && connection.accountId !== principal.accountId) continue;
      if (accountId !== undefined && connection.accountId !== accountId) continue;
      const view = adsConnectionView(connection, await ads.profilesOf(connection.id), renewUrl);
      if (state !== undefined && view.state !== state) continue;
      if (health !== undefined && view.health.state !== health) continue;
      connections.push(view);
    }
    return c.json({ connections }, 200);
  });

  app.openapi(getAdsConnectionRoute, async (c) => {
    const { id } = c.req.valid('param');
    const viewer = c.get('principal').viewer;
    const connection = await ads.get(viewer, id);
    return c.json(adsConnectionView(connection, await ads.profilesOf(connection.id), renewUrl), 200);
  });

  app.openapi(refreshAdsProfilesRoute, async (c) => {
    const { id } = c.req.valid('param');
    const principal = c.get('principal');
    const view = await ads.refreshProfiles(principal.viewer, id);
    const connection = await ads.get(principal.viewer, id);
    deps.logger.info(
      { connectionId: id, apiKeyPrefix: principal.prefix, profiles: view.profiles.length },
      'Ads profiles listed over the API',
    );
    return c.json(adsConnectionView(connection, view, renewUrl), 200);
  });

  app.openapi(adsAccessTokenRoute, async (c) => {
    const { id } = c.req.valid('param');
    const principal = c.get('principal');
    // Visibility first (inside the use case): another account's id is "not found", Amazon not called.
    const access = await ads.accessToken(principal.viewer, id);
    deps.logger.info(
      {
        connectionId: access.connectionId,
        apiKeyPrefix: principal.prefix,
        expiresAt: access.expiresAt.toISOString(),
      },
      'Ads access token handed out over the API',
    );
    c.header('Cache-Control', 'no-store');
    c.header('Pragma', 'no-cache');
    return c.json(
      {
        accessToken: access.token.reveal(),
        tokenType: 'bearer' as const,
        expiresAt: access.expiresAt.toISOString(),
        clientId: access.clientId,
        region: access.region,
        endpoints: { NA: endpoints.NA, EU: endpoints.EU, FE: endpoints.FE },
      },
      200,
    );
  });
}
