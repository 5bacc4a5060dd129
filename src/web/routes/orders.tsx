import type { Context, Hono } from 'hono';
import { AppError } from '../../kernel/errors.js';
import { isStorableDate } from '../../kernel/input.js';
import { OrdersError } from '../../orders/errors.js';
import type { OrderFilter, OrderListPage } from '../../orders/queries.js';
import type { Orders } from '../../orders/orders.js';
import type { WebDeps, WebEnv } from '../context.js';
import { notFoundPage, requireUser, signedInForm } from '../guards.js';
import { OrderPage } from '../pages/order-detail.js';
import { OrdersPage, type OrderFilterForm, type OrdersPaging } from '../pages/orders.js';
import { viewerOf } from './connections.js';
import { counted } from '../../kernel/plural.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

/** Reads the filter form; a bad value becomes a message naming the field (nothing is filtered by it). */
function readFilter(c: Context<WebEnv>): {
  form: OrderFilterForm;
  filter: OrderFilter;
  error: string | null;
} {
  const form: OrderFilterForm = {
    connection: c.req.query('connection') ?? '',
    marketplace: c.req.query('marketplace') ?? '',
    status: c.req.query('status') ?? '',
    from: c.req.query('from') ?? '',
    to: c.req.query('to') ?? '',
  };
  const filter: OrderFilter = {};
  if (form.connection) filter.connectionId = form.connection;
  if (form.marketplace) filter.marketplaceId = form.marketplace;
  if (form.status) filter.status = form.status;
  for (const [field, key] of [
    ['from', 'createdFrom'],
    ['to', 'createdTo'],
  ] as const) {
    const value = form[field];
    if (!value) continue;
    if (!DATE.test(value) || Number.isNaN(Date.parse(value)))
      return { form, filter: {}, error: `Created ${field}: enter a date as YYYY-MM-DD.` };
    const day = new Date(Date.parse(value));
    if (!isStorableDate(day))
      return { form, filter: {}, error: `Created ${field}: enter a date from 0001-01-01 to 9999-12-31.` };
    // "to" includes the whole day (up to the last storable instant).
    filter[key] = field === 'to' ? new Date(Math.min(day.getTime() + 86_400_000, LAST_INSTANT)) : day;
  }
  return { form, filter, error: null };
}

/** `/orders` (list with filters) and `/orders/:orderId` (detail). */
export function registerOrderRoutes(app: Hono<WebEnv>, deps: WebDeps, orders: Orders): void {
  app.get('/orders', (c) => listOrders(c, deps, orders));
  app.post('/orders/sync', (c) => importNow(c, deps, orders));
  app.get('/orders/:orderId', (c) => showOrder(c, deps, orders));
}

/** Orders per page of the list. */
const PAGE_SIZE = 25;

/** The list's address with the filter and one paging parameter (none: the first page). */
function listHref(form: OrderFilterForm, paging: Record<string, string> = {}): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries({ ...form, ...paging })) if (value) query.set(name, value);
  const search = query.toString();
  return search === '' ? '/orders' : `/orders?${search}`;
}

/** `GET /orders`: one page of the visible orders, filtered, counted, with each connection's import state. */
async function listOrders(c: Context<WebEnv>, deps: WebDeps, orders: Orders): Promise<Response> {
  const user = requireUser(c);
  if (user instanceof Response) return user;
  const viewer = viewerOf(user);
  const { form, filter, error } = readFilter(c);
  const cursor = c.req.query('cursor') || undefined;
  const before = cursor ? undefined : c.req.query('before') || undefined;
  let page: OrderListPage = { orders: [], nextCursor: null, previousCursor: null, total: 0, offset: 0 };
  let message = error;
  if (!message) {
    try {
      page = await orders.list(viewer, filter, {
        limit: PAGE_SIZE,
        withTotal: true,
        ...(cursor ? { cursor } : {}),
        ...(before ? { before } : {}),
      });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      const field = typeof err.details.field === 'string' ? err.details.field : 'Filter';
      message = `${field}: ${err.message}`;
    }
  }
  const paging: OrdersPaging = {
    total: page.total ?? 0,
    offset: page.offset ?? 0,
    nextHref: page.nextCursor ? listHref(form, { cursor: page.nextCursor }) : null,
    previousHref: page.previousCursor ? listHref(form, { before: page.previousCursor }) : null,
    // "Newest" only where "Previous" does not already lead to the first page.
    firstHref: (page.offset ?? 0) > PAGE_SIZE ? listHref(form) : null,
  };
  return c.html(
    <OrdersPage
      user={user}
      sandbox={deps.simulatorUrl}
      connections={await deps.connections.list(viewer)}
      syncs={await orders.syncs(viewer)}
      orders={page.orders}
      form={form}
      paging={paging}
      error={message}
      notice={c.req.query('imported') ? `Import finished: ${c.req.query('imported')}.` : null}
    />,
    message ? 400 : 200,
  );
}

/**
 * `POST /orders/sync`, "Import now": runs each visible connection's import for a bounded time (a
 * connection already importing elsewhere is skipped; what is left goes on in the import jobs) and
 * comes back with a summary.
 */
async function importNow(c: Context<WebEnv>, deps: WebDeps, orders: Orders): Promise<Response> {
  const signed = await signedInForm(c, null);
  if (signed instanceof Response) return signed;
  const { user } = signed;
  const viewer = viewerOf(user);
  const counts = { changed: 0, paused: 0, busy: 0, failed: 0, partial: 0 };
  for (const connection of await deps.connections.list(viewer)) {
    if (connection.state === 'disconnected') continue;
    try {
      const outcome = await orders.importNow(viewer, connection.id);
      if (outcome.status === 'done' || outcome.status === 'partial') counts.changed += outcome.ordersChanged;
      if (outcome.status !== 'done') counts[outcome.status]++;
    } catch (err) {
      deps.logger.warn({ connectionId: connection.id, err: (err as Error).message }, 'import now failed');
      counts.failed++;
    }
  }
  const summary = [
    `${counted(counts.changed, 'order')} new or changed`,
    counts.paused ? `${counts.paused} paused (renew first)` : '',
    counts.busy ? `${counts.busy} already importing` : '',
    counts.partial
      ? `${counts.partial} still importing in the background (a backfill by report waits for Amazon's report; see Imports)`
      : '',
    counts.failed ? `${counts.failed} failed (see Imports)` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return c.redirect(`/orders?imported=${encodeURIComponent(summary)}`, 303);
}

/** `GET /orders/:orderId`: one order (of `?connection=` when the same order is visible through two). */
async function showOrder(
  c: Context<WebEnv, '/orders/:orderId'>,
  deps: WebDeps,
  orders: Orders,
): Promise<Response> {
  const user = requireUser(c);
  if (user instanceof Response) return user;
  const viewer = viewerOf(user);
  const connectionId = c.req.query('connection') || undefined;
  try {
    const order = await orders.get(viewer, c.req.param('orderId'), connectionId);
    const connection = (await deps.connections.list(viewer)).find((x) => x.id === order.connectionId) ?? null;
    return c.html(
      <OrderPage user={user} sandbox={deps.simulatorUrl} order={order} connection={connection} />,
    );
  } catch (err) {
    if (!(err instanceof OrdersError)) throw err;
    return notFoundPage(c, user, 'There is no such order in your account.', 'ORDERS_NOT_FOUND');
  }
}
