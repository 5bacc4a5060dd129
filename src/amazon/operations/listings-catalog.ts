import type { SpApiRequest } from '../client-types.js';
import { badResponse, isRecord, nonEmptyString, settleAnswer, type SpApiAnswer } from './answer.js';
import { searchListingsItemsRequest } from './listings.js';

/**
 * searchListingsItems (Listings Items API 2021-08-01) as the seller's catalog reads it: one page of
 * a seller's items in one marketplace with their summaries, issues, offers, fulfillment
 * availability and attributes, in a stable order (SKU ascending) so a walk with `pageToken` sees
 * every item once.
 * @see https://developer-docs.amazon.com/sp-api/docs/listings-items-api-v2021-08-01-reference#searchlistingsitems
 */

/** The most items Amazon returns on one page (the model's `pageSize` maximum). */
export const CATALOG_PAGE_SIZE = 20;

/** What the catalog asks for with each item. */
export const CATALOG_INCLUDED_DATA = [
  'summaries',
  'issues',
  'offers',
  'fulfillmentAvailability',
  'attributes',
] as const;

/**
 * One page of the catalog walk. The `pageToken` is passed as a query value: the client
 * percent-encodes it (Amazon's tokens are base64 with `+`, `/` and `=`, RFC 3986 §3.4,
 * https://www.rfc-editor.org/rfc/rfc3986#section-3.4).
 */
export function searchCatalogPageRequest(params: {
  sellerId: string;
  marketplaceId: string;
  pageToken?: string | null;
  pageSize?: number;
}): SpApiRequest {
  return searchListingsItemsRequest({
    ...params,
    includedData: CATALOG_INCLUDED_DATA,
    pageSize: params.pageSize ?? CATALOG_PAGE_SIZE,
    sort: { by: 'sku', order: 'ASC' },
  });
}

/** One of Amazon's issues on a listing, with the fields the catalog keeps. */
export interface CatalogIssue {
  code: string;
  message: string;
  severity: 'ERROR' | 'WARNING' | 'INFO';
  attributeNames: string[];
}

/** One item of the catalog in one marketplace. */
export interface CatalogItem {
  sku: string;
  asin: string | null;
  productType: string | null;
  itemName: string | null;
  conditionType: string | null;
  /** BUYABLE, DISCOVERABLE (none: neither). */
  statuses: string[];
  issues: CatalogIssue[];
  /** The B2C offer's price as Amazon wrote it (a decimal string) and its currency. */
  price: { amount: string; currency: string } | null;
  /** The merchant-fulfilled (DEFAULT channel) quantity, when Amazon gave one. */
  quantity: number | null;
  attributes: Record<string, unknown> | null;
  createdDate: Date | null;
  lastUpdatedDate: Date | null;
}

/** One page of the walk. */
export interface CatalogPage {
  numberOfResults: number | null;
  items: CatalogItem[];
  /** The next page's token, or null on the last page. */
  nextToken: string | null;
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];

const dateOf = (v: unknown): Date | null => {
  if (typeof v !== 'string') return null;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? null : new Date(ms);
};

function issuesOf(value: unknown): CatalogIssue[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isRecord).map((i) => ({
    code: typeof i.code === 'string' ? i.code : '',
    message: typeof i.message === 'string' ? i.message : '',
    severity: i.severity === 'WARNING' || i.severity === 'INFO' ? i.severity : 'ERROR',
    attributeNames: strings(i.attributeNames),
  }));
}

function priceOf(offers: unknown, marketplaceId: string): CatalogItem['price'] {
  if (!Array.isArray(offers)) return null;
  const mine = offers.filter(isRecord).filter((o) => o.marketplaceId === marketplaceId || !o.marketplaceId);
  const offer = mine.find((o) => o.offerType !== 'B2B') ?? mine[0];
  const price = offer && isRecord(offer.price) ? offer.price : null;
  const amount = price ? nonEmptyString(price.amount) : null;
  const currency = price ? nonEmptyString(price.currencyCode) : null;
  return amount && currency ? { amount, currency } : null;
}

function quantityOf(value: unknown): number | null {
  if (!Array.isArray(value)) return null;
  const own = value.filter(isRecord).find((f) => f.fulfillmentChannelCode === 'DEFAULT');
  return own && typeof own.quantity === 'number' && Number.isInteger(own.quantity) ? own.quantity : null;
}

function itemOf(raw: Record<string, unknown>, marketplaceId: string): CatalogItem | null {
  const sku = nonEmptyString(raw.sku);
  if (!sku) return null;
  const summaries = Array.isArray(raw.summaries) ? raw.summaries.filter(isRecord) : [];
  const s = summaries.find((x) => x.marketplaceId === marketplaceId) ?? summaries[0] ?? {};
  return {
    sku,
    asin: nonEmptyString(s.asin),
    productType: nonEmptyString(s.productType),
    itemName: nonEmptyString(s.itemName),
    conditionType: nonEmptyString(s.conditionType),
    statuses: strings(s.status),
    issues: issuesOf(raw.issues),
    price: priceOf(raw.offers, marketplaceId),
    quantity: quantityOf(raw.fulfillmentAvailability),
    attributes: isRecord(raw.attributes) ? raw.attributes : null,
    createdDate: dateOf(s.createdDate),
    lastUpdatedDate: dateOf(s.lastUpdatedDate),
  };
}

/**
 * A searchListingsItems answer → the page (items without a SKU are skipped). A body that is not an
 * object is SPAPI_BAD_RESPONSE: a walk must not take it for an empty catalog and delete every row.
 * @see https://developer-docs.amazon.com/sp-api/docs/listings-items-api-v2021-08-01-reference#itemsearchresults
 */
export async function processCatalogPage(answer: SpApiAnswer, marketplaceId: string): Promise<CatalogPage> {
  const { body } = await settleAnswer(answer);
  if (!isRecord(body) || !Array.isArray(body.items))
    throw badResponse('searchListingsItems', 'without an items list');
  const pagination = isRecord(body.pagination) ? body.pagination : {};
  return {
    numberOfResults: typeof body.numberOfResults === 'number' ? body.numberOfResults : null,
    items: body.items
      .filter(isRecord)
      .map((i) => itemOf(i, marketplaceId))
      .filter((i): i is CatalogItem => i !== null),
    nextToken: nonEmptyString(pagination.nextToken),
  };
}
