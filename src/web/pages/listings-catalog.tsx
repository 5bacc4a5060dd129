import { marketplaceById } from '../../amazon/regions.js';
import type { Connection } from '../../connections/repository.js';
import { counted } from '../../kernel/plural.js';
import type { CatalogEntry, CatalogSync } from '../../listings/catalog-reads.js';
import { formatDateTime } from '../format.js';

/** The seller's catalog from Amazon on the listings page: refresh state, marketplace filter, items. */

export interface CatalogView {
  items: CatalogEntry[];
  nextCursor: string | null;
  sync: CatalogSync | null;
  /** Items per marketplace. */
  counts: Record<string, number>;
  /** The marketplace shown (null: all). */
  marketplaceId: string | null;
  /** The edit started from a row (its SKU and marketplace), to mark the row. */
  editing: { sku: string; marketplaceId: string } | null;
}

const mpName = (id: string): string => marketplaceById(id)?.name ?? id;

function SyncLine(props: { sync: CatalogSync | null; total: number }) {
  const s = props.sync;
  if (!s)
    return (
      <span data-catalog-sync="none">
        Not read from Amazon yet: the first refresh is queued and takes a few seconds.
      </span>
    );
  const when = s.lastFinishedAt ? `refreshed ${formatDateTime(s.lastFinishedAt)}` : 'not finished yet';
  switch (s.status) {
    case 'running':
      return (
        <span data-catalog-sync="running">
          Reading from Amazon now (started {formatDateTime(s.lastStartedAt)}); {when}.
        </span>
      );
    case 'done':
      return (
        <span data-catalog-sync="done">
          {counted(props.total, 'item')} from Amazon, {when}. Kept fresh automatically.
        </span>
      );
    case 'paused':
      return (
        <span data-catalog-sync="paused">
          Not refreshed: {s.reason}. {when}.
        </span>
      );
    case 'failed':
      return (
        <span data-catalog-sync="failed" class="error-text">
          The last refresh failed ({s.reason}); it is tried again in a few minutes. {when}.
        </span>
      );
  }
}

function StatusBadges(props: { entry: CatalogEntry }) {
  const { statuses } = props.entry;
  if (statuses.length === 0)
    return (
      <span class="badge bad" data-status="INACTIVE">
        not discoverable
      </span>
    );
  return (
    <>
      {statuses.map((s) => (
        <span class={`badge ${s === 'BUYABLE' ? 'good' : 'warn'}`} data-status={s}>
          {s === 'BUYABLE' ? 'buyable' : s === 'DISCOVERABLE' ? 'discoverable' : s.toLowerCase()}
        </span>
      ))}{' '}
    </>
  );
}

function IssuesCell(props: { entry: CatalogEntry }) {
  const { issues } = props.entry;
  if (issues.length === 0) return <>—</>;
  return (
    <ul class="small" style="margin:0;padding-left:1em" data-catalog-issues={issues.length}>
      {issues.map((i) => (
        <li class={i.severity === 'ERROR' ? 'error-text' : ''}>
          {i.severity.toLowerCase()}: {i.message}
        </li>
      ))}
    </ul>
  );
}

/** The catalog section with its table; "Edit" opens the forms below prefilled for the row's SKU. */
export function CatalogSection(props: {
  connection: Connection;
  base: string;
  csrf: string;
  view: CatalogView;
}) {
  const { view, base } = props;
  const total = Object.values(view.counts).reduce((a, b) => a + b, 0);
  const editHref = (e: CatalogEntry) =>
    `${base}?edit=${encodeURIComponent(e.sku)}&editMarketplace=${e.marketplaceId}#edit`;
  return (
    <section id="catalog" data-catalog>
      <h2>Catalog on Amazon</h2>
      <p class="small">
        <SyncLine sync={view.sync} total={total} />
      </p>
      <form method="post" action={`${base}/refresh`} class="actions">
        <input type="hidden" name="_csrf" value={props.csrf} />
        <button type="submit" class="secondary" data-refresh-catalog>
          Refresh from Amazon now
        </button>
      </form>
      {props.connection.marketplaceIds.length > 1 ? (
        <p class="small" data-marketplace-filter>
          {view.marketplaceId ? (
            <a href={`${base}#catalog`}>All marketplaces</a>
          ) : (
            <strong>All marketplaces</strong>
          )}
          {props.connection.marketplaceIds.map((id) => (
            <>
              {' · '}
              {view.marketplaceId === id ? (
                <strong>
                  {mpName(id)} ({view.counts[id] ?? 0})
                </strong>
              ) : (
                <a href={`${base}?marketplace=${id}#catalog`}>
                  {mpName(id)} ({view.counts[id] ?? 0})
                </a>
              )}
            </>
          ))}
        </p>
      ) : null}
      {view.items.length === 0 ? (
        <p class="small" data-catalog-empty>
          No listings on Amazon{view.marketplaceId ? ` in ${mpName(view.marketplaceId)}` : ''} yet.
        </p>
      ) : (
        <table data-catalog-table>
          <thead>
            <tr>
              <th>SKU</th>
              <th>Marketplace</th>
              <th>Item</th>
              <th>Status</th>
              <th>Price</th>
              <th>Qty</th>
              <th>Issues</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {view.items.map((e) => (
              <tr
                data-catalog-row={e.sku}
                data-marketplace={e.marketplaceId}
                {...(view.editing?.sku === e.sku && view.editing.marketplaceId === e.marketplaceId
                  ? { 'aria-current': 'true', style: 'background:#fff8e1' }
                  : {})}
              >
                <td>
                  <code>{e.sku}</code>
                </td>
                <td class="small">{mpName(e.marketplaceId)}</td>
                <td>
                  {e.itemName ?? '—'}
                  <br />
                  <span class="small">
                    {e.productType ?? '?'}
                    {e.asin ? ` · ${e.asin}` : ''}
                  </span>
                </td>
                <td>
                  <StatusBadges entry={e} />
                </td>
                <td>{e.price ? `${e.price.amount} ${e.price.currency}` : '—'}</td>
                <td>{e.quantity ?? '—'}</td>
                <td>
                  <IssuesCell entry={e} />
                </td>
                <td>
                  <a href={editHref(e)} data-edit={e.sku}>
                    Edit
                  </a>
                  <br />
                  <a class="small" href={`${base}/${encodeURIComponent(e.sku)}`}>
                    History
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {view.nextCursor ? (
        <p>
          <a
            href={`${base}?${view.marketplaceId ? `marketplace=${view.marketplaceId}&` : ''}cursor=${view.nextCursor}#catalog`}
            data-next-page
          >
            Next page →
          </a>
        </p>
      ) : null}
    </section>
  );
}
