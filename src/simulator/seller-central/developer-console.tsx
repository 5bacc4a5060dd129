import type { Hono } from 'hono';
import { z } from 'zod';
import { iso } from '../../kernel/clock.js';
import type { SimContext, SimEnv } from '../context.js';
import { controlError, readJson } from '../controls-validate.js';
import { selfAuthorize } from '../seed.js';
import type { SimAuthorization } from '../state.js';
import { findAuthorizationByRefreshToken } from '../world.js';
import { DateCell, Page, pageEnv, render, renderProblem } from './layout.js';
import { currentSession, formFields, sameOriginRequest } from './session.js';
import { crossSiteProblem } from './sign-in.js';

/**
 * Self-authorization as in the Developer Console (https://developer-docs.amazon.com/sp-api/docs/renew-authorizations): "Authorize app" shows a new refresh
 * token for a seller, even while the app is Draft. Also a JSON control for scripts and tests.
 * The page is the developer's view, so it needs no seller sign-in; its POST refuses cross-site forms.
 */

const selfAuthorizeSchema = z.strictObject({
  sellingPartnerId: z.string().trim().min(1, 'must not be empty').exactOptional(),
});

/** What a self-authorization returns to the JSON control. */
export interface SelfAuthorizationResult {
  refreshToken: string;
  sellingPartnerId: string;
  region: string;
  authorizedAt: string;
  expiresAt: string | null;
}

/** Registers the Developer Console page and `POST /_sim/apps/:appId/self-authorize`. */
export function registerDeveloperConsole(app: Hono<SimEnv>, ctx: SimContext): void {
  app.get('/sellingpartner/developerconsole', (c) => {
    const signedIn = currentSession(c, ctx);
    const apps = [...ctx.state.apps.values()];
    const sellers = [...ctx.state.sellers.values()];
    return render(
      c,
      <Page env={pageEnv(c, signedIn)} title="Developer Console">
        {apps.length === 0 ? <p class="muted">No apps are registered.</p> : null}
        <table>
          <tr>
            <th>App</th>
            <th>Status</th>
            <th>LWA client ID</th>
            <th>Authorize app</th>
          </tr>
          {apps.map((a) => (
            <tr data-app-id={a.appId}>
              <td>
                {a.name}
                <div class="muted">
                  <code>{a.appId}</code>
                </div>
              </td>
              <td>{a.status === 'draft' ? 'Draft' : 'Published'}</td>
              <td>
                <code>{a.clientId}</code>
              </td>
              <td>
                {sellers.length === 0 ? (
                  <span class="muted">no sellers</span>
                ) : (
                  <form method="post" action={`${c.env.prefix}/sellingpartner/developerconsole/authorize`}>
                    <input type="hidden" name="app_id" value={a.appId} />
                    <select name="selling_partner_id">
                      {sellers.map((s) => (
                        <option
                          value={s.sellingPartnerId}
                          selected={s.sellingPartnerId === a.ownerSellingPartnerId}
                        >
                          {s.name} ({s.sellingPartnerId}, {s.region})
                        </option>
                      ))}
                    </select>{' '}
                    <button type="submit">Authorize app</button>
                  </form>
                )}
              </td>
            </tr>
          ))}
        </table>
      </Page>,
    );
  });

  app.post('/sellingpartner/developerconsole/authorize', async (c) => {
    if (!sameOriginRequest(c)) return renderProblem(c, crossSiteProblem());
    const form = await formFields(c);
    const result = runSelfAuthorize(ctx, form.app_id ?? '', form.selling_partner_id || undefined);
    if (!result.ok) {
      return renderProblem(c, {
        status: result.status,
        code: result.code,
        title: 'Self-authorization failed',
        message: result.message,
      });
    }
    const a = result.authorization;
    const appName = ctx.state.apps.get(a.appId)?.name ?? a.appId;
    return render(
      c,
      <Page env={pageEnv(c, currentSession(c, ctx))} title={`${appName} authorized`}>
        <p>
          Refresh token for <code>{a.sellingPartnerId}</code> (region {a.region}). Store it now; this page
          will not show it again.
        </p>
        <pre data-refresh-token>{a.refreshToken}</pre>
        <p>
          Authorized <DateCell ms={a.authorizedAt} />, expires{' '}
          {a.expiresAt === null ? 'never (does not expire)' : <DateCell ms={a.expiresAt} />}.
        </p>
        <p>
          <a href={`${c.env.prefix}/sellingpartner/developerconsole`}>Back to the Developer Console</a>
        </p>
      </Page>,
    );
  });

  app.post('/_sim/apps/:appId/self-authorize', async (c) => {
    const body = await readJson(c, selfAuthorizeSchema);
    if (!body.ok) return body.response;
    const sellingPartnerId = body.value.sellingPartnerId;
    const result = runSelfAuthorize(ctx, c.req.param('appId'), sellingPartnerId);
    if (!result.ok) return controlError(c, result.status, result.code, result.message);
    const a = result.authorization;
    const payload: SelfAuthorizationResult = {
      refreshToken: a.refreshToken,
      sellingPartnerId: a.sellingPartnerId,
      region: a.region,
      authorizedAt: iso(a.authorizedAt),
      expiresAt: a.expiresAt === null ? null : iso(a.expiresAt),
    };
    return c.json(payload, 200);
  });
}

function runSelfAuthorize(
  ctx: SimContext,
  appId: string,
  sellingPartnerId: string | undefined,
):
  | { ok: true; authorization: SimAuthorization }
  | { ok: false; status: 400 | 404; code: string; message: string } {
  const app = ctx.state.apps.get(appId);
  if (!app) return { ok: false, status: 404, code: 'not_found', message: `unknown app ${appId}` };
  const spid = sellingPartnerId ?? app.ownerSellingPartnerId;
  if (spid === undefined) {
    return {
      ok: false,
      status: 400,
      code: 'invalid_request',
      message: `sellingPartnerId: app ${appId} has no owner seller, so name the seller`,
    };
  }
  if (!ctx.state.sellers.has(spid)) {
    return { ok: false, status: 404, code: 'not_found', message: `unknown seller ${spid}` };
  }
  const refreshToken = selfAuthorize(ctx, appId, spid);
  const authorization = findAuthorizationByRefreshToken(ctx, refreshToken);
  if (!authorization) throw new Error('self-authorization did not record an authorization');
  return { ok: true, authorization };
}
