import type { Hono } from 'hono';
import type { SimContext, SimEnv } from '../context.js';
import type { SimApp, SimAuthorization } from '../state.js';
import { authorizationStatus, revokeAuthorization } from '../world.js';
import { formTokenProblem } from './consent.js';
import { DateCell, Page, pageEnv, render, renderProblem } from './layout.js';
import {
  currentSession,
  formFields,
  formTokenValid,
  redirectToSignIn,
  sameOriginRequest,
} from './session.js';
import { crossSiteProblem } from './sign-in.js';

/**
 * Manage Your Apps (https://developer-docs.amazon.com/sp-api/docs/renew-authorizations): the signed-in seller's authorizations with their dates and status,
 * Revoke, and Re-Authorize through the app's Login URI (https://developer-docs.amazon.com/sp-api/docs/selling-partner-appstore-authorization-workflow). Showing the expiry date is
 * UNCONFIRMED for SP-API (https://developer-docs.amazon.com/sp-api/docs/renew-authorizations); the simulator shows it because developers need to see it.
 */

const STATUS_LABEL = { active: 'Active', expired: 'Expired', revoked: 'Revoked' } as const;

/** Registers `GET /apps/manage` and `POST /apps/manage/revoke`. */
export function registerManageApps(app: Hono<SimEnv>, ctx: SimContext): void {
  app.get('/apps/manage', (c) => {
    const signedIn = currentSession(c, ctx);
    if (!signedIn) return redirectToSignIn(c);
    const { prefix } = c.env;
    const spid = signedIn.seller.sellingPartnerId;
    const rows = [...ctx.state.authorizations.values()]
      .filter((a) => a.sellingPartnerId === spid)
      .sort((a, b) => b.authorizedAt - a.authorizedAt)
      .map((a) => ({ authorization: a, app: ctx.state.apps.get(a.appId) }))
      .filter((r): r is { authorization: SimAuthorization; app: SimApp } => r.app !== undefined);
    const authorizedAppIds = new Set(rows.map((r) => r.app.appId));
    const available = [...ctx.state.apps.values()].filter(
      (a) => a.loginUri !== undefined && !authorizedAppIds.has(a.appId),
    );
    const notice = c.req.query('notice');
    return render(
      c,
      <Page env={pageEnv(c, signedIn)} title="Manage Your Apps">
        {notice === 'revoked' ? (
          <p class="notice">The authorization was revoked. The app can no longer use its refresh token.</p>
        ) : null}
        <p>
          Apps authorized by <strong>{signedIn.seller.name}</strong> (<code>{spid}</code>) in region{' '}
          {signedIn.seller.region}.
        </p>
        {rows.length === 0 ? (
          <p class="muted">You have not authorized any app yet.</p>
        ) : (
          <table>
            <tr>
              <th>App</th>
              <th>Authorized</th>
              <th>Expires</th>
              <th>Status</th>
              <th />
            </tr>
            {rows.map(({ authorization: a, app: target }) => {
              const status = authorizationStatus(ctx, a);
              return (
                <tr data-authorization-id={a.id}>
                  <td>
                    {target.name}
                    <div class="muted">
                      {a.kind === 'self' ? 'Self-authorization' : 'Authorized through consent'} ·{' '}
                      <code>{target.appId}</code>
                    </div>
                  </td>
                  <td>
                    <DateCell ms={a.authorizedAt} />
                  </td>
                  <td>{a.expiresAt === null ? 'does not expire' : <DateCell ms={a.expiresAt} />}</td>
                  <td data-status={status}>
                    {STATUS_LABEL[status]}
                    {a.revokedAt === null ? null : (
                      <div class="muted">
                        on <DateCell ms={a.revokedAt} />
                      </div>
                    )}
                  </td>
                  <td>
                    {status === 'revoked' ? null : (
                      <form method="post" action={`${prefix}/apps/manage/revoke`}>
                        <input type="hidden" name="form_token" value={signedIn.formToken} />
                        <input type="hidden" name="authorization_id" value={a.id} />
                        <button type="submit">Revoke</button>
                      </form>
                    )}
                    {target.loginUri === undefined ? null : (
                      <a href={`${prefix}/apps/authorize/start/${encodeURIComponent(target.appId)}`}>
                        Re-Authorize
                      </a>
                    )}
                  </td>
                </tr>
              );
            })}
          </table>
        )}
        {available.length === 0 ? null : (
          <>
            <h2>Apps you can authorize</h2>
            <ul>
              {available.map((a) => (
                <li>
                  {a.name} {a.status === 'draft' ? '(Draft)' : ''}{' '}
                  <a href={`${prefix}/apps/authorize/start/${encodeURIComponent(a.appId)}`}>Authorize</a>
                </li>
              ))}
            </ul>
          </>
        )}
      </Page>,
    );
  });

  app.post('/apps/manage/revoke', async (c) => {
    if (!sameOriginRequest(c)) return renderProblem(c, crossSiteProblem());
    const signedIn = currentSession(c, ctx);
    if (!signedIn) return redirectToSignIn(c, `${c.env.prefix}/apps/manage`);
    const form = await formFields(c);
    if (!formTokenValid(signedIn, form.form_token)) return renderProblem(c, formTokenProblem(), signedIn);
    const authorization = ctx.state.authorizations.get(form.authorization_id ?? '');
    if (!authorization || authorization.sellingPartnerId !== signedIn.seller.sellingPartnerId) {
      return renderProblem(
        c,
        {
          status: 404,
          code: 'unknown_authorization',
          title: 'Authorization not found',
          message: 'This selling account has no such authorization.',
        },
        signedIn,
      );
    }
    revokeAuthorization(ctx, authorization.id);
    return c.redirect(`${c.env.prefix}/apps/manage?notice=revoked`, 303);
  });
}
