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
import { recordEvent } from './events/events.js';
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
  const logEvent = (event: LoggableEvent): void => {
    recordEvent(store.db, {
      type: event.type,
      at: event.at,
      accountId: event.accountId ?? null,
      connectionId: event.connectionId ?? null,
      applicationId: event.applicationId ?? null,
      payload: event.detail ?? {},
    }).catch((err: unknown) => logger.error({ err, type: event.type }, 'could not record event'));
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
  return { userAgent, lwa, tokens, spApi, logEvent };
}
