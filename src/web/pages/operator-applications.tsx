import type { SessionUser } from '../../accounts/service.js';
import { applicationState, type Application } from '../../lifecycle/applications.js';
import { formatDate, formatDateTime } from '../format.js';
import { Layout } from './layout.js';
import { dayCount } from '../../kernel/plural.js';

/**
 * The operators' applications page: every application of both APIs (SP-API apps with their client
 * secret's expiry and rotation, Amazon Ads security profiles, whose secret rotation is not tracked:
 * whether Amazon's 180-day rule applies to them is unconfirmed), and the form that adds an Amazon
 * Ads security profile. The client secret is never shown, nor sent back into the form.
 * @see https://advertising.amazon.com/API/docs/en-us/guides/onboarding/create-lwa-app
 */

const DAY_MS = 86_400_000;
/** What an Ads security profile's secret status says. */
export const ADS_SECRET_NOT_TRACKED = 'not tracked';

/** The form's values sent back after a refusal (never the secret). */
export interface AdsFormValues {
  name: string;
  clientId: string;
}

export interface OperatorApplicationsProps {
  user: SessionUser;
  applications: Application[];
  now: number;
  /** Where Amazon returns after an Ads consent: the security profile's Allowed Return URL. */
  adsReturnUrl: string;
  sandbox: string | null;
  /** Whether "Rotate secret now" is offered (the service can ask Amazon for a new SP-API secret). */
  canRotate?: boolean;
  notice?: string | null;
  error?: { message: string; field: string | null } | null;
  values?: AdsFormValues;
}

/** A badge and the words under it. */
interface StatusView {
  tone: 'good' | 'warn' | 'bad' | 'muted';
  label: string;
  detail: string | null;
}

/** In `n` days, or `n` days ago. */
function relativeDays(at: Date, now: number): string {
  const days = Math.ceil((at.getTime() - now) / DAY_MS);
  return days < 0 ? `${dayCount(-days)} ago` : `in ${dayCount(days)}`;
}

/** An SP-API app's credentials: valid, secret expiring, rotating or refused (lifecycle's applicationState). */
function spApiStatus(app: Application, now: number): StatusView {
  const expires = `secret expires ${formatDate(app.clientSecretExpiresAt)} (${relativeDays(app.clientSecretExpiresAt, now)})`;
  const failed =
    app.rotation.state === 'failed' && app.rotation.lastError
      ? `; the last rotation attempt failed (${app.rotation.lastError}), retried ${app.rotation.nextAt ? formatDateTime(app.rotation.nextAt) : 'later'}`
      : '';
  switch (applicationState(app, now)) {
    case 'rejected':
      return {
        tone: 'bad',
        label: 'Refused by Amazon',
        detail: `since ${formatDateTime(app.flaggedAt)}: ${app.flaggedReason ?? 'invalid client'}`,
      };
    case 'rotating':
      return { tone: 'warn', label: 'Rotating', detail: `waiting for Amazon's new secret; ${expires}` };
    case 'secret_expiring':
      return { tone: 'warn', label: 'Secret expiring', detail: `${expires}${failed}` };
    case 'valid':
      return { tone: 'good', label: 'Valid', detail: `${expires}${failed}` };
  }
}

/** An Ads security profile: its secret is not tracked; refused when Amazon refused it. */
function adsStatus(app: Application): StatusView {
  if (app.flaggedAt) {
    return {
      tone: 'bad',
      label: 'Refused by Amazon',
      detail: `since ${formatDateTime(app.flaggedAt)}: ${app.flaggedReason ?? 'invalid client'}`,
    };
  }
  return {
    tone: 'muted',
    label: ADS_SECRET_NOT_TRACKED,
    detail: 'secret rotation: not tracked (unconfirmed for Ads)',
  };
}

function ApplicationRow(props: { app: Application; now: number }) {
  const { app } = props;
  const status = app.api === 'ads' ? adsStatus(app) : spApiStatus(app, props.now);
  return (
    <tr data-application={app.id} data-api={app.api === 'ads' ? 'ads' : 'sp-api'}>
      <td>
        {app.name}
        {app.api === 'ads' ? null : (
          <div class="small">
            {app.appId} · {app.status}, {app.kind}
          </div>
        )}
      </td>
      <td>{app.api === 'ads' ? 'Amazon Ads' : 'SP-API'}</td>
      <td>
        <code>{app.clientId}</code>
      </td>
      <td>{formatDate(app.clientSecretIssuedAt)}</td>
      <td data-status>
        <span class={`badge ${status.tone}`}>{status.label}</span>
        {status.detail ? <div class="small">{status.detail}</div> : null}
        {app.previousSecretExpiresAt ? (
          <div class="small">
            the rotated-out secret is kept until {formatDateTime(app.previousSecretExpiresAt)}
          </div>
        ) : null}
      </td>
    </tr>
  );
}

/** The "Add an Amazon Ads security profile" form; the secret field always starts empty. */
function AdsForm(props: { csrf: string; returnUrl: string; values: AdsFormValues | undefined }) {
  return (
    <form method="post" action="/operator/applications" class="card" id="add-ads">
      <h2 style="margin-top:0">Add an Amazon Ads security profile</h2>
      <p class="small">
        Create a separate Login with Amazon security profile for the Ads API, add{' '}
        <code>{props.returnUrl}</code> to its Allowed Return URLs, and have Amazon approve its client id for
        the Ads API. A client id registered already gets the new name and secret.
      </p>
      <input type="hidden" name="_csrf" value={props.csrf} />
      <label for="ads-name">Name (shown to operators)</label>
      <input id="ads-name" name="name" maxlength={200} required value={props.values?.name ?? ''} />
      <label for="ads-client-id">Client id</label>
      <input
        id="ads-client-id"
        name="clientId"
        maxlength={200}
        required
        placeholder="amzn1.application-oa2-client.…"
        value={props.values?.clientId ?? ''}
      />
      <label for="ads-client-secret">Client secret</label>
      <input
        id="ads-client-secret"
        name="clientSecret"
        type="password"
        maxlength={4096}
        required
        autocomplete="off"
        value=""
      />
      <p class="small">The secret is sealed in the vault at once and never shown again.</p>
      <p>
        <button type="submit">Add security profile</button>
      </p>
    </form>
  );
}

/**
 * "Rotate secret now" for an SP-API app: asks Amazon for a new client secret at once, instead of
 * waiting for the automatic rotation ahead of the 180-day expiry.
 * @see https://developer-docs.amazon.com/sp-api/docs/rotate-your-application-client-secret
 */
function RotateForm(props: { csrf: string; apps: Application[] }) {
  if (props.apps.length === 0) return null;
  return (
    <form method="post" action="/operator/applications/rotate" class="card" id="rotate-secret">
      <h2 style="margin-top:0">Rotate an SP-API client secret now</h2>
      <p class="small">
        Amazon issues a new client secret and sends it as the APPLICATION_OAUTH_CLIENT_NEW_SECRET
        notification; Sellerlink verifies it before using it, and the old one keeps working until Amazon
        retires it. Without this, secrets are rotated automatically ahead of their 180-day expiry.
      </p>
      <input type="hidden" name="_csrf" value={props.csrf} />
      <label for="rotate-application">Application</label>
      <select id="rotate-application" name="application">
        {props.apps.map((app) => (
          <option value={app.id}>
            {app.name} ({app.appId})
          </option>
        ))}
      </select>
      <p>
        <button type="submit">Rotate secret now</button>
      </p>
    </form>
  );
}

/** `GET /operator/applications` (operators only). */
export function OperatorApplicationsPage(props: OperatorApplicationsProps) {
  return (
    <Layout title="Applications" user={props.user} sandbox={props.sandbox}>
      <h1>Applications</h1>
      <p>
        The vendor's SP-API applications and Amazon Ads security profiles. Client secrets are sealed and never
        shown. SP-API apps are managed with <code>sellerlink applications</code>.
      </p>
      {props.notice ? <p class="banner good">{props.notice}</p> : null}
      {props.error ? (
        <p class="banner bad" role="alert" data-field={props.error.field ?? ''}>
          {props.error.message}
        </p>
      ) : null}
      {props.applications.length === 0 ? (
        <p>No applications yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>API</th>
              <th>Client id</th>
              <th>Secret issued</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {props.applications.map((app) => (
              <ApplicationRow app={app} now={props.now} />
            ))}
          </tbody>
        </table>
      )}
      <p />
      <AdsForm csrf={props.user.csrfToken} returnUrl={props.adsReturnUrl} values={props.values} />
      {props.canRotate ? (
        <RotateForm csrf={props.user.csrfToken} apps={props.applications.filter((a) => a.api !== 'ads')} />
      ) : null}
    </Layout>
  );
}
