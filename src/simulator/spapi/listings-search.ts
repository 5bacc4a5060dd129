import type { Context } from 'hono';
import type { SimEnv } from '../context.js';
import { attributesFor, buildItem, listingAsin, storedIssues } from '../listings-store.js';
import { UNPARSEABLE } from '../listings-validation.js';
import { decodeOpaqueToken, encodeOpaqueToken } from '../page-tokens.js';
import type { SimListing } from '../state.js';
import { GET_INCLUDED, invalidInput, parseIncluded, resolveSellerAndMarketplace } from './listings-params.js';
import type { SpApiCall } from './operation.js';

/**
 * searchListingsItems (`GET /listings/2021-08-01/items/{sellerId}`): the seller's live listings in one
 * marketplace, filtered, sorted and paged as the model describes (pageSize ≤ 20, default 10; sort by
 * lastUpdatedDate DESC by default).
 */

const IDENTIFIER_TYPES = ['ASIN', 'EAN', 'FNSKU', 'GTIN', 'ISBN', 'JAN', 'MINSAN', 'SKU', 'UPC'];
const STATUSES = ['BUYABLE', 'DISCOVERABLE'];

function csv(raw: string | undefined): string[] | undefined {
  return raw === undefined || raw === '' ? undefined : raw.split(',');
}

function date(raw: string | undefined): number | null | undefined {
  if (raw === undefined) return undefined;
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? null : ms;
}

/** The offset a `pageToken` holds (page-tokens.ts: standard base64, as Amazon's), or NaN. */
function pageOffset(token: string): number {
  try {
    const value = decodeOpaqueToken(token) as { offset?: unknown } | null;
    return typeof value?.offset === 'number' ? value.offset : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Whether a listing carries one of the identifiers (of the given type) in this marketplace. */
function hasIdentifier(listing: SimListing, marketplaceId: string, type: string, ids: string[]): boolean {
  const attrs = attributesFor(listing.attributes, marketplaceId);
  if (type === 'SKU') return ids.includes(listing.sku);
  if (type === 'ASIN') return ids.includes(listingAsin(listing.sellingPartnerId, listing.sku, attrs));
  return (attrs.externally_assigned_product_identifier ?? []).some(
    (e) => String(e.type).toUpperCase() === type && ids.includes(String(e.value)),
  );
}

/** Handles searchListingsItems. */
export function searchListingsItems(c: Context<SimEnv>, call: SpApiCall): Response {
  const resolved = resolveSellerAndMarketplace(c, call);
  if (resolved instanceof Response) return resolved;
  const { marketplace, sellingPartnerId } = resolved;
  const q = (name: string): string | undefined => c.req.query(name);
  const bad = (details: string): Response => invalidInput(c, UNPARSEABLE, details);

  const included = parseIncluded(q('includedData'), GET_INCLUDED, ['summaries']);
  if (!included) return bad(`'includedData' must be a subset of ${GET_INCLUDED.join(', ')}.`);
  const identifiers = csv(q('identifiers'));
  const identifiersType = q('identifiersType');
  if (identifiers && identifiers.length > 20) return bad("'identifiers' takes at most 20 values.");
  if ((identifiers === undefined) !== (identifiersType === undefined))
    return bad("'identifiers' and 'identifiersType' must be given together.");
  if (identifiersType !== undefined && !IDENTIFIER_TYPES.includes(identifiersType))
    return bad(`'identifiersType' must be one of ${IDENTIFIER_TYPES.join(', ')}.`);
  const pageSize = q('pageSize') === undefined ? 10 : Number(q('pageSize'));
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 20)
    return bad("'pageSize' must be an integer from 1 to 20.");
  const sortBy = q('sortBy') ?? 'lastUpdatedDate';
  if (!['sku', 'createdDate', 'lastUpdatedDate'].includes(sortBy))
    return bad("'sortBy' must be one of sku, createdDate, lastUpdatedDate.");
  const sortOrder = q('sortOrder') ?? 'DESC';
  if (sortOrder !== 'ASC' && sortOrder !== 'DESC') return bad("'sortOrder' must be ASC or DESC.");
  const withStatus = csv(q('withStatus'));
  const withoutStatus = csv(q('withoutStatus'));
  if ([...(withStatus ?? []), ...(withoutStatus ?? [])].some((s) => !STATUSES.includes(s)))
    return bad("'withStatus' and 'withoutStatus' take BUYABLE and DISCOVERABLE.");
  const severities = csv(q('withIssueSeverity'));
  if (severities?.some((s) => s !== 'WARNING' && s !== 'ERROR'))
    return bad("'withIssueSeverity' takes WARNING and ERROR.");
  const bounds = {
    createdAfter: date(q('createdAfter')),
    createdBefore: date(q('createdBefore')),
    lastUpdatedAfter: date(q('lastUpdatedAfter')),
    lastUpdatedBefore: date(q('lastUpdatedBefore')),
  };
  for (const [name, value] of Object.entries(bounds))
    if (value === null) return bad(`'${name}' must be an ISO 8601 date-time.`);
  let offset = 0;
  const token = q('pageToken');
  if (token !== undefined) {
    offset = pageOffset(token);
    if (!Number.isInteger(offset) || offset < 0) return bad("'pageToken' is invalid.");
  }

  const inRange = (
    ms: number,
    after: number | null | undefined,
    before: number | null | undefined,
  ): boolean => (after == null || ms >= after) && (before == null || ms <= before);
  const statusOf = (l: SimListing): string[] =>
    (buildItem(l, marketplace, new Set(['summaries'])).summaries as { status: string[] }[])[0]?.status ?? [];
  const relationFilter = q('variationParentSku') !== undefined || q('packageHierarchySku') !== undefined;

  const matches = [...call.ctx.state.listings.values()].filter(
    (l) =>
      l.sellingPartnerId === sellingPartnerId &&
      !l.deleted &&
      l.marketplaceIds.includes(marketplace.id) &&
      // The simulator keeps no relationships, so a relationship filter matches nothing.
      !relationFilter &&
      (!identifiers || hasIdentifier(l, marketplace.id, identifiersType!, identifiers)) &&
      inRange(l.createdAt, bounds.createdAfter, bounds.createdBefore) &&
      inRange(l.lastUpdatedAt, bounds.lastUpdatedAfter, bounds.lastUpdatedBefore) &&
      (!withStatus || withStatus.some((s) => statusOf(l).includes(s))) &&
      (!withoutStatus || !withoutStatus.some((s) => statusOf(l).includes(s))) &&
      (!severities || storedIssues(l, marketplace).some((i) => severities.includes(i.severity))),
  );
  const key = (l: SimListing): string | number =>
    sortBy === 'sku' ? l.sku : sortBy === 'createdDate' ? l.createdAt : l.lastUpdatedAt;
  matches.sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    const order = x < y ? -1 : x > y ? 1 : a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0;
    return sortOrder === 'ASC' ? order : -order;
  });

  const page = matches.slice(offset, offset + pageSize);
  const encode = (n: number): string => encodeOpaqueToken({ offset: n });
  const pagination: Record<string, string> = {};
  if (offset + pageSize < matches.length) pagination.nextToken = encode(offset + pageSize);
  if (offset > 0) pagination.previousToken = encode(Math.max(0, offset - pageSize));
  return c.json({
    numberOfResults: matches.length,
    ...(Object.keys(pagination).length > 0 ? { pagination } : {}),
    items: page.map((l) => buildItem(l, marketplace, included)),
  });
}
