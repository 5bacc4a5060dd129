import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './schema.js';

/**
 * The typed client for Sellerlink's REST API, shipped as `sellerlink/client`: openapi-fetch over
 * types generated from the API's OpenAPI document (`src/client/schema.ts`, by
 * `npm run generate:client`). It imports nothing of Sellerlink but those types, so the vendor's
 * software can use it without the service.
 * @see https://openapi-ts.dev/openapi-fetch/
 */

export type { components, operations, paths } from './schema.js';

/** What `createSellerlinkClient` needs. */
export interface SellerlinkClientOptions {
  /** The API's root: the portal's public URL followed by `/api`, e.g. `https://sellerlink.example.com/api`. */
  baseUrl: string;
  /** An API key (`slk_…`), sent as `Authorization: Bearer <key>` on every request. */
  apiKey: string;
  /** The fetch to use (default: the global fetch); it receives a `Request`. */
  fetch?: (request: Request) => Promise<Response>;
}

/** A client whose `GET`, `POST`, … take the API's paths and answer `{ data, error, response }`, all typed. */
export type SellerlinkClient = Client<paths>;

/** Creates the typed REST API client: every request carries the API key as a bearer token. */
export function createSellerlinkClient(options: SellerlinkClientOptions): SellerlinkClient {
  return createClient<paths>({
    baseUrl: options.baseUrl,
    headers: { authorization: `Bearer ${options.apiKey}` },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
