import type { SessionUser } from '../../accounts/service.js';
import { Layout } from './layout.js';

/** The outcome of the last toolbar action, in plain words. */
export interface SandboxNotice {
  tone: 'good' | 'warn' | 'bad';
  text: string;
}

/**
 * The sandbox toolbar (sandbox mode only): the simulated date, buttons that move it forward, secret
 * rotation, and where caught e-mail is shown.
 */
export function SandboxPage(props: {
  user: SessionUser;
  sandbox: string | null;
  now: Date;
  steps: readonly number[];
  notice?: SandboxNotice | null;
}) {
  const date = props.now.toISOString().slice(0, 16).replace('T', ' ');
  return (
    <Layout title="Sandbox toolbar" user={props.user} sandbox={props.sandbox}>
      <h1>Sandbox toolbar</h1>
      {props.notice ? (
        <p class={`banner ${props.notice.tone}`} role="status">
          {props.notice.text}
        </p>
      ) : null}
      <div class="card">
        <p>
          Simulated date: <strong data-testid="sim-now">{date} UTC</strong>
        </p>
        <p class="small">
          Sellerlink and the simulated Amazon share this clock. Moving it forward runs the expiry monitor at
          once: reminders 30, 14, 7, 3 and 1 days before an authorization ends, expiry, revocations found by
          the daily health probe, and client-secret warnings. Time only moves forward.
        </p>
        <div class="actions">
          {props.steps.map((days) => (
            <form method="post" action="/sandbox/clock">
              <input type="hidden" name="_csrf" value={props.user.csrfToken} />
              <input type="hidden" name="days" value={String(days)} />
              <button type="submit">{`+${days} ${days === 1 ? 'day' : 'days'}`}</button>
            </form>
          ))}
        </div>
      </div>
      <div class="card">
        <h2 style="margin-top:0">Client secrets</h2>
        <p class="small">
          Amazon's client secrets last 180 days. Rotating asks the simulated Amazon for new ones
          (rotateApplicationClientSecret); it sends them back as APPLICATION_OAUTH_CLIENT_NEW_SECRET, which
          Sellerlink takes into use at once.
        </p>
        <form method="post" action="/sandbox/rotate-secrets">
          <input type="hidden" name="_csrf" value={props.user.csrfToken} />
          <button type="submit" class="secondary">
            Rotate client secrets
          </button>
        </form>
      </div>
      <p>
        <a href="/sandbox/mail">Caught e-mail</a> · <a href="/connections">Connections</a>
        {props.sandbox ? (
          <>
            {' · '}
            <a href={`${props.sandbox}/_sim/`}>Simulator controls</a>
          </>
        ) : null}
      </p>
    </Layout>
  );
}
