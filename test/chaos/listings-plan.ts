import type { Random } from '../../src/kernel/random.js';
import { findMarketplace } from '../../src/simulator/marketplaces.js';
import { attributesFor } from '../../src/simulator/listings-store.js';
import type { SimListing } from '../../src/simulator/state.js';

/**
 * The listing changes of a chaos run and what they should lead to. Changes to one SKU are made one
 * at a time (a SKU is busy while its change is on the way in), so the order the run made them in is
 * the order Sellerlink stored them in. Every put and patch carries a unique tag in `item_name` and
 * a unique price, so each submission in the simulator's log names the change it came from, and a
 * listing that shows a tag shows exactly that change. Some changes are invalid on purpose (a put
 * without `brand`, a patch that deletes `brand`): Amazon refuses them and they change nothing.
 */

export type ChangeKind = 'put' | 'patch' | 'delete';

/** One connection's listings: where the changes go. */
export interface ListingTarget {
  connectionId: string;
  sellingPartnerId: string;
  marketplaceId: string;
}

/** A change the run made (or tried to make). */
export interface PlannedChange {
  /** `<prefix>-<n>`: in item_name of puts and patches; deletes have one too, never sent. */
  tag: string;
  target: ListingTarget;
  sku: string;
  kind: ChangeKind;
  valid: boolean;
  /** The body for the API (PUT/PATCH) or the import file; null for a delete. */
  body: Record<string, unknown> | null;
  /** Our price after a valid put or patch. */
  price: number | null;
  channel: 'api' | 'cli';
  /** The change id Sellerlink gave it; null when it was not stored. */
  id: string | null;
}

/** A SKU being changed: hand it back with `done`. */
export interface SkuSlot {
  target: ListingTarget;
  sku: string;
}

interface SkuState {
  target: ListingTarget;
  sku: string;
  busy: boolean;
  /** Live after the last valid stored change. */
  live: boolean;
  stored: PlannedChange[];
}

const NAME_PREFIX = 'Chaos shirt ';

/** The tag a submission body carries (PUT: its item_name; PATCH: its item_name patch). */
export function tagOfBody(method: string, body: unknown): string | null {
  const b = body as {
    attributes?: { item_name?: { value?: unknown }[] };
    patches?: { path?: string; value?: { value?: unknown }[] }[];
  } | null;
  const name =
    method === 'PUT'
      ? b?.attributes?.item_name?.[0]?.value
      : b?.patches?.find((p) => p.path === '/attributes/item_name')?.value?.[0]?.value;
  return typeof name === 'string' && name.startsWith(NAME_PREFIX) ? name.slice(NAME_PREFIX.length) : null;
}

/** Creates the plan over the run's connections: `skusPerConnection` SKUs each. */
export function createListingPlan(options: {
  targets: ListingTarget[];
  skusPerConnection: number;
  random: Random;
  tagPrefix: string;
}) {
  const { random } = options;
  const skus: SkuState[] = options.targets.flatMap((target) =>
    Array.from({ length: options.skusPerConnection }, (_, i) => ({
      target,
      sku: `CHAOS-${target.sellingPartnerId.slice(-2)}-${String(i + 1).padStart(2, '0')}`,
      busy: false,
      live: false,
      stored: [],
    })),
  );
  const attempted: PlannedChange[] = [];
  let counter = 0;
  const stateOf = (slot: SkuSlot): SkuState =>
    skus.find((s) => s.target.connectionId === slot.target.connectionId && s.sku === slot.sku)!;

  const body = (
    target: ListingTarget,
    kind: ChangeKind,
    valid: boolean,
    tag: string,
    price: number,
  ): Record<string, unknown> | null => {
    const mp = findMarketplace(target.marketplaceId)!;
    const text = (value: string) => [{ value, language_tag: mp.defaultLanguageCode }];
    const name = text(`${NAME_PREFIX}${tag}`);
    const offer = [
      { currency: mp.defaultCurrencyCode, our_price: [{ schedule: [{ value_with_tax: price }] }] },
    ];
    if (kind === 'delete') return null;
    if (kind === 'put') {
      const attributes: Record<string, unknown> = {
        item_name: name,
        brand: text('Chaosco'),
        color: text('Red'),
        size: text('M'),
        department: text('mens'),
        target_gender: [{ value: 'male' }],
        externally_assigned_product_identifier: [{ type: 'upc', value: '036000291452' }],
        condition_type: [{ value: 'new_new' }],
        purchasable_offer: offer,
        fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT', quantity: 5 }],
      };
      if (!valid) delete attributes.brand; // Amazon: 90220 'brand' is required
      return { productType: 'SHIRT', requirements: 'LISTING', attributes };
    }
    const patches: Record<string, unknown>[] = [
      { op: 'replace', path: '/attributes/item_name', value: name },
      valid
        ? { op: 'replace', path: '/attributes/purchasable_offer', value: offer }
        : { op: 'delete', path: '/attributes/brand' }, // Amazon: a required attribute would go
    ];
    return { productType: 'SHIRT', patches };
  };

  return {
    skus: () => skus.map((s) => ({ target: s.target, sku: s.sku })),

    /** Up to `n` idle SKUs (of one connection when given), now busy; random order. */
    take(n: number, connectionId?: string): SkuSlot[] {
      const idle = skus.filter(
        (s) => !s.busy && (connectionId === undefined || s.target.connectionId === connectionId),
      );
      const out: SkuSlot[] = [];
      while (out.length < n && idle.length > 0) {
        const [s] = idle.splice(Math.floor(random.float() * idle.length), 1);
        s!.busy = true;
        out.push({ target: s!.target, sku: s!.sku });
      }
      return out;
    },

    /** The next change for a busy SKU, from what its stored changes made of it. */
    next(slot: SkuSlot, channel: 'api' | 'cli'): PlannedChange {
      const state = stateOf(slot);
      const r = random.float();
      let kind: ChangeKind;
      let valid: boolean;
      if (!state.live) [kind, valid] = ['put', r < 0.8];
      else if (r < 0.35) [kind, valid] = ['patch', true];
      else if (r < 0.5) [kind, valid] = ['patch', false];
      else if (r < 0.7) [kind, valid] = ['put', true];
      else if (r < 0.8) [kind, valid] = ['put', false];
      else [kind, valid] = ['delete', true];
      counter++;
      const tag = `${options.tagPrefix}-${counter}`;
      const mp = findMarketplace(slot.target.marketplaceId)!;
      // Unique per change: yen in whole units, other currencies in cents.
      const price = mp.defaultCurrencyCode === 'JPY' ? 1000 + counter : Math.round(1000 + counter) / 100;
      const change: PlannedChange = {
        tag,
        target: slot.target,
        sku: slot.sku,
        kind,
        valid,
        body: body(slot.target, kind, valid, tag, price),
        price: valid && kind !== 'delete' ? price : null,
        channel,
        id: null,
      };
      attempted.push(change);
      return change;
    },

    /** Records whether Sellerlink stored the change (its id) or not (null). */
    settle(change: PlannedChange, id: string | null): void {
      change.id = id;
      if (id === null) return;
      const state = stateOf(change);
      state.stored.push(change);
      if (change.valid) state.live = change.kind !== 'delete';
    },

    /** Hands the SKU back for later changes. */
    done(slot: SkuSlot): void {
      stateOf(slot).busy = false;
    },

    /** Every stored change, per SKU in the order they were made. */
    storedBySku(): { target: ListingTarget; sku: string; changes: PlannedChange[] }[] {
      return skus.map((s) => ({ target: s.target, sku: s.sku, changes: s.stored }));
    },

    attempted: () => attempted,
  };
}

export type ListingPlan = ReturnType<typeof createListingPlan>;

/** A stored change's row as the check reads it from the database. */
export interface ChangeRow {
  id: string;
  state: string;
  attempts: number;
  amazon_status: string | null;
  state_reason: string | null;
  error_message: string | null;
}

/** What the listings check found: problems (each a sentence) and counts. */
export interface ListingsVerdict {
  failures: string[];
  acceptedSubmissions: number;
  invalidSubmissions: number;
  /** Refused changes Amazon saw more than once (an interrupted send of an INVALID change is repeated). */
  invalidResent: number;
}

/**
 * Checks every SKU: each stored change reached its final result (valid → accepted, invalid →
 * rejected); Amazon saw each valid change exactly once and every change in the order it was made
 * (the simulator's submission log); the listing ends as the last valid change left it.
 */
export function checkListings(
  plan: ListingPlan,
  rows: Map<string, ChangeRow>,
  simListing: (sellingPartnerId: string, sku: string) => SimListing | undefined,
): ListingsVerdict {
  const failures: string[] = [];
  let acceptedSubmissions = 0;
  let invalidSubmissions = 0;
  let invalidResent = 0;
  for (const { target, sku, changes } of plan.storedBySku()) {
    if (changes.length === 0) continue;
    const where = `${target.sellingPartnerId}/${sku}`;
    const failedBefore = failures.length;
    const timeline: string[] = [];
    for (const c of changes) {
      const row = rows.get(c.id!);
      if (!row) {
        failures.push(
          `listing change ${c.id} (${where}, ${c.kind}) was acknowledged but is not stored: lost`,
        );
        continue;
      }
      const want = c.valid ? 'accepted' : 'rejected';
      if (row.state !== want)
        failures.push(
          `listing change ${c.id} (${where}, ${c.valid ? 'valid' : 'invalid'} ${c.kind}) ended '${row.state}', expected '${want}'` +
            `${row.state_reason ? `: ${row.state_reason}` : ''}${row.error_message ? ` (${row.error_message})` : ''}`,
        );
    }
    // Which change each LIVE submission of this marketplace came from (an index into `changes`).
    const listing = simListing(target.sellingPartnerId, sku);
    const submissions = (listing?.submissions ?? []).filter(
      (s) => s.mode === 'LIVE' && (s.marketplaceId ?? target.marketplaceId) === target.marketplaceId,
    );
    const indexOf = new Map(changes.map((c, i) => [c.tag, i]));
    const deletes = changes.map((c, i) => (c.kind === 'delete' ? i : -1)).filter((i) => i >= 0);
    let lastIndex = -1;
    const seen = new Map<number, number>();
    for (const s of submissions) {
      let index: number | undefined;
      if (s.method === 'DELETE') {
        // Deletes carry no tag. A delete is only made while the SKU is live, so two deletes are never
        // next to each other: a DELETE right after a delete's is that delete again; any other is the
        // first delete after the last change Amazon saw.
        index = changes[lastIndex]?.kind === 'delete' ? lastIndex : deletes.find((d) => d > lastIndex);
      } else {
        const tag = tagOfBody(s.method, s.body);
        index = tag === null ? undefined : indexOf.get(tag);
      }
      if (index === undefined) {
        failures.push(`${where}: Amazon got a ${s.method} (${s.status}) that matches no stored change`);
        continue;
      }
      if (index < lastIndex)
        failures.push(
          `${where}: out of order: change ${changes[index]!.id} (${changes[index]!.kind}) reached Amazon after change ${changes[lastIndex]!.id}`,
        );
      timeline.push(
        `${new Date(s.at).toISOString().slice(11, 23)} ${s.method} ${changes[index]!.id!.slice(0, 8)} ${s.status}`,
      );
      lastIndex = Math.max(lastIndex, index);
      seen.set(index, (seen.get(index) ?? 0) + 1);
      if (s.status === 'ACCEPTED') acceptedSubmissions++;
      else invalidSubmissions++;
    }
    changes.forEach((c, i) => {
      const n = seen.get(i) ?? 0;
      const row = rows.get(c.id!);
      if (c.valid && n === 0)
        failures.push(`${where}: valid change ${c.id} (${c.kind}) never reached Amazon`);
      if (c.valid && n > 1)
        failures.push(
          `${where}: valid change ${c.id} (${c.kind}) was sent ${n} times (Amazon applied it ${n} times)`,
        );
      if (!c.valid && n === 0 && row?.state === 'rejected')
        failures.push(`${where}: invalid change ${c.id} is 'rejected' but Amazon never saw it`);
      if (!c.valid && n > 1) {
        invalidResent++;
        // Only an interrupted send may be repeated: never more sends than attempts recorded.
        if (row && n > row.attempts)
          failures.push(
            `${where}: invalid change ${c.id} reached Amazon ${n} times in ${row.attempts} attempts`,
          );
      }
    });
    const wrong = finalStateProblem(changes, listing, target.marketplaceId);
    if (wrong) failures.push(`${where}: ${wrong}`);
    if (failures.length > failedBefore) {
      // Enough to tell what happened: the changes as stored, and Amazon's log for the SKU.
      const stored = changes.map((c) => {
        const row = rows.get(c.id!);
        return `${c.id!.slice(0, 8)} ${c.kind}${c.valid ? '' : ' (invalid)'} ${row?.state ?? 'missing'} in ${row?.attempts ?? 0} attempts`;
      });
      failures.push(`${where}: changes [${stored.join('; ')}]; Amazon saw [${timeline.join('; ')}]`);
    }
  }
  return { failures, acceptedSubmissions, invalidSubmissions, invalidResent };
}

/** Why the listing is not as the last valid change left it; null when it is. */
function finalStateProblem(
  changes: PlannedChange[],
  listing: SimListing | undefined,
  marketplaceId: string,
): string | null {
  const lastValid = [...changes].reverse().find((c) => c.valid);
  if (!lastValid) return null;
  const live = listing !== undefined && !listing.deleted && listing.marketplaceIds.includes(marketplaceId);
  if (lastValid.kind === 'delete')
    return live ? `should be deleted (change ${lastValid.id}) but is live on Amazon` : null;
  if (!live) return `should be live with change ${lastValid.id} but is not listed on Amazon`;
  const attrs = attributesFor(listing.attributes, marketplaceId);
  const name = attrs.item_name?.[0]?.value;
  const price = (
    attrs.purchasable_offer?.[0]?.our_price as { schedule?: { value_with_tax?: unknown }[] }[] | undefined
  )?.[0]?.schedule?.[0]?.value_with_tax;
  if (name === `${NAME_PREFIX}${lastValid.tag}` && price === lastValid.price) return null;
  return `Amazon shows '${String(name)}' at ${String(price)}, expected change ${lastValid.id} ('${NAME_PREFIX}${lastValid.tag}' at ${lastValid.price})`;
}
