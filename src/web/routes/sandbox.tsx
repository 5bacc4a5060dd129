import type { Context, Hono } from 'hono';
import type { SessionUser } from '../../accounts/service.js';
import type { Connection } from '../../connections/repository.js';
import { counted } from '../../kernel/plural.js';
import {
  SANDBOX_BEFORE_EXPIRY_DAYS,
  SANDBOX_STEPS_DAYS,
  pointBeforeExpiry,
  type SandboxRotation,
  type SandboxTools,
} from '../../monitor/sandbox.js';
import type { WebDeps, WebEnv } from '../context.js';
import { connectionNameInRegion } from '../format.js';
import { requireUser, signedInForm } from '../guards.js';
import { SandboxPage, type NextExpiry, type SandboxNotice } from '../pages/sandbox.js';
import { setSessionCookie } from '../session.js';
import { viewerOf } from './connections.js';

/** How often the toolbar page reloads itself while a monitor pass runs. */
const SANDBOX_REFRESH_SECONDS = 2;

const offered = (list: readonly number[], value: unknown): value is number =>
  typeof value === 'number' && list.includes(value);

/** "before expiry" in words: "30 days before the next expiry", or "the next expiry" itself. */
const beforeWords = (days: number): string =>
  days === 0 ? 'the moment the next authorization ends' : `${counted(days, 'day')} before the next expiry`;

/** The connections whose authorization can still end: connected, not revoked. */
async function expiringConnections(deps: WebDeps, user: SessionUser): Promise<Connection[]> {
  const all = await deps.connections.list(viewerOf(user), undefined, 'all');
  return all.filter(
    (c) => c.hasToken && c.expiresAt && c.state !== 'disconnected' && c.health.lifecycle !== 'revoked',
  );
}

/** The soonest authorization that has not ended yet, for the toolbar's "next expiry" line. */
function nextExpiryOf(connections: Connection[], now: number): NextExpiry | null {
  const soonest = connections
    .filter((c) => c.expiresAt!.getTime() > now)
    .sort((a, b) => a.expiresAt!.getTime() - b.expiresAt!.getTime())[0];
  return soonest ? { name: connectionNameInRegion(soonest), expiresAt: soonest.expiresAt!, now } : null;
}

/** The last secret rotation in plain words. */
function rotationNotice(results: SandboxRotation[]): SandboxNotice {
  const failed = results.filter((r) => r.error !== undefined || !r.received);
  return failed.length
    ? {
        tone: 'bad',
        text: `Rotation did not complete for ${failed.map((r) => `${r.appId}: ${r.error ?? 'the new secret did not arrive'}`).join('; ')}`,
      }
    : {
        tone: 'good',
        text: `Rotated ${counted(results.length, 'client secret')}; the new ones are in use, the old ones work 7 more days.`,
      };
}

/** The notice a toolbar GET shows: where a form's POST redirected to (`moved`, `before`, `rotated`). */
function noticeOf(c: Context<WebEnv>, tools: SandboxTools): SandboxNotice | null {
  const moved = Number(c.req.query('moved'));
  if (offered(SANDBOX_STEPS_DAYS, moved))
    return { tone: 'good', text: `Moved forward ${counted(moved, 'day')}.` };
  const before = c.req.query('before');
  if (before !== undefined && offered(SANDBOX_BEFORE_EXPIRY_DAYS, Number(before)))
    return { tone: 'good', text: `Moved to ${beforeWords(Number(before))}.` };
  const rotation = tools.lastRotation();
  if (c.req.query('rotated') !== undefined && rotation) return rotationNotice(rotation);
  return null;
}

/** What the toolbar's handlers share. */
interface Toolbar {
  deps: WebDeps;
  tools: SandboxTools;
  /** Whether cookies get `Secure` (an https public URL). */
  secure: boolean;
}

const BACK = { href: '/sandbox', label: 'Back to the sandbox toolbar' };

/** The toolbar page, with a notice (a refused form's, with 400). */
async function render(
  c: Context<WebEnv>,
  t: Toolbar,
  user: SessionUser,
  notice: SandboxNotice | null,
  status: 200 | 400 = 200,
): Promise<Response> {
  const monitor = t.tools.monitorStatus();
  // While a pass runs the page reloads itself (also with the page's meta refresh) until it ends.
  if (monitor.running) c.header('Refresh', String(SANDBOX_REFRESH_SECONDS));
  const now = t.tools.now();
  return c.html(
    <SandboxPage
      user={user}
      sandbox={t.deps.simulatorUrl}
      now={new Date(now)}
      steps={SANDBOX_STEPS_DAYS}
      beforeExpiry={SANDBOX_BEFORE_EXPIRY_DAYS}
      nextExpiry={nextExpiryOf(await expiringConnections(t.deps, user), now)}
      notice={notice}
      monitor={monitor}
      refreshSeconds={SANDBOX_REFRESH_SECONDS}
    />,
    status,
  );
}

/** After a jump: logs it, reports a failed pass, and gives the user a fresh session. */
async function afterJump(
  c: Context<WebEnv>,
  t: Toolbar,
  user: SessionUser,
  jump: ReturnType<SandboxTools['advanceTo']>,
  what: Record<string, unknown>,
): Promise<void> {
  const { logger, accounts } = t.deps;
  logger.info({ ...what, user: user.username }, 'sandbox clock moved forward');
  // The monitor pass runs in the background: its health probes wait on Amazon's usage plans,
  // which can take minutes. The page shows its progress and then its report.
  void jump.pass.then((result) => {
    if (!result.ok) logger.error({ err: result.error }, 'sandbox monitor pass failed');
  });
  // Sessions follow the simulated clock, so the jump would sign the user out: start a fresh one.
  const token = c.get('sessionToken');
  if (token) await accounts.endSession(token);
  const session = await accounts.createSession(user.id, {
    ip: c.get('ip'),
    userAgent: c.req.header('user-agent') ?? null,
  });
  setSessionCookie(c, session.token, session.expiresAt, t.secure);
}

/** The signed-in user and the form of a toolbar POST with its CSRF token, or the response instead. */
async function toolbarForm(
  c: Context<WebEnv>,
): Promise<{ user: SessionUser; form: Record<string, unknown> } | Response> {
  const signed = await signedInForm(c, null, BACK);
  if (signed instanceof Response) return signed;
  const { user, form } = signed;
  return { user, form };
}

/** `POST /sandbox/clock` (`days`: 1, 7 or 30): moves the clock forward, then to the toolbar. */
async function jumpDays(c: Context<WebEnv>, t: Toolbar): Promise<Response> {
  const posted = await toolbarForm(c);
  if (posted instanceof Response) return posted;
  const { user, form } = posted;
  const days = Number(form.days);
  if (!offered(SANDBOX_STEPS_DAYS, days)) {
    const text = `Choose one of: ${SANDBOX_STEPS_DAYS.join(', ')} days.`;
    return render(c, t, user, { tone: 'bad', text }, 400);
  }
  await afterJump(c, t, user, t.tools.advanceDays(days), { days });
  return c.redirect(`/sandbox?moved=${days}`, 303);
}

/**
 * `POST /sandbox/clock/before-expiry` (`days`: a reminder threshold, or 0): moves the clock to that
 * many days before the soonest authorization of the user's connections still that far ahead.
 */
async function jumpBeforeExpiry(c: Context<WebEnv>, t: Toolbar): Promise<Response> {
  const posted = await toolbarForm(c);
  if (posted instanceof Response) return posted;
  const { user, form } = posted;
  const refuse = (text: string) => render(c, t, user, { tone: 'bad', text }, 400);
  const days = typeof form.days === 'string' && form.days !== '' ? Number(form.days) : NaN;
  if (!offered(SANDBOX_BEFORE_EXPIRY_DAYS, days))
    return refuse(`Choose one of: ${SANDBOX_BEFORE_EXPIRY_DAYS.join(', ')} days before the next expiry.`);
  const connections = await expiringConnections(t.deps, user);
  const point = pointBeforeExpiry(
    connections.map((x) => x.expiresAt),
    days,
    t.tools.now(),
  );
  if (!point) {
    return refuse(
      connections.length
        ? `No authorization ends more than ${counted(days, 'day')} from now, and time only moves forward. Nothing was moved.`
        : 'No connection has an authorization that ends: connect a region first. Nothing was moved.',
    );
  }
  let jump;
  try {
    jump = t.tools.advanceTo(point.at);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return refuse(`${err.message}. Nothing was moved.`);
  }
  await afterJump(c, t, user, jump, { beforeExpiry: days, to: new Date(point.at).toISOString() });
  return c.redirect(`/sandbox?before=${days}`, 303);
}

/**
 * The sandbox toolbar (`/sandbox`, sandbox mode only): shows the simulated date, moves it forward
 * by 1, 7 or 30 days or to N days before the next expiry (then runs the monitor in the background,
 * showing its progress and report), and rotates the demo apps' client secrets. Signed-in users only;
 * forms carry the CSRF token and answer POST-redirect-GET, so a reload never moves the clock again.
 * Outside sandbox mode the routes do not exist.
 */
export function registerSandboxRoutes(app: Hono<WebEnv>, deps: WebDeps): void {
  const tools = deps.sandboxTools;
  if (!tools || deps.config.mode !== 'sandbox') return;
  const t: Toolbar = { deps, tools, secure: deps.config.publicUrl.startsWith('https://') };
  app.get('/sandbox', (c) => {
    const user = requireUser(c);
    if (user instanceof Response) return user;
    return render(c, t, user, noticeOf(c, tools));
  });
  app.post('/sandbox/clock', (c) => jumpDays(c, t));
  app.post('/sandbox/clock/before-expiry', (c) => jumpBeforeExpiry(c, t));
  app.post('/sandbox/rotate-secrets', async (c) => {
    const posted = await toolbarForm(c);
    if (posted instanceof Response) return posted;
    // The outcome is kept by the tools and shown by the page the redirect leads to.
    await tools.rotateSecrets();
    return c.redirect('/sandbox?rotated=1', 303);
  });
}
