import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startJobs, type Jobs } from '../../src/jobs/boss.js';
import { MINUTE } from '../../src/kernel/clock.js';
import { ValidationError } from '../../src/kernel/errors.js';
import { silentLogger } from '../../src/kernel/log.js';
import { cryptoRandom } from '../../src/kernel/random.js';
import {
  CATALOG_REFRESH_QUEUE,
  dispatchCatalogRefreshes,
  startCatalogJobs,
} from '../../src/listings/catalog-jobs.js';
import { CATALOG_DUE_BATCH, createListingCatalog, type ListingCatalog } from '../../src/listings/catalog.js';
import { createListingOutbox, type ListingOutbox } from '../../src/listings/outbox.js';
import {
  applyToListing,
  ensureListingRecord,
  removeFromMarketplace,
} from '../../src/simulator/listings-store.js';
import type { Store } from '../../src/store/database.js';
import { createAmazonWorld, type AmazonWorld } from '../support/amazon-world.js';
import { describeEachDatabase, openTestStore } from '../support/databases.js';
import { OPERATOR, shirt, US } from './support.js';

/**
 * The seller's catalog (listings/catalog.ts): searchListingsItems walked page by page into
 * `listing_catalog`, paced by the shared rate limiter at the operation's usage plan (no 429 from
 * the simulator, which enforces Amazon's plan), with Amazon's standard-base64 page tokens
 * (`+`, `/`, `=`) sent percent-encoded; SKUs gone from Amazon disappear at the next complete walk;
 * the dispatcher queues one refresh per due connection and never a second one while it waits.
 */

const INTERVAL = 15 * MINUTE;

/** Puts a live SHIRT listing straight into the simulated Amazon (arranging Amazon's side). */
function listOnAmazon(world: AmazonWorld, sellingPartnerId: string, sku: string, overrides = {}): void {
  const listing = ensureListingRecord(world.sim.ctx, sellingPartnerId, sku, 'SHIRT');
  applyToListing(world.sim.ctx, listing, US, {
    productType: 'SHIRT',
    attributes: shirt(overrides),
    requirements: 'LISTING',
  });
}

describeEachDatabase('listings catalog from searchListingsItems', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  let world: AmazonWorld;
  let catalog: ListingCatalog;
  let outbox: ListingOutbox;
  let seller = '';
  let connectionId = '';

  beforeAll(async () => {
    ({ store, close } = await openTestStore(kind));
    world = await createAmazonWorld(store);
    catalog = createListingCatalog({
      store,
      spApi: world.client,
      clock: world.clock,
      random: cryptoRandom,
      logger: silentLogger,
      intervalMs: INTERVAL,
    });
    outbox = createListingOutbox({ db: store.db, clock: world.clock, random: cryptoRandom });
    const connection = await world.newConnection();
    seller = connection.sellingPartnerId;
    connectionId = connection.id;
  });
  afterAll(async () => {
    world.sim.stop();
    await close();
  });

  it('walks every page at the usage plan (no 429), sending the base64 page tokens encoded', async () => {
    const skus = Array.from({ length: 130 }, (_, i) => `CAT-${String(i).padStart(3, '0')}`);
    for (const sku of skus) listOnAmazon(world, seller, sku);
    // Out of stock, and one missing a required attribute (an ERROR issue: not discoverable).
    listOnAmazon(world, seller, 'CAT-OUT', {
      fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT', quantity: 0 }],
    });
    listOnAmazon(world, seller, 'CAT-ISSUE', { color: undefined });
    const before = world.calls('searchListingsItems');

    const outcome = await catalog.refresh(connectionId);

    // 132 items at 20 a page: 7 pages, well past the plan's burst of 5.
    expect(outcome).toEqual({ status: 'done', items: 132, pages: 7 });
    const calls = world.calls('searchListingsItems');
    expect(calls.total - before.total).toBe(7);
    expect(calls.throttled - before.throttled).toBe(0);
    const all = await outbox.catalog.page(OPERATOR, connectionId, { limit: 1000 });
    expect(all.items.map((i) => i.sku).sort()).toEqual([...skus, 'CAT-ISSUE', 'CAT-OUT'].sort());
    const first = all.items.find((i) => i.sku === 'CAT-000')!;
    expect(first).toMatchObject({
      marketplaceId: US,
      productType: 'SHIRT',
      itemName: 'Trail Shirt',
      statuses: ['DISCOVERABLE', 'BUYABLE'],
      issues: [],
      price: { amount: '19.99', currency: 'USD' },
      quantity: 12,
    });
    expect(first.asin).toMatch(/^B0/);
    expect(all.items.find((i) => i.sku === 'CAT-OUT')).toMatchObject({
      statuses: ['DISCOVERABLE'],
      quantity: 0,
    });
    const issue = all.items.find((i) => i.sku === 'CAT-ISSUE')!;
    expect(issue.statuses).toEqual([]);
    expect(issue.issues.map((i) => [i.severity, i.attributeNames])).toEqual([['ERROR', ['color']]]);
    const errors = await outbox.catalog.page(OPERATOR, connectionId, { filter: 'error' });
    expect(errors.items.map((i) => i.sku)).toEqual(['CAT-ISSUE']);
    expect(await outbox.catalog.sync(OPERATOR, connectionId)).toMatchObject({ status: 'done', items: 132 });
  });

  it('pages the stored catalog by marketplace and SKU (keyset cursor), refusing a forged cursor', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 20; i++) {
      const page = await outbox.catalog.page(OPERATOR, connectionId, {
        limit: 50,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.items.map((x) => x.sku));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toHaveLength(132);
    expect(new Set(seen).size).toBe(132);
    expect(seen).toEqual([...seen].sort());
    await expect(outbox.catalog.page(OPERATOR, connectionId, { cursor: 'not a cursor' })).rejects.toThrow(
      ValidationError,
    );
    await expect(outbox.catalog.page(OPERATOR, connectionId, { limit: 0 })).rejects.toThrow(ValidationError);
  });

  it('the next refresh shows changes made on Amazon and drops SKUs gone from it', async () => {
    const ctx = world.sim.ctx;
    removeFromMarketplace(ctx, ctx.state.listings.get(`${seller}|CAT-001`)!, US);
    listOnAmazon(world, seller, 'CAT-002', {
      fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT', quantity: 3 }],
    });
    listOnAmazon(world, seller, 'CAT-NEW');
    expect(await catalog.refresh(connectionId)).toMatchObject({ status: 'done', items: 132 });
    expect(await outbox.catalog.item(OPERATOR, connectionId, US, 'CAT-001')).toBeNull();
    expect((await outbox.catalog.item(OPERATOR, connectionId, US, 'CAT-002'))?.quantity).toBe(3);
    expect((await outbox.catalog.item(OPERATOR, connectionId, US, 'CAT-NEW'))?.statuses).toContain('BUYABLE');
  });

  it('is due when never refreshed or INTERVAL after its last start; a revoked one fails and keeps its rows', async () => {
    const dueNow = async () => (await catalog.dueBatch(null)).includes(connectionId);
    expect(await dueNow()).toBe(false);
    world.clock.advance(INTERVAL);
    expect(await dueNow()).toBe(true);
    const other = await world.newConnection();
    expect((await catalog.dueBatch(null)).includes(other.id)).toBe(true);

    const revoked = await world.newConnection();
    listOnAmazon(world, revoked.sellingPartnerId, 'REVOKED-1');
    expect(await catalog.refresh(revoked.id)).toMatchObject({ status: 'done', items: 1 });
    await world.control('POST', `/_sim/authorizations/${revoked.authorizationId}/revoke`, {});
    world.clock.advance(INTERVAL);
    // Amazon no longer takes the authorization: the refresh fails (or finds the connection paused)
    // and the catalog keeps what it last saw.
    expect((await catalog.refresh(revoked.id)).status).toMatch(/failed|paused/);
    expect((await outbox.catalog.page(OPERATOR, revoked.id)).items.map((i) => i.sku)).toEqual(['REVOKED-1']);
  });

  describe('on the job system', () => {
    let jobs: Jobs;
    afterEach(async () => jobs?.stop(2000));

    it('queues one refresh per due connection, in batches, and never a second one while it waits', async () => {
      jobs = await startJobs({ store, supervise: false });
      // The queues as the service sets them up (no refresh workers: nothing takes the jobs).
      await startCatalogJobs({
        boss: jobs.boss,
        catalog: { dueBatch: () => Promise.resolve([]) } as never,
        logger: silentLogger,
        concurrency: 0,
      });
      const ids = Array.from({ length: CATALOG_DUE_BATCH + 5 }, () => randomUUID()).sort();
      const due = {
        dueBatch: (after: string | null) =>
          Promise.resolve(ids.filter((id) => after === null || id > after).slice(0, CATALOG_DUE_BATCH)),
      };
      expect(await dispatchCatalogRefreshes(jobs.boss, due)).toBe(ids.length);
      expect(await dispatchCatalogRefreshes(jobs.boss, due)).toBe(ids.length);
      // A "refresh now" for a connection whose job still waits is not queued beside it.
      expect(
        await jobs.boss.send(CATALOG_REFRESH_QUEUE, { connectionId: ids[0] }, { singletonKey: ids[0]! }),
      ).toBeNull();
      const waiting = await sql<{ key: string; n: string | number }>`
        select singleton_key as key, count(*) as n from pgboss.job
        where name = ${CATALOG_REFRESH_QUEUE} and state = 'created' group by singleton_key`.execute(store.db);
      expect(waiting.rows.map((r) => r.key).sort()).toEqual(ids);
      expect(waiting.rows.every((r) => Number(r.n) === 1)).toBe(true);
    });
  });
});
