import type { Context, Hono } from 'hono';
import { randomToken } from '../../kernel/random.js';
import type { SimContext, SimEnv } from '../context.js';
import type { SimAmazonState, SimApp } from '../state.js';
import { authorizeParams, checkAuthorizeRequest, completeAuthorization } from './authorize-request.js';
import { ConsentPage, formTokenProblem } from './consent.js';
import { pageEnv, render, renderProblem, type PageProblem } from './layout.js';
import {
  currentSession,
  formFields,
  formTokenValid,
  redirectToSignIn,
  sameOriginRequest,
  type SignedIn,
} from './session.js';
import { crossSiteProblem } from './sign-in.js';

/**
 * The Amazon-initiated flow (https://developer-docs.amazon.com/sp-api/docs/selling-partner-appstore-authorization-workflow), as started from Manage Your Apps ("Authorize" or
 * "Re-Authorize"): consent, then the app's Login URI with `amazon_callback_uri` and `amazon_state`,
 * then the app sends the browser back to `/apps/authorize/confirm/{appId}`.
 */

/** Registers `/apps/authorize/start/:appId` (consent, then Login URI) and `/apps/authorize/confirm/:appId`. */
export function registerAmazonFlow(app: Hono<SimEnv>, ctx: SimContext): void {
  app.get('/apps/authorize/start/:appId', (c) => {
    const signedIn = currentSession(c, ctx);
    if (!signedIn) return redirectToSignIn(c);
    const found = appWithLoginUri(ctx, c.req.param('appId'));
    if (!found.ok) return renderProblem(c, found.problem, signedIn);
    return renderStart(c, ctx, signedIn, found.app);
  });

  app.post('/apps/authorize/start/:appId', async (c) => {
    if (!sameOriginRequest(c)) return renderProblem(c, crossSiteProblem());
    const signedIn = currentSession(c, ctx);
    if (!signedIn) return redirectToSignIn(c);
    const form = await formFields(c);
    if (!formTokenValid(signedIn, form.form_token)) return renderProblem(c, formTokenProblem(), signedIn);
    const found = appWithLoginUri(ctx, c.req.param('appId'));
    if (!found.ok) return renderProblem(c, found.problem, signedIn);
    if (form.action === 'cancel') return c.redirect(`${c.env.prefix}/apps/manage`, 303);
    if (form.agree !== 'yes') {
      return renderStart(
        c,
        ctx,
        signedIn,
        found.app,
        'Tick the box to confirm that you have read the terms and authorize the app.',
      );
    }
    const amazonState: SimAmazonState = {
      value: randomToken(ctx.random, 24),
      appId: found.app.appId,
      sellingPartnerId: signedIn.seller.sellingPartnerId,
      issuedAt: ctx.clock.now(),
      used: false,
    };
    ctx.state.amazonStates.set(amazonState.value, amazonState);
    const target = new URL(found.loginUri);
    const origin = new URL(c.req.url).origin;
    target.searchParams.set(
      'amazon_callback_uri',
      `${origin}${c.env.prefix}/apps/authorize/confirm/${encodeURIComponent(found.app.appId)}`,
    );
    target.searchParams.set('amazon_state', amazonState.value);
    target.searchParams.set('selling_partner_id', signedIn.seller.sellingPartnerId);
    if (found.app.status === 'draft') target.searchParams.set('version', 'beta');
    return c.redirect(target.toString(), 302);
  });

  app.get('/apps/authorize/confirm/:appId', (c) => {
    const signedIn = currentSession(c, ctx);
    if (!signedIn) return redirectToSignIn(c);
    const appId = c.req.param('appId');
    if (!ctx.state.apps.has(appId)) return renderProblem(c, unknownAppProblem(appId), signedIn);
    const amazonState = checkAmazonState(ctx, signedIn, appId, c.req.query('amazon_state'));
    if (!amazonState.ok) return renderProblem(c, amazonState.problem, signedIn);
    // Then the same checks as the consent URI: state, redirect_uri, version=beta (https://developer-docs.amazon.com/sp-api/docs/selling-partner-appstore-authorization-workflow step 4).
    const checked = checkAuthorizeRequest(
      ctx,
      authorizeParams((n) => c.req.query(n), appId),
    );
    if (!checked.ok) return renderProblem(c, checked.problem, signedIn);
    amazonState.record.used = true;
    return completeAuthorization(c, ctx, signedIn.seller, checked.request);
  });
}

function renderStart(
  c: Context<SimEnv>,
  ctx: SimContext,
  signedIn: SignedIn,
  app: SimApp,
  error?: string,
): Promise<Response> {
  return render(
    c,
    <ConsentPage
      env={pageEnv(c, signedIn)}
      ctx={ctx}
      app={app}
      seller={signedIn.seller}
      action={`${c.env.prefix}/apps/authorize/start/${encodeURIComponent(app.appId)}`}
      hidden={[]}
      confirmLabel={`Login to ${app.name} now`}
      {...(error === undefined ? {} : { error })}
    />,
    error === undefined ? 200 : 400,
  );
}

function appWithLoginUri(
  ctx: SimContext,
  appId: string,
): { ok: true; app: SimApp; loginUri: string } | { ok: false; problem: PageProblem } {
  const app = ctx.state.apps.get(appId);
  if (!app) return { ok: false, problem: unknownAppProblem(appId) };
  if (app.loginUri === undefined) {
    return {
      ok: false,
      problem: {
        status: 400,
        code: 'no_login_uri',
        title: 'This app cannot be authorized from Seller Central',
        message: `${app.name} has no Login URI, so it can only be authorized from the developer's own website.`,
        details: [['App ID', app.appId]],
      },
    };
  }
  return { ok: true, app, loginUri: app.loginUri };
}

function unknownAppProblem(appId: string): PageProblem {
  return {
    status: 404,
    code: 'unknown_application',
    title: 'Application not found',
    message: 'No SP-API application has this ID.',
    details: [['App ID', appId]],
  };
}

/** `amazon_state` must be one Amazon issued, unused, recent, for this seller and this app (https://developer-docs.amazon.com/sp-api/docs/selling-partner-appstore-authorization-workflow). */
function checkAmazonState(
  ctx: SimContext,
  signedIn: SignedIn,
  appId: string,
  value: string | undefined,
): { ok: true; record: SimAmazonState } | { ok: false; problem: PageProblem } {
  const bad = (message: string, code = 'invalid_amazon_state') => ({
    ok: false as const,
    problem: {
      status: 400 as const,
      code,
      title: 'The authorization could not be completed',
      message,
      details: [
        ['App ID', appId],
        ['amazon_state', value ?? '(missing)'],
      ] satisfies [string, string][],
    },
  });
  if (value === undefined || value === '') {
    return bad(
      'The amazon_state parameter is missing. Send back the amazon_state value Amazon passed to your Login URI.',
      'missing_amazon_state',
    );
  }
  const record = ctx.state.amazonStates.get(value);
  if (!record) return bad('This amazon_state was not issued by Amazon.');
  if (record.used) return bad('This amazon_state has already been used. Start the authorization again.');
  if (ctx.clock.now() >= record.issuedAt + ctx.config.amazonStateTtlMs) {
    return bad('This amazon_state has expired. Start the authorization again from Seller Central.');
  }
  if (record.appId !== appId) return bad('This amazon_state was issued for another app.');
  if (record.sellingPartnerId !== signedIn.seller.sellingPartnerId) {
    return bad('This amazon_state was issued to another selling account.');
  }
  return { ok: true, record };
}
