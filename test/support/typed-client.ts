import { createSellerlinkClient, type SellerlinkClient } from '../../src/client/index.js';
import type { FetchLike } from './http-browser.js';
import { inProcessFetch, type ServiceLike } from './in-process.js';

/**
 * The typed REST API client (`sellerlink/client`, src/client/) for the service under test. Its
 * calls are typed by the generated schema (src/client/schema.ts), so a test that uses it also fails
 * to compile when the schema and the way the API is called drift apart. openapi-fetch reads every
 * answer's body (into `data` or `error`); the text the service sent stays readable through
 * `bodyTextOf`, for the tests that search it.
 * @see https://openapi-ts.dev/openapi-fetch/
 */

/** The text of every answer a typed test client received, by the `Response` it returned. */
const bodies = new WeakMap<Response, Promise<string>>();

/**
 * A typed client that sends `Authorization: Bearer <apiKey>` to `svc.url + '/api'`, in process
 * (in-process.ts) unless `options.fetch` says otherwise (e.g. the network, for a service in a
 * browser test).
 */
export function typedClient(
  svc: ServiceLike,
  apiKey: string,
  options: { fetch?: FetchLike } = {},
): SellerlinkClient {
  const send = options.fetch ?? inProcessFetch(svc);
  return createSellerlinkClient({
    baseUrl: `${svc.url}/api`,
    apiKey,
    fetch: async (request) => {
      const response = await send(request);
      bodies.set(response, response.clone().text());
      return response;
    },
  });
}

/** The body of an answer a `typedClient` received, as the text the service sent. */
export function bodyTextOf(response: Response): Promise<string> {
  const text = bodies.get(response);
  if (!text) throw new Error('not an answer of a typedClient');
  return text;
}
