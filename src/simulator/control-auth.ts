import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { randomToken, type Random } from '../kernel/random.js';
import type { SimEnv } from './context.js';

/**
 * Protection of the simulator's own controls (`/_sim/…`, JSON and the index page): they reveal every
 * refresh token and client secret and can rewrite the world, so they need the simulator's per-run
 * control token and refuse anything a web page of another origin could send. The Amazon-shaped
 * endpoints (LWA, SP-API, Seller Central pages) are not touched, nor `/_sim/landing`, the demo apps'
 * OAuth redirect URI, which a browser reaches from the consent page.
 *
 * - The token comes as `Authorization: Bearer <token>` (CLI, Sellerlink's sandbox toolbar, scripts),
 *   or, for `GET` only, as a cookie set by opening `/_sim/?token=<token>` (the link printed at start),
 *   so a person can browse the JSON controls. The cookie is HttpOnly and SameSite=Strict, and a POST
 *   never counts it: a page on another localhost port (same site for cookies) cannot act with it.
 * - Cross-site requests are refused whatever they carry: an `Origin` other than the simulator's own,
 *   or `Sec-Fetch-Site` other than `same-origin` / `none` (Fetch Metadata,
 *   https://www.w3.org/TR/fetch-metadata/).
 * - `POST`, `PUT` and `PATCH` must say `Content-Type: application/json`: the content types an HTML
 *   form or a CORS "simple request" can send (text/plain, form encodings) never reach a control
 *   (https://fetch.spec.whatwg.org/#cors-safelisted-request-header).
 * - No CORS headers are ever sent, so no other origin can read an answer.
 */

/** Bytes of a generated control token (256 bits). */
export const CONTROL_TOKEN_BYTES = 32;

/** Shortest control token accepted from configuration. */
export const MIN_CONTROL_TOKEN_LENGTH = 32;

/** A fresh control token: 256 random bits, base64url. */
export function newControlToken(random: Random): string {
  return randomToken(random, CONTROL_TOKEN_BYTES);
}

/** Paths under `/_sim/` that are not controls: reached by a browser in an Amazon-shaped flow. */
const OPEN_PATHS = new Set(['/_sim/landing']);

/** True for a path the control guard protects. */
export function isGuardedPath(path: string): boolean {
  return (path === '/_sim' || path.startsWith('/_sim/')) && !OPEN_PATHS.has(path);
}

/** The name of the browsing cookie of one token (several simulators on one host keep theirs apart). */
export function controlCookieName(token: string): string {
  return `sim_control_${createHash('sha256').update(token).digest('hex').slice(0, 12)}`;
}

function sameToken(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function bearer(c: Context<SimEnv>): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
  return match?.[1];
}

/**
 * Why a request looks cross-site, or null. A top-level navigation that only reads (a person following
 * a link to the index page) is let through: the page that linked cannot read the answer.
 */
function crossSite(c: Context<SimEnv>, reading: boolean): string | null {
  const navigation =
    c.req.header('sec-fetch-mode') === 'navigate' && c.req.header('sec-fetch-dest') === 'document';
  if (reading && navigation) return null;
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `Sec-Fetch-Site: ${site}`;
  const origin = c.req.header('origin');
  if (origin !== undefined && origin !== new URL(c.req.url).origin) return `Origin: ${origin}`;
  return null;
}

function isJson(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

function refuse(
  c: Context<SimEnv>,
  status: 401 | 403 | 415,
  error: string,
  message: string,
): Response | Promise<Response> {
  c.header('Cache-Control', 'no-store');
  if (status === 401) c.header('WWW-Authenticate', 'Bearer realm="sellerlink-simulator"');
  return c.json({ error, message }, status);
}

/** The 401 page for a person who opens the index page without the token. */
function loginPage(c: Context<SimEnv>): Response | Promise<Response> {
  c.header('Cache-Control', 'no-store');
  c.header('WWW-Authenticate', 'Bearer realm="sellerlink-simulator"');
  return c.html(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Amazon simulator</title></head>` +
      `<body style="font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; line-height: 1.5">` +
      `<h1>Amazon simulator</h1><p>The simulator's controls need its control token. Open the link printed ` +
      `where the simulator (or Sellerlink in sandbox mode) started, <code>…/_sim/?token=…</code>, or use ` +
      `<code>sellerlink sim</code>, which reads the token from the data directory.</p></body></html>`,
    401,
  );
}

/**
 * Installs the guard in front of every `/_sim/` route. Must be registered before the controls.
 * `GET /_sim/?token=…` with the right token sets the browsing cookie and redirects to `/_sim/`.
 */
export function registerControlGuard(app: Hono<SimEnv>, token: string): void {
  const cookieName = controlCookieName(token);
  const guard: MiddlewareHandler<SimEnv> = async (c, next) => {
    if (!isGuardedPath(c.req.path)) return next();
    const method = c.req.method;
    const reading = method === 'GET' || method === 'HEAD';
    const given = bearer(c);
    const cookie = reading ? getCookie(c, cookieName) : undefined;
    const index = c.req.path === '/_sim/' || c.req.path === '/_sim';
    const query = index && reading ? c.req.query('token') : undefined;
    const why = crossSite(c, reading);
    if (query !== undefined && why === null && sameToken(query, token)) {
      // The token leaves the address bar at once; the cookie carries it from now on.
      setCookie(c, cookieName, token, { httpOnly: true, sameSite: 'Strict', path: '/' });
      c.header('Cache-Control', 'no-store');
      c.header('Referrer-Policy', 'no-referrer');
      return c.redirect(`${c.env.prefix}/_sim/`, 303);
    }
    const authorized =
      (given !== undefined && sameToken(given, token)) || (cookie !== undefined && sameToken(cookie, token));
    if (!authorized) {
      if (index && reading) return loginPage(c);
      return refuse(
        c,
        401,
        'unauthorized',
        "the simulator's controls need its control token (Authorization: Bearer <token>; printed at start and kept in the data directory)",
      );
    }
    if (why !== null) return refuse(c, 403, 'cross_site', `cross-site request refused (${why})`);
    if (
      (method === 'POST' || method === 'PUT' || method === 'PATCH') &&
      !isJson(c.req.header('content-type'))
    ) {
      return refuse(c, 415, 'unsupported_media_type', 'controls take Content-Type: application/json');
    }
    await next();
    c.res.headers.set('Cache-Control', 'no-store');
    c.res.headers.set('X-Content-Type-Options', 'nosniff');
    c.res.headers.set('X-Frame-Options', 'DENY');
  };
  app.use('/_sim', guard);
  app.use('/_sim/*', guard);
}
