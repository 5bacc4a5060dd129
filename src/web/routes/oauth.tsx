import type { Hono } from 'hono';
import { CallbackFailure } from '../../connections/oauth.js';
import type { WebDeps, WebEnv } from '../context.js';
import { MessagePage } from '../pages/layout.js';
import { completeViaLink, renewedBy } from './connect.js';
import { consentCancelled, consentCancelledPage } from './consent-cancel.js';
import { viewerOf } from './connections.js';

const TITLES: Record<string, string> = {
  OAUTH_CONSENT_DENIED: 'Authorization not granted',
  OAUTH_STATE_EXPIRED: 'Authorization expired',
  OAUTH_STATE_REPLAYED: 'Link already used',
  OAUTH_STATE_OTHER_SESSION: 'Started in another session',
  OAUTH_PARTNER_MISMATCH: 'Different seller account',
  OAUTH_REGION_MISMATCH: 'Authorized for another region',
  OAUTH_SELLER_MISMATCH: 'Seller id not confirmed by Amazon',
  OAUTH_CODE_REJECTED: 'Authorization code not accepted',
  OAUTH_EXCHANGE_FAILED: 'Amazon did not complete the authorization',
};

/** The OAuth redirect URI and the Login URI Amazon sends sellers to (https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow, §1.4). */
export function registerOAuthRoutes(app: Hono<WebEnv>, deps: WebDeps): void {
  app.use('/oauth/*', async (c, next) => {
    await next();
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cache-Control', 'no-store');
  });

  app.get('/oauth/callback', async (c) => {
    const user = c.get('user');
    const query = new URL(c.req.url).searchParams;
    const viaLink = await completeViaLink(c, deps, (origin) => deps.oauth.completeCallback(origin, query));
    if (viaLink) return viaLink;
    try {
      const origin = user ? { viewer: viewerOf(user), sessionHash: user.sessionHash, ip: c.get('ip') } : null;
      const result = await deps.oauth.completeCallback(origin, query);
      return c.redirect(
        `/connections/${result.connection.id}?notice=${renewedBy(result) ? 'renewed' : 'connected'}`,
        303,
      );
    } catch (err) {
      if (err instanceof CallbackFailure) {
        deps.logger.warn(
          { code: err.code, ip: c.get('ip'), user: user?.username ?? null },
          'OAuth callback refused',
        );
        if (consentCancelled(err, query)) return consentCancelledPage(c, user, err);
        const status = err.code === 'OAUTH_EXCHANGE_FAILED' ? 502 : 400;
        return c.html(
          <MessagePage
            title={TITLES[err.code] ?? 'Could not connect'}
            message={err.message}
            user={user}
            code={err.code}
            next={
              user
                ? { href: '/connections', label: 'Back to connections' }
                : { href: '/login', label: 'Sign in' }
            }
          />,
          status,
        );
      }
      throw err;
    }
  });

  app.get('/oauth/login', async (c) => {
    const user = c.get('user');
    if (!user) {
      const here = new URL(c.req.url);
      return c.redirect(`/login?next=${encodeURIComponent(here.pathname + here.search)}`);
    }
    try {
      const url = await deps.oauth.startFromAmazon(
        { viewer: viewerOf(user), sessionHash: user.sessionHash, ip: c.get('ip') },
        new URL(c.req.url).searchParams,
      );
      return c.redirect(url, 303);
    } catch (err) {
      if (err instanceof CallbackFailure) {
        return c.html(
          <MessagePage title="Could not continue" message={err.message} user={user} code={err.code} />,
          400,
        );
      }
      throw err;
    }
  });
}
