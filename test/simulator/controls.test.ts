import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createManualClock, DAY, HOUR, iso } from '../../src/kernel/clock.js';
import { createSimulator, type Simulator } from '../../src/simulator/app.js';
import { DEMO } from '../../src/simulator/seed.js';
import { controlRequest } from '../support/sim-control.js';
import { createTestWorld } from './pipeline-fixtures.js';

const START = Date.UTC(2026, 10, 1, 12, 0, 0);

type Json = Record<string, unknown> & { error?: string; field?: string; message?: string };

function setup(): { sim: Simulator; clock: ReturnType<typeof createManualClock> } {
  const clock = createManualClock(START);
  return { sim: createSimulator({ clock }), clock };
}

/** Calls a control with an optional JSON body (a string is sent as is). */
async function control(
  sim: Simulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Json }> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  const res = await sim.fetch(controlRequest(sim, `http://sim.test${path}`, init));
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  return { status: res.status, json: (await res.json()) as Json };
}

/** Expects a 400 naming `field`, and that the state did not change. */
async function expectBadInput(
  sim: Simulator,
  method: string,
  path: string,
  body: unknown,
  field: string,
): Promise<void> {
  const before = JSON.stringify((await control(sim, 'GET', '/_sim/state')).json);
  const { status, json } = await control(sim, method, path, body);
  expect({ status, error: json.error, field: json.field }).toEqual({
    status: 400,
    error: 'invalid_request',
    field,
  });
  expect(json.message).toContain(field);
  expect(JSON.stringify((await control(sim, 'GET', '/_sim/state')).json)).toBe(before);
}

const NEW_APP = { name: 'Vendor app', status: 'draft', redirectUris: ['https://vendor.test/cb'] };

describe('/_sim/clock', () => {
  it('shows the simulated now and moves it forward only', async () => {
    const { sim, clock } = setup();
    expect((await control(sim, 'GET', '/_sim/clock')).json).toEqual({
      now: iso(START),
      nowMs: START,
      offsetMs: 0,
    });
    const moved = await control(sim, 'POST', '/_sim/clock/advance', { days: 1, hours: 2, minutes: 3, ms: 4 });
    const total = DAY + 2 * HOUR + 3 * 60_000 + 4;
    expect(moved).toEqual({
      status: 200,
      json: { now: iso(START + total), nowMs: START + total, offsetMs: total, advancedMs: total },
    });
    expect(clock.now()).toBe(START + total);
    await expectBadInput(sim, 'POST', '/_sim/clock/advance', { ms: -1 }, 'ms');
    await expectBadInput(sim, 'POST', '/_sim/clock/advance', { days: 'two' }, 'days');
    await expectBadInput(sim, 'POST', '/_sim/clock/advance', {}, 'ms');
    await expectBadInput(sim, 'POST', '/_sim/clock/advance', { weeks: 1 }, 'weeks');
    await expectBadInput(sim, 'POST', '/_sim/clock/advance', '{not json', '(body)');
    expect(clock.now()).toBe(START + total);
  });
});

describe('/_sim/apps', () => {
  it('creates an app and returns its client id and secret once', async () => {
    const { sim } = setup();
    const created = await control(sim, 'POST', '/_sim/apps', {
      ...NEW_APP,
      loginUri: 'https://vendor.test/login',
      roles: ['Product Listing'],
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      name: 'Vendor app',
      status: 'draft',
      redirectUris: ['https://vendor.test/cb'],
      loginUri: 'https://vendor.test/login',
      roles: ['Product Listing'],
    });
    expect(created.json.appId).toMatch(/^amzn1\.sp\.solution\./);
    expect(created.json.clientId).toMatch(/^amzn1\.application-oa2-client\./);
    expect(created.json.clientSecret).toMatch(/^amzn1\.oa2-cs\.v1\./);
    const appId = created.json.appId as string;

    const list = await control(sim, 'GET', '/_sim/apps');
    const listed = (list.json.apps as Json[])[0]!;
    expect(listed.appId).toBe(appId);
    expect(listed.clientSecrets).toEqual([
      { issuedAt: iso(START), expiresAt: iso(START + 180 * DAY), expired: false },
    ]);
    const revealed = await control(sim, 'GET', '/_sim/apps?reveal=1');
    expect(((revealed.json.apps as Json[])[0]!.clientSecrets as Json[])[0]!.secret).toBe(
      created.json.clientSecret,
    );

    expect((await control(sim, 'GET', `/_sim/apps/${appId}`)).json).toEqual(listed);
    const missing = await control(sim, 'GET', '/_sim/apps/amzn1.sp.solution.nope');
    expect(missing).toEqual({
      status: 404,
      json: { error: 'not_found', message: 'unknown app amzn1.sp.solution.nope' },
    });
  });

  it('refuses bad apps naming the field, creating nothing', async () => {
    const { sim } = setup();
    const { name: _name, ...noName } = NEW_APP;
    await expectBadInput(sim, 'POST', '/_sim/apps', noName, 'name');
    await expectBadInput(sim, 'POST', '/_sim/apps', { ...NEW_APP, status: 'live' }, 'status');
    await expectBadInput(sim, 'POST', '/_sim/apps', { ...NEW_APP, redirectUris: [] }, 'redirectUris');
    await expectBadInput(
      sim,
      'POST',
      '/_sim/apps',
      { ...NEW_APP, redirectUris: ['ftp://x.test/'] },
      'redirectUris.0',
    );
    await expectBadInput(sim, 'POST', '/_sim/apps', { ...NEW_APP, loginUri: 'not a url' }, 'loginUri');
    await expectBadInput(
      sim,
      'POST',
      '/_sim/apps',
      { ...NEW_APP, ownerSellingPartnerId: 'ANOBODY' },
      'ownerSellingPartnerId',
    );
    await expectBadInput(sim, 'POST', '/_sim/apps', { ...NEW_APP, colour: 'red' }, 'colour');
    expect(sim.ctx.state.apps.size).toBe(0);
    await control(sim, 'POST', '/_sim/apps', { ...NEW_APP, appId: 'amzn1.sp.solution.fixed' });
    const again = await control(sim, 'POST', '/_sim/apps', { ...NEW_APP, appId: 'amzn1.sp.solution.fixed' });
    expect(again.status).toBe(409);
    expect(again.json.field).toBe('appId');
    expect(sim.ctx.state.apps.size).toBe(1);
  });
});

describe('/_sim/sellers', () => {
  it('creates sellers and changes their marketplaces', async () => {
    const { sim } = setup();
    const created = await control(sim, 'POST', '/_sim/sellers', {
      name: 'Shop EU',
      region: 'EU',
      marketplaceIds: ['A1PA6795UKMFR9'],
      users: [{ email: 'shop@example.com', password: 'pw' }],
      sellingPartnerId: 'ASHOPEU',
    });
    expect(created).toEqual({
      status: 201,
      json: {
        sellingPartnerId: 'ASHOPEU',
        name: 'Shop EU',
        region: 'EU',
        marketplaceIds: ['A1PA6795UKMFR9'],
        users: [{ email: 'shop@example.com' }],
      },
    });
    const patched = await control(sim, 'PATCH', '/_sim/sellers/ASHOPEU', {
      marketplaceIds: ['A1PA6795UKMFR9', 'A1F83G8C2ARO7P'],
    });
    expect(patched.json.marketplaceIds).toEqual(['A1PA6795UKMFR9', 'A1F83G8C2ARO7P']);
    expect(sim.ctx.state.sellers.get('ASHOPEU')?.marketplaceIds).toEqual([
      'A1PA6795UKMFR9',
      'A1F83G8C2ARO7P',
    ]);
    const listed = await control(sim, 'GET', '/_sim/sellers?reveal=1');
    expect((listed.json.sellers as Json[])[0]!.users).toEqual([
      { email: 'shop@example.com', password: 'pw' },
    ]);
    expect((await control(sim, 'PATCH', '/_sim/sellers/ANOBODY', { name: 'x' })).status).toBe(404);
  });

  it('refuses bad sellers and patches naming the field', async () => {
    const { sim } = setup();
    const seller = {
      name: 'Shop',
      region: 'NA',
      marketplaceIds: ['ATVPDKIKX0DER'],
      sellingPartnerId: 'ASHOP',
    };
    await expectBadInput(sim, 'POST', '/_sim/sellers', { ...seller, region: 'APAC' }, 'region');
    await expectBadInput(sim, 'POST', '/_sim/sellers', { ...seller, marketplaceIds: [] }, 'marketplaceIds');
    await expectBadInput(
      sim,
      'POST',
      '/_sim/sellers',
      { ...seller, marketplaceIds: ['ATVPDKIKX0DER', 'A1PA6795UKMFR9'] },
      'marketplaceIds.1',
    );
    await expectBadInput(
      sim,
      'POST',
      '/_sim/sellers',
      { ...seller, marketplaceIds: ['NOPE'] },
      'marketplaceIds.0',
    );
    await expectBadInput(
      sim,
      'POST',
      '/_sim/sellers',
      { ...seller, sellingPartnerId: 'lower' },
      'sellingPartnerId',
    );
    expect((await control(sim, 'POST', '/_sim/sellers', seller)).status).toBe(201);
    expect((await control(sim, 'POST', '/_sim/sellers', seller)).status).toBe(409);
    await expectBadInput(
      sim,
      'PATCH',
      '/_sim/sellers/ASHOP',
      { marketplaceIds: ['A1VC38T7YXB528'] },
      'marketplaceIds.0',
    );
    await expectBadInput(sim, 'PATCH', '/_sim/sellers/ASHOP', {}, 'marketplaceIds');
    expect(sim.ctx.state.sellers.get('ASHOP')?.marketplaceIds).toEqual(['ATVPDKIKX0DER']);
  });
});

describe('/_sim/authorizations', () => {
  it('lists authorizations without refresh tokens unless revealed, and revokes them', async () => {
    const w = createTestWorld();
    const list = await control(w.sim, 'GET', '/_sim/authorizations');
    expect(list.json.authorizations).toEqual([
      {
        id: w.authorization.id,
        appId: w.app.appId,
        sellingPartnerId: 'ASELLERNA',
        region: 'NA',
        kind: 'oauth',
        status: 'active',
        authorizedAt: iso(w.clock.now()),
        expiresAt: iso(w.clock.now() + 365 * DAY),
        revokedAt: null,
      },
    ]);
    expect(JSON.stringify(list.json)).not.toContain('Atzr|');
    const revealed = await control(w.sim, 'GET', '/_sim/authorizations?reveal=1');
    expect((revealed.json.authorizations as Json[])[0]!.refreshToken).toBe(w.authorization.refreshToken);
    expect((await control(w.sim, 'GET', '/_sim/authorizations?appId=other')).json.authorizations).toEqual([]);

    expect((await w.call('/simtest/seller')).status).toBe(200);
    const revoked = await control(w.sim, 'POST', `/_sim/authorizations/${w.authorization.id}/revoke`);
    expect(revoked.json).toMatchObject({ status: 'revoked', revokedAt: iso(w.clock.now()) });
    expect((await w.call('/simtest/seller')).status).toBe(403);
    expect((await control(w.sim, 'POST', '/_sim/authorizations/nope/revoke')).status).toBe(404);
  });
});

describe('/_sim/faults', () => {
  it('adds, lists and removes fault rules', async () => {
    const { sim } = setup();
    const added = await control(sim, 'POST', '/_sim/faults', {
      operation: 'searchOrders',
      kind: '503',
      share: 0.25,
    });
    expect(added.status).toBe(201);
    const { id, ...rule } = added.json;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(rule).toEqual({ operation: 'searchOrders', kind: '503', share: 0.25 });
    const latency = await control(sim, 'POST', '/_sim/faults', {
      id: 'slow',
      operation: 'lwa',
      kind: 'latency',
      latencyMs: 1500,
      remaining: 3,
    });
    expect(latency.json).toEqual({
      id: 'slow',
      operation: 'lwa',
      kind: 'latency',
      share: 1,
      latencyMs: 1500,
      remaining: 3,
    });
    expect(((await control(sim, 'GET', '/_sim/faults')).json.faults as Json[]).map((f) => f.id)).toEqual([
      added.json.id,
      'slow',
    ]);
    expect((await control(sim, 'DELETE', '/_sim/faults/slow')).json.removed).toMatchObject({ id: 'slow' });
    expect((await control(sim, 'DELETE', '/_sim/faults/slow')).status).toBe(404);
    expect((await control(sim, 'DELETE', '/_sim/faults')).json).toEqual({ removed: 1 });
    expect(sim.ctx.state.faults).toEqual([]);
  });

  it('validates rules', async () => {
    const { sim } = setup();
    const base = { operation: '*', kind: '500' };
    await expectBadInput(sim, 'POST', '/_sim/faults', { ...base, kind: 'teapot' }, 'kind');
    await expectBadInput(sim, 'POST', '/_sim/faults', { ...base, share: 1.5 }, 'share');
    await expectBadInput(sim, 'POST', '/_sim/faults', { ...base, operation: 'getOrdres' }, 'operation');
    await expectBadInput(sim, 'POST', '/_sim/faults', { ...base, remaining: 0 }, 'remaining');
    await expectBadInput(sim, 'POST', '/_sim/faults', { ...base, kind: 'latency' }, 'latencyMs');
    await expectBadInput(sim, 'POST', '/_sim/faults', { ...base, latencyMs: 10 }, 'latencyMs');
    await expectBadInput(sim, 'POST', '/_sim/faults', { kind: '500' }, 'operation');
    expect(sim.ctx.state.faults).toEqual([]);
  });
});

describe('/_sim/requests', () => {
  it('shows the request log newest first, filtered by operation and status', async () => {
    const w = createTestWorld();
    await w.call('/simtest/seller');
    await w.call('/simtest/seller', { token: 'bad' });
    for (let i = 0; i < 4; i++) await w.call('/simtest/fast');
    const all = await control(w.sim, 'GET', '/_sim/requests');
    expect(all.json.total).toBe(6);
    expect((all.json.requests as Json[]).map((r) => r.status)).toEqual([429, 200, 200, 200, 403, 200]);
    expect((all.json.requests as Json[])[0]!.at).toBe(iso(w.clock.now()));
    const limited = await control(w.sim, 'GET', '/_sim/requests?limit=2&operation=simtestFast');
    expect((limited.json.requests as Json[]).map((r) => r.status)).toEqual([429, 200]);
    expect(limited.json.total).toBe(4);
    const clientErrors = await control(w.sim, 'GET', '/_sim/requests?status=4xx');
    expect((clientErrors.json.requests as Json[]).map((r) => r.note)).toEqual(['throttled', 'auth:invalid']);
    const exact = await control(
      w.sim,
      'GET',
      '/_sim/requests?status=403&operation=getMarketplaceParticipations',
    );
    expect(exact.json.total).toBe(1);
    await expectBadInput(w.sim, 'GET', '/_sim/requests?limit=0', undefined, 'limit');
    await expectBadInput(w.sim, 'GET', '/_sim/requests?status=teapot', undefined, 'status');
  });
});

describe('/_sim/reset, /_sim/seed/demo, /_sim/state', () => {
  it('seeds the demo world once, summarises the state and resets it', async () => {
    const { sim } = setup();
    const seeded = await control(sim, 'POST', '/_sim/seed/demo', {
      redirectUris: ['http://localhost:4000/cb'],
      loginUri: 'http://localhost:4000/login',
    });
    expect(seeded.status).toBe(201);
    expect(seeded.json.apps).toEqual([
      { ...DEMO.draftApp, status: 'draft', redirectUris: ['http://localhost:4000/cb'] },
      { ...DEMO.publishedApp, status: 'published', redirectUris: ['http://localhost:4000/cb'] },
    ]);
    expect((seeded.json.sellers as Json[]).map((s) => s.sellingPartnerId)).toEqual(
      DEMO.sellers.map((s) => s.sellingPartnerId),
    );
    expect(sim.ctx.state.apps.get(DEMO.draftApp.appId)?.loginUri).toBe('http://localhost:4000/login');
    expect((await control(sim, 'POST', '/_sim/seed/demo', {})).status).toBe(409);

    const state = await control(sim, 'GET', '/_sim/state');
    expect(state.json.clock).toMatchObject({ now: iso(START) });
    expect(state.json.counts).toMatchObject({
      apps: 2,
      sellers: 3,
      authorizations: 0,
      requestLog: 0,
      faults: 0,
    });

    const reset = await control(sim, 'POST', '/_sim/reset');
    expect(reset.json).toMatchObject({ reset: true, state: { apps: 0, sellers: 0 } });
    expect(sim.ctx.state.apps.size).toBe(0);
    const defaults = await control(sim, 'POST', '/_sim/seed/demo');
    expect(defaults.status).toBe(201);
    expect(sim.ctx.state.apps.get(DEMO.publishedApp.appId)?.redirectUris).toEqual([
      'http://localhost:3000/oauth/callback',
    ]);
  });

  it('refuses a bad seed request', async () => {
    const { sim } = setup();
    await expectBadInput(sim, 'POST', '/_sim/seed/demo', { loginUri: 'nope' }, 'loginUri');
    await expectBadInput(sim, 'POST', '/_sim/seed/demo', { redirectUris: [] }, 'redirectUris');
  });
});

describe('/_sim/state/save and /_sim/state/load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-controls-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('saves the world to a file in its state directory and loads it back in place', async () => {
    const w = createTestWorld({}, { stateDir: join(dir, 'states') });
    await w.call('/simtest/seller');
    const path = join(realpathSync(dir), 'states', 'world.json');
    const saved = await control(w.sim, 'POST', '/_sim/state/save', { path: 'world.json' });
    expect(saved.status).toBe(200);
    expect(saved.json).toMatchObject({ saved: path, counts: { apps: 1, sellers: 1, authorizations: 1 } });
    await control(w.sim, 'POST', '/_sim/reset');
    expect((await w.call('/simtest/seller')).status).toBe(403);
    const loaded = await control(w.sim, 'POST', '/_sim/state/load', { path: 'world.json' });
    expect(loaded.json).toMatchObject({ loaded: path, counts: { apps: 1, sellers: 1, authorizations: 1 } });
    // The loaded world is live: the old access token works again.
    expect((await w.call('/simtest/seller')).status).toBe(200);
  });

  it('refuses missing paths and unreadable files, keeping the world', async () => {
    const w = createTestWorld({}, { stateDir: dir });
    await expectBadInput(w.sim, 'POST', '/_sim/state/load', {}, 'path');
    await expectBadInput(w.sim, 'POST', '/_sim/state/load', { path: 'absent.json' }, 'path');
    writeFileSync(join(dir, 'junk.json'), '{"format":"something-else"}');
    await expectBadInput(w.sim, 'POST', '/_sim/state/load', { path: 'junk.json' }, 'path');
    await expectBadInput(w.sim, 'POST', '/_sim/state/save', { path: '' }, 'path');
    expect(w.sim.ctx.state.apps.size).toBe(1);
  });
});

describe('/_sim/apps/:appId/rotate-secret', () => {
  it('rotates the client secret and sends the new-secret notification (https://developer-docs.amazon.com/sp-api/docs/rotate-your-application-client-secret)', async () => {
    const clock = createManualClock(START);
    const delivered: { url: string; body: Json }[] = [];
    const sim = createSimulator({
      clock,
      fetch: (input, init) => {
        delivered.push({
          url: input instanceof Request ? input.url : input.toString(),
          body: JSON.parse(init?.body as string) as Json,
        });
        return Promise.resolve(new Response(null, { status: 200 }));
      },
    });
    const created = await control(sim, 'POST', '/_sim/apps', {
      ...NEW_APP,
      notificationDestinationUrl: 'https://vendor.test/notifications',
    });
    const appId = created.json.appId as string;
    clock.advance(DAY);
    const rotated = await control(sim, 'POST', `/_sim/apps/${appId}/rotate-secret`);
    expect(rotated.status).toBe(200);
    const notification = rotated.json.notification as Json & { body: { payload: Json } };
    expect(notification).toMatchObject({
      notificationType: 'APPLICATION_OAUTH_CLIENT_NEW_SECRET',
      appId,
      destinationUrl: 'https://vendor.test/notifications',
      delivery: { status: 'delivered', httpStatus: 200 },
    });
    const payload = notification.body.payload.applicationOAuthClientNewSecret as Json;
    expect(payload).toMatchObject({
      clientId: created.json.clientId,
      newClientSecretExpiryTime: iso(START + DAY + 180 * DAY),
      oldClientSecretExpiryTime: iso(START + DAY + 7 * DAY),
    });
    expect(payload.newClientSecret).not.toBe(created.json.clientSecret);
    expect(delivered).toEqual([{ url: 'https://vendor.test/notifications', body: notification.body }]);
    // The app view shows both secrets, the old one now ending after the 7-day grace.
    expect(((rotated.json.app as Json).clientSecrets as Json[]).map((s) => s.expiresAt)).toEqual([
      iso(START + DAY + 7 * DAY),
      iso(START + DAY + 180 * DAY),
    ]);
    expect((await control(sim, 'POST', '/_sim/apps/amzn1.sp.solution.nope/rotate-secret')).status).toBe(404);
  });
});

describe('the /_sim/ index page', () => {
  it('lists the pages, the world and the controls', async () => {
    const sim = createSimulator();
    const res = await sim.fetch(controlRequest(sim, 'http://sim.test/_sim/'));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Manage Your Apps (EU)');
    expect(html).toContain('/_sim/clock/advance');
  });
});
