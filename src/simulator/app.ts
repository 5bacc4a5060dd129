import { Hono } from 'hono';
import { createOffsetClock, systemClock, type Clock, type OffsetClock } from '../kernel/clock.js';
import { createSeededRandom, cryptoRandom, randomToken, randomUuid, type Random } from '../kernel/random.js';
import { resolveSimulatorConfig, type SimulatorConfig } from './config.js';
import type { SimContext, SimEnv } from './context.js';
import { MIN_CONTROL_TOKEN_LENGTH, newControlToken, registerControlGuard } from './control-auth.js';
import { registerControls } from './controls.js';
import { registerAdsApi } from './ads-api.js';
import { registerAdsConsent } from './ads-consent.js';
import { registerAdsControls } from './ads-controls.js';
import { SimulatedDrop, spapiError } from './http.js';
import { registerListingControls } from './listings-controls.js';
import { registerIndexPage } from './index-page.js';
import { registerLwa } from './lwa.js';
import { registerNotificationControls } from './notifications.js';
import { registerOrderControls } from './orders-generator.js';
import { registerReportControls } from './reports-controls.js';
import { registerReportDownloads } from './reports-documents.js';
import { routeRegion } from './region.js';
import { registerStaticSandbox } from './static-sandbox.js';
import { registerSellerCentral } from './seller-central/index.js';
import { applicationsOperations } from './spapi/applications.js';
import { listingsOperations } from './spapi/listings.js';
import { ordersOperations } from './spapi/orders.js';
import { ordersV0Operations } from './spapi/orders-v0.js';
import { reportsOperations } from './spapi/reports.js';
import { registerOperations } from './spapi/pipeline.js';
import { sellersOperations } from './spapi/sellers.js';
import { tokensOperations } from './spapi/restricted-data-tokens.js';
import { createEmptyState, type SimState } from './state.js';

export interface SimulatorOptions {
  config?: Partial<SimulatorConfig>;
  /** Simulated clock; defaults to the real clock with a movable offset. */
  clock?: OffsetClock;
  /** Real clock for token buckets and latency. */
  realClock?: Clock;
  /** Defaults to a PRNG seeded from `config.seed`. */
  random?: Random;
  /** Outgoing HTTP for notification deliveries. */
  fetch?: typeof fetch;
  state?: SimState;
  /**
   * The token the `/_sim/` controls demand (at least 32 characters); default a fresh 256-bit token
   * drawn from `secretRandom`.
   */
  controlToken?: string;
  /** Randomness for the control token; defaults to node:crypto (never the seeded `random`). */
  secretRandom?: Random;
  /**
   * The only directory `POST /_sim/state/save|load` read and write (plain file names inside it);
   * absent: those two controls are refused.
   */
  stateDir?: string;
}

/** A running simulator: a web-standard `fetch` that serves all of Amazon, and its controls. */
export interface Simulator {
  readonly app: Hono<SimEnv>;
  readonly ctx: SimContext;
  /** The token of the `/_sim/` controls (`Authorization: Bearer <token>`): a secret, never logged. */
  readonly controlToken: string;
  /**
   * Handles one request. `onDrop`, when given, is called instead of rejecting when a fault drops
   * the connection (the HTTP server destroys the socket there).
   */
  fetch(request: Request, onDrop?: () => void): Promise<Response>;
  /** Stops timers (order generators) so the process can exit. */
  stop(): void;
}

/** Every SP-API operation the simulator implements. */
export const ALL_OPERATIONS = [
  ...sellersOperations,
  ...ordersOperations,
  ...ordersV0Operations,
  ...listingsOperations,
  ...tokensOperations,
  ...applicationsOperations,
  ...reportsOperations,
];

/** Builds the simulator. Nothing listens on a port: see server.ts for that. */
export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const config = resolveSimulatorConfig(options.config);
  const controlToken = options.controlToken ?? newControlToken(options.secretRandom ?? cryptoRandom);
  if (controlToken.length < MIN_CONTROL_TOKEN_LENGTH || /\s/.test(controlToken)) {
    throw new RangeError(
      `the simulator's control token must be at least ${MIN_CONTROL_TOKEN_LENGTH} characters without spaces`,
    );
  }
  const stopHooks: (() => void)[] = [];
  const ctx: SimContext = {
    state: options.state ?? createEmptyState(),
    config,
    clock: options.clock ?? createOffsetClock(systemClock),
    realClock: options.realClock ?? systemClock,
    random: options.random ?? createSeededRandom(config.seed),
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    onStop: (hook) => stopHooks.push(hook),
  };

  const app = new Hono<SimEnv>();
  app.onError((err, c) => {
    if (err instanceof SimulatedDrop) throw err;
    console.error('simulator: unhandled error', err);
    return spapiError(c, 500, 'InternalFailure', 'We encountered an internal error. Please try again.');
  });
  registerControlGuard(app, controlToken);
  registerIndexPage(app, ctx);
  registerControls(app, ctx, { stateDir: options.stateDir ?? null });
  registerOrderControls(app, ctx);
  registerListingControls(app, ctx);
  registerNotificationControls(app, ctx);
  registerReportControls(app, ctx);
  registerStaticSandbox(app, ctx);
  // Report document URLs are signed with a secret of this run (never the seeded `random`).
  registerReportDownloads(app, ctx, Buffer.from(randomToken(options.secretRandom ?? cryptoRandom, 32)));
  registerLwa(app, ctx);
  registerSellerCentral(app, ctx);
  // Amazon Ads: controls, the Login with Amazon consent pages (after Seller Central's `/ap/*` page headers) and the API.
  registerAdsControls(app, ctx);
  registerAdsConsent(app, ctx);
  registerAdsApi(app, ctx);
  registerOperations(app, ctx, ALL_OPERATIONS);
  // Unknown paths: the SP-API error shape, with x-amzn-RequestId like every answer.
  app.notFound((c) => spapiError(c, 404, 'NotFound', 'Resource not found.', `${c.req.method} ${c.req.path}`));

  return {
    app,
    ctx,
    controlToken,
    async fetch(request, onDrop) {
      const url = new URL(request.url);
      const route = routeRegion(request.headers.get('host') ?? url.host, url.pathname);
      // A region prefix is stripped; an Ads API host's root path gains `/ads-api` (region.ts).
      const rewritten = route.prefix !== '' || route.path !== url.pathname;
      url.pathname = route.path;
      const inner = rewritten ? new Request(url, request) : request;
      const bindings = { region: route.region, prefix: route.prefix, requestId: randomUuid(ctx.random) };
      try {
        return await withContentLength(await app.fetch(inner, bindings));
      } catch (err) {
        if (err instanceof SimulatedDrop) {
          if (onDrop) {
            onDrop();
            return new Response(null, { status: 502 });
          }
          throw new TypeError('fetch failed', { cause: err });
        }
        throw err;
      }
    },
    stop() {
      for (const hook of stopHooks.splice(0)) hook();
    },
  };
}

/**
 * Answers with the whole body and its `Content-Length`, never chunked, as Amazon's gateway does
 * (https://developer-docs.amazon.com/sp-api/docs/response-format lists Content-Length among the headers; a
 * throttled answer in amzn/selling-partner-api-models#746 shows it too). A response that is already
 * sized or has no body is passed through.
 */
async function withContentLength(response: Response): Promise<Response> {
  if (response.body === null || response.headers.has('content-length')) return response;
  const body = await response.arrayBuffer();
  const headers = new Headers(response.headers);
  headers.set('Content-Length', String(body.byteLength));
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}
