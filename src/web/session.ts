import type { Context, MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { timingSafeEqual } from 'node:crypto';
import type { Accounts, SessionUser } from '../accounts/service.js';
import { createClientAddressResolver, type ClientAddressResolver } from './client-address.js';
import type { WebEnv } from './context.js';

export const SESSION_COOKIE = 'sl_session';
export const LOGIN_CSRF_COOKIE = 'sl_login_csrf';

/**
 * Loads the signed-in user (if any) and the client address for every request; the address comes
 * from the socket, or from X-Forwarded-For as far as `TRUST_PROXY` trusts it (client-address.ts).
 */
export function loadSession(
  accounts: Accounts,
  clientAddress: ClientAddressResolver = createClientAddressResolver({ kind: 'none' }),
): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const token = getCookie(c, SESSION_COOKIE) ?? null;
    const user = token ? await accounts.resolveSession(token) : null;
    c.set('user', user);
    c.set('sessionToken', user ? token : null);
    let socket: string | null = null;
    try {
      socket = getConnInfo(c).remote.address ?? null;
    } catch {
      socket = null; // in-process requests (tests) have no socket
    }
    c.set('ip', clientAddress(socket, c.req.header('x-forwarded-for')));
    await next();
  };
}

/** Sets the session cookie: HttpOnly, SameSite=Lax, Secure when served over https. */
export function setSessionCookie(c: Context, token: string, expires: Date, secure: boolean): void {
  setCookie(c, SESSION_COOKIE, token, { httpOnly: true, sameSite: 'Lax', secure, path: '/', expires });
}

/** Removes the session cookie. */
export function clearSessionCookie(c: Context, secure: boolean): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure });
}

/** Constant-time comparison of two strings. */
export function sameToken(a: string | undefined | null, b: string | undefined | null): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether a submitted form carries the session's CSRF token. */
export function csrfOk(user: SessionUser, submitted: unknown): boolean {
  return typeof submitted === 'string' && sameToken(submitted, user.csrfToken);
}
