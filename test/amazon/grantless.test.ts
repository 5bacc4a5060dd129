import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSpApiClient, type GrantlessTokenSource } from '../../src/amazon/client.js';
import type { GrantlessGrant, SpApiClient } from '../../src/amazon/client-types.js';
import { AmazonError } from '../../src/amazon/errors.js';
import { createGrantlessTokens } from '../../src/amazon/grantless.js';
import { createRateLimiter } from '../../src/amazon/rate-limiter.js';
import { createRateBucketStore } from '../../src/store/rate-buckets.js';
import { ROTATION_SCOPE, rotateApplicationClientSecretRequest } from '../../src/amazon/operations.js';
import { simulatorEndpoints } from '../../src/config/config.js';
import { systemClock } from '../../src/kernel/clock.js';
import { cryptoRandom } from '../../src/kernel/random.js';
import type { Store } from '../../src/store/database.js';
import { describeEachDatabase, openTestStore } from '../support/databases.js';
import { createSimClient, type SimClient } from './sim-client.js';

const ROTATE = 'rotateApplicationClientSecret';
const NOTIFICATIONS_SCOPE = 'sellingpartnerapi::notifications';

describeEachDatabase('grantless SP-API calls', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  /** 12× Amazon's rates: one rotation per 5 s, slow enough to tell our wait from Amazon's. */
  let slow: SimClient;
  /** 120× Amazon's rates, for tests that never wait for the usage plan to refill. */
  let fast: SimClient;
  const metrics = { waited: 0, throttled: 0 };

  beforeAll(async () => {
    ({ store, close } = await openTestStore(kind));
    const counting = {
      call: () => undefined,
      throttled: () => metrics.throttled++,
      waited: () => metrics.waited++,
    };
    slow = createSimClient(store, { simConfig: { speed: 12 }, metrics: counting });
    fast = createSimClient(store, { simConfig: { speed: 120 }, metrics: counting });
  });
  afterAll(async () => {
    slow.sim.stop();
    fast.sim.stop();
    await close();
  });

  /** A client on the simulator's endpoints with no connections, and `grantless` when given. */
  const clientWith = (deps: { fetch: typeof fetch; grantless?: GrantlessTokenSource }): SpApiClient =>
    createSpApiClient({
      tokens: {
        accessToken: () => Promise.reject(new Error('no connections here')),
        invalidate: () => Promise.resolve(),
      },
      ...deps,
      limiter: createRateLimiter({ buckets: createRateBucketStore(store.db), clock: systemClock }),
      endpoints: simulatorEndpoints('http://sim.test').spApi,
      userAgent: 'Sellerlink/test (Language=TypeScript)',
      clock: fast.clock,
      random: cryptoRandom,
      backoffBaseMs: 1,
      backoffCapMs: 5,
    });

  const grantFor = (applicationId: string): GrantlessGrant => ({
    applicationId,
    region: 'NA',
    scope: ROTATION_SCOPE,
  });

  it('rotates the client secret through the client: 204, and Amazon sends the new secret to the destination', async () => {
    const { applicationId, appId } = fast.newApp();
    const result = await fast.client.callGrantless(
      grantFor(applicationId),
      rotateApplicationClientSecretRequest(),
    );
    expect(result.status).toBe(204);
    expect(fast.statuses(ROTATE, appId)).toEqual([204]);
    expect(fast.lwaCalls(appId)).toBe(1);
    const app = fast.sim.ctx.state.apps.get(appId)!;
    expect(app.clientSecrets).toHaveLength(2);
    const message = fast.delivered.find(
      (d) => (d.body.notificationMetadata as { applicationId?: string }).applicationId === appId,
    );
    expect(message?.url).toBe('https://vendor.example/amazon/notifications');
    expect(
      (message?.body.payload as { applicationOAuthClientNewSecret: { newClientSecret: string } })
        .applicationOAuthClientNewSecret.newClientSecret,
    ).toBe(app.clientSecrets[1]!.secret);
    // The usage-plan bucket is the application's, at the rate Amazon reported (0.0167 × 120) less its rounding, 1 % under (burst 1).
    const bucket = await store.db
      .selectFrom('rate_buckets')
      .select(['rate'])
      .where('key', '=', `app:${applicationId}:${ROTATE}`)
      .executeTakeFirstOrThrow();
    expect(bucket.rate).toBeCloseTo((0.0167 * 120 - 0.00005) * 0.99, 6);
  });

  it('respects the usage plan: a second rotation is refused with maxWaitMs, or waits, and is never throttled', async () => {
    const { applicationId, appId } = slow.newApp();
    const grant = grantFor(applicationId);
    expect((await slow.client.callGrantless(grant, rotateApplicationClientSecretRequest())).status).toBe(204);
    const waitedBefore = metrics.waited;

    const refused = await slow.client
      .callGrantless(grant, { ...rotateApplicationClientSecretRequest(), maxWaitMs: 100 })
      .catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(AmazonError);
    expect(refused).toMatchObject({ code: 'SPAPI_WAIT_TOO_LONG', retryable: true });
    expect((refused as AmazonError).info.retryAfterMs).toBeGreaterThan(3_000);
    expect(slow.statuses(ROTATE, appId)).toEqual([204]); // nothing was sent

    const started = Date.now();
    expect((await slow.client.callGrantless(grant, rotateApplicationClientSecretRequest())).status).toBe(204);
    expect(Date.now() - started).toBeGreaterThan(4_000); // 1 / (0.0167 × 12) s ≈ 5 s
    expect(metrics.waited - waitedBefore).toBe(1);
    expect(slow.statuses(ROTATE, appId)).toEqual([204, 204]);
    expect(metrics.throttled).toBe(0);
  });

  it('serves many concurrent grantless callers with one LWA client_credentials call', async () => {
    const { applicationId, appId } = fast.newApp();
    const grant = grantFor(applicationId);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () =>
        fast.client.callGrantless(grant, { ...rotateApplicationClientSecretRequest(), maxWaitMs: 0 }),
      ),
    );
    expect(fast.lwaCalls(appId)).toBe(1);
    // The burst is one rotation: one went out, the other seven were refused before sending.
    expect(results.filter((r) => r.status === 'fulfilled').map((r) => r.value.status)).toEqual([204]);
    const refusals = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as AmazonError] : []));
    expect(refusals.map((e) => e.code)).toEqual(Array(7).fill('SPAPI_WAIT_TOO_LONG'));
    expect(fast.statuses(ROTATE, appId)).toEqual([204]);
  });

  it('drops a grantless token Amazon calls expired, mints one new token and replays the call once', async () => {
    const { applicationId, appId } = fast.newApp();
    const grant = grantFor(applicationId);
    expect((await fast.client.callGrantless(grant, rotateApplicationClientSecretRequest())).status).toBe(204);
    // Amazon's side only: our cache still holds the token for most of an hour.
    for (const t of fast.sim.ctx.state.accessTokens.values())
      if (t.appId === appId) t.expiresAt = fast.clock.now() - 1;
    const result = await fast.client.callGrantless(grant, rotateApplicationClientSecretRequest());
    expect(result.status).toBe(204);
    expect(fast.statuses(ROTATE, appId)).toEqual([204, 403, 204]);
    expect(fast.lwaCalls(appId)).toBe(2);
  });

  it('replays only once: a token refused again is the caller’s error', async () => {
    const { applicationId, appId } = fast.newApp();
    // Once `refuse` is set, every token LWA issues this app is expired at Amazon as soon as it is issued.
    let refuse = false;
    const lwa = fast.lwa;
    const grantless = createGrantlessTokens({
      lwa: {
        clientCredentials: async (credentials, scope) => {
          const tokens = await lwa.clientCredentials(credentials, scope);
          if (refuse) fast.sim.ctx.state.accessTokens.get(tokens.accessToken.reveal())!.expiresAt = 0;
          return tokens;
        },
      },
      credentials: fast.credentials,
      clock: fast.clock,
    });
    const client = clientWith({
      grantless,
      fetch: (input, init) => fast.sim.fetch(new Request(input, init)),
    });
    const grant = grantFor(applicationId);
    expect((await client.callGrantless(grant, rotateApplicationClientSecretRequest())).status).toBe(204);
    refuse = true;
    grantless.invalidateGrantless(applicationId, ROTATION_SCOPE);
    await expect(client.callGrantless(grant, rotateApplicationClientSecretRequest())).rejects.toMatchObject({
      code: 'SPAPI_ACCESS_TOKEN_EXPIRED',
    });
    expect(fast.statuses(ROTATE, appId)).toEqual([204, 403, 403]);
    expect(fast.lwaCalls(appId)).toBe(3);
  });

  it('hands Amazon’s 400 back at once when no destination is set for the new secret', async () => {
    const { applicationId, appId } = fast.newApp({ destination: null });
    const err = await fast.client
      .callGrantless(grantFor(applicationId), rotateApplicationClientSecretRequest())
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SPAPI_INVALID_INPUT', retryable: false });
    expect((err as AmazonError).info.amazonMessage).toMatch(/not enrolled for rotation notification/);
    expect(fast.statuses(ROTATE, appId)).toEqual([400]);
  });

  it('does not retry a rotation that failed ambiguously (a 500 may have rotated already)', async () => {
    const { applicationId, appId } = fast.newApp();
    fast.sim.ctx.state.faults.push({ id: 'rot-500', operation: ROTATE, kind: '500', share: 1, remaining: 1 });
    await expect(
      fast.client.callGrantless(grantFor(applicationId), rotateApplicationClientSecretRequest()),
    ).rejects.toMatchObject({ code: 'SPAPI_SERVER_ERROR', retryable: true });
    expect(fast.statuses(ROTATE, appId)).toEqual([500]);
  });

  it('refuses grantless calls with a clear AmazonError when the client has no grantless token source', async () => {
    let sent = 0;
    const client = clientWith({
      fetch: () => {
        sent++;
        return Promise.resolve(new Response(null, { status: 204 }));
      },
    });
    const err = await client
      .callGrantless(grantFor('app-without-source'), rotateApplicationClientSecretRequest())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AmazonError);
    expect(err).toMatchObject({ code: 'SPAPI_ERROR', retryable: false });
    expect((err as Error).message).toMatch(/rotateApplicationClientSecret.*no grantless token source/);
    expect(sent).toBe(0);
  });

  it('caches a token per application and scope until a minute before it expires', async () => {
    const { applicationId, appId } = fast.newApp();
    const tokens = createGrantlessTokens({ lwa: fast.lwa, credentials: fast.credentials, clock: fast.clock });
    const first = await tokens.grantlessToken(applicationId, ROTATION_SCOPE);
    expect((await tokens.grantlessToken(applicationId, ROTATION_SCOPE)).token.reveal()).toBe(
      first.token.reveal(),
    );
    expect(fast.lwaCalls(appId)).toBe(1);
    const other = await tokens.grantlessToken(applicationId, NOTIFICATIONS_SCOPE);
    expect(other.token.reveal()).not.toBe(first.token.reveal());
    expect(fast.lwaCalls(appId)).toBe(2);

    // The simulator's tokens live an hour: still cached just over a minute before expiry...
    fast.clock.advance(3_600_000 - 61_000);
    expect((await tokens.grantlessToken(applicationId, ROTATION_SCOPE)).token.reveal()).toBe(
      first.token.reveal(),
    );
    expect(fast.lwaCalls(appId)).toBe(2);
    // ...and minted again inside the last minute.
    fast.clock.advance(2_000);
    const renewed = await tokens.grantlessToken(applicationId, ROTATION_SCOPE);
    expect(renewed.token.reveal()).not.toBe(first.token.reveal());
    expect(fast.lwaCalls(appId)).toBe(3);

    tokens.invalidateGrantless(applicationId, ROTATION_SCOPE);
    const afterInvalidate = await tokens.grantlessToken(applicationId, ROTATION_SCOPE);
    expect(afterInvalidate.token.reveal()).not.toBe(renewed.token.reveal());
    expect(fast.lwaCalls(appId)).toBe(4);
  });

  it('shares one LWA request among concurrent callers, and does not cache its failure', async () => {
    const { applicationId, appId } = fast.newApp();
    const tokens = createGrantlessTokens({ lwa: fast.lwa, credentials: fast.credentials, clock: fast.clock });
    const lwaBefore = fast.lwaCalls();
    fast.sim.ctx.state.faults.push({ id: 'lwa-500', operation: 'lwa', kind: '500', share: 1, remaining: 1 });
    const failed = await Promise.allSettled(
      Array.from({ length: 5 }, () => tokens.grantlessToken(applicationId, ROTATION_SCOPE)),
    );
    expect(failed.map((r) => (r.status === 'rejected' ? (r.reason as AmazonError).code : 'ok'))).toEqual(
      Array(5).fill('LWA_SERVER_ERROR'),
    );
    expect(fast.lwaCalls() - lwaBefore).toBe(1);

    const minted = await Promise.all(
      Array.from({ length: 20 }, () => tokens.grantlessToken(applicationId, ROTATION_SCOPE)),
    );
    expect(new Set(minted.map((m) => m.token.reveal())).size).toBe(1);
    expect(fast.lwaCalls(appId)).toBe(1);
  });
});
