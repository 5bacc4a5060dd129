import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { AppError } from '../../kernel/errors.js';
import type { ApiEnv, ApiWebhookEndpoint, ApiWebhooks } from '../context.js';
import { commonErrors, errorResponse } from '../schemas.js';

/**
 * `GET /v1/webhooks` and `POST /v1/webhooks/{id}/test`: the key's webhook endpoints (added in the
 * portal, which shows each signing secret once), and a `webhook.test` event sent to one of them,
 * signed and logged like any other event (docs/notifications.md, "Test events").
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const EndpointSchema = z
  .object({
    id: z.string(),
    scope: z.string().openapi({ description: 'The account id, or `operators`' }),
    url: z.string(),
    description: z.string().nullable(),
    eventTypes: z.array(z.string()).openapi({ description: 'Empty: every event type' }),
    createdAt: z.string(),
  })
  .openapi('WebhookEndpoint');

const TestSentSchema = z
  .object({
    eventId: z.string().openapi({
      description: 'The test event’s id as the endpoint receives it (`Sellerlink-Event-Id`, the body’s `id`)',
      example: 'evt_42',
    }),
    endpointId: z.string(),
    type: z.literal('webhook.test'),
  })
  .openapi('WebhookTestSent');

const IdParams = z.object({
  id: z
    .string()
    .regex(UUID, 'must be a webhook endpoint id (a UUID)')
    .openapi({ param: { name: 'id', in: 'path' } }),
});

const listRoute = createRoute({
  method: 'get',
  path: '/v1/webhooks',
  operationId: 'listWebhookEndpoints',
  tags: ['Webhooks'],
  summary: 'List webhook endpoints',
  description:
    "The webhook endpoints of the key's account (an operator key: `scope`, an account id or `operators`, the default). Endpoints are added in the portal, which shows each signing secret once.",
  security: [{ apiKey: [] }],
  request: { query: z.object({ scope: z.string().optional() }) },
  responses: {
    200: {
      description: 'The endpoints, newest first',
      content: { 'application/json': { schema: z.object({ endpoints: z.array(EndpointSchema) }) } },
    },
    ...commonErrors,
    403: errorResponse('The key may not see that scope (NOTIFY_FORBIDDEN)'),
  },
});

const testRoute = createRoute({
  method: 'post',
  path: '/v1/webhooks/{id}/test',
  operationId: 'sendWebhookTestEvent',
  tags: ['Webhooks'],
  summary: 'Send a test event',
  description:
    'Records a `webhook.test` event for this endpoint only: it is POSTed within seconds, signed with the endpoint’s secret like every event, retried on failure, and listed in the delivery log. Use it to check that a new receiver verifies signatures.',
  security: [{ apiKey: [] }],
  request: { params: IdParams },
  responses: {
    202: { description: 'Queued', content: { 'application/json': { schema: TestSentSchema } } },
    ...commonErrors,
    404: errorResponse('No such endpoint for this key (NOTIFY_ENDPOINT_NOT_FOUND)'),
  },
});

const endpointView = (e: ApiWebhookEndpoint): z.infer<typeof EndpointSchema> => ({
  id: e.id,
  scope: e.scope,
  url: e.url,
  description: e.description,
  eventTypes: [...e.eventTypes],
  createdAt: e.createdAt.toISOString(),
});

/** The notify refusals as API errors (403, 404); anything else goes to the API's error mapping. */
function refusal(err: unknown): { status: 403 | 404; body: { error: { code: string; message: string } } } {
  const code: string = err instanceof AppError ? String((err as AppError<string>).code) : '';
  if (code !== 'NOTIFY_FORBIDDEN' && code !== 'NOTIFY_ENDPOINT_NOT_FOUND') throw err;
  const message = (err as Error).message;
  return { status: code === 'NOTIFY_FORBIDDEN' ? 403 : 404, body: { error: { code, message } } };
}

/** Registers the webhook routes. */
export function registerWebhookRoutes(app: OpenAPIHono<ApiEnv>, webhooks: ApiWebhooks): void {
  app.openapi(listRoute, async (c) => {
    try {
      const endpoints = await webhooks.listEndpoints(c.get('principal').viewer, c.req.valid('query').scope);
      return c.json({ endpoints: endpoints.map(endpointView) }, 200);
    } catch (err) {
      const r = refusal(err);
      return c.json(r.body, 403);
    }
  });
  app.openapi(testRoute, async (c) => {
    try {
      const sent = await webhooks.sendTestEvent(c.get('principal').viewer, c.req.valid('param').id);
      await webhooks.nudge?.().catch(() => {});
      return c.json(
        { eventId: `evt_${sent.eventId}`, endpointId: sent.endpoint.id, type: 'webhook.test' as const },
        202,
      );
    } catch (err) {
      return c.json(refusal(err).body, 404);
    }
  });
}
