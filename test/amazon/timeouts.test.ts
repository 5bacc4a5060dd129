import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSpApiClient } from '../../src/amazon/client.js';
import type { SpApiClient } from '../../src/amazon/client-types.js';
import { AmazonError } from '../../src/amazon/errors.js';
import { createGrantlessTokens } from '../../src/amazon/grantless.js';
import { createLwaClient, type LwaClient } from '../../src/amazon/lwa.js';
import { ROTATION_SCOPE, rotateApplicationClientSecretRequest } from '../../src/amazon/operations.js';
import { createRateLimiter } from '../../src/amazon/rate-limiter.js';
import { createRateBucketStore } from '../../src/store/rate-buckets.js';
import { simulatorEndpoints } from '../../src/config/config.js';
import { systemClock } from '../../src/kernel/clock.js';
import { silentLogger } from '../../src/kernel/log.js';
import { cryptoRandom } from '../../src/kernel/random.js';
import { listenSimulator, type SimulatorServer } from '../../src/simulator/server.js';
import type { Store } from '../../src/store/database.js';
import { TokenError } from '../../src/broker/errors.js';
import { createTokenBroker, type TokenBroker } from '../../src/broker/broker.js';
import { createVault } from '../../src/vault/envelope.js';
import { createKeyRing } from '../../src/vault/keyring.js';
import { createAmazonWorld, type AmazonWorld } from '../support/amazon-world.js';
import { openTestStore } from '../support/databases.js';

/**
 * The deadline on Amazon calls fired only while the garbage collector left
 * the Request carrying the abort signal alone. Here every kind of Amazon call (SP-API, LWA refresh
 * through the token broker, the code exchange, grantless) goes over real HTTP to the simulator
 * behind a server that can hang (accept and never answer) or stall (send the headers, then part of
 * the body, then nothing), with a 1 s deadline and the collector forced to run throughout.
 */

/** Short, yet long enough for the calls that do not hang to finish on a loaded machine. */
const TIMEOUT_MS = 1_000;
/** How long a call may take before the test calls it hung: generous, so load never trips it. */
const HUNG_AFTER_MS = 20_000;
const STILL_WAITING = 'still waiting: the deadline never fired';

/** The V8 collector, exposed at run time (vitest starts workers without --expose-gc). */
function collector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

type Hang = 'silent' | 'stalled-body';

describe('deadlines on Amazon calls, whatever the garbage collector does', () => {
  let store: Store;
  let close: () => Promise<void>;
  let world: AmazonWorld;
  let server: SimulatorServer;
  let lwa: LwaClient;
  let broker: TokenBroker;
  let client: SpApiClient;
  /** Requests whose path matches `path` hang as `mode`; `sent` counts the attempts the client made. */
  const hang: { path: RegExp | null; mode: Hang; sent: number } = { path: null, mode: 'silent', sent: 0 };
  const gc = collector();

  beforeAll(async () => {
    ({ store, close } = await openTestStore('pglite'));
    world = await createAmazonWorld(store);
    server = await listenSimulator(
      {
        ...world.sim,
        fetch: (request, onDrop) => {
          if (!hang.path?.test(new URL(request.url).pathname)) return world.sim.fetch(request, onDrop);
          if (hang.mode === 'silent') return new Promise<Response>(() => {});
          const body = new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(new TextEncoder().encode('{"access_token":"Atza|'));
            },
          });
          return Promise.resolve(
            new Response(body, { status: 200, headers: { 'content-type': 'application/json' } }),
          );
        },
      },
      { port: 0 },
    );
    const endpoints = simulatorEndpoints(server.url);
    // Counts attempts as the client sends them (the server may see one late on a loaded machine).
    const fetchFn: typeof fetch = (input, init) => {
      if (hang.path?.test(new URL(input instanceof Request ? input.url : input).pathname)) hang.sent++;
      return globalThis.fetch(input, init);
    };
    lwa = createLwaClient({
      fetch: fetchFn,
      endpoint: endpoints.lwaTokenUrl,
      clock: world.clock,
      timeoutMs: TIMEOUT_MS,
      sleep: () => Promise.resolve(),
    });
    // The same key as the world's vault, so this broker opens the refresh tokens it stored.
    const vault = createVault(
      createKeyRing([{ id: 'k1', base64: Buffer.alloc(32, 7).toString('base64') }]),
      cryptoRandom,
    );
    broker = createTokenBroker({
      store,
      vault,
      clock: world.clock,
      lwa,
      applications: world.applications,
      lifecycle: world.lifecycle,
      logger: silentLogger,
    });
    client = createSpApiClient({
      tokens: broker,
      grantless: createGrantlessTokens({
        lwa,
        credentials: (id) => world.applications.credentials(id),
        clock: world.clock,
      }),
      limiter: createRateLimiter({ buckets: createRateBucketStore(store.db), clock: systemClock }),
      fetch: fetchFn,
      endpoints: endpoints.spApi,
      userAgent: 'Sellerlink/test (Language=TypeScript)',
      clock: world.clock,
      random: cryptoRandom,
      timeoutMs: TIMEOUT_MS,
      maxAttempts: 2,
      backoffBaseMs: 5,
      backoffCapMs: 10,
    });
  });
  afterEach(() => {
    hang.path = null;
  });
  afterAll(async () => {
    await server.close();
    world.sim.stop();
    await close();
  });

  /**
   * What `call` settled with (its error, or 'resolved'), or STILL_WAITING if it had not settled
   * after HUNG_AFTER_MS. The collector runs every few milliseconds meanwhile, as a busy process's would.
   */
  async function outcome(call: () => Promise<unknown>): Promise<unknown> {
    const collecting = setInterval(gc, 50);
    let guard: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        call().then(
          () => 'resolved',
          (err: unknown) => err,
        ),
        new Promise((resolve) => (guard = setTimeout(() => resolve(STILL_WAITING), HUNG_AFTER_MS))),
      ]);
    } finally {
      clearInterval(collecting);
      clearTimeout(guard);
    }
  }

  const participations = (connectionId: string) =>
    client.call(connectionId, { method: 'GET', path: '/sellers/v1/marketplaceParticipations' });

  for (const mode of ['silent', 'stalled-body'] as const) {
    it(`an SP-API call to a server that ${mode === 'silent' ? 'never answers' : 'stalls its body'} fails with AMAZON_TIMEOUT after its attempts`, async () => {
      const { id } = await world.newConnection();
      expect((await participations(id)).status).toBe(200); // access token cached: only SP-API hangs
      Object.assign(hang, { path: /^\/na\/sellers\//, mode, sent: 0 });
      const err = await outcome(() => participations(id));
      expect(err).toBeInstanceOf(AmazonError);
      expect(err).toMatchObject({ code: 'AMAZON_TIMEOUT', retryable: true });
      expect((err as Error).message).toMatch(/did not answer within 1 s/);
      expect(hang.sent).toBe(2); // maxAttempts
    });

    it(`a token refresh to an LWA that ${mode === 'silent' ? 'never answers' : 'stalls its body'} fails with the timeout as its cause`, async () => {
      const { id } = await world.newConnection();
      await broker.invalidate(id);
      Object.assign(hang, { path: /^\/auth\/o2\/token$/, mode, sent: 0 });
      const err = await outcome(() => broker.accessToken(id));
      expect(err).toBeInstanceOf(TokenError);
      expect(err).toMatchObject({ code: 'TOKEN_REFRESH_FAILED' });
      expect((err as TokenError).cause).toMatchObject({ code: 'AMAZON_TIMEOUT' });
      expect(((err as TokenError).cause as Error).message).toMatch(
        mode === 'silent' ? /did not answer within 1 s/ : /did not finish its HTTP 200 answer within 1 s/,
      );
      expect(hang.sent).toBe(1);
    });
  }

  it('a code exchange with an LWA that never answers fails with AMAZON_TIMEOUT after three attempts', async () => {
    Object.assign(hang, { path: /^\/auth\/o2\/token$/, mode: 'silent', sent: 0 });
    const credentials = await world.applications.credentials(world.applicationId);
    const err = await outcome(() =>
      lwa.exchangeCode(credentials, 'ANcodeNeverAnswered', 'https://vendor.example/oauth/callback'),
    );
    expect(err).toBeInstanceOf(AmazonError);
    expect(err).toMatchObject({ code: 'AMAZON_TIMEOUT' });
    expect(hang.sent).toBe(3); // no answer means the code was not consumed: retried
  });

  it('a grantless call whose LWA token request stalls its body fails with AMAZON_TIMEOUT', async () => {
    Object.assign(hang, { path: /^\/auth\/o2\/token$/, mode: 'stalled-body', sent: 0 });
    const err = await outcome(() =>
      client.callGrantless(
        { applicationId: world.applicationId, region: 'NA', scope: ROTATION_SCOPE },
        rotateApplicationClientSecretRequest(),
      ),
    );
    expect(err).toBeInstanceOf(AmazonError);
    expect(err).toMatchObject({ code: 'AMAZON_TIMEOUT' });
    expect(hang.sent).toBe(1);
  });
});
