import type { Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { ConnectError, type Connect } from '../../connect/connect.js';
import { CallbackFailure } from '../../connections/oauth.js';
import type { FlowOrigin } from '../../connections/oauth.js';
import type { Connection } from '../../connections/repository.js';
import { ValidationError } from '../../kernel/errors.js';
import type { WebDeps, WebEnv } from '../context.js';
import { ConnectDonePage, ConnectLinkPage } from '../pages/connect.js';
import { MessagePage, PAGE_CSP } from '../pages/layout.js';

/**
 * The seller's side of connect links (docs/api.md, "Embedding"), without a Sellerlink login:
 * `GET /connect/{token}` shows who asks and what (changes nothing), `POST` spends the link and goes
 * to Amazon with the OAuth state bound to a connect cookie, `POST …/cancel` ends it, the redirect
 * URIs hand a link's callback to `completeViaLink`, and `GET /connect/renew/{link}` turns a
 * reminder's renew link into a fresh one-time link. Cross-site POSTs are refused by the app's Origin
 * check like every form.
 */

/** The cookie binding a link's OAuth state to the browser that spent the link. */
export const CONNECT_COOKIE = 'sl_connect';

type ConnectDepsOf = WebDeps & { connect: Connect };

/** The page's CSP: the app's, plus the vendor's logo origin for images. */
function cspWithLogo(logoUrl: string | null): string {
  const img = [...PAGE_CSP.imgSrc, ...(logoUrl ? [new URL(logoUrl).origin] : [])].join(' ');
  return `default-src 'none'; style-src 'self' 'unsafe-inline'; img-src ${img}; base-uri 'none'; frame-ancestors 'none'`;
}

/** A dead or unknown link: back to the vendor with the outcome when known, else a plain page. */
function answerLinkError(c: Context<WebEnv>, err: unknown): Response | Promise<Response> {
  if (!(err instanceof ConnectError)) throw err;
  const back = err.details.returnUrl;
  if (typeof back === 'string') return c.redirect(back, 303);
  const expired = err.code === 'CONNECT_LINK_EXPIRED';
  return c.html(
    <MessagePage
      title={expired ? 'Link expired' : 'Link not valid'}
      message={err.message}
      user={null}
      code={err.code}
      tone="warn"
      next={{ href: '/login', label: 'Sign in to Sellerlink' }}
    />,
    expired ? 410 : 404,
  );
}

/** Renders the link's page (200, or 400 with the error of a refused form). */
async function showLink(
  c: Context<WebEnv>,
  deps: ConnectDepsOf,
  error: string | null = null,
): Promise<Response> {
  const token = c.req.param('token') ?? '';
  try {
    const view = await deps.connect.describe(token);
    c.header('Content-Security-Policy', cspWithLogo(view.session.vendor.logoUrl));
    return c.html(<ConnectLinkPage view={view} token={token} error={error} />, error ? 400 : 200);
  } catch (err) {
    return answerLinkError(c, err);
  }
}

/** `POST /connect/{token}`: spends the link and goes to Amazon (or back to the vendor on a refusal). */
async function beginLink(c: Context<WebEnv>, deps: ConnectDepsOf): Promise<Response> {
  const form = await c.req.parseBody();
  try {
    const started = await deps.connect.begin(c.req.param('token') ?? '', {
      region: form.region,
      ip: c.get('ip'),
    });
    if ('returnUrl' in started) return c.redirect(started.returnUrl, 303);
    setCookie(c, CONNECT_COOKIE, started.cookie, {
      httpOnly: true,
      sameSite: 'Lax',
      secure: deps.config.publicUrl.startsWith('https:'),
      path: '/',
      maxAge: 3600,
    });
    return c.redirect(started.amazonUrl, 303);
  } catch (err) {
    if (err instanceof ValidationError) return showLink(c, deps, err.message);
    return answerLinkError(c, err);
  }
}

/** Registers `/connect/…`. */
export function registerConnectRoutes(app: Hono<WebEnv>, deps: WebDeps): void {
  const connect = deps.connect;
  if (!connect) return;
  const d: ConnectDepsOf = { ...deps, connect };
  app.use('/connect/*', async (c, next) => {
    await next();
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cache-Control', 'no-store');
  });
  app.get('/connect/done', (c) =>
    c.html(<ConnectDonePage outcome={c.req.query('outcome') ?? ''} code={c.req.query('code') ?? null} />),
  );
  app.get('/connect/renew/:link', async (c) => {
    try {
      const { url } = await connect.followRenewLink(c.req.param('link'));
      return c.redirect(new URL(url).pathname, 303);
    } catch (err) {
      return answerLinkError(c, err);
    }
  });
  app.get('/connect/:token', (c) => showLink(c, d));
  app.post('/connect/:token', (c) => beginLink(c, d));
  app.post('/connect/:token/cancel', async (c) => {
    try {
      return c.redirect(await connect.cancel(c.req.param('token')), 303);
    } catch (err) {
      return answerLinkError(c, err);
    }
  });
}

/**
 * How a refused callback ends a link: Cancel on Amazon's page is `cancelled` (an error redirect, or,
 * as Seller Central may do, a bare return to the redirect URI: UNCONFIRMED, see the simulator's
 * `consentCancel`), the rest `error` with the refusal's code.
 */
function outcomeOf(
  err: CallbackFailure,
  query: URLSearchParams,
): { outcome: 'cancelled' | 'error'; code?: string } {
  const bareReturn = err.code === 'OAUTH_CALLBACK_INVALID' && [...query.keys()].length === 0;
  return err.code === 'OAUTH_CONSENT_DENIED' || bareReturn
    ? { outcome: 'cancelled' }
    : { outcome: 'error', code: err.code };
}

/**
 * Whether a completed consent renewed a connection: a renew, or a connect of a seller and region
 * that was already connected (the lifecycle then renews that connection, and its history says so).
 */
export function renewedBy(result: { connection: Connection; purpose: 'connect' | 'renew' }): boolean {
  return result.purpose === 'renew' || result.connection.stateReason === 'renewed';
}

/**
 * A redirect-URI request of a connect link: completes it with the link's origin, ends the session
 * with the outcome, and sends the seller back to the vendor. Null when the request is the portal's.
 */
export async function completeViaLink(
  c: Context<WebEnv>,
  deps: WebDeps,
  complete: (origin: FlowOrigin) => Promise<{ connection: Connection; purpose: 'connect' | 'renew' }>,
  after?: (connection: Connection) => Promise<void>,
): Promise<Response | null> {
  if (!deps.connect) return null;
  const link = await deps.connect.forCallback({
    state: c.req.query('state') ?? null,
    cookie: getCookie(c, CONNECT_COOKIE),
    ip: c.get('ip'),
  });
  if (!link) return null;
  let back: string;
  try {
    const { connection, purpose } = await complete(link.origin);
    if (after) await after(connection);
    // The vendor's outcome follows the link's purpose (docs/api.md, "Embedding").
    back = await deps.connect.finish(link.session.id, {
      outcome: purpose === 'renew' ? 'renewed' : 'connected',
      connectionId: connection.id,
    });
  } catch (err) {
    if (!(err instanceof CallbackFailure)) throw err;
    deps.logger.warn(
      { code: err.code, ip: c.get('ip'), connectSession: link.session.id },
      'connect link refused',
    );
    back = await deps.connect.finish(link.session.id, outcomeOf(err, new URL(c.req.url).searchParams));
  }
  deleteCookie(c, CONNECT_COOKIE, { path: '/' });
  c.header('Referrer-Policy', 'no-referrer');
  c.header('Cache-Control', 'no-store');
  return c.redirect(back, 303);
}
