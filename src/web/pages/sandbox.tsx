import type { SessionUser } from '../../accounts/service.js';
import type { MonitorReport } from '../../monitor/monitor.js';
import type { SandboxMonitorStatus } from '../../monitor/sandbox.js';
import { Layout } from './layout.js';

/** The outcome of the last toolbar action, in plain words. */
export interface SandboxNotice {
  tone: 'good' | 'warn' | 'bad';
  text: string;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
const minute = (d: Date): string => d.toISOString().slice(0, 16).replace('T', ' ');

/** A finished monitor pass in plain words, and whether it raised anything. */
function describeReport(report: MonitorReport): SandboxNotice {
  const raised = [
    report.connections.expiring ? plural(report.connections.expiring, 'expiry reminder') : null,
    report.connections.expired ? plural(report.connections.expired, 'expiry') : null,
    report.connections.revoked ? plural(report.connections.revoked, 'revocation') : null,
    report.secrets.warned ? plural(report.secrets.warned, 'client-secret warning') : null,
  ].filter(Boolean);
  const { received, failed } = report.rotation;
  const rotation = [
    received ? `rotated ${plural(received, 'client secret')}` : null,
    failed ? `${plural(failed, 'client-secret rotation')} failed` : null,
  ].filter(Boolean);
  return {
    tone: raised.length || failed ? 'warn' : 'good',
    text: `Monitor (run at ${minute(report.at)} UTC): ${plural(report.connections.checked, 'connection')} checked, ${plural(report.probes.probed, 'health probe')}; ${raised.length ? `raised ${raised.join(', ')}` : 'nothing new to report'}${rotation.length ? `; ${rotation.join(', ')}` : ''}.`,
  };
}

/** The toolbar's monitor pass: running (with probe progress when known), failed, or its report. */
function MonitorStatus(props: { status: SandboxMonitorStatus; refreshSeconds: number }) {
  const { running, progress, last } = props.status;
  if (running) {
    return (
      <>
        <meta http-equiv="refresh" content={String(props.refreshSeconds)} />
        <p class="banner info" role="status" data-testid="monitor-status" data-state="running">
          {`Checking connections…${progress ? ` (${progress.done} of ${progress.total})` : ''}`}
          <span class="small"> This page refreshes itself until the monitor has finished.</span>
        </p>
      </>
    );
  }
  if (!last) return null;
  if ('error' in last) {
    return (
      <p class="banner bad" role="status" data-testid="monitor-status" data-state="failed">
        {`The monitor pass failed: ${last.error}. It runs again with the next jump, and daily.`}
      </p>
    );
  }
  const notice = describeReport(last.report);
  return (
    <p class={`banner ${notice.tone}`} role="status" data-testid="monitor-status" data-state="finished">
      {notice.text}
    </p>
  );
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
  /** The monitor pass the last clock jump started. */
  monitor: SandboxMonitorStatus;
  /** How often the page reloads itself while that pass runs. */
  refreshSeconds: number;
}) {
  const date = minute(props.now);
  return (
    <Layout title="Sandbox toolbar" user={props.user} sandbox={props.sandbox}>
      <h1>Sandbox toolbar</h1>
      {props.notice ? (
        <p class={`banner ${props.notice.tone}`} role="status">
          {props.notice.text}
        </p>
      ) : null}
      <MonitorStatus status={props.monitor} refreshSeconds={props.refreshSeconds} />
      <div class="card">
        <p>
          Simulated date: <strong data-testid="sim-now">{date} UTC</strong>
        </p>
        <p class="small">
          Sellerlink and the simulated Amazon share this clock. Moving it forward starts the expiry monitor at
          once (it works in the background; this page shows its progress, then what it found): reminders 30,
          14, 7, 3 and 1 days before an authorization ends, expiry, revocations found by the daily health
          probe, and client-secret warnings. Time only moves forward.
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
          Amazon's client secrets last 180 days. Sellerlink rotates them by itself 30 days before they expire;
          this button rotates them now. Rotating asks the simulated Amazon for new ones
          (rotateApplicationClientSecret); it sends them back as APPLICATION_OAUTH_CLIENT_NEW_SECRET, which
          Sellerlink verifies and takes into use at once. An app whose credentials Amazon already refuses gets
          a new secret from the simulated Developer Console, as an operator would do.
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
            <a href={`${props.sandbox}/_sim/`}>Simulator controls</a> (they need the control token: open the
            link printed where Sellerlink started, or use <code>sellerlink sim</code>)
          </>
        ) : null}
      </p>
    </Layout>
  );
}
