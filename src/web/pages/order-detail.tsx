import type { SessionUser } from '../../accounts/service.js';
import { marketplaceById } from '../../amazon/regions.js';
import type { Connection } from '../../connections/repository.js';
import type { OrderDetail } from '../../orders/queries.js';
import { formatDateTime } from '../format.js';
import { Layout } from './layout.js';
import { formatMoney, moneyOf, unitsInLines, type Money } from './order-money.js';

/**
 * One order's page: a header block (status, dates, marketplace, total, connection, source), its
 * lines with unit price, quantity, subtotal, tax and total in the order's currency, the order's
 * totals (Amazon's proceeds breakdown), and the order exactly as Amazon returned it.
 */

/** The page's own styles (the shared layout's stay as they are). */
export const ORDER_CSS = `
.order-head{display:grid;grid-template-columns:repeat(auto-fit,minmax(13rem,1fr));gap:.9rem 1.5rem;margin:0}
.order-head dt{font-size:.8rem;color:#5a6475;font-weight:600;text-transform:uppercase;letter-spacing:.03em}
.order-head dd{margin:.2rem 0 0;font-size:1rem}
.order-head dd.total{font-size:1.3rem;font-weight:700}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.items tfoot td,table.items tfoot th{border-bottom:none;padding:.3rem .6rem}
table.items tfoot tr.grand td,table.items tfoot tr.grand th{border-top:2px solid #1d2433;font-weight:700;color:#1d2433;font-size:1rem}
`;

/** A scalar from Amazon's JSON as text; anything else as nothing. */
const text = (value: unknown): string =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : '';

const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

const list = (value: unknown): Record<string, unknown>[] => (Array.isArray(value) ? value.map(record) : []);

/** The subtotal of one breakdown type (ITEM, TAX, ...) in Amazon's proceeds breakdowns. */
function breakdown(breakdowns: Record<string, unknown>[], type: string): Money | null {
  return moneyOf(breakdowns.find((b) => b.type === type)?.subtotal);
}

/** Names of Amazon's proceeds breakdown types (Orders API 2026-01-01 `OrderProceedsBreakdown.type`). */
const BREAKDOWN_NAMES: Record<string, string> = {
  ITEM: 'Items',
  SHIPPING: 'Shipping',
  GIFT_WRAP: 'Gift wrap',
  COD_FEE: 'Cash on delivery fee',
  DISCOUNT: 'Discounts',
  TAX: 'Tax',
  DELIVERY_TIP: 'Delivery tip',
  OTHER: 'Other',
};

function ItemRow(props: { item: Record<string, unknown> }) {
  const item = props.item;
  const product = record(item.product);
  const proceeds = record(item.proceeds);
  const breakdowns = list(proceeds.breakdowns);
  return (
    <tr data-item={text(item.orderItemId)}>
      <td>
        {text(product.title) || '—'}
        <div class="small">
          ASIN {text(product.asin) || '—'} · SKU {text(product.sellerSku) || '—'}
          {text(item.orderItemId) ? ` · item ${text(item.orderItemId)}` : ''}
        </div>
      </td>
      <td class="num" data-field="unitPrice">
        {formatMoney(moneyOf(record(product.price).unitPrice))}
      </td>
      <td class="num" data-field="quantity">
        {text(item.quantityOrdered)}
      </td>
      <td class="num" data-field="subtotal">
        {formatMoney(breakdown(breakdowns, 'ITEM'))}
      </td>
      <td class="num" data-field="tax">
        {formatMoney(breakdown(breakdowns, 'TAX'))}
      </td>
      <td class="num" data-field="lineTotal">
        {formatMoney(moneyOf(proceeds.proceedsTotal))}
      </td>
    </tr>
  );
}

/** The order's totals: each proceeds breakdown, then the grand total. */
function Totals(props: { order: Record<string, unknown>; fallback: Money | null }) {
  const proceeds = record(props.order.proceeds);
  const rows = list(proceeds.breakdowns)
    .map((b) => ({ type: text(b.type), subtotal: moneyOf(b.subtotal) }))
    .filter((b) => b.type !== '' && b.subtotal !== null);
  return (
    <tfoot>
      {rows.map((b) => (
        <tr data-breakdown={b.type}>
          <th colspan={5} class="num">
            {BREAKDOWN_NAMES[b.type] ?? b.type}
          </th>
          <td class="num">{formatMoney(b.subtotal)}</td>
        </tr>
      ))}
      <tr class="grand" data-breakdown="TOTAL">
        <th colspan={5} class="num">
          Order total
        </th>
        <td class="num" data-field="grandTotal">
          {formatMoney(moneyOf(proceeds.grandTotal) ?? props.fallback)}
        </td>
      </tr>
    </tfoot>
  );
}

/** One order: its header block, its lines with prices, its totals, and the order as Amazon sent it. */
export function OrderPage(props: {
  user: SessionUser;
  sandbox: string | null;
  order: OrderDetail;
  connection: Connection | null;
}) {
  const o = props.order;
  const items = list(o.order.orderItems);
  const market = marketplaceById(o.marketplaceId);
  return (
    <Layout title={`Order ${o.orderId}`} user={props.user} sandbox={props.sandbox}>
      <style>{ORDER_CSS}</style>
      <p>
        <a href="/orders">← Orders</a>
      </p>
      <h1>Order {o.orderId}</h1>
      <section class="card" data-section="order-head">
        <dl class="order-head">
          <div>
            <dt>Status</dt>
            <dd data-field="status">{o.status}</dd>
          </div>
          <div>
            <dt>Order total</dt>
            <dd class="total" data-field="total">
              {formatMoney(o.total)}
            </dd>
          </div>
          <div>
            <dt>Items</dt>
            <dd data-field="items">{unitsInLines(o.itemCount, o.lineCount)}</dd>
          </div>
          <div>
            <dt>Marketplace</dt>
            <dd>
              {market?.country ?? ''} ({o.marketplaceId})
            </dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd>{formatDateTime(o.createdTime)}</dd>
          </div>
          <div>
            <dt>Last updated at Amazon</dt>
            <dd data-field="lastUpdated">{formatDateTime(o.lastUpdatedTime)}</dd>
          </div>
          <div>
            <dt>Connection</dt>
            <dd>
              {props.connection ? (
                <a href={`/connections/${props.connection.id}`}>
                  {props.connection.sellingPartnerId} ({props.connection.region})
                </a>
              ) : (
                o.connectionId
              )}
            </dd>
          </div>
          <div>
            <dt>Imported</dt>
            <dd>{formatDateTime(o.importedAt)}</dd>
          </div>
        </dl>
        <p class="small" data-field="source">
          {o.source === 'report'
            ? `From Amazon's order report (backfill). Pending until Amazon next updates this order: ${o.pendingFields.join(', ')}.`
            : 'From the Orders API (searchOrders).'}
        </p>
      </section>
      <h2>Items: {unitsInLines(o.itemCount, o.lineCount)}</h2>
      <table class="items" data-table="items">
        <thead>
          <tr>
            <th>Product</th>
            <th class="num">Unit price</th>
            <th class="num">Quantity</th>
            <th class="num">Subtotal</th>
            <th class="num">Tax</th>
            <th class="num">Total</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <ItemRow item={item} />
          ))}
        </tbody>
        <Totals order={o.order} fallback={o.total} />
      </table>
      <details>
        <summary>The order as Amazon returned it</summary>
        <pre>{JSON.stringify(o.order, null, 2)}</pre>
      </details>
    </Layout>
  );
}
