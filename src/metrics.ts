import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SpApiMetrics } from './amazon/client.js';
import type { Logger } from './kernel/log.js';
import type { DeliveryBacklog } from './notify/delivery.js';

/** The process's Prometheus registry and the instruments the service reports (served at /metrics). */
export interface Metrics {
  registry: Registry;
  spApi: SpApiMetrics;
}

/** Creates a registry with Node's default metrics and SP-API call, throttle and wait counters. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const calls = new Counter({
    name: 'sellerlink_spapi_calls_total',
    help: 'SP-API calls made, by operation and HTTP status (error: no response)',
    labelNames: ['operation', 'status'],
    registers: [registry],
  });
  const throttles = new Counter({
    name: 'sellerlink_spapi_throttled_total',
    help: 'SP-API calls Amazon answered with 429',
    labelNames: ['operation'],
    registers: [registry],
  });
  const waits = new Histogram({
    name: 'sellerlink_spapi_rate_limit_wait_seconds',
    help: 'Time a call waited for its usage-plan bucket before being sent',
    labelNames: ['operation'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 180],
    registers: [registry],
  });
  return {
    registry,
    spApi: {
      call: (operation, status) => calls.inc({ operation, status: String(status) }),
      throttled: (operation) => throttles.inc({ operation }),
      waited: (operation, ms) => waits.observe({ operation }, ms / 1000),
    },
  };
}

/**
 * Notification backlog gauges, read from the database at each scrape (so every web process shows
 * the same numbers, whichever worker died): pending deliveries and the oldest one's age per
 * channel, and events not yet fanned out. A failed read leaves the gauges out of that scrape.
 * @see https://github.com/siimon/prom-client#gauge (async `collect`)
 */
export function registerDeliveryBacklog(
  registry: Registry,
  read: () => Promise<DeliveryBacklog>,
  logger: Logger,
): void {
  let current: Promise<DeliveryBacklog | null> | null = null;
  // One database read per scrape, shared by the three gauges.
  const snapshot = (): Promise<DeliveryBacklog | null> =>
    (current ??= read()
      .catch((err: unknown) => {
        logger.warn(
          { err: err instanceof Error ? err.message : String(err) },
          'could not read the delivery backlog',
        );
        return null;
      })
      .finally(() => setImmediate(() => (current = null))));
  new Gauge({
    name: 'sellerlink_notification_deliveries_pending',
    help: 'Notification deliveries not yet delivered or given up, by channel (email, webhook)',
    labelNames: ['channel'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const c of (await snapshot())?.channels ?? []) this.set({ channel: c.channel }, c.pending);
    },
  });
  new Gauge({
    name: 'sellerlink_notification_oldest_pending_seconds',
    help: 'Age of the oldest pending notification delivery, by channel (0: none pending)',
    labelNames: ['channel'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const c of (await snapshot())?.channels ?? [])
        this.set({ channel: c.channel }, c.oldestAgeSeconds);
    },
  });
  new Gauge({
    name: 'sellerlink_notification_events_awaiting_fanout',
    help: 'Events recorded but not yet turned into notification deliveries',
    registers: [registry],
    async collect() {
      this.reset();
      const b = await snapshot();
      if (b) this.set(b.eventsAwaitingFanOut);
    },
  });
}
