/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment,
   @typescript-eslint/no-unsafe-member-access,
   @typescript-eslint/no-unsafe-return --
   simulator control answers, API bodies and CLI --json output are parsed JSON the tests inspect freely. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEvents } from '../../src/events/events.js';
import { ValidationError } from '../../src/kernel/errors.js';
import type { ChangeInput } from '../../src/listings/outbox.js';
import type { Store } from '../../src/store/database.js';
import { createAmazonWorld, type AmazonWorld } from '../support/amazon-world.js';
import { describeEachDatabase, openTestStore } from '../support/databases.js';
import {
  createListings,
  META,
  OPERATOR,
  price,
  pricePatch,
  shirt,
  simListing,
  submissionsOf,
  type Listings,
} from './support.js';

describeEachDatabase('listings outbox: accept and deliver', (kind) => {
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

  describe('accepting', () => {
    it.each(
      [
        [{ sku: '', kind: 'put', body: { productType: 'SHIRT', attributes: shirt() } }, 'sku'],
        [{ sku: 'X'.repeat(41), kind: 'put', body: { productType: 'SHIRT', attributes: shirt() } }, 'sku'],
        [{ sku: 'A', kind: 'upsert', body: {} }, 'kind'],
        [{ sku: 'A', kind: 'put', body: { attributes: shirt() } }, 'productType'],
        [{ sku: 'A', kind: 'put', body: { productType: 'shirt', attributes: shirt() } }, 'productType'],
        [{ sku: 'A', kind: 'put', body: { productType: 'SHIRT' } }, 'attributes'],
        [
          { sku: 'A', kind: 'put', body: { productType: 'SHIRT', attributes: { color: 'red' } } },
          'attributes.color',
        ],
        [{ sku: 'A', kind: 'put', body: { productType: 'SHIRT', attributes: shirt(), extra: 1 } }, 'extra'],
        [{ sku: 'A', kind: 'patch', body: { productType: 'SHIRT', patches: [] } }, 'patches'],
        [
          {
            sku: 'A',
            kind: 'patch',
            body: { productType: 'SHIRT', patches: [{ op: 'replace', path: '/price', value: [] }] },
          },
          'patches[0].path',
        ],
        [
          {
            sku: 'A',
            kind: 'patch',
            body: { productType: 'SHIRT', patches: [{ op: 'replace', path: '/attributes/color' }] },
          },
          'patches[0].value',
        ],
        [
          {
            sku: 'A',
            kind: 'put',
            body: { productType: 'SHIRT', attributes: shirt() },
            marketplaceId: 'A1F83G8C2ARO7P',
          },
          'marketplaceId',
        ],
      ].map(([input, field]) => [field as string, input as ChangeInput] as const),
    )('refuses bad input naming %s, and stores nothing', async (field, input) => {
      const { id } = await world.newConnection();
      const error = await listings.outbox.submit(OPERATOR, id, input, META).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe(field);
      expect(await listings.outbox.recent(OPERATOR, id)).toEqual([]);
    });

    it('refuses a whole batch when one change is bad, naming it', async () => {
      const { id } = await world.newConnection();
      const error = await listings.outbox
        .submitMany(
          OPERATOR,
          id,
          [
            { sku: 'OK-1', kind: 'put', body: { productType: 'SHIRT', attributes: shirt() } },
            { sku: 'OK-2', kind: 'patch', body: { productType: 'SHIRT' } },
          ],
          META,
        )
        .catch((e: unknown) => e);
      expect((error as ValidationError).field).toBe('changes[1].patches');
      expect(await listings.outbox.recent(OPERATOR, id)).toEqual([]);
    });

    it('acknowledges at once with a change id, queued, before any call to Amazon', async () => {
      const { id } = await world.newConnection();
      const before = world.calls('putListingsItem').total;
      const change = await listings.outbox.submit(
        OPERATOR,
        id,
        { sku: 'ACK-1', kind: 'put', body: { productType: 'SHIRT', attributes: shirt() } },
        META,
      );
      expect(change.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(change.state).toBe('queued');
      expect(change.marketplaceId).toBe('ATVPDKIKX0DER');
      expect(world.calls('putListingsItem').total).toBe(before);
      expect((await listings.outbox.get(OPERATOR, change.id)).state).toBe('queued');
    });
  });

  describe('delivering', () => {
    it('sends puts, patches and deletes in order and stores ACCEPTED / INVALID with Amazon issues and events', async () => {
      const { id, sellingPartnerId } = await world.newConnection();
      const put = await listings.outbox.submit(
        OPERATOR,
        id,
        { sku: 'RED-M', kind: 'put', body: { productType: 'SHIRT', attributes: shirt() } },
        META,
      );
      const patch = await listings.outbox.submit(
        OPERATOR,
        id,
        { sku: 'RED-M', kind: 'patch', body: pricePatch(24.5) },
        META,
      );
      const bad = await listings.outbox.submit(
        OPERATOR,
        id,
        {
          sku: 'NO-BRAND',
          kind: 'put',
          body: { productType: 'SHIRT', attributes: shirt({ brand: undefined }) },
        },
        META,
      );
      const gone = await listings.outbox.submit(
        OPERATOR,
        id,
        { sku: 'GONE', kind: 'put', body: { productType: 'SHIRT', attributes: shirt() } },
        META,
      );
      await listings.drainAll(id);
      const del = await listings.outbox.submit(OPERATOR, id, { sku: 'GONE', kind: 'delete' }, META);
      await listings.drainAll(id);

      const results = await Promise.all(
        [put, patch, bad, gone, del].map((c) => listings.outbox.get(OPERATOR, c.id)),
      );
      expect(results.map((r) => r.state)).toEqual([
        'accepted',
        'accepted',
        'rejected',
        'accepted',
        'accepted',
      ]);
      expect(results[0]!.submissionId).toMatch(/^[0-9a-f]{32}$/);
      expect(results[2]!.amazonStatus).toBe('INVALID');
      expect(results[2]!.issues).toContainEqual(
        expect.objectContaining({ code: '90220', severity: 'ERROR', attributeNames: ['brand'] }),
      );

      const red = await simListing(world, sellingPartnerId, 'RED-M');
      expect(red.state).toBe('live');
      expect(red.attributes.purchasable_offer[0].our_price).toEqual(price(24.5)[0]!.our_price);
      expect((await simListing(world, sellingPartnerId, 'GONE')).state).toBe('deleted');

      const events = await listEvents(store.db, {
        connectionId: id,
        types: ['listing.accepted', 'listing.rejected'],
      });
      expect(events.map((e) => [e.type, e.payload.changeId])).toEqual([
        ['listing.accepted', put.id],
        ['listing.accepted', patch.id],
        ['listing.rejected', bad.id],
        ['listing.accepted', gone.id],
        ['listing.accepted', del.id],
      ]);
      const history = await listings.outbox.history(OPERATOR, id, 'RED-M');
      expect(history.map((c) => c.id)).toEqual([patch.id, put.id]);
    });

    it('previews with VALIDATION_PREVIEW: VALID or INVALID with issues, nothing applied, no event', async () => {
      const { id, sellingPartnerId } = await world.newConnection();
      const ok = await listings.outbox.submit(
        OPERATOR,
        id,
        { sku: 'PREVIEW', kind: 'put', body: { productType: 'SHIRT', attributes: shirt() }, preview: true },
        META,
      );
      const invalid = await listings.outbox.submit(
        OPERATOR,
        id,
        {
          sku: 'PREVIEW',
          kind: 'put',
          body: { productType: 'SHIRT', attributes: shirt({ color: undefined }) },
          preview: true,
        },
        META,
      );
      await listings.drainAll(id);
      const [a, b] = await Promise.all([ok, invalid].map((c) => listings.outbox.get(OPERATOR, c.id)));
      expect([a!.state, a!.amazonStatus, a!.stateLabel]).toEqual(['valid', 'VALID', 'valid (preview)']);
      expect([b!.state, b!.amazonStatus]).toEqual(['rejected', 'INVALID']);
      expect(b!.issues.map((i) => i.attributeNames)).toContainEqual(['color']);
      expect((await simListing(world, sellingPartnerId, 'PREVIEW')).state).toBe('never-listed');
      expect(
        await listEvents(store.db, { connectionId: id, types: ['listing.accepted', 'listing.rejected'] }),
      ).toEqual([]);
    });

    it('sends every change of a SKU in order: none is replaced before Amazon has answered it', async () => {
      const { id, sellingPartnerId } = await world.newConnection();
      const put = (color: string) => ({
        sku: 'CO-1',
        kind: 'put',
        body: {
          productType: 'SHIRT',
          attributes: shirt({ color: [{ value: color, language_tag: 'en_US' }] }),
        },
      });
      const changes = [];
      for (const input of [
        put('Red'),
        { sku: 'CO-1', kind: 'patch', body: pricePatch(30) },
        put('Blue'),
        { sku: 'CO-1', kind: 'patch', body: pricePatch(31) },
        { sku: 'CO-1', kind: 'patch', body: pricePatch(32) },
      ])
        changes.push(await listings.outbox.submit(OPERATOR, id, input, META));
      await listings.drainAll(id);

      const results = await Promise.all(changes.map((c) => listings.outbox.get(OPERATOR, c.id)));
      expect(results.map((r) => r.state)).toEqual([
        'accepted',
        'accepted',
        'accepted',
        'accepted',
        'accepted',
      ]);
      const listing = await simListing(world, sellingPartnerId, 'CO-1');
      expect(submissionsOf(listing).map((s: any) => s.method)).toEqual([
        'PUT',
        'PATCH',
        'PUT',
        'PATCH',
        'PATCH',
      ]);
      expect(submissionsOf(listing).map((s: any) => s.submissionId)).toEqual(
        results.map((r) => r.submissionId),
      );
      expect(listing.attributes.color[0].value).toBe('Blue');
      expect(listing.attributes.purchasable_offer[0].our_price).toEqual(price(32)[0]!.our_price);
    });

    it('a later change Amazon refuses does not cost the earlier valid one', async () => {
      const { id, sellingPartnerId } = await world.newConnection();
      const valid = await listings.outbox.submit(
        OPERATOR,
        id,
        {
          sku: 'KEEP-1',
          kind: 'put',
          body: {
            productType: 'SHIRT',
            attributes: shirt({ color: [{ value: 'Green', language_tag: 'en_US' }] }),
          },
        },
        META,
      );
      // Queued before anything is sent: the later full listing lacks its brand, so Amazon refuses it.
      const refused = await listings.outbox.submit(
        OPERATOR,
        id,
        {
          sku: 'KEEP-1',
          kind: 'put',
          body: { productType: 'SHIRT', attributes: shirt({ brand: undefined }) },
        },
        META,
      );
      const patch = await listings.outbox.submit(
        OPERATOR,
        id,
        { sku: 'KEEP-1', kind: 'patch', body: pricePatch(44) },
        META,
      );
      await listings.drainAll(id);

      const results = await Promise.all(
        [valid, refused, patch].map((c) => listings.outbox.get(OPERATOR, c.id)),
      );
      expect(results.map((r) => r.state)).toEqual(['accepted', 'rejected', 'accepted']);
      const listing = await simListing(world, sellingPartnerId, 'KEEP-1');
      expect(listing.state).toBe('live');
      expect(listing.attributes.color[0].value).toBe('Green');
      expect(listing.attributes.purchasable_offer[0].our_price).toEqual(price(44)[0]!.our_price);
      expect(submissionsOf(listing).map((s: any) => s.method)).toEqual(['PUT', 'PUT', 'PATCH']);
    });
  });
});
