import { sql, type Kysely } from 'kysely';
import type { SpApiClient } from '../amazon/client-types.js';
import { AmazonError } from '../amazon/errors.js';
import { TokenError } from '../broker/errors.js';
import {
  processCatalogPage,
  searchCatalogPageRequest,
  type CatalogItem,
} from '../amazon/operations/listings-catalog.js';
import { healthOfConnection } from '../connections/repository.js';
import { MINUTE, type Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import { randomUuid, type Random } from '../kernel/random.js';
import type { Store } from '../store/database.js';
import type { Database } from '../store/schema.js';

/**
 * The seller's catalog from Amazon: the only writer of `listing_catalog` and
 * `listing_catalog_syncs` (migration 0021). A refresh walks searchListingsItems (Listings Items
 * 2021-08-01) page by page for each of the connection's marketplaces, through the SP-API client,
 * whose shared rate limiter paces the calls at the operation's usage plan (5 requests per second,
 * burst 5), so a walk is never throttled however many processes refresh. Each page is saved as it
 * comes (the row remembers the walk that saw it); once a marketplace's walk is complete, its rows
 * that walk did not see are deleted (the SKU is gone from Amazon). A walk that runs out of its time
 * budget keeps what it saved and is started again at the next dispatch.
 * @see https://developer-docs.amazon.com/sp-api/docs/listings-items-api-v2021-08-01-reference#searchlistingsitems
 * @see https://developer-docs.amazon.com/sp-api/docs/usage-plans-and-rate-limits
 */

/** How long after a refresh started the next one is due (the default of `intervalMs`). */
export const CATALOG_REFRESH_INTERVAL_MS = 15 * MINUTE;
/** A failed refresh is tried again this long after it started (when shorter than the interval). */
export const CATALOG_RETRY_MS = 5 * MINUTE;
/** Connections read per batch of a dispatch. */
export const CATALOG_DUE_BATCH = 1000;

export interface ListingCatalogDeps {
  store: Store;
  spApi: SpApiClient;
  clock: Clock;
  random: Random;
  logger: Logger;
  /** Time between the starts of two refreshes of a connection (default 15 minutes). */
  intervalMs?: number;
}

/** What one refresh did. */
export type RefreshOutcome =
  | { status: 'done'; items: number; pages: number }
  /** Out of its time budget: what it saved stays, the rest comes with the next refresh. */
  | { status: 'partial'; items: number; pages: number }
  /** The connection cannot call Amazon now (or has no marketplaces yet). */
  | { status: 'paused'; reason: string }
  | { status: 'failed'; reason: string }
  /** Another refresh of this connection is running. */
  | { status: 'busy' }
  | { status: 'gone' };

type Ctx = Required<ListingCatalogDeps> & { db: Kysely<Database> };

/** Creates the catalog refresher (see above). */
export function createListingCatalog(deps: ListingCatalogDeps) {
  const ctx: Ctx = { ...deps, intervalMs: deps.intervalMs ?? CATALOG_REFRESH_INTERVAL_MS, db: deps.store.db };
  return {
    /**
     * Refreshes one connection's catalog (one refresh per connection across processes: a try-lock;
     * a second finds it `busy`). With a budget it starts no page after `budgetMs`.
     */
    async refresh(connectionId: string, options: { budgetMs?: number } = {}): Promise<RefreshOutcome> {
      const deadline = options.budgetMs === undefined ? Infinity : ctx.clock.now() + options.budgetMs;
      const locked = await ctx.store.tryLock(`listings-catalog:${connectionId}`, () =>
        refreshConnection(ctx, connectionId, deadline),
      );
      return locked.acquired ? locked.value : { status: 'busy' };
    },
    /** One batch of connections whose refresh is due, after id `after`, in id order. */
    dueBatch: (after: string | null, limit = CATALOG_DUE_BATCH): Promise<string[]> =>
      dueCatalogBatch(ctx, after, limit),
  };
}

export type ListingCatalog = ReturnType<typeof createListingCatalog>;

const now = (ctx: Pick<Ctx, 'clock'>): Date => new Date(ctx.clock.now());

async function setSync(
  ctx: Ctx,
  connectionId: string,
  values: {
    status: 'running' | 'done' | 'paused' | 'failed';
    walk: string;
    items?: number;
    reason?: string | null;
    started?: boolean;
    finished?: boolean;
  },
): Promise<void> {
  const at = now(ctx);
  await ctx.db
    .insertInto('listing_catalog_syncs')
    .values({
      connection_id: connectionId,
      status: values.status,
      walk: values.walk,
      items: values.items ?? 0,
      reason: values.reason ?? null,
      last_started_at: at,
      last_finished_at: values.finished ? at : null,
      updated_at: at,
    })
    .onConflict((oc) =>
      oc.column('connection_id').doUpdateSet({
        status: values.status,
        walk: values.walk,
        reason: values.reason ?? null,
        updated_at: at,
        ...(values.items === undefined ? {} : { items: values.items }),
        ...(values.started ? { last_started_at: at } : {}),
        ...(values.finished ? { last_finished_at: at } : {}),
      }),
    )
    .execute();
}

/** Saves one page of a walk (insert or update each SKU, stamped with the walk). */
async function savePage(
  ctx: Ctx,
  connectionId: string,
  marketplaceId: string,
  walk: string,
  items: CatalogItem[],
): Promise<void> {
  if (items.length === 0) return;
  const at = now(ctx);
  const rows = items.map((i) => ({
    connection_id: connectionId,
    marketplace_id: marketplaceId,
    sku: i.sku,
    asin: i.asin,
    product_type: i.productType,
    item_name: i.itemName,
    condition_type: i.conditionType,
    statuses: JSON.stringify(i.statuses),
    issues: JSON.stringify(i.issues),
    price_amount: i.price?.amount ?? null,
    price_currency: i.price?.currency ?? null,
    quantity: i.quantity,
    attributes: i.attributes === null ? null : JSON.stringify(i.attributes),
    created_date: i.createdDate,
    last_updated_date: i.lastUpdatedDate,
    walk,
    refreshed_at: at,
  }));
  await ctx.db
    .insertInto('listing_catalog')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['connection_id', 'marketplace_id', 'sku']).doUpdateSet((eb) => ({
        asin: eb.ref('excluded.asin'),
        product_type: eb.ref('excluded.product_type'),
        item_name: eb.ref('excluded.item_name'),
        condition_type: eb.ref('excluded.condition_type'),
        statuses: eb.ref('excluded.statuses'),
        issues: eb.ref('excluded.issues'),
        price_amount: eb.ref('excluded.price_amount'),
        price_currency: eb.ref('excluded.price_currency'),
        quantity: eb.ref('excluded.quantity'),
        attributes: eb.ref('excluded.attributes'),
        created_date: eb.ref('excluded.created_date'),
        last_updated_date: eb.ref('excluded.last_updated_date'),
        walk: eb.ref('excluded.walk'),
        refreshed_at: eb.ref('excluded.refreshed_at'),
      })),
    )
    .execute();
}

/** Walks one marketplace; returns false when the budget ran out before its last page. */
async function walkMarketplace(
  ctx: Ctx,
  target: { connectionId: string; sellerId: string; marketplaceId: string; walk: string },
  deadline: number,
  tally: { items: number; pages: number },
): Promise<boolean> {
  let token: string | null = null;
  do {
    if (ctx.clock.now() >= deadline) return false;
    const request = searchCatalogPageRequest({
      sellerId: target.sellerId,
      marketplaceId: target.marketplaceId,
      pageToken: token,
    });
    const page = await processCatalogPage(ctx.spApi.call(target.connectionId, request), target.marketplaceId);
    await savePage(ctx, target.connectionId, target.marketplaceId, target.walk, page.items);
    tally.items += page.items.length;
    tally.pages++;
    token = page.nextToken;
  } while (token !== null);
  // Complete: what this walk did not see is gone from Amazon.
  await ctx.db
    .deleteFrom('listing_catalog')
    .where('connection_id', '=', target.connectionId)
    .where('marketplace_id', '=', target.marketplaceId)
    .where('walk', '!=', target.walk)
    .execute();
  return true;
}

/** One refresh of a connection (the caller holds its lock). */
async function refreshConnection(ctx: Ctx, connectionId: string, deadline: number): Promise<RefreshOutcome> {
  const found = await healthOfConnection(ctx.db, connectionId, ctx.clock.now());
  if (!found || found.connection.api !== 'sp_api') return { status: 'gone' };
  const { connection } = found;
  const walk = randomUuid(ctx.random);
  const paused = !connection.health.canCallAmazon
    ? `paused: ${connection.health.label.toLowerCase()}`
    : connection.marketplaceIds.length === 0
      ? 'paused: the connection’s marketplaces are not known yet'
      : null;
  if (paused) {
    await setSync(ctx, connectionId, { status: 'paused', walk, reason: paused, started: true });
    return { status: 'paused', reason: paused };
  }
  await setSync(ctx, connectionId, { status: 'running', walk, started: true });
  const tally = { items: 0, pages: 0 };
  try {
    for (const marketplaceId of connection.marketplaceIds) {
      const target = { connectionId, sellerId: connection.sellingPartnerId, marketplaceId, walk };
      if (!(await walkMarketplace(ctx, target, deadline, tally))) {
        await setSync(ctx, connectionId, {
          status: 'running',
          walk,
          items: tally.items,
          reason: 'out of time; the next refresh goes on',
        });
        return { status: 'partial', ...tally };
      }
    }
  } catch (err) {
    // Amazon refused or failed, or no access token (LWA refused the authorization): kept, tried later.
    if (!(err instanceof AmazonError) && !(err instanceof TokenError)) throw err;
    const reason = `${err.code}: ${err.message}`;
    ctx.logger.info({ connectionId, code: err.code }, 'catalog refresh failed');
    await setSync(ctx, connectionId, { status: 'failed', walk, items: tally.items, reason, finished: true });
    return { status: 'failed', reason };
  }
  // Marketplaces the connection no longer sells in.
  await ctx.db
    .deleteFrom('listing_catalog')
    .where('connection_id', '=', connectionId)
    .where('marketplace_id', 'not in', connection.marketplaceIds)
    .execute();
  await setSync(ctx, connectionId, { status: 'done', walk, items: tally.items, finished: true });
  return { status: 'done', ...tally };
}

/**
 * Connections whose catalog refresh is due: SP-API, not disconnected; never refreshed; started
 * `intervalMs` ago or longer; failed and started CATALOG_RETRY_MS ago; paused and the connection
 * changed since (a renewal) or paused `intervalMs` ago.
 */
async function dueCatalogBatch(ctx: Ctx, after: string | null, limit: number): Promise<string[]> {
  const at = ctx.clock.now();
  const startedBefore = new Date(at - ctx.intervalMs);
  const retryBefore = new Date(at - Math.min(CATALOG_RETRY_MS, ctx.intervalMs));
  let q = ctx.db
    .selectFrom('connections')
    .leftJoin('listing_catalog_syncs as s', 's.connection_id', 'connections.id')
    .select('connections.id')
    .where('connections.api', '=', 'sp_api')
    .where('connections.state', '!=', 'disconnected')
    .where(
      sql<boolean>`case
        when s.connection_id is null then true
        when s.status = 'paused' then
          connections.updated_at > s.updated_at or s.updated_at <= ${startedBefore}
        when s.status = 'failed' then s.last_started_at <= ${retryBefore}
        else s.last_started_at <= ${startedBefore}
      end`,
    )
    .orderBy('connections.id')
    .limit(limit);
  if (after !== null) q = q.where('connections.id', '>', after);
  return (await q.execute()).map((r) => r.id);
}
