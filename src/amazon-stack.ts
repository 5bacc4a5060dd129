import type { SpApiClient } from './amazon/client-types.js';
import { createSpApiClient, type SpApiMetrics } from './amazon/client.js';
import { createLwaClient, type LwaClient } from './amazon/lwa.js';
import { createRateLimiter } from './amazon/rate-limiter.js';
import { buildUserAgent } from './amazon/user-agent.js';
import type { AmazonEndpoints } from './config/config.js';
import type { Applications } from './connections/applications.js';
import type { AuditLog } from './connections/audit.js';
import type { ConnectionEvent } from './connections/context.js';
import { createSuccessRecorder } from './connections/last-success.js';
import { createPeriodEventRecorder } from './monitor/period-events.js';
import { systemClock, type Clock } from './kernel/clock.js';
import type { Logger } from './kernel/log.js';
import type { Random } from './kernel/random.js';
import type { Store } from './store/database.js';
import { createTokenBroker, type TokenBroker } from './tokens/broker.js';
import type { Vault } from './vault/envelope.js';

export const VERSION = '0.1.0';

/** What talks to Amazon: LWA, the token broker and the SP-API client, built one way for service and CLI. */
export interface AmazonStack {
  userAgent: string;
  lwa: LwaClient;
  tokens: TokenBroker;
  spApi: SpApiClient;
  /** Appends connection/application events from the connection use cases to the event log. */
  logEvent: (event: LoggableEvent) => void;
  /** Waits for every event handed to `logEvent` to be stored (call before closing the database). */
  flushEvents(): Promise<void>;
}

/** An event raised through an `onEvent` hook of connections/ or tokens/. */
export type LoggableEvent = {
  type: ConnectionEvent['type'] | 'application.rejected';
  at: Date;
  connectionId?: string;
  accountId?: string;
  applicationId?: string;
  detail?: Record<string, unknown>;
};

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
}): AmazonStack {
  const { store, clock, logger } = deps;
  const userAgent = buildUserAgent({ appName: 'Sellerlink', appVersion: VERSION });
  const lwa = createLwaClient({ fetch: deps.fetch, endpoint: deps.endpoints.lwaTokenUrl, clock });
  // Each connection event once per authorization period, an app rejection once per secret, with the
  // likely cause named (monitor/period-events.ts).
  const periodEvents = createPeriodEventRecorder({
    db: store.db,
    clock,
    logger,
    applications: deps.applications,
  });
  // Hooks are synchronous: the insert runs in the background, tracked so shutdown can wait for it.
  const pending = new Set<Promise<void>>();
  const logEvent = (event: LoggableEvent): void => {
    const done = periodEvents
      .record(event)
      .then(() => undefined)
      .catch((err: unknown) =>
        logger.error({ err: (err as Error).message, type: event.type }, 'could not record event'),
      )
      .finally(() => pending.delete(done));
    pending.add(done);
  };
  const flushEvents = async (): Promise<void> => {
    while (pending.size > 0) await Promise.all([...pending]);
  };
  const tokens = createTokenBroker({
    store,
    vault: deps.vault,
    clock,
    lwa,
    applications: deps.applications,
    audit: deps.audit,
    logger,
    onEvent: logEvent,
  });
  const spApi = createSpApiClient({
    tokens,
    // Usage-plan buckets follow real time, as Amazon's (and the simulator's) do.
    limiter: createRateLimiter({ db: store.db, clock: systemClock }),
    fetch: deps.fetch,
    endpoints: deps.endpoints.spApi,
    userAgent,
    clock,
    random: deps.random,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    onSuccess: createSuccessRecorder(store.db, clock, logger),
  });
  return { userAgent, lwa, tokens, spApi, logEvent, flushEvents };
}
