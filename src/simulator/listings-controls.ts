import type { Hono } from 'hono';
import { iso } from '../kernel/clock.js';
import type { SimContext, SimEnv } from './context.js';
import type { SimListing } from './state.js';

/** A listing for the controls: everything stored, times as ISO strings, and whether it is live. */
export function listingView(listing: SimListing): Record<string, unknown> {
  const everAccepted = listing.submissions.some((s) => s.status === 'ACCEPTED');
  return {
    sellingPartnerId: listing.sellingPartnerId,
    sku: listing.sku,
    productType: listing.productType,
    requirements: listing.requirements ?? null,
    // 'never-listed': only refused or preview submissions were made for this SKU.
    state: !listing.deleted ? 'live' : everAccepted ? 'deleted' : 'never-listed',
    marketplaceIds: listing.marketplaceIds,
    createdAt: iso(listing.createdAt),
    lastUpdatedAt: iso(listing.lastUpdatedAt),
    attributes: listing.attributes,
    submissions: listing.submissions.map((s) => ({ ...s, at: iso(s.at) })),
  };
}

/**
 * `GET /_sim/listings?sellingPartnerId=&sku=`: every listing the Listings Items API has seen, with
 * its attributes and submission history (accepted, refused and preview), oldest first.
 */
export function registerListingControls(app: Hono<SimEnv>, ctx: SimContext): void {
  app.get('/_sim/listings', (c) => {
    const sellingPartnerId = c.req.query('sellingPartnerId');
    const sku = c.req.query('sku');
    const listings = [...ctx.state.listings.values()]
      .filter(
        (l) =>
          (sellingPartnerId === undefined || l.sellingPartnerId === sellingPartnerId) &&
          (sku === undefined || l.sku === sku),
      )
      .sort((a, b) => a.createdAt - b.createdAt)
      .map(listingView);
    return c.json({ listings });
  });
}
