import { createManualClock, HOUR, MINUTE } from '../../src/kernel/clock.js';
import { ALL_OPERATIONS, createSimulator, type Simulator } from '../../src/simulator/app.js';
import type { SimulatorConfig } from '../../src/simulator/config.js';
import { buildOrder } from '../../src/simulator/orders-build.js';
import { advanceOrder, setInitialStatus } from '../../src/simulator/orders-lifecycle.js';
import { DEMO, seedDemo } from '../../src/simulator/seed.js';
import type { Region, SimAuthorization, SimOrder } from '../../src/simulator/state.js';
import { authorize, issueAccessToken } from '../../src/simulator/world.js';
import {
  loadSpApiSchemas,
  type CheckedResponse,
  type ConformanceRecorder,
  type ModelName,
} from '../support/spapi-schemas.js';

/**
 * A demo world for the conformance tests: the demo apps and sellers (seed.ts), a user access token
 * per region for the published app, a grantless rotation token, and a recorder that validates every
 * SP-API response against Amazon's model for its operation and status (test/support/spapi-schemas.ts).
 * Real time is a manual clock, so usage-plan buckets refill only when a test moves it.
 */

export const START = Date.UTC(2026, 10, 22, 12, 0, 0);
export const HOSTS: Record<Region, string> = {
  NA: 'https://sellingpartnerapi-na.amazon.com',
  EU: 'https://sellingpartnerapi-eu.amazon.com',
  FE: 'https://sellingpartnerapi-fe.amazon.com',
};
export const SELLERS: Record<Region, string> = {
  NA: 'A1DEMOSELLERNA',
  EU: 'A1DEMOSELLEREU',
  FE: 'A1DEMOSELLERFE',
};
export const US = 'ATVPDKIKX0DER';
export const ROTATION_SCOPE = 'sellingpartnerapi::client_credential:rotation';

export const schemas = loadSpApiSchemas();

/** The model operation behind a simulator operation id (the simulator calls v0 getOrder `getOrderV0`). */
export function modelOperation(simOperationId: string): { model: ModelName; operationId: string } {
  if (simOperationId === 'getOrderV0') return { model: 'ordersV0', operationId: 'getOrder' };
  if (simOperationId === 'getOrder') return { model: 'orders_2026-01-01', operationId: 'getOrder' };
  const op = schemas.operation(simOperationId);
  return { model: op.model, operationId: op.operationId };
}

/** Simulator operation ids the simulator implements right now. */
export function implementedOperations(): Set<string> {
  return new Set(ALL_OPERATIONS.map((op) => op.operationId));
}

export interface CallOptions {
  body?: unknown;
  /** Access token; null sends none. Defaults to the region's user token. */
  token?: string | null;
  region?: Region;
  headers?: Record<string, string>;
}

export interface ConformanceWorld {
  sim: Simulator;
  clock: ReturnType<typeof createManualClock>;
  realClock: ReturnType<typeof createManualClock>;
  authorizations: Record<Region, SimAuthorization>;
  tokens: Record<Region, string> & { grantless: string };
  /** A fresh user access token for a region's demo seller (after a clock jump expired the first). */
  userToken(region: Region): string;
  /** Calls the region's SP-API host (NA by default) and validates the response. */
  call(method: string, path: string, options?: CallOptions): Promise<CheckedResponse>;
  /** Adds `count` orders to a region's demo seller, created over the last ten days, in varied states. */
  seedOrders(region: Region, count: number): SimOrder[];
}

/** Builds a world whose calls go through `recorder`. */
export function createConformanceWorld(
  recorder: ConformanceRecorder,
  config: Partial<SimulatorConfig> = {},
): ConformanceWorld {
  const clock = createManualClock(START);
  const realClock = createManualClock(1_000_000);
  // Outgoing HTTP (new-secret notifications) reaches a destination that accepts everything.
  const fetch: typeof globalThis.fetch = () => Promise.resolve(new Response(null, { status: 200 }));
  const sim = createSimulator({ clock, realClock, config, fetch });
  const ctx = sim.ctx;
  seedDemo(ctx, {
    redirectUris: ['https://app.example.com/amazon/callback'],
    notificationDestinationUrl: 'https://app.example.com/amazon/notifications',
  });
  const app = DEMO.publishedApp;
  // The restricted roles let the app ask for RDTs covering buyer and address data (https://developer-docs.amazon.com/sp-api/docs/tokens-api-use-case-guide).
  ctx.state.apps.get(app.appId)!.roles.push('Direct-to-Consumer Shipping', 'Tax Invoicing');
  const authorizations = {} as Record<Region, SimAuthorization>;
  const tokens = {} as Record<Region, string> & { grantless: string };
  for (const region of ['NA', 'EU', 'FE'] as const) {
    authorizations[region] = authorize(ctx, {
      appId: app.appId,
      sellingPartnerId: SELLERS[region],
      kind: 'oauth',
    });
    tokens[region] = issueAccessToken(ctx, {
      kind: 'user',
      clientId: app.clientId,
      appId: app.appId,
      authorizationId: authorizations[region].id,
    }).token;
  }
  tokens.grantless = issueAccessToken(ctx, {
    kind: 'grantless',
    clientId: app.clientId,
    appId: app.appId,
    scope: ROTATION_SCOPE,
  }).token;

  return {
    sim,
    clock,
    realClock,
    authorizations,
    tokens,
    userToken(region) {
      return issueAccessToken(ctx, {
        kind: 'user',
        clientId: app.clientId,
        appId: app.appId,
        authorizationId: authorizations[region].id,
      }).token;
    },
    call(method, path, options = {}) {
      const region = options.region ?? 'NA';
      const headers = new Headers(options.headers);
      const token = options.token === undefined ? tokens[region] : options.token;
      if (token !== null) headers.set('x-amz-access-token', token);
      let body: string | undefined;
      if (options.body !== undefined) {
        body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
        if (!headers.has('content-type')) headers.set('content-type', 'application/json');
      }
      const request = new Request(`${HOSTS[region]}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
      });
      return recorder.check(request, (r) => sim.fetch(r));
    },
    seedOrders(region, count) {
      const seller = ctx.state.sellers.get(SELLERS[region])!;
      const now = clock.now();
      const statuses = ['PENDING', 'UNSHIPPED', 'SHIPPED', 'CANCELLED', 'SHIPPED', 'UNSHIPPED'] as const;
      const orders: SimOrder[] = [];
      for (let i = 0; i < count; i++) {
        const createdAt = now - 10 * 24 * HOUR + Math.floor((i * 10 * 24 * HOUR) / (count + 1));
        const visibleAt = Math.min(createdAt + 30 * MINUTE, now - 10 * MINUTE);
        const order = buildOrder(ctx, {
          sellingPartnerId: seller.sellingPartnerId,
          sellerName: seller.name,
          region,
          marketplaceId: seller.marketplaceIds[i % seller.marketplaceIds.length]!,
          createdAt,
          visibleAt,
        });
        setInitialStatus(ctx.random, order, statuses[i % statuses.length]!, seller.name);
        // Some orders move on, reaching partial shipments, deliveries and late cancellations.
        if (i % 5 === 4)
          for (let step = 0; step < 3; step++) advanceOrder(ctx.random, order, visibleAt, seller.name);
        ctx.state.orders.set(order.orderId, order);
        orders.push(order);
      }
      return orders;
    },
  };
}

/** A readable failure message: the call, its status and its schema errors. */
export function describeCall(r: CheckedResponse): string {
  return `${r.method} ${r.path} → ${r.status} (${r.operation ?? 'no model operation'}): ${JSON.stringify(r.body)?.slice(0, 300)}`;
}
