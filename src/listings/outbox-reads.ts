import type { Kysely } from 'kysely';
import { getVisibleConnection, type Viewer } from '../connections/repository.js';
import type { Clock } from '../kernel/clock.js';
import type { Database } from '../store/schema.js';
import { ListingsError } from './errors.js';
import { toChange, type ListingChange } from './model.js';
import { checkSku } from './validate.js';

/** The database and the clock (for the connection's health) the reads need. */
export interface OutboxReadDeps {
  db: Kysely<Database>;
  clock: Clock;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One change the viewer may see (else LISTING_CHANGE_NOT_FOUND). */
export async function getChange(
  db: Kysely<Database>,
  viewer: Viewer,
  changeId: string,
): Promise<ListingChange> {
  if (!UUID.test(changeId)) throw new ListingsError('LISTING_CHANGE_NOT_FOUND', 'no such listing change');
  let q = db.selectFrom('listing_changes').selectAll().where('id', '=', changeId);
  if (viewer.role !== 'operator')
    q = q.where('account_id', '=', viewer.accountId ?? '00000000-0000-0000-0000-000000000000');
  const row = await q.executeTakeFirst();
  if (!row) throw new ListingsError('LISTING_CHANGE_NOT_FOUND', 'no such listing change');
  return toChange(row);
}

/** Every change to one SKU of a connection, newest first. */
export async function changeHistory(
  deps: OutboxReadDeps,
  viewer: Viewer,
  connectionId: string,
  sku: string,
): Promise<ListingChange[]> {
  await getVisibleConnection(deps.db, viewer, connectionId, deps.clock.now());
  checkSku(sku);
  const rows = await deps.db
    .selectFrom('listing_changes')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .where('sku', '=', sku)
    .orderBy('seq', 'desc')
    .execute();
  return rows.map(toChange);
}

/** A connection's latest changes, newest first (optionally only one state). */
export async function recentChanges(
  deps: OutboxReadDeps,
  viewer: Viewer,
  connectionId: string,
  options: { limit?: number; state?: string } = {},
): Promise<ListingChange[]> {
  await getVisibleConnection(deps.db, viewer, connectionId, deps.clock.now());
  let q = deps.db
    .selectFrom('listing_changes')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .orderBy('seq', 'desc')
    .limit(Math.min(Math.max(options.limit ?? 50, 1), 1000));
  if (options.state) q = q.where('state', '=', options.state);
  return (await q.execute()).map(toChange);
}

/** How many changes of a connection are in each state. */
export async function changeCounts(
  deps: OutboxReadDeps,
  viewer: Viewer,
  connectionId: string,
): Promise<Record<string, number>> {
  await getVisibleConnection(deps.db, viewer, connectionId, deps.clock.now());
  const rows = await deps.db
    .selectFrom('listing_changes')
    .select(['state', deps.db.fn.countAll<string | number>().as('n')])
    .where('connection_id', '=', connectionId)
    .groupBy('state')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}

/** The product type last used for a SKU (quick edits need one), if any. */
export async function lastProductType(
  deps: OutboxReadDeps,
  viewer: Viewer,
  connectionId: string,
  sku: string,
): Promise<string | null> {
  for (const change of await changeHistory(deps, viewer, connectionId, sku)) {
    const productType = change.body?.productType;
    if (typeof productType === 'string') return productType;
  }
  return null;
}
