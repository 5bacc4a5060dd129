import { z } from '@hono/zod-openapi';
import { CONNECTION_PAGE_MAX } from '../connections/list-page.js';
import { SEARCH_MAX as CONNECTION_SEARCH_MAX } from '../connections/operator-search.js';
import { HEALTH_STATES, type HealthState } from '../lifecycle/health.js';
import { ErrorBodySchema } from './errors.js';

/** Schemas shared by the API's routes: one definition gives validation, types and the OpenAPI document. */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Looks like an SP-API path: `/<api>/<version>/…` with version `v0`, `v1`, … or a date. */
export const SPAPI_PATH = /^\/[a-z][a-zA-Z0-9]*\/(v\d+|\d{4}-\d{2}-\d{2})\//;

export const REGIONS = ['NA', 'EU', 'FE'] as const;
export const STATES = ['active', 'expiring', 'expired', 'revoked', 'error', 'disconnected'] as const;

export const ConnectionIdParams = z.object({
  id: z
    .string()
    .regex(UUID, 'must be a connection id (a UUID)')
    .openapi({
      param: { name: 'id', in: 'path' },
      description: 'The connection id',
      example: '3f0b8c52-6f1e-4d5e-9a43-1c2d3e4f5a6b',
    }),
});

/** The Amazon APIs a connection may be for, as the API names them. */
export const APIS = ['sp-api', 'ads'] as const;

export const ListConnectionsQuery = z.object({
  api: z
    .enum(APIS)
    .optional()
    .openapi({
      param: { name: 'api', in: 'query' },
      description: 'Only connections for this Amazon API (default: both)',
    }),
  state: z
    .enum(STATES)
    .optional()
    .openapi({ param: { name: 'state', in: 'query' }, description: 'Only connections in this state' }),
  health: z
    .enum(HEALTH_STATES as [HealthState, ...HealthState[]])
    .optional()
    .openapi({ param: { name: 'health', in: 'query' }, description: 'Only connections with this health' }),
  region: z
    .enum(REGIONS)
    .optional()
    .openapi({ param: { name: 'region', in: 'query' }, description: 'Only connections in this region' }),
  accountId: z
    .string()
    .regex(UUID, 'must be an account id (a UUID)')
    .optional()
    .openapi({
      param: { name: 'accountId', in: 'query' },
      description: 'Only this account (keys that see every account; an account key sees its own only)',
    }),
  q: z
    .string()
    .trim()
    .min(1)
    .max(CONNECTION_SEARCH_MAX)
    .optional()
    .openapi({
      param: { name: 'q', in: 'query' },
      description:
        'Search: connections whose seller id, store name or account name starts with this (case-insensitive), or whose id or account id it is',
      example: 'A1DEMO',
    }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(CONNECTION_PAGE_MAX)
    .optional()
    .openapi({
      param: { name: 'limit', in: 'query' },
      description: `Connections per page (1-${CONNECTION_PAGE_MAX}). Without it the answer holds up to ${CONNECTION_PAGE_MAX} connections, and \`nextCursor\` only when there are more`,
      example: 50,
    }),
  cursor: z
    .string()
    .max(1000)
    .optional()
    .openapi({ param: { name: 'cursor', in: 'query' }, description: '`nextCursor` of the previous page' }),
});

const Timestamp = z.string().openapi({ format: 'date-time', example: '2027-03-01T12:00:00.000Z' });

export const HealthSchema = z
  .object({
    state: z.enum(HEALTH_STATES as [HealthState, ...HealthState[]]).openapi({
      description:
        "working; renew_needed (the seller renews, before `deadline`); app_rejected (cut off by the application's credentials: the operator acts, nothing is asked of the seller); paused_by_amazon (throttling or outage, retried); disconnected",
    }),
    label: z.string().openapi({ example: 'Working' }),
    reason: z.string().openapi({ description: 'Why, in plain words' }),
    action: z.enum(['none', 'renew', 'connect', 'operator', 'wait']).openapi({
      description: 'Who acts: none, the seller (renew, connect), the operator, or nobody yet (wait)',
    }),
    advice: z.string().openapi({ description: 'What to do, in plain words' }),
    since: Timestamp,
    deadline: Timestamp.nullable().openapi({
      description: 'Renew before this time (renew_needed while it still works)',
    }),
    canCallAmazon: z.boolean(),
    canRenew: z.boolean(),
    renewBlockedReason: z.string().nullable(),
  })
  .openapi('ConnectionHealth');

export const ConnectionSchema = z
  .object({
    id: z.string().openapi({ example: '3f0b8c52-6f1e-4d5e-9a43-1c2d3e4f5a6b' }),
    accountId: z.string(),
    applicationId: z.string(),
    api: z.enum(APIS).openapi({
      description: 'sp-api: the Selling Partner API; ads: the Amazon Ads API (see /v1/ads-connections)',
    }),
    region: z.enum(REGIONS),
    sellingPartnerId: z.string().nullable().openapi({
      example: 'A1DEMOSELLERNA',
      description: 'The seller (SP-API); null for Amazon Ads, whose consent names no seller',
    }),
    storeName: z.string().nullable(),
    marketplaceIds: z.array(z.string()).openapi({ example: ['ATVPDKIKX0DER', 'A2EUQ1WTGCTBG2'] }),
    kind: z.enum(['oauth', 'self']).openapi({ description: 'oauth: seller consent; self: self-authorized' }),
    state: z.enum(STATES).openapi({
      description:
        'Lifecycle state, time applied: expiring within 30 days, expired after (see `health` for what it means)',
    }),
    health: HealthSchema,
    stateLabel: z.string().openapi({ example: 'Active, 312 days left' }),
    advice: z.string().openapi({ description: 'What the seller should do, in plain words' }),
    daysLeft: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'null when the connection does not expire' }),
    authorizedAt: Timestamp,
    expiresAt: Timestamp.nullable(),
    lastSuccessAt: Timestamp.nullable(),
    lastError: z
      .object({ code: z.string(), message: z.string(), at: Timestamp })
      .nullable()
      .openapi({ description: 'The last failure talking to Amazon for this connection' }),
    needsReauthorization: z.boolean().openapi({
      description:
        'true when the seller should renew or connect again now (health renew_needed or disconnected)',
    }),
    renewUrl: z.string().openapi({
      description:
        'Portal page where the seller renews this connection (`/connections/{id}`, or `/ads-connections/{id}` for Amazon Ads)',
    }),
  })
  .openapi('Connection');

export const ConnectionListSchema = z
  .object({
    connections: z.array(ConnectionSchema),
    nextCursor: z.string().nullable().optional().openapi({
      description:
        'Pass as `cursor` for the next page; null: the last page. Present whenever `limit` or `cursor` was given, and when an answer without them was cut at its maximum',
    }),
  })
  .openapi('ConnectionList');

export const AccessTokenSchema = z
  .object({
    accessToken: z.string().openapi({ example: 'Atza|IwEBI…' }),
    tokenType: z.literal('bearer'),
    expiresAt: Timestamp,
    sellingPartnerId: z.string(),
    region: z.enum(REGIONS),
    endpoint: z.string().openapi({
      description: "SP-API endpoint of the connection's region",
      example: 'https://sellingpartnerapi-na.amazon.com',
    }),
  })
  .openapi('AccessToken');

/** https://developer-docs.amazon.com/sp-api/docs/tokens-api-use-case-guide: method GET|PUT|POST|DELETE, a path, dataElements only for Orders; at most 50. */
export const RestrictedResourceSchema = z
  .strictObject({
    method: z.enum(['GET', 'PUT', 'POST', 'DELETE']),
    path: z
      .string()
      .max(2048)
      .regex(SPAPI_PATH, 'must be an SP-API path such as /orders/v0/orders/{orderId}/address'),
    dataElements: z
      .array(z.enum(['buyerInfo', 'shippingAddress', 'buyerTaxInformation']))
      .min(1)
      .optional()
      .openapi({ description: 'Needed only for Orders getOrder, getOrders and getOrderItems' }),
  })
  .openapi('RestrictedResource');

export const RestrictedDataTokenRequestSchema = z
  .strictObject({
    restrictedResources: z.array(RestrictedResourceSchema).min(1).max(50),
  })
  .openapi('RestrictedDataTokenRequest', {
    example: {
      restrictedResources: [
        {
          method: 'GET',
          path: '/orders/v0/orders/{orderId}',
          dataElements: ['buyerInfo', 'shippingAddress'],
        },
        { method: 'GET', path: '/orders/v0/orders/{orderId}/address' },
      ],
    },
  });

export const RestrictedDataTokenSchema = z
  .object({
    restrictedDataToken: z.string().openapi({ example: 'Atz.sprdt|IwEBI…' }),
    expiresAt: Timestamp,
  })
  .openapi('RestrictedDataToken');

/** An advertising profile of an Ads connection (https://advertising.amazon.com/API/docs/en-us/reference/2/profiles). */
export const AdsProfileSchema = z
  .object({
    profileId: z.string().openapi({
      example: '3312910465837761',
      description:
        "Amazon's profile id (an int64, given as a string so it is never rounded); send it as `Amazon-Advertising-API-Scope`",
    }),
    region: z.enum(REGIONS).openapi({ description: 'The Ads API host that listed it' }),
    countryCode: z.string().openapi({ example: 'US' }),
    currencyCode: z.string().openapi({ example: 'USD' }),
    timezone: z.string().openapi({ example: 'America/Los_Angeles' }),
    marketplaceId: z.string().nullable().openapi({ example: 'ATVPDKIKX0DER' }),
    accountType: z.string().openapi({ example: 'seller', description: 'seller, vendor or agency' }),
    accountId: z
      .string()
      .openapi({ example: 'A1DEMOSELLERNA', description: "Amazon's account id (accountInfo.id)" }),
    accountName: z.string().nullable(),
    validPaymentMethod: z.boolean().nullable(),
    match: z
      .object({
        connectionId: z.string(),
        sellingPartnerId: z.string(),
        storeName: z.string().nullable(),
      })
      .nullable()
      .openapi({
        description:
          "The SP-API connection of the same account whose seller id equals the profile's account id in the same region; a likely match (Amazon does not guarantee the link), null when none",
      }),
  })
  .openapi('AdsProfile');

/** An Amazon Ads connection with its advertising profiles. */
export const AdsConnectionSchema = ConnectionSchema.extend({
  profiles: z.array(AdsProfileSchema),
  listedAt: Timestamp.nullable().openapi({
    description: 'When the profiles were last listed on the Ads API hosts; null: not yet',
  }),
  failedRegions: z.array(z.enum(REGIONS)).openapi({
    description: 'Ads API hosts that did not answer the last listing (their earlier profiles are kept)',
  }),
  profilesNote: z.string().nullable().openapi({
    description:
      'Why the list is empty or may be incomplete, in plain words (no campaign yet, hosts that failed, never listed); null otherwise',
    example:
      'No advertising profiles: Amazon lists none until the advertiser has created at least one campaign.',
  }),
}).openapi('AdsConnection');

export const AdsConnectionListSchema = z
  .object({ connections: z.array(AdsConnectionSchema) })
  .openapi('AdsConnectionList');

export const AdsAccessTokenSchema = z
  .object({
    accessToken: z.string().openapi({ example: 'Atza|IwEBI…' }),
    tokenType: z.literal('bearer'),
    expiresAt: Timestamp,
    clientId: z.string().openapi({
      description: 'Send as `Amazon-Advertising-API-ClientId`',
      example: 'amzn1.application-oa2-client.0123456789abcdef',
    }),
    region: z.enum(REGIONS).openapi({ description: 'The region the advertiser consented in' }),
    endpoints: z.object({ NA: z.string(), EU: z.string(), FE: z.string() }).openapi({
      description:
        "Ads API host per region: the token is valid on all three, and each lists only its own region's profiles",
      example: {
        NA: 'https://advertising-api.amazon.com',
        EU: 'https://advertising-api-eu.amazon.com',
        FE: 'https://advertising-api-fe.amazon.com',
      },
    }),
  })
  .openapi('AdsAccessToken');

/** A JSON error response for the OpenAPI document. */
export const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorBodySchema } },
});

/** The failures every authenticated route may answer. */
export const commonErrors = {
  400: errorResponse('Bad input: `error.field` names the field (VALIDATION_FAILED)'),
  401: errorResponse(
    'Missing, invalid or revoked API key (API_KEY_MISSING, API_KEY_INVALID, API_KEY_REVOKED)',
  ),
  500: errorResponse('Unexpected failure (INTERNAL)'),
} as const;
