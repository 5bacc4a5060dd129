import { describe, expect, it, vi } from 'vitest';
import { DAY, HOUR, MINUTE } from '../../src/kernel/clock.js';
import { rdtCovers } from '../../src/simulator/spapi/access.js';
import { formatRateLimit } from '../../src/simulator/spapi/usage-plans.js';
import { addApp, authorize, issueAccessToken, revokeAuthorization } from '../../src/simulator/world.js';
import { createTestWorld, errorOf, ROTATION_SCOPE } from './pipeline-fixtures.js';
import { controlRequest } from '../support/sim-control.js';

const DENIED = 'Access to requested resource is denied.';
const INVALID = 'The access token you provided is revoked, malformed or invalid.';

describe('SP-API pipeline: access token (https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api, §5.3)', () => {
  it('passes a valid user token to the handler with the caller', async () => {
    const w = createTestWorld();
    const res = await w.call('/simtest/seller');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sellingPartnerId: 'ASELLERNA', appId: w.app.appId, region: 'NA' });
  });

  it('refuses a missing token with the configured status and Amazon details', async () => {
    const w = createTestWorld();
    const res = await w.call('/simtest/seller', { token: null });
    expect(res.status).toBe(403);
    expect(await errorOf(res)).toEqual({
      code: 'Unauthorized',
      message: DENIED,
      details: 'Access token is missing in the request header.',
    });
    const w400 = createTestWorld({ missingTokenStatus: 400 });
    expect((await w400.call('/simtest/seller', { token: null })).status).toBe(400);
  });

  it('ignores SigV4 Authorization and x-amz-security-token headers entirely', async () => {
    const w = createTestWorld();
    const sigv4 = {
      Authorization:
        'AWS4-HMAC-SHA256 Credential=AKIA/20261101/us-east-1/execute-api/aws4_request, Signature=bad',
      'x-amz-security-token': 'garbage',
      'x-amz-date': '20261101T120000Z',
    };
    expect((await w.call('/simtest/seller', { headers: sigv4 })).status).toBe(200);
    const res = await w.call('/simtest/seller', { headers: sigv4, token: null });
    expect((await errorOf(res)).details).toBe('Access token is missing in the request header.');
  });

  it('refuses an unknown or garbled token as revoked, malformed or invalid', async () => {
    const w = createTestWorld();
    for (const token of ['Atza|not-a-real-token', 'garbage', `${w.token.token}x`]) {
      const res = await w.call('/simtest/seller', { token });
      expect(res.status).toBe(403);
      expect(await errorOf(res)).toEqual({ code: 'Unauthorized', message: DENIED, details: INVALID });
    }
  });

  it('refuses an expired token once the simulated hour has passed', async () => {
    const w = createTestWorld();
    w.clock.advance(HOUR - 1);
    expect((await w.call('/simtest/seller')).status).toBe(200);
    w.clock.advance(1);
    const res = await w.call('/simtest/seller');
    expect(res.status).toBe(403);
    expect((await errorOf(res)).details).toBe('The access token you provided has expired.');
  });

  it('refuses tokens of a revoked authorization', async () => {
    const w = createTestWorld();
    revokeAuthorization(w.sim.ctx, w.authorization.id);
    const res = await w.call('/simtest/seller');
    expect(res.status).toBe(403);
    expect((await errorOf(res)).details).toBe(INVALID);
  });

  it("refuses a token at another region's endpoint (path prefix or Amazon host)", async () => {
    const w = createTestWorld();
    const eu = await w.call('/eu/simtest/seller');
    expect(eu.status).toBe(403);
    // A valid token at another region's endpoint: empty details, not "revoked" (amzn/selling-partner-api-models#4825).
    expect((await errorOf(eu)).details).toBe('');
    const fe = await w.sim.fetch(
      new Request('http://sellingpartnerapi-fe.amazon.com/simtest/seller', {
        headers: { 'x-amz-access-token': w.token.token },
      }),
    );
    expect(fe.status).toBe(403);
    const euToken = w.sellerToken('EU');
    const ok = await w.call('/eu/simtest/seller', { token: euToken.token });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { region: string }).region).toBe('EU');
  });

  it('refuses tokens of an app whose every client secret has expired (https://developer-docs.amazon.com/sp-api/docs/rotate-your-application-client-secret)', async () => {
    const w = createTestWorld();
    w.clock.advance(180 * DAY);
    const fresh = w.issue();
    const res = await w.call('/simtest/seller', { token: fresh.token });
    expect(res.status).toBe(403);
    expect(await errorOf(res)).toEqual({
      code: 'Unauthorized',
      message: DENIED,
      details: 'The LWA secret token you provided has expired.',
    });
    // A rotated-in secret makes the app's tokens good again.
    w.app.clientSecrets.push({ secret: 's2', issuedAt: w.clock.now(), expiresAt: w.clock.now() + DAY });
    expect((await w.call('/simtest/seller', { token: fresh.token })).status).toBe(200);
  });

  it('answers an expired secret with secretExpiredStatus when configured (UNCONFIRMED status)', async () => {
    const w = createTestWorld({ secretExpiredStatus: 401 });
    w.clock.advance(181 * DAY);
    const res = await w.call('/simtest/seller', { token: w.issue().token });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).details).toBe('The LWA secret token you provided has expired.');
  });

  it('lets an RDT open a restricted operation only where its resources cover the path (https://developer-docs.amazon.com/sp-api/docs/tokens-api-use-case-guide)', async () => {
    const w = createTestWorld();
    const generic = w.issue({
      kind: 'rdt',
      restrictedResources: [{ method: 'GET', path: '/simtest/orders/{orderId}/address' }],
    });
    const specific = w.issue({
      kind: 'rdt',
      restrictedResources: [{ method: 'GET', path: '/simtest/orders/902-1-1/address' }],
    });
    const a = await w.call('/simtest/orders/111-2-3/address', { token: generic.token });
    expect(a.status).toBe(200);
    expect(await a.json()).toEqual({ orderId: '111-2-3', kind: 'rdt' });
    expect((await w.call('/simtest/orders/902-1-1/address', { token: specific.token })).status).toBe(200);
    const other = await w.call('/simtest/orders/111-2-3/address', { token: specific.token });
    expect(other.status).toBe(403);
    expect(await errorOf(other)).toEqual({ code: 'Unauthorized', message: DENIED, details: '' });
    // A user token also works on a restricted operation; an RDT does not open an unrestricted one.
    expect((await w.call('/simtest/orders/111-2-3/address')).status).toBe(200);
    const rdtOnPlain = await w.call('/simtest/seller', { token: generic.token });
    expect(rdtOnPlain.status).toBe(403);
    expect((await errorOf(rdtOnPlain)).details).toBe('');
  });

  it('matches RDT resources by method and by segment, {name} matching any value', () => {
    const resources = [{ method: 'GET', path: '/orders/v0/orders/{orderId}/address' }];
    expect(rdtCovers(resources, 'GET', '/orders/v0/orders/902-3/address')).toBe(true);
    expect(rdtCovers(resources, 'get', '/orders/v0/orders/902-3/address/')).toBe(true);
    expect(rdtCovers(resources, 'POST', '/orders/v0/orders/902-3/address')).toBe(false);
    expect(rdtCovers(resources, 'GET', '/orders/v0/orders/902-3')).toBe(false);
    expect(rdtCovers(resources, 'GET', '/orders/v0/orders/902-3/buyerInfo')).toBe(false);
    expect(rdtCovers([{ method: 'GET', path: '/orders/v0/orders' }], 'GET', '/orders/v0/orders')).toBe(true);
  });

  it('needs a grantless token with the right scope for grantless operations', async () => {
    const w = createTestWorld();
    const base = { kind: 'grantless' as const, clientId: w.app.clientId, appId: w.app.appId };
    const good = issueAccessToken(w.sim.ctx, { ...base, scope: ROTATION_SCOPE });
    const wrongScope = issueAccessToken(w.sim.ctx, { ...base, scope: 'sellingpartnerapi::notifications' });
    const ok = await w.call('/simtest/clientSecret', { method: 'POST', token: good.token });
    expect(ok.status).toBe(204);
    for (const token of [wrongScope.token, w.token.token]) {
      const res = await w.call('/simtest/clientSecret', { method: 'POST', token });
      expect(res.status).toBe(403);
      expect(await errorOf(res)).toEqual({ code: 'Unauthorized', message: DENIED, details: '' });
    }
    // A grantless token cannot act for a seller; it works in any region.
    const onSeller = await w.call('/simtest/seller', { token: good.token });
    expect((await errorOf(onSeller)).details).toBe('');
    w.realClock.advance(60_000); // rotate's bucket: burst 1, rate 0.0167
    expect((await w.call('/fe/simtest/clientSecret', { method: 'POST', token: good.token })).status).toBe(
      204,
    );
  });
});

describe('SP-API pipeline: usage plans (https://developer-docs.amazon.com/sp-api/docs/usage-plans-and-rate-limits)', () => {
  it('allows the burst, then refills at the rate in real time', async () => {
    const w = createTestWorld();
    for (let i = 0; i < 3; i++) expect((await w.call('/simtest/fast')).status).toBe(200);
    const throttled = await w.call('/simtest/fast');
    expect(throttled.status).toBe(429);
    expect(await errorOf(throttled)).toEqual({
      code: 'QuotaExceeded',
      message: 'You exceeded your quota for the requested resource.',
    });
    expect(throttled.headers.get('x-amzn-RateLimit-Limit')).toBeNull();
    expect(throttled.headers.get('x-amzn-RequestId')).toBeTruthy();
    // Simulated time does not refill buckets; real time does (rate 2/s → one token per 500 ms).
    w.clock.advance(30 * MINUTE);
    expect((await w.call('/simtest/fast')).status).toBe(429);
    w.realClock.advance(499);
    expect((await w.call('/simtest/fast')).status).toBe(429);
    w.realClock.advance(1);
    expect((await w.call('/simtest/fast')).status).toBe(200);
    expect((await w.call('/simtest/fast')).status).toBe(429);
    // Refill stops at the burst size.
    w.realClock.advance(60_000);
    for (let i = 0; i < 3; i++) expect((await w.call('/simtest/fast')).status).toBe(200);
    expect((await w.call('/simtest/fast')).status).toBe(429);
  });

  it('multiplies the rate by the speed factor, keeping the burst', async () => {
    const w = createTestWorld({ speed: 10 });
    for (let i = 0; i < 3; i++) expect((await w.call('/simtest/fast')).status).toBe(200);
    expect((await w.call('/simtest/fast')).status).toBe(429);
    w.realClock.advance(50);
    const res = await w.call('/simtest/fast');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-amzn-RateLimit-Limit')).toBe('20.0');
    const unscaled = createTestWorld({ speed: 10, rateLimitHeaderScaled: false });
    expect((await unscaled.call('/simtest/fast')).headers.get('x-amzn-RateLimit-Limit')).toBe('2.0');
  });

  it('refills buckets on a clock jump only with bucketsRefillOnClockJump (sandbox mode)', async () => {
    const w = createTestWorld({ bucketsRefillOnClockJump: true });
    for (let i = 0; i < 3; i++) expect((await w.call('/simtest/fast')).status).toBe(200);
    expect((await w.call('/simtest/fast')).status).toBe(429);
    // Real time alone refills as usual (rate 2/s → one token per 500 ms)...
    w.realClock.advance(500);
    expect((await w.call('/simtest/fast')).status).toBe(200);
    expect((await w.call('/simtest/fast')).status).toBe(429);
    // ...and so does simulated time: the longer of the two counts, never both, up to the burst.
    w.clock.advance(499);
    w.realClock.advance(499);
    expect((await w.call('/simtest/fast')).status).toBe(429);
    w.clock.advance(30 * MINUTE);
    for (let i = 0; i < 3; i++) expect((await w.call('/simtest/fast')).status).toBe(200);
    expect((await w.call('/simtest/fast')).status).toBe(429);
    // A bucket saved before simulated time was kept (no updatedAtSim) refills in real time only.
    const key = [...w.sim.ctx.state.buckets.keys()].find((k) => k.endsWith('|simtestFast'))!;
    const { tokens, updatedAtReal } = w.sim.ctx.state.buckets.get(key)!;
    w.sim.ctx.state.buckets.set(key, { tokens, updatedAtReal });
    w.clock.advance(10 * MINUTE);
    expect((await w.call('/simtest/fast')).status).toBe(429);
  });

  it('keeps separate buckets per seller, per app and per operation', async () => {
    const w = createTestWorld();
    for (let i = 0; i < 3; i++) await w.call('/simtest/fast');
    expect((await w.call('/simtest/fast')).status).toBe(429);
    expect((await w.call('/simtest/other')).status).toBe(200);
    const otherSeller = w.sellerToken('NA');
    expect((await w.call('/simtest/fast', { token: otherSeller.token })).status).toBe(200);
    const ctx = w.sim.ctx;
    const app2 = addApp(ctx, { name: 'Second', status: 'draft', redirectUris: ['https://b.test/cb'] });
    const auth2 = authorize(ctx, { appId: app2.appId, sellingPartnerId: 'ASELLERNA', kind: 'oauth' });
    const token2 = issueAccessToken(ctx, {
      kind: 'user',
      clientId: app2.clientId,
      appId: app2.appId,
      authorizationId: auth2.id,
    });
    expect((await w.call('/simtest/fast', { token: token2.token })).status).toBe(200);
    const otherSellerId = ctx.state.authorizations.get(otherSeller.authorizationId!)!.sellingPartnerId;
    expect([...ctx.state.buckets.keys()].sort()).toEqual(
      [
        `ASELLERNA|${w.app.appId}|simtestFast`,
        `ASELLERNA|${w.app.appId}|simtestOther`,
        `${otherSellerId}|${w.app.appId}|simtestFast`,
        `ASELLERNA|${app2.appId}|simtestFast`,
      ].sort(),
    );
  });

  it('uses the app as the bucket owner for grantless calls (rotate: burst 1)', async () => {
    const w = createTestWorld();
    const token = issueAccessToken(w.sim.ctx, {
      kind: 'grantless',
      clientId: w.app.clientId,
      appId: w.app.appId,
      scope: ROTATION_SCOPE,
    });
    expect((await w.call('/simtest/clientSecret', { method: 'POST', token: token.token })).status).toBe(204);
    const second = await w.call('/simtest/clientSecret', { method: 'POST', token: token.token });
    expect(second.status).toBe(429);
    expect(w.sim.ctx.state.buckets.has(`${w.app.appId}|${w.app.appId}|rotateApplicationClientSecret`)).toBe(
      true,
    );
  });

  it('splits grantless buckets per region only when bucketsPerRegion is set (UNCONFIRMED)', async () => {
    for (const [bucketsPerRegion, second] of [
      [false, 429],
      [true, 204],
    ] as const) {
      const w = createTestWorld({ bucketsPerRegion });
      const token = issueAccessToken(w.sim.ctx, {
        kind: 'grantless',
        clientId: w.app.clientId,
        appId: w.app.appId,
        scope: ROTATION_SCOPE,
      });
      expect((await w.call('/simtest/clientSecret', { method: 'POST', token: token.token })).status).toBe(
        204,
      );
      const eu = await w.call('/eu/simtest/clientSecret', { method: 'POST', token: token.token });
      expect(eu.status).toBe(second);
    }
  });

  it('does not spend a token on refused calls', async () => {
    const w = createTestWorld();
    for (let i = 0; i < 5; i++) await w.call('/simtest/fast', { token: 'bad' });
    for (let i = 0; i < 3; i++) expect((await w.call('/simtest/fast')).status).toBe(200);
  });
});

describe('SP-API pipeline: response headers (https://developer-docs.amazon.com/sp-api/docs/response-format)', () => {
  it('sends x-amzn-RateLimit-Limit only on 2xx, 400 and 404, and x-amzn-RequestId always', async () => {
    const w = createTestWorld();
    const ok = await w.call('/simtest/seller');
    expect(ok.headers.get('x-amzn-RateLimit-Limit')).toBe('0.016');
    for (const [code, expected] of [
      [200, '100.0'],
      [400, '100.0'],
      [404, '100.0'],
      [403, null],
      [413, null],
      [500, null],
    ] as const) {
      const res = await w.call(`/simtest/status/${code}`);
      expect(res.status).toBe(code);
      expect(res.headers.get('x-amzn-RateLimit-Limit')).toBe(expected);
      expect(res.headers.get('x-amzn-RequestId')).toMatch(/^[0-9a-f-]{36}$/);
    }
    const denied = await w.call('/simtest/seller', { token: 'bad' });
    expect(denied.headers.get('x-amzn-RateLimit-Limit')).toBeNull();
    expect(denied.headers.get('x-amzn-RequestId')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers a handler crash with InternalFailure 500 instead of leaking it', async () => {
    const w = createTestWorld();
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const res = await w.call('/simtest/status/999');
    expect(logged).toHaveBeenCalledWith('simulator: simtestStatus failed', expect.any(Error));
    logged.mockRestore();
    expect(res.status).toBe(500);
    expect((await errorOf(res)).code).toBe('InternalFailure');
    expect(w.sim.ctx.state.requestLog.at(-1)).toMatchObject({ status: 500, note: 'error' });
  });

  it('formats rates like Amazon', () => {
    expect(formatRateLimit(5)).toBe('5.0');
    expect(formatRateLimit(0.0167)).toBe('0.0167');
    expect(formatRateLimit(0.0056)).toBe('0.0056');
    expect(formatRateLimit(0.0167 * 3)).toBe('0.0501');
    expect(formatRateLimit(0.5)).toBe('0.5');
  });
});

describe('SP-API pipeline: request log', () => {
  it('logs each call with operation, status, caller and a note', async () => {
    const w = createTestWorld();
    const ok = await w.call('/simtest/seller');
    await w.call('/simtest/seller', { token: 'bad' });
    await w.call('/simtest/seller', { token: null });
    for (let i = 0; i < 4; i++) await w.call('/simtest/fast');
    const log = w.sim.ctx.state.requestLog;
    expect(log[0]).toEqual({
      requestId: ok.headers.get('x-amzn-RequestId'),
      at: w.clock.now(),
      method: 'GET',
      path: '/simtest/seller',
      region: 'NA',
      operation: 'getMarketplaceParticipations',
      status: 200,
      appId: w.app.appId,
      sellingPartnerId: 'ASELLERNA',
    });
    expect(log[1]).toMatchObject({ status: 403, note: 'auth:invalid' });
    expect(log[1]).not.toHaveProperty('appId');
    expect(log[2]).toMatchObject({ status: 403, note: 'auth:missing' });
    expect(log.at(-1)).toMatchObject({ operation: 'simtestFast', status: 429, note: 'throttled' });
    expect(log).toHaveLength(7);
  });

  it('stamps entries with the simulated time the call arrived', async () => {
    const w = createTestWorld();
    const arrived = w.clock.now();
    w.sim.ctx.sleep = (ms) => {
      w.clock.advance(ms);
      return Promise.resolve();
    };
    w.sim.ctx.state.faults.push({ id: 'slow', operation: '*', kind: 'latency', share: 1, latencyMs: 5000 });
    expect((await w.call('/simtest/seller')).status).toBe(200);
    expect(w.sim.ctx.state.requestLog.at(-1)).toMatchObject({ at: arrived, note: 'fault:latency:5000' });
  });

  it('logs the region prefix as the region and the path without it', async () => {
    const w = createTestWorld();
    await w.call('/eu/simtest/seller');
    expect(w.sim.ctx.state.requestLog.at(-1)).toMatchObject({
      region: 'EU',
      path: '/simtest/seller',
      note: 'auth:region',
    });
  });

  it('keeps at most requestLogLimit entries, dropping the oldest', async () => {
    const w = createTestWorld({ requestLogLimit: 5 });
    for (let i = 0; i < 8; i++) await w.call(`/simtest/status/${i < 4 ? 200 : 404}`);
    const log = w.sim.ctx.state.requestLog;
    expect(log).toHaveLength(5);
    expect(log.map((e) => e.status)).toEqual([200, 404, 404, 404, 404]);
  });

  it('logs non-SP-API requests too, but never /_sim/ controls', async () => {
    const w = createTestWorld();
    const res = await w.sim.fetch(new Request('http://sim.test/fe/nothing/here'));
    expect(res.status).toBe(404);
    expect((await w.sim.fetch(controlRequest(w.sim, 'http://sim.test/_sim/clock'))).status).toBe(200);
    expect(w.sim.ctx.state.requestLog).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: '/nothing/here',
        region: 'FE',
        operation: null,
        status: 404,
      }),
    ]);
  });
});
