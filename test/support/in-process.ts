import { createHttpBrowser, type BrowserOptions, type FetchLike, type HttpBrowser } from './http-browser.js';
import type { TestService } from './service.js';

/**
 * In-process requests to the service under test: a request for the service's origin goes straight
 * to its web app's handler (`svc.service.fetch`, Hono's `app.fetch`, what `app.request` calls), with
 * no socket, port or HTTP parsing in between; every other origin (the simulator, which is Amazon to
 * the service) goes over the network. Requests in process carry no client address (there is no
 * socket), so tests of what the socket gives keep to real HTTP.
 * @see https://hono.dev/docs/guides/testing
 */

/**
 * Where the service is and, when it runs in this process, its handler. A service in another process
 * (`{ url }` only, or a handler of `null`) is reached over the network.
 */
export interface ServiceLike {
  url: TestService['url'];
  service?: { fetch: TestService['service']['fetch'] } | undefined;
}

/** Sends the service's requests to its handler in process and the rest to `network` (global fetch). */
export function inProcessFetch(
  svc: ServiceLike,
  network: FetchLike = (request) => fetch(request),
): FetchLike {
  return (request) => {
    const handler = svc.service?.fetch;
    return handler && new URL(request.url).origin === new URL(svc.url).origin
      ? handler(request)
      : network(request);
  };
}

/** A test browser over `inProcessFetch(svc)` (unless `options.fetch` says otherwise). */
export function inProcessBrowser(svc: ServiceLike, options: BrowserOptions = {}): HttpBrowser {
  return createHttpBrowser({ ...options, fetch: options.fetch ?? inProcessFetch(svc) });
}

/**
 * One request to `svc.url + path`, in process. Like `fetch(url, { redirect: 'manual' })`: a
 * redirect is the answer, not followed.
 */
export function request(svc: ServiceLike, path: string, init: RequestInit = {}): Promise<Response> {
  return inProcessFetch(svc)(new Request(`${svc.url}${path}`, { redirect: 'manual', ...init }));
}
