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

/**
 * Amazon Ads hosts (https://advertising.amazon.com/API/docs/en-us/guides/get-started/create-authorization-grant and
 * https://advertising.amazon.com/API/docs/en-us/reference/2/profiles): the Login with Amazon consent hosts, and the Ads API hosts,
 * which the simulator serves under `/ads-api` (so a request to `advertising-api-eu.amazon.com/v2/profiles` is routed to `/ads-api/v2/profiles`).
 */
const ADS_CONSENT_HOSTS: Record<string, Region> = {
  'www.amazon.com': 'NA',
  'eu.account.amazon.com': 'EU',
  'apac.account.amazon.com': 'FE',
};

const ADS_API_HOSTS: Record<string, Region> = {
  'advertising-api.amazon.com': 'NA',
  'advertising-api-eu.amazon.com': 'EU',
  'advertising-api-fe.amazon.com': 'FE',
};

/** Where the simulator serves the Amazon Ads API on its one origin (`BASE/eu/ads-api/v2/profiles`). */
export const ADS_API_PREFIX = '/ads-api';

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
  return (
    SELLER_CENTRAL_HOSTS[name] ?? API_HOSTS[name] ?? ADS_CONSENT_HOSTS[name] ?? ADS_API_HOSTS[name] ?? null
  );
}

/** True when a Host header names one of the Amazon Ads API hosts. */
export function isAdsApiHost(host: string | null | undefined): boolean {
  if (!host) return false;
  return Object.hasOwn(ADS_API_HOSTS, host.toLowerCase().replace(/:\d+$/, ''));
}

/** Decides the region of a request and strips a region path prefix. */
export function routeRegion(host: string | null | undefined, pathname: string): RegionRoute {
  const match = /^\/(na|eu|fe)(?=\/|$)/i.exec(pathname);
  const prefixRegion = match ? PREFIXES[match[1]!.toLowerCase()] : undefined;
  const stripped = match ? pathname.slice(match[0].length) || '/' : pathname;
  const prefix = match ? match[0].toLowerCase() : '';
  const hostRegion = regionFromHost(host);
  return { region: hostRegion ?? prefixRegion ?? 'NA', prefix, path: adsApiPath(host, stripped) };
}

/** On an Ads API host the API lives at the root: route it to `/ads-api` (controls stay where they are). */
function adsApiPath(host: string | null | undefined, path: string): string {
  if (!isAdsApiHost(host)) return path;
  if (path === ADS_API_PREFIX || path.startsWith(`${ADS_API_PREFIX}/`)) return path;
  if (path === '/_sim' || path.startsWith('/_sim/')) return path;
  return `${ADS_API_PREFIX}${path}`;
}

/** The simulator's Seller Central host for each region, used to describe consent URLs in docs. */
export const SELLER_CENTRAL_BY_REGION: Record<Region, string> = {
  NA: 'sellercentral.amazon.com',
  EU: 'sellercentral-europe.amazon.com',
  FE: 'sellercentral.amazon.co.jp',
};
