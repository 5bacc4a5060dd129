import type { SpApiClient } from '../../src/amazon/client-types.js';
import type { SpApiMetrics } from '../../src/amazon/client.js';
import type { Applications } from '../../src/lifecycle/applications.js';
import { listEvents } from '../../src/events/events.js';
import type { ConnectionLifecycle } from '../../src/lifecycle/connections.js';
import { DAY, createOffsetClock, systemClock, type OffsetClock } from '../../src/kernel/clock.js';
import { cryptoRandom, randomUuid } from '../../src/kernel/random.js';
import { Secret } from '../../src/kernel/secret.js';
import { createSimulator, type Simulator } from '../../src/simulator/app.js';
import type { SimulatorConfig } from '../../src/simulator/config.js';
import { DEMO, seedDemo } from '../../src/simulator/seed.js';
import { authorize } from '../../src/simulator/world.js';
import type { Store } from '../../src/store/database.js';
import { composeUseCases } from './compose.js';
import { controlRequest } from './sim-control.js';
import type { TokenBroker } from '../../src/broker/broker.js';

const ORIGIN = 'http://sim.test';
const REDIRECT = 'https://vendor.example/oauth/callback';

/** The simulator in-process, and Sellerlink's Amazon side (applications, broker, client) on a store. */
export interface AmazonWorld {
  sim: Simulator;
  /** A fetch that reaches the in-process simulator (report documents, controls). */
  fetch: typeof fetch;
  clock: OffsetClock;
  applications: Applications;
  broker: TokenBroker;
  client: SpApiClient;
  /** The lifecycle events recorded for this world's application (read from the event log). */
  events: () => Promise<string[]>;
  lifecycle: ConnectionLifecycle;
  applicationId: string;
  accountId: string;
  /** LWA calls the simulator has seen so far. */
  lwaCalls(): number;
  /** Calls to an operation the simulator has seen, by status. */
  calls(operation: string): { total: number; throttled: number };
  /** A connection for a new simulated NA seller, imported through the public use case. */
  newConnection(
    kind?: 'oauth' | 'self',
  ): Promise<{ id: string; authorizationId: string; sellingPartnerId: string }>;
  /** The seller authorizes the app again (a new refresh token) and it is imported: the connection renews. */
  renew(connection: { sellingPartnerId: string }): Promise<{ authorizationId: string }>;
  /** Calls a simulator control (`/_sim/...`) and returns its JSON; throws on a non-2xx answer. */
  control<T = unknown>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T>;
}

/** Builds an AmazonWorld over `store`. `simConfig` tunes the simulator (e.g. `speed`). */
export async function createAmazonWorld(
  store: Store,
  options: { simConfig?: Partial<SimulatorConfig>; metrics?: SpApiMetrics } = {},
): Promise<AmazonWorld> {
  const clock = createOffsetClock(systemClock);
  const sim = createSimulator({
    clock,
    config: { clientSecretLifetimeMs: 1000 * DAY, ...options.simConfig },
  });
  seedDemo(sim.ctx, { redirectUris: [REDIRECT] });
  const fetchSim = (input: RequestInfo | URL, init?: RequestInit) => sim.fetch(new Request(input, init));
  // Sellerlink's side from the composition factory, on the in-process simulator; the SP-API
  // client retries quickly (tests), and usage-plan buckets follow real time, as the simulator's do.
  const graph = await composeUseCases({
    store,
    origin: ORIGIN,
    fetch: fetchSim,
    clock,
    overrides: {
      limiterClock: systemClock,
      spApiBackoff: { baseMs: 20, capMs: 200 },
      ...(options.metrics ? { spApiMetrics: options.metrics } : {}),
    },
  });
  const { applications, connections: manager } = graph;
  const { lifecycle, tokens: broker, spApi: client } = graph.amazon;
  const applicationId = (
    await applications.upsert({
      name: 'Demo',
      appId: DEMO.publishedApp.appId,
      clientId: DEMO.publishedApp.clientId,
      clientSecret: new Secret(DEMO.publishedApp.clientSecret),
      status: 'published',
      redirectUri: REDIRECT,
    })
  ).id;
  const accountId = (
    await store.db
      .insertInto('accounts')
      .values({ name: `World ${randomUuid(cryptoRandom)}` })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  const log = () => sim.ctx.state.requestLog;
  return {
    sim,
    fetch: fetchSim,
    clock,
    applications,
    broker,
    client,
    lifecycle,
    events: async () =>
      (await listEvents(store.db, { limit: 10_000 }))
        .filter((e) => e.applicationId === applicationId)
        .map((e) => e.type),
    applicationId,
    accountId,
    lwaCalls: () => log().filter((e) => e.operation === 'lwa').length,
    calls: (operation) => {
      const mine = log().filter((e) => e.operation === operation);
      return { total: mine.length, throttled: mine.filter((e) => e.status === 429).length };
    },
    async renew(connection) {
      const auth = authorize(sim.ctx, {
        appId: DEMO.publishedApp.appId,
        sellingPartnerId: connection.sellingPartnerId,
        kind: 'self',
      });
      await manager.importSelfAuthorized(
        { userId: '', username: 'test', role: 'operator', accountId: null, actor: 'test' },
        {
          applicationId,
          region: 'NA',
          sellingPartnerId: connection.sellingPartnerId,
          refreshToken: new Secret(auth.refreshToken),
          accountId,
        },
        null,
      );
      return { authorizationId: auth.id };
    },
    async control<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
      const response = await sim.fetch(
        controlRequest(sim, `${ORIGIN}${path}`, {
          method,
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      );
      const text = await response.text();
      if (!response.ok) throw new Error(`simulator ${method} ${path} → ${response.status}: ${text}`);
      return JSON.parse(text) as T;
    },
    async newConnection(kind = 'self') {
      const spid = `A${randomUuid(cryptoRandom).replace(/-/g, '').slice(0, 12).toUpperCase()}`;
      sim.ctx.state.sellers.set(spid, {
        sellingPartnerId: spid,
        name: spid,
        region: 'NA',
        marketplaceIds: ['ATVPDKIKX0DER'],
        users: [],
      });
      const auth = authorize(sim.ctx, { appId: DEMO.publishedApp.appId, sellingPartnerId: spid, kind });
      const c = await manager.importSelfAuthorized(
        { userId: '', username: 'test', role: 'operator', accountId: null, actor: 'test' },
        {
          applicationId,
          region: 'NA',
          sellingPartnerId: spid,
          refreshToken: new Secret(auth.refreshToken),
          accountId,
        },
        null,
      );
      return { id: c.id, authorizationId: auth.id, sellingPartnerId: spid };
    },
  };
}
