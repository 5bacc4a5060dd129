import type { Context, Hono } from 'hono';
import type { SessionUser } from '../../accounts/service.js';
import { isRegion } from '../../amazon/regions.js';
import { ConnectionsError } from '../../connections/errors.js';
import { defaultApplication } from '../../connections/oauth-start.js';
import type { Connection, Viewer } from '../../connections/repository.js';
import { ValidationError } from '../../kernel/errors.js';
import { Secret } from '../../kernel/secret.js';
import type { WebDeps, WebEnv } from '../context.js';
import { notFoundPage, requireUser, signedInForm } from '../guards.js';
import { ConnectionPage, DisconnectPage } from '../pages/connection.js';
import { ConnectionsPage, type ConnectionRow } from '../pages/connections.js';
import type { AdsRow } from '../pages/ads.js';
import { ImportPage } from '../pages/import.js';
import { MessagePage } from '../pages/layout.js';

const NOTICES: Record<string, string> = {
  connected:
    'Connected. Amazon confirmed the authorization; it lasts 365 days and Sellerlink will remind you before it ends.',
  renewed:
    'Renewed. The authorization was replaced and its 365 days start again; anything that was waiting now goes out.',
  disconnected:
    'Disconnected: the stored token was deleted. To finish, also remove the app in Seller Central → Settings → User Permissions / Manage Your Apps.',
  imported: 'Imported. Amazon accepted the refresh token; it is stored encrypted.',
};

/** A request to a page of one connection (`:id` in its path). */
type ConnectionContext = Context<WebEnv, '/connections/:id'>;

/** The viewer of a signed-in user. */
export function viewerOf(user: SessionUser): Viewer {
  return { userId: user.id, username: user.username, role: user.role, accountId: user.accountId };
}

/** The 404 page for a connection the user may not see (or that does not exist). */
export function connectionNotFound(c: Context<WebEnv>, user: SessionUser): Response | Promise<Response> {
  return notFoundPage(c, user, 'There is no such connection in your account.', 'CONNECTION_NOT_FOUND');
}

/** A 409 page for a connect or renew that cannot work now, saying why in plain words. */
function refused(c: Context<WebEnv>, user: SessionUser, title: string, err: ConnectionsError): Response {
  return c.html(
    <MessagePage title={title} message={err.message} user={user} code={err.code} tone="warn" />,
    409,
  ) as Response;
}

/** The connections portal: status page, connect, renew, disconnect, import, detail. */
export function registerConnectionRoutes(app: Hono<WebEnv>, deps: WebDeps): void {
  app.get('/connections', (c) => showConnections(c, deps));
  app.post('/connections/connect', (c) => startConnect(c, deps));
  app.get('/connections/import', (c) => showImport(c, deps));
  app.post('/connections/import', (c) => submitImport(c, deps));
  app.get('/connections/:id', (c) => showConnection(c, deps));
  app.post('/connections/:id/renew', (c) => startRenew(c, deps));
  app.get('/connections/:id/disconnect', (c) => askDisconnect(c, deps));
  app.post('/connections/:id/disconnect', (c) => disconnect(c, deps));
}

/** Table rows for connections: each with its application's name and, given names, its account's. */
async function rowsFor(
  deps: WebDeps,
  connections: Connection[],
  accountNames?: Map<string, string>,
): Promise<ConnectionRow[]> {
  const apps = new Map((await deps.applications.list()).map((a) => [a.id, a.name]));
  return connections.map((connection) => {
    const row: ConnectionRow = {
      connection,
      applicationName: apps.get(connection.applicationId) ?? 'unknown app',
    };
    const accountName = accountNames?.get(connection.accountId);
    if (accountName) row.accountName = accountName;
    return row;
  });
}

/** The viewer's Ads connections with their profiles (none when the ads use cases are not wired). */
async function adsRowsFor(deps: WebDeps, viewer: Viewer): Promise<AdsRow[]> {
  const ads = deps.ads;
  if (!ads) return [];
  const connections = await deps.connections.list(viewer, undefined, 'ads');
  return Promise.all(
    connections.map(async (connection) => ({ connection, profiles: await ads.profilesOf(connection.id) })),
  );
}

/**
 * Rows per page of `/connections`: an account's connections usually fit on one; an operator's (every
 * account's) go page by page.
 */
export const CONNECTIONS_PAGE_SIZE = 100;

/** `GET /connections`: the status page of the connections the user may see, a page at a time. */
async function showConnections(c: Context<WebEnv>, deps: WebDeps): Promise<Response> {
  const user = requireUser(c);
  if (user instanceof Response) return user;
  const viewer = viewerOf(user);
  const cursor = c.req.query('cursor');
  let page;
  try {
    page = await deps.connections.page(viewer, {
      api: 'sp_api',
      limit: CONNECTIONS_PAGE_SIZE,
      ...(cursor ? { cursor } : {}),
    });
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    const message = 'This page link is not valid any more: start from the first page.';
    return c.html(<MessagePage title="Connections" message={message} user={user} code={err.code} />, 400);
  }
  const accounts = user.role === 'operator' ? await deps.accounts.listAccounts() : undefined;
  const names = accounts ? new Map(accounts.map((a) => [a.id, a.name])) : undefined;
  const rows = await rowsFor(deps, page.connections, names);
  // One page holds them all: the banners read it; otherwise they read the ones needing attention.
  const whole = !cursor && page.nextCursor === null;
  const attention = whole
    ? rows
    : await rowsFor(deps, await deps.connections.attention(viewer, 'sp_api'), names);
  const hasApp = (await deps.applications.list()).length > 0;
  const adsRows = await adsRowsFor(deps, viewer);
  return c.html(
    <ConnectionsPage
      user={user}
      rows={rows}
      attention={attention}
      next={page.nextCursor === null ? null : `/connections?cursor=${encodeURIComponent(page.nextCursor)}`}
      paged={Boolean(cursor)}
      adsRows={adsRows}
      canConnectAds={(await deps.applications.list('ads')).length > 0 && user.role !== 'operator'}
      notice={NOTICES[c.req.query('notice') ?? ''] ?? null}
      sandbox={deps.simulatorUrl}
      canConnect={hasApp && (user.role !== 'operator' || (accounts?.length ?? 0) > 0)}
      {...(accounts ? { accounts } : {})}
    />,
  );
}

/** `POST /connections/connect`: sends the browser to Amazon's consent page for the chosen region. */
async function startConnect(c: Context<WebEnv>, deps: WebDeps): Promise<Response> {
  const signed = await signedInForm(c, deps.logger);
  if (signed instanceof Response) return signed;
  const { user, form } = signed;
  const region = form.region;
  if (!isRegion(region)) {
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
  const application = defaultApplication(await deps.applications.list());
  if (!application) {
    return c.html(
      <MessagePage
        title="No application"
        message="No SP-API application is registered yet. An operator must add one (sellerlink applications add)."
        user={user}
        code="APPLICATION_NOT_FOUND"
      />,
      409,
    );
  }
  let url: string;
  try {
    url = await deps.oauth.startConnect(
      { viewer: viewerOf(user), sessionHash: user.sessionHash, ip: c.get('ip') },
      {
        region,
        applicationId: application.id,
        ...(typeof form.accountId === 'string' ? { accountId: form.accountId } : {}),
      },
    );
  } catch (err) {
    if (err instanceof ConnectionsError && err.code === 'APPLICATION_REJECTED')
      return refused(c, user, 'Connecting cannot work right now', err);
    throw err;
  }
  c.header('Referrer-Policy', 'no-referrer');
  return c.redirect(url, 303);
}

/** `GET /connections/import`: the form for a self-authorized refresh token. */
async function showImport(c: Context<WebEnv>, deps: WebDeps): Promise<Response> {
  const user = requireUser(c);
  if (user instanceof Response) return user;
  const accounts = user.role === 'operator' ? await deps.accounts.listAccounts() : undefined;
  return c.html(
    <ImportPage
      user={user}
      applications={await deps.applications.list()}
      sandbox={deps.simulatorUrl}
      {...(accounts ? { accounts } : {})}
    />,
  );
}

/** `POST /connections/import`: stores a self-authorized refresh token Amazon accepts, or shows the form again. */
async function submitImport(c: Context<WebEnv>, deps: WebDeps): Promise<Response> {
  const signed = await signedInForm(c, deps.logger);
  if (signed instanceof Response) return signed;
  const { user, form } = signed;
  const field = (name: string): string => (typeof form[name] === 'string' ? form[name].trim() : '');
  const values = {
    applicationId: field('applicationId'),
    region: field('region'),
    sellingPartnerId: field('sellingPartnerId'),
    accountId: field('accountId'),
  };
  const accounts = user.role === 'operator' ? await deps.accounts.listAccounts() : undefined;
  const again = (error: string, status: 400 | 409) =>
    c.html(
      <ImportPage
        user={user}
        applications={[]}
        error={error}
        values={values}
        sandbox={deps.simulatorUrl}
        {...(accounts ? { accounts } : {})}
      />,
      status,
    );
  if (!isRegion(values.region)) return again('Choose a region.', 400);
  try {
    const connection = await deps.connections.importSelfAuthorized(
      viewerOf(user),
      {
        applicationId: values.applicationId,
        region: values.region,
        sellingPartnerId: values.sellingPartnerId,
        refreshToken: new Secret(field('refreshToken')),
        ...(values.accountId ? { accountId: values.accountId } : {}),
      },
      c.get('ip'),
    );
    return c.redirect(`/connections/${connection.id}?notice=imported`, 303);
  } catch (err) {
    if (err instanceof ConnectionsError) {
      const page = await again(err.message, 400);
      return page;
    }
    throw err;
  }
}

/** `GET /connections/:id`: one connection with its history. */
async function showConnection(c: ConnectionContext, deps: WebDeps): Promise<Response> {
  const user = requireUser(c);
  if (user instanceof Response) return user;
  const viewer = viewerOf(user);
  const connection = await deps.connections.get(viewer, c.req.param('id'));
  const [row] = await rowsFor(deps, [connection]);
  const history = await deps.connections.history(viewer, connection.id);
  return c.html(
    <ConnectionPage
      user={user}
      connection={connection}
      applicationName={row!.applicationName}
      history={history}
      notice={NOTICES[c.req.query('notice') ?? ''] ?? null}
      sandbox={deps.simulatorUrl}
    />,
  );
}

/** `POST /connections/:id/renew`: sends the browser to Amazon's consent page to authorize again. */
async function startRenew(c: ConnectionContext, deps: WebDeps): Promise<Response> {
  const signed = await signedInForm(c, deps.logger);
  if (signed instanceof Response) return signed;
  const { user } = signed;
  try {
    const connection = await deps.connections.get(viewerOf(user), c.req.param('id'));
    const url = await deps.oauth.startRenew(
      { viewer: viewerOf(user), sessionHash: user.sessionHash, ip: c.get('ip') },
      connection,
    );
    c.header('Referrer-Policy', 'no-referrer');
    return c.redirect(url, 303);
  } catch (err) {
    if (err instanceof ConnectionsError && err.code === 'APPLICATION_REJECTED')
      return refused(c, user, 'Renewing cannot help right now', err);
    if (err instanceof ConnectionsError && err.code === 'CONNECTION_NOT_RENEWABLE')
      return refused(c, user, 'Cannot renew here', err);
    throw err;
  }
}

/** The confirmation page, or the detail page when there is nothing left to disconnect. */
async function confirmDisconnect(c: ConnectionContext, deps: WebDeps, user: SessionUser): Promise<Response> {
  const connection = await deps.connections.get(viewerOf(user), c.req.param('id'));
  if (connection.state === 'disconnected') return c.redirect(`/connections/${connection.id}`, 303);
  const [row] = await rowsFor(deps, [connection]);
  return await c.html(
    <DisconnectPage
      user={user}
      connection={connection}
      applicationName={row!.applicationName}
      sandbox={deps.simulatorUrl}
    />,
  );
}

/** `GET /connections/:id/disconnect`: asks before deleting the token. */
async function askDisconnect(c: ConnectionContext, deps: WebDeps): Promise<Response> {
  const user = requireUser(c);
  if (user instanceof Response) return user;
  return confirmDisconnect(c, deps, user);
}

/** `POST /connections/:id/disconnect`: deletes the stored token once confirmed. */
async function disconnect(c: ConnectionContext, deps: WebDeps): Promise<Response> {
  const signed = await signedInForm(c, deps.logger);
  if (signed instanceof Response) return signed;
  const { user, form } = signed;
  // Deleting the token cannot be undone: without the confirmation step's field, ask first (on a GET page).
  if (form.confirm !== 'yes') return c.redirect(`/connections/${c.req.param('id')}/disconnect`, 303);
  const connection = await deps.connections.disconnect(viewerOf(user), c.req.param('id'), c.get('ip'));
  return c.redirect(`/connections/${connection.id}?notice=disconnected`, 303);
}
