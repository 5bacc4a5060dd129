import type { Context } from 'hono';
import { DAY, MINUTE } from '../kernel/clock.js';
import type { SimContext, SimEnv } from './context.js';
import { LONG_HISTORY_COUNTRIES, MARKETPLACES } from './orders-catalog.js';
import { isoSeconds } from './orders-data.js';
import { UndecodableToken, decodeOpaqueToken, encodeOpaqueToken } from './page-tokens.js';
import type { Region, SimOrder } from './state.js';

/**
 * The search engine behind searchOrders (2026-01-01) and getOrders (v0), and their pagination tokens.
 *
 * Pagination semantics (both APIs):
 * - Results are sorted by the query's time field (createdTime or lastUpdatedTime), then orderId.
 * - The window's upper bound is fixed on the first page: the *Before that was sent, or else simulated
 *   now minus `ordersDefaultBeforeLagMs`. It is echoed as `createdBefore`/`lastUpdatedBefore` and kept
 *   in the token, so every page reads the same window.
 * - A token holds the last (time, orderId) returned, and the next page starts strictly after it. An
 *   order updated during pagination leaves the window: its new lastUpdatedTime is at least the time of
 *   the update, which is later than the bound (the bound is always ≥ 2 minutes before the first page).
 *   It may therefore be missing from this walk, but an incremental importer that next queries
 *   `lastUpdatedAfter = <the echoed lastUpdatedBefore>` (its watermark) gets it, in its newest version.
 *   Nothing is ever skipped that way, and no order appears twice within one walk.
 * - A token only works with the query that produced it (same seller, region, API and filters; only
 *   maxResultsPerPage and includedData may change) and expires 24 simulated hours after it was issued
 *   (https://developer-docs.amazon.com/sp-api/docs/orders-api-migration-guide).
 */

/** Thrown by parameter checks; handlers turn it into 400 InvalidInput. */
export class InvalidInput extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidInput';
  }
}

/** How long a pagination token lives (https://developer-docs.amazon.com/sp-api/docs/orders-api-migration-guide: 24 hours). */
export const PAGE_TOKEN_TTL_MS = DAY;
/** `*Before` must be at least this long before the request (https://developer-docs.amazon.com/sp-api/docs/orders-api-migration-guide). */
export const BEFORE_MIN_AGE_MS = 2 * MINUTE;
/** Orders older than this are not returned, except in JP, AU and SG (https://developer-docs.amazon.com/sp-api/docs/orders-api-migration-guide). */
const HISTORY_MS = 2 * 365 * DAY;
const LONG_HISTORY_START = Date.UTC(2016, 0, 1);

const DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** Parses an ISO 8601 date or date-time (no zone means UTC); throws InvalidInput naming `name`. */
export function parseDateParam(name: string, value: string): number {
  const text = value.trim();
  if (!DATE_TIME.test(text)) {
    throw new InvalidInput(
      `${name} must be an ISO 8601 date-time such as 2026-01-01T00:00:00Z (got '${value}').`,
    );
  }
  const zoned = /T/i.test(text) && !/(?:Z|[+-]\d{2}:?\d{2})$/i.test(text) ? `${text}Z` : text;
  const ms = Date.parse(zoned);
  if (Number.isNaN(ms)) throw new InvalidInput(`${name} is not a valid date-time (got '${value}').`);
  return ms;
}

/** An array query parameter: comma-separated (Swagger's default csv) and/or repeated; undefined if empty. */
export function listParam(c: Context<SimEnv>, name: string): string[] | undefined {
  const raw = c.req.queries(name);
  if (!raw) return undefined;
  const values = raw
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  return values.length > 0 ? values : undefined;
}

/** A single query parameter, or undefined when absent or empty. */
export function param(c: Context<SimEnv>, name: string): string | undefined {
  const value = c.req.query(name);
  return value === undefined || value === '' ? undefined : value;
}

/** Checks every value against an enum; throws InvalidInput naming the parameter. */
export function checkEnum(name: string, values: string[], allowed: readonly string[]): string[] {
  for (const v of values) {
    if (!allowed.includes(v))
      throw new InvalidInput(`${name} contains '${v}', which is not one of: ${allowed.join(', ')}.`);
  }
  return [...new Set(values)].sort();
}

/** maxResultsPerPage / MaxResultsPerPage: an integer 1–100, default 100 (https://developer-docs.amazon.com/sp-api/docs/orders-api-migration-guide). */
export function pageSizeParam(name: string, value: string | undefined): number {
  if (value === undefined) return 100;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 100) {
    throw new InvalidInput(`${name} must be an integer between 1 and 100 (got '${value}').`);
  }
  return n;
}

/** Checks the marketplace list: at most 50, each one a marketplace the seller sells in. */
export function checkMarketplaces(
  ctx: SimContext,
  name: string,
  sellingPartnerId: string,
  ids: string[],
): string[] {
  if (ids.length > 50)
    throw new InvalidInput(`${name} accepts at most 50 marketplace ids (got ${ids.length}).`);
  const own = new Set(ctx.state.sellers.get(sellingPartnerId)?.marketplaceIds ?? []);
  for (const id of ids) {
    if (!own.has(id)) {
      const what = MARKETPLACES.has(id)
        ? 'is not a marketplace this seller participates in'
        : 'is not a valid marketplace id';
      throw new InvalidInput(`${name}: '${id}' ${what}.`);
    }
  }
  return [...new Set(ids)].sort();
}

/** Which time field a query filters and sorts on. */
export type TimeField = 'created' | 'lastUpdated';

/** A normalised query: what a pagination token is bound to. */
export interface OrderQuery {
  api: '2026-01-01' | 'v0';
  sellingPartnerId: string;
  region: Region;
  field: TimeField;
  after: number;
  /** As sent; null when the caller left it out. */
  before: number | null;
  marketplaceIds: string[];
  /** API-specific filters, normalised (sorted lists) so equal queries serialise equally. */
  filters: Record<string, string[] | string | boolean>;
}

/** The decoded content of a pagination token. */
export interface PageToken {
  query: OrderQuery;
  /** The window's upper bound fixed on the first page. */
  effectiveBefore: number;
  /** Last (time, orderId) returned. */
  cursor: [number, string];
  expiresAt: number;
}

/**
 * What Amazon answers (400 InvalidInput) for a v0 `NextToken` it cannot decode, e.g. one sent
 * without percent-encoding whose `+` arrived as a space (https://github.com/amzn/selling-partner-api-docs/issues/422;
 * wording as observed from getOrders).
 */
export const UNDECODABLE_NEXT_TOKEN =
  'We could not decode your NextToken. Possible reasons include: a transmission error, improper quoting or a truncation problem.';

/** Serialises a token: standard base64 with `+`, `/` and `=`, as Amazon's are (page-tokens.ts). */
export function encodePageToken(token: PageToken): string {
  return encodeOpaqueToken(token);
}

/**
 * Reads a token; throws InvalidInput when it is malformed, expired or for another seller. A v0
 * `NextToken` that does not decode gets Amazon's wording; other names keep "<name> is invalid.".
 */
export function decodePageToken(
  ctx: SimContext,
  name: string,
  text: string,
  sellingPartnerId: string,
  region: Region,
): PageToken {
  let token: PageToken;
  try {
    token = decodeOpaqueToken(text) as PageToken;
  } catch (err) {
    if (!(err instanceof UndecodableToken)) throw err;
    throw new InvalidInput(name === 'NextToken' ? UNDECODABLE_NEXT_TOKEN : `${name} is invalid.`);
  }
  if (
    !token ||
    typeof token.query !== 'object' ||
    typeof token.effectiveBefore !== 'number' ||
    typeof token.expiresAt !== 'number' ||
    !Array.isArray(token.cursor) ||
    token.query.sellingPartnerId !== sellingPartnerId ||
    token.query.region !== region
  ) {
    throw new InvalidInput(`${name} is invalid.`);
  }
  if (ctx.clock.now() >= token.expiresAt) {
    throw new InvalidInput(
      `${name} has expired: tokens are valid for 24 hours. Start again without ${name}.`,
    );
  }
  return token;
}

/** Whether two queries are the same (what binds a token to its query). */
export function sameQuery(a: OrderQuery, b: OrderQuery): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Checks the time window rules shared by both APIs (https://developer-docs.amazon.com/sp-api/docs/orders-api-migration-guide): *Before ≥ *After and at least two
 * minutes before now. Returns the effective upper bound for a first page.
 */
export function windowBound(
  ctx: SimContext,
  names: { after: string; before: string },
  after: number,
  before: number | null,
): number {
  const now = ctx.clock.now();
  if (before === null) return Math.floor((now - ctx.config.ordersDefaultBeforeLagMs) / 1000) * 1000;
  if (before < after) throw new InvalidInput(`${names.before} must be equal to or after ${names.after}.`);
  if (before > now - BEFORE_MIN_AGE_MS) {
    throw new InvalidInput(
      `${names.before} must be at least 2 minutes before the time of the request (now ${isoSeconds(now)}).`,
    );
  }
  return before;
}

/** Whether an order is still within Amazon's history limit (https://developer-docs.amazon.com/sp-api/docs/orders-api-migration-guide). */
export function withinHistory(order: SimOrder, now: number): boolean {
  const country = MARKETPLACES.get(order.marketplaceId)?.countryCode ?? '';
  const start = LONG_HISTORY_COUNTRIES.has(country) ? LONG_HISTORY_START : now - HISTORY_MS;
  return order.createdAt >= start;
}

/** One page of a query: sorted by (time, orderId), starting after `cursor`, within the window. */
export function runQuery(
  ctx: SimContext,
  query: OrderQuery,
  effectiveBefore: number,
  cursor: [number, string] | null,
  limit: number,
  matches: (order: SimOrder) => boolean,
): { orders: SimOrder[]; next: [number, string] | null } {
  const now = ctx.clock.now();
  const marketplaces = new Set(query.marketplaceIds);
  const timeOf = query.field === 'created' ? (o: SimOrder) => o.createdAt : (o: SimOrder) => o.lastUpdatedAt;
  const found: SimOrder[] = [];
  for (const order of ctx.state.orders.values()) {
    if (order.sellingPartnerId !== query.sellingPartnerId || order.region !== query.region) continue;
    if (!marketplaces.has(order.marketplaceId)) continue;
    const t = timeOf(order);
    if (t < query.after || t > effectiveBefore) continue;
    if (cursor && (t < cursor[0] || (t === cursor[0] && order.orderId <= cursor[1]))) continue;
    if (!withinHistory(order, now) || !matches(order)) continue;
    found.push(order);
  }
  found.sort((a, b) => timeOf(a) - timeOf(b) || (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0));
  const page = found.slice(0, limit);
  const last = page[page.length - 1];
  const next: [number, string] | null = found.length > limit && last ? [timeOf(last), last.orderId] : null;
  return { orders: page, next };
}

/** The token for the page after `next`, valid for 24 simulated hours. */
export function nextPageToken(
  ctx: SimContext,
  query: OrderQuery,
  effectiveBefore: number,
  next: [number, string],
): string {
  return encodePageToken({
    query,
    effectiveBefore,
    cursor: next,
    expiresAt: ctx.clock.now() + PAGE_TOKEN_TTL_MS,
  });
}
