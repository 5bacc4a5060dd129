import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { ListingChange } from '../../listings/model.js';
import type { ListingOutbox } from '../../listings/outbox.js';
import type { ApiDeps, ApiEnv } from '../context.js';
import type { ApiPrincipal } from '../../accounts/api-keys.js';
import { commonErrors, errorResponse } from '../schemas.js';
import { registerCatalogRoutes } from './listings-catalog.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const ItemParams = z.object({
  id: z
    .string()
    .regex(UUID, 'must be a connection id (a UUID)')
    .openapi({ param: { name: 'id', in: 'path' }, description: 'The connection id' }),
  sku: z
    .string()
    .min(1)
    .max(40)
    .openapi({
      param: { name: 'sku', in: 'path' },
      description: 'The seller SKU (URL-encoded)',
      example: 'TRAIL-RED-M',
    }),
});

const ConnectionParams = ItemParams.pick({ id: true });

const ChangeParams = z.object({
  changeId: z.string().openapi({
    param: { name: 'changeId', in: 'path' },
    description: 'The change id returned when it was queued',
  }),
});

const SubmitQuery = z.object({
  marketplaceIds: z.string().optional().openapi({
    description: "One marketplace id, as in Listings Items; default the connection's first marketplace",
    example: 'ATVPDKIKX0DER',
  }),
  mode: z
    .enum(['VALIDATION_PREVIEW'])
    .optional()
    .openapi({ description: 'VALIDATION_PREVIEW: Amazon validates the change and applies nothing' }),
});

const Entries = z.array(z.record(z.string(), z.unknown()));

const PutBodySchema = z
  .object({
    productType: z.string().openapi({ example: 'SHIRT' }),
    requirements: z.enum(['LISTING', 'LISTING_PRODUCT_ONLY', 'LISTING_OFFER_ONLY']).optional(),
    attributes: z.record(z.string(), Entries),
  })
  .strict()
  .openapi('ListingsItemPutRequest');

const PatchBodySchema = z
  .object({
    productType: z.string().openapi({ example: 'SHIRT' }),
    patches: z
      .array(
        z
          .object({
            op: z.enum(['add', 'replace', 'merge', 'delete']),
            path: z.string().openapi({ example: '/attributes/purchasable_offer' }),
            value: Entries.optional(),
          })
          .strict(),
      )
      .min(1),
  })
  .strict()
  .openapi('ListingsItemPatchRequest');

const IssueSchema = z.object({
  code: z.string(),
  message: z.string(),
  severity: z.enum(['ERROR', 'WARNING', 'INFO']),
  attributeNames: z.array(z.string()),
});

export const ListingChangeSchema = z
  .object({
    id: z.string().openapi({ description: 'The change id' }),
    connectionId: z.string(),
    sku: z.string(),
    marketplaceId: z.string(),
    kind: z.enum(['put', 'patch', 'delete']),
    preview: z.boolean(),
    state: z
      .enum(['queued', 'waiting', 'sending', 'accepted', 'rejected', 'valid', 'failed', 'superseded'])
      .openapi({
        description:
          'queued → sending → accepted | rejected (INVALID) | valid (preview) | failed; waiting = waiting for the connection; superseded = made unnecessary by a later change before it was sent (only changes recorded by earlier versions)',
      }),
    stateLabel: z.string().openapi({ example: 'waiting for the connection' }),
    stateReason: z.string().nullable(),
    supersededBy: z.string().nullable(),
    amazonStatus: z.string().nullable().openapi({ description: 'ACCEPTED, INVALID or VALID (preview)' }),
    submissionId: z.string().nullable(),
    issues: z.array(IssueSchema),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    attempts: z.number().int(),
    body: z.record(z.string(), z.unknown()).nullable(),
    source: z.string(),
    createdBy: z.string(),
    createdAt: z.string(),
    sentAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
  })
  .openapi('ListingChange');

const ChangeListSchema = z.object({ changes: z.array(ListingChangeSchema) }).openapi('ListingChangeList');

export function changeView(c: ListingChange): z.infer<typeof ListingChangeSchema> {
  return {
    id: c.id,
    connectionId: c.connectionId,
    sku: c.sku,
    marketplaceId: c.marketplaceId,
    kind: c.kind,
    preview: c.preview,
    state: c.state,
    stateLabel: c.stateLabel,
    stateReason: c.stateReason,
    supersededBy: c.supersededBy,
    amazonStatus: c.amazonStatus,
    submissionId: c.submissionId,
    issues: c.issues,
    error: c.error,
    attempts: c.attempts,
    body: c.body,
    source: c.source,
    createdBy: c.createdBy,
    createdAt: c.createdAt.toISOString(),
    sentAt: c.sentAt?.toISOString() ?? null,
    finishedAt: c.finishedAt?.toISOString() ?? null,
  };
}

const accepted = {
  202: {
    description:
      'Queued: the change id and state (queued, or waiting for the connection); Amazon is called later',
    content: { 'application/json': { schema: ListingChangeSchema } },
  },
  ...commonErrors,
  404: errorResponse('No such connection for this key (CONNECTION_NOT_FOUND)'),
} as const;

/** The answers of the two routes that list changes (a SKU's history, a connection's latest). */
const changeList = {
  200: { description: 'The changes', content: { 'application/json': { schema: ChangeListSchema } } },
  ...commonErrors,
  404: errorResponse('No such connection for this key (CONNECTION_NOT_FOUND)'),
} as const;

const describe = (what: string) =>
  `${what} Sellerlink stores the change in its outbox and answers at once (202) with its id; a worker sends it to Amazon at the Listings usage-plan bound, per connection in order. Every change is sent, in order for its SKU (none is replaced unsent); transient Amazon failures are retried for hours. While the connection cannot call Amazon (renewal needed, or the app's credentials refused) the change waits ("waiting for the connection") and goes out once it works again. Follow the result with GET /v1/listing-changes/{changeId}.`;

/** PUT and PATCH of one SKU: the same path, parameters and answers; `schema` is the request body. */
const submitRoute = <M extends 'put' | 'patch', S extends z.ZodType>(
  method: M,
  operationId: string,
  summary: string,
  what: string,
  schema: S,
) =>
  createRoute({
    method,
    path: '/v1/connections/{id}/listings/{sku}',
    operationId,
    tags: ['Listings'],
    summary,
    description: describe(what),
    security: [{ apiKey: [] }],
    request: {
      params: ItemParams,
      query: SubmitQuery,
      body: { required: true, content: { 'application/json': { schema } } },
    },
    responses: accepted,
  });

export const putListingRoute = submitRoute(
  'put',
  'putListing',
  'Queue a full listing (putListingsItem)',
  'Creates or fully replaces a listing; the body is Listings Items 2021-08-01 `ListingsItemPutRequest`.',
  PutBodySchema,
);

export const patchListingRoute = submitRoute(
  'patch',
  'patchListing',
  'Queue a partial update (patchListingsItem)',
  'Changes some attributes; the body is `ListingsItemPatchRequest` (JSON patches on /attributes/<name>).',
  PatchBodySchema,
);

export const deleteListingRoute = createRoute({
  method: 'delete',
  path: '/v1/connections/{id}/listings/{sku}',
  operationId: 'deleteListing',
  tags: ['Listings'],
  summary: 'Queue a delete (deleteListingsItem)',
  description: describe('Deletes the listing in the marketplace.'),
  security: [{ apiKey: [] }],
  request: { params: ItemParams, query: SubmitQuery.pick({ marketplaceIds: true }) },
  responses: accepted,
});

export const listingHistoryRoute = createRoute({
  method: 'get',
  path: '/v1/connections/{id}/listings/{sku}',
  operationId: 'getListingHistory',
  tags: ['Listings'],
  summary: "A SKU's changes",
  description:
    "Every change to the SKU, newest first, with state, Amazon's status, submission id and issues.",
  security: [{ apiKey: [] }],
  request: { params: ItemParams },
  responses: changeList,
});

export const listListingChangesRoute = createRoute({
  method: 'get',
  path: '/v1/connections/{id}/listings',
  operationId: 'listListingChanges',
  tags: ['Listings'],
  summary: "A connection's latest listing changes",
  description: 'Newest first, at most `limit` (default 50, at most 1000), optionally in one state.',
  security: [{ apiKey: [] }],
  request: {
    params: ConnectionParams,
    query: z.object({
      state: z
        .enum(['queued', 'waiting', 'sending', 'accepted', 'rejected', 'valid', 'failed', 'superseded'])
        .optional(),
      limit: z.coerce.number().int().min(1).max(1000).optional(),
    }),
  },
  responses: changeList,
});

export const getListingChangeRoute = createRoute({
  method: 'get',
  path: '/v1/listing-changes/{changeId}',
  operationId: 'getListingChange',
  tags: ['Listings'],
  summary: 'One listing change and its result',
  security: [{ apiKey: [] }],
  request: { params: ChangeParams },
  responses: {
    200: { description: 'The change', content: { 'application/json': { schema: ListingChangeSchema } } },
    ...commonErrors,
    404: errorResponse('No such change for this key (LISTING_CHANGE_NOT_FOUND)'),
  },
});

/** The listings routes: queue PUT / PATCH / DELETE, read changes and history, and the catalog. */
export function registerListingRoutes(
  app: OpenAPIHono<ApiEnv>,
  deps: ApiDeps,
  listings: ListingOutbox,
): void {
  /**
   * Queues one change for the calling key and returns its view. PUT and PATCH carry a body and
   * honour `mode=VALIDATION_PREVIEW`; a DELETE has neither.
   */
  const queue = async (
    principal: ApiPrincipal,
    { id, sku }: { id: string; sku: string },
    query: { marketplaceIds?: string | undefined; mode?: 'VALIDATION_PREVIEW' | undefined },
    kind: 'put' | 'patch' | 'delete',
    body?: unknown,
  ) => {
    const change = await listings.submit(
      principal.viewer,
      id,
      {
        sku,
        kind,
        ...(kind === 'delete' ? {} : { body, preview: query.mode === 'VALIDATION_PREVIEW' }),
        ...(query.marketplaceIds ? { marketplaceId: query.marketplaceIds } : {}),
      },
      { source: 'api', actor: `api:${principal.prefix}` },
    );
    return changeView(change);
  };

  for (const [route, kind] of [
    [putListingRoute, 'put'],
    [patchListingRoute, 'patch'],
  ] as const) {
    app.openapi(route, async (c) => {
      const change = await queue(
        c.get('principal'),
        c.req.valid('param'),
        c.req.valid('query'),
        kind,
        c.req.valid('json'),
      );
      return c.json(change, 202);
    });
  }

  app.openapi(deleteListingRoute, async (c) => {
    const change = await queue(c.get('principal'), c.req.valid('param'), c.req.valid('query'), 'delete');
    return c.json(change, 202);
  });

  app.openapi(listingHistoryRoute, async (c) => {
    const { id, sku } = c.req.valid('param');
    const changes = await listings.history(c.get('principal').viewer, id, sku);
    return c.json({ changes: changes.map(changeView) }, 200);
  });

  app.openapi(listListingChangesRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { state, limit } = c.req.valid('query');
    const changes = await listings.recent(c.get('principal').viewer, id, {
      ...(state ? { state } : {}),
      ...(limit ? { limit } : {}),
    });
    return c.json({ changes: changes.map(changeView) }, 200);
  });

  app.openapi(getListingChangeRoute, async (c) => {
    const { changeId } = c.req.valid('param');
    const change = await listings.get(c.get('principal').viewer, changeId);
    return c.json(changeView(change), 200);
  });

  registerCatalogRoutes(app, listings);
}
