import type { SessionUser } from '../../accounts/service.js';
import { REGION_NAMES, marketplaceById } from '../../amazon/regions.js';
import type { Connection } from '../../connections/repository.js';
import type { ListingChange, ListingIssue } from '../../listings/model.js';
import { formatDateTime } from '../format.js';
import { Layout } from './layout.js';

/** Badge colour of a change's state. */
export function stateTone(change: ListingChange): 'good' | 'warn' | 'bad' | 'muted' {
  switch (change.state) {
    case 'accepted':
    case 'valid':
      return 'good';
    case 'rejected':
    case 'failed':
      return 'bad';
    case 'waiting':
    case 'queued':
    case 'sending':
      return 'warn';
    case 'superseded':
      return 'muted';
  }
}

export function ChangeBadge(props: { change: ListingChange }) {
  return (
    <span class={`badge ${stateTone(props.change)}`} data-change-state={props.change.state}>
      {props.change.stateLabel}
      {props.change.preview ? ' · preview' : ''}
    </span>
  );
}

export function IssuesTable(props: { issues: ListingIssue[] }) {
  if (props.issues.length === 0) return null;
  return (
    <table data-issues>
      <thead>
        <tr>
          <th>Severity</th>
          <th>Code</th>
          <th>Message</th>
          <th>Attributes</th>
        </tr>
      </thead>
      <tbody>
        {props.issues.map((i) => (
          <tr data-issue={i.code}>
            <td>{i.severity}</td>
            <td>
              <code>{i.code}</code>
            </td>
            <td>{i.message}</td>
            <td>{i.attributeNames.join(', ') || '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The form values to show again after a refusal. */
export interface ListingFormValues {
  form?: 'put' | 'quick' | 'delete';
  sku?: string;
  productType?: string;
  requirements?: string;
  attributes?: string;
  preview?: boolean;
  price?: string;
  quantity?: string;
  marketplaceId?: string;
}

const KIND_WORDS = { put: 'Full listing (PUT)', patch: 'Edit (PATCH)', delete: 'Delete' } as const;

function MarketplaceSelect(props: { connection: Connection; value: string | undefined; id: string }) {
  if (props.connection.marketplaceIds.length <= 1) return null;
  return (
    <>
      <label for={props.id}>Marketplace</label>
      <select id={props.id} name="marketplaceId">
        {props.connection.marketplaceIds.map((id) => (
          <option value={id} selected={props.value === id}>
            {marketplaceById(id)?.name ?? id} ({id})
          </option>
        ))}
      </select>
    </>
  );
}

/**
 * One connection's listings: forms for a full listing (SKU, product type, attributes as JSON), a
 * quick price/quantity edit and a delete; then the latest changes with their state and issues.
 */
export function ListingsPage(props: {
  user: SessionUser;
  connection: Connection;
  changes: ListingChange[];
  counts: Record<string, number>;
  sandbox: string | null;
  notice?: string | null;
  error?: { message: string; field?: string | undefined } | null;
  values?: ListingFormValues;
}) {
  const c = props.connection;
  const csrf = props.user.csrfToken;
  const v = props.values ?? {};
  const base = `/connections/${c.id}/listings`;
  const waiting = props.counts.waiting ?? 0;
  return (
    <Layout title={`Listings · ${c.sellingPartnerId}`} user={props.user} sandbox={props.sandbox}>
      <p>
        <a href={`/connections/${c.id}`}>← Connection {c.sellingPartnerId}</a>
      </p>
      <h1>
        Listings · {c.sellingPartnerId} · {REGION_NAMES[c.region]}
      </h1>
      <p>
        <span class={`badge ${c.health.tone}`}>{c.health.label}</span>{' '}
        <span class="small" data-counts>
          {['queued', 'waiting', 'sending', 'accepted', 'rejected', 'valid', 'failed', 'superseded']
            .filter((s) => (props.counts[s] ?? 0) > 0)
            .map(
              (s) => `${props.counts[s]} ${s === 'waiting' ? 'waiting until the connection works again' : s}`,
            )
            .join(' · ') || 'no changes yet'}
        </span>
      </p>
      {waiting > 0 ? (
        <p class="banner warn" data-waiting>
          {waiting} change{waiting === 1 ? ' is' : 's are'} waiting for the connection: Amazon does not accept
          calls for this connection now. They are kept and sent in order once the seller renews it.{' '}
          <a href={`/connections/${c.id}`}>Renew</a>
        </p>
      ) : null}
      {props.notice ? <p class="banner good">{props.notice}</p> : null}
      {props.error ? (
        <p class="banner bad" role="alert" data-field={props.error.field ?? ''}>
          {props.error.message}
        </p>
      ) : null}

      <form method="post" action={base} class="card" data-form="put">
        <h2 style="margin-top:0">Create or replace a listing</h2>
        <input type="hidden" name="_csrf" value={csrf} />
        <label for="put-sku">SKU</label>
        <input
          id="put-sku"
          name="sku"
          maxlength={40}
          required
          value={v.form === 'put' ? (v.sku ?? '') : ''}
        />
        <label for="put-type">Product type</label>
        <input
          id="put-type"
          name="productType"
          placeholder="e.g. SHIRT, or PRODUCT for an offer on an existing ASIN"
          required
          value={v.form === 'put' ? (v.productType ?? '') : ''}
        />
        <label for="put-req">Requirements</label>
        <select id="put-req" name="requirements">
          {['LISTING', 'LISTING_PRODUCT_ONLY', 'LISTING_OFFER_ONLY'].map((r) => (
            <option value={r} selected={v.form === 'put' && v.requirements === r}>
              {r}
            </option>
          ))}
        </select>
        <MarketplaceSelect connection={c} value={v.marketplaceId} id="put-mp" />
        <label for="put-attrs">Attributes (JSON, as in Listings Items 2021-08-01)</label>
        <textarea id="put-attrs" name="attributes" rows={10} style="max-width:100%" required>
          {v.form === 'put' ? (v.attributes ?? '') : ''}
        </textarea>
        <label>
          <input
            type="checkbox"
            name="preview"
            value="1"
            style="width:auto"
            checked={v.form === 'put' && v.preview === true}
          />{' '}
          Validation preview only (Amazon checks it, nothing changes)
        </label>
        <p>
          <button type="submit">Queue listing</button>
        </p>
      </form>

      <div class="actions">
        <form method="post" action={`${base}/quick`} class="card" data-form="quick">
          <h2 style="margin-top:0">Quick edit: price and quantity</h2>
          <input type="hidden" name="_csrf" value={csrf} />
          <label for="q-sku">SKU</label>
          <input
            id="q-sku"
            name="sku"
            maxlength={40}
            required
            value={v.form === 'quick' ? (v.sku ?? '') : ''}
          />
          <MarketplaceSelect connection={c} value={v.marketplaceId} id="q-mp" />
          <label for="q-price">Price</label>
          <input
            id="q-price"
            name="price"
            inputmode="decimal"
            value={v.form === 'quick' ? (v.price ?? '') : ''}
          />
          <label for="q-qty">Quantity</label>
          <input
            id="q-qty"
            name="quantity"
            inputmode="numeric"
            value={v.form === 'quick' ? (v.quantity ?? '') : ''}
          />
          <p>
            <button type="submit">Queue edit</button>
          </p>
        </form>
        <form method="post" action={`${base}/delete`} class="card" data-form="delete">
          <h2 style="margin-top:0">Delete a listing</h2>
          <input type="hidden" name="_csrf" value={csrf} />
          <label for="d-sku">SKU</label>
          <input
            id="d-sku"
            name="sku"
            maxlength={40}
            required
            value={v.form === 'delete' ? (v.sku ?? '') : ''}
          />
          <MarketplaceSelect connection={c} value={v.marketplaceId} id="d-mp" />
          <p>
            <button type="submit" class="danger">
              Queue delete
            </button>
          </p>
        </form>
      </div>

      <h2>Latest changes</h2>
      {props.changes.length === 0 ? (
        <p class="small">No listing changes yet.</p>
      ) : (
        <table data-changes>
          <thead>
            <tr>
              <th>SKU</th>
              <th>Change</th>
              <th>State</th>
              <th>Issues</th>
              <th>Queued</th>
            </tr>
          </thead>
          <tbody>
            {props.changes.map((ch) => (
              <tr data-change={ch.id}>
                <td>
                  <a href={`${base}/${encodeURIComponent(ch.sku)}`}>{ch.sku}</a>
                </td>
                <td>{KIND_WORDS[ch.kind]}</td>
                <td>
                  <ChangeBadge change={ch} />
                </td>
                <td>{ch.issues.length > 0 ? `${ch.issues.length}: ${ch.issues[0]!.message}` : '—'}</td>
                <td class="small">{formatDateTime(ch.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}

/** Every change to one SKU, newest first, with Amazon's status, submission id and issues. */
export function ListingHistoryPage(props: {
  user: SessionUser;
  connection: Connection;
  sku: string;
  changes: ListingChange[];
  sandbox: string | null;
  notice?: string | null;
}) {
  const c = props.connection;
  return (
    <Layout title={`${props.sku} · Listings`} user={props.user} sandbox={props.sandbox}>
      <p>
        <a href={`/connections/${c.id}/listings`}>← Listings of {c.sellingPartnerId}</a>
      </p>
      <h1>
        SKU <code>{props.sku}</code>
      </h1>
      {props.notice ? <p class="banner good">{props.notice}</p> : null}
      {props.changes.length === 0 ? <p>No changes to this SKU yet.</p> : null}
      {props.changes.map((ch) => (
        <div class="card" data-change={ch.id}>
          <p style="margin-top:0">
            <strong>{KIND_WORDS[ch.kind]}</strong> <ChangeBadge change={ch} />{' '}
            <span class="small">
              queued {formatDateTime(ch.createdAt)} by {ch.createdBy} ({ch.source})
              {ch.sentAt ? ` · sent ${formatDateTime(ch.sentAt)}` : ''}
              {ch.finishedAt ? ` · done ${formatDateTime(ch.finishedAt)}` : ''}
            </span>
          </p>
          <p class="small">
            Change <code>{ch.id}</code> · marketplace{' '}
            {marketplaceById(ch.marketplaceId)?.name ?? ch.marketplaceId}
            {ch.amazonStatus ? (
              <>
                {' '}
                · Amazon: <strong data-amazon-status>{ch.amazonStatus}</strong>
              </>
            ) : null}
            {ch.submissionId ? <> · submission {ch.submissionId}</> : null}
            {ch.attempts > 1 ? ` · ${ch.attempts} attempts` : ''}
          </p>
          {ch.stateReason ? <p class="small">{ch.stateReason}</p> : null}
          {ch.error ? (
            <p class="small error-text">
              {ch.error.code}: {ch.error.message}
            </p>
          ) : null}
          <IssuesTable issues={ch.issues} />
          {ch.body ? (
            <details>
              <summary class="small">Body sent</summary>
              <pre class="small">{JSON.stringify(ch.body, null, 2)}</pre>
            </details>
          ) : null}
        </div>
      ))}
    </Layout>
  );
}

/** Which connection's listings: the chooser behind the "Listings" link. */
export function ListingsChooserPage(props: {
  user: SessionUser;
  connections: Connection[];
  sandbox: string | null;
}) {
  return (
    <Layout title="Listings" user={props.user} sandbox={props.sandbox}>
      <h1>Listings</h1>
      {props.connections.length === 0 ? (
        <p>
          Connect an Amazon account first: <a href="/connections">Connections</a>.
        </p>
      ) : (
        <ul>
          {props.connections.map((c) => (
            <li>
              <a href={`/connections/${c.id}/listings`}>
                {c.sellingPartnerId} · {REGION_NAMES[c.region]}
                {c.storeName ? ` (${c.storeName})` : ''}
              </a>
            </li>
          ))}
        </ul>
      )}
    </Layout>
  );
}
