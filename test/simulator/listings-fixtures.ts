/* eslint-disable @typescript-eslint/no-unsafe-assignment --
   reply bodies are parsed JSON that the tests inspect freely. */
import { expect } from 'vitest';
import { createManualClock } from '../../src/kernel/clock.js';
import { createSimulator, type Simulator } from '../../src/simulator/app.js';
import type { SimulatorConfig } from '../../src/simulator/config.js';
import type { SimContext } from '../../src/simulator/context.js';
import { registerListingControls } from '../../src/simulator/listings-controls.js';
import { registerNotificationControls } from '../../src/simulator/notifications.js';
import type { SimApp } from '../../src/simulator/state.js';
import { addApp, addSeller, authorize, issueAccessToken } from '../../src/simulator/world.js';
import { loadSpApiSchemas } from '../support/spapi-schemas.js';

/**
 * A simulator with one app and two NA sellers, and a caller holding a real access token for the
 * first seller, for the Listings Items, Sellers, Tokens and Application Management tests. Calls go
 * through `sim.fetch`, so the real pipeline (token checks, usage plans) runs; `speed` is raised so
 * the usage plans do not throttle the tests.
 */

export const START = Date.UTC(2026, 10, 1, 12, 0, 0);
export const SELLER = 'A1LISTINGTESTER';
export const OTHER_SELLER = 'A2OTHERSELLER00';
export const US = 'ATVPDKIKX0DER';
export const CA = 'A2EUQ1WTGCTBG2';
export const UK = 'A1F83G8C2ARO7P';
export const ITEMS = `/listings/2021-08-01/items/${SELLER}`;

export const schemas = loadSpApiSchemas();

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON, or null for an empty body. */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test bodies are inspected freely
}

export interface World {
  sim: Simulator;
  ctx: SimContext;
  clock: ReturnType<typeof createManualClock>;
  app: SimApp;
  /** A user access token of SELLER. */
  token: string;
  /** Calls the simulator with SELLER's token (or `token`), JSON-encoding `body`. */
  call(method: string, path: string, body?: unknown, token?: string): Promise<Reply>;
}

/** Builds the world. */
export function setup(config: Partial<SimulatorConfig> = {}, fetchStub?: typeof fetch): World {
  const clock = createManualClock(START);
  const sim = createSimulator({
    clock,
    config: { speed: 1000, ...config },
    ...(fetchStub ? { fetch: fetchStub } : {}),
  });
  // Until app.ts wires these controls in, the tests add them (before the first request).
  if (!sim.app.routes.some((r) => r.path === '/_sim/listings')) registerListingControls(sim.app, sim.ctx);
  if (!sim.app.routes.some((r) => r.path === '/_sim/notifications'))
    registerNotificationControls(sim.app, sim.ctx);
  const ctx = sim.ctx;
  const app = addApp(ctx, {
    name: 'Listing Tool',
    status: 'published',
    redirectUris: ['https://tool.example/cb'],
  });
  addSeller(ctx, { sellingPartnerId: SELLER, name: 'Trail Shirts', region: 'NA', marketplaceIds: [US, CA] });
  addSeller(ctx, { sellingPartnerId: OTHER_SELLER, name: 'Other', region: 'NA', marketplaceIds: [US] });
  const authorization = authorize(ctx, { appId: app.appId, sellingPartnerId: SELLER, kind: 'oauth' });
  const token = issueAccessToken(ctx, {
    kind: 'user',
    clientId: app.clientId,
    appId: app.appId,
    authorizationId: authorization.id,
  }).token;
  return {
    sim,
    ctx,
    clock,
    app,
    token,
    call: (method, path, body, as) => send(sim, method, path, body, as ?? token),
  };
}

/** Sends one request to the simulator and reads the reply. */
export async function send(
  sim: Simulator,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers['x-amz-access-token'] = token;
  // The simulator's own controls need its control token (test/support/sim-control.ts).
  if (path.startsWith('/_sim/')) headers.authorization = `Bearer ${sim.controlToken}`;
  let payload: string | undefined;
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await sim.fetch(
    new Request(`http://sim.test${path}`, {
      method,
      headers,
      ...(payload === undefined ? {} : { body: payload }),
    }),
  );
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text === '' ? null : JSON.parse(text) };
}

/** Asserts that a reply's body fits the model's schema for its operation and status. */
export function expectModelValid(operationId: string, reply: Reply): void {
  const result = schemas.validateResponse(operationId, reply.status, reply.body ?? undefined, {
    strict: true,
  });
  expect(result.errors, `${operationId} ${reply.status} ${reply.text}`).toEqual([]);
}

/** A complete, valid SHIRT listing for the US marketplace; `overrides` replace attributes. */
export function shirtAttributes(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const text = (value: string) => [{ value, language_tag: 'en_US' }];
  return {
    item_name: text('Trail Shirt, Red, M'),
    brand: text('Trailco'),
    color: text('Red'),
    size: text('M'),
    department: text('mens'),
    target_gender: [{ value: 'male' }],
    externally_assigned_product_identifier: [{ type: 'upc', value: '036000291452' }],
    condition_type: [{ value: 'new_new' }],
    purchasable_offer: [{ currency: 'USD', our_price: [{ schedule: [{ value_with_tax: 19.99 }] }] }],
    fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT', quantity: 12 }],
    main_product_image_locator: [{ media_location: 'https://img.example/shirt.jpg' }],
    ...overrides,
  };
}

/** The URL of one SKU in one marketplace, with extra query parameters. */
export function itemUrl(sku: string, marketplaceId = US, query = ''): string {
  return `${ITEMS}/${encodeURIComponent(sku)}?marketplaceIds=${marketplaceId}${query ? `&${query}` : ''}`;
}
