import type { Context, Hono } from 'hono';
import { SANDBOX_STEPS_DAYS } from '../../monitor/sandbox.js';
import type { WebDeps, WebEnv } from '../context.js';
import { refuseForm, requireUser } from '../guards.js';
import { SandboxPage, type SandboxNotice } from '../pages/sandbox.js';
import { csrfOk, setSessionCookie } from '../session.js';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** How often the toolbar page reloads itself while a monitor pass runs. */
const SANDBOX_REFRESH_SECONDS = 2;

/**
 * The sandbox toolbar (`/sandbox`, sandbox mode only): shows the simulated date, moves it forward
 * by 1, 7 or 30 days (then runs the monitor in the background, showing its progress and report), and
 * rotates the demo apps' client secrets. Signed-in users only; forms carry the CSRF token. Outside
 * sandbox mode the routes do not exist.
 */
export function registerSandboxRoutes(app: Hono<WebEnv>, deps: WebDeps): void {
  const tools = deps.sandboxTools;
  if (!tools || deps.config.mode !== 'sandbox') return;
  const sandbox = deps.simulatorUrl;

  const secure = deps.config.publicUrl.startsWith('https://');
  const render = (c: Context<WebEnv>, notice: SandboxNotice | null, status: 200 | 400 = 200) => {
    const monitor = tools.monitorStatus();
    // While a pass runs the page reloads itself (also with the page's meta refresh) until it ends.
    if (monitor.running) c.header('Refresh', String(SANDBOX_REFRESH_SECONDS));
    return c.html(
      <SandboxPage
        user={c.get('user')!}
        sandbox={sandbox}
        now={new Date(tools.now())}
        steps={SANDBOX_STEPS_DAYS}
        notice={notice}
        monitor={monitor}
        refreshSeconds={SANDBOX_REFRESH_SECONDS}
      />,
      status,
    );
  };
  const back = { href: '/sandbox', label: 'Back to the sandbox toolbar' };

  app.get('/sandbox', (c) => {
    const user = requireUser(c);
    if (user instanceof Response) return user;
    // `?moved=N`: where a clock jump redirects to (POST-redirect-GET: a reload does not jump again).
    const moved = Number(c.req.query('moved'));
    const offered = (SANDBOX_STEPS_DAYS as readonly number[]).includes(moved);
    return render(c, offered ? { tone: 'good', text: `Moved forward ${plural(moved, 'day')}.` } : null);
  });

  app.post('/sandbox/clock', async (c) => {
    const user = requireUser(c);
    if (user instanceof Response) return user;
    const form = await c.req.parseBody();
    if (!csrfOk(user, form._csrf)) return refuseForm(c, user, null, back);
    const days = Number(form.days);
    if (!(SANDBOX_STEPS_DAYS as readonly number[]).includes(days)) {
      return render(c, { tone: 'bad', text: `Choose one of: ${SANDBOX_STEPS_DAYS.join(', ')} days.` }, 400);
    }
    // The monitor pass runs in the background: its health probes wait on Amazon's usage plans,
    // which can take minutes. The page shows its progress and then its report.
    const { pass } = tools.advanceDays(days);
    deps.logger.info({ days, user: user.username }, 'sandbox clock moved forward');
    void pass.then((result) => {
      if (!result.ok) deps.logger.error({ err: result.error }, 'sandbox monitor pass failed');
    });
    // Sessions follow the simulated clock, so the jump would sign the user out: start a fresh one.
    const token = c.get('sessionToken');
    if (token) await deps.accounts.endSession(token);
    const session = await deps.accounts.createSession(user.id, {
      ip: c.get('ip'),
      userAgent: c.req.header('user-agent') ?? null,
    });
    setSessionCookie(c, session.token, session.expiresAt, secure);
    return c.redirect(`/sandbox?moved=${days}`, 303);
  });

  app.post('/sandbox/rotate-secrets', async (c) => {
    const user = requireUser(c);
    if (user instanceof Response) return user;
    const form = await c.req.parseBody();
    if (!csrfOk(user, form._csrf)) return refuseForm(c, user, null, back);
    const results = await tools.rotateSecrets();
    const failed = results.filter((r) => r.error !== undefined || !r.received);
    return render(c, {
      tone: failed.length ? 'bad' : 'good',
      text: failed.length
        ? `Rotation did not complete for ${failed.map((r) => `${r.appId}: ${r.error ?? 'the new secret did not arrive'}`).join('; ')}`
        : `Rotated ${plural(results.length, 'client secret')}; the new ones are in use, the old ones work 7 more days.`,
    });
  });
}
