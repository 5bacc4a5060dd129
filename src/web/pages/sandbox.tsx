import type { SessionUser } from '../../accounts/service.js';
import type { MonitorReport } from '../../monitor/monitor.js';
import type { SandboxMonitorStatus } from '../../monitor/sandbox.js';
import { counted } from '../../kernel/plural.js';
import { daysLeft } from '../../lifecycle/health.js';
import { formatDateTime } from '../format.js';
import { Layout } from './layout.js';

/** The outcome of the last toolbar action, in plain words. */
export interface SandboxNotice {
  tone: 'good' | 'warn' | 'bad';
  text: string;
}

/** The soonest authorization that has not ended, as the toolbar names it. */
export interface NextExpiry {
  /** The store (or seller id) and region. */
  name: string;
  expiresAt: Date;
  /** The simulated time the page was made at. */
  now: number;
}
const minute = (d: Date): string => d.toISOString().slice(0, 16).replace('T', ' ');

/** A finished monitor pass in plain words, and whether it raised anything. */
function describeReport(report: MonitorReport): SandboxNotice {
  const raised = [
    report.connections.expiring ? counted(report.connections.expiring, 'expiry reminder') : null,
    report.connections.expired ? counted(report.connections.expired, 'expiry', 'expiries') : null,
    report.connections.revoked ? counted(report.connections.revoked, 'revocation') : null,
    report.secrets.warned ? counted(report.secrets.warned, 'client-secret warning') : null,
  ].filter(Boolean);
  const { received, failed } = report.rotation;
  const rotation = [
    received ? `rotated ${counted(received, 'client secret')}` : null,
    failed ? `${counted(failed, 'client-secret rotation')} failed` : null,
  ].filter(Boolean);
  return {
    tone: raised.length || failed ? 'warn' : 'good',
    text: `Monitor (run at ${minute(report.at)} UTC): ${counted(report.connections.checked, 'connection')} checked, ${counted(report.probes.probed, 'health probe')}; ${raised.length ? `raised ${raised.join(', ')}` : 'nothing new to report'}${rotation.length ? `; ${rotation.join(', ')}` : ''}.`,
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

/** "Jump to N days before the next expiry": one action to reach a reminder, or the expiry itself. */
function BeforeExpiryForm(props: { csrf: string; choices: readonly number[]; next: NextExpiry | null }) {
  const next = props.next;
  const left = next ? daysLeft(next.expiresAt, next.now) : null;
  return (
    <div data-testid="before-expiry">
      <h2 style="font-size:1.05rem;margin:1.2rem 0 .3rem">Jump to an expiry</h2>
      <p class="small" data-testid="next-expiry">
        {next
          ? `Next expiry: ${next.name}, ${formatDateTime(next.expiresAt)} (${counted(left!, 'day')} left).`
          : 'No authorization is due to end: connect a region first.'}
      </p>
      <form method="post" action="/sandbox/clock/before-expiry" class="actions" style="align-items:center">
        <input type="hidden" name="_csrf" value={props.csrf} />
        <label for="before-expiry-days" style="margin:0;font-weight:normal">
          Move the clock to
        </label>
        <select id="before-expiry-days" name="days" style="width:auto">
          {props.choices.map((days) => (
            <option value={String(days)}>
              {days === 0
                ? 'the moment it ends (expired)'
                : `${counted(days, 'day')} before it ends (the ${days}-day reminder)`}
            </option>
          ))}
        </select>
        <button type="submit" disabled={!next}>
          Jump
        </button>
      </form>
    </div>
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
  /** The "days before the next expiry" the toolbar can jump to (0: the moment it ends). */
  beforeExpiry: readonly number[];
  /** The soonest authorization that has not ended, or null when none. */
  nextExpiry: NextExpiry | null;
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
          probe, and client-secret warnings. Time only moves forward; a reload of the page after a jump does
          not move it again.
        </p>
        <div class="actions">
          {props.steps.map((days) => (
            <form method="post" action="/sandbox/clock">
              <input type="hidden" name="_csrf" value={props.user.csrfToken} />
              <input type="hidden" name="days" value={String(days)} />
              <button type="submit">{`+${counted(days, 'day')}`}</button>
            </form>
          ))}
        </div>
        <BeforeExpiryForm csrf={props.user.csrfToken} choices={props.beforeExpiry} next={props.nextExpiry} />
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
