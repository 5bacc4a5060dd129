import type { SessionUser } from '../../accounts/service.js';
import type { Delivery } from '../../notify/delivery.js';
import { formatDateTime } from '../format.js';
import { Layout } from './layout.js';

const TONE = { delivered: 'good', pending: 'warn', failed: 'bad', held: 'muted', digested: 'good' } as const;

/** The delivery log: each e-mail and webhook call, its attempts and outcome, with redelivery. */
export function DeliveriesPage(props: {
  user: SessionUser;
  sandbox: string | null;
  deliveries: Delivery[];
  notice?: string | null;
  filter: { status?: string; channel?: string; endpoint?: string; scope?: string };
}) {
  const csrf = props.user.csrfToken;
  const canRedeliver = props.user.role !== 'member';
  const f = props.filter;
  return (
    <Layout title="Delivery log" user={props.user} sandbox={props.sandbox}>
      <h1>Delivery log</h1>
      <p>
        Every notification Sellerlink sent or is sending. Failed webhook calls are retried with growing delays
        for 24 hours. <a href="/notifications">Notification settings</a>
      </p>
      {props.notice ? <p class="banner good">{props.notice}</p> : null}
      <form method="get" action="/notifications/deliveries" class="actions" style="margin-bottom:1rem">
        {f.scope ? <input type="hidden" name="scope" value={f.scope} /> : null}
        {f.endpoint ? <input type="hidden" name="endpoint" value={f.endpoint} /> : null}
        <select name="status" aria-label="Status" style="max-width:12rem">
          <option value="">Any status</option>
          {['pending', 'delivered', 'failed', 'held', 'digested'].map((s) => (
            <option value={s} selected={f.status === s}>
              {s}
            </option>
          ))}
        </select>
        <select name="channel" aria-label="Channel" style="max-width:12rem">
          <option value="">E-mail and webhooks</option>
          <option value="email" selected={f.channel === 'email'}>
            E-mail
          </option>
          <option value="webhook" selected={f.channel === 'webhook'}>
            Webhooks
          </option>
        </select>
        <button type="submit" class="secondary">
          Filter
        </button>
      </form>
      {props.deliveries.length === 0 ? (
        <p>Nothing sent yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Event</th>
              <th>To</th>
              <th>Status</th>
              <th>Attempts</th>
              <th>Last result</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {props.deliveries.map((d) => (
              <tr data-delivery-id={d.id} data-status={d.status}>
                <td>
                  <code>{d.eventType}</code>
                  <div class="small">
                    {formatDateTime(d.createdAt)} · event {d.eventId}
                  </div>
                  {d.channel === 'email' ? <div class="small">{d.summary}</div> : null}
                </td>
                <td>
                  {d.channel === 'email' ? 'E-mail ' : 'Webhook '}
                  <code>{d.target}</code>
                </td>
                <td>
                  <span class={`badge ${TONE[d.status]}`}>{d.status}</span>
                  {d.status === 'delivered' ? <div class="small">{formatDateTime(d.deliveredAt)}</div> : null}
                  {d.status === 'pending' && d.nextAttemptAt ? (
                    <div class="small">next try {formatDateTime(d.nextAttemptAt)}</div>
                  ) : null}
                  {d.status === 'held' ? <div class="small">waits for the daily digest</div> : null}
                  {d.status === 'digested' && d.digestId !== null ? (
                    <div class="small">sent in digest {d.digestId}</div>
                  ) : null}
                  {d.digestId === d.id ? <div class="small">daily digest</div> : null}
                </td>
                <td>{d.attempts}</td>
                <td class="small">
                  {d.lastError ??
                    (d.lastStatus ? `HTTP ${d.lastStatus}` : d.status === 'delivered' ? 'accepted' : '—')}
                  {d.lastAttemptAt ? <div>{formatDateTime(d.lastAttemptAt)}</div> : null}
                </td>
                <td>
                  {canRedeliver ? (
                    <form method="post" action={`/notifications/deliveries/${d.id}/redeliver`}>
                      <input type="hidden" name="_csrf" value={csrf} />
                      <button type="submit" class="secondary">
                        {d.status === 'delivered' ? 'Send again' : 'Retry now'}
                      </button>
                    </form>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}

/** Sandbox mode: the e-mail the built-in mail catcher received. */
export function CaughtMailPage(props: {
  user: SessionUser;
  sandbox: string | null;
  catcherUrl: string;
  messages: { id: number; receivedAt: Date; to: string; from: string; subject: string; text: string }[];
}) {
  return (
    <Layout title="Caught e-mail" user={props.user} sandbox={props.sandbox}>
      <h1>Caught e-mail</h1>
      <p>
        In sandbox mode Sellerlink's e-mail goes to a built-in SMTP server (<code>{props.catcherUrl}</code>)
        and is shown here, newest first; nothing leaves this machine. <a href="/sandbox">Sandbox toolbar</a> ·{' '}
        <a href="/notifications">Notification settings</a>
      </p>
      {props.messages.length === 0 ? (
        <p>No e-mail yet. Move the simulated clock towards a connection's expiry to see the reminders.</p>
      ) : (
        props.messages.map((m) => (
          <div class="card" data-mail-id={m.id}>
            <h2 style="margin:0 0 .3rem;font-size:1.05rem">{m.subject}</h2>
            <p class="small" style="margin:0 0 .5rem">
              To {m.to} · from {m.from} · {formatDateTime(m.receivedAt)}
            </p>
            <pre style="white-space:pre-wrap;margin:0">{m.text}</pre>
          </div>
        ))
      )}
    </Layout>
  );
}
