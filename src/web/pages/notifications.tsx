import type { Account, SessionUser } from '../../accounts/service.js';
import { EVENT_TYPES, type EventType } from '../../events/events.js';
import type { NotificationSettings, WebhookEndpoint } from '../../notify/settings.js';
import { formatDateTime } from '../format.js';
import { Layout } from './layout.js';

/** Plain words for each event type, as the settings show them. */
export const EVENT_LABELS: Record<EventType, string> = {
  'connection.connected': 'A connection was added',
  'connection.renewed': 'A connection was renewed',
  'connection.disconnected': 'A connection was disconnected',
  'connection.expiring': 'An authorization ends soon (30, 14, 7, 3 and 1 days before)',
  'connection.expired': 'An authorization has ended',
  'connection.revoked': 'Amazon revoked an authorization',
  'connection.error': 'A connection keeps failing',
  'connection.claim_review': 'A seller claim needs review or was refused (operators)',
  'application.rejected': "Amazon rejected the app's credentials (connections through it are cut off)",
  'application.recovered': "Amazon accepts the app's credentials again",
  'application.rotation_failed': 'Automatic client-secret rotation cannot succeed (operators)',
  'application.secret_expiring': "The app's client secret expires soon (operators)",
  'application.secret_rotated': "The app's client secret was rotated (operators)",
  'order.upserted': 'An order arrived or changed',
  'listing.accepted': 'Amazon accepted a listing change',
  'listing.rejected': 'Amazon rejected a listing change',
  'connect_session.completed': 'A seller finished a connect link (connected, renewed, cancelled or failed)',
  'webhook.test': 'A test event (sent to one endpoint on request)',
};

/** The types one can choose: not the test event, which goes only where it is asked for. */
const CHOOSABLE: readonly EventType[] = EVENT_TYPES.filter((t) => t !== 'webhook.test');

function EventCheckboxes(props: { name: string; checked: readonly EventType[]; disabled: boolean }) {
  return (
    <div>
      {CHOOSABLE.map((t) => (
        <label style="font-weight:400;margin:.15rem 0">
          <input
            type="checkbox"
            name={props.name}
            value={t}
            checked={props.checked.includes(t)}
            disabled={props.disabled}
            style="width:auto;margin-right:.4rem"
          />
          {EVENT_LABELS[t]} <code class="small">{t}</code>
        </label>
      ))}
    </div>
  );
}

/** Notification settings: who is e-mailed about what, and the scope's webhook endpoints. */
export function NotificationsPage(props: {
  user: SessionUser;
  sandbox: string | null;
  settings: NotificationSettings;
  endpoints: WebhookEndpoint[];
  emailEnabled: boolean;
  accounts?: Account[];
  notice?: string | null;
  error?: string | null;
  created?: { endpoint: WebhookEndpoint; secret: string } | null;
  /** What was typed in the adding form when it was refused (kept, with `error`). */
  draft?: { url: string; description: string; eventTypes: string[] } | null;
}) {
  const draft = props.draft ?? { url: '', description: '', eventTypes: [] };
  const csrf = props.user.csrfToken;
  const canEdit = props.user.role !== 'member';
  const s = props.settings;
  const scopeParam = props.user.role === 'operator' ? `?scope=${encodeURIComponent(s.scope)}` : '';
  const scopeName =
    s.scope === 'operators'
      ? 'Operators'
      : (props.accounts?.find((a) => a.id === s.scope)?.name ?? 'This account');
  return (
    <Layout title="Notifications" user={props.user} sandbox={props.sandbox}>
      <h1>Notifications</h1>
      <p>
        Sellerlink warns by e-mail and webhook before an Amazon authorization ends, when one is revoked, and
        about the other events chosen below. The{' '}
        <a href={`/notifications/deliveries${scopeParam}`}>delivery log</a> shows every message sent and lets
        you send one again.
      </p>
      {props.user.role === 'operator' ? (
        <form method="get" action="/notifications" class="actions" style="margin-bottom:1rem">
          <select name="scope" aria-label="Settings of" style="max-width:20rem">
            <option value="operators" selected={s.scope === 'operators'}>
              Operators (application alerts)
            </option>
            {(props.accounts ?? []).map((a) => (
              <option value={a.id} selected={s.scope === a.id}>
                {a.name}
              </option>
            ))}
          </select>
          <button type="submit" class="secondary">
            Show
          </button>
        </form>
      ) : null}
      {props.notice ? <p class="banner good">{props.notice}</p> : null}
      {props.error ? (
        <p class="banner bad" role="alert">
          {props.error}
        </p>
      ) : null}
      {props.created ? (
        <div class="banner warn" id="endpoint-secret" data-created-endpoint={props.created.endpoint.id}>
          <p style="margin-top:0">
            <strong>Copy the signing secret now: it is shown only this once.</strong>
          </p>
          <p>
            <code data-webhook-secret>{props.created.secret}</code>
          </p>
          <p class="small" style="margin-bottom:0">
            Each request carries <code>Sellerlink-Signature: t=&lt;unix time&gt;,v1=&lt;hex&gt;</code>: the
            HMAC-SHA256 of <code>t + "." + raw body</code> with this secret. Check it, and that <code>t</code>{' '}
            is recent, before trusting the body; see docs/notifications.md.
          </p>
        </div>
      ) : null}

      <form method="post" action="/notifications/settings" class="card" data-settings={s.scope}>
        <h2 style="margin-top:0">E-mail ({scopeName})</h2>
        {props.emailEnabled ? null : (
          <p class="banner warn small">
            E-mail is not configured on this server (SMTP_URL), so none is sent; webhooks still are.
          </p>
        )}
        {s.isDefault ? (
          <p class="small">
            Not saved yet:{' '}
            {s.scope === 'operators' ? "operators' addresses" : "the account owners' addresses"} get the
            default events.
          </p>
        ) : (
          <p class="small">
            Saved {formatDateTime(s.updatedAt)}
            {s.updatedBy ? ` by ${s.updatedBy}` : ''}.
          </p>
        )}
        <input type="hidden" name="_csrf" value={csrf} />
        <input type="hidden" name="scope" value={s.scope} />
        <label style="font-weight:400">
          <input
            type="checkbox"
            name="emailEnabled"
            value="on"
            checked={s.emailEnabled}
            disabled={!canEdit}
            style="width:auto;margin-right:.4rem"
          />
          Send e-mail
        </label>
        <label for="recipients">Recipients (one address per line)</label>
        <textarea id="recipients" name="recipients" rows={3} disabled={!canEdit}>
          {s.recipients.join('\n')}
        </textarea>
        <label>Events</label>
        <EventCheckboxes name="eventTypes" checked={s.eventTypes} disabled={!canEdit} />
        <fieldset style="border:0;padding:0;margin:.8rem 0 0">
          <legend style="font-weight:600">How expiry reminders are e-mailed</legend>
          <label style="font-weight:400;margin:.15rem 0">
            <input
              type="radio"
              name="emailMode"
              value="each"
              checked={s.emailMode !== 'digest'}
              disabled={!canEdit}
              style="width:auto;margin-right:.4rem"
            />
            One e-mail per event
          </label>
          <label style="font-weight:400;margin:.15rem 0">
            <input
              type="radio"
              name="emailMode"
              value="digest"
              checked={s.emailMode === 'digest'}
              disabled={!canEdit}
              style="width:auto;margin-right:.4rem"
            />
            A daily digest: one e-mail a day (after midnight UTC) with that day's reminders of every
            connection
          </label>
          <p class="small" style="margin:.2rem 0 0">
            The last reminder (one day before) and problems that need action now (ended, revoked, rejected
            credentials) are always sent at once. Webhooks are always sent per event.
          </p>
        </fieldset>
        {canEdit ? (
          <p>
            <button type="submit">Save e-mail settings</button>
          </p>
        ) : (
          <p class="small">Only the account's owners change these settings.</p>
        )}
      </form>

      <div class="card">
        <h2 style="margin-top:0">Webhooks ({scopeName})</h2>
        {props.endpoints.length === 0 ? (
          <p>No webhook endpoints.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>URL</th>
                <th>Events</th>
                <th>Added</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {props.endpoints.map((e) => (
                <tr data-endpoint-id={e.id}>
                  <td>
                    <code>{e.url}</code>
                    {e.description ? <div class="small">{e.description}</div> : null}
                  </td>
                  <td class="small">{e.eventTypes.length === 0 ? 'all' : e.eventTypes.join(', ')}</td>
                  <td class="small">
                    {formatDateTime(e.createdAt)}
                    <div>by {e.createdBy}</div>
                  </td>
                  <td>
                    <div class="actions">
                      <a class="button" href={`/notifications/deliveries?endpoint=${e.id}`}>
                        Deliveries
                      </a>
                      <form method="post" action={`/notifications/webhooks/${e.id}/test`}>
                        <input type="hidden" name="_csrf" value={csrf} />
                        <button type="submit" class="secondary" data-test-endpoint={e.id}>
                          Send a test event
                        </button>
                      </form>
                      {canEdit ? (
                        <form method="post" action={`/notifications/webhooks/${e.id}/delete`}>
                          <input type="hidden" name="_csrf" value={csrf} />
                          <button type="submit" class="danger">
                            Delete
                          </button>
                        </form>
                      ) : null}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {canEdit ? (
          <form method="post" action="/notifications/webhooks">
            <h3>Add an endpoint</h3>
            <input type="hidden" name="_csrf" value={csrf} />
            <input type="hidden" name="scope" value={s.scope} />
            <label for="url">URL</label>
            <input
              id="url"
              name="url"
              type="url"
              required
              value={draft.url}
              aria-invalid={props.error && props.draft ? 'true' : undefined}
              placeholder="https://erp.example.com/hooks/sellerlink"
            />
            <p class="small">
              Public hosts only: addresses on loopback, private, link-local or cloud-metadata networks are
              refused, also when a name resolves to one at delivery time. Redirects are not followed.
              {props.sandbox
                ? ' Sandbox mode also allows this machine and private networks, unless WEBHOOK_ALLOW_PRIVATE=false.'
                : ''}
            </p>
            <label for="description">Description (optional)</label>
            <input id="description" name="description" maxlength={200} value={draft.description} />
            <label>Events (none ticked: every event)</label>
            <EventCheckboxes
              name="eventTypes"
              checked={draft.eventTypes.filter((t): t is EventType => CHOOSABLE.includes(t as EventType))}
              disabled={false}
            />
            <p>
              <button type="submit">Add endpoint</button>
            </p>
          </form>
        ) : null}
      </div>
    </Layout>
  );
}
