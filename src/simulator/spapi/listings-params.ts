import type { Context } from 'hono';
import type { SimEnv } from '../context.js';
import { ACCESS_DENIED, spapiError } from '../http.js';
import { UNPARSEABLE } from '../listings-validation.js';
import { findMarketplace, type SimMarketplace } from '../marketplaces.js';
import type { SpApiCall } from './operation.js';

/** Parameter checks shared by the Listings Items operations (https://developer-docs.amazon.com/sp-api/docs/listings-items-api-v2021-08-01-reference). */

/** The `includedData` values of getListingsItem and searchListingsItems. */
export const GET_INCLUDED = [
  'summaries',
  'attributes',
  'issues',
  'offers',
  'fulfillmentAvailability',
  'procurement',
  'relationships',
  'productTypes',
];

/** 400 InvalidInput, the Listings API's error for bad parameters (observed on Amazon). */
export function invalidInput(c: Context<SimEnv>, message: string, details = ''): Response {
  return spapiError(c, 400, 'InvalidInput', message, details);
}

/**
 * Checks `sellerId` (must be the caller: 403 with empty details otherwise, https://developer-docs.amazon.com/sp-api/docs/response-format) and
 * `marketplaceIds` (required, exactly one, one of the seller's marketplaces: 400 otherwise; the
 * "Invalid 'marketplaceIds' provided." wording is Amazon's).
 */
export function resolveSellerAndMarketplace(
  c: Context<SimEnv>,
  call: SpApiCall,
): { sellingPartnerId: string; marketplace: SimMarketplace } | Response {
  const sellerId = c.req.param('sellerId');
  const seller = call.sellingPartnerId ? call.ctx.state.sellers.get(call.sellingPartnerId) : undefined;
  if (!seller || sellerId !== seller.sellingPartnerId)
    return spapiError(c, 403, 'Unauthorized', ACCESS_DENIED, '');
  const raw = c.req.query('marketplaceIds');
  if (raw === undefined || raw === '')
    return invalidInput(c, UNPARSEABLE, "Missing required parameter 'marketplaceIds'.");
  const ids = raw.split(',');
  if (ids.length !== 1)
    return invalidInput(c, "Invalid 'marketplaceIds' provided.", 'Only one marketplace ID is supported.');
  const marketplace = findMarketplace(ids[0]!);
  if (!marketplace || !seller.marketplaceIds.includes(marketplace.id))
    return invalidInput(c, "Invalid 'marketplaceIds' provided.");
  return { sellingPartnerId: seller.sellingPartnerId, marketplace };
}

/** Parses a csv `includedData` against the allowed values; null when any is unknown. */
export function parseIncluded(
  raw: string | undefined,
  allowed: readonly string[],
  fallback: readonly string[],
): Set<string> | null {
  if (raw === undefined || raw === '') return new Set(fallback);
  const values = raw.split(',');
  return values.every((v) => allowed.includes(v)) ? new Set(values) : null;
}
