import type { Region } from './state.js';

/**
 * Which region a request is for. One origin serves all of Amazon: a Host header naming an Amazon
 * host decides first (https://developer-docs.amazon.com/sp-api/docs/seller-central-urls, §5.1), then a `/na`, `/eu` or `/fe` path prefix, else NA.
 */

const SELLER_CENTRAL_HOSTS: Record<string, Region> = {
  'sellercentral.amazon.com': 'NA',
  'sellercentral.amazon.ca': 'NA',
  'sellercentral.amazon.com.mx': 'NA',
  'sellercentral.amazon.com.br': 'NA',
  'sellercentral-europe.amazon.com': 'EU',
  'sellercentral.amazon.nl': 'EU',
  'sellercentral.amazon.se': 'EU',
  'sellercentral.amazon.pl': 'EU',
  'sellercentral.amazon.com.tr': 'EU',
  'sellercentral.amazon.ae': 'EU',
  'sellercentral.amazon.eg': 'EU',
  'sellercentral.amazon.com.sa': 'EU',
  'sellercentral.amazon.com.be': 'EU',
  'sellercentral.amazon.in': 'EU',
  'sellercentral.amazon.sg': 'FE',
  'sellercentral.amazon.com.au': 'FE',
  'sellercentral.amazon.co.jp': 'FE',
};

const API_HOSTS: Record<string, Region> = {
  'sellingpartnerapi-na.amazon.com': 'NA',
  'sellingpartnerapi-eu.amazon.com': 'EU',
  'sellingpartnerapi-fe.amazon.com': 'FE',
  'sandbox.sellingpartnerapi-na.amazon.com': 'NA',
  'sandbox.sellingpartnerapi-eu.amazon.com': 'EU',
  'sandbox.sellingpartnerapi-fe.amazon.com': 'FE',
  'api.amazon.com': 'NA',
  'api.amazon.co.uk': 'EU',
  'api.amazon.co.jp': 'FE',
};

const PREFIXES: Record<string, Region> = { na: 'NA', eu: 'EU', fe: 'FE' };

/** The result of routing: the region, the path prefix that was stripped, and the path that remains. */
export interface RegionRoute {
  region: Region;
  /** '' or '/na' | '/eu' | '/fe': pages use it to build links that keep the region. */
  prefix: string;
  path: string;
}

/** Region from a Host header value (port ignored), or null when the host is not an Amazon host. */
export function regionFromHost(host: string | null | undefined): Region | null {
  if (!host) return null;
  const name = host.toLowerCase().replace(/:\d+$/, '');
  return SELLER_CENTRAL_HOSTS[name] ?? API_HOSTS[name] ?? null;
}

/** Decides the region of a request and strips a region path prefix. */
export function routeRegion(host: string | null | undefined, pathname: string): RegionRoute {
  const match = /^\/(na|eu|fe)(?=\/|$)/i.exec(pathname);
  const prefixRegion = match ? PREFIXES[match[1]!.toLowerCase()] : undefined;
  const stripped = match ? pathname.slice(match[0].length) || '/' : pathname;
  const prefix = match ? match[0].toLowerCase() : '';
  const hostRegion = regionFromHost(host);
  return { region: hostRegion ?? prefixRegion ?? 'NA', prefix, path: stripped };
}

/** The simulator's Seller Central host for each region, used to describe consent URLs in docs. */
export const SELLER_CENTRAL_BY_REGION: Record<Region, string> = {
  NA: 'sellercentral.amazon.com',
  EU: 'sellercentral-europe.amazon.com',
  FE: 'sellercentral.amazon.co.jp',
};
