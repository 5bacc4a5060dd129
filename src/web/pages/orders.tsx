import type { SessionUser } from '../../accounts/service.js';
import { marketplaceById } from '../../amazon/regions.js';
import type { Connection } from '../../connections/repository.js';
import {
  ORDER_STATUSES,
  type OrderDetail,
  type OrderSummary,
  type OrderSyncView,
} from '../../orders/queries.js';
import { formatDateTime } from '../format.js';
import { Layout } from './layout.js';

/** The values of the filter form, as the user typed them (shown back unchanged). */
export interface OrderFilterForm {
  connection: string;
  marketplace: string;
  status: string;
  from: string;
  to: string;
}

/** A scalar from Amazon's JSON as text; anything else as nothing. */
const text = (value: unknown): string =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : '';

const label = (c: Connection): string => `${c.sellingPartnerId} (${c.region})`;

function money(total: OrderSummary['total']): string {
  return total ? `${total.amount} ${total.currencyCode}` : '—';
}

/** Importer state per connection: last run, paused and why, last error. */
function SyncTable(props: { syncs: OrderSyncView[]; connections: Map<string, Connection> }) {
  if (props.syncs.length === 0)
    return <p class="small">No import has run yet. Imports start within a minute of connecting a seller.</p>;
  return (
    <table data-table="order-syncs">
      <thead>
        <tr>
          <th>Connection</th>
          <th>Import</th>
          <th>Imported up to</th>
          <th>Last run</th>
          <th>Orders stored or updated</th>
        </tr>
      </thead>
      <tbody>
        {props.syncs.map((s) => {
          const c = props.connections.get(s.connectionId);
          return (
            <tr data-sync={s.connectionId}>
              <td>{c ? <a href={`/connections/${c.id}`}>{label(c)}</a> : s.connectionId}</td>
              <td>
                <span data-sync-status={s.status}>{s.status}</span>
                {s.pausedReason ? <div class="small bad-text">{s.pausedReason}</div> : null}
                {s.lastError && s.status === 'failed' ? (
                  <div class="small bad-text">{s.lastError}</div>
                ) : null}
                <BackfillNote backfill={s.backfill} />
              </td>
              <td>{formatDateTime(s.watermark)}</td>
              <td>{formatDateTime(s.lastFinishedAt ?? s.lastStartedAt)}</td>
              <td>{s.ordersUpserted}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Where the latest backfill by report stands (docs/orders.md#backfill-by-report). */
function BackfillNote(props: { backfill: OrderSyncView['backfill'] }) {
  const b = props.backfill;
  if (!b) return null;
  const range = `${formatDateTime(b.rangeStart)} – ${formatDateTime(b.rangeEnd)}`;
  if (b.status === 'running')
    return (
      <div class="small" data-backfill="running">
        Backfill by report for {range}: {b.reportsSettled} of {b.reportsTotal} reports merged.
      </div>
    );
  if (b.status === 'fell_back')
    return (
      <div class="small bad-text" data-backfill="fell_back">
        {b.reason}
      </div>
    );
  return (
    <div class="small" data-backfill="done">
      Backfilled {range} by report ({b.ordersMerged} orders). Orders from a report show some details as
      pending until Amazon next updates them.
    </div>
  );
}

/** Orders list with filters (connection, marketplace, status, creation date) and cursor paging. */
export function OrdersPage(props: {
  user: SessionUser;
  sandbox: string | null;
  connections: Connection[];
  syncs: OrderSyncView[];
  orders: OrderSummary[];
  form: OrderFilterForm;
  nextHref: string | null;
  error: string | null;
  notice?: string | null;
}) {
  const byId = new Map(props.connections.map((c) => [c.id, c]));
  const marketplaces = [...new Set(props.connections.flatMap((c) => c.marketplaceIds))].sort();
  return (
    <Layout title="Orders" user={props.user} sandbox={props.sandbox}>
      <h1>Orders</h1>
      <p class="small">
        Imported from Amazon (Orders API 2026-01-01) for every connection, every few minutes. Amazon lists an
        order 2 minutes after it changes.
      </p>
      {props.notice ? <p class="banner good">{props.notice}</p> : null}
      <h2>Imports</h2>
      <SyncTable syncs={props.syncs} connections={byId} />
      <form method="post" action="/orders/sync">
        <input type="hidden" name="_csrf" value={props.user.csrfToken} />
        <button type="submit">Import now</button>{' '}
        <span class="small">
          Reads new and changed orders for every connection now instead of waiting for the schedule.
        </span>
      </form>
      <h2>Orders</h2>
      {props.error ? (
        <p class="banner bad" role="alert">
          {props.error}
        </p>
      ) : null}
      <form method="get" action="/orders" class="filters">
        <label>
          Connection{' '}
          <select name="connection">
            <option value="">all</option>
            {props.connections.map((c) => (
              <option value={c.id} selected={props.form.connection === c.id}>
                {label(c)}
              </option>
            ))}
          </select>
        </label>{' '}
        <label>
          Marketplace{' '}
          <select name="marketplace">
            <option value="">all</option>
            {marketplaces.map((m) => (
              <option value={m} selected={props.form.marketplace === m}>
                {marketplaceById(m)?.country ?? m} ({m})
              </option>
            ))}
          </select>
        </label>{' '}
        <label>
          Status{' '}
          <select name="status">
            <option value="">all</option>
            {ORDER_STATUSES.map((s) => (
              <option value={s} selected={props.form.status === s}>
                {s}
              </option>
            ))}
          </select>
        </label>{' '}
        <label>
          Created from <input type="date" name="from" value={props.form.from} />
        </label>{' '}
        <label>
          to <input type="date" name="to" value={props.form.to} />
        </label>{' '}
        <button type="submit">Filter</button>
      </form>
      {props.orders.length === 0 ? (
        <p data-empty="orders">No orders match.</p>
      ) : (
        <table data-table="orders">
          <thead>
            <tr>
              <th>Order</th>
              <th>Created</th>
              <th>Status</th>
              <th>Marketplace</th>
              <th>Items</th>
              <th>Total</th>
              <th>Connection</th>
            </tr>
          </thead>
          <tbody>
            {props.orders.map((o) => {
              const c = byId.get(o.connectionId);
              return (
                <tr data-order={o.orderId}>
                  <td>
                    <a href={`/orders/${encodeURIComponent(o.orderId)}?connection=${o.connectionId}`}>
                      {o.orderId}
                    </a>
                  </td>
                  <td>{formatDateTime(o.createdTime)}</td>
                  <td>{o.status}</td>
                  <td>{marketplaceById(o.marketplaceId)?.country ?? o.marketplaceId}</td>
                  <td>{o.itemCount}</td>
                  <td>{money(o.total)}</td>
                  <td>{c ? label(c) : o.connectionId}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {props.nextHref ? (
        <p>
          <a href={props.nextHref} rel="next">
            Older orders →
          </a>
        </p>
      ) : null}
    </Layout>
  );
}

/** One order: its summary, items, and the order exactly as Amazon returned it. */
export function OrderPage(props: {
  user: SessionUser;
  sandbox: string | null;
  order: OrderDetail;
  connection: Connection | null;
}) {
  const o = props.order;
  const items = Array.isArray(o.order.orderItems) ? (o.order.orderItems as Record<string, unknown>[]) : [];
  return (
    <Layout title={`Order ${o.orderId}`} user={props.user} sandbox={props.sandbox}>
      <p>
        <a href="/orders">← Orders</a>
      </p>
      <h1>Order {o.orderId}</h1>
      <dl>
        <dt>Status</dt>
        <dd data-field="status">{o.status}</dd>
        <dt>Created</dt>
        <dd>{formatDateTime(o.createdTime)}</dd>
        <dt>Last updated at Amazon</dt>
        <dd data-field="lastUpdated">{formatDateTime(o.lastUpdatedTime)}</dd>
        <dt>Marketplace</dt>
        <dd>
          {marketplaceById(o.marketplaceId)?.country ?? ''} ({o.marketplaceId})
        </dd>
        <dt>Total</dt>
        <dd>{money(o.total)}</dd>
        <dt>Connection</dt>
        <dd>
          {props.connection ? (
            <a href={`/connections/${props.connection.id}`}>{label(props.connection)}</a>
          ) : (
            o.connectionId
          )}
        </dd>
        <dt>Imported</dt>
        <dd>{formatDateTime(o.importedAt)}</dd>
        <dt>Source</dt>
        <dd data-field="source">
          {o.source === 'report'
            ? `Amazon's order report (backfill). Pending until Amazon next updates this order: ${o.pendingFields.join(', ')}.`
            : 'Orders API (searchOrders)'}
        </dd>
      </dl>
      <h2>Items ({items.length})</h2>
      <table data-table="items">
        <thead>
          <tr>
            <th>Item</th>
            <th>ASIN / SKU</th>
            <th>Title</th>
            <th>Quantity</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => {
            const product = (item.product ?? {}) as Record<string, unknown>;
            return (
              <tr>
                <td>{text(item.orderItemId)}</td>
                <td>
                  {text(product.asin)} / {text(product.sellerSku)}
                </td>
                <td>{text(product.title)}</td>
                <td>{text(item.quantityOrdered)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <details>
        <summary>The order as Amazon returned it</summary>
        <pre>{JSON.stringify(o.order, null, 2)}</pre>
      </details>
    </Layout>
  );
}
