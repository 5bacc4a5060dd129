import { afterAll, beforeAll, expect, it } from 'vitest';
import { AmazonError } from '../../src/amazon/errors.js';
import { getMarketplaceParticipationsRequest } from '../../src/amazon/operations/sellers.js';
import { simulatorEndpoints } from '../../src/config/config.js';
import { systemClock } from '../../src/kernel/clock.js';
import type { Sellerlink } from '../../src/service/types.js';
import type { Store } from '../../src/store/database.js';
import { createAmazonWorld, type AmazonWorld } from '../support/amazon-world.js';
import { composeUseCases } from '../support/compose.js';
import { describeEachDatabase, openTestStore } from '../support/databases.js';

/**
 * Issue 18 D3: a valid NA access token sent to the EU endpoint. Amazon answers 403 Unauthorized
 * with empty details (the token is fine, the region is not: amzn/selling-partner-api-models#4825),
 * not "revoked, malformed or invalid". Sellerlink must not take that for a revocation: no refresh
 * of a token that is not stale, no change to the connection, and the connection keeps working at
 * its own region's endpoint.
 */
describeEachDatabase('a wrong-region 403 is not a revocation', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  let world: AmazonWorld;
  let misrouted: Sellerlink;

  beforeAll(async () => {
    ({ store, close } = await openTestStore(kind));
    world = await createAmazonWorld(store);
    // The same Sellerlink, deployed with its NA SP-API endpoint pointing at the EU host.
    const endpoints = simulatorEndpoints('http://sim.test');
    misrouted = await composeUseCases({
      store,
      origin: 'http://sim.test',
      fetch: world.fetch,
      clock: world.clock,
      overrides: {
        endpoints: { ...endpoints, spApi: { ...endpoints.spApi, NA: endpoints.spApi.EU } },
        limiterClock: systemClock,
        spApiBackoff: { baseMs: 20, capMs: 200 },
      },
    });
  });
  afterAll(async () => {
    await misrouted.close();
    world.sim.stop();
    await close();
  });

  it('answers SPAPI_UNAUTHORIZED with empty details, refreshes nothing and leaves the connection active', async () => {
    const { id } = await world.newConnection();
    // The connection's access token is minted and cached by a first call at the right endpoint.
    expect((await world.client.call(id, getMarketplaceParticipationsRequest())).status).toBe(200);
    const lwaBefore = world.lwaCalls();
    const eventsBefore = await world.events();

    const failure = await misrouted.amazon.spApi.call(id, getMarketplaceParticipationsRequest()).then(
      () => null,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(AmazonError);
    const err = failure as AmazonError;
    expect(err.code).toBe('SPAPI_UNAUTHORIZED');
    expect(err.info.body).toEqual({
      errors: [{ code: 'Unauthorized', message: 'Access to requested resource is denied.', details: '' }],
    });
    const log = world.sim.ctx.state.requestLog.filter((e) => e.operation === 'getMarketplaceParticipations');
    expect(log.at(-1)).toMatchObject({ region: 'EU', status: 403, note: 'auth:region' });

    // Not taken for a stale token (no refresh, so no LWA call) nor for a revocation.
    expect(world.lwaCalls()).toBe(lwaBefore);
    expect(await world.events()).toEqual(eventsBefore);
    const row = await store.db
      .selectFrom('connections')
      .select(['state'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.state).toBe('active');
    // The connection still works at its own region's endpoint.
    expect((await world.client.call(id, getMarketplaceParticipationsRequest())).status).toBe(200);
  });
});
