import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { randomToken } from '../../kernel/random.js';
import type { SimContext, SimEnv } from '../context.js';
import type { Region, SimSeller, SimSellerSession } from '../state.js';

/**
 * Seller Central browser sessions and form protection. Each region has its own cookie, as each
 * region has its own Seller Central host (https://developer-docs.amazon.com/sp-api/docs/seller-central-urls): a browser can be signed in to NA and EU at once.
 */

/** A signed-in seller on this region's Seller Central. */
export interface SignedIn {
  session: SimSellerSession;
  seller: SimSeller;
  /** Hidden-field value that proves a POST came from one of our own pages. */
  formToken: string;
}

/** The session cookie name for a region. */
export function sessionCookieName(region: Region): string {
  return `sc_session_${region.toLowerCase()}`;
}

/** The seller signed in to this request's region, if any. */
export function currentSession(c: Context<SimEnv>, ctx: SimContext): SignedIn | null {
  const id = getCookie(c, sessionCookieName(c.env.region));
  if (!id) return null;
  const session = ctx.state.sellerSessions.get(id);
  if (!session) return null;
  const seller = ctx.state.sellers.get(session.sellingPartnerId);
  // A session never crosses regions: authorizations are regional (https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow).
  if (!seller || seller.region !== c.env.region) return null;
  if (!seller.users.some((u) => u.email === session.email)) return null;
  return { session, seller, formToken: formTokenFor(session) };
}

/** Starts a session for a seller user and sets the cookie. */
export function startSession(
  c: Context<SimEnv>,
  ctx: SimContext,
  seller: SimSeller,
  email: string,
): SimSellerSession {
  const session: SimSellerSession = {
    id: randomToken(ctx.random, 32),
    sellingPartnerId: seller.sellingPartnerId,
    email,
    createdAt: ctx.clock.now(),
  };
  ctx.state.sellerSessions.set(session.id, session);
  setCookie(c, sessionCookieName(c.env.region), session.id, {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax',
    secure: new URL(c.req.url).protocol === 'https:',
  });
  return session;
}

/** Ends this region's session (if any) and clears the cookie. */
export function endSession(c: Context<SimEnv>, ctx: SimContext): void {
  const name = sessionCookieName(c.env.region);
  const id = getCookie(c, name);
  if (id) ctx.state.sellerSessions.delete(id);
  deleteCookie(c, name, { path: '/' });
}

/**
 * The form token of a session: a hash of the session id, which only a page rendered for that
 * session (never a cross-site form) can know, since the cookie is HttpOnly.
 */
export function formTokenFor(session: SimSellerSession): string {
  return createHash('sha256').update(`seller-central-form:${session.id}`).digest('base64url');
}

/** True when the submitted form token belongs to the signed-in session. */
export function formTokenValid(signedIn: SignedIn, submitted: string | undefined): boolean {
  if (!submitted) return false;
  const a = Buffer.from(signedIn.formToken);
  const b = Buffer.from(submitted);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** False when the browser says a POST comes from another site (Sec-Fetch-Site or a foreign Origin). */
export function sameOriginRequest(c: Context<SimEnv>): boolean {
  // Browsers sending Fetch Metadata say directly where a form came from. They send `Origin: null` for
  // forms on pages served with Referrer-Policy: no-referrer (every Seller Central page), so when
  // Sec-Fetch-Site is present it decides; Origin is the fallback for clients without it.
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin';
  const origin = c.req.header('origin');
  if (origin === undefined) return true;
  if (origin === 'null') return false;
  try {
    const host = c.req.header('host') ?? new URL(c.req.url).host;
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** Text fields of a url-encoded or multipart form body (files ignored). */
export async function formFields(c: Context<SimEnv>): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) if (typeof value === 'string') out[key] = value;
  return out;
}

/** This request's path and query as seen by the browser (region prefix included), for coming back. */
export function selfPath(c: Context<SimEnv>): string {
  const url = new URL(c.req.url);
  return `${c.env.prefix}${url.pathname}${url.search}`;
}

/** Only same-site relative paths are followed after sign-in (no open redirect). */
export function safeReturnTo(c: Context<SimEnv>, value: string | undefined): string {
  if (value && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\')) return value;
  return `${c.env.prefix}/apps/manage`;
}

/** Redirects to the sign-in page, coming back to this request afterwards. */
export function redirectToSignIn(c: Context<SimEnv>, returnTo = selfPath(c)): Response {
  return c.redirect(`${c.env.prefix}/ap/signin?return_to=${encodeURIComponent(returnTo)}`, 302);
}
