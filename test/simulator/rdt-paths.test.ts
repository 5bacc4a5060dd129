import { describe, expect, it } from 'vitest';
import {
  EU,
  NA,
  UK,
  US,
  createOrdersWorld,
  errorOf,
  expectConforms,
  type OrdersWorld,
} from './orders-support.js';

/**
 * Which paths an RDT's resources name (https://developer-docs.amazon.com/sp-api/docs/tokens-api-use-case-guide), as clients really send them.
 * - Issue 18 D4: SDKs that build RDT resources from the request URL (Amazon's JS SDK) put the
 *   simulator's region prefix into the path (`/na/orders/v0/orders/{id}`): the caller's own prefix is
 *   not part of the operation path, so the RDT is issued for the path without it and covers the call.
 * - Issue 18 D10: Amazon issues an RDT for a path with a trailing slash; it then covers no call (403).
 */

const TOKENS = '/tokens/2021-03-01/restrictedDataToken';

/** POSTs a createRestrictedDataToken body as a seller, at a path that may carry a region prefix. */
function createRdt(
  world: OrdersWorld,
  path: string,
  resources: unknown[],
  seller: string = NA,
): Promise<Response> {
  return world.sim.fetch(
    new Request(`http://sim.test${path}`, {
      method: 'POST',
      headers: { 'x-amz-access-token': world.userToken(seller).token, 'content-type': 'application/json' },
      body: JSON.stringify({ restrictedResources: resources }),
    }),
  );
}

async function tokenOf(res: Response): Promise<string> {
  expect(res.status).toBe(200);
  const body = (await res.json()) as { restrictedDataToken: string; expiresIn: number };
  expectConforms('createRestrictedDataToken', 200, body);
  return body.restrictedDataToken;
}

async function worldWithOrders() {
  const world = createOrdersWorld();
  const na = await world.generate({ sellingPartnerId: NA, count: 3, marketplaceId: US });
  const eu = await world.generate({ sellingPartnerId: EU, count: 1, marketplaceId: UK });
  return { world, na: na.map((o) => o.orderId), eu: eu[0]!.orderId };
}

describe('RDT resource paths with the simulator’s region prefix (D4)', () => {
  it('the caller’s own prefix is dropped: the RDT covers the call made under that prefix', async () => {
    const { world, na, eu } = await worldWithOrders();
    const naToken = await tokenOf(
      await createRdt(world, `/na${TOKENS}`, [
        { method: 'GET', path: `/na/orders/v0/orders/${na[0]}`, dataElements: ['buyerInfo'] },
      ]),
    );
    expect(world.sim.ctx.state.accessTokens.get(naToken)!.restrictedResources).toEqual([
      { method: 'GET', path: `/orders/v0/orders/${na[0]}`, dataElements: ['buyerInfo'] },
    ]);
    const order = await world.api(`/na/orders/v0/orders/${na[0]}`, { token: naToken });
    expect(order.status).toBe(200);
    const body = (await order.json()) as { payload: Record<string, unknown> };
    expectConforms({ model: 'ordersV0', operationId: 'getOrder' }, 200, body);
    expect(body.payload).toHaveProperty('BuyerInfo');

    const euToken = await tokenOf(
      await createRdt(
        world,
        `/eu${TOKENS}`,
        [{ method: 'GET', path: '/eu/orders/v0/orders/{orderId}/address' }],
        EU,
      ),
    );
    const address = await world.api(`/eu/orders/v0/orders/${eu}/address`, { seller: EU, token: euToken });
    expect(address.status).toBe(200);
  });

  it('another region’s prefix is not stripped, and such a path is refused as Amazon refuses unknown paths', async () => {
    const { world, na } = await worldWithOrders();
    const res = await createRdt(world, `/na${TOKENS}`, [
      { method: 'GET', path: `/eu/orders/v0/orders/${na[0]}/address` },
    ]);
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({
      code: 'InvalidInput',
      message: 'Application do not have access to some or all requested resource',
    });
  });
});

describe('RDT resource paths with a trailing slash (D10)', () => {
  it('are issued, and the RDT then covers no call: 403', async () => {
    const { world, na } = await worldWithOrders();
    const token = await tokenOf(
      await createRdt(world, TOKENS, [
        { method: 'GET', path: `/orders/v0/orders/${na[0]}/address/` },
        { method: 'GET', path: '/orders/v0/orders/{orderId}/buyerInfo/' },
        { method: 'GET', path: '/orders/v0/orders/', dataElements: ['buyerInfo'] },
      ]),
    );
    for (const path of [`/orders/v0/orders/${na[0]}/address`, `/orders/v0/orders/${na[1]}/buyerInfo`]) {
      const res = await world.api(path, { token });
      expect(res.status).toBe(403);
      const body = (await res.json()) as { errors: { code: string; details?: string }[] };
      expectConforms(
        { method: 'GET', path: path.replace(na[0]!, '{orderId}').replace(na[1]!, '{orderId}') },
        403,
        body,
      );
      expect(body.errors[0]).toMatchObject({ code: 'Unauthorized', details: '' });
    }
    const orders = await world.api(
      `/orders/v0/orders?MarketplaceIds=${US}&CreatedAfter=2026-01-01T00:00:00Z`,
      { token },
    );
    expect(orders.status).toBe(403);
  });
});
