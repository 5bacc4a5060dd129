import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../src/simulator/seed.js';
import { createHttpBrowser, findForm } from '../support/http-browser.js';

/**
 * The newcomer's walk-through of docs/simulator.md, for real: `sellerlink simulator --seed demo` as a
 * child process, a browser (cookies, redirects, forms) over real HTTP through the printed NA consent
 * URL, then the code exchange, a refresh and searchOrders with the access token.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NA_SELLER = DEMO.sellers[0];

interface Spawned {
  child: ChildProcess;
  output: string;
}

/** Starts the CLI simulator and resolves with its full banner (printed in one piece). */
function startSimulator(args: string[], dataDir: string): Promise<Spawned> {
  const { SIMULATOR_TOKEN: _token, ...rest } = process.env;
  const child = spawn(process.execPath, ['bin/sellerlink.js', 'simulator', ...args], {
    cwd: ROOT,
    env: { ...rest, SELLERLINK_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let errors = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`simulator did not start:\n${output}\n${errors}`)),
      60_000,
    );
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Stop with Ctrl+C.')) {
        clearTimeout(timer);
        resolve({ child, output });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`simulator exited with ${code}:\n${output}\n${errors}`));
    });
  });
}

/** Stops the child with SIGTERM (its shutdown path) and waits for it to exit. */
async function stopSimulator(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Form-encoded POST to the LWA token endpoint, as the docs' curl command does. */
async function lwaToken(base: string, fields: Record<string, string>): Promise<Response> {
  return fetch(`${base}/auth/o2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
    body: new URLSearchParams(fields).toString(),
  });
}

describe('newcomer walk-through over real HTTP (docs/simulator.md)', { timeout: 120_000 }, () => {
  let sim: Spawned | undefined;
  let base = '';
  /** The control token, as the banner prints it. */
  let token = '';
  const dataDir = mkdtempSync(join(tmpdir(), 'sellerlink-newcomer-'));

  beforeAll(async () => {
    sim = await startSimulator(['--seed', 'demo', '--port', '0'], dataDir);
    base = /listening on (http:\/\/\S+)/.exec(sim.output)?.[1] ?? '';
    token = /Control token: (\S+)/.exec(sim.output)?.[1] ?? '';
  });

  afterAll(async () => {
    await stopSimulator(sim?.child);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the actual port and the demo seed', () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(base).not.toMatch(/:0$/);
    expect(sim!.output).toContain(`LWA token endpoint: ${base}/auth/o2/token`);
    expect(sim!.output).toContain(DEMO.draftApp.clientId);
    expect(sim!.output).toContain(DEMO.draftApp.clientSecret);
    expect(sim!.output).toContain(`sign in as ${NA_SELLER.email} / ${DEMO.sellerPassword}`);
  });

  it('consent → sign-in → confirm → landing with a code → tokens → searchOrders', async () => {
    const consentUrl = /NA draft app:\s+(\S+)/.exec(sim!.output)?.[1];
    expect(consentUrl).toBe(
      `${base}/na/apps/authorize/consent?application_id=${DEMO.draftApp.appId}&state=demo-na&version=beta`,
    );
    const browser = createHttpBrowser();

    // Not signed in: Seller Central sends the browser to its sign-in page and back afterwards.
    const signIn = await browser.get(consentUrl!);
    expect(signIn.status).toBe(200);
    expect(new URL(signIn.url).pathname).toBe('/na/ap/signin');
    expect(signIn.text).toContain('Sign in to Seller Central NA');

    const consent = await browser.submit(
      signIn,
      { email: NA_SELLER.email, password: DEMO.sellerPassword },
      { action: '/na/ap/signin' },
    );
    expect(consent.status).toBe(200);
    expect(consent.url).toBe(consentUrl);
    expect(consent.text).toContain(`Authorize ${DEMO.draftApp.name}`);
    expect(consent.text).toContain(NA_SELLER.sellingPartnerId);
    expect(Object.keys(browser.cookies(base))).toContain('sc_session_na');

    // Tick the box and press Confirm.
    const form = findForm(consent.text, consent.url, { action: '/na/apps/authorize/consent' });
    const agree = form.controls.find((c) => c.name === 'agree');
    expect(agree).toMatchObject({ type: 'checkbox', checked: false });
    const confirm = form.controls.find((c) => c.type === 'submit' && c.value === 'confirm');
    expect(confirm).toBeDefined();
    const landing = await browser.submit(
      consent,
      { agree: agree!.value, [confirm!.name]: confirm!.value },
      { action: '/na/apps/authorize/consent' },
    );
    expect(landing.status).toBe(200);
    const landed = new URL(landing.url);
    expect(`${landed.origin}${landed.pathname}`).toBe(`${base}/_sim/landing`);
    expect(landed.searchParams.get('state')).toBe('demo-na');
    expect(landed.searchParams.get('selling_partner_id')).toBe(NA_SELLER.sellingPartnerId);
    const code = landed.searchParams.get('spapi_oauth_code');
    expect(code).toBeTruthy();
    expect(landing.text).toContain(code!);

    // Exchange the code for a refresh token (https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api).
    const exchanged = await lwaToken(base, {
      grant_type: 'authorization_code',
      code: code!,
      redirect_uri: `${base}/_sim/landing`,
      client_id: DEMO.draftApp.clientId,
      client_secret: DEMO.draftApp.clientSecret,
    });
    expect(exchanged.status).toBe(200);
    expect(exchanged.headers.get('cache-control')).toBe('no-store');
    const first = (await exchanged.json()) as Record<string, unknown>;
    expect(first).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
    const refreshToken = first.refresh_token as string;
    expect(refreshToken).toMatch(/^Atzr\|/);

    // The code works once.
    const again = await lwaToken(base, {
      grant_type: 'authorization_code',
      code: code!,
      redirect_uri: `${base}/_sim/landing`,
      client_id: DEMO.draftApp.clientId,
      client_secret: DEMO.draftApp.clientSecret,
    });
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error: 'invalid_grant' });

    // Refresh for an access token; the refresh token does not rotate (https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api).
    const refreshed = await lwaToken(base, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: DEMO.draftApp.clientId,
      client_secret: DEMO.draftApp.clientSecret,
    });
    expect(refreshed.status).toBe(200);
    const second = (await refreshed.json()) as Record<string, unknown>;
    expect(second.refresh_token).toBe(refreshToken);
    const accessToken = second.access_token as string;
    expect(accessToken).toMatch(/^Atza\|/);

    // Some orders to find: created 50 to 10 minutes ago in the US marketplace.
    const control = { authorization: `Bearer ${token}` };
    const clock = (await (await fetch(`${base}/_sim/clock`, { headers: control })).json()) as {
      nowMs: number;
    };
    const minute = 60_000;
    const generated = await fetch(`${base}/_sim/orders/generate`, {
      method: 'POST',
      headers: { ...control, 'content-type': 'application/json' },
      body: JSON.stringify({
        sellingPartnerId: NA_SELLER.sellingPartnerId,
        count: 5,
        marketplaceId: 'ATVPDKIKX0DER',
        createdFrom: new Date(clock.nowMs - 50 * minute).toISOString(),
        createdTo: new Date(clock.nowMs - 10 * minute).toISOString(),
      }),
    });
    expect(generated.status).toBe(201);
    const { orders: made } = (await generated.json()) as { orders: { orderId: string }[] };
    expect(made).toHaveLength(5);

    // searchOrders on the NA endpoint (the /na prefix; no prefix would mean NA as well).
    const createdAfter = new Date(clock.nowMs - 60 * minute).toISOString();
    const search = await fetch(
      `${base}/na/orders/2026-01-01/orders?marketplaceIds=ATVPDKIKX0DER&createdAfter=${encodeURIComponent(createdAfter)}`,
      {
        headers: {
          'x-amz-access-token': accessToken,
          'user-agent': 'newcomer-test/1.0 (Language=JavaScript)',
        },
      },
    );
    expect(search.status).toBe(200);
    expect(search.headers.get('x-amzn-requestid')).toBeTruthy();
    expect(search.headers.get('x-amzn-ratelimit-limit')).toBe('0.0056');
    const found = (await search.json()) as { orders: { orderId: string }[] };
    expect(found.orders.map((o) => o.orderId).sort()).toEqual(made.map((o) => o.orderId).sort());
  });
});
