import type { SpApiClient } from '../amazon/client-types.js';
import { createSpApiClient, type SpApiMetrics } from '../amazon/client.js';
import type { AmazonError } from '../amazon/errors.js';
import { createGrantlessTokens } from '../amazon/grantless.js';
import { createAdsClient, type AdsClient } from '../amazon/ads-client.js';
import { createLwaClient, type LwaClient } from '../amazon/lwa.js';
import { REGIONS, type Region } from '../amazon/regions.js';
import { createRateLimiter } from '../amazon/rate-limiter.js';
import { buildUserAgent } from '../amazon/user-agent.js';
import type { AmazonEndpoints } from '../config/config.js';
import type { AuditLog } from '../connections/audit.js';
import { systemClock, type Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import type { Random } from '../kernel/random.js';
import type { Applications } from '../lifecycle/applications.js';
import {
  createConnectionLifecycle,
  type ConnectionChange,
  type ConnectionLifecycle,
} from '../lifecycle/connections.js';
import type { Store } from '../store/database.js';
import { createRateBucketStore } from '../store/rate-buckets.js';
import { createTokenBroker, type TokenBroker } from '../broker/broker.js';
import type { Vault } from '../vault/envelope.js';

export const VERSION = '0.1.0';

/** What talks to Amazon, and the connection lifecycle it reports to: built one way for service and CLI. */
export interface AmazonStack {
  userAgent: string;
  lwa: LwaClient;
  /** The one writer of connections (lifecycle/connections.ts). */
  lifecycle: ConnectionLifecycle;
  tokens: TokenBroker;
  spApi: SpApiClient;
  /** The LWA token endpoint of each region for Ads connections (code exchange and refresh). */
  adsLwa: Record<Region, LwaClient>;
  /** The one Amazon Ads API client. */
  adsApi: AdsClient;
}

export function createAmazonStack(deps: {
  store: Store;
  vault: Vault;
  clock: Clock;
  random: Random;
  fetch: typeof fetch;
  endpoints: AmazonEndpoints;
  applications: Applications;
  audit: AuditLog;
  logger: Logger;
  metrics?: SpApiMetrics;
  /** The rate limiter's clock (default: real time, as Amazon's buckets follow). */
  limiterClock?: Clock;
  /** Told after each connection transition commits (a nudge; the event is already stored). */
  onConnectionChange?: (change: ConnectionChange) => void;
  /** The SP-API client's retry backoff (default 0.5 s doubling to 30 s; tests shorten it). */
  backoff?: { baseMs: number; capMs: number };
  /** How the client and the rate limiter wait (default a timer; benches on a virtual clock). */
  sleep?: (ms: number) => Promise<void>;
  /** The Ads API proxy's pace per profile (config.adsProxy). */
  adsPace?: { ratePerSecond: number; burst: number; maxWaitMs: number };
}): AmazonStack {
  const { store, clock, logger } = deps;
  const userAgent = buildUserAgent({ appName: 'Sellerlink', appVersion: VERSION });
  const lwa = createLwaClient({ fetch: deps.fetch, endpoint: deps.endpoints.lwaTokenUrl, clock });
  const adsLwa = Object.fromEntries(
    REGIONS.map((r) => [
      r,
      createLwaClient({ fetch: deps.fetch, endpoint: deps.endpoints.ads.token[r], clock }),
    ]),
  ) as Record<Region, LwaClient>;
  const lifecycle = createConnectionLifecycle({
    db: store.db,
    clock,
    vault: deps.vault,
    random: deps.random,
    audit: deps.audit,
    logger,
    ...(deps.onConnectionChange ? { onChange: deps.onConnectionChange } : {}),
  });
  const tokens = createTokenBroker({
    store,
    vault: deps.vault,
    clock,
    lwa,
    adsLwa,
    applications: deps.applications,
    lifecycle,
    logger,
  });
  // Usage-plan buckets follow real time, as Amazon's do (sandbox: the simulated time); they live
  // in the shared database, so every process draws from the same ones.
  const limiter = createRateLimiter({
    buckets: createRateBucketStore(store.db),
    clock: deps.limiterClock ?? systemClock,
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
  });
  const adsApi = createAdsClient({
    fetch: deps.fetch,
    hosts: deps.endpoints.ads.api,
    clock: deps.limiterClock ?? systemClock,
    limiter,
    pace: deps.adsPace ?? { ratePerSecond: 1, burst: 2, maxWaitMs: 30_000 },
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
  });
  const spApi = createSpApiClient({
    tokens,
    grantless: createGrantlessTokens({
      lwa,
      credentials: (applicationId) => deps.applications.credentials(applicationId),
      clock,
    }),
    limiter,
    fetch: deps.fetch,
    endpoints: deps.endpoints.spApi,
    userAgent,
    clock,
    random: deps.random,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.backoff ? { backoffBaseMs: deps.backoff.baseMs, backoffCapMs: deps.backoff.capMs } : {}),
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
    onSuccess: (connectionId, sentAt) => lifecycle.recordSuccess(connectionId, sentAt),
    onFailure: (connectionId, err) => recordFailedCall({ store, lifecycle, logger }, connectionId, err),
  });
  return { userAgent, lwa, lifecycle, tokens, spApi, adsLwa, adsApi };
}

/**
 * Amazon kept throttling or failing a call past the client's retries: the connection shows "paused
 * by Amazon" after repeated failures. Not awaited by the client; a failure to record is logged.
 */
function recordFailedCall(
  deps: { store: Store; lifecycle: ConnectionLifecycle; logger: Logger },
  connectionId: string,
  err: AmazonError,
): void {
  deps.lifecycle
    .recordFailure(deps.store.db, connectionId, { code: err.code, message: err.message }, 5)
    .catch((e: unknown) =>
      deps.logger.warn({ err: (e as Error).message, connectionId }, 'could not record a failed call'),
    );
}
