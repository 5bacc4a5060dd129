import { createHash } from 'node:crypto';
import { iso } from '../kernel/clock.js';
import type { SimContext } from './context.js';
import {
  attributeIssues,
  missingAttributes,
  missingIssue,
  schedulePrice,
  type Attributes,
  type Entry,
  type ListingIssue,
  type PatchOperationBody,
  type Requirements,
} from './listings-validation.js';
import type { SimMarketplace } from './marketplaces.js';
import { findAttribute, findProductType } from './product-types.js';
import { listingKey, type SimListing, type SimListingSubmission } from './state.js';

/**
 * Stored listings and how submissions change them. A listing's attributes are kept as Amazon shows
 * them in getListingsItem: every value entry carries the `marketplace_id` it applies to (except
 * `fulfillment_availability`, which is per fulfillment channel), so one SKU can be listed in several
 * marketplaces of its region and a PUT or DELETE for one marketplace leaves the others alone.
 */

/** Whether an attribute's entries are per marketplace. */
function scoped(name: string): boolean {
  return findAttribute(name)?.kind !== 'fulfillment_availability';
}

function entriesOf(attributes: Record<string, unknown>, name: string): Entry[] {
  const value = attributes[name];
  return Array.isArray(value) ? (value as Entry[]) : [];
}

const inMarketplace = (entry: Entry, marketplaceId: string): boolean =>
  entry.marketplace_id === undefined || entry.marketplace_id === marketplaceId;

/** The listing's attributes as seen from one marketplace. */
export function attributesFor(attributes: Record<string, unknown>, marketplaceId: string): Attributes {
  const view: Attributes = {};
  for (const name of Object.keys(attributes)) {
    const entries = entriesOf(attributes, name).filter((e) => inMarketplace(e, marketplaceId));
    if (entries.length > 0) view[name] = entries;
  }
  return view;
}

/** Copies entries, adding the marketplace they were submitted for where Amazon scopes them. */
function stamp(name: string, entries: readonly Entry[], marketplaceId: string): Entry[] {
  return entries.map((e) =>
    scoped(name) && e.marketplace_id === undefined ? { ...e, marketplace_id: marketplaceId } : { ...e },
  );
}

/** Entries of other marketplaces, which a change for `marketplaceId` keeps. */
function othersOf(attributes: Record<string, unknown>, name: string, marketplaceId: string): Entry[] {
  if (!scoped(name)) return [];
  return entriesOf(attributes, name).filter((e) => !inMarketplace(e, marketplaceId));
}

function setOrDrop(target: Record<string, unknown>, name: string, entries: Entry[]): void {
  if (entries.length > 0) target[name] = entries;
  else delete target[name];
}

/** The attributes after a full replacement for one marketplace (putListingsItem). */
export function putAttributes(
  current: Record<string, unknown>,
  marketplaceId: string,
  submitted: Record<string, unknown>,
): Record<string, unknown> {
  const next: Record<string, unknown> = {};
  for (const name of Object.keys(current)) setOrDrop(next, name, othersOf(current, name, marketplaceId));
  for (const [name, value] of Object.entries(submitted)) {
    setOrDrop(next, name, [...entriesOf(next, name), ...stamp(name, value as Entry[], marketplaceId)]);
  }
  return next;
}

/** Whether `existing` matches a delete selector: every field of the selector has the same value. */
function matchesSelector(existing: Entry, selector: Entry): boolean {
  return Object.entries(selector).every(
    ([k, v]) => k === 'marketplace_id' || JSON.stringify(existing[k]) === JSON.stringify(v),
  );
}

/** Keys that identify "the same" entry when merging (language, audience, channel). */
const MERGE_KEYS = ['language_tag', 'audience', 'fulfillment_channel_code', 'type'];

/** The attributes after applying patches for one marketplace (patchListingsItem). */
export function patchAttributes(
  current: Record<string, unknown>,
  marketplaceId: string,
  patches: readonly PatchOperationBody[],
): Record<string, unknown> {
  const next: Record<string, unknown> = structuredClone(current);
  for (const patch of patches) {
    const name = patch.attribute;
    const others = othersOf(next, name, marketplaceId);
    const mine = entriesOf(next, name).filter((e) => !others.includes(e));
    const value = stamp(name, patch.value ?? [], marketplaceId);
    switch (patch.op) {
      case 'add':
      case 'replace':
        setOrDrop(next, name, [...others, ...value]);
        break;
      case 'merge': {
        const merged = [...mine];
        for (const entry of value) {
          const i = merged.findIndex((e) => MERGE_KEYS.every((k) => e[k] === entry[k]));
          if (i >= 0) merged[i] = { ...merged[i], ...entry };
          else merged.push(entry);
        }
        setOrDrop(next, name, [...others, ...merged]);
        break;
      }
      case 'delete': {
        const kept =
          patch.value === undefined ? [] : mine.filter((e) => !value.some((sel) => matchesSelector(e, sel)));
        setOrDrop(next, name, [...others, ...kept]);
        break;
      }
    }
  }
  return next;
}

/** The requirements set a listing is checked against: its last PUT's, else the product type's usual. */
export function effectiveRequirements(
  listing: Pick<SimListing, 'productType' | 'requirements'>,
): Requirements {
  if (listing.requirements) return listing.requirements;
  return findProductType(listing.productType)?.createsProducts === false ? 'LISTING_OFFER_ONLY' : 'LISTING';
}

/** The listing record for a SKU, live or not. */
export function findListing(ctx: SimContext, sellingPartnerId: string, sku: string): SimListing | undefined {
  return ctx.state.listings.get(listingKey(sellingPartnerId, sku));
}

/** The listing if it is live in this marketplace (what getListingsItem can see). */
export function findLiveListing(
  ctx: SimContext,
  sellingPartnerId: string,
  sku: string,
  marketplaceId: string,
): SimListing | undefined {
  const listing = findListing(ctx, sellingPartnerId, sku);
  return listing && !listing.deleted && listing.marketplaceIds.includes(marketplaceId) ? listing : undefined;
}

/**
 * The record that keeps a SKU's submission history. A SKU whose submissions were never accepted gets
 * a record marked deleted, so its history is kept without it being visible to getListingsItem.
 */
export function ensureListingRecord(
  ctx: SimContext,
  sellingPartnerId: string,
  sku: string,
  productType: string,
): SimListing {
  const key = listingKey(sellingPartnerId, sku);
  let listing = ctx.state.listings.get(key);
  if (!listing) {
    const now = ctx.clock.now();
    listing = {
      sellingPartnerId,
      sku,
      productType,
      marketplaceIds: [],
      attributes: {},
      createdAt: now,
      lastUpdatedAt: now,
      deleted: true,
      submissions: [],
    };
    ctx.state.listings.set(key, listing);
  }
  return listing;
}

/** Makes a listing live in a marketplace with new attributes (an accepted PUT or PATCH). */
export function applyToListing(
  ctx: SimContext,
  listing: SimListing,
  marketplaceId: string,
  change: { productType: string; attributes: Record<string, unknown>; requirements?: Requirements },
): void {
  const now = ctx.clock.now();
  if (listing.deleted) {
    // A deleted SKU that is listed again starts over.
    listing.createdAt = now;
    listing.marketplaceIds = [];
    listing.deleted = false;
  }
  listing.productType = change.productType;
  listing.attributes = change.attributes;
  if (change.requirements) listing.requirements = change.requirements;
  if (!listing.marketplaceIds.includes(marketplaceId)) listing.marketplaceIds.push(marketplaceId);
  listing.lastUpdatedAt = now;
}

/** Removes a listing from one marketplace (an accepted DELETE); gone everywhere, it is deleted. */
export function removeFromMarketplace(ctx: SimContext, listing: SimListing, marketplaceId: string): void {
  const next: Record<string, unknown> = {};
  for (const name of Object.keys(listing.attributes)) {
    setOrDrop(next, name, othersOf(listing.attributes, name, marketplaceId));
  }
  listing.marketplaceIds = listing.marketplaceIds.filter((id) => id !== marketplaceId);
  listing.attributes = listing.marketplaceIds.length > 0 ? next : {};
  if (listing.marketplaceIds.length === 0) listing.deleted = true;
  listing.lastUpdatedAt = ctx.clock.now();
}

/** Appends a submission to the SKU's history. */
export function recordSubmission(listing: SimListing, submission: SimListingSubmission): void {
  listing.submissions.push(submission);
}

// ---- views -----------------------------------------------------------------------------------

const firstValue = (attrs: Attributes, name: string): unknown => attrs[name]?.[0]?.value;

/** The ASIN of a listing: the one the seller matched, else a stable made-up one for the SKU. */
export function listingAsin(sellingPartnerId: string, sku: string, attrs: Attributes): string {
  const suggested = firstValue(attrs, 'merchant_suggested_asin');
  if (typeof suggested === 'string') return suggested;
  const hash = createHash('sha256').update(`${sellingPartnerId}|${sku}`).digest();
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let tail = '';
  for (let i = 0; i < 8; i++) tail += alphabet[hash[i]! % alphabet.length];
  return `B0${tail}`;
}

/** Issues Amazon reports on a stored listing: values it would now refuse and missing attributes. */
export function storedIssues(listing: SimListing, marketplace: SimMarketplace): ListingIssue[] {
  const attrs = attributesFor(listing.attributes, marketplace.id);
  const issues = Object.entries(attrs).flatMap(([name, value]) => attributeIssues(name, value, marketplace));
  for (const name of missingAttributes(listing.productType, effectiveRequirements(listing), attrs))
    issues.push(missingIssue(name));
  return issues;
}

function offersOf(attrs: Attributes, marketplace: SimMarketplace): Record<string, unknown>[] {
  return (attrs.purchasable_offer ?? []).flatMap((offer) => {
    const price = schedulePrice(offer.our_price);
    if (price === undefined) return [];
    const b2b = offer.audience === 'B2B';
    const digits = marketplace.defaultCurrencyCode === 'JPY' ? 0 : 2;
    return [
      {
        marketplaceId: marketplace.id,
        offerType: b2b ? 'B2B' : 'B2C',
        price: { currencyCode: String(offer.currency), amount: price.toFixed(digits) },
        audience: b2b
          ? { value: 'B2B', displayName: 'Amazon Business' }
          : { value: 'ALL', displayName: 'Sell on Amazon' },
      },
    ];
  });
}

function fulfillmentOf(attrs: Attributes): Record<string, unknown>[] {
  return (attrs.fulfillment_availability ?? []).map((f) => ({
    fulfillmentChannelCode: String(f.fulfillment_channel_code),
    ...(typeof f.quantity === 'number' ? { quantity: f.quantity } : {}),
  }));
}

function summaryOf(
  listing: SimListing,
  marketplace: SimMarketplace,
  attrs: Attributes,
  issues: ListingIssue[],
) {
  const hasErrors = issues.some((i) => i.severity === 'ERROR');
  const names = attrs.item_name ?? [];
  const name =
    names.find((e) => e.language_tag === marketplace.defaultLanguageCode)?.value ?? names[0]?.value;
  const condition = firstValue(attrs, 'condition_type');
  const inStock = fulfillmentOf(attrs).some(
    (f) => f.fulfillmentChannelCode !== 'DEFAULT' || (typeof f.quantity === 'number' && f.quantity > 0),
  );
  const status: string[] = [];
  const discoverable = !hasErrors && (name !== undefined || attrs.merchant_suggested_asin !== undefined);
  if (discoverable) status.push('DISCOVERABLE');
  if (discoverable && offersOf(attrs, marketplace).length > 0 && inStock && condition !== undefined)
    status.push('BUYABLE');
  const image = attrs.main_product_image_locator?.[0]?.media_location;
  return {
    marketplaceId: marketplace.id,
    asin: listingAsin(listing.sellingPartnerId, listing.sku, attrs),
    productType: listing.productType,
    ...(typeof condition === 'string' ? { conditionType: condition } : {}),
    status,
    ...(typeof name === 'string' ? { itemName: name } : {}),
    createdDate: iso(listing.createdAt),
    lastUpdatedDate: iso(listing.lastUpdatedAt),
    ...(typeof image === 'string' ? { mainImage: { link: image, height: 500, width: 500 } } : {}),
  };
}

/** The getListingsItem `Item` for one marketplace with the requested `includedData`. */
export function buildItem(
  listing: SimListing,
  marketplace: SimMarketplace,
  included: ReadonlySet<string>,
): Record<string, unknown> {
  const attrs = attributesFor(listing.attributes, marketplace.id);
  const issues = storedIssues(listing, marketplace).map((i) => ({ ...i, marketplaceIds: [marketplace.id] }));
  const item: Record<string, unknown> = { sku: listing.sku };
  if (included.has('summaries')) item.summaries = [summaryOf(listing, marketplace, attrs, issues)];
  if (included.has('attributes')) item.attributes = attrs;
  if (included.has('issues')) item.issues = issues;
  if (included.has('offers')) item.offers = offersOf(attrs, marketplace);
  if (included.has('fulfillmentAvailability')) item.fulfillmentAvailability = fulfillmentOf(attrs);
  if (included.has('procurement')) item.procurement = [];
  if (included.has('relationships'))
    item.relationships = [{ marketplaceId: marketplace.id, relationships: [] }];
  if (included.has('productTypes'))
    item.productTypes = [{ marketplaceId: marketplace.id, productType: listing.productType }];
  return item;
}
