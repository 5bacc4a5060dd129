import type { AmazonApi } from '../store/schema.js';

/**
 * An Ads connection has no selling partner id: Amazon's Ads consent names no account, and the
 * advertiser's profiles (which do) may change. Its `selling_partner_id` column holds this fixed key,
 * so there is one Ads connection per account, Ads security profile and region, and a second consent
 * in the same region renews it.
 */
export const ADS_ADVERTISER_KEY = 'amazon-ads';

/** The seller fields of an event payload: the seller id for SP-API, `api: 'ads'` and none for Ads. */
export function partnerFields(row: {
  api?: AmazonApi;
  selling_partner_id: string;
}): { sellingPartnerId: string } | { api: 'ads'; sellingPartnerId: null } {
  return row.api === 'ads'
    ? { api: 'ads', sellingPartnerId: null }
    : { sellingPartnerId: row.selling_partner_id };
}

/** How people know a connection: the store name (or seller id) for SP-API, "Amazon Ads (NA)" for Ads. */
export function connectionName(c: {
  api?: AmazonApi;
  storeName: string | null;
  sellingPartnerId: string;
  region: string;
}): string {
  if (c.api === 'ads') return `Amazon Ads (${c.region})`;
  const name = c.storeName ?? c.sellingPartnerId;
  return name.endsWith(`(${c.region})`) ? name : `${name} (${c.region})`;
}

/** The portal page of a connection (where Renew is). */
export function connectionPath(c: { id: string; api?: AmazonApi }): string {
  return c.api === 'ads' ? `/ads-connections/${c.id}` : `/connections/${c.id}`;
}
