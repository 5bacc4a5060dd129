import type { Context, Hono } from 'hono';
import type { SimContext, SimEnv } from '../context.js';
import { DEMO } from '../seed.js';
import type { SimSeller } from '../state.js';
import { Page, pageEnv, regionLink, render, renderProblem } from './layout.js';
import {
  currentSession,
  endSession,
  formFields,
  safeReturnTo,
  sameOriginRequest,
  startSession,
} from './session.js';

/** Sign-in and sign-out for simulated seller users (`SimSeller.users`). */

/** Registers `/ap/signin` and `/ap/signout`. */
export function registerSignIn(app: Hono<SimEnv>, ctx: SimContext): void {
  app.get('/ap/signin', (c) => {
    const returnTo = safeReturnTo(c, c.req.query('return_to'));
    if (currentSession(c, ctx)) return c.redirect(returnTo, 302);
    return renderSignIn(c, ctx, { returnTo });
  });

  app.post('/ap/signin', async (c) => {
    if (!sameOriginRequest(c)) return renderProblem(c, crossSiteProblem());
    const form = await formFields(c);
    const returnTo = safeReturnTo(c, form.return_to);
    const email = (form.email ?? '').trim().toLowerCase();
    const password = form.password ?? '';
    const matches = [...ctx.state.sellers.values()].filter((s) =>
      s.users.some((u) => u.email.toLowerCase() === email && u.password === password),
    );
    const here = matches.find((s) => s.region === c.env.region);
    if (here) {
      const user = here.users.find((u) => u.email.toLowerCase() === email);
      startSession(c, ctx, here, user?.email ?? email);
      return c.redirect(returnTo, 302);
    }
    const elsewhere = matches[0];
    if (elsewhere) {
      // Authorizations are regional (https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow): a seller signs in on their own region's Seller Central.
      return renderSignIn(c, ctx, { returnTo, email, wrongRegion: elsewhere }, 403);
    }
    const known = [...ctx.state.sellers.values()].some((s) =>
      s.users.some((u) => u.email.toLowerCase() === email),
    );
    const error = known
      ? 'Your password is incorrect.'
      : 'We cannot find an account with that email address.';
    return renderSignIn(c, ctx, { returnTo, email, error }, 400);
  });

  const signOut = async (c: Context<SimEnv>): Promise<Response> => {
    if (c.req.method === 'POST' && !sameOriginRequest(c)) return renderProblem(c, crossSiteProblem());
    endSession(c, ctx);
    return render(
      c,
      <Page env={pageEnv(c)} title="Signed out">
        <p class="notice">You are signed out of Seller Central {c.env.region}.</p>
        <p>
          <a href={`${c.env.prefix}/ap/signin`}>Sign in again</a>
        </p>
      </Page>,
    );
  };
  app.post('/ap/signout', signOut);
  app.get('/ap/signout', signOut);
}

/** The problem shown when a form POST comes from another site. */
export function crossSiteProblem(): {
  status: 403;
  code: string;
  title: string;
  message: string;
} {
  return {
    status: 403,
    code: 'cross_site_request',
    title: 'Request refused',
    message: 'This form was submitted from another site, so Seller Central did not act on it.',
  };
}

function renderSignIn(
  c: Context<SimEnv>,
  ctx: SimContext,
  input: { returnTo: string; email?: string; error?: string; wrongRegion?: SimSeller },
  status: 200 | 400 | 403 = 200,
): Promise<Response> {
  const demo = DEMO.sellers.find(
    (s) =>
      s.region === c.env.region &&
      ctx.state.sellers
        .get(s.sellingPartnerId)
        ?.users.some((u) => u.email === s.email && u.password === DEMO.sellerPassword),
  );
  const wrong = input.wrongRegion;
  return render(
    c,
    <Page env={pageEnv(c)} title={`Sign in to Seller Central ${c.env.region}`}>
      {input.error ? <p class="error">{input.error}</p> : null}
      {wrong ? (
        <p class="error" data-error-code="wrong_region">
          The account {input.email} belongs to {wrong.name} ({wrong.sellingPartnerId}), a seller in region{' '}
          {wrong.region}. This is Seller Central {c.env.region}. Authorizations are regional: sign in on{' '}
          <a href={regionLink(c, wrong.region, '/ap/signin')}>Seller Central {wrong.region}</a> instead, and
          send the seller to the consent URL of their own region.
        </p>
      ) : null}
      <form method="post" action={`${c.env.prefix}/ap/signin`}>
        <input type="hidden" name="return_to" value={input.returnTo} />
        <label>
          Email
          <input type="email" name="email" value={input.email ?? ''} autocomplete="username" required />
        </label>
        <label>
          Password
          <input type="password" name="password" autocomplete="current-password" required />
        </label>
        <button type="submit" class="primary">
          Sign in
        </button>
      </form>
      {demo ? (
        <p class="muted">
          Demo seller for this region: <code>{demo.email}</code> / <code>{DEMO.sellerPassword}</code>
        </p>
      ) : null}
    </Page>,
    status,
  );
}
