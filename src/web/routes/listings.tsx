import type { Context, Hono } from 'hono';
import type { SessionUser } from '../../accounts/service.js';
import type { Connection } from '../../connections/repository.js';
import { ValidationError } from '../../kernel/errors.js';
import { describeProblem, parseJsonSafely } from '../../kernel/input.js';
import type { ListingOutbox } from '../../listings/outbox.js';
import { templateFor } from '../../listings/product-templates.js';
import { FieldErrors, quickEditPatch, type FieldError } from '../../listings/quick-edit.js';
import { templatePutBody } from '../../listings/template-form.js';
import { checkSku } from '../../listings/validate.js';
import type { WebDeps, WebEnv } from '../context.js';
import { refuseForm, requireUser } from '../guards.js';
import {
  ListingHistoryPage,
  ListingsChooserPage,
  type FormName,
  type ListingFormValues,
} from '../pages/listings.js';
import { csrfOk } from '../session.js';
import { viewerOf } from './connections.js';
import { listingsPage, type ListingsDeps } from './listings-page.js';

/** What a form turns into, before the outbox checks it. */
type Built = { kind: 'put' | 'patch' | 'delete'; body?: unknown; preview?: boolean };

/** Turns one form's values into the change to queue; a ValidationError (or FieldErrors) refuses it. */
type BuildChange = (
  values: ListingFormValues,
  connection: Connection,
  user: SessionUser,
) => Built | Promise<Built>;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * The portal's listings pages: `/listings` (choose a connection), `/connections/:id/listings`
 * (the catalog from Amazon, forms and latest changes), `/connections/:id/listings/:sku` (the SKU's
 * history with Amazon's issues). Every form that changes something answers POST-redirect-GET (303):
 * a queued change to the SKU's history, a refresh request to the catalog. A refused form changes
 * nothing and stores nothing: the page is shown again (400) with the values typed and every
 * error by its field, so a reload sends the same refused form and changes nothing either.
 */
export function registerListingRoutes(app: Hono<WebEnv>, deps: WebDeps, listings: ListingOutbox): void {
  const d: ListingsDeps = { web: deps, listings };
  const quickEdit = quickEditBuilder(listings);
  app.get('/listings', (c) => chooseConnection(c, d));
  app.get('/connections/:id/listings', (c) => showListings(c, d));
  app.get('/connections/:id/listings/:sku', (c) => showSkuHistory(c, d));
  app.post('/connections/:id/listings', (c) => submitForm(c, d, 'put', buildPut));
  app.post('/connections/:id/listings/quick', (c) => submitForm(c, d, 'quick', quickEdit));
  app.post('/connections/:id/listings/template', (c) => submitForm(c, d, 'template', buildFromTemplate));
  app.post('/connections/:id/listings/delete', (c) =>
    submitForm(c, d, 'delete', (v) => {
      checkSku(v.sku);
      return { kind: 'delete' };
    }),
  );
  app.post('/connections/:id/listings/refresh', (c) => requestRefresh(c, d));
}

/**
 * The signed-in user and the connection named in the path, or the response to send instead
 * (sign-in redirect, or 404 when the user may not see the connection).
 */
async function userAndConnection(
  c: Context<WebEnv>,
  deps: WebDeps,
): Promise<{ user: SessionUser; connection: Connection } | Response> {
  const user = requireUser(c);
  if (user instanceof Response) return user;
  return { user, connection: await deps.connections.get(viewerOf(user), c.req.param('id') ?? '') };
}

/** `GET /listings`: the only connection's listings, or a choice of connections. */
async function chooseConnection(c: Context<WebEnv>, d: ListingsDeps): Promise<Response> {
  const user = requireUser(c);
  if (user instanceof Response) return user;
  const connections = await d.web.connections.list(viewerOf(user));
  if (connections.length === 1) return c.redirect(`/connections/${connections[0]!.id}/listings`);
  return c.html(<ListingsChooserPage user={user} connections={connections} sandbox={d.web.simulatorUrl} />);
}

/** `GET /connections/:id/listings`. */
async function showListings(c: Context<WebEnv>, d: ListingsDeps): Promise<Response> {
  const found = await userAndConnection(c, d.web);
  if (found instanceof Response) return found;
  const notice =
    c.req.query('refresh') === 'queued'
      ? 'A refresh of the catalog from Amazon is queued; this page shows it in a few seconds.'
      : null;
  return listingsPage(c, d, found.user, found.connection, { notice });
}

/** `GET /connections/:id/listings/:sku`: the SKU's changes with Amazon's answers. */
async function showSkuHistory(
  c: Context<WebEnv, '/connections/:id/listings/:sku'>,
  d: ListingsDeps,
): Promise<Response> {
  const found = await userAndConnection(c, d.web);
  if (found instanceof Response) return found;
  const { user, connection } = found;
  const sku = c.req.param('sku');
  let changes;
  try {
    changes = await d.listings.history(viewerOf(user), connection.id, sku);
  } catch (err) {
    if (err instanceof ValidationError)
      return listingsPage(c, d, user, connection, {
        refused: { form: 'quick', values: { sku }, errors: errorsOf(err) },
      });
    throw err;
  }
  const queued = c.req.query('queued');
  return c.html(
    <ListingHistoryPage
      user={user}
      connection={connection}
      sku={sku}
      changes={changes}
      sandbox={d.web.simulatorUrl}
      notice={
        queued
          ? `Queued as change ${queued}. It is sent to Amazon shortly; this page shows Amazon's answer.`
          : null
      }
    />,
  );
}

/** `POST …/listings/refresh`: queues a catalog refresh and goes back to the catalog. */
async function requestRefresh(c: Context<WebEnv>, d: ListingsDeps): Promise<Response> {
  const found = await userAndConnection(c, d.web);
  if (found instanceof Response) return found;
  const raw = await c.req.parseBody();
  if (!csrfOk(found.user, raw._csrf)) return refuseForm(c, found.user, d.web.logger);
  d.listings.requestCatalogRefresh(found.connection.id);
  return c.redirect(`/connections/${found.connection.id}/listings?refresh=queued#catalog`, 303);
}

/** The form's values as typed (template inputs are the `attr.*` fields). */
function formValues(form: FormName, raw: Record<string, unknown>): ListingFormValues {
  const fields = Object.fromEntries(
    Object.entries(raw)
      .filter(([k, v]) => k.startsWith('attr.') && typeof v === 'string')
      .map(([k, v]) => [k, v as string]),
  );
  return {
    form,
    sku: str(raw.sku).trim(),
    productType: str(raw.productType).trim(),
    requirements: str(raw.requirements),
    attributes: str(raw.attributes),
    preview: raw.preview === '1',
    price: str(raw.price),
    quantity: str(raw.quantity),
    marketplaceId: str(raw.marketplaceId),
    ...(form === 'template' ? { fields } : {}),
  };
}

/** Every error of a refusal, each by its field. */
function errorsOf(err: ValidationError): FieldError[] {
  return err instanceof FieldErrors
    ? [...err.errors]
    : [{ field: err.field ?? 'form', message: err.message }];
}

/** Handles one form: parse, queue, and go to the SKU's history (303), or show the refusal (400). */
async function submitForm(c: Context<WebEnv>, d: ListingsDeps, form: FormName, build: BuildChange) {
  const found = await userAndConnection(c, d.web);
  if (found instanceof Response) return found;
  const { user, connection } = found;
  const raw = await c.req.parseBody();
  if (!csrfOk(user, raw._csrf)) return refuseForm(c, user, d.web.logger);
  const values = formValues(form, raw);
  const base = `/connections/${connection.id}/listings`;
  try {
    const change = await build(values, connection, user);
    const queued = await d.listings.submit(
      viewerOf(user),
      connection.id,
      {
        sku: values.sku,
        ...change,
        ...(values.marketplaceId ? { marketplaceId: values.marketplaceId } : {}),
      },
      { source: 'portal', actor: `user:${user.username}` },
    );
    return c.redirect(`${base}/${encodeURIComponent(queued.sku)}?queued=${queued.id}`, 303);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return listingsPage(c, d, user, connection, { refused: { form, values, errors: errorsOf(err) } });
  }
}

/** The SKU's problem, if any, to report with the form's other problems. */
function skuErrors(sku: string | undefined): FieldError[] {
  try {
    checkSku(sku);
    return [];
  } catch (err) {
    if (err instanceof ValidationError) return [{ field: 'sku', message: err.message }];
    throw err;
  }
}

/** The full form: a PUT of the product type and the attributes as JSON. */
function buildPut(values: ListingFormValues): Built {
  const errors = skuErrors(values.sku);
  const parsed = parseJsonSafely(values.attributes ?? '', 'attributes');
  if (!parsed.ok)
    errors.push({
      field: parsed.path,
      message:
        parsed.problem === 'INVALID_JSON'
          ? 'attributes: not valid JSON (an object of attribute name → array of values)'
          : `${parsed.path}: ${describeProblem(parsed.problem)}`,
    });
  if (!values.productType)
    errors.push({
      field: 'productType',
      message: 'productType: is required (an Amazon product type, e.g. SHIRT)',
    });
  if (errors.length > 0) throw new FieldErrors(errors);
  return {
    kind: 'put',
    body: {
      productType: values.productType,
      ...(values.requirements ? { requirements: values.requirements } : {}),
      attributes: parsed.ok ? parsed.value : {},
    },
    preview: values.preview === true,
  };
}

/** The template form: a PUT of the product type's required attributes, typed one by one. */
function buildFromTemplate(values: ListingFormValues, connection: Connection): Built {
  const template = templateFor(values.productType ?? '');
  if (!template)
    throw new FieldErrors([
      { field: 'productType', message: 'productType: choose a product type with a template' },
    ]);
  const marketplaceId = values.marketplaceId || connection.marketplaceIds[0] || '';
  const body = templatePutBody(template, values.fields ?? {}, marketplaceId, skuErrors(values.sku));
  return { kind: 'put', body };
}

/**
 * The quick edit: a PATCH of price and quantity (the price in the marketplace's locale, `12,50`
 * in Germany), under the SKU's product type on Amazon (the catalog), else the one last used here.
 */
function quickEditBuilder(listings: ListingOutbox): BuildChange {
  return async (values, connection, user) => {
    const viewer = viewerOf(user);
    const marketplaceId = values.marketplaceId || connection.marketplaceIds[0] || '';
    const earlier = skuErrors(values.sku);
    const fromCatalog =
      earlier.length === 0
        ? await listings.catalog.item(viewer, connection.id, marketplaceId, values.sku!).catch(() => null)
        : null;
    const productType =
      fromCatalog?.productType ??
      (earlier.length === 0
        ? await listings.lastProductType(viewer, connection.id, values.sku!).catch(() => null)
        : null) ??
      'PRODUCT';
    return {
      kind: 'patch',
      body: quickEditPatch({
        productType,
        marketplaceId,
        price: values.price,
        quantity: values.quantity,
        errors: earlier,
      }),
    };
  };
}
