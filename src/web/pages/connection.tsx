import type { SessionUser } from '../../accounts/service.js';
import { REGION_NAMES, marketplaceById } from '../../amazon/regions.js';
import type { AuditRecord } from '../../connections/audit.js';
import type { Connection } from '../../connections/repository.js';
import { connectionName, formatDateTime } from '../format.js';
import { Layout } from './layout.js';
import { RenewAction } from './renew-button.js';

/** Who acts, in words, for each health action. */
const actionWords: Record<Connection['health']['action'], string> = {
  none: 'Nothing to do.',
  renew: 'Your action:',
  connect: 'Your action:',
  operator: 'The operator acts:',
  wait: 'Sellerlink retries:',
};

/** One connection: its facts, actions, and audit trail. */
export function ConnectionPage(props: {
  user: SessionUser;
  connection: Connection;
  applicationName: string;
  history: AuditRecord[];
  notice?: string | null;
  sandbox: string | null;
}) {
  const c = props.connection;
  const csrf = props.user.csrfToken;
  return (
    <Layout
      title={`${connectionName(c)} · ${REGION_NAMES[c.region]}`}
      user={props.user}
      sandbox={props.sandbox}
    >
      <p>
        <a href="/connections">← All connections</a>
      </p>
      <h1>
        {connectionName(c)} · {REGION_NAMES[c.region]}
      </h1>
      {c.storeName ? (
        <p class="small" data-seller-id style="margin-top:-.6rem">
          Seller id {c.sellingPartnerId}
        </p>
      ) : null}
      {props.notice ? <p class="banner good">{props.notice}</p> : null}
      <p>
        <a href={`/connections/${c.id}/analytics`} data-analytics-link>
          Analytics: sales, traffic and settlement reports →
        </a>
      </p>
      {c.claim.review ? (
        <p class="banner warn" data-claim-review>
          Operator review: {c.claim.review} Sellerlink’s operators have been told; nothing is blocked
          meanwhile.
        </p>
      ) : null}
      <div class="card" data-connection={c.id} data-state={c.health.lifecycle} data-health={c.health.state}>
        <p>
          <span class={`badge ${c.health.tone}`} data-status>
            {c.health.label}
          </span>{' '}
          <span data-reason>{c.health.reason}</span>
        </p>
        <p data-advice>
          <strong>{actionWords[c.health.action]}</strong> {c.health.advice}
          {c.health.deadline ? ` Deadline: ${formatDateTime(c.health.deadline)}.` : ''}
        </p>
        <table>
          <tbody>
            <tr>
              <th>Application</th>
              <td>
                {props.applicationName}
                {c.kind === 'self' ? ' (self-authorized)' : ''}
              </td>
            </tr>
            <tr>
              <th>Store</th>
              <td>{c.storeName ?? '—'}</td>
            </tr>
            <tr>
              <th>Seller id</th>
              <td data-claim={c.claim.status}>
                <code>{c.sellingPartnerId}</code>{' '}
                {c.claim.status === 'confirmed'
                  ? `Confirmed by Amazon (${formatDateTime(c.claim.checkedAt)})`
                  : c.claim.status === 'unconfirmed'
                    ? `Not confirmed by Amazon: ${c.claim.note ?? 'Amazon did not answer'} Checked again at the next renewal.`
                    : 'Not checked (connected before Sellerlink checked seller ids); checked at the next renewal.'}
              </td>
            </tr>
            <tr>
              <th>Marketplaces</th>
              <td>
                {c.marketplaceIds.map((id) => `${marketplaceById(id)?.name ?? id} (${id})`).join(', ') ||
                  'not known yet'}
              </td>
            </tr>
            <tr>
              <th>Authorized on</th>
              <td data-authorized>{formatDateTime(c.authorizedAt)}</td>
            </tr>
            <tr>
              <th>Expires on</th>
              <td data-expires>{c.expiresAt ? formatDateTime(c.expiresAt) : 'Does not expire'}</td>
            </tr>
            <tr>
              <th>Last successful call</th>
              <td>{formatDateTime(c.lastSuccessAt)}</td>
            </tr>
            <tr>
              <th>Last error</th>
              <td>{c.lastError ? `${c.lastError.message} (${formatDateTime(c.lastError.at)})` : '—'}</td>
            </tr>
          </tbody>
        </table>
        <div class="actions" style="margin-top:1rem">
          <RenewAction connection={c} csrf={csrf} />
          {c.state !== 'disconnected' ? (
            <form method="get" action={`/connections/${c.id}/disconnect`}>
              <button type="submit" class="danger" data-disconnect={c.id}>
                Disconnect…
              </button>
            </form>
          ) : null}
        </div>
      </div>
      <h2>History</h2>
      <table>
        <thead>
          <tr>
            <th>When</th>
            <th>Who</th>
            <th>What</th>
            <th>Result</th>
            <th>From</th>
          </tr>
        </thead>
        <tbody>
          {props.history.map((h) => (
            <tr data-audit={h.action}>
              <td>{formatDateTime(h.at)}</td>
              <td>{h.actor}</td>
              <td>
                {h.action}
                {typeof h.detail.reason === 'string' ? `: ${h.detail.reason}` : ''}
              </td>
              <td>{h.outcome}</td>
              <td>{h.ip ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="small">
        Dates are in UTC. Authorizations last{' '}
        {c.kind === 'oauth' ? '365 days (Amazon’s rule for public apps)' : 'as configured for this app'}.
      </p>
    </Layout>
  );
}

/**
 * The confirmation step before Disconnect deletes the stored token: says what happens, and posts
 * `confirm=yes` with the form token. Without that field the POST changes nothing and shows this page.
 */
export function DisconnectPage(props: {
  user: SessionUser;
  connection: Connection;
  applicationName: string;
  sandbox: string | null;
}) {
  const c = props.connection;
  const name = `${c.storeName ? `${c.storeName} (${c.sellingPartnerId})` : c.sellingPartnerId} · ${REGION_NAMES[c.region]}`;
  return (
    <Layout title={`Disconnect ${connectionName(c)}?`} user={props.user} sandbox={props.sandbox}>
      <p>
        <a href={`/connections/${c.id}`}>← Back to the connection</a>
      </p>
      <h1>Disconnect {name}?</h1>
      <div class="card" data-confirm-disconnect={c.id}>
        <p>
          Sellerlink deletes this connection's stored refresh token at once. It then stops importing orders
          and sending listing changes for this seller (unsent changes wait); to start again, the seller must
          connect and consent on Amazon again.
        </p>
        <p>
          This does not remove the authorization on Amazon's side: the seller removes{' '}
          <strong>{props.applicationName}</strong> in Seller Central → Settings → User Permissions / Manage
          Your Apps.
        </p>
        <div class="actions">
          <form method="post" action={`/connections/${c.id}/disconnect`}>
            <input type="hidden" name="_csrf" value={props.user.csrfToken} />
            <input type="hidden" name="confirm" value="yes" />
            <button type="submit" class="danger" data-confirm-disconnect-button>
              Yes, disconnect
            </button>
          </form>
          <a class="button" href={`/connections/${c.id}`}>
            Cancel
          </a>
        </div>
      </div>
    </Layout>
  );
}
