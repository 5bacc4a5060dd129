import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/kernel/clock.js';
import { createSimulator, type Simulator } from '../../src/simulator/app.js';
import { DEMO, seedDemo } from '../../src/simulator/seed.js';
import { listenSimulator } from '../../src/simulator/server.js';

/**
 * The simulator's `/_sim/` controls reveal every refresh token and client secret
 * and can rewrite the world, so they need the per-run control token, refuse what a web page of
 * another origin can send (a cross-site `Origin` / `Sec-Fetch-Site`, a text/plain or form body), and
 * never read or write a file outside the simulator's state directory. The Amazon-shaped endpoints
 * (LWA, Seller Central pages, the landing page) behave as before, without the token.
 */

const ORIGIN = 'http://sim.test';
const START = Date.UTC(2026, 10, 1, 12, 0, 0);
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function setup(options: { stateDir?: string } = {}): Simulator {
  const sim = createSimulator({ clock: createManualClock(START), ...options });
  seedDemo(sim.ctx, { redirectUris: [`${ORIGIN}/_sim/landing`] });
  return sim;
}

/** A control request with the given headers (no token unless given). */
function call(sim: Simulator, method: string, path: string, headers: Record<string, string>, body?: string) {
  return sim.fetch(
    new Request(`${ORIGIN}${path}`, { method, headers, ...(body === undefined ? {} : { body }) }),
  );
}

const bearer = (sim: Simulator) => ({ authorization: `Bearer ${sim.controlToken}` });
const json = { 'content-type': 'application/json' };

/** What a control could change or reveal: the clock, the world's size, the faults. */
function snapshot(sim: Simulator): string {
  const { state } = sim.ctx;
  return JSON.stringify({
    now: sim.ctx.clock.now(),
    apps: state.apps.size,
    sellers: state.sellers.size,
    authorizations: state.authorizations.size,
    orders: state.orders.size,
    faults: state.faults.length,
  });
}

describe('the control token', () => {
  it('is a fresh 256-bit token per simulator unless one is configured', () => {
    const a = createSimulator();
    const b = createSimulator();
    expect(a.controlToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.controlToken).not.toBe(b.controlToken);
    const fixed = 'a-configured-token-of-at-least-32-characters';
    expect(createSimulator({ controlToken: fixed }).controlToken).toBe(fixed);
    expect(() => createSimulator({ controlToken: 'short' })).toThrow(/at least 32 characters/);
  });

  it('is required by every control: without it (or with a wrong one) 401 and nothing changes', async () => {
    const sim = setup();
    const before = snapshot(sim);
    const destination = sim.ctx.state.apps.get(DEMO.publishedApp.appId)!.notificationDestinationUrl;
    const attempts: [string, string, string?][] = [
      ['POST', '/_sim/clock/advance', '{"days":400}'],
      ['POST', '/_sim/reset', '{}'],
      ['POST', '/_sim/faults', '{"operation":"*","kind":"500"}'],
      ['POST', `/_sim/apps/${DEMO.publishedApp.appId}/self-authorize`, '{}'],
      ['POST', `/_sim/apps/${DEMO.publishedApp.appId}/rotate-secret`, '{}'],
      ['POST', '/_sim/orders/generate', `{"sellingPartnerId":"A1DEMOSELLERNA","count":5}`],
      [
        'PUT',
        `/_sim/apps/${DEMO.publishedApp.appId}/notification-destination`,
        '{"url":"https://evil.test/"}',
      ],
      ['DELETE', '/_sim/faults'],
    ];
    for (const headers of [json, { ...json, authorization: 'Bearer not-the-token' }]) {
      for (const [method, path, body] of attempts) {
        const res = await call(sim, method, path, headers, body);
        expect({ path, status: res.status }).toEqual({ path, status: 401 });
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(((await res.json()) as { error: string }).error).toBe('unauthorized');
      }
    }
    expect(snapshot(sim)).toBe(before);
    expect(sim.ctx.state.apps.get(DEMO.publishedApp.appId)!.notificationDestinationUrl).toBe(destination);
  });

  it('guards the reads that reveal secrets; with the token they answer', async () => {
    const sim = setup();
    const refreshToken = (
      (await (
        await call(
          sim,
          'POST',
          `/_sim/apps/${DEMO.publishedApp.appId}/self-authorize`,
          { ...bearer(sim), ...json },
          '{}',
        )
      ).json()) as { refreshToken: string }
    ).refreshToken;
    for (const path of [
      '/_sim/apps?reveal=1',
      '/_sim/authorizations?reveal=1',
      '/_sim/sellers?reveal=1',
      '/_sim/notifications',
      '/_sim/requests',
      '/_sim/state',
      '/_sim/clock',
    ]) {
      const refused = await call(sim, 'GET', path, {});
      expect({ path, status: refused.status }).toEqual({ path, status: 401 });
      const text = await refused.text();
      expect(text).not.toContain(refreshToken);
      expect(text).not.toContain(DEMO.publishedApp.clientSecret);
    }
    const revealed = await call(sim, 'GET', '/_sim/authorizations?reveal=1', bearer(sim));
    expect(revealed.status).toBe(200);
    expect(await revealed.text()).toContain(refreshToken);
    // Also with a region prefix.
    expect((await call(sim, 'GET', '/eu/_sim/clock', {})).status).toBe(401);
    expect((await call(sim, 'GET', '/eu/_sim/clock', bearer(sim))).status).toBe(200);
  });
});

describe('cross-site requests', () => {
  it('are refused even with the token: a foreign Origin or Sec-Fetch-Site, and nothing changes', async () => {
    const sim = setup();
    const before = snapshot(sim);
    const foreign = [
      { origin: 'https://evil.test' },
      { origin: 'http://127.0.0.1:3000' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ];
    for (const headers of foreign) {
      const res = await call(
        sim,
        'POST',
        '/_sim/clock/advance',
        { ...bearer(sim), ...json, ...headers },
        '{"days":1}',
      );
      expect({ headers, status: res.status }).toEqual({ headers, status: 403 });
      expect(((await res.json()) as { error: string }).error).toBe('cross_site');
    }
    const read = await call(sim, 'GET', '/_sim/apps?reveal=1', {
      ...bearer(sim),
      origin: 'https://evil.test',
    });
    expect(read.status).toBe(403);
    expect(snapshot(sim)).toBe(before);
    // The simulator's own origin and a request from no page at all are fine.
    const own = await call(
      sim,
      'POST',
      '/_sim/clock/advance',
      { ...bearer(sim), ...json, origin: ORIGIN, 'sec-fetch-site': 'same-origin' },
      '{"days":1}',
    );
    expect(own.status).toBe(200);
  });

  it('cannot act with a text/plain or form body (what a page can send without a preflight)', async () => {
    const sim = setup();
    const before = snapshot(sim);
    for (const type of [
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const res = await call(
        sim,
        'POST',
        '/_sim/clock/advance',
        { ...bearer(sim), 'content-type': type },
        '{"days":1}',
      );
      expect({ type, status: res.status }).toEqual({ type, status: 415 });
    }
    const none = await call(sim, 'POST', '/_sim/reset', bearer(sim));
    expect(none.status).toBe(415);
    expect(snapshot(sim)).toBe(before);
  });

  it('gets no CORS headers, so no other origin can read an answer', async () => {
    const sim = setup();
    const preflight = await call(sim, 'OPTIONS', '/_sim/apps', {
      origin: 'https://evil.test',
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'authorization',
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const answer = await call(sim, 'GET', '/_sim/clock', { ...bearer(sim), origin: ORIGIN });
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    expect(answer.headers.get('cache-control')).toBe('no-store');
  });
});

describe('the index page in a browser', () => {
  it('needs the token; the printed link sets an HttpOnly cookie that lets the browser read, never act', async () => {
    const sim = setup();
    const locked = await call(sim, 'GET', '/_sim/', {});
    expect(locked.status).toBe(401);
    expect(await locked.text()).toContain('control token');
    expect((await call(sim, 'GET', '/_sim/?token=wrong', {})).status).toBe(401);

    const link = await call(sim, 'GET', `/_sim/?token=${sim.controlToken}`, { 'sec-fetch-site': 'none' });
    expect(link.status).toBe(303);
    expect(link.headers.get('location')).toBe('/_sim/');
    const setCookie = link.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const cookie = setCookie.split(';')[0]!;

    const page = await call(sim, 'GET', '/_sim/', { cookie });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Manage Your Apps (EU)');
    expect((await call(sim, 'GET', '/_sim/apps', { cookie })).status).toBe(200);
    // A page on another port of the same host is "same site" for cookies: the cookie never acts.
    const before = snapshot(sim);
    expect((await call(sim, 'POST', '/_sim/clock/advance', { cookie, ...json }, '{"days":1}')).status).toBe(
      401,
    );
    expect(snapshot(sim)).toBe(before);
  });
});

describe('state files', () => {
  it('are plain names in the state directory: absolute paths, .. and folders are refused, nothing is written', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sim-auth-'));
    dirs.push(root);
    const stateDir = join(root, 'states');
    const sim = setup({ stateDir });
    const headers = { ...bearer(sim), ...json };
    const outside = join(root, 'stolen.json');
    for (const path of [
      outside,
      '../stolen.json',
      'sub/stolen.json',
      '..',
      '.hidden',
      join(tmpdir(), 'x.json'),
    ]) {
      const saved = await call(sim, 'POST', '/_sim/state/save', headers, JSON.stringify({ path }));
      expect({ path, status: saved.status }).toEqual({ path, status: 400 });
      expect(((await saved.json()) as { field: string }).field).toBe('path');
      const loaded = await call(sim, 'POST', '/_sim/state/load', headers, JSON.stringify({ path }));
      expect({ path, status: loaded.status }).toEqual({ path, status: 400 });
    }
    expect(existsSync(outside)).toBe(false);
    expect(readdirSync(root)).toEqual([]);

    const saved = await call(sim, 'POST', '/_sim/state/save', headers, '{"path":"world.json"}');
    expect(saved.status).toBe(200);
    expect(readdirSync(stateDir)).toEqual(['world.json']);
  });

  it('are refused by a simulator without a state directory', async () => {
    const sim = setup();
    const res = await call(
      sim,
      'POST',
      '/_sim/state/save',
      { ...bearer(sim), ...json },
      '{"path":"world.json"}',
    );
    expect(res.status).toBe(409);
  });
});

describe('the Amazon-shaped endpoints', () => {
  it('need no control token: LWA, Seller Central and the landing page behave as before', async () => {
    const sim = setup();
    const lwa = await call(
      sim,
      'POST',
      '/auth/o2/token',
      { 'content-type': 'application/x-www-form-urlencoded' },
      new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'sellingpartnerapi::notifications',
        client_id: DEMO.publishedApp.clientId,
        client_secret: DEMO.publishedApp.clientSecret,
      }).toString(),
    );
    expect(lwa.status).toBe(200);
    expect((await call(sim, 'GET', '/na/ap/signin', {})).status).toBe(200);
    expect((await call(sim, 'GET', '/_sim/landing?state=x&error=access_denied', {})).status).toBe(200);
  });

  it('are served over HTTP on the same port as the guarded controls', async () => {
    const sim = setup();
    const server = await listenSimulator(sim, { port: 0 });
    try {
      // A page on another site posting text/plain (a "simple request", no preflight), as in the finding.
      const forged = await fetch(`${server.url}/_sim/clock/advance`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', origin: 'https://evil.test' },
        body: '{"days":400}',
      });
      expect(forged.status).toBe(401);
      expect(sim.ctx.clock.now()).toBe(START);
      const ok = await fetch(`${server.url}/_sim/clock`, { headers: bearer(sim) });
      expect(ok.status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
