import type { SessionUser } from '../../accounts/service.js';
import { REGION_NAMES, REGIONS, marketplaceById } from '../../amazon/regions.js';
import type { Account } from '../../accounts/service.js';
import type { Connection } from '../../connections/repository.js';
import { connectionName, connectionNameInRegion, formatDate, formatDateTime } from '../format.js';
import { AdsSection, type AdsRow } from './ads.js';
import { Layout } from './layout.js';
import { RenewAction } from './renew-button.js';
import { expiryLevel } from '../../notify/banners.js';
import { AlertBanner, worstLevel } from './notification-banners.js';

export interface ConnectionRow {
  connection: Connection;
  applicationName: string;
  accountName?: string;
}

/** Marketplace ids as country codes: "US, CA, MX". */
function marketplaces(ids: string[]): string {
  if (ids.length === 0) return 'not known yet';
  return ids.map((id) => marketplaceById(id)?.country ?? id).join(', ');
}

/**
 * The status page: the connections with their state, dates, last call, last error, and actions, a
 * page at a time (`next`: the next page's link); the banners over every connection needing attention.
 */
export function ConnectionsPage(props: {
  user: SessionUser;
  rows: ConnectionRow[];
  /** The connections the banners are about (default `rows`: one page holds them all). */
  attention?: ConnectionRow[];
  /** The next page's link, or null on the last page. */
  next?: string | null;
  /** Not the first page (it links back to the first). */
  paged?: boolean;
  notice?: string | null;
  sandbox: string | null;
  canConnect: boolean;
  accounts?: Account[];
  /** Amazon Ads connections (marketing), shown in their own section. */
  adsRows?: AdsRow[];
  canConnectAds?: boolean;
}) {
  const health = (r: ConnectionRow) => r.connection.health;
  // Store names from Amazon often end with the region already: "Demo Outdoor Goods (EU)".
  const who = (r: ConnectionRow) => connectionNameInRegion(r.connection);
  const attention = props.attention ?? props.rows;
  const expiringSoon = attention.filter((r) => health(r).state === 'renew_needed' && health(r).canCallAmazon);
  const broken = attention.filter((r) => health(r).state === 'renew_needed' && !health(r).canCallAmazon);
  const cutOff = attention.filter((r) => health(r).state === 'app_rejected');
  const paused = attention.filter((r) => health(r).state === 'paused_by_amazon');
  const cutOffApps = [...new Set(cutOff.map((r) => r.applicationName))];
  const csrf = props.user.csrfToken;
  // An account's regions that already have a connection: their Connect buttons step back (operators
  // connect for any account, so theirs stay as they are).
  const connected = new Set(
    props.accounts
      ? []
      : props.rows.filter((r) => health(r).lifecycle !== 'disconnected').map((r) => r.connection.region),
  );
  const allConnected = REGIONS.every((region) => connected.has(region));
  return (
    <Layout title="Connections" user={props.user} sandbox={props.sandbox}>
      <h1>Amazon connections</h1>
      {props.notice ? <p class="banner good">{props.notice}</p> : null}
      {cutOff.length ? (
        <AlertBanner level="danger" group="app_rejected">
          Amazon refuses the credentials of the app {cutOffApps.map((n) => `"${n}"`).join(', ')}:{' '}
          {cutOff.length === 1 ? '1 connection is' : `${cutOff.length} connections are`} cut off (
          {cutOff.map(who).join(', ')}). Nothing is asked of you: the operator has been alerted, and orders
          and listing changes catch up by themselves once it is fixed.
        </AlertBanner>
      ) : null}
      {broken.length ? (
        <AlertBanner level="danger" group="broken">
          {broken.length === 1 ? '1 connection needs' : `${broken.length} connections need`} renewal now:
          orders and listings for {broken.map(who).join(', ')} are paused until renewed.
        </AlertBanner>
      ) : null}
      {paused.length ? (
        <AlertBanner level="info" group="paused_by_amazon">
          Amazon is throttling or failing for {paused.map(who).join(', ')}; Sellerlink retries by itself.
          Nothing to do.
        </AlertBanner>
      ) : null}
      {expiringSoon.length ? (
        <AlertBanner
          level={worstLevel(expiringSoon.map((r) => expiryLevel(health(r).daysLeft ?? 0)))}
          group="expiring"
        >
          {expiringSoon.length === 1 ? '1 connection expires' : `${expiringSoon.length} connections expire`}{' '}
          within 30 days:{' '}
          {expiringSoon
            .map((r) => {
              const left = health(r).daysLeft ?? 0;
              return `${who(r)} in ${left} ${left === 1 ? 'day' : 'days'}`;
            })
            .join(', ')}
          . Renew to keep orders and listings flowing.
        </AlertBanner>
      ) : null}

      {props.canConnect ? (
        <div class="card">
          <div class="actions">
            {REGIONS.map((region) => (
              <form method="post" action="/connections/connect">
                <input type="hidden" name="_csrf" value={csrf} />
                <input type="hidden" name="region" value={region} />
                {props.accounts ? (
                  <select
                    name="accountId"
                    aria-label={`Account for ${REGION_NAMES[region]}`}
                    style="width:auto;margin-right:.3rem"
                  >
                    {props.accounts.map((a) => (
                      <option value={a.id}>{a.name}</option>
                    ))}
                  </select>
                ) : null}
                <button
                  type="submit"
                  data-connect={region}
                  {...(connected.has(region) ? { class: 'secondary quiet', 'data-connected': '' } : {})}
                >
                  Connect Amazon {REGION_NAMES[region]}
                </button>
              </form>
            ))}
            <a class="button secondary quiet" href="/connections/import">
              Import a self-authorized token
            </a>
          </div>
          <p class="small" data-connect-help>
            {allConnected
              ? 'Every region is connected. Connect again only to add another seller account; renewing is done with each connection’s Renew.'
              : 'Each button opens Amazon Seller Central for that region: sign in with the seller account, confirm, and you come straight back here.'}
          </p>
        </div>
      ) : null}

      {props.rows.length === 0 && !props.paged ? (
        <p>No connections yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Region / seller</th>
              <th>Marketplaces</th>
              <th>Status</th>
              <th>Authorized</th>
              <th>Expires</th>
              <th>Last successful call</th>
              <th>Last error</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {props.rows.map(({ connection: c, applicationName, accountName }) => (
              <tr
                data-connection={c.id}
                data-region={c.region}
                data-state={c.health.lifecycle}
                data-health={c.health.state}
              >
                <td>
                  <strong>{REGION_NAMES[c.region]}</strong>
                  <br />
                  <a href={`/connections/${c.id}`}>{connectionName(c)}</a>
                  {c.storeName ? <div class="small">Seller id {c.sellingPartnerId}</div> : null}
                  <div class="small">
                    {applicationName}
                    {c.kind === 'self' ? ' · self-authorized' : ''}
                    {accountName ? ` · ${accountName}` : ''}
                  </div>
                </td>
                <td>{marketplaces(c.marketplaceIds)}</td>
                <td>
                  <span class={`badge ${c.health.tone}`} data-status>
                    {c.health.label}
                  </span>
                  <div class="small" style="max-width:16rem" data-reason>
                    {c.health.state === 'working' ? c.health.reason : `${c.health.reason} ${c.health.advice}`}
                  </div>
                </td>
                <td data-authorized>{formatDate(c.authorizedAt)}</td>
                <td data-expires>{c.expiresAt ? formatDate(c.expiresAt) : 'Does not expire'}</td>
                <td>{formatDateTime(c.lastSuccessAt)}</td>
                <td>{c.lastError ? <span class="error-text">{c.lastError.message}</span> : '—'}</td>
                <td>
                  <div class="actions">
                    <RenewAction connection={c} csrf={csrf} showImport compact />
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {props.next || props.paged ? (
        <p class="actions" data-pages>
          {props.paged ? (
            <a class="button" rel="first" href="/connections">
              First page
            </a>
          ) : null}
          {props.next ? (
            <a class="button" rel="next" href={props.next}>
              Next page
            </a>
          ) : null}
        </p>
      ) : null}
      {props.adsRows && (props.canConnectAds || props.adsRows.length > 0) ? (
        <AdsSection rows={props.adsRows} csrf={csrf} canConnect={props.canConnectAds ?? false} />
      ) : null}
    </Layout>
  );
}
