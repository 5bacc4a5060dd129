import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiEnv } from './context.js';

/** The OpenAPI 3.0 document the API's routes describe (validation and document share one schema). */
export type OpenApiDocument = ReturnType<OpenAPIHono['getOpenAPIDocument']>;

export const API_VERSION = '1.0.0';

/** Every error code the API answers with, its status, and what the caller should do. */
export const API_ERROR_CODES: readonly { code: string; status: string; meaning: string }[] = [
  { code: 'VALIDATION_FAILED', status: '400', meaning: 'Bad input; `field` names it. Nothing was changed.' },
  {
    code: 'SPAPI_PATH_REFUSED',
    status: '400',
    meaning: 'The proxy path is not an SP-API path (or not forwarded).',
  },
  { code: 'API_KEY_MISSING', status: '401', meaning: 'No `Authorization: Bearer slk_…` header.' },
  { code: 'API_KEY_INVALID', status: '401', meaning: 'The key is unknown or malformed.' },
  { code: 'API_KEY_REVOKED', status: '401', meaning: 'The key was revoked; create a new one.' },
  { code: 'SPAPI_UNAUTHORIZED', status: '403', meaning: 'Amazon denied the call (the app may lack a role).' },
  {
    code: 'CONNECTION_NOT_FOUND',
    status: '404',
    meaning: 'No such connection for this key (other accounts look the same).',
  },
  { code: 'NOT_FOUND', status: '404', meaning: 'No such API route.' },
  {
    code: 'RETURN_URL_NOT_ALLOWED',
    status: '400',
    meaning: "A connect link's returnUrl is not on the account's allow-list.",
  },
  {
    code: 'CONNECT_NOT_FOUND',
    status: '404',
    meaning: 'No such account, connection or connect session for this key.',
  },
  {
    code: 'ACCOUNT_EXISTS / ACCOUNT_HAS_CONNECTIONS',
    status: '409',
    meaning: 'Provisioning: the externalId is taken (use PUT), or the account still has live connections.',
  },
  {
    code: 'CONNECT_UNAVAILABLE / CONNECT_NOT_RENEWABLE',
    status: '409',
    meaning: 'No application of that API is registered, or the connection is renewed by import.',
  },
  { code: 'LISTING_CHANGE_NOT_FOUND', status: '404', meaning: 'No such listing change for this key.' },
  {
    code: 'METHOD_NOT_ALLOWED',
    status: '405',
    meaning: 'The proxy forwards GET, POST, PUT, PATCH and DELETE only.',
  },
  {
    code: 'TOKEN_CONNECTION_REVOKED',
    status: '409',
    meaning: 'Amazon no longer accepts the authorization; the seller must renew (link in the message).',
  },
  {
    code: 'TOKEN_CONNECTION_EXPIRED',
    status: '409',
    meaning: 'The 365-day authorization ended; the seller must renew (link in the message).',
  },
  {
    code: 'TOKEN_CONNECTION_DISCONNECTED',
    status: '409',
    meaning: 'Disconnected in Sellerlink; the seller must connect again (link in the message).',
  },
  { code: 'PAYLOAD_TOO_LARGE', status: '413', meaning: 'The request body is too large.' },
  { code: 'UNSUPPORTED_MEDIA_TYPE', status: '415', meaning: 'Request bodies must be JSON.' },
  {
    code: 'SPAPI_THROTTLED',
    status: '429',
    meaning: 'Amazon throttled the call after retries; see Retry-After.',
  },
  { code: 'INTERNAL', status: '500', meaning: 'Unexpected failure; nothing was changed. Retry.' },
  {
    code: 'TOKEN_APPLICATION_REJECTED',
    status: '502',
    meaning: "Amazon refused the vendor app's client secret; an operator must update it.",
  },
  { code: 'SPAPI_SERVER_ERROR / SPAPI_*', status: '502', meaning: 'Amazon failed or answered unexpectedly.' },
  {
    code: 'TOKEN_REFRESH_FAILED',
    status: '503',
    meaning: 'Amazon could not be reached to refresh; see Retry-After.',
  },
  {
    code: 'SPAPI_UNAVAILABLE',
    status: '503',
    meaning: 'Amazon is temporarily unavailable; see Retry-After.',
  },
  { code: 'AMAZON_TIMEOUT', status: '504', meaning: 'Amazon did not answer in time.' },
];

/** Registers the bearer-key security scheme the routes refer to. */
export function registerSecurityScheme(app: OpenAPIHono<ApiEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'slk_<prefix>_<secret>',
    description:
      'An API key created on the portal (API keys page) or with `sellerlink api-keys create`. Send it as `Authorization: Bearer slk_…`.',
  });
}

/** The document for `/api/openapi.json`: every route, the server at `<publicUrl>/api`. */
export function buildOpenApiDocument(app: OpenAPIHono<ApiEnv>, publicUrl: string): OpenApiDocument {
  return app.getOpenAPIDocument({
    openapi: '3.0.3',
    info: {
      title: 'Sellerlink API',
      version: API_VERSION,
      description:
        'For the vendor\'s software: the state of sellers\' Amazon connections, access tokens and Restricted Data Tokens for them (never refresh tokens), and an SP-API proxy that adds auth, rate limits and retries. Every failure answers `{"error": {"code", "message", "field"?}}` with a stable code.',
    },
    servers: [{ url: `${publicUrl.replace(/\/$/, '')}/api` }],
    tags: [
      { name: 'Connections', description: "Sellers' authorizations and their health" },
      { name: 'Tokens', description: 'Access tokens and Restricted Data Tokens' },
      { name: 'SP-API proxy', description: 'Call SP-API for a connection without handling tokens' },
      { name: 'Listings', description: 'Listing changes through a durable outbox, and their results' },
    ],
  });
}
