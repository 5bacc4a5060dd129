import type { Context, Hono, MiddlewareHandler } from 'hono';
import type { SessionUser } from '../../accounts/service.js';
import { ValidationError } from '../../kernel/errors.js';
import { NotifyError } from '../../notify/errors.js';
import type { WebDeps, WebEnv, WebNotify } from '../context.js';
import { notAllowedPage, notFoundPage, refuseForm, requireUser } from '../guards.js';
import { CaughtMailPage, DeliveriesPage } from '../pages/notification-deliveries.js';
import { NotificationsPage } from '../pages/notifications.js';
import { isUuid } from '../../kernel/input.js';
import { csrfOk } from '../session.js';
import { viewerOf } from './connections.js';

const NOTICES: Record<string, string> = {
  saved: 'Saved. The next notifications follow these settings.',
  deleted: 'Deleted. The endpoint gets no more calls; its delivery log is gone with it.',
  redelivered: 'Queued: it is sent again within seconds.',
};

/** A form parsed with every value kept (a repeated field becomes an array). */
type FormValues = Record<string, string | File | (string | File)[]>;

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
  const sandbox = deps.simulatorUrl;
  const notify = deps.notify;

  /** Maps the use cases' refusals to pages; rethrows anything else. */
  const failure = (c: Context<WebEnv>, user: SessionUser, err: unknown) => {
    if (err instanceof NotifyError && err.code === 'NOTIFY_FORBIDDEN')
      return notAllowedPage(c, user, `${err.message}. Nothing was changed.`, err.code, BACK);
    if (
      err instanceof NotifyError &&
      (err.code === 'NOTIFY_ENDPOINT_NOT_FOUND' || err.code === 'NOTIFY_DELIVERY_NOT_FOUND')
    )
      return notFoundPage(c, user, `${err.message} in your account.`, err.code, BACK);
    throw err;
  };
  const list = (v: string | File | (string | File)[] | undefined): string[] =>
    (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');

  const page = async (
    c: Context<WebEnv>,
    user: SessionUser,
    scope: string | null,
    extra: Partial<Parameters<typeof NotificationsPage>[0]> = {},
    status: 200 | 400 = 200,
  ) => {
    const viewer = viewerOf(user);
    const accounts = user.role === 'operator' ? await deps.accounts.listAccounts() : undefined;
    c.header('Cache-Control', 'no-store');
    return c.html(
      <NotificationsPage
        user={user}
        sandbox={sandbox}
        settings={await notify!.settings.get(viewer, scope)}
        endpoints={await notify!.settings.listEndpoints(viewer, scope)}
        emailEnabled={notify!.emailEnabled}
        {...(accounts ? { accounts } : {})}
        {...extra}
      />,
      status,
    );
  };

  /** Like `failure`, but a ValidationError shows the settings page (of `scope`) again with its message. */
  const invalid = (c: Context<WebEnv>, user: SessionUser, scope: string | null, err: unknown) =>
    err instanceof ValidationError
      ? page(c, user, scope, { error: err.message }, 400)
      : failure(c, user, err);

  if (notify) {
    app.get('/notifications', async (c) => {
      const user = requireUser(c);
      if (user instanceof Response) return user;
      try {
        return await page(c, user, c.req.query('scope') ?? null, {
          notice: NOTICES[c.req.query('notice') ?? ''] ?? null,
        });
      } catch (err) {
        return invalid(c, user, null, err);
      }
    });

    /**
     * A settings form (every value kept, `scope` read): sign-in and CSRF checks, then `act`; a
     * ValidationError shows the settings page again with its message, other refusals their page.
     */
    const scopedForm = (
      path: string,
      act: (
        c: Context<WebEnv>,
        user: SessionUser,
        form: FormValues,
        scope: string | null,
      ) => Promise<Response>,
    ) =>
      app.post(path, async (c) => {
        const user = requireUser(c);
        if (user instanceof Response) return user;
        const form = await c.req.parseBody({ all: true });
        if (!csrfOk(user, form._csrf)) return refuseForm(c, user, deps.logger, BACK);
        const scope = typeof form.scope === 'string' ? form.scope : null;
        try {
          return await act(c, user, form, scope);
        } catch (err) {
          return invalid(c, user, scope, err);
        }
      });

    scopedForm('/notifications/settings', async (c, user, form, scope) => {
      const saved = await notify.settings.update(viewerOf(user), {
        scope,
        emailEnabled: form.emailEnabled === 'on',
        recipients: typeof form.recipients === 'string' ? form.recipients : '',
        eventTypes: list(form.eventTypes),
      });
      const q = user.role === 'operator' ? `&scope=${encodeURIComponent(saved.scope)}` : '';
      return c.redirect(`/notifications?notice=saved${q}`, 303);
    });

    scopedForm('/notifications/webhooks', async (c, user, form, scope) => {
      const created = await notify.settings.createEndpoint(viewerOf(user), {
        scope,
        url: typeof form.url === 'string' ? form.url : '',
        ...(typeof form.description === 'string' ? { description: form.description } : {}),
        eventTypes: list(form.eventTypes),
      });
      return await page(c, user, created.endpoint.scope, {
        created: { endpoint: created.endpoint, secret: created.secret.reveal() },
      });
    });

    app.post('/notifications/webhooks/:id/delete', async (c) => {
      const user = requireUser(c);
      if (user instanceof Response) return user;
      const form = await c.req.parseBody();
      if (!csrfOk(user, form._csrf)) return refuseForm(c, user, deps.logger, BACK);
      try {
        await notify.settings.deleteEndpoint(viewerOf(user), c.req.param('id'));
        return c.redirect('/notifications?notice=deleted', 303);
      } catch (err) {
        return failure(c, user, err);
      }
    });

    app.get('/notifications/deliveries', async (c) => {
      const user = requireUser(c);
      if (user instanceof Response) return user;
      const status = c.req.query('status');
      const channel = c.req.query('channel');
      const endpoint = c.req.query('endpoint');
      const scope = c.req.query('scope');
      const deliveries = await notify.deliveries.list(viewerOf(user), {
        ...(status === 'pending' || status === 'delivered' || status === 'failed' ? { status } : {}),
        ...(channel === 'email' || channel === 'webhook' ? { channel } : {}),
        ...(endpoint && isUuid(endpoint) ? { endpointId: endpoint } : {}),
        ...(scope ? { scope } : {}),
      });
      return c.html(
        <DeliveriesPage
          user={user}
          sandbox={sandbox}
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
    });

    app.post('/notifications/deliveries/:id/redeliver', async (c) => {
      const user = requireUser(c);
      if (user instanceof Response) return user;
      const form = await c.req.parseBody();
      if (!csrfOk(user, form._csrf)) return refuseForm(c, user, deps.logger, BACK);
      const id = Number(c.req.param('id'));
      try {
        await notify.deliveries.redeliver(viewerOf(user), Number.isSafeInteger(id) ? id : 0);
      } catch (err) {
        return failure(c, user, err);
      }
      await notify.nudge?.().catch(() => {});
      return c.redirect('/notifications/deliveries?notice=redelivered', 303);
    });
  }

  const catcher = deps.mailCatcher;
  if (catcher) {
    app.get('/sandbox/mail', (c) => {
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
    });
  }
}
