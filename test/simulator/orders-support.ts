import { expect } from 'vitest';
import { HOUR, createManualClock } from '../../src/kernel/clock.js';
import { createSimulator, type Simulator } from '../../src/simulator/app.js';
import type { SimulatorConfig } from '../../src/simulator/config.js';
import { DEMO, seedDemo } from '../../src/simulator/seed.js';
import type { SimAccessToken } from '../../src/simulator/state.js';
import { authorize, issueAccessToken } from '../../src/simulator/world.js';
import { controlRequest } from '../support/sim-control.js';
import { loadSpApiSchemas, type OperationRef } from '../support/spapi-schemas.js';

/**
 * A world for the orders tests: the demo seed (sellers in NA, EU and FE), the published demo app
 * authorized by each seller, a manual simulated clock, and a manual real clock that jumps an hour
 * before every SP-API call so usage plans (searchOrders: 0.0056 rps) never throttle the tests.
 */

export const START = Date.UTC(2026, 10, 1, 12, 0, 0);
export const NA = DEMO.sellers[0].sellingPartnerId;
export const EU = DEMO.sellers[1].sellingPartnerId;
export const FE = DEMO.sellers[2].sellingPartnerId;
export const US = 'ATVPDKIKX0DER';
export const CA = 'A2EUQ1WTGCTBG2';
export const MX = 'A1AM78C64UM0Y8';
export const UK = 'A1F83G8C2ARO7P';
export const JP = 'A1VC38T7YXB528';

export const schemas = loadSpApiSchemas();

/** Asserts a body validates against the model for an operation and status, rejecting undeclared fields. */
export function expectConforms(ref: OperationRef, status: number, body: unknown): void {
  const result = schemas.validateResponse(ref, status, body, { strict: true });
  expect(result.errors).toEqual([]);
}

export interface OrdersWorld {
  sim: Simulator;
  clock: ReturnType<typeof createManualClock>;
  /** A user access token of the demo app for a seller (fresh each time, so clock jumps do not expire it). */
  userToken(sellingPartnerId?: string): SimAccessToken;
  /** A Restricted Data Token of the demo app for a seller. */
  rdt(resources: SimAccessToken['restrictedResources'], sellingPartnerId?: string): SimAccessToken;
  /** Calls an SP-API path as a seller (region prefix from the seller unless the path has one). */
  api(path: string, options?: { seller?: string; token?: string }): Promise<Response>;
  /** Calls a `/_sim/` control with a JSON body. */
  control(method: string, path: string, body?: unknown): Promise<Response>;
  /** Generates orders through the control and returns their summaries. */
  generate(
    body: Record<string, unknown>,
  ): Promise<{ orderId: string; lastUpdatedTime: string; version: number }[]>;
}

const PREFIX: Record<string, string> = { [NA]: '', [EU]: '/eu', [FE]: '/fe' };

/** Builds the orders test world. */
export function createOrdersWorld(config: Partial<SimulatorConfig> = {}): OrdersWorld {
  const clock = createManualClock(START);
  const realClock = createManualClock(1_000_000);
  const sim = createSimulator({ clock, realClock, config });
  const { ctx } = sim;
  seedDemo(ctx, { redirectUris: ['https://app.test/cb'] });
  const app = ctx.state.apps.get(DEMO.publishedApp.appId)!;
  const authorizations = new Map(
    DEMO.sellers.map((s) => [
      s.sellingPartnerId as string,
      authorize(ctx, { appId: app.appId, sellingPartnerId: s.sellingPartnerId, kind: 'oauth' }),
    ]),
  );
  const base = (sellingPartnerId: string) => ({
    clientId: app.clientId,
    appId: app.appId,
    authorizationId: authorizations.get(sellingPartnerId)!.id,
  });
  const world: OrdersWorld = {
    sim,
    clock,
    userToken: (sellingPartnerId = NA) => issueAccessToken(ctx, { kind: 'user', ...base(sellingPartnerId) }),
    rdt: (resources, sellingPartnerId = NA) =>
      issueAccessToken(ctx, {
        kind: 'rdt',
        ...base(sellingPartnerId),
        ...(resources === undefined ? {} : { restrictedResources: resources }),
      }),
    api(path, options = {}) {
      const seller = options.seller ?? NA;
      realClock.advance(HOUR);
      const prefix = /^\/(na|eu|fe)\//.test(path) ? '' : (PREFIX[seller] ?? '');
      const token = options.token ?? world.userToken(seller).token;
      return sim.fetch(
        new Request(`http://sim.test${prefix}${path}`, { headers: { 'x-amz-access-token': token } }),
      );
    },
    control(method, path, body) {
      return sim.fetch(
        controlRequest(sim, `http://sim.test${path}`, {
          method,
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      );
    },
    async generate(body) {
      const res = await world.control('POST', '/_sim/orders/generate', body);
      expect(res.status).toBe(201);
      return (
        (await res.json()) as { orders: { orderId: string; lastUpdatedTime: string; version: number }[] }
      ).orders;
    },
  };
  return world;
}

/** Query string from a record (arrays comma-separated, undefined skipped). */
export function qs(params: Record<string, string | number | string[] | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    q.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  return q.toString();
}

/** Reads an SP-API error body: one error, code and message. */
export async function errorOf(res: Response): Promise<{ code: string; message: string }> {
  const body = (await res.json()) as { errors: { code: string; message: string }[] };
  expect(body.errors).toHaveLength(1);
  return body.errors[0]!;
}
