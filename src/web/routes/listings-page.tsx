import type { Context } from 'hono';
import type { SessionUser } from '../../accounts/service.js';
import type { Connection, Viewer } from '../../connections/repository.js';
import { ValidationError } from '../../kernel/errors.js';
import type { CatalogEntry } from '../../listings/catalog-reads.js';
import type { ListingOutbox } from '../../listings/outbox.js';
import { templateFor } from '../../listings/product-templates.js';
import { formatLocalPrice, type FieldError } from '../../listings/quick-edit.js';
import { templateValuesFrom } from '../../listings/template-form.js';
import type { WebDeps, WebEnv } from '../context.js';
import type { CatalogView } from '../pages/listings-catalog.js';
import { ListingsPage, type FormName, type FormsValues, type ListingFormValues } from '../pages/listings.js';
import { viewerOf } from './connections.js';

/** The listings page: the catalog, an edit started from a row, a refused form shown again. */

/** What the listings pages are given. */
export type ListingsDeps = { web: WebDeps; listings: ListingOutbox };

const CATALOG_PAGE = 50;

/** Catalog attributes without Amazon's per-marketplace stamps, as the JSON form takes them. */
function attributesJson(attributes: Record<string, unknown> | null): string {
  return JSON.stringify(attributes ?? {}, null, 2);
}

/** Every form prefilled from a catalog row ("Edit"). */
function prefilled(entry: CatalogEntry): { forms: FormsValues; template: string | null } {
  const marketplaceId = entry.marketplaceId;
  const price = entry.price ? Number(entry.price.amount) : NaN;
  const template = entry.productType ? templateFor(entry.productType) : null;
  const forms: FormsValues = {
    quick: {
      sku: entry.sku,
      marketplaceId,
      price: Number.isFinite(price) ? formatLocalPrice(price, marketplaceId) : '',
      quantity: entry.quantity === null ? '' : String(entry.quantity),
    },
    delete: { sku: entry.sku, marketplaceId },
    put: {
      sku: entry.sku,
      marketplaceId,
      productType: entry.productType ?? '',
      requirements: 'LISTING',
      attributes: attributesJson(entry.attributes),
    },
  };
  if (template)
    forms.template = {
      sku: entry.sku,
      marketplaceId,
      fields: templateValuesFrom(template, entry.attributes, (v) => formatLocalPrice(v, marketplaceId)),
    };
  return { forms, template: template?.productType ?? null };
}

/** The catalog page shown (a stale or bad cursor falls back to the first page). */
async function catalogView(
  listings: ListingOutbox,
  viewer: Viewer,
  connection: Connection,
  query: { marketplace?: string | undefined; cursor?: string | undefined },
  editing: { sku: string; marketplaceId: string } | null,
): Promise<CatalogView> {
  const marketplaceId =
    query.marketplace && connection.marketplaceIds.includes(query.marketplace) ? query.marketplace : null;
  const ask = (cursor?: string) =>
    listings.catalog.page(viewer, connection.id, {
      limit: CATALOG_PAGE,
      ...(marketplaceId ? { marketplaceId } : {}),
      ...(cursor ? { cursor } : {}),
    });
  let page;
  try {
    page = await ask(query.cursor);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    page = await ask();
  }
  let sync = await listings.catalog.sync(viewer, connection.id);
  // Never read yet (a new connection): ask for the first refresh now rather than at the next minute.
  if (!sync && connection.health.canCallAmazon) listings.requestCatalogRefresh(connection.id);
  sync ??= null;
  return {
    items: page.items,
    nextCursor: page.nextCursor,
    sync,
    counts: await listings.catalog.counts(viewer, connection.id),
    marketplaceId,
    editing,
  };
}

/** The row an edit starts from (`?edit=SKU&editMarketplace=ID`), or null. */
async function editTarget(
  c: Context<WebEnv>,
  listings: ListingOutbox,
  viewer: Viewer,
  connection: Connection,
): Promise<{ sku: string; marketplaceId: string; entry: CatalogEntry | null } | null> {
  const sku = c.req.query('edit');
  if (!sku) return null;
  const wanted = c.req.query('editMarketplace');
  const marketplaceId =
    wanted && connection.marketplaceIds.includes(wanted) ? wanted : (connection.marketplaceIds[0] ?? '');
  try {
    return {
      sku,
      marketplaceId,
      entry: await listings.catalog.item(viewer, connection.id, marketplaceId, sku),
    };
  } catch (err) {
    if (err instanceof ValidationError) return null;
    throw err;
  }
}

/** A refused form shown again: its values and every error by field (answered 400, nothing stored). */
export interface Refusal {
  form: FormName;
  values: ListingFormValues;
  errors: FieldError[];
}

/**
 * The connection's listings page: catalog, forms (prefilled from a catalog row, or a refused
 * form's values), latest changes.
 */
export async function listingsPage(
  c: Context<WebEnv>,
  d: ListingsDeps,
  user: SessionUser,
  connection: Connection,
  extra: { notice?: string | null; refused?: Refusal } = {},
): Promise<Response> {
  const viewer = viewerOf(user);
  const edit = await editTarget(c, d.listings, viewer, connection);
  let forms: FormsValues = {};
  let chosen = c.req.query('template') ?? null;
  if (edit?.entry) {
    const filled = prefilled(edit.entry);
    forms = filled.forms;
    chosen ??= filled.template;
  } else if (edit) {
    const target = { sku: edit.sku, marketplaceId: edit.marketplaceId };
    forms = { quick: target, delete: target, put: target, template: target };
  }
  const refused = extra.refused ?? null;
  if (refused) {
    forms = { ...forms, [refused.form]: refused.values };
    if (refused.form === 'template' && refused.values.productType) chosen = refused.values.productType;
  }
  const editing = edit ? { sku: edit.sku, marketplaceId: edit.marketplaceId } : null;
  return c.html(
    <ListingsPage
      user={user}
      connection={connection}
      changes={await d.listings.recent(viewer, connection.id, { limit: 50 })}
      counts={await d.listings.counts(viewer, connection.id)}
      sandbox={d.web.simulatorUrl}
      notice={extra.notice ?? null}
      catalog={await catalogView(d.listings, viewer, connection, c.req.query(), editing)}
      forms={forms}
      refused={refused ? { form: refused.form, errors: refused.errors } : null}
      template={chosen ? templateFor(chosen) : null}
      chosenTemplate={chosen}
      editing={edit ? { ...editing!, found: edit.entry !== null } : null}
    />,
    refused ? 400 : 200,
  );
}
