import { expect } from 'vitest';
import { createManualClock } from '../../src/kernel/clock.js';
import { createSimulator, type Simulator } from '../../src/simulator/app.js';
import type { SimulatorConfig } from '../../src/simulator/config.js';
import type { SpApiOperation } from '../../src/simulator/spapi/operation.js';
import { registerOperations } from '../../src/simulator/spapi/pipeline.js';
import type { Region, SimAccessToken, SimApp, SimAuthorization } from '../../src/simulator/state.js';
import { addApp, addSeller, authorize, issueAccessToken } from '../../src/simulator/world.js';

/**
 * Test-only SP-API operations and a world to call them in, for the pipeline tests. The operations
 * use real operation ids (so the usage-plan table and fault controls know them) on `/simtest/`
 * paths that no real operation uses.
 */

export const ROTATION_SCOPE = 'sellingpartnerapi::client_credential:rotation';

export const TEST_OPERATIONS: SpApiOperation[] = [
  {
    operationId: 'getMarketplaceParticipations',
    method: 'GET',
    path: '/simtest/seller',
    auth: { kind: 'seller' },
    handle: (c, call) =>
      c.json({ sellingPartnerId: call.sellingPartnerId ?? null, appId: call.app.appId, region: call.region }),
  },
  {
    operationId: 'getOrderV0',
    method: 'GET',
    path: '/simtest/orders/:orderId/address',
    auth: { kind: 'seller', restricted: true },
    handle: (c, call) => c.json({ orderId: c.req.param('orderId'), kind: call.token.kind }),
  },
  {
    operationId: 'rotateApplicationClientSecret',
    method: 'POST',
    path: '/simtest/clientSecret',
    auth: { kind: 'grantless', scope: ROTATION_SCOPE },
    handle: (c) => c.body(null, 204),
  },
  {
    operationId: 'simtestFast',
    method: 'GET',
    path: '/simtest/fast',
    auth: { kind: 'seller' },
    usagePlan: { rate: 2, burst: 3 },
    handle: (c) => c.json({ ok: true }),
  },
  {
    operationId: 'simtestOther',
    method: 'GET',
    path: '/simtest/other',
    auth: { kind: 'seller' },
    usagePlan: { rate: 2, burst: 3 },
    handle: (c) => c.json({ ok: true }),
  },
  {
    operationId: 'simtestStatus',
    method: 'GET',
    path: '/simtest/status/:code',
    auth: { kind: 'seller' },
    usagePlan: { rate: 100, burst: 1000 },
    handle: (c) => {
      const code = Number(c.req.param('code'));
      if (code === 999) throw new Error('handler bug');
      return c.json({ errors: [{ code: 'X', message: `status ${code}` }] }, code as 400);
    },
  },
  {
    operationId: 'simtestMany',
    method: 'GET',
    path: '/simtest/many',
    auth: { kind: 'seller' },
    usagePlan: { rate: 1000, burst: 100_000 },
    handle: (c) => c.json({ ok: true }),
  },
];

export const START = Date.UTC(2026, 10, 1, 12, 0, 0);

export interface TestWorld {
  sim: Simulator;
  clock: ReturnType<typeof createManualClock>;
  realClock: ReturnType<typeof createManualClock>;
  app: SimApp;
  authorization: SimAuthorization;
  token: SimAccessToken;
  /** Issues another token; defaults to a user token of the main authorization. */
  issue(input?: Partial<Omit<SimAccessToken, 'token' | 'issuedAt' | 'expiresAt'>>): SimAccessToken;
  /** Adds a seller in `region` authorized for the main app and returns a user token for it. */
  sellerToken(region?: Region): SimAccessToken;
  call(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
}

/** A simulator with the test operations, one app, one NA seller authorized, and a user token. */
export function createTestWorld(
  config: Partial<SimulatorConfig> = {},
  options: { stateDir?: string } = {},
): TestWorld {
  const clock = createManualClock(START);
  const realClock = createManualClock(1_000_000);
  const sim = createSimulator({ clock, realClock, config, ...options });
  registerOperations(sim.app, sim.ctx, TEST_OPERATIONS);
  const { ctx } = sim;
  const app = addApp(ctx, { name: 'Test app', status: 'published', redirectUris: ['https://app.test/cb'] });
  addSeller(ctx, {
    name: 'NA seller',
    region: 'NA',
    marketplaceIds: ['ATVPDKIKX0DER'],
    sellingPartnerId: 'ASELLERNA',
  });
  const authorization = authorize(ctx, { appId: app.appId, sellingPartnerId: 'ASELLERNA', kind: 'oauth' });
  const issue: TestWorld['issue'] = (input = {}) =>
    issueAccessToken(ctx, {
      kind: 'user',
      clientId: app.clientId,
      appId: app.appId,
      authorizationId: authorization.id,
      ...input,
    });
  let sellers = 0;
  const sellerToken: TestWorld['sellerToken'] = (region = 'NA') => {
    sellers += 1;
    const marketplace =
      region === 'NA' ? 'ATVPDKIKX0DER' : region === 'EU' ? 'A1PA6795UKMFR9' : 'A1VC38T7YXB528';
    const seller = addSeller(ctx, { name: `Seller ${sellers}`, region, marketplaceIds: [marketplace] });
    const auth = authorize(ctx, {
      appId: app.appId,
      sellingPartnerId: seller.sellingPartnerId,
      kind: 'oauth',
    });
    return issue({ authorizationId: auth.id });
  };
  const token = issue();
  return {
    sim,
    clock,
    realClock,
    app,
    authorization,
    token,
    issue,
    sellerToken,
    call(path, init = {}) {
      const { token: override, ...rest } = init;
      const headers = new Headers(rest.headers);
      const value = override === undefined ? token.token : override;
      if (value !== null) headers.set('x-amz-access-token', value);
      return sim.fetch(new Request(`http://sim.test${path}`, { ...rest, headers }));
    },
  };
}

/** Parses an SP-API error body. */
export async function errorOf(res: Response): Promise<{ code: string; message: string; details?: string }> {
  const body = (await res.json()) as { errors: { code: string; message: string; details?: string }[] };
  expect(body.errors).toHaveLength(1);
  return body.errors[0]!;
}
