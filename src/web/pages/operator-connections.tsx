import type { SessionUser } from '../../accounts/service.js';
import type { OperatorConnectionPage, OperatorConnectionRow } from '../../connections/operator-search.js';
import { connectionName, connectionPath } from '../../lifecycle/ads-identity.js';
import { EXPIRY_WARNING_DAYS } from '../../lifecycle/health.js';
import { formatDate } from '../format.js';
import { Layout } from './layout.js';

/**
 * The operators' connections page (`/operator/connections`): every connection of every account and
 * both APIs, with a search (seller id, store name or account name, by prefix), filters (state,
 * region, API, expiring within N days), keyset paging (Previous/Next keep the filters) and the
 * total. The state words come from the connection's health (lifecycle/health.ts).
 */

/** The filter form's values as the address carries them (strings; empty: no filter). */
export interface ConnectionFilterValues {
  q: string;
  state: string;
  region: string;
  api: string;
  expiring: string;
  account: string;
}

/** An empty filter form. */
export const NO_FILTERS: ConnectionFilterValues = {
  q: '',
  state: '',
  region: '',
  api: '',
  expiring: '',
  account: '',
};

/** The state filter's choices: the lifecycle states with time applied, in plain words. */
const STATE_CHOICES: readonly [string, string][] = [
  ['active', 'Active'],
  ['expiring', `Expiring (within ${EXPIRY_WARNING_DAYS} days)`],
  ['expired', 'Expired'],
  ['revoked', 'Revoked'],
  ['error', 'Error'],
  ['disconnected', 'Disconnected'],
];

const NUMBER = new Intl.NumberFormat('en');

/** "1-50 of 1,234", "No connections match." */
export function rangeText(page: { from: number; total: number; rows: unknown[] }, noun: string): string {
  if (page.total === 0 || page.rows.length === 0) return `No ${noun} match.`;
  const to = page.from + page.rows.length - 1;
  return `${NUMBER.format(page.from)}-${NUMBER.format(to)} of ${NUMBER.format(page.total)}`;
}

/** The address of `path` with the filters (empty ones left out) and a cursor. */
export function pageHref(
  path: string,
  filters: Partial<Record<string, string>>,
  cursor?: { after: string } | { before: string },
): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value) params.set(key, value);
  if (cursor) for (const [key, value] of Object.entries(cursor)) params.set(key, value);
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}

/** Previous / Next links of a keyset page (a disabled word where there is none). */
export function Pager(props: {
  path: string;
  filters: Partial<Record<string, string>>;
  page: { next: string | null; previous: string | null };
}) {
  const { path, filters, page } = props;
  return (
    <nav class="actions" aria-label="Pages" style="margin:.8rem 0">
      {page.previous ? (
        <a class="button" rel="prev" href={pageHref(path, filters, { before: page.previous })}>
          ← Previous
        </a>
      ) : (
        <span class="small" aria-disabled="true">
          ← Previous
        </span>
      )}
      {page.next ? (
        <a class="button" rel="next" href={pageHref(path, filters, { after: page.next })}>
          Next →
        </a>
      ) : (
        <span class="small" aria-disabled="true">
          Next →
        </span>
      )}
    </nav>
  );
}

/** A select with an "Any" choice. */
function Choice(props: {
  id: string;
  name: string;
  label: string;
  value: string;
  choices: readonly [string, string][];
}) {
  return (
    <div>
      <label for={props.id}>{props.label}</label>
      <select id={props.id} name={props.name}>
        <option value="" selected={props.value === ''}>
          Any
        </option>
        {props.choices.map(([value, label]) => (
          <option value={value} selected={props.value === value}>
            {label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The search and filter form (GET: the address is the search, so it can be bookmarked and shared). */
function FilterForm(props: { values: ConnectionFilterValues; accountName: string | null }) {
  const v = props.values;
  return (
    <form method="get" action="/operator/connections" class="card" role="search" id="connection-search">
      <label for="search-q">Search</label>
      <input
        id="search-q"
        name="q"
        type="search"
        maxlength={200}
        value={v.q}
        placeholder="Seller id, store name or account name (starts with)"
      />
      <div style="display:grid;grid-template-columns:repeat(auto-fill,minmax(12rem,1fr));gap:0 1rem">
        <Choice id="filter-state" name="state" label="State" value={v.state} choices={STATE_CHOICES} />
        <Choice
          id="filter-region"
          name="region"
          label="Region"
          value={v.region}
          choices={[
            ['NA', 'North America (NA)'],
            ['EU', 'Europe (EU)'],
            ['FE', 'Far East (FE)'],
          ]}
        />
        <Choice
          id="filter-api"
          name="api"
          label="API"
          value={v.api}
          choices={[
            ['sp_api', 'SP-API'],
            ['ads', 'Amazon Ads'],
          ]}
        />
        <div>
          <label for="filter-expiring">Expiring within (days)</label>
          <input id="filter-expiring" name="expiring" type="number" min={1} max={366} value={v.expiring} />
        </div>
      </div>
      {v.account ? (
        <p class="small">
          <input type="hidden" name="account" value={v.account} />
          Only the account <a href={`/operator/accounts/${v.account}`}>
            {props.accountName ?? v.account}
          </a> · <a href={pageHref('/operator/connections', { ...v, account: '' })}>all accounts</a>
        </p>
      ) : null}
      <p class="actions">
        <button type="submit">Search</button>
        <a class="button" style="background:#fff;border-color:#aab2bd" href="/operator/connections">
          Clear
        </a>
      </p>
    </form>
  );
}

/** One connection: name (link to its page), seller id, account, API, region, health, expiry. */
function Row(props: { row: OperatorConnectionRow; showAccount: boolean }) {
  const { connection: c, accountName, applicationName } = props.row;
  return (
    <tr
      data-connection={c.id}
      data-lifecycle={c.health.lifecycle}
      data-health={c.health.state}
      data-region={c.region}
      data-api={c.api}
    >
      <td>
        <a href={connectionPath(c)}>{connectionName(c)}</a>
        {applicationName ? <div class="small">{applicationName}</div> : null}
      </td>
      <td data-field="seller">
        {c.api === 'ads' ? <span class="small">—</span> : <code>{c.sellingPartnerId}</code>}
      </td>
      {props.showAccount ? (
        <td data-field="account">
          <a href={`/operator/accounts/${c.accountId}`}>{accountName}</a>
        </td>
      ) : null}
      <td>{c.api === 'ads' ? 'Amazon Ads' : 'SP-API'}</td>
      <td>{c.region}</td>
      <td data-field="state">
        <span class={`badge ${c.health.tone}`}>{c.health.label}</span>
        <div class="small">{c.health.lifecycle}</div>
      </td>
      <td data-field="expires">{c.expiresAt ? formatDate(c.expiresAt) : 'does not expire'}</td>
    </tr>
  );
}

/** The table of a page of connections (also on an account's page, without the account column). */
export function ConnectionTable(props: { rows: OperatorConnectionRow[]; showAccount?: boolean }) {
  const showAccount = props.showAccount ?? true;
  return (
    <table data-table="connections">
      <thead>
        <tr>
          <th>Connection</th>
          <th>Seller id</th>
          {showAccount ? <th>Account</th> : null}
          <th>API</th>
          <th>Region</th>
          <th>State</th>
          <th>Expires</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((row) => (
          <Row row={row} showAccount={showAccount} />
        ))}
      </tbody>
    </table>
  );
}

export interface OperatorConnectionsProps {
  user: SessionUser;
  sandbox: string | null;
  values: ConnectionFilterValues;
  /** The page, or null when the filters were refused. */
  page: OperatorConnectionPage | null;
  /** The account the list is limited to (its name), when `values.account` is set. */
  accountName: string | null;
  error?: { message: string; field: string | null } | null;
}

/** `GET /operator/connections` (operators only). */
export function OperatorConnectionsPage(props: OperatorConnectionsProps) {
  const { page, values } = props;
  return (
    <Layout title="All connections" user={props.user} sandbox={props.sandbox}>
      <h1>All connections</h1>
      <p class="small">
        Every account's connections, both APIs, newest first. The search matches the start of a seller id,
        store name or account name (any case), or a whole connection or account id.
      </p>
      <FilterForm values={values} accountName={props.accountName} />
      {props.error ? (
        <p class="banner bad" role="alert" data-field={props.error.field ?? ''}>
          {props.error.message}
        </p>
      ) : null}
      {page ? (
        <>
          <p data-range="connections">
            <strong>{rangeText(page, 'connections')}</strong>
          </p>
          {page.rows.length ? <ConnectionTable rows={page.rows} /> : null}
          <Pager path="/operator/connections" filters={{ ...values }} page={page} />
        </>
      ) : null}
    </Layout>
  );
}
