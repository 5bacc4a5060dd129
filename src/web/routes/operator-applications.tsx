import type { Context, Hono } from 'hono';
import type { SessionUser } from '../../accounts/service.js';
import { AppError } from '../../kernel/errors.js';
import { Secret } from '../../kernel/secret.js';
import { ADS_CALLBACK_PATH } from '../../lifecycle/configured-application.js';
import type { WebDeps, WebEnv } from '../context.js';
import { notFoundPage, refuseForm, requireUser } from '../guards.js';
import { OperatorApplicationsPage, type OperatorApplicationsProps } from '../pages/operator-applications.js';
import { csrfOk } from '../session.js';

/**
 * `/operator/applications`: operators see every application of both APIs and add Amazon Ads
 * security profiles (name, client id, client secret; POST, then redirect to GET). Anyone else gets
 * the same 404 as an address no route answers, so the page's existence is not revealed. The client
 * secret goes from the form into the vault and nowhere else: never logged, never shown again, not
 * even in the form sent back after a refusal.
 * @see https://advertising.amazon.com/API/docs/en-us/guides/onboarding/create-lwa-app
 */

const PATH = '/operator/applications';

const NOTICES: Record<string, string> = {
  'ads-added': 'Added the Amazon Ads security profile. Its client secret is sealed in the vault.',
  'ads-updated':
    'Updated the Amazon Ads security profile with that client id: its name and client secret were replaced.',
  rotated: 'Rotated the client secret: Amazon sent the new one, it is verified, sealed and in use.',
  'rotation-requested':
    "Amazon accepted the rotation. The new secret arrives as Amazon's APPLICATION_OAUTH_CLIENT_NEW_SECRET notification (forwarded to POST /amazon/notifications); the old one keeps working until then.",
};

/** The longest client secret the form takes (Amazon's are about 80 characters). */
const SECRET_MAX = 4096;

/** The signed-in operator, or the response to send instead (sign-in, or the plain 404). */
export function operatorOf(c: Context<WebEnv>): SessionUser | Response | Promise<Response> {
  const user = requireUser(c);
  if (user instanceof Response) return user;
  if (user.role === 'operator') return user;
  // The same page as an unknown address (app.tsx notFound).
  return notFoundPage(c, user, 'There is no page at this address.', 'NOT_FOUND');
}

/** Renders the page with every application, oldest first. */
async function render(
  c: Context<WebEnv>,
  deps: WebDeps,
  user: SessionUser,
  extra: Pick<OperatorApplicationsProps, 'notice' | 'error' | 'values'>,
  status: 200 | 400 | 409 = 200,
): Promise<Response> {
  c.header('Cache-Control', 'no-store');
  return c.html(
    <OperatorApplicationsPage
      user={user}
      applications={await deps.applications.list('all')}
      now={deps.clock.now()}
      adsReturnUrl={`${deps.config.publicUrl}${ADS_CALLBACK_PATH}`}
      sandbox={deps.simulatorUrl}
      canRotate={Boolean(deps.secrets)}
      {...extra}
    />,
    status,
  );
}

/** A text field of the form, trimmed (absent: empty). */
function field(form: Record<string, unknown>, name: string): string {
  const value = form[name];
  return typeof value === 'string' ? value.trim() : '';
}

/** `POST /operator/applications`: registers (or updates) an Ads security profile, then redirects. */
async function addAdsProfile(c: Context<WebEnv>, deps: WebDeps): Promise<Response> {
  const user = await operatorOf(c);
  if (user instanceof Response) return user;
  const form = await c.req.parseBody();
  if (!csrfOk(user, form._csrf)) return refuseForm(c, user, deps.logger, { href: PATH, label: 'Back' });
  const values = { name: field(form, 'name'), clientId: field(form, 'clientId') };
  const rawSecret = typeof form.clientSecret === 'string' ? form.clientSecret : '';
  const refuse = (message: string, fieldName: string | null) =>
    render(c, deps, user, { error: { message, field: fieldName }, values }, 400);
  if (rawSecret.length > SECRET_MAX) return refuse('The client secret is too long.', 'clientSecret');
  const known = (await deps.applications.list('ads')).some((a) => a.appId === values.clientId);
  try {
    const app = await deps.applications.upsert({
      api: 'ads',
      name: values.name,
      appId: values.clientId,
      clientId: values.clientId,
      clientSecret: new Secret(rawSecret.trim()),
      status: 'published',
      redirectUri: `${deps.config.publicUrl}${ADS_CALLBACK_PATH}`,
    });
    deps.logger.info(
      { applicationId: app.id, clientId: app.clientId, user: user.username, updated: known },
      'Amazon Ads security profile registered on the operator page',
    );
    return c.redirect(`${PATH}?notice=${known ? 'ads-updated' : 'ads-added'}`, 303);
  } catch (err) {
    if (err instanceof AppError && err.code === 'APPLICATION_INVALID') {
      const name = typeof err.details.field === 'string' ? err.details.field : null;
      return refuse(`Nothing was stored: ${err.message}.`, name === 'appId' ? 'clientId' : name);
    }
    throw err;
  }
}

/**
 * `POST /operator/applications/rotate` (`application`: the app's id): asks Amazon for a new client secret of an SP-API app
 * (the monitor's rotation: rotateApplicationClientSecret, then Amazon's notification), then redirects.
 * @see https://developer-docs.amazon.com/sp-api/docs/rotate-your-application-client-secret
 */
async function rotateSecret(c: Context<WebEnv>, deps: WebDeps): Promise<Response> {
  const user = await operatorOf(c);
  if (user instanceof Response) return user;
  const form = await c.req.parseBody();
  if (!csrfOk(user, form._csrf)) return refuseForm(c, user, deps.logger, { href: PATH, label: 'Back' });
  const app = (await deps.applications.list('sp_api')).find((a) => a.id === form.application);
  if (!app || !deps.secrets)
    return notFoundPage(c, user, 'There is no such SP-API application.', 'APPLICATION_NOT_FOUND');
  try {
    const result = await deps.secrets.rotate(app.id, { actor: `user:${user.username}` });
    deps.logger.info(
      { applicationId: app.id, received: result.received, user: user.username },
      'client-secret rotation requested on the operator page',
    );
    return c.redirect(`${PATH}?notice=${result.received ? 'rotated' : 'rotation-requested'}`, 303);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    // Recorded by the rotation (audit, backoff, alert when hopeless); the page says what Amazon answered.
    const message = `Amazon did not rotate the secret of "${app.name}": ${err.message.replace(/\.$/, '')}. The current secret is unchanged.`;
    return render(c, deps, user, { error: { message, field: null } }, 409);
  }
}

/** Registers `GET` and `POST /operator/applications`, and `POST /operator/applications/rotate`. */
export function registerOperatorApplicationRoutes(app: Hono<WebEnv>, deps: WebDeps): void {
  app.get(PATH, async (c) => {
    const user = await operatorOf(c);
    if (user instanceof Response) return user;
    return render(c, deps, user, { notice: NOTICES[c.req.query('notice') ?? ''] ?? null });
  });
  app.post(PATH, (c) => addAdsProfile(c, deps));
  app.post(`${PATH}/rotate`, (c) => rotateSecret(c, deps));
}
