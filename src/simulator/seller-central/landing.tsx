import type { Hono } from 'hono';
import { MINUTE, iso } from '../../kernel/clock.js';
import type { SimContext, SimEnv } from '../context.js';
import { regionFromHost } from '../region.js';
import { DEMO } from '../seed.js';
import type { SimApp, SimAuthCode } from '../state.js';
import { Page, pageEnv, render } from './layout.js';

/**
 * `/_sim/landing`: the first redirect URI of the demo apps, so a newcomer who opens a consent URL
 * sees what Amazon sent (https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow) and a ready curl command that exchanges the code (https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api).
 */

const DEMO_APP_IDS: readonly string[] = [DEMO.draftApp.appId, DEMO.publishedApp.appId];

/** Registers `GET /_sim/landing`. */
export function registerLanding(app: Hono<SimEnv>, ctx: SimContext): void {
  app.get('/_sim/landing', (c) => {
    const state = c.req.query('state');
    const sellingPartnerId = c.req.query('selling_partner_id');
    const codeValue = c.req.query('spapi_oauth_code');
    const error = c.req.query('error');
    const code = codeValue === undefined ? undefined : ctx.state.authCodes.get(codeValue);
    const codeApp = code ? appOfCode(ctx, code) : undefined;
    const isDemo = codeApp !== undefined && DEMO_APP_IDS.includes(codeApp.appId);
    const url = new URL(c.req.url);
    const tokenUrl =
      regionFromHost(c.req.header('host') ?? url.host) === null
        ? `${url.origin}/auth/o2/token`
        : 'https://api.amazon.com/auth/o2/token';
    const minutes = Math.round(ctx.config.authCodeTtlMs / MINUTE);
    const expiresAt = code ? code.issuedAt + ctx.config.authCodeTtlMs : undefined;
    const secret = isDemo ? currentSecret(ctx, codeApp) : undefined;
    const curl = curlCommand(tokenUrl, [
      ['grant_type', 'authorization_code'],
      ['code', codeValue ?? '<spapi_oauth_code>'],
      ['redirect_uri', code?.redirectUri ?? '<the redirect URI the code was sent to>'],
      ['client_id', isDemo ? codeApp.clientId : '<your LWA client id>'],
      ['client_secret', secret ?? '<your LWA client secret>'],
    ]);
    return render(
      c,
      <Page env={pageEnv(c)} title="Authorization received">
        <p>This is the simulator's landing page. Amazon redirected the browser here with these parameters:</p>
        {error === undefined ? null : (
          <p class="error">
            error = <code>{error}</code>: the seller did not authorize the app.
          </p>
        )}
        <table>
          {(
            [
              ['state', state],
              ['selling_partner_id', sellingPartnerId],
              ['spapi_oauth_code', codeValue],
            ] as const
          ).map(([name, value]) => (
            <tr>
              <th>{name}</th>
              <td>{value === undefined ? <span class="muted">(not sent)</span> : <code>{value}</code>}</td>
            </tr>
          ))}
        </table>
        {codeApp ? (
          <p>
            The code belongs to <strong>{codeApp.name}</strong> (<code>{codeApp.appId}</code>).
          </p>
        ) : null}
        <h2>Exchange the code for a refresh token</h2>
        <p>
          The code works <strong>once</strong> and only for <strong>{minutes} minutes</strong> (simulated
          time){expiresAt === undefined ? '' : `, until ${iso(expiresAt)}`}
          {code?.used ? '. It has already been exchanged.' : '.'} Check that <code>state</code> is the value
          your app sent, then run:
        </p>
        <pre data-curl>{curl}</pre>
        {isDemo ? null : <p class="muted">Replace the placeholders with your app's LWA credentials.</p>}
      </Page>,
    );
  });
}

function appOfCode(ctx: SimContext, code: SimAuthCode): SimApp | undefined {
  const authorization = ctx.state.authorizations.get(code.authorizationId);
  return authorization ? ctx.state.apps.get(authorization.appId) : undefined;
}

/** The newest client secret that still works (a demo app's secret may have been rotated). */
function currentSecret(ctx: SimContext, app: SimApp): string | undefined {
  const now = ctx.clock.now();
  const valid = app.clientSecrets.filter((s) => s.expiresAt > now).sort((a, b) => b.issuedAt - a.issuedAt);
  return valid[0]?.secret;
}

function curlCommand(url: string, fields: [string, string][]): string {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return [
    `curl -s -X POST ${quote(url)}`,
    `  -H 'Content-Type: application/x-www-form-urlencoded;charset=UTF-8'`,
    ...fields.map(([name, value]) => `  --data-urlencode ${quote(`${name}=${value}`)}`),
  ].join(' \\\n');
}
