import {
  createSpApiClient,
  type AccessTokenSource,
  type GrantlessTokenSource,
  type SpApiMetrics,
} from '../../src/amazon/client.js';
import type { SpApiClient } from '../../src/amazon/client-types.js';
import { createGrantlessTokens } from '../../src/amazon/grantless.js';
import { createLwaClient, type LwaClient } from '../../src/amazon/lwa.js';
import type { LwaCredentials } from '../../src/amazon/operations.js';
import { createRateLimiter } from '../../src/amazon/rate-limiter.js';
import { createRateBucketStore } from '../../src/store/rate-buckets.js';
import { simulatorEndpoints } from '../../src/config/config.js';
import { DAY, createOffsetClock, systemClock, type OffsetClock } from '../../src/kernel/clock.js';
import { cryptoRandom, randomUuid } from '../../src/kernel/random.js';
import { Secret } from '../../src/kernel/secret.js';
import { createSimulator, type Simulator } from '../../src/simulator/app.js';
import type { SimulatorConfig } from '../../src/simulator/config.js';
import { addApp, authorize } from '../../src/simulator/world.js';
import type { Store } from '../../src/store/database.js';

const ORIGIN = 'http://sim.test';
const REDIRECT = 'https://vendor.example/oauth/callback';

/**
 * The in-process simulator and the SP-API client wired to it with the production parts (LWA client,
 * shared rate limiter on `store`, grantless token cache). Only the application registry and the
 * token broker are left out: each app's credentials are known here, and a connection's access token
 * is minted with its refresh token through the real LWA client. Independent of test/support's
 * AmazonWorld so these tests need nothing from the connections or tokens contexts.
 */
export interface SimClient {
  sim: Simulator;
  clock: OffsetClock;
  lwa: LwaClient;
  client: SpApiClient;
  /** The client's grantless token cache. */
  grantless: GrantlessTokenSource;
  /** The LWA credentials of an app made by `newApp`. */
  credentials: (applicationId: string) => Promise<LwaCredentials>;
  /** Notification messages the simulator delivered to apps' destinations. */
  delivered: { url: string; body: Record<string, unknown> }[];
  /** A new simulator app (so a fresh usage-plan bucket on both sides), with the destination set. */
  newApp(options?: { destination?: string | null }): { applicationId: string; appId: string };
  /** A new NA seller of `marketplaceIds`, authorized for a new app; returns the connection id. */
  newConnection(marketplaceIds: string[]): { connectionId: string; sellingPartnerId: string };
  /** LWA calls the simulator saw for an app (every app's when none is given). */
  lwaCalls(appId?: string): number;
  /** Statuses of the calls to an operation the simulator saw for an app, oldest first. */
  statuses(operation: string, appId: string): number[];
}

/** Builds a SimClient; `simConfig` tunes the simulator (e.g. `speed`), `metrics` goes to the client. */
export function createSimClient(
  store: Store,
  options: { simConfig?: Partial<SimulatorConfig>; metrics?: SpApiMetrics } = {},
): SimClient {
  const clock = createOffsetClock(systemClock);
  const delivered: SimClient['delivered'] = [];
  const sim = createSimulator({
    clock,
    config: { clientSecretLifetimeMs: 1000 * DAY, ...options.simConfig },
    // The app's notification destination (where a new client secret arrives), recorded here.
    fetch: async (input, init) => {
      const request = new Request(input, init);
      delivered.push({ url: request.url, body: (await request.json()) as Record<string, unknown> });
      return new Response(null, { status: 204 });
    },
  });
  const fetchSim = (input: RequestInfo | URL, init?: RequestInit) => sim.fetch(new Request(input, init));
  const endpoints = simulatorEndpoints(ORIGIN);
  const lwa = createLwaClient({ fetch: fetchSim, endpoint: endpoints.lwaTokenUrl, clock });

  const credentials = new Map<string, LwaCredentials>();
  const connections = new Map<string, { applicationId: string; refreshToken: Secret }>();
  const userTokens = new Map<string, Secret>();
  const tokens: AccessTokenSource = {
    async accessToken(connectionId) {
      const connection = connections.get(connectionId);
      if (!connection) throw new Error(`unknown connection ${connectionId}`);
      let token = userTokens.get(connectionId);
      if (!token) {
        const creds = credentials.get(connection.applicationId)!;
        token = (await lwa.refresh(creds, connection.refreshToken)).accessToken;
        userTokens.set(connectionId, token);
      }
      return { token, region: 'NA' };
    },
    invalidate(connectionId) {
      userTokens.delete(connectionId);
      return Promise.resolve();
    },
  };
  const credentialsOf = (applicationId: string): Promise<LwaCredentials> => {
    const found = credentials.get(applicationId);
    return found ? Promise.resolve(found) : Promise.reject(new Error(`unknown application ${applicationId}`));
  };
  const grantless = createGrantlessTokens({ lwa, clock, credentials: credentialsOf });
  const client = createSpApiClient({
    tokens,
    grantless,
    // Usage-plan buckets follow real time, as the simulator's do.
    limiter: createRateLimiter({ buckets: createRateBucketStore(store.db), clock: systemClock }),
    fetch: fetchSim,
    endpoints: endpoints.spApi,
    userAgent: 'Sellerlink/test (Language=TypeScript)',
    clock,
    random: cryptoRandom,
    backoffBaseMs: 20,
    backoffCapMs: 200,
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });

  const newApp: SimClient['newApp'] = ({
    destination = 'https://vendor.example/amazon/notifications',
  } = {}) => {
    const app = addApp(sim.ctx, {
      name: 'Test app',
      status: 'published',
      redirectUris: [REDIRECT],
      ...(destination === null ? {} : { notificationDestinationUrl: destination }),
    });
    const applicationId = randomUuid(cryptoRandom);
    credentials.set(applicationId, {
      clientId: app.clientId,
      clientSecret: new Secret(app.clientSecrets[0]!.secret),
    });
    return { applicationId, appId: app.appId };
  };

  const log = () => sim.ctx.state.requestLog;
  return {
    sim,
    clock,
    lwa,
    client,
    grantless,
    credentials: credentialsOf,
    delivered,
    newApp,
    newConnection(marketplaceIds) {
      const { applicationId, appId } = newApp();
      const sellingPartnerId = `A${randomUuid(cryptoRandom).replace(/-/g, '').slice(0, 12).toUpperCase()}`;
      sim.ctx.state.sellers.set(sellingPartnerId, {
        sellingPartnerId,
        name: `Store ${sellingPartnerId}`,
        region: 'NA',
        marketplaceIds,
        users: [],
      });
      const auth = authorize(sim.ctx, { appId, sellingPartnerId, kind: 'self' });
      const connectionId = randomUuid(cryptoRandom);
      connections.set(connectionId, { applicationId, refreshToken: new Secret(auth.refreshToken) });
      return { connectionId, sellingPartnerId };
    },
    lwaCalls: (appId) =>
      log().filter((e) => e.operation === 'lwa' && (appId === undefined || e.appId === appId)).length,
    statuses: (operation, appId) =>
      log()
        .filter((e) => e.operation === operation && e.appId === appId)
        .map((e) => e.status),
  };
}
