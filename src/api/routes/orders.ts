import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { isStorableDate } from '../../kernel/input.js';
import type { Orders } from '../../orders/orders.js';
import { ORDER_STATUSES, type OrderSummary } from '../../orders/queries.js';
import type { ApiEnv } from '../context.js';
import { commonErrors, errorResponse } from '../schemas.js';

const isoDate = z
  .string()
  .refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 date or date-time')
  .refine((v) => isStorableDate(new Date(v)), 'must be a date in the years 1 to 9999')
  .transform((v) => new Date(v));

const ListOrdersQuery = z
  .object({
    connectionId: z.uuid().optional().openapi({ description: 'Only this connection' }),
    marketplaceId: z
      .string()
      .regex(/^[A-Z0-9]{5,20}$/, 'must be a marketplace id such as ATVPDKIKX0DER')
      .optional(),
    status: z.enum(ORDER_STATUSES).optional().openapi({ description: 'Fulfillment status' }),
    createdFrom: isoDate.optional().openapi({ description: 'createdTime ≥ this (ISO 8601)' }),
    createdTo: isoDate.optional().openapi({ description: 'createdTime < this (ISO 8601)' }),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(500).optional().openapi({ description: '`nextCursor` of the previous page' }),
  })
  .strict();

const OrderSummarySchema = z
  .object({
    orderId: z.string(),
    connectionId: z.uuid(),
    marketplaceId: z.string(),
    status: z.string(),
    createdTime: z.string(),
    lastUpdatedTime: z.string(),
    itemCount: z.number().int(),
    total: z.object({ amount: z.string(), currencyCode: z.string() }).nullable(),
    importedAt: z.string(),
  })
  .openapi('OrderSummary');

const OrderListSchema = z
  .object({ orders: z.array(OrderSummarySchema), nextCursor: z.string().nullable() })
  .openapi('OrderList');

const OrderDetailSchema = OrderSummarySchema.extend({
  order: z.record(z.string(), z.unknown()).openapi({
    description: 'The order as Amazon last returned it (Orders API 2026-01-01 `Order`, items included)',
  }),
  source: z.enum(['api', 'report']).openapi({
    description:
      'Where the stored version came from: `api` (searchOrders, the whole order) or `report` (an order-tracking report of a backfill: the `pendingFields` are missing until Amazon next updates the order)',
  }),
  pendingFields: z.array(z.string()).openapi({ description: 'Order fields not known yet (empty for `api`)' }),
}).openapi('OrderDetail');

const listOrdersRoute = createRoute({
  method: 'get',
  path: '/v1/orders',
  operationId: 'listOrders',
  tags: ['Orders'],
  summary: 'List imported orders',
  description:
    'Orders imported from Amazon for the connections this key may see, newest first (createdTime), with cursor pagination. Filter by connection, marketplace, fulfillment status and creation date.',
  security: [{ apiKey: [] }],
  request: { query: ListOrdersQuery },
  responses: {
    200: { description: 'A page of orders', content: { 'application/json': { schema: OrderListSchema } } },
    ...commonErrors,
  },
});

const getOrderRoute = createRoute({
  method: 'get',
  path: '/v1/orders/{orderId}',
  operationId: 'getOrder',
  tags: ['Orders'],
  summary: 'Get one imported order',
  description:
    'The newest imported version of the order, with its items. Pass `connectionId` when two connections see it.',
  security: [{ apiKey: [] }],
  request: {
    params: z.object({ orderId: z.string().min(1).max(64) }),
    query: z.object({ connectionId: z.uuid().optional() }).strict(),
  },
  responses: {
    200: { description: 'The order', content: { 'application/json': { schema: OrderDetailSchema } } },
    ...commonErrors,
    404: errorResponse('No such order for this key (ORDERS_NOT_FOUND)'),
  },
});

function summaryView(o: OrderSummary): z.infer<typeof OrderSummarySchema> {
  return {
    orderId: o.orderId,
    connectionId: o.connectionId,
    marketplaceId: o.marketplaceId,
    status: o.status,
    createdTime: o.createdTime.toISOString(),
    lastUpdatedTime: o.lastUpdatedTime.toISOString(),
    itemCount: o.itemCount,
    total: o.total,
    importedAt: o.importedAt.toISOString(),
  };
}

/** `GET /v1/orders` and `GET /v1/orders/{orderId}`. */
export function registerOrderRoutes(app: OpenAPIHono<ApiEnv>, orders: Orders): void {
  app.openapi(listOrdersRoute, async (c) => {
    const q = c.req.valid('query');
    const page = await orders.list(
      c.get('principal').viewer,
      {
        ...(q.connectionId ? { connectionId: q.connectionId } : {}),
        ...(q.marketplaceId ? { marketplaceId: q.marketplaceId } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(q.createdFrom ? { createdFrom: q.createdFrom } : {}),
        ...(q.createdTo ? { createdTo: q.createdTo } : {}),
      },
      { limit: q.limit, ...(q.cursor ? { cursor: q.cursor } : {}) },
    );
    return c.json({ orders: page.orders.map(summaryView), nextCursor: page.nextCursor }, 200);
  });

  app.openapi(getOrderRoute, async (c) => {
    const { orderId } = c.req.valid('param');
    const { connectionId } = c.req.valid('query');
    const order = await orders.get(c.get('principal').viewer, orderId, connectionId);
    return c.json(
      {
        ...summaryView(order),
        order: order.order,
        source: order.source,
        pendingFields: [...order.pendingFields],
      },
      200,
    );
  });
}
