import type { Context, Hono, MiddlewareHandler } from 'hono';
import type { SessionUser } from '../../accounts/service.js';
import { ValidationError } from '../../kernel/errors.js';
import { NotifyError } from '../../notify/errors.js';
import type { WebDeps, WebEnv, WebNotify } from '../context.js';
import { notAllowedPage, notFoundPage, requireUser, signedInForm, signedInFormAll } from '../guards.js';
import { CaughtMailPage, DeliveriesPage } from '../pages/notification-deliveries.js';
import { NotificationsPage } from '../pages/notifications.js';
import { isUuid } from '../../kernel/input.js';
import { viewerOf } from './connections.js';

const NOTICES: Record<string, string> = {
  saved: 'Saved. The next notifications follow these settings.',
  deleted: 'Deleted. The endpoint gets no more calls; its delivery log is gone with it.',
  redelivered: 'Queued: it is sent again within seconds.',
  'test-sent': 'Test event queued: it is sent within seconds and shows up below.',
  'secret-shown':
    'The signing secret was shown once, when the endpoint was added. Lost it? Delete the endpoint and add it again.',
};

/** The delivery log's status filter values. */
type DeliveryStatusFilter = 'pending' | 'delivered' | 'failed' | 'held' | 'digested';
const DELIVERY_STATUSES: ReadonlySet<string> = new Set([
  'pending',
  'delivered',
  'failed',
  'held',
  'digested',
]);

/** A form parsed with every value kept (a repeated field becomes an array). */
type FormValues = Record<string, string | File | (string | File)[]>;

/** What the notification pages are given (only registered when notify is configured). */
type NotifyDeps = { web: WebDeps; notify: WebNotify };

/** What a settings form does once sign-in and CSRF are checked and `scope` is read. */
type ScopedAction = (
  c: Context<WebEnv>,
  d: NotifyDeps,
  user: SessionUser,
  form: FormValues,
  scope: string | null,
) => Promise<Response>;

/** The sandbox mail catcher the portal shows. */
type MailCatcher = NonNullable<WebDeps['mailCatcher']>;

/** The message pages' way back. */
const BACK = { href: '/notifications', label: 'Back to notifications' };

/**
 * Loads the signed-in user's active warnings for the banners at the top of each page (the
 * connections page shows its own, so it is skipped there).
 */
export function notificationBanners(notify: WebNotify | undefined): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const user = c.get('user');
    if (notify && user && c.req.method === 'GET' && c.req.path !== '/connections') {
      c.set('banners', await notify.banners.forViewer(viewerOf(user)).catch(() => []));
    }
    await next();
  };
}

/** Notification settings, webhook endpoints, the delivery log with redelivery, and the sandbox mail catcher. */
export function registerNotificationRoutes(app: Hono<WebEnv>, deps: WebDeps): void {
  const notify = deps.notify;
  if (notify) {
    const d: NotifyDeps = { web: deps, notify };
    app.get('/notifications', (c) => showSettings(c, d));
    app.post('/notifications/settings', (c) => scopedForm(c, d, saveSettings));
    app.post('/notifications/webhooks', (c) => scopedForm(c, d, createWebhook));
    app.post('/notifications/webhooks/:id/delete', (c) => deleteWebhook(c, d));
    app.post('/notifications/webhooks/:id/test', (c) => testWebhook(c, d));
    // The forms' addresses, opened again (a reload, a bookmark, Back): the page they came from.
    for (const path of ['/notifications/settings', '/notifications/webhooks'])
      app.get(path, (c) => c.redirect(`/notifications${new URL(c.req.url).search}`, 303));
    app.get('/notifications/deliveries', (c) => showDeliveries(c, d));
    app.post('/notifications/deliveries/:id/redeliver', (c) => redeliver(c, d));
  }
  const catcher = deps.mailCatcher;
  if (catcher) app.get('/sandbox/mail', (c) => showCaughtMail(c, deps.simulatorUrl, catcher));
}

/** Maps the use cases' refusals to pages; rethrows anything else. */
function failure(c: Context<WebEnv>, user: SessionUser, err: unknown): Response | Promise<Response> {
  if (err instanceof NotifyError && err.code === 'NOTIFY_FORBIDDEN')
    return notAllowedPage(
      c,
      user,
      `${err.message.replace(/\.+$/, '')}. Nothing was changed.`,
      err.code,
      BACK,
    );
  if (
    err instanceof NotifyError &&
    (err.code === 'NOTIFY_ENDPOINT_NOT_FOUND' || err.code === 'NOTIFY_DELIVERY_NOT_FOUND')
  )
    return notFoundPage(c, user, `${err.message} in your account.`, err.code, BACK);
  throw err;
}

/** A form field's string values (none, one, or a repeated field's). */
function list(v: string | File | (string | File)[] | undefined): string[] {
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter(
    (x): x is string => typeof x === 'string',
  );
}

/** The settings page of `scope`: e-mail settings and webhook endpoints. */
async function settingsPage(
  c: Context<WebEnv>,
  d: NotifyDeps,
  user: SessionUser,
  scope: string | null,
  extra: Partial<Parameters<typeof NotificationsPage>[0]> = {},
  status: 200 | 400 = 200,
): Promise<Response> {
  const viewer = viewerOf(user);
  const accounts = user.role === 'operator' ? await d.web.accounts.listAccounts() : undefined;
  c.header('Cache-Control', 'no-store');
  return c.html(
    <NotificationsPage
      user={user}
      sandbox={d.web.simulatorUrl}
      settings={await d.notify.settings.get(viewer, scope)}
      endpoints={await d.notify.settings.listEndpoints(viewer, scope)}
      emailEnabled={d.notify.emailEnabled}
      {...(accounts ? { accounts } : {})}
      {...extra}
    />,
    status,
  );
}

/** Like `failure`, but a ValidationError shows the settings page (of `scope`) again with its message. */
function invalid(
  c: Context<WebEnv>,
  d: NotifyDeps,
  user: SessionUser,
  scope: string | null,
  err: unknown,
): Response | Promise<Response> {
  return err instanceof ValidationError
    ? settingsPage(c, d, user, scope, { error: err.message }, 400)
    : failure(c, user, err);
}

/**
 * `GET /notifications`: the settings page (of `?scope=` for operators). `?created=<id>`: the page the
 * adding form redirects to shows that endpoint's signing secret, once (a reload shows it no more).
 */
async function showSettings(c: Context<WebEnv>, d: NotifyDeps): Promise<Response> {
  const user = requireUser(c);
  if (user instanceof Response) return user;
  try {
    const createdId = c.req.query('created');
    const created = createdId ? await d.notify.settings.revealNewSecret(viewerOf(user), createdId) : null;
    const notice = createdId && !created ? 'secret-shown' : (c.req.query('notice') ?? '');
    return await settingsPage(c, d, user, c.req.query('scope') ?? null, {
      notice: NOTICES[notice] ?? null,
      ...(created ? { created: { endpoint: created.endpoint, secret: created.secret.reveal() } } : {}),
    });
  } catch (err) {
    return invalid(c, d, user, null, err);
  }
}

/**
 * A settings form (every value kept, `scope` read): sign-in and CSRF checks, then `act`; a
 * ValidationError shows the settings page again with its message, other refusals their page.
 */
async function scopedForm(c: Context<WebEnv>, d: NotifyDeps, act: ScopedAction): Promise<Response> {
  const signed = await signedInFormAll(c, d.web.logger, BACK);
  if (signed instanceof Response) return signed;
  const { user, form } = signed;
  const scope = typeof form.scope === 'string' ? form.scope : null;
  try {
    return await act(c, d, user, form, scope);
  } catch (err) {
    return invalid(c, d, user, scope, err);
  }
}

/** `POST /notifications/settings`: saves the e-mail settings and the events to send. */
const saveSettings: ScopedAction = async (c, d, user, form, scope) => {
  const saved = await d.notify.settings.update(viewerOf(user), {
    scope,
    emailEnabled: form.emailEnabled === 'on',
    emailMode: typeof form.emailMode === 'string' ? form.emailMode : null,
    recipients: typeof form.recipients === 'string' ? form.recipients : '',
    eventTypes: list(form.eventTypes),
  });
  const q = user.role === 'operator' ? `&scope=${encodeURIComponent(saved.scope)}` : '';
  return c.redirect(`/notifications?notice=saved${q}`, 303);
};

/**
 * `POST /notifications/webhooks`: adds an endpoint, then redirects to the settings page, which shows
 * its signing secret once (POST-redirect-GET: a reload neither adds it again nor answers 404). A
 * refused URL shows the form again with what was typed and the reason.
 */
const createWebhook: ScopedAction = async (c, d, user, form, scope) => {
  const draft = {
    url: typeof form.url === 'string' ? form.url : '',
    description: typeof form.description === 'string' ? form.description : '',
    eventTypes: list(form.eventTypes),
  };
  try {
    const created = await d.notify.settings.createEndpoint(viewerOf(user), {
      scope,
      url: draft.url,
      ...(draft.description ? { description: draft.description } : {}),
      eventTypes: draft.eventTypes,
    });
    const q = user.role === 'operator' ? `&scope=${encodeURIComponent(created.endpoint.scope)}` : '';
    return c.redirect(`/notifications?created=${created.endpoint.id}${q}#endpoint-secret`, 303);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return settingsPage(c, d, user, scope, { error: err.message, draft }, 400);
  }
};

/** `POST /notifications/webhooks/:id/test`: queues a `webhook.test` event for that endpoint only. */
async function testWebhook(
  c: Context<WebEnv, '/notifications/webhooks/:id/test'>,
  d: NotifyDeps,
): Promise<Response> {
  const signed = await signedInForm(c, d.web.logger, BACK);
  if (signed instanceof Response) return signed;
  const { user } = signed;
  const id = c.req.param('id');
  try {
    await d.notify.settings.sendTestEvent(viewerOf(user), id);
  } catch (err) {
    return failure(c, user, err);
  }
  await d.notify.nudge?.().catch(() => {});
  return c.redirect(`/notifications/deliveries?endpoint=${id}&notice=test-sent`, 303);
}

/** `POST /notifications/webhooks/:id/delete`. */
async function deleteWebhook(
  c: Context<WebEnv, '/notifications/webhooks/:id/delete'>,
  d: NotifyDeps,
): Promise<Response> {
  const signed = await signedInForm(c, d.web.logger, BACK);
  if (signed instanceof Response) return signed;
  const { user } = signed;
  try {
    await d.notify.settings.deleteEndpoint(viewerOf(user), c.req.param('id'));
    return c.redirect('/notifications?notice=deleted', 303);
  } catch (err) {
    return failure(c, user, err);
  }
}

/** `GET /notifications/deliveries`: the delivery log, filtered by status, channel, endpoint and scope. */
async function showDeliveries(c: Context<WebEnv>, d: NotifyDeps): Promise<Response> {
  const user = requireUser(c);
  if (user instanceof Response) return user;
  const status = c.req.query('status');
  const channel = c.req.query('channel');
  const endpoint = c.req.query('endpoint');
  const scope = c.req.query('scope');
  const deliveries = await d.notify.deliveries.list(viewerOf(user), {
    ...(status && DELIVERY_STATUSES.has(status) ? { status: status as DeliveryStatusFilter } : {}),
    ...(channel === 'email' || channel === 'webhook' ? { channel } : {}),
    ...(endpoint && isUuid(endpoint) ? { endpointId: endpoint } : {}),
    ...(scope ? { scope } : {}),
  });
  return c.html(
    <DeliveriesPage
      user={user}
      sandbox={d.web.simulatorUrl}
      deliveries={deliveries}
      notice={NOTICES[c.req.query('notice') ?? ''] ?? null}
      filter={{
        ...(status ? { status } : {}),
        ...(channel ? { channel } : {}),
        ...(endpoint ? { endpoint } : {}),
        ...(scope ? { scope } : {}),
      }}
    />,
  );
}

/** `POST /notifications/deliveries/:id/redeliver`: queues the delivery again and nudges the job. */
async function redeliver(
  c: Context<WebEnv, '/notifications/deliveries/:id/redeliver'>,
  d: NotifyDeps,
): Promise<Response> {
  const signed = await signedInForm(c, d.web.logger, BACK);
  if (signed instanceof Response) return signed;
  const { user } = signed;
  const id = Number(c.req.param('id'));
  try {
    await d.notify.deliveries.redeliver(viewerOf(user), Number.isSafeInteger(id) ? id : 0);
  } catch (err) {
    return failure(c, user, err);
  }
  await d.notify.nudge?.().catch(() => {});
  return c.redirect('/notifications/deliveries?notice=redelivered', 303);
}

/** `GET /sandbox/mail` (sandbox mode): the mail the catcher holds for this user. */
function showCaughtMail(
  c: Context<WebEnv>,
  sandbox: string | null,
  catcher: MailCatcher,
): Response | Promise<Response> {
  const user = requireUser(c);
  if (user instanceof Response) return user;
  return c.html(
    <CaughtMailPage
      user={user}
      sandbox={sandbox}
      catcherUrl={catcher.url}
      messages={catcher.messagesFor(viewerOf(user))}
    />,
  );
}
