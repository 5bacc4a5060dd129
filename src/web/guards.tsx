import type { Context } from 'hono';
import type { SessionUser } from '../accounts/service.js';
import type { Logger } from '../kernel/log.js';
import type { WebEnv } from './context.js';
import { csrfOk } from './session.js';
import { MessagePage } from './pages/layout.js';

/** Where a message page's button leads (default: back to connections). */
export type BackLink = { href: string; label: string };

/**
 * The signed-in user, or the redirect to send instead: a GET goes to `/login?next=<this page>`,
 * a form post to `/login` (303).
 */
export function requireUser(c: Context<WebEnv>): SessionUser | Response {
  const user = c.get('user');
  if (user) return user;
  return c.req.method === 'GET'
    ? c.redirect(`/login?next=${encodeURIComponent(c.req.path)}`)
    : c.redirect('/login', 303);
}

/** A message page with a fixed status and title; `message` says what happened, `code` is its stable code. */
function messagePageOf(status: 403 | 404, title: string) {
  return (
    c: Context<WebEnv>,
    user: SessionUser,
    message: string,
    code: string,
    back?: BackLink,
  ): Response | Promise<Response> =>
    c.html(
      <MessagePage
        title={title}
        message={message}
        user={user}
        code={code}
        {...(back ? { next: back } : {})}
      />,
      status,
    );
}

/** The 404 "Not found" page: `message` says what is missing, `code` is the error's stable code. */
export const notFoundPage = messagePageOf(404, 'Not found');

/** The 403 "Not allowed" page: `message` says why, `code` is the error's stable code. */
export const notAllowedPage = messagePageOf(403, 'Not allowed');

const formExpiredPage = messagePageOf(403, 'Form expired');

/**
 * The 403 "Form expired" page for a form without the session's CSRF token. With a logger the
 * refusal is logged as a warning (path, user, client address).
 */
export function refuseForm(
  c: Context<WebEnv>,
  user: SessionUser,
  logger: Logger | null,
  back?: BackLink,
): Response | Promise<Response> {
  logger?.warn(
    { path: c.req.path, user: user.username, ip: c.get('ip') },
    'form without a valid CSRF token refused',
  );
  return formExpiredPage(
    c,
    user,
    'This form expired or came from another site. Nothing was changed; please try again.',
    'CSRF_FAILED',
    back,
  );
}

/** A form post's fields: one value per name. */
export type FormFields = Record<string, string | File>;
/** A form post's fields with repeated names as arrays (`parseBody({ all: true })`). */
export type FormFieldsAll = Record<string, string | File | (string | File)[]>;

/**
 * The one rule for a portal form post: a signed-in user (else the redirect to sign in) whose form
 * carries the session's CSRF token (else the "Form expired" page, nothing changed). Answers the user
 * and the parsed form, or the response to send instead.
 */
export async function signedInForm(
  c: Context<WebEnv>,
  logger: Logger | null,
  back?: BackLink,
): Promise<{ user: SessionUser; form: FormFields } | Response> {
  const user = requireUser(c);
  if (user instanceof Response) return user;
  // Without `all`, Hono keeps one value per name (the last).
  const form = await c.req.parseBody<FormFields>();
  if (!csrfOk(user, form._csrf)) return refuseForm(c, user, logger, back);
  return { user, form };
}

/** signedInForm for forms with repeated names (checkbox lists): those come as arrays. */
export async function signedInFormAll(
  c: Context<WebEnv>,
  logger: Logger | null,
  back?: BackLink,
): Promise<{ user: SessionUser; form: FormFieldsAll } | Response> {
  const user = requireUser(c);
  if (user instanceof Response) return user;
  const form = await c.req.parseBody<{ all: true }, FormFieldsAll>({ all: true });
  if (!csrfOk(user, form._csrf)) return refuseForm(c, user, logger, back);
  return { user, form };
}
