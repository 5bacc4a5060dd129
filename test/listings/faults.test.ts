/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment,
   @typescript-eslint/no-unsafe-member-access,
   @typescript-eslint/no-unsafe-return --
   simulator control answers, API bodies and CLI --json output are parsed JSON the tests inspect freely. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEvents } from '../../src/events/events.js';
import { HOUR } from '../../src/kernel/clock.js';
import { silentLogger } from '../../src/kernel/log.js';
import { createListingDrainer } from '../../src/listings/drain.js';
import { FINAL_STATES, type ListingChange } from '../../src/listings/model.js';
import type { Store } from '../../src/store/database.js';
import { createAmazonWorld, type AmazonWorld } from '../support/amazon-world.js';
import { describeEachDatabase, openTestStore } from '../support/databases.js';
import {
  clientWithFetch,
  createListings,
  META,
  OPERATOR,
  price,
  pricePatch,
  shirt,
  simControl,
  simFetch,
  simListing,
  SimulatedCrash,
  submissionsOf,
  type Listings,
} from './support.js';

const colour = (value: string) => [{ value, language_tag: 'en_US' }];

describeEachDatabase('listings outbox: faults, crashes and outages', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  let world: AmazonWorld;
  let listings: Listings;

  beforeAll(async () => {
    ({ store, close } = await openTestStore(kind));
    world = await createAmazonWorld(store);
    listings = createListings(store, world);
  });
  afterAll(async () => {
    world.sim.stop();
    await close();
  });

  /** Every change reached a final state, and every submission Amazon took is recorded once. */
  const expectSentOnce = async (sellingPartnerId: string, changes: ListingChange[]) => {
    const current = await Promise.all(changes.map((c) => listings.outbox.get(OPERATOR, c.id)));
    for (const change of current)
      expect(FINAL_STATES, `${change.sku} ${change.stateLabel}`).toContain(change.state);
    for (const sku of new Set(current.map((c) => c.sku))) {
      const mine = current.filter((c) => c.sku === sku);
      const taken = submissionsOf(await simListing(world, sellingPartnerId, sku));
      // Each change Amazon answered is one submission; a change confirmed by read-back (accepted, no
      // submission id) was taken once by the interrupted send; superseded changes never went out.
      const known = mine.filter((c) => c.submissionId !== null).map((c) => c.submissionId);
      const confirmed = mine.filter((c) => c.state === 'accepted' && c.submissionId === null);
      const ids = taken.map((s: any) => s.submissionId);
      for (const submissionId of known) expect(ids.filter((x: string) => x === submissionId)).toHaveLength(1);
      expect(ids, sku).toHaveLength(known.length + confirmed.length);
    }
    return current;
  };

  it('under 429s, 500s, 503s and dropped connections: the final listings are as intended and nothing is sent twice', async () => {
    const { id, sellingPartnerId } = await world.newConnection();
    const rules = [];
    for (const operation of ['putListingsItem', 'patchListingsItem', 'getListingsItem']) {
      for (const [faultKind, share] of [
        ['429', 0.25],
        ['503', 0.25],
        ['500', 0.15],
        ['drop', 0.1],
      ] as const)
        rules.push(await simControl(world, '/_sim/faults', { operation, kind: faultKind, share }));
    }
    const changes: ListingChange[] = [];
    const intended = new Map<string, { color: string; price: number }>();
    for (let i = 0; i < 8; i++) {
      const sku = `FAULT-${i}`;
      changes.push(
        await listings.outbox.submit(
          OPERATOR,
          id,
          { sku, kind: 'put', body: { productType: 'SHIRT', attributes: shirt({ color: colour(`C${i}`) }) } },
          META,
        ),
      );
      changes.push(
        await listings.outbox.submit(OPERATOR, id, { sku, kind: 'patch', body: pricePatch(10 + i) }, META),
      );
      intended.set(sku, { color: `C${i}`, price: 10 + i });
    }
    for (let i = 0; i < 8; i += 3) {
      changes.push(
        await listings.outbox.submit(
          OPERATOR,
          id,
          { sku: `FAULT-${i}`, kind: 'patch', body: pricePatch(50 + i) },
          META,
        ),
      );
      intended.set(`FAULT-${i}`, { color: `C${i}`, price: 50 + i });
    }
    await listings.drainAll(id);
    for (const rule of rules) await simControl(world, `/_sim/faults/${rule.id}`, undefined, 'DELETE');
    await listings.drainAll(id);

    const results = await expectSentOnce(sellingPartnerId, changes);
    expect(results.every((c) => c.state === 'accepted')).toBe(true);
    for (const [sku, want] of intended) {
      const listing = await simListing(world, sellingPartnerId, sku);
      expect(listing.attributes.color[0].value).toBe(want.color);
      expect(listing.attributes.purchasable_offer[0].our_price).toEqual(price(want.price)[0]!.our_price);
    }
    expect(world.calls('putListingsItem').throttled).toBeGreaterThan(0);
  });

  describe('a worker dying between "sending" and the result', () => {
    /** A client whose fetch "crashes" on the first call matching `when`, before or after Amazon took it. */
    const crashingClient = (when: (req: Request) => boolean, after: boolean) => {
      let crashed = false;
      const inner = simFetch(world);
      return clientWithFetch(world, store, async (input, init) => {
        const request = new Request(input, init);
        if (!crashed && when(request)) {
          crashed = true;
          if (after) await inner(request);
          throw new SimulatedCrash('worker died');
        }
        return inner(request);
      });
    };

    it.each([
      ['put', 'after Amazon took it', true],
      ['put', 'before it reached Amazon', false],
      ['patch', 'after Amazon took it', true],
      ['patch', 'before it reached Amazon', false],
      ['delete', 'after Amazon took it', true],
    ] as const)(
      '%s, %s: the next drainer reads the listing back and the change is sent exactly once',
      async (kindOf, _label, after) => {
        const { id, sellingPartnerId } = await world.newConnection();
        const sku = `CRASH-${kindOf}`;
        const setup =
          kindOf === 'put'
            ? []
            : [
                await listings.outbox.submit(
                  OPERATOR,
                  id,
                  { sku, kind: 'put', body: { productType: 'SHIRT', attributes: shirt() } },
                  META,
                ),
              ];
        await listings.drainAll(id);
        const body =
          kindOf === 'put'
            ? { productType: 'SHIRT', attributes: shirt({ color: colour('Green') }) }
            : kindOf === 'patch'
              ? pricePatch(42)
              : undefined;
        const change = await listings.outbox.submit(
          OPERATOR,
          id,
          { sku, kind: kindOf, ...(body ? { body } : {}) },
          META,
        );
        const later = await listings.outbox.submit(
          OPERATOR,
          id,
          { sku: `${sku}-LATER`, kind: 'put', body: { productType: 'SHIRT', attributes: shirt() } },
          META,
        );

        const method = kindOf.toUpperCase();
        const dying = listings.drainer2(
          crashingClient((r) => r.method === method && r.url.includes(`/${sku}?`), after),
        );
        await expect(dying.drain(id)).rejects.toThrow(SimulatedCrash);
        expect((await listings.outbox.get(OPERATOR, change.id)).state).toBe('sending');

        await listings.drainAll(id);
        const [done] = await expectSentOnce(sellingPartnerId, [...setup, change, later]).then((r) =>
          r.slice(setup.length),
        );
        expect(done!.state).toBe('accepted');
        const listing = await simListing(world, sellingPartnerId, sku);
        expect(submissionsOf(listing).filter((s: any) => s.method === method)).toHaveLength(1);
        if (after) expect(done!.stateReason).toMatch(/already shows this change/);
        if (kindOf === 'put') expect(listing.attributes.color[0].value).toBe('Green');
        if (kindOf === 'patch')
          expect(listing.attributes.purchasable_offer[0].our_price).toEqual(price(42)[0]!.our_price);
        if (kindOf === 'delete') expect(listing.state).toBe('deleted');
        expect((await listings.outbox.get(OPERATOR, later.id)).state).toBe('accepted');
      },
    );
  });

  describe('transient failures are retried for hours, not a number of attempts', () => {
    const drainerWith = (retryDelayMs: number) =>
      createListingDrainer({
        store,
        spApi: world.client,
        clock: world.clock,
        logger: silentLogger,
        retryDelayMs,
        // The wait before reading back an interrupted send has its own test (late-apply.test.ts).
        inFlightSettleMs: 0,
      });
    const put = (sku: string) => ({ sku, kind: 'put', body: { productType: 'SHIRT', attributes: shirt() } });

    it('a change facing more 503s than 8 attempts is delivered once Amazon recovers, once', async () => {
      const { id, sellingPartnerId } = await world.newConnection();
      const change = await listings.outbox.submit(OPERATOR, id, put('R503'), META);
      await simControl(world, '/_sim/faults', { operation: 'putListingsItem', kind: '503', remaining: 12 });
      await listings.drainAll(id, drainerWith(0));

      const done = await listings.outbox.get(OPERATOR, change.id);
      expect([done.state, done.attempts]).toEqual(['accepted', 13]);
      expect(submissionsOf(await simListing(world, sellingPartnerId, 'R503'))).toHaveLength(1);
    });

    it('a failing change backs off alone: other SKUs go on, later changes of its SKU wait in order', async () => {
      const { id, sellingPartnerId } = await world.newConnection();
      const drainer = drainerWith(60_000);
      await simControl(world, '/_sim/faults', { operation: 'putListingsItem', kind: '503', remaining: 1 });
      const a = await listings.outbox.submit(OPERATOR, id, put('SLOW-A'), META);
      const a2 = await listings.outbox.submit(
        OPERATOR,
        id,
        { sku: 'SLOW-A', kind: 'patch', body: pricePatch(61) },
        META,
      );
      const b = await listings.outbox.submit(OPERATOR, id, put('FAST-B'), META);

      const first = await drainer.drain(id);
      expect(first).toMatchObject({ finished: 1, remaining: 0, waiting: false });
      expect(first.retryAfterMs).toBeGreaterThan(55_000);
      const states = async () =>
        (await Promise.all([a, a2, b].map((c) => listings.outbox.get(OPERATOR, c.id)))).map((c) => c.state);
      expect(await states()).toEqual(['queued', 'queued', 'accepted']);
      // Not due yet: the sweep leaves the connection alone until the backoff ends.
      expect(await drainer.pendingConnections()).not.toContain(id);

      world.clock.advance(61_000);
      expect(await drainer.pendingConnections()).toContain(id);
      await listings.drainAll(id, drainer);
      expect(await states()).toEqual(['accepted', 'accepted', 'accepted']);
      const slow = await simListing(world, sellingPartnerId, 'SLOW-A');
      expect(submissionsOf(slow).map((s: any) => s.method)).toEqual(['PUT', 'PATCH']);
      expect(slow.attributes.purchasable_offer[0].our_price).toEqual(price(61)[0]!.our_price);
    });

    it('a change Amazon keeps failing fails for good after the retry window, with its event', async () => {
      const { id } = await world.newConnection();
      const drainer = drainerWith(1000);
      const rule = await simControl(world, '/_sim/faults', { operation: 'putListingsItem', kind: '503' });
      try {
        const change = await listings.outbox.submit(OPERATOR, id, put('DOWN-1'), META);
        await drainer.drain(id);
        expect((await listings.outbox.get(OPERATOR, change.id)).state).toBe('queued');
        world.clock.advance(23 * HOUR);
        await drainer.drain(id);
        expect((await listings.outbox.get(OPERATOR, change.id)).state).toBe('queued');
        world.clock.advance(HOUR);
        await drainer.drain(id);
        const failed = await listings.outbox.get(OPERATOR, change.id);
        expect([failed.state, failed.attempts]).toEqual(['failed', 3]);
        expect(failed.stateReason).toMatch(/kept failing for 1440 minutes/);
        const events = await listEvents(store.db, { connectionId: id, types: ['listing.rejected'] });
        expect(events.map((e) => e.payload.changeId)).toEqual([change.id]);
      } finally {
        await simControl(world, `/_sim/faults/${rule.id}`, undefined, 'DELETE');
      }
    });
  });

  it('while the connection cannot call Amazon, changes wait for renewal; after renewal they go out in order', async () => {
    const { id, sellingPartnerId, authorizationId } = await world.newConnection();
    await simControl(world, `/_sim/authorizations/${authorizationId}/revoke`, {});
    const a = await listings.outbox.submit(
      OPERATOR,
      id,
      { sku: 'OUT-1', kind: 'put', body: { productType: 'SHIRT', attributes: shirt() } },
      META,
    );
    const b = await listings.outbox.submit(
      OPERATOR,
      id,
      { sku: 'OUT-1', kind: 'patch', body: pricePatch(77) },
      META,
    );
    const c = await listings.outbox.submit(
      OPERATOR,
      id,
      { sku: 'OUT-2', kind: 'put', body: { productType: 'SHIRT', attributes: shirt() } },
      META,
    );
    const reports = await listings.drainAll(id);
    expect(reports.at(-1)!.waiting).toBe(true);
    for (const change of [a, b, c]) {
      const now = await listings.outbox.get(OPERATOR, change.id);
      expect([now.state, now.stateLabel]).toEqual(['waiting', 'waiting for the connection']);
    }
    // Submitted while revoked (the connection is known revoked now): waiting from the start.
    const d = await listings.outbox.submit(
      OPERATOR,
      id,
      { sku: 'OUT-2', kind: 'patch', body: pricePatch(78) },
      META,
    );
    expect(d.state).toBe('waiting');
    expect(await listings.drainer.pendingConnections()).not.toContain(id);
    expect(await simListing(world, sellingPartnerId, 'OUT-1')).toBeNull();

    // The seller authorizes again (self-authorization imported once more renews the same connection).
    await world.renew({ sellingPartnerId });
    const renewed = await store.db
      .selectFrom('connections')
      .select(['id', 'state'])
      .where('selling_partner_id', '=', sellingPartnerId)
      .executeTakeFirstOrThrow();
    expect(renewed.state).toBe('active');
    expect(renewed.id).toBe(id);
    expect(await listings.drainer.pendingConnections()).toContain(id);
    await listings.drainAll(id);

    const results = await expectSentOnce(sellingPartnerId, [a, b, c, d]);
    expect(results.map((r) => r.state)).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);
    const one = await simListing(world, sellingPartnerId, 'OUT-1');
    expect(submissionsOf(one).map((s: any) => s.method)).toEqual(['PUT', 'PATCH']);
    expect(one.attributes.purchasable_offer[0].our_price).toEqual(price(77)[0]!.our_price);
    const two = await simListing(world, sellingPartnerId, 'OUT-2');
    expect(two.attributes.purchasable_offer[0].our_price).toEqual(price(78)[0]!.our_price);
  });
});
