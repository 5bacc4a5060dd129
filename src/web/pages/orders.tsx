import type { SessionUser } from '../../accounts/service.js';
import { marketplaceById } from '../../amazon/regions.js';
import type { Connection } from '../../connections/repository.js';
import { ORDER_STATUSES, type OrderSummary, type OrderSyncView } from '../../orders/queries.js';
import { formatDateTime } from '../format.js';
import { Layout } from './layout.js';
import { formatMoney, unitsInLines } from './order-money.js';

/** The values of the filter form, as the user typed them (shown back unchanged). */
export interface OrderFilterForm {
  connection: string;
  marketplace: string;
  status: string;
  from: string;
  to: string;
}

const label = (c: Connection): string => `${c.sellingPartnerId} (${c.region})`;

/** Where the list stands and the links to the pages beside it (keyset paging). */
export interface OrdersPaging {
  /** Orders matching the filter, and how many come before this page. */
  total: number;
  offset: number;
  previousHref: string | null;
  nextHref: string | null;
  /** The first page with the same filter, when this is not it. */
  firstHref: string | null;
}

/** The list page's own styles: the filter form in one wrapping row, the pager, numbers aligned. */
const LIST_CSS = `
form.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end;background:#fff;border:1px solid #e3e6ea;border-radius:6px;padding:.6rem .9rem;margin:0 0 1rem}
form.filters label{display:flex;flex-direction:column;gap:.2rem;margin:0;font-size:.85rem}
form.filters select,form.filters input{width:auto;max-width:16rem}
.pager{display:flex;flex-wrap:wrap;gap:.5rem 1.25rem;align-items:center;margin:.75rem 0}
.pager .range{font-weight:600}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap} .nowrap{white-space:nowrap}
`;

/** "1–25 of 45", with Newest / Previous / Next links. */
function Pager(props: { paging: OrdersPaging; shown: number }) {
  const { total, offset, previousHref, nextHref, firstHref } = props.paging;
  const range = props.shown === 0 ? `0 of ${total}` : `${offset + 1}–${offset + props.shown} of ${total}`;
  return (
    <nav class="pager" aria-label="Order pages">
      <span class="range" data-range>
        {range}
      </span>
      {firstHref ? <a href={firstHref}>« Newest</a> : null}
      {previousHref ? (
        <a href={previousHref} rel="prev">
          ← Previous
        </a>
      ) : null}
      {nextHref ? (
        <a href={nextHref} rel="next">
          Next →
        </a>
      ) : null}
    </nav>
  );
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

/** Orders list with filters (connection, marketplace, status, creation date), a count and keyset paging. */
export function OrdersPage(props: {
  user: SessionUser;
  sandbox: string | null;
  connections: Connection[];
  syncs: OrderSyncView[];
  orders: OrderSummary[];
  form: OrderFilterForm;
  paging: OrdersPaging;
  error: string | null;
  notice?: string | null;
}) {
  const byId = new Map(props.connections.map((c) => [c.id, c]));
  const marketplaces = [...new Set(props.connections.flatMap((c) => c.marketplaceIds))].sort();
  return (
    <Layout title="Orders" user={props.user} sandbox={props.sandbox}>
      <style>{LIST_CSS}</style>
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
          Connection
          <select name="connection">
            <option value="">all</option>
            {props.connections.map((c) => (
              <option value={c.id} selected={props.form.connection === c.id}>
                {label(c)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Marketplace
          <select name="marketplace">
            <option value="">all</option>
            {marketplaces.map((m) => (
              <option value={m} selected={props.form.marketplace === m}>
                {marketplaceById(m)?.country ?? m} ({m})
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select name="status">
            <option value="">all</option>
            {ORDER_STATUSES.map((s) => (
              <option value={s} selected={props.form.status === s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Created from <input type="date" name="from" value={props.form.from} />
        </label>
        <label>
          Created to <input type="date" name="to" value={props.form.to} />
        </label>
        <button type="submit">Filter</button>
      </form>
      <Pager paging={props.paging} shown={props.orders.length} />
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
              <th class="num">Total</th>
              <th>Connection</th>
            </tr>
          </thead>
          <tbody>
            {props.orders.map((o) => {
              const c = byId.get(o.connectionId);
              return (
                <tr data-order={o.orderId}>
                  <td class="nowrap">
                    <a href={`/orders/${encodeURIComponent(o.orderId)}?connection=${o.connectionId}`}>
                      {o.orderId}
                    </a>
                  </td>
                  <td>{formatDateTime(o.createdTime)}</td>
                  <td>{o.status}</td>
                  <td>{marketplaceById(o.marketplaceId)?.country ?? o.marketplaceId}</td>
                  <td class="nowrap" data-field="items">
                    {unitsInLines(o.itemCount, o.lineCount)}
                  </td>
                  <td class="num">{formatMoney(o.total)}</td>
                  <td>{c ? label(c) : o.connectionId}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {props.orders.length > 0 ? <Pager paging={props.paging} shown={props.orders.length} /> : null}
    </Layout>
  );
}
