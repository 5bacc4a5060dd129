import { sql, type Kysely, type Selectable } from 'kysely';
import { getVisibleConnection, type Viewer } from '../connections/repository.js';
import type { CatalogItem } from '../amazon/operations/listings-catalog.js';
import type { Clock } from '../kernel/clock.js';
import { ValidationError } from '../kernel/errors.js';
import type { Database, ListingCatalogTable } from '../store/schema.js';
import { toIssues, type ListingIssue } from './model.js';
import { checkMarketplaceId, checkSku } from './validate.js';

/**
 * Reads of the seller's catalog (written by catalog.ts): a connection's items a page at a time
 * (keyset paging by marketplace, then SKU), one item, and the refresh state.
 */

/** One SKU of the catalog in one marketplace, as the portal and API show it: Amazon's item as stored. */
export type CatalogEntry = Omit<CatalogItem, 'issues'> & {
  marketplaceId: string;
  issues: ListingIssue[];
  refreshedAt: Date;
};

/** A connection's catalog refresh. */
export interface CatalogSync {
  status: 'running' | 'done' | 'paused' | 'failed';
  items: number;
  reason: string | null;
  lastStartedAt: Date;
  lastFinishedAt: Date | null;
}

export interface CatalogPageQuery {
  marketplaceId?: string;
  /** Only items with at least one ERROR issue (`error`), or with no status (`inactive`). */
  filter?: 'error' | 'inactive';
  /** 1–1000, default 100. */
  limit?: number;
  /** The previous page's `nextCursor`. */
  cursor?: string;
}

export interface CatalogPageResult {
  items: CatalogEntry[];
  nextCursor: string | null;
}

const MAX_LIMIT = 1000;

function toEntry(r: Selectable<ListingCatalogTable>): CatalogEntry {
  return {
    marketplaceId: r.marketplace_id,
    sku: r.sku,
    asin: r.asin,
    productType: r.product_type,
    itemName: r.item_name,
    conditionType: r.condition_type,
    statuses: Array.isArray(r.statuses) ? r.statuses.filter((s) => typeof s === 'string') : [],
    issues: toIssues(r.issues),
    price:
      r.price_amount !== null && r.price_currency !== null
        ? { amount: r.price_amount, currency: r.price_currency }
        : null,
    quantity: r.quantity,
    attributes: r.attributes,
    createdDate: r.created_date,
    lastUpdatedDate: r.last_updated_date,
    refreshedAt: r.refreshed_at,
  };
}

/** A keyset position (marketplace, SKU) as an opaque URL-safe cursor. */
export function encodeCatalogCursor(marketplaceId: string, sku: string): string {
  return Buffer.from(JSON.stringify([marketplaceId, sku]), 'utf8').toString('base64url');
}

function decodeCatalogCursor(cursor: string): [string, string] {
  const invalid = () =>
    new ValidationError('cursor: this page link is not valid any more: start from the first page', 'cursor');
  if (cursor.length > 400 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parts) || parts.length !== 2 || !parts.every((p) => typeof p === 'string'))
    throw invalid();
  return [parts[0] as string, parts[1] as string];
}

/** One page of a connection's catalog (the connection already checked). */
async function catalogPage(
  db: Kysely<Database>,
  connectionId: string,
  query: CatalogPageQuery,
): Promise<CatalogPageResult> {
  const limit = query.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    throw new ValidationError(`limit: must be a whole number from 1 to ${MAX_LIMIT}`, 'limit');
  let q = db.selectFrom('listing_catalog').selectAll().where('connection_id', '=', connectionId);
  if (query.marketplaceId !== undefined)
    q = q.where('marketplace_id', '=', checkMarketplaceId(query.marketplaceId));
  if (query.filter === 'error')
    q = q.where(sql<boolean>`issues @> ${JSON.stringify([{ severity: 'ERROR' }])}::jsonb`);
  if (query.filter === 'inactive') q = q.where(sql<boolean>`statuses = '[]'::jsonb`);
  if (query.cursor !== undefined) {
    const [mp, sku] = decodeCatalogCursor(query.cursor);
    q = q.where((eb) =>
      eb.or([eb('marketplace_id', '>', mp), eb.and([eb('marketplace_id', '=', mp), eb('sku', '>', sku)])]),
    );
  }
  const rows = await q
    .orderBy('marketplace_id')
    .orderBy('sku')
    .limit(limit + 1)
    .execute();
  const items = rows.slice(0, limit).map(toEntry);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > limit && last ? encodeCatalogCursor(last.marketplaceId, last.sku) : null,
  };
}

/** The catalog reads over the database (the connection is checked against the viewer first). */
export function createCatalogReads(deps: { db: Kysely<Database>; clock: Clock }) {
  const visible = (viewer: Viewer, connectionId: string) =>
    getVisibleConnection(deps.db, viewer, connectionId, deps.clock.now());
  return {
    /** One page of a connection's catalog, by marketplace then SKU. */
    async page(
      viewer: Viewer,
      connectionId: string,
      query: CatalogPageQuery = {},
    ): Promise<CatalogPageResult> {
      await visible(viewer, connectionId);
      return catalogPage(deps.db, connectionId, query);
    },

    /** One SKU of the catalog in one marketplace, or null when the catalog does not hold it. */
    async item(
      viewer: Viewer,
      connectionId: string,
      marketplaceId: string,
      sku: string,
    ): Promise<CatalogEntry | null> {
      await visible(viewer, connectionId);
      const row = await deps.db
        .selectFrom('listing_catalog')
        .selectAll()
        .where('connection_id', '=', connectionId)
        .where('marketplace_id', '=', checkMarketplaceId(marketplaceId))
        .where('sku', '=', checkSku(sku))
        .executeTakeFirst();
      return row ? toEntry(row) : null;
    },

    /** How many items each marketplace of the connection holds. */
    async counts(viewer: Viewer, connectionId: string): Promise<Record<string, number>> {
      await visible(viewer, connectionId);
      const rows = await deps.db
        .selectFrom('listing_catalog')
        .select(['marketplace_id', (eb) => eb.fn.countAll<string | number>().as('n')])
        .where('connection_id', '=', connectionId)
        .groupBy('marketplace_id')
        .execute();
      return Object.fromEntries(rows.map((r) => [r.marketplace_id, Number(r.n)]));
    },

    /** The connection's refresh state, or null before its first refresh. */
    async sync(viewer: Viewer, connectionId: string): Promise<CatalogSync | null> {
      await visible(viewer, connectionId);
      const r = await deps.db
        .selectFrom('listing_catalog_syncs')
        .selectAll()
        .where('connection_id', '=', connectionId)
        .executeTakeFirst();
      return r
        ? {
            status: r.status,
            items: r.items,
            reason: r.reason,
            lastStartedAt: r.last_started_at,
            lastFinishedAt: r.last_finished_at,
          }
        : null;
    },
  };
}

export type CatalogReads = ReturnType<typeof createCatalogReads>;
