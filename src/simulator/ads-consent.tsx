import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { randomToken } from '../kernel/random.js';
import { DEMO_ADS } from './ads-seed.js';
import { ADS_KNOWN_SCOPES, ADS_SCOPE, consentAds, findAdvertiserUsers, issueAdsCode } from './ads-world.js';
import type { SimContext, SimEnv } from './context.js';
import { render } from './seller-central/layout.js';
import { formFields, sameOriginRequest } from './seller-central/session.js';
import type { Region, SimAdsClient, SimAdsSession, SimAdvertiser } from './state.js';

/**
 * The Login with Amazon consent of the Amazon Ads API, `GET {consent host}/ap/oa`
 * (https://advertising.amazon.com/API/docs/en-us/guides/get-started/create-authorization-grant): request checks (error page for an
 * unknown client or an unregistered redirect URI, error redirects for the rest), a sign-in page for
 * advertiser users with its own per-region cookie, and the Allow / Cancel page. The region is the
 * consent host's (`www.amazon.com`, `eu.account.amazon.com`, `apac.account.amazon.com`, or `/na|/eu|/fe`).
 */

/** The query parameters of a consent request, carried through the sign-in and consent forms. */
const OA_FIELDS = ['client_id', 'scope', 'response_type', 'redirect_uri', 'state'] as const;
type OaParams = Partial<Record<(typeof OA_FIELDS)[number], string>>;

/** A consent request that passed every check. */
interface OaRequest {
  client: SimAdsClient;
  redirectUri: string;
  scope: string;
  state?: string;
}

type OaCheck =
  | { kind: 'ok'; request: OaRequest }
  | { kind: 'page'; code: string; title: string; message: string }
  | { kind: 'redirect'; location: string };

/** A signed-in advertiser user on this region's consent host. */
interface AdsSignedIn {
  session: SimAdsSession;
  advertiser: SimAdvertiser;
  formToken: string;
}

/** Registers `/ap/oa` (GET), `/ap/oa/signin`, `/ap/oa/consent` (POST) and `/ap/oa/signout`. */
export function registerAdsConsent(app: Hono<SimEnv>, ctx: SimContext): void {
  app.get('/ap/oa', (c) => {
    const params = pickParams((n) => c.req.query(n));
    const checked = checkOaRequest(ctx, params);
    if (checked.kind !== 'ok') return answerProblem(c, checked);
    const signedIn = currentAdsSession(c, ctx);
    if (!signedIn) return renderSignIn(c, ctx, params);
    return renderConsent(c, signedIn, checked.request, params);
  });
  app.post('/ap/oa/signin', (c) => signIn(c, ctx));
  app.post('/ap/oa/consent', (c) => consent(c, ctx));
  app.get('/ap/oa/signout', (c) => {
    endAdsSession(c, ctx);
    return c.redirect(
      oaPath(
        c,
        pickParams((n) => c.req.query(n)),
      ),
      302,
    );
  });
}

function pickParams(get: (name: string) => string | undefined): OaParams {
  const params: OaParams = {};
  for (const name of OA_FIELDS) {
    const value = get(name);
    if (value !== undefined) params[name] = value;
  }
  return params;
}

function oaPath(c: Context<SimEnv>, params: OaParams, path = '/ap/oa'): string {
  const query = new URLSearchParams(params).toString();
  return `${c.env.prefix}${path}${query ? `?${query}` : ''}`;
}

/** `redirect_uri` with parameters added (absent values left out). */
function redirectWith(redirectUri: string, params: [string, string | undefined][]): string {
  const url = new URL(redirectUri);
  for (const [name, value] of params) if (value !== undefined) url.searchParams.set(name, value);
  return url.toString();
}

/**
 * The checks of a consent request, in Amazon's order: client and redirect URI fail on a page (LWA
 * never redirects to an unregistered URI), response type and scope by redirecting with an error.
 */
function checkOaRequest(ctx: SimContext, params: OaParams): OaCheck {
  const client = ctx.state.adsClients.get(params.client_id ?? '');
  if (!client) {
    return {
      kind: 'page',
      code: 'lwa-invalid-parameter-client-id',
      title: 'An error occurred',
      message: 'The client_id you provided is not registered for any application.',
    };
  }
  const redirectUri = params.redirect_uri ?? '';
  if (!client.returnUrls.includes(redirectUri) || !URL.canParse(redirectUri)) {
    return {
      kind: 'page',
      code: 'lwa-invalid-parameter-bad-redirect-uri-vendor',
      title: 'An error occurred',
      message: 'The redirect URI you provided has not been whitelisted for your application',
    };
  }
  const state = params.state;
  if (params.response_type !== 'code') {
    return {
      kind: 'redirect',
      location: redirectWith(redirectUri, [
        ['error', 'unsupported_response_type'],
        ['error_description', 'The response type is not supported'],
        ['state', state],
      ]),
    };
  }
  const scope = params.scope ?? '';
  if (!scopeAcceptable(scope) || !client.approved) {
    return {
      kind: 'redirect',
      location: redirectWith(redirectUri, [
        ['error', 'invalid_scope'],
        ['error_description', 'An unknown scope was requested'],
        ['state', state],
      ]),
    };
  }
  return { kind: 'ok', request: { client, redirectUri, scope, ...(state === undefined ? {} : { state }) } };
}

/** A space-separated list of known scopes naming a campaign-management scope. */
function scopeAcceptable(scope: string): boolean {
  const scopes = scope.split(/\s+/).filter((s) => s !== '');
  if (scopes.length === 0 || !scopes.every((s) => ADS_KNOWN_SCOPES.includes(s))) return false;
  return scopes.includes(ADS_SCOPE) || scopes.includes('cpc_advertising:campaign_management');
}

function answerProblem(
  c: Context<SimEnv>,
  checked: Exclude<OaCheck, { kind: 'ok' }>,
): Response | Promise<Response> {
  if (checked.kind === 'redirect') return c.redirect(checked.location, 302);
  return renderPage(c, checked.title, <ProblemBox code={checked.code} message={checked.message} />, 400);
}

async function signIn(c: Context<SimEnv>, ctx: SimContext): Promise<Response> {
  if (!sameOriginRequest(c)) return renderCrossSite(c);
  const form = await formFields(c);
  const params = pickParams((n) => form[n]);
  const email = (form.email ?? '').trim();
  const users = findAdvertiserUsers(ctx, email);
  const match = users.find((u) => u.user.password === (form.password ?? ''));
  if (!match) {
    const error =
      users.length > 0 ? 'Your password is incorrect.' : 'We cannot find an account with that email address.';
    return renderSignIn(c, ctx, params, { email, error });
  }
  startAdsSession(c, ctx, match.advertiser, match.user.email);
  return c.redirect(oaPath(c, params), 302);
}

async function consent(c: Context<SimEnv>, ctx: SimContext): Promise<Response> {
  if (!sameOriginRequest(c)) return renderCrossSite(c);
  const form = await formFields(c);
  const params = pickParams((n) => form[n]);
  const checked = checkOaRequest(ctx, params);
  if (checked.kind !== 'ok') return answerProblem(c, checked);
  const signedIn = currentAdsSession(c, ctx);
  if (!signedIn) return c.redirect(oaPath(c, params), 302);
  if (!formTokenMatches(signedIn, form.form_token)) {
    return renderPage(
      c,
      'Request refused',
      <ProblemBox
        code="invalid_form_token"
        message="This form did not come from your current sign-in (it may be from another site or an old page). Nothing was changed."
      />,
      403,
    );
  }
  const { request } = checked;
  if (form.action === 'cancel') {
    return c.redirect(
      redirectWith(request.redirectUri, [
        ['error', 'access_denied'],
        ['error_description', 'The user denied the request'],
        ['state', request.state],
      ]),
      302,
    );
  }
  if (form.action !== 'allow') return renderConsent(c, signedIn, request, params, 'Press Allow or Cancel.');
  const authorization = consentAds(ctx, {
    clientId: request.client.clientId,
    advertiserId: signedIn.advertiser.id,
    region: c.env.region,
  });
  const code = issueAdsCode(ctx, {
    authorizationId: authorization.id,
    clientId: request.client.clientId,
    redirectUri: request.redirectUri,
  });
  return c.redirect(
    redirectWith(request.redirectUri, [
      ['code', code.code],
      ['scope', request.scope],
      ['state', request.state],
    ]),
    302,
  );
}

// ---- session ----

/** The Ads sign-in cookie of a region (each consent host has its own). */
export function adsSessionCookieName(region: Region): string {
  return `ads_session_${region.toLowerCase()}`;
}

function currentAdsSession(c: Context<SimEnv>, ctx: SimContext): AdsSignedIn | null {
  const id = getCookie(c, adsSessionCookieName(c.env.region));
  const session = id === undefined ? undefined : ctx.state.adsSessions.get(id);
  if (!session || session.region !== c.env.region) return null;
  const advertiser = ctx.state.advertisers.get(session.advertiserId);
  if (!advertiser || !advertiser.users.some((u) => u.email === session.email)) return null;
  return { session, advertiser, formToken: adsFormToken(session) };
}

function startAdsSession(
  c: Context<SimEnv>,
  ctx: SimContext,
  advertiser: SimAdvertiser,
  email: string,
): void {
  const session: SimAdsSession = {
    id: randomToken(ctx.random, 32),
    advertiserId: advertiser.id,
    email,
    region: c.env.region,
    createdAt: ctx.clock.now(),
  };
  ctx.state.adsSessions.set(session.id, session);
  setCookie(c, adsSessionCookieName(c.env.region), session.id, {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax',
    secure: new URL(c.req.url).protocol === 'https:',
  });
}

function endAdsSession(c: Context<SimEnv>, ctx: SimContext): void {
  const name = adsSessionCookieName(c.env.region);
  const id = getCookie(c, name);
  if (id !== undefined) ctx.state.adsSessions.delete(id);
  deleteCookie(c, name, { path: '/' });
}

/** A hash of the session id: only a page rendered for this session can know it (the cookie is HttpOnly). */
function adsFormToken(session: SimAdsSession): string {
  return createHash('sha256').update(`ads-consent-form:${session.id}`).digest('base64url');
}

function formTokenMatches(signedIn: AdsSignedIn, submitted: string | undefined): boolean {
  if (!submitted) return false;
  const a = Buffer.from(signedIn.formToken);
  const b = Buffer.from(submitted);
  return a.length === b.length && timingSafeEqual(a, b);
}

// ---- pages ----

const CSS = `
body{font-family:Arial,sans-serif;margin:0;background:#fff;color:#111}
header{padding:14px 20px;border-bottom:1px solid #ddd} header .muted{margin-left:10px}
main{max-width:420px;margin:28px auto;padding:20px 26px;border:1px solid #ddd;border-radius:8px}
h1{font-size:1.4em;margin-top:0} label{display:block;margin:10px 0}
input[type=email],input[type=password]{width:100%;padding:6px;box-sizing:border-box}
button{padding:7px 16px;cursor:pointer} .primary{background:#ffd814;border:1px solid #fcd200;border-radius:6px}
.error{background:#fdecea;border:1px solid #d13212;padding:10px 14px;border-radius:4px}
.muted{color:#555;font-size:.9em} code{background:#f6f6f6;padding:2px 4px;word-break:break-all}
`;

/** The Amazon consent hosts, for the page header. */
const CONSENT_HOST: Record<Region, string> = {
  NA: 'www.amazon.com',
  EU: 'eu.account.amazon.com',
  FE: 'apac.account.amazon.com',
};

function renderPage(
  c: Context<SimEnv>,
  title: string,
  body: Child,
  status: 200 | 400 | 403 = 200,
): Promise<Response> {
  return render(
    c,
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{`${title} · Amazon (simulated, ${c.env.region})`}</title>
        <style>{CSS}</style>
      </head>
      <body>
        <header>
          <strong>amazon</strong>
          <span class="muted">
            Login with Amazon · simulated · region {c.env.region} · {CONSENT_HOST[c.env.region]}
          </span>
        </header>
        <main>
          <h1>{title}</h1>
          {body}
        </main>
      </body>
    </html>,
    status,
  );
}

function ProblemBox(props: { code: string; message: string }) {
  return (
    <>
      <p class="error" data-error-code={props.code}>
        {props.message}
      </p>
      <p class="muted">
        Error code: <code>{props.code}</code>
      </p>
    </>
  );
}

function renderCrossSite(c: Context<SimEnv>): Promise<Response> {
  return renderPage(
    c,
    'Request refused',
    <ProblemBox
      code="cross_site_request"
      message="This form was submitted from another site, so Amazon did not act on it."
    />,
    403,
  );
}

function HiddenParams(props: { params: OaParams }) {
  return (
    <>
      {OA_FIELDS.map((name) =>
        props.params[name] === undefined ? null : (
          <input type="hidden" name={name} value={props.params[name]} />
        ),
      )}
    </>
  );
}

function renderSignIn(
  c: Context<SimEnv>,
  ctx: SimContext,
  params: OaParams,
  input: { email?: string; error?: string } = {},
): Promise<Response> {
  const demo = ctx.state.advertisers.get(DEMO_ADS.advertiser.id)?.users[0];
  return renderPage(
    c,
    'Sign in',
    <>
      {input.error ? <p class="error">{input.error}</p> : null}
      <form id="ads-signin" method="post" action={`${c.env.prefix}/ap/oa/signin`}>
        <HiddenParams params={params} />
        <label>
          Email
          <input type="email" name="email" value={input.email ?? ''} autocomplete="username" required />
        </label>
        <label>
          Password
          <input type="password" name="password" autocomplete="current-password" required />
        </label>
        <button id="ads-signin-submit" type="submit" class="primary">
          Sign in
        </button>
      </form>
      <p class="muted">
        Sign in with the Amazon account that has access to your advertising accounts.
        {demo ? (
          <>
            {' '}
            Demo advertiser: <code>{demo.email}</code> / <code>{demo.password}</code>
          </>
        ) : null}
      </p>
    </>,
    input.error === undefined ? 200 : 400,
  );
}

function renderConsent(
  c: Context<SimEnv>,
  signedIn: AdsSignedIn,
  request: OaRequest,
  params: OaParams,
  error?: string,
): Promise<Response> {
  const { client } = request;
  return renderPage(
    c,
    `${client.name} would like to access your Amazon Advertising data`,
    <>
      {error ? <p class="error">{error}</p> : null}
      <p>
        Signed in as <strong>{signedIn.session.email}</strong> ({signedIn.advertiser.name}).{' '}
        <a id="ads-signout" href={oaPath(c, params, '/ap/oa/signout')}>
          Not you? Sign out
        </a>
      </p>
      <p>
        <strong>{client.name}</strong> will be able to manage your advertising campaigns and read their
        performance data (<code>{request.scope}</code>).
      </p>
      <form method="post" action={`${c.env.prefix}/ap/oa/consent`}>
        <input type="hidden" name="form_token" value={signedIn.formToken} />
        <HiddenParams params={params} />
        <button id="ads-allow" type="submit" name="action" value="allow" class="primary">
          Allow
        </button>{' '}
        <button id="ads-cancel" type="submit" name="action" value="cancel">
          Cancel
        </button>
      </form>
      <p class="muted">
        Client ID <code>{client.clientId}</code>. You can remove this app's access at any time.
      </p>
    </>,
    error === undefined ? 200 : 400,
  );
}
