import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { CatalogEntry, CatalogSync } from '../../listings/catalog-reads.js';
import type { ListingOutbox } from '../../listings/outbox.js';
import type { ApiEnv } from '../context.js';
import { commonErrors, errorResponse } from '../schemas.js';

/** `GET /v1/connections/{id}/catalog`: the seller's catalog as Sellerlink last read it from Amazon. */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PAGE_MAX = 1000;

const Params = z.object({
  id: z
    .string()
    .regex(UUID, 'must be a connection id (a UUID)')
    .openapi({ param: { name: 'id', in: 'path' }, description: 'The connection id' }),
});

const Query = z.object({
  marketplaceId: z
    .string()
    .optional()
    .openapi({
      param: { name: 'marketplaceId', in: 'query' },
      description: 'Only this marketplace',
      example: 'ATVPDKIKX0DER',
    }),
  filter: z
    .enum(['error', 'inactive'])
    .optional()
    .openapi({
      param: { name: 'filter', in: 'query' },
      description:
        '`error`: items with at least one ERROR issue; `inactive`: items neither buyable nor discoverable',
    }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(PAGE_MAX)
    .optional()
    .openapi({
      param: { name: 'limit', in: 'query' },
      description: `Items per page (1-${PAGE_MAX}, default 100)`,
      example: 100,
    }),
  cursor: z
    .string()
    .max(400)
    .optional()
    .openapi({ param: { name: 'cursor', in: 'query' }, description: '`nextCursor` of the previous page' }),
});

const IssueSchema = z.object({
  code: z.string(),
  message: z.string(),
  severity: z.enum(['ERROR', 'WARNING', 'INFO']),
  attributeNames: z.array(z.string()),
});

const Timestamp = z.string().openapi({ format: 'date-time', example: '2027-03-01T12:00:00.000Z' });

export const CatalogItemSchema = z
  .object({
    marketplaceId: z.string(),
    sku: z.string(),
    asin: z.string().nullable(),
    productType: z.string().nullable(),
    itemName: z.string().nullable(),
    conditionType: z.string().nullable(),
    statuses: z.array(z.string()).openapi({ description: "Amazon's summary status: BUYABLE, DISCOVERABLE" }),
    issues: z.array(IssueSchema),
    price: z
      .object({
        amount: z.string().openapi({ example: '19.99' }),
        currency: z.string().openapi({ example: 'USD' }),
      })
      .nullable(),
    quantity: z.number().int().nullable().openapi({ description: 'Merchant-fulfilled quantity' }),
    attributes: z.record(z.string(), z.unknown()).nullable(),
    createdDate: Timestamp.nullable(),
    lastUpdatedDate: Timestamp.nullable(),
    refreshedAt: Timestamp.openapi({ description: 'When Sellerlink last read this item from Amazon' }),
  })
  .openapi('CatalogItem');

const RefreshSchema = z
  .object({
    status: z.enum(['running', 'done', 'paused', 'failed']),
    items: z.number().int(),
    reason: z.string().nullable(),
    lastStartedAt: Timestamp,
    lastFinishedAt: Timestamp.nullable(),
  })
  .openapi('CatalogRefresh');

const CatalogPageSchema = z
  .object({
    items: z.array(CatalogItemSchema),
    nextCursor: z.string().nullable(),
    refresh: RefreshSchema.nullable().openapi({
      description: 'The latest refresh from Amazon; null before the first',
    }),
  })
  .openapi('CatalogPage');

export const listCatalogRoute = createRoute({
  method: 'get',
  path: '/v1/connections/{id}/catalog',
  operationId: 'listCatalog',
  tags: ['Listings'],
  summary: "The seller's catalog on Amazon",
  description:
    "The connection's listings as Amazon lists them (searchListingsItems, Listings Items 2021-08-01), with their status, issues, price and quantity, by marketplace then SKU. Sellerlink reads them again every 15 minutes, paced by the operation's usage plan. A page at a time: `limit` (1-1000, default 100) and `cursor` (the previous page's `nextCursor`). The changes Sellerlink sent: `/v1/connections/{id}/listings`.",
  security: [{ apiKey: [] }],
  request: { params: Params, query: Query },
  responses: {
    200: {
      description: 'One page of the catalog',
      content: { 'application/json': { schema: CatalogPageSchema } },
    },
    ...commonErrors,
    404: errorResponse('No such connection for this key (CONNECTION_NOT_FOUND)'),
  },
});

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function itemView(e: CatalogEntry): z.infer<typeof CatalogItemSchema> {
  return {
    ...e,
    createdDate: iso(e.createdDate),
    lastUpdatedDate: iso(e.lastUpdatedDate),
    refreshedAt: e.refreshedAt.toISOString(),
  };
}

function refreshView(s: CatalogSync | null): z.infer<typeof RefreshSchema> | null {
  return s
    ? { ...s, lastStartedAt: s.lastStartedAt.toISOString(), lastFinishedAt: iso(s.lastFinishedAt) }
    : null;
}

/** Registers `GET /v1/connections/{id}/catalog`. */
export function registerCatalogRoutes(app: OpenAPIHono<ApiEnv>, listings: ListingOutbox): void {
  app.openapi(listCatalogRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { marketplaceId, filter, limit, cursor } = c.req.valid('query');
    const viewer = c.get('principal').viewer;
    const page = await listings.catalog.page(viewer, id, {
      ...(marketplaceId === undefined ? {} : { marketplaceId }),
      ...(filter === undefined ? {} : { filter }),
      ...(limit === undefined ? {} : { limit }),
      ...(cursor === undefined ? {} : { cursor }),
    });
    const sync = await listings.catalog.sync(viewer, id);
    return c.json(
      { items: page.items.map(itemView), nextCursor: page.nextCursor, refresh: refreshView(sync) },
      200,
    );
  });
}
