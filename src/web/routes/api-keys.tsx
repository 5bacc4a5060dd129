import type { Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { SessionUser } from '../../accounts/service.js';
import { ApiKeyError } from '../../accounts/errors.js';
import type { ApiKeys } from '../../accounts/api-keys.js';
import { ValidationError } from '../../kernel/errors.js';
import type { WebDeps, WebEnv } from '../context.js';
import { notAllowedPage, notFoundPage, refuseForm, requireUser } from '../guards.js';
import { ApiKeysPage } from '../pages/api-keys.js';
import { csrfOk } from '../session.js';
import { viewerOf } from './connections.js';

const NOTICES: Record<string, string> = {
  revoked: 'Revoked. Calls with that key are refused from now on.',
};

/** The message pages' way back. */
const BACK = { href: '/api-keys', label: 'Back to API keys' };

/**
 * A new key on its way from the POST to the page the redirect leads to (POST-redirect-GET): an
 * HttpOnly, SameSite=Strict cookie for `/api-keys` only, living a few minutes, and deleted by the
 * page that shows the key, so the key is still shown only once and a reload does not create another.
 * @see https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/Cookies#security
 */
const NEW_KEY_COOKIE = 'sl_new_api_key';
const NEW_KEY_SECONDS = 300;

/** The key the creating POST handed over (once: the cookie is deleted), if it matches a listed key. */
async function takeCreated(c: Context<WebEnv>, keys: ApiKeys, user: SessionUser, secure: boolean) {
  const handed = getCookie(c, NEW_KEY_COOKIE);
  if (handed === undefined) return null;
  deleteCookie(c, NEW_KEY_COOKIE, { path: '/api-keys', secure, httpOnly: true, sameSite: 'Strict' });
  const dot = handed.indexOf('.');
  const [id, key] = [handed.slice(0, dot), handed.slice(dot + 1)];
  if (dot < 0 || id !== c.req.query('created')) return null;
  const apiKey = (await keys.list(viewerOf(user))).find((k) => k.id === id && !k.revokedAt);
  return apiKey && key.startsWith(`slk_${apiKey.prefix}_`) ? { key, apiKey } : null;
}

/** The signed-in owner or operator, or the response to send instead. */
function manager(c: Context<WebEnv>): SessionUser | Response | Promise<Response> {
  const user = requireUser(c);
  if (user instanceof Response) return user;
  if (user.role === 'owner' || user.role === 'operator') return user;
  return notAllowedPage(
    c,
    user,
    "Only account owners and operators manage API keys. Ask your account's owner.",
    'API_KEY_FORBIDDEN',
  );
}

/** The portal's API-keys page: owners and operators list, create (shown once) and revoke keys. */
export function registerApiKeyRoutes(app: Hono<WebEnv>, deps: WebDeps, keys: ApiKeys): void {
  const sandbox = deps.simulatorUrl;
  const secure = deps.config.publicUrl.startsWith('https://');

  const page = async (
    c: Context<WebEnv>,
    user: SessionUser,
    extra: Partial<Parameters<typeof ApiKeysPage>[0]> = {},
    status: 200 | 400 | 403 = 200,
  ) => {
    const accounts = user.role === 'operator' ? await deps.accounts.listAccounts() : undefined;
    // The page may carry a new key: never let it be cached.
    c.header('Cache-Control', 'no-store');
    return c.html(
      <ApiKeysPage
        user={user}
        keys={await keys.list(viewerOf(user))}
        sandbox={sandbox}
        {...(accounts ? { accounts } : {})}
        {...extra}
      />,
      status,
    );
  };

  app.get('/api-keys', async (c) => {
    const user = await manager(c);
    if (user instanceof Response) return user;
    const created = await takeCreated(c, keys, user, secure);
    return page(c, user, { notice: NOTICES[c.req.query('notice') ?? ''] ?? null, created });
  });

  app.post('/api-keys', async (c) => {
    const user = await manager(c);
    if (user instanceof Response) return user;
    const form = await c.req.parseBody();
    if (!csrfOk(user, form._csrf)) return refuseForm(c, user, deps.logger, BACK);
    const name = typeof form.name === 'string' ? form.name : '';
    const scope = typeof form.scope === 'string' ? form.scope : '';
    const accountId = user.role === 'operator' ? (scope === 'all' ? null : scope) : user.accountId;
    try {
      const created = await keys.create(viewerOf(user), { name, accountId }, c.get('ip'));
      setCookie(c, NEW_KEY_COOKIE, `${created.apiKey.id}.${created.key.reveal()}`, {
        path: '/api-keys',
        httpOnly: true,
        sameSite: 'Strict',
        secure,
        maxAge: NEW_KEY_SECONDS,
      });
      return c.redirect(`/api-keys?created=${encodeURIComponent(created.apiKey.id)}`, 303);
    } catch (err) {
      if (err instanceof ValidationError || err instanceof ApiKeyError) {
        const status = err instanceof ApiKeyError ? 403 : 400;
        return page(c, user, { error: err.message, values: { name, scope } }, status);
      }
      throw err;
    }
  });

  app.post('/api-keys/:id/revoke', async (c) => {
    const user = await manager(c);
    if (user instanceof Response) return user;
    const form = await c.req.parseBody();
    if (!csrfOk(user, form._csrf)) return refuseForm(c, user, deps.logger, BACK);
    try {
      await keys.revoke(viewerOf(user), c.req.param('id'), c.get('ip'));
      return c.redirect('/api-keys?notice=revoked', 303);
    } catch (err) {
      if (err instanceof ApiKeyError && err.code === 'API_KEY_NOT_FOUND') {
        return notFoundPage(c, user, 'There is no such API key in your account.', err.code, BACK);
      }
      throw err;
    }
  });
}
