import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/kernel/clock.js';
import { createSimulator, type Simulator } from '../../src/simulator/app.js';
import type { SimulatorConfig } from '../../src/simulator/config.js';
import { DEMO, seedDemo } from '../../src/simulator/seed.js';
import { Browser } from './sim-browser.js';

/**
 * LWA as peer client libraries use it (issue 18): a code exchange without `redirect_uri` (D5,
 * https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3) and several grantless scopes in one request
 * (D6), through Seller Central's consent page and the token endpoint.
 */

const START = Date.UTC(2026, 10, 1, 12, 0, 0);
const ORIGIN = 'http://sim.test';
const FIRST = 'https://vendor.example/first';
const SECOND = 'https://vendor.example/second';
const NOTIFICATIONS = 'sellingpartnerapi::notifications';
const ROTATION = 'sellingpartnerapi::client_credential:rotation';

function setup(config: Partial<SimulatorConfig> = {}) {
  const sim = createSimulator({
    clock: createManualClock(START),
    config,
    // The new secret of a rotation goes to the app's notification destination.
    fetch: () => Promise.resolve(new Response(null, { status: 204 })),
  });
  seedDemo(sim.ctx, {
    redirectUris: [FIRST, SECOND],
    notificationDestinationUrl: 'https://vendor.example/amazon/notifications',
  });
  return { sim, browser: new Browser(sim) };
}

function token(sim: Simulator, fields: Record<string, string>): Promise<Response> {
  return sim.fetch(
    new Request(`${ORIGIN}/auth/o2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
      body: new URLSearchParams({
        client_id: DEMO.publishedApp.clientId,
        client_secret: DEMO.publishedApp.clientSecret,
        ...fields,
      }).toString(),
    }),
  );
}

/** Signs in the NA demo seller and confirms the consent page; returns the redirect URL Amazon sends. */
async function consent(browser: Browser, redirectUri: string | undefined): Promise<URL> {
  const signIn = await browser.post('/ap/signin', {
    email: DEMO.sellers[0].email,
    password: DEMO.sellerPassword,
    return_to: '/apps/manage',
  });
  expect(signIn.status).toBe(302);
  const query: Record<string, string> = { application_id: DEMO.publishedApp.appId, state: 'st-1' };
  if (redirectUri !== undefined) query.redirect_uri = redirectUri;
  const page = await browser.get(`/apps/authorize/consent?${new URLSearchParams(query).toString()}`);
  const html = await page.text();
  const formToken = /name="form_token" value="([^"]+)"/.exec(html)?.[1] ?? '';
  const confirm = await browser.post('/apps/authorize/consent', {
    form_token: formToken,
    ...query,
    agree: 'yes',
    action: 'confirm',
  });
  expect(confirm.status).toBe(302);
  return new URL(confirm.headers.get('location')!);
}

describe('D5: redirect_uri in the code exchange (lwaCodeRedirectUri)', () => {
  it('by default, as Amazon documents it, a code exchange without redirect_uri is refused with invalid_request', async () => {
    const { sim, browser } = setup();
    const back = await consent(browser, undefined);
    const res = await token(sim, {
      grant_type: 'authorization_code',
      code: back.searchParams.get('spapi_oauth_code')!,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'invalid_request',
      error_description: 'The request is missing a required parameter : redirect_uri',
    });
  });

  it("with 'rfc6749', a code from an authorization request without redirect_uri is exchanged without one", async () => {
    const { sim, browser } = setup({ lwaCodeRedirectUri: 'rfc6749' });
    const back = await consent(browser, undefined);
    expect(`${back.origin}${back.pathname}`).toBe(FIRST); // Amazon used the first registered URI
    const res = await token(sim, {
      grant_type: 'authorization_code',
      code: back.searchParams.get('spapi_oauth_code')!,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; refresh_token: string };
    expect(body.access_token).toMatch(/^Atza\|/);
    expect(body.refresh_token).toMatch(/^Atzr\|/);
  });

  it("with 'rfc6749', a code whose authorization request carried redirect_uri still needs it, and the same one", async () => {
    const { sim, browser } = setup({ lwaCodeRedirectUri: 'rfc6749' });
    const back = await consent(browser, SECOND);
    const code = back.searchParams.get('spapi_oauth_code')!;
    const missing = await token(sim, { grant_type: 'authorization_code', code });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: string }).error).toBe('invalid_request');
    const other = await token(sim, { grant_type: 'authorization_code', code, redirect_uri: FIRST });
    expect(other.status).toBe(400);
    expect(((await other.json()) as { error: string }).error).toBe('invalid_grant');
    const same = await token(sim, { grant_type: 'authorization_code', code, redirect_uri: SECOND });
    expect(same.status).toBe(200);
  });
});

describe('D6: several grantless scopes in one client_credentials request', () => {
  it('issues one token for space-separated scopes, good for each of them', async () => {
    const { sim } = setup();
    const res = await token(sim, { grant_type: 'client_credentials', scope: `${NOTIFICATIONS} ${ROTATION}` });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
    expect(body).not.toHaveProperty('refresh_token');
    // The token calls the rotation operation, which needs the second scope.
    const rotate = await sim.fetch(
      new Request(`${ORIGIN}/applications/2023-11-30/clientSecret`, {
        method: 'POST',
        headers: { 'x-amz-access-token': String(body.access_token) },
      }),
    );
    expect(rotate.status).toBe(204);
  });

  it('refuses the request when any one of the scopes is unknown', async () => {
    const { sim } = setup();
    const res = await token(sim, {
      grant_type: 'client_credentials',
      scope: `${NOTIFICATIONS} sellingpartnerapi::unknown`,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_scope');
  });

  it('a token for one scope still cannot call an operation of another', async () => {
    const { sim } = setup();
    const res = await token(sim, { grant_type: 'client_credentials', scope: NOTIFICATIONS });
    const { access_token } = (await res.json()) as { access_token: string };
    const rotate = await sim.fetch(
      new Request(`${ORIGIN}/applications/2023-11-30/clientSecret`, {
        method: 'POST',
        headers: { 'x-amz-access-token': access_token },
      }),
    );
    expect(rotate.status).toBe(403);
  });
});
