import type { Context, Hono } from 'hono';
import type { SessionUser } from '../../accounts/service.js';
import type { Ads } from '../../ads/ads.js';
import { AppError } from '../../kernel/errors.js';
import { isRegion } from '../../amazon/regions.js';
import { ConnectionsError } from '../../connections/errors.js';
import { CallbackFailure } from '../../connections/oauth.js';
import type { WebDeps, WebEnv } from '../context.js';
import { requireUser, signedInForm } from '../guards.js';
import { AdsConnectionPage } from '../pages/ads.js';
import { completeViaLink, renewedBy } from './connect.js';
import { consentCancelled, consentCancelledPage } from './consent-cancel.js';
import { MessagePage } from '../pages/layout.js';
import { viewerOf } from './connections.js';

/**
 * The portal's Amazon Ads pages: connect per region, the connection page (profiles, renew, list
 * again, disconnect), and the Ads redirect URI.
 */

const NOTICES: Record<string, string> = {
  connected:
    'Amazon Ads connected. Its authorization lasts 365 days; Sellerlink will remind you before it ends.',
  renewed: 'Amazon Ads renewed: the 365 days start again.',
  disconnected:
    'Disconnected: the stored token was deleted. To finish, also remove the app in your Amazon account’s “Apps and services” (Login with Amazon).',
  listed: 'The advertising profiles were listed again.',
};

type AdsContext = Context<WebEnv, '/ads-connections/:id'>;

const origin = (c: Context<WebEnv>, user: SessionUser) => ({
  viewer: viewerOf(user),
  sessionHash: user.sessionHash,
  ip: c.get('ip'),
});

/** A 409 page for a connect or renew that cannot work now. */
function refused(c: Context<WebEnv>, user: SessionUser, title: string, err: AppError<string>): Response {
  return c.html(
    <MessagePage title={title} message={err.message} user={user} code={err.code} tone="warn" />,
    409,
  ) as Response;
}

/** Registers the Ads pages (only when the ads use cases are wired). */
export function registerAdsRoutes(app: Hono<WebEnv>, deps: WebDeps & { ads: Ads }): void {
  app.post('/ads-connections/connect', (c) => startConnect(c, deps));
  app.get('/ads-connections/:id', (c) => showConnection(c, deps));
  app.post('/ads-connections/:id/renew', (c) => startRenew(c, deps));
  app.post('/ads-connections/:id/profiles', (c) => listAgain(c, deps));
  app.post('/ads-connections/:id/disconnect', (c) => disconnect(c, deps));
  app.get('/oauth/ads/callback', (c) => callback(c, deps));
}

/** `POST /ads-connections/connect`: to Amazon's Ads consent page for the chosen region. */
async function startConnect(c: Context<WebEnv>, deps: WebDeps): Promise<Response> {
  const signed = await signedInForm(c, deps.logger);
  if (signed instanceof Response) return signed;
  const { user, form } = signed;
  if (!isRegion(form.region)) {
    return c.html(
      <MessagePage
        title="Choose a region"
        message="Choose North America, Europe or Far East."
        user={user}
        code="VALIDATION_FAILED"
      />,
      400,
    );
  }
  try {
    const url = await deps.oauth.startAdsConnect(origin(c, user), {
      region: form.region,
      ...(typeof form.accountId === 'string' ? { accountId: form.accountId } : {}),
    });
    c.header('Referrer-Policy', 'no-referrer');
    return c.redirect(url, 303);
  } catch (err) {
    if (
      err instanceof ConnectionsError &&
      (err.code === 'APPLICATION_REJECTED' || err.code === 'APPLICATION_NOT_FOUND')
    )
      return refused(c, user, 'Connecting Amazon Ads cannot work right now', err);
    throw err;
  }
}

/** `GET /ads-connections/:id`. */
async function showConnection(c: AdsContext, deps: WebDeps & { ads: Ads }): Promise<Response> {
  const user = requireUser(c);
  if (user instanceof Response) return user;
  const viewer = viewerOf(user);
  const connection = await deps.ads.get(viewer, c.req.param('id'));
  return c.html(
    <AdsConnectionPage
      user={user}
      row={{ connection, profiles: await deps.ads.profilesOf(connection.id) }}
      history={await deps.connections.history(viewer, connection.id, 'ads')}
      notice={NOTICES[c.req.query('notice') ?? ''] ?? null}
      sandbox={deps.simulatorUrl}
    />,
  );
}

/** `POST /ads-connections/:id/renew`: the same consent, bound to this connection. */
async function startRenew(c: AdsContext, deps: WebDeps & { ads: Ads }): Promise<Response> {
  const signed = await signedInForm(c, deps.logger);
  if (signed instanceof Response) return signed;
  const { user } = signed;
  try {
    const connection = await deps.ads.get(viewerOf(user), c.req.param('id'));
    const url = await deps.oauth.startAdsRenew(origin(c, user), connection);
    c.header('Referrer-Policy', 'no-referrer');
    return c.redirect(url, 303);
  } catch (err) {
    if (err instanceof ConnectionsError && err.code === 'APPLICATION_REJECTED')
      return refused(c, user, 'Renewing cannot help right now', err);
    throw err;
  }
}

/** `POST /ads-connections/:id/profiles`: lists the profiles again now. */
async function listAgain(c: AdsContext, deps: WebDeps & { ads: Ads }): Promise<Response> {
  const signed = await signedInForm(c, deps.logger);
  if (signed instanceof Response) return signed;
  const { user } = signed;
  const id = c.req.param('id');
  try {
    await deps.ads.refreshProfiles(viewerOf(user), id);
  } catch (err) {
    const failure = err instanceof AppError ? (err as AppError<string>) : null;
    if (failure && failure.code !== 'CONNECTION_NOT_FOUND')
      return refused(c, user, 'Could not list the profiles', failure);
    throw err;
  }
  return c.redirect(`/ads-connections/${id}?notice=listed`, 303);
}

/** `POST /ads-connections/:id/disconnect` (confirmed on the page's button). */
async function disconnect(c: AdsContext, deps: WebDeps): Promise<Response> {
  const signed = await signedInForm(c, deps.logger);
  if (signed instanceof Response) return signed;
  const { user, form } = signed;
  if (form.confirm !== 'yes') return c.redirect(`/ads-connections/${c.req.param('id')}`, 303);
  const connection = await deps.connections.disconnect(viewerOf(user), c.req.param('id'), c.get('ip'), 'ads');
  return c.redirect(`/ads-connections/${connection.id}?notice=disconnected`, 303);
}

/** `GET /oauth/ads/callback`: the Ads redirect URI; profiles are listed right after the consent. */
async function callback(c: Context<WebEnv>, deps: WebDeps & { ads: Ads }): Promise<Response> {
  const user = c.get('user');
  c.header('Referrer-Policy', 'no-referrer');
  c.header('Cache-Control', 'no-store');
  const listProfiles = (connection: { id: string }) =>
    deps.ads
      .refreshProfiles(null, connection.id)
      .then(() => {})
      .catch((err: unknown) =>
        deps.logger.warn(
          { connectionId: connection.id, err: (err as Error).message },
          'could not list Ads profiles after consent',
        ),
      );
  const query = new URL(c.req.url).searchParams;
  const viaLink = await completeViaLink(
    c,
    deps,
    (o) => deps.oauth.completeAdsCallback(o, query),
    listProfiles,
  );
  if (viaLink) return viaLink;
  try {
    const result = await deps.oauth.completeAdsCallback(user ? origin(c, user) : null, query);
    await listProfiles(result.connection);
    return c.redirect(
      `/ads-connections/${result.connection.id}?notice=${renewedBy(result) ? 'renewed' : 'connected'}`,
      303,
    );
  } catch (err) {
    if (!(err instanceof CallbackFailure)) throw err;
    deps.logger.warn(
      { code: err.code, ip: c.get('ip'), user: user?.username ?? null },
      'Ads OAuth callback refused',
    );
    if (consentCancelled(err, query)) return consentCancelledPage(c, user, err);
    return c.html(
      <MessagePage
        title="Could not connect Amazon Ads"
        message={err.message}
        user={user}
        code={err.code}
        next={
          user ? { href: '/connections', label: 'Back to connections' } : { href: '/login', label: 'Sign in' }
        }
      />,
      err.code === 'OAUTH_EXCHANGE_FAILED' ? 502 : 400,
    );
  }
}
