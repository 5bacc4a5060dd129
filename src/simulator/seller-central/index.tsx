import type { Hono, MiddlewareHandler } from 'hono';
import type { SimContext, SimEnv } from '../context.js';
import { registerAmazonFlow } from './amazon-flow.js';
import { registerConsent } from './consent.js';
import { registerDeveloperConsole } from './developer-console.js';
import { registerLanding } from './landing.js';
import { registerManageApps } from './manage-apps.js';
import { registerSignIn } from './sign-in.js';

/**
 * The simulated Seller Central: sign-in, the consent page (https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow–1.3), the Amazon-initiated
 * flow (https://developer-docs.amazon.com/sp-api/docs/selling-partner-appstore-authorization-workflow), Manage Your Apps (https://developer-docs.amazon.com/sp-api/docs/renew-authorizations), the Developer Console's self-authorization and the
 * newcomer landing page. Every page is region-aware through `c.env.region` / `c.env.prefix`.
 */

/**
 * OAuth values travel in query strings, so no page leaks them through Referer (https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow); pages
 * carrying codes or tokens are never cached; the consent page cannot be framed (clickjacking).
 */
const pageHeaders: MiddlewareHandler<SimEnv> = async (c, next) => {
  await next();
  c.res.headers.set('Referrer-Policy', 'no-referrer');
  c.res.headers.set('Cache-Control', 'no-store');
  c.res.headers.set('X-Frame-Options', 'DENY');
};

/** Registers the Seller Central pages. */
export function registerSellerCentral(app: Hono<SimEnv>, ctx: SimContext): void {
  for (const path of [
    '/ap/*',
    '/apps/*',
    '/sellingpartner/*',
    '/_sim/landing',
    '/_sim/apps/:appId/self-authorize',
  ]) {
    app.use(path, pageHeaders);
  }
  registerSignIn(app, ctx);
  registerConsent(app, ctx);
  registerAmazonFlow(app, ctx);
  registerManageApps(app, ctx);
  registerDeveloperConsole(app, ctx);
  registerLanding(app, ctx);
}
