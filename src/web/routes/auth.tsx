import type { Context, Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { AccountsError } from '../../accounts/errors.js';
import { newOpaqueToken } from '../../kernel/opaque-token.js';
import { cryptoRandom } from '../../kernel/random.js';
import type { WebDeps, WebEnv } from '../context.js';
import { formatDateTime } from '../format.js';
import { AccountPage } from '../pages/account.js';
import { LoginPage } from '../pages/login.js';
import { MessagePage } from '../pages/layout.js';
import { LOGIN_CSRF_COOKIE, clearSessionCookie, csrfOk, sameToken, setSessionCookie } from '../session.js';

/** What the sign-in pages are given: `secure` when the public URL is https (cookies get `Secure`). */
type AuthDeps = { web: WebDeps; secure: boolean; demoHint: string | null };

/** Only same-site paths are followed after sign-in. */
export function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/(?!\/)[^\s\\]*$/.test(value) ? value : '/connections';
}

/** What a refused sign-in tells the person: which limit, and when to try again. */
function throttledMessage(details: Record<string, unknown>, seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  const wait = `${minutes} minute${minutes === 1 ? '' : 's'}`;
  if (details.scope === 'address') {
    return `Too many failed sign-ins from your network address. Sign-in from it is paused; try again in ${wait}.`;
  }
  const until = typeof details.retryAt === 'string' ? formatDateTime(new Date(details.retryAt)) : null;
  return (
    `Too many failed sign-ins for this username, so its sign-in is paused${until ? ` until ${until}` : ''} ` +
    `(about ${wait}); the password was not checked. If you forgot it, an operator can reset it, which also ends the pause.`
  );
}

/** Sign-in, sign-out and password change. */
export function registerAuthRoutes(
  app: Hono<WebEnv>,
  deps: WebDeps,
  options: { demoHint: string | null },
): void {
  const d: AuthDeps = {
    web: deps,
    secure: deps.config.publicUrl.startsWith('https://'),
    demoHint: options.demoHint,
  };
  app.get('/login', (c) =>
    c.get('user') ? c.redirect(safeNext(c.req.query('next'))) : loginForm(c, d, 200),
  );
  app.post('/login', (c) => signIn(c, d));
  app.post('/logout', (c) => signOut(c, d));
  app.get('/account', (c) => showAccount(c, d));
  app.post('/account/password', (c) => changePassword(c, d));
}

/** The sign-in form, with a fresh login CSRF token in its cookie. */
function loginForm(
  c: Context<WebEnv>,
  d: AuthDeps,
  status: 200 | 400 | 429,
  extra: { error?: string; username?: string; next?: string } = {},
): Response | Promise<Response> {
  const csrf = newOpaqueToken(cryptoRandom, 24).value;
  setCookie(c, LOGIN_CSRF_COOKIE, csrf, {
    httpOnly: true,
    sameSite: 'Strict',
    secure: d.secure,
    path: '/login',
    maxAge: 3600,
  });
  return c.html(
    <LoginPage
      csrf={csrf}
      next={extra.next ?? safeNext(c.req.query('next'))}
      sandbox={d.web.simulatorUrl}
      demo={d.demoHint}
      {...extra}
    />,
    status,
  );
}

/** `POST /login`: checks the password (within the throttle) and starts a session. */
async function signIn(c: Context<WebEnv>, d: AuthDeps): Promise<Response> {
  const form = await c.req.parseBody();
  const next = safeNext(form.next);
  if (!sameToken(typeof form._csrf === 'string' ? form._csrf : null, getCookie(c, LOGIN_CSRF_COOKIE))) {
    return loginForm(c, d, 400, { error: 'The sign-in form expired. Please try again.', next });
  }
  const username = typeof form.username === 'string' ? form.username.trim() : '';
  const password = typeof form.password === 'string' ? form.password : '';
  if (!username || !password)
    return loginForm(c, d, 400, { error: 'Enter your username and password.', username, next });
  try {
    const user = await d.web.accounts.authenticate(username, password, c.get('ip'));
    const session = await d.web.accounts.createSession(user.id, {
      ip: c.get('ip'),
      userAgent: c.req.header('user-agent') ?? null,
    });
    setSessionCookie(c, session.token, session.expiresAt, d.secure);
    d.web.logger.info({ user: user.username, ip: c.get('ip') }, 'signed in');
    return c.redirect(next, 303);
  } catch (err) {
    if (err instanceof AccountsError && err.code === 'AUTH_THROTTLED') {
      const seconds = Number(err.details.retryAfterSeconds ?? 900);
      c.header('Retry-After', String(seconds));
      return loginForm(c, d, 429, { error: throttledMessage(err.details, seconds), username, next });
    }
    if (err instanceof AccountsError && err.code === 'AUTH_INVALID_CREDENTIALS') {
      return loginForm(c, d, 400, { error: 'Wrong username or password.', username, next });
    }
    throw err;
  }
}

/** `POST /logout`: ends the session (with its CSRF token) and clears the cookie. */
async function signOut(c: Context<WebEnv>, d: AuthDeps): Promise<Response> {
  const user = c.get('user');
  const form = await c.req.parseBody();
  if (user && csrfOk(user, form._csrf)) await d.web.accounts.endSession(c.get('sessionToken')!);
  clearSessionCookie(c, d.secure);
  return c.redirect('/login', 303);
}

/** `GET /account`: the password change form. */
function showAccount(c: Context<WebEnv>, d: AuthDeps): Response | Promise<Response> {
  const user = c.get('user');
  if (!user) return c.redirect('/login?next=/account');
  const notice = c.req.query('notice') === 'password-changed' ? 'Your password was changed.' : null;
  return c.html(<AccountPage user={user} notice={notice} sandbox={d.web.simulatorUrl} />);
}

/** `POST /account/password`: changes the password (the current one checked; other sessions end). */
async function changePassword(c: Context<WebEnv>, d: AuthDeps): Promise<Response> {
  const user = c.get('user');
  if (!user) return c.redirect('/login?next=/account', 303);
  const form = await c.req.parseBody();
  if (!csrfOk(user, form._csrf)) {
    return c.html(
      <MessagePage
        title="Form expired"
        message="This form expired or came from another site. Nothing was changed."
        user={user}
        code="CSRF_FAILED"
      />,
      403,
    );
  }
  try {
    const current = typeof form.current === 'string' ? form.current : '';
    const next = typeof form.next === 'string' ? form.next : '';
    await d.web.accounts.changePassword(user.id, current, next, user.sessionHash);
    return c.redirect('/account?notice=password-changed', 303);
  } catch (err) {
    if (
      err instanceof AccountsError &&
      (err.code === 'AUTH_INVALID_CREDENTIALS' || err.code === 'PASSWORD_TOO_WEAK')
    ) {
      return c.html(
        <AccountPage
          user={user}
          error={`${err.message[0]!.toUpperCase()}${err.message.slice(1)}. Nothing was changed.`}
          sandbox={d.web.simulatorUrl}
        />,
        400,
      );
    }
    throw err;
  }
}
