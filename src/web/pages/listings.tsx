import type { SessionUser } from '../../accounts/service.js';
import { REGION_NAMES, marketplaceById } from '../../amazon/regions.js';
import type { Connection } from '../../connections/repository.js';
import type { ListingChange, ListingIssue } from '../../listings/model.js';
import type { ProductTemplate } from '../../listings/product-templates.js';
import type { FieldError } from '../../listings/quick-edit.js';
import { counted } from '../../kernel/plural.js';
import { connectionName, formatDateTime } from '../format.js';
import { Layout } from './layout.js';
import { CatalogSection, type CatalogView } from './listings-catalog.js';
import {
  DeleteForm,
  FormErrorSummary,
  PutForm,
  QuickEditForm,
  TemplateForm,
  type ListingFormValues,
} from './listings-forms.js';

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

export type { ListingFormValues } from './listings-forms.js';

const KIND_WORDS = { put: 'Full listing (PUT)', patch: 'Edit (PATCH)', delete: 'Delete' } as const;

/** Which listings form. */
export type FormName = 'put' | 'quick' | 'delete' | 'template';

/** Each form's values (typed before a refusal, or prefilled from a catalog row). */
export type FormsValues = Partial<Record<FormName, ListingFormValues>>;

function ChangeCounts(props: { counts: Record<string, number> }) {
  return (
    <span class="small" data-counts>
      {['queued', 'waiting', 'sending', 'accepted', 'rejected', 'valid', 'failed', 'superseded']
        .filter((s) => (props.counts[s] ?? 0) > 0)
        .map((s) => `${props.counts[s]} ${s === 'waiting' ? 'waiting until the connection works again' : s}`)
        .join(' · ') || 'no changes yet'}
    </span>
  );
}

function ChangesTable(props: { changes: ListingChange[]; base: string }) {
  if (props.changes.length === 0) return <p class="small">No listing changes yet.</p>;
  return (
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
              <a href={`${props.base}/${encodeURIComponent(ch.sku)}`}>{ch.sku}</a>
            </td>
            <td>{KIND_WORDS[ch.kind]}</td>
            <td>
              <ChangeBadge change={ch} />
            </td>
            <td>
              {ch.issues.length > 0 ? (
                <ul class="small" style="margin:0;padding-left:1em">
                  {ch.issues.map((i) => (
                    <li>{i.message}</li>
                  ))}
                </ul>
              ) : (
                '—'
              )}
            </td>
            <td class="small">{formatDateTime(ch.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The edit started from a catalog row: what is being edited, above the prefilled forms. */
function EditingBanner(props: {
  editing: { sku: string; marketplaceId: string; found: boolean } | null;
  base: string;
}) {
  const e = props.editing;
  if (!e) return null;
  const where = marketplaceById(e.marketplaceId)?.name ?? e.marketplaceId;
  return (
    <p class={`banner ${e.found ? 'info' : 'warn'}`} id="edit" data-editing={e.sku}>
      {e.found ? (
        <>
          Editing <code>{e.sku}</code> in {where}: the forms below are filled in from Amazon&apos;s
          listing.{' '}
        </>
      ) : (
        <>
          <code>{e.sku}</code> is not in the catalog for {where} (yet): only its SKU is filled in.{' '}
        </>
      )}
      <a href={props.base}>Cancel</a>
    </p>
  );
}

/**
 * One connection's listings: the catalog from Amazon (status and issues per SKU, "Edit" per row),
 * then the forms (product-type template, quick edit, full JSON listing, delete), each showing the
 * values typed and every error of a refused submission by its field; then the latest changes.
 */
export function ListingsPage(props: {
  user: SessionUser;
  connection: Connection;
  changes: ListingChange[];
  counts: Record<string, number>;
  sandbox: string | null;
  notice?: string | null;
  catalog: CatalogView;
  forms: FormsValues;
  /** The refused form and its errors (shown again with status 400). */
  refused?: { form: FormName; errors: FieldError[] } | null;
  template: ProductTemplate | null;
  chosenTemplate: string | null;
  editing: { sku: string; marketplaceId: string; found: boolean } | null;
}) {
  const c = props.connection;
  const csrf = props.user.csrfToken;
  const base = `/connections/${c.id}/listings`;
  const waiting = props.counts.waiting ?? 0;
  const formProps = (form: FormName) => ({
    connection: c,
    csrf,
    base,
    values: props.forms[form] ?? {},
    errors: props.refused?.form === form ? props.refused.errors : [],
  });
  return (
    <Layout title={`Listings · ${connectionName(c)}`} user={props.user} sandbox={props.sandbox}>
      <p>
        <a href={`/connections/${c.id}`}>← Connection {connectionName(c)}</a>
      </p>
      <h1>
        Listings · {connectionName(c)} · {REGION_NAMES[c.region]}
      </h1>
      <p>
        <span class={`badge ${c.health.tone}`}>{c.health.label}</span> <ChangeCounts counts={props.counts} />
      </p>
      {waiting > 0 ? (
        <p class="banner warn" data-waiting>
          {counted(waiting, 'change is', 'changes are')} waiting for the connection: Amazon does not accept
          calls for this connection now. They are kept and sent in order once the seller renews it.{' '}
          <a href={`/connections/${c.id}`}>Renew</a>
        </p>
      ) : null}
      {props.notice ? <p class="banner good">{props.notice}</p> : null}
      <FormErrorSummary errors={props.refused?.errors ?? []} />

      <CatalogSection connection={c} base={base} csrf={csrf} view={props.catalog} />

      <EditingBanner editing={props.editing} base={base} />
      <div class="actions">
        <QuickEditForm {...formProps('quick')} />
        <DeleteForm {...formProps('delete')} />
      </div>
      <TemplateForm {...formProps('template')} template={props.template} chosen={props.chosenTemplate} />
      <PutForm {...formProps('put')} />

      <h2>Latest changes</h2>
      <ChangesTable changes={props.changes} base={base} />
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
