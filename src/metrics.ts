import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SpApiMetrics } from './amazon/client.js';

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
