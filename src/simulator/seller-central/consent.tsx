import type { Context, Hono } from 'hono';
import { DAY } from '../../kernel/clock.js';
import type { SimContext, SimEnv } from '../context.js';
import type { SimApp, SimSeller } from '../state.js';
import {
  authorizeParams,
  checkAuthorizeRequest,
  completeAuthorization,
  type ValidAuthorizeRequest,
} from './authorize-request.js';
import { Page, pageEnv, render, renderProblem, type PageEnv, type PageProblem } from './layout.js';
import {
  currentSession,
  formFields,
  formTokenValid,
  redirectToSignIn,
  sameOriginRequest,
  type SignedIn,
} from './session.js';
import { crossSiteProblem } from './sign-in.js';

/** The website authorization workflow's consent page (https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow, §1.3). */

/** Registers `GET/POST /apps/authorize/consent`. */
export function registerConsent(app: Hono<SimEnv>, ctx: SimContext): void {
  app.get('/apps/authorize/consent', (c) => {
    const signedIn = currentSession(c, ctx);
    if (!signedIn) return redirectToSignIn(c);
    const checked = checkAuthorizeRequest(
      ctx,
      authorizeParams((n) => c.req.query(n)),
    );
    if (!checked.ok) return renderProblem(c, checked.problem, signedIn);
    return renderConsent(c, ctx, signedIn, checked.request);
  });

  app.post('/apps/authorize/consent', async (c) => {
    if (!sameOriginRequest(c)) return renderProblem(c, crossSiteProblem());
    const form = await formFields(c);
    const params = authorizeParams((n) => form[n]);
    const signedIn = currentSession(c, ctx);
    if (!signedIn) {
      const query = new URLSearchParams();
      for (const [name, value] of Object.entries({
        application_id: params.applicationId,
        state: params.state,
        version: params.version,
        redirect_uri: params.redirectUri,
      })) {
        if (value !== undefined) query.set(name, value);
      }
      return redirectToSignIn(c, `${c.env.prefix}/apps/authorize/consent?${query.toString()}`);
    }
    if (!formTokenValid(signedIn, form.form_token)) return renderProblem(c, formTokenProblem(), signedIn);
    const checked = checkAuthorizeRequest(ctx, params);
    if (!checked.ok) return renderProblem(c, checked.problem, signedIn);
    const request = checked.request;
    if (form.action === 'cancel') return cancel(c, ctx, signedIn, request);
    if (form.agree !== 'yes') {
      return renderConsent(
        c,
        ctx,
        signedIn,
        request,
        'Tick the box to confirm that you have read the terms and authorize the app, then press Confirm.',
      );
    }
    return completeAuthorization(c, ctx, signedIn.seller, request);
  });
}

/** The problem shown when a POST's form token is missing or belongs to another session. */
export function formTokenProblem(): PageProblem {
  return {
    status: 403,
    code: 'invalid_form_token',
    title: 'Request refused',
    message:
      'This form did not come from your current Seller Central session (it may be from another site ' +
      'or an old page). Nothing was changed. Go back, reload the page and try again.',
  };
}

/** UNCONFIRMED what Amazon does on Cancel (https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow): `consentCancel` decides. */
function cancel(
  c: Context<SimEnv>,
  ctx: SimContext,
  signedIn: SignedIn,
  request: ValidAuthorizeRequest,
): Response | Promise<Response> {
  if (ctx.config.consentCancel === 'stay') {
    return render(
      c,
      <Page env={pageEnv(c, signedIn)} title="Authorization cancelled">
        <p class="notice">You did not authorize {request.app.name}. Nothing was shared with the app.</p>
        <p>
          <a href={`${c.env.prefix}/apps/manage`}>Manage Your Apps</a>
        </p>
      </Page>,
    );
  }
  const target = new URL(request.redirectUri);
  if (ctx.config.consentCancel === 'error') {
    target.searchParams.set('error', 'access_denied');
    target.searchParams.set('state', request.state);
  }
  return c.redirect(target.toString(), 302);
}

function renderConsent(
  c: Context<SimEnv>,
  ctx: SimContext,
  signedIn: SignedIn,
  request: ValidAuthorizeRequest,
  error?: string,
): Promise<Response> {
  const hidden: [string, string][] = [
    ['application_id', request.app.appId],
    ['state', request.state],
  ];
  if (request.beta) hidden.push(['version', 'beta']);
  if (request.sentRedirectUri !== undefined) hidden.push(['redirect_uri', request.sentRedirectUri]);
  return render(
    c,
    <ConsentPage
      env={pageEnv(c, signedIn)}
      ctx={ctx}
      app={request.app}
      seller={signedIn.seller}
      action={`${c.env.prefix}/apps/authorize/consent`}
      hidden={hidden}
      confirmLabel="Confirm"
      {...(error === undefined ? {} : { error })}
    />,
    error === undefined ? 200 : 400,
  );
}

/**
 * The consent page: the app, the seller, the region, the roles, an "I have read … and authorize"
 * checkbox, Confirm and Cancel. Shared with the Amazon-initiated flow (https://developer-docs.amazon.com/sp-api/docs/selling-partner-appstore-authorization-workflow step 1).
 */
export function ConsentPage(props: {
  env: PageEnv;
  ctx: SimContext;
  app: SimApp;
  seller: SimSeller;
  action: string;
  hidden: [string, string][];
  confirmLabel: string;
  error?: string;
}) {
  const { app, seller, env, ctx } = props;
  const formToken = env.signedIn?.formToken ?? '';
  const days = Math.round(ctx.config.authorizationLifetimeMs / DAY);
  return (
    <Page env={env} title={`Authorize ${app.name}`}>
      {props.error ? <p class="error">{props.error}</p> : null}
      {app.status === 'draft' ? (
        <p class="notice">This app is in Draft status: you are authorizing a test version (version=beta).</p>
      ) : null}
      <p>
        <strong>{app.name}</strong> asks for access to the selling account <strong>{seller.name}</strong> (
        <code>{seller.sellingPartnerId}</code>) in the <strong>{seller.region}</strong> region. The
        authorization covers every marketplace of the region: {seller.marketplaceIds.join(', ')}.
      </p>
      <p>The app will be able to use these roles:</p>
      <ul>
        {app.roles.map((role) => (
          <li>{role}</li>
        ))}
      </ul>
      <p class="muted">
        App ID <code>{app.appId}</code>. The authorization lasts {days} days; you can revoke it at any time in
        Manage Your Apps.
      </p>
      <form method="post" action={props.action}>
        <input type="hidden" name="form_token" value={formToken} />
        {props.hidden.map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <label>
          <input type="checkbox" name="agree" value="yes" /> I have read the terms of use of {app.name} and I
          authorize it to access my Amazon selling account data as described above.
        </label>
        <p>
          <button type="submit" name="action" value="confirm" class="primary">
            {props.confirmLabel}
          </button>{' '}
          <button type="submit" name="action" value="cancel">
            Cancel
          </button>
        </p>
      </form>
    </Page>
  );
}
