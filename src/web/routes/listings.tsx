import type { Context, Hono } from 'hono';
import type { SessionUser } from '../../accounts/service.js';
import type { Connection } from '../../connections/repository.js';
import { ValidationError } from '../../kernel/errors.js';
import { describeProblem, parseJsonSafely } from '../../kernel/input.js';
import type { ListingOutbox } from '../../listings/outbox.js';
import { quickEditPatch } from '../../listings/quick-edit.js';
import type { WebDeps, WebEnv } from '../context.js';
import { refuseForm, requireUser } from '../guards.js';
import {
  ListingHistoryPage,
  ListingsChooserPage,
  ListingsPage,
  type ListingFormValues,
} from '../pages/listings.js';
import { csrfOk } from '../session.js';
import { viewerOf } from './connections.js';

/** What a form turns into, before the outbox checks it. */
type Built = { kind: 'put' | 'patch' | 'delete'; body?: unknown; preview?: boolean };

/** Turns one form's values into the change to queue; a ValidationError shows the form again. */
type BuildChange = (
  values: ListingFormValues,
  connection: Connection,
  user: SessionUser,
) => Built | Promise<Built>;

/** What the listings pages are given. */
type ListingsDeps = { web: WebDeps; listings: ListingOutbox };

/** What the listings page shows besides the connection's changes. */
type PageExtra = {
  notice?: string | null;
  error?: { message: string; field?: string | undefined };
  values?: ListingFormValues;
};

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * The portal's listings pages: `/listings` (choose a connection), `/connections/:id/listings`
 * (forms and latest changes), `/connections/:id/listings/:sku` (the SKU's history with Amazon's
 * issues). Forms queue changes in the outbox and come back at once.
 */
export function registerListingRoutes(app: Hono<WebEnv>, deps: WebDeps, listings: ListingOutbox): void {
  const d: ListingsDeps = { web: deps, listings };
  const quickEdit = quickEditBuilder(listings);
  app.get('/listings', (c) => chooseConnection(c, d));
  app.get('/connections/:id/listings', (c) => showListings(c, d));
  app.get('/connections/:id/listings/:sku', (c) => showSkuHistory(c, d));
  app.post('/connections/:id/listings', (c) => submitForm(c, d, 'put', buildPut));
  app.post('/connections/:id/listings/quick', (c) => submitForm(c, d, 'quick', quickEdit));
  app.post('/connections/:id/listings/delete', (c) => submitForm(c, d, 'delete', () => ({ kind: 'delete' })));
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

/** The connection's listings page: forms, counts and the latest 50 changes. */
async function listingsPage(
  c: Context<WebEnv>,
  d: ListingsDeps,
  user: SessionUser,
  connection: Connection,
  extra: PageExtra = {},
  status: 200 | 400 = 200,
): Promise<Response> {
  const viewer = viewerOf(user);
  return c.html(
    <ListingsPage
      user={user}
      connection={connection}
      changes={await d.listings.recent(viewer, connection.id, { limit: 50 })}
      counts={await d.listings.counts(viewer, connection.id)}
      sandbox={d.web.simulatorUrl}
      notice={extra.notice ?? null}
      error={extra.error ?? null}
      {...(extra.values ? { values: extra.values } : {})}
    />,
    status,
  );
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
  const { user, connection } = found;
  return listingsPage(c, d, user, connection);
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
      return listingsPage(c, d, user, connection, { error: { message: err.message, field: err.field } }, 400);
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

/** Handles one of the three forms: parse, queue, and go to the SKU's history (or show the refusal). */
async function submitForm(
  c: Context<WebEnv>,
  d: ListingsDeps,
  form: 'put' | 'quick' | 'delete',
  build: BuildChange,
): Promise<Response> {
  const found = await userAndConnection(c, d.web);
  if (found instanceof Response) return found;
  const { user, connection } = found;
  const raw = await c.req.parseBody();
  if (!csrfOk(user, raw._csrf)) return refuseForm(c, user, d.web.logger);
  const values: ListingFormValues = {
    form,
    sku: str(raw.sku).trim(),
    productType: str(raw.productType).trim(),
    requirements: str(raw.requirements),
    attributes: str(raw.attributes),
    preview: raw.preview === '1',
    price: str(raw.price),
    quantity: str(raw.quantity),
    marketplaceId: str(raw.marketplaceId),
  };
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
    return c.redirect(
      `/connections/${connection.id}/listings/${encodeURIComponent(queued.sku)}?queued=${queued.id}`,
      303,
    );
  } catch (err) {
    if (err instanceof ValidationError)
      return listingsPage(
        c,
        d,
        user,
        connection,
        { error: { message: err.message, field: err.field }, values },
        400,
      );
    throw err;
  }
}

/** The full form: a PUT of the product type and the attributes as JSON. */
function buildPut(values: ListingFormValues): Built {
  const parsed = parseJsonSafely(values.attributes ?? '', 'attributes');
  if (!parsed.ok) {
    throw new ValidationError(
      parsed.problem === 'INVALID_JSON'
        ? 'attributes: not valid JSON (an object of attribute name → array of values)'
        : `${parsed.path}: ${describeProblem(parsed.problem)}`,
      parsed.path,
    );
  }
  const attributes = parsed.value;
  return {
    kind: 'put',
    body: {
      productType: values.productType,
      ...(values.requirements ? { requirements: values.requirements } : {}),
      attributes,
    },
    preview: values.preview === true,
  };
}

/** The quick edit: a PATCH of price and quantity, under the SKU's last known product type. */
function quickEditBuilder(listings: ListingOutbox): BuildChange {
  return async (values, connection, user) => {
    const marketplaceId = values.marketplaceId || connection.marketplaceIds[0] || '';
    const productType =
      (values.sku
        ? await listings.lastProductType(viewerOf(user), connection.id, values.sku).catch(() => null)
        : null) ?? 'PRODUCT';
    return {
      kind: 'patch',
      body: quickEditPatch({ productType, marketplaceId, price: values.price, quantity: values.quantity }),
    };
  };
}
