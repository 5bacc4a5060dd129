/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment,
   @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call,
   @typescript-eslint/no-unsafe-return --
   simulator control answers, API bodies and CLI --json output are parsed JSON the tests inspect freely. */
import { createSpApiClient } from '../../src/amazon/client.js';
import type { SpApiClient } from '../../src/amazon/client-types.js';
import { createRateLimiter } from '../../src/amazon/rate-limiter.js';
import { createRateBucketStore } from '../../src/store/rate-buckets.js';
import { simulatorEndpoints } from '../../src/config/config.js';
import type { Viewer } from '../../src/connections/repository.js';
import { systemClock } from '../../src/kernel/clock.js';
import { silentLogger } from '../../src/kernel/log.js';
import { cryptoRandom } from '../../src/kernel/random.js';
import { createListingDrainer, type DrainReport, type ListingDrainer } from '../../src/listings/drain.js';
import { createListingOutbox, type ListingOutbox } from '../../src/listings/outbox.js';
import type { Store } from '../../src/store/database.js';
import type { AmazonWorld } from '../support/amazon-world.js';
import { controlRequest } from '../support/sim-control.js';

export const US = 'ATVPDKIKX0DER';
export const OPERATOR: Viewer = {
  userId: '',
  username: 'test',
  role: 'operator',
  accountId: null,
  actor: 'test',
};
export const META = { source: 'cli' as const, actor: 'test' };

/** A complete, valid SHIRT listing for the US marketplace (the simulator's SHIRT rules). */
export function shirt(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const text = (value: string) => [{ value, language_tag: 'en_US' }];
  const all: Record<string, unknown> = {
    item_name: text('Trail Shirt'),
    brand: text('Trailco'),
    color: text('Red'),
    size: text('M'),
    department: text('mens'),
    target_gender: [{ value: 'male' }],
    externally_assigned_product_identifier: [{ type: 'upc', value: '036000291452' }],
    condition_type: [{ value: 'new_new' }],
    purchasable_offer: [{ currency: 'USD', our_price: [{ schedule: [{ value_with_tax: 19.99 }] }] }],
    fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT', quantity: 12 }],
    ...overrides,
  };
  // `{ brand: undefined }` leaves the attribute out.
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined));
}

export const price = (value: number) => [
  { currency: 'USD', our_price: [{ schedule: [{ value_with_tax: value }] }] },
];

export const pricePatch = (value: number) => ({
  productType: 'SHIRT',
  patches: [{ op: 'replace', path: '/attributes/purchasable_offer', value: price(value) }],
});

/** Thrown by a test fetch to stand for the worker process dying mid-call. */
export class SimulatedCrash extends Error {}

/** An SP-API client over the world's broker whose fetch can be wrapped (crash injection). */
export function clientWithFetch(world: AmazonWorld, store: Store, fetchFn: typeof fetch): SpApiClient {
  return createSpApiClient({
    tokens: world.broker,
    limiter: createRateLimiter({ buckets: createRateBucketStore(store.db), clock: systemClock }),
    fetch: fetchFn,
    endpoints: simulatorEndpoints('http://sim.test').spApi,
    userAgent: 'Sellerlink/test (Language=TypeScript)',
    clock: world.clock,
    random: cryptoRandom,
    backoffBaseMs: 5,
    backoffCapMs: 50,
  });
}

/** The simulator's fetch, as the world's own client uses it. */
export function simFetch(world: AmazonWorld): typeof fetch {
  return (input, init) => world.sim.fetch(new Request(input, init));
}

export interface Listings {
  outbox: ListingOutbox;
  drainer: ListingDrainer;
  drainer2: (client: SpApiClient, options?: { inFlightSettleMs?: number }) => ListingDrainer;
  /** Drains until nothing is open or waiting (bounded), like the job system would. */
  drainAll(connectionId: string, drainer?: ListingDrainer): Promise<DrainReport[]>;
}

export function createListings(store: Store, world: AmazonWorld): Listings {
  const outbox = createListingOutbox({ db: store.db, clock: world.clock, random: cryptoRandom });
  // These tests interrupt sends in-process and check the read-back at once; the wait before it
  // (inFlightSettleMs, for a request still inside Amazon) has its own test in late-apply.test.ts.
  const make = (client: SpApiClient, options: { inFlightSettleMs?: number } = {}) =>
    createListingDrainer({
      store,
      spApi: client,
      clock: world.clock,
      logger: silentLogger,
      retryDelayMs: 0,
      inFlightSettleMs: options.inFlightSettleMs ?? 0,
    });
  const drainer = make(world.client);
  return {
    outbox,
    drainer,
    drainer2: make,
    async drainAll(connectionId, d = drainer) {
      const reports: DrainReport[] = [];
      for (let i = 0; i < 200; i++) {
        const report = await d.drain(connectionId);
        reports.push(report);
        if (report.waiting) break;
        if (report.remaining === 0 && report.retryAfterMs === null) break;
      }
      return reports;
    },
  };
}

/** Simulator ground truth for one SKU: state, attributes and every submission it took. */
export async function simListing(world: AmazonWorld, sellingPartnerId: string, sku: string): Promise<any> {
  const res = await world.sim.fetch(
    controlRequest(
      world.sim,
      `http://sim.test/_sim/listings?sellingPartnerId=${sellingPartnerId}&sku=${encodeURIComponent(sku)}`,
    ),
  );
  const body: any = await res.json();
  return body.listings[0] ?? null;
}

/** Simulator control call. */
export async function simControl(
  world: AmazonWorld,
  path: string,
  body?: unknown,
  method = 'POST',
): Promise<any> {
  const res = await world.sim.fetch(
    controlRequest(world.sim, `http://sim.test${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** The submissions (calls that reached the handler) the simulator recorded for a SKU, by method. */
export function submissionsOf(listing: any, mode = 'LIVE'): any[] {
  return (listing?.submissions ?? []).filter((s: any) => s.mode === mode);
}
