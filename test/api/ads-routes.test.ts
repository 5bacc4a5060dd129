import { describe, expect, it } from 'vitest';
import { ApiKeyError } from '../../src/accounts/errors.js';
import type { ApiPrincipal } from '../../src/accounts/api-keys.js';
import type { Ads, AdsAccessToken } from '../../src/ads/ads.js';
import { AdsError } from '../../src/ads/errors.js';
import type { ProfilesView } from '../../src/ads/profiles.js';
import type { AdsAnswer, AdsForward } from '../../src/amazon/ads-client.js';
import { AmazonError } from '../../src/amazon/errors.js';
import { createApiApp, type ApiDeps } from '../../src/api/app.js';
import { checkAdsPath, splitQuery } from '../../src/api/routes/ads-proxy.js';
import { NO_PROFILES_NOTE, profilesNote } from '../../src/api/routes/ads.js';
import { TokenError } from '../../src/broker/errors.js';
import { ConnectionsError } from '../../src/connections/errors.js';
import type { Connection, Viewer } from '../../src/connections/repository.js';
import type { Logger } from '../../src/kernel/log.js';
import { Secret } from '../../src/kernel/secret.js';
import { connectionHealth } from '../../src/lifecycle/health.js';

/**
 * The Ads routes of the REST API over fake use cases (`app.request`, no database, no Amazon): what
 * the proxy forwards and what it never does, how Amazon's answer comes back, how the Ads failures
 * are answered, the profiles note, and the OpenAPI document.
 */

const NOW = Date.UTC(2027, 0, 10, 12);
const KEY = 'slk_testtest_secret';
const ADS_ID = '3f0b8c52-6f1e-4d5e-9a43-1c2d3e4f5a6b';
const SP_ID = '9a0b8c52-6f1e-4d5e-9a43-1c2d3e4f5a6b';
const ACCOUNT = '11111111-2222-4333-8444-555555555555';
const US = '3312910465837761';

const viewer: Viewer = { userId: 'u1', username: 'owner', role: 'owner', accountId: ACCOUNT };
const principal: ApiPrincipal = { keyId: 'k1', prefix: 'testtest', name: 'test', accountId: ACCOUNT, viewer };

function connection(id: string, api: Connection['api']): Connection {
  const input = {
    state: 'active' as const,
    stateReason: null,
    stateChangedAt: new Date(NOW - 86_400_000),
    kind: 'oauth' as const,
    expiresAt: new Date(NOW + 300 * 86_400_000),
    hasToken: true,
    lastSuccessAt: null,
    lastError: null,
    consecutiveFailures: 0,
    application: { name: 'app', rejectedAt: null, rejectedReason: null },
  };
  return {
    id,
    api,
    accountId: ACCOUNT,
    applicationId: 'app-1',
    sellingPartnerId: api === 'ads' ? 'amazon-ads' : 'A1DEMOSELLERNA',
    region: 'NA',
    marketplaceIds: [],
    storeName: null,
    kind: 'oauth',
    authorizedAt: new Date(NOW - 86_400_000),
    expiresAt: input.expiresAt,
    state: 'active',
    stateReason: null,
    stateChangedAt: input.stateChangedAt,
    lastSuccessAt: null,
    lastError: null,
    hasToken: true,
    health: connectionHealth(input, NOW),
    claim: { status: 'confirmed', checkedAt: null, note: null, otherAccounts: 0, review: null },
  };
}

const PROFILES: ProfilesView = {
  listedAt: new Date(NOW - 60_000),
  failedRegions: [],
  note: null,
  profiles: [
    {
      profileId: US,
      region: 'NA',
      countryCode: 'US',
      currencyCode: 'USD',
      timezone: 'America/Los_Angeles',
      marketplaceId: 'ATVPDKIKX0DER',
      accountType: 'seller',
      accountId: 'A1DEMOSELLERNA',
      accountName: 'Demo',
      validPaymentMethod: true,
      match: { connectionId: SP_ID, sellingPartnerId: 'A1DEMOSELLERNA', storeName: null },
    },
  ],
};

/** A value (or a throw) as a promise, as the use cases answer. */
const later = <T>(f: () => T): Promise<T> => Promise.resolve().then(f);

interface Harness {
  request(path: string, init?: RequestInit & { headers?: Record<string, string> }): Promise<Response>;
  forwarded: { profileId: string | null; req: AdsForward }[];
  logs: string[];
  /** The next answer (or failure) of `ads.forward` / `ads.accessToken`. */
  next: { forward?: AdsAnswer | Error; token?: Error };
}

function harness(): Harness {
  const forwarded: Harness['forwarded'] = [];
  const logs: string[] = [];
  const next: Harness['next'] = {};
  const visible = (id: string, api: Connection['api']): Connection => {
    if (id === ADS_ID && api === 'ads') return connection(ADS_ID, 'ads');
    if (id === SP_ID && api === 'sp_api') return connection(SP_ID, 'sp_api');
    if (id === ADS_ID)
      throw new ConnectionsError(
        'CONNECTION_NOT_FOUND',
        `connection ${id} is an Amazon Ads connection: use /api/v1/ads-connections/${id}`,
      );
    if (id === SP_ID)
      throw new ConnectionsError(
        'CONNECTION_NOT_FOUND',
        `connection ${id} is an SP-API connection: use /api/v1/connections/${id}`,
      );
    throw new ConnectionsError('CONNECTION_NOT_FOUND', 'no such connection');
  };
  const ads = {
    get: (_v: Viewer, id: string) => later(() => visible(id, 'ads')),
    profiles: () => later(() => PROFILES),
    profilesOf: () => later(() => PROFILES),
    refreshProfiles: () => later(() => PROFILES),
    accessToken: async (_v: Viewer, id: string): Promise<AdsAccessToken> => {
      await later(() => visible(id, 'ads'));
      if (next.token) throw next.token;
      return {
        token: new Secret('Atza|ads-access-token-value'),
        expiresAt: new Date(NOW + 3_600_000),
        clientId: 'amzn1.application-oa2-client.ads',
        connectionId: id,
        region: 'NA',
      };
    },
    forward: async (_v: Viewer, id: string, profileId: string | null, req: AdsForward) => {
      await later(() => visible(id, 'ads'));
      forwarded.push({ profileId, req });
      const answer = next.forward;
      if (answer instanceof Error) throw answer;
      return (
        answer ?? {
          status: 200,
          headers: new Headers({ 'content-type': 'application/json' }),
          body: new TextEncoder().encode('{"ok":true}'),
          waitedMs: 0,
          throttled: 0,
        }
      );
    },
    probe: () => later(() => ({ probed: 0, ok: 0, failed: 0 })),
  } as unknown as Ads;
  const logger: Logger = {
    debug: (f, m) => logs.push(JSON.stringify({ ...f, m })),
    info: (f, m) => logs.push(JSON.stringify({ ...f, m })),
    warn: (f, m) => logs.push(JSON.stringify({ ...f, m })),
    error: (f, m) => logs.push(JSON.stringify({ ...f, m })),
    child: () => logger,
  };
  const deps = {
    keys: {
      authenticate: (key: string) =>
        later(() => {
          if (key !== KEY) throw new ApiKeyError('API_KEY_INVALID', 'unknown key');
          return principal;
        }),
    },
    connections: {
      list: (_v: Viewer, _a?: string, api?: string) =>
        later(() =>
          [connection(SP_ID, 'sp_api'), connection(ADS_ID, 'ads')].filter(
            (c) => api === 'all' || c.api === (api ?? 'sp_api'),
          ),
        ),
      get: (_v: Viewer, id: string, api: Connection['api'] = 'sp_api') => later(() => visible(id, api)),
      // GET /v1/connections reads a page (connections/list-page.ts).
      page: (_v: Viewer, query: { api?: string }) =>
        later(() => ({
          connections: [connection(SP_ID, 'sp_api'), connection(ADS_ID, 'ads')].filter(
            (c) => (query.api ?? 'all') === 'all' || c.api === query.api,
          ),
          nextCursor: null,
        })),
    },
    tokens: { accessToken: () => Promise.reject(new Error('not used')) },
    spApi: {},
    clock: { now: () => NOW },
    logger,
    publicUrl: 'https://sellerlink.example',
    spApiEndpoints: { NA: 'https://sp-na', EU: 'https://sp-eu', FE: 'https://sp-fe' },
    ads,
    adsEndpoints: { NA: 'https://ads-na', EU: 'https://ads-eu', FE: 'https://ads-fe' },
  } as unknown as ApiDeps;
  const app = createApiApp(deps);
  return {
    forwarded,
    logs,
    next,
    request: (path, init = {}) =>
      Promise.resolve(
        app.request(path, { ...init, headers: { authorization: `Bearer ${KEY}`, ...init.headers } }),
      ),
  };
}

const PROXY = `/v1/ads-connections/${ADS_ID}/ads-api`;

async function errorOf(res: Response): Promise<{ code: string; message: string; field?: string }> {
  return ((await res.json()) as { error: { code: string; message: string; field?: string } }).error;
}

describe('Ads proxy: what reaches Amazon', () => {
  it('forwards method, path, query (minus profileId) and body bytes as sent; only Content-Type and Accept', async () => {
    const h = harness();
    const body = '{"stateFilter":{"include":["ENABLED"]},  "name":"caf\u00e9"}';
    const res = await h.request(`${PROXY}/sp/campaigns/list?a=1&profileId=${US}&b=x%2Fy+z`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/vnd.spCampaign.v3+json',
        accept: 'application/vnd.spCampaign.v3+json',
        'x-custom': 'kept out',
        'amazon-advertising-api-clientid': 'caller-client',
        cookie: 'a=b',
      },
    });
    expect(res.status).toBe(200);
    expect(h.forwarded).toHaveLength(1);
    const { profileId, req } = h.forwarded[0]!;
    expect(profileId).toBe(US);
    expect(req).toMatchObject({ method: 'POST', path: '/sp/campaigns/list', search: '?a=1&b=x%2Fy+z' });
    expect(req.headers).toEqual({
      'content-type': 'application/vnd.spCampaign.v3+json',
      accept: 'application/vnd.spCampaign.v3+json',
    });
    expect(new TextDecoder().decode(req.body!)).toBe(body);
  });

  it('never forwards the caller’s Authorization, and takes the profile from the Scope header', async () => {
    const h = harness();
    await h.request(`${PROXY}/v2/profiles/${US}`, {
      headers: { 'Amazon-Advertising-API-Scope': ` ${US} ` },
    });
    const { profileId, req } = h.forwarded[0]!;
    expect(profileId).toBe(US);
    expect(req).toMatchObject({ method: 'GET', path: `/v2/profiles/${US}`, search: '', body: null });
    expect(JSON.stringify(req.headers)).not.toContain(KEY);
    expect(Object.keys(req.headers).map((k) => k.toLowerCase())).not.toContain('authorization');
  });

  it('keeps percent-encoding of the path as sent', async () => {
    const h = harness();
    await h.request(`${PROXY}/sb/v4/campaigns/a%2Fb`, { headers: { 'Amazon-Advertising-API-Scope': US } });
    expect(h.forwarded[0]!.req.path).toBe('/sb/v4/campaigns/a%2Fb');
  });

  it('refuses a Scope header and ?profileId= that disagree, with nothing sent', async () => {
    const h = harness();
    const res = await h.request(`${PROXY}/sp/campaigns/list?profileId=1`, {
      method: 'POST',
      headers: { 'Amazon-Advertising-API-Scope': US },
    });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe('ADS_REQUEST_INVALID');
    expect(h.forwarded).toHaveLength(0);
  });

  it('refuses bodies that are not JSON (415) or larger than 1 MiB (413), with nothing sent', async () => {
    const h = harness();
    const scope = { 'Amazon-Advertising-API-Scope': US };
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const res = await h.request(`${PROXY}/sp/campaigns/list`, {
        method: 'POST',
        body: 'a=1',
        headers: { ...scope, 'content-type': type },
      });
      expect(res.status).toBe(415);
      expect((await errorOf(res)).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    const big = await h.request(`${PROXY}/sp/campaigns/list`, {
      method: 'POST',
      body: `{"x":"${'a'.repeat(1024 * 1024)}"}`,
      headers: { ...scope, 'content-type': 'application/json' },
    });
    expect(big.status).toBe(413);
    expect((await errorOf(big)).code).toBe('PAYLOAD_TOO_LARGE');
    const empty = await h.request(`${PROXY}/sp/campaigns/list`, { method: 'POST', body: '', headers: scope });
    expect(empty.status).toBe(200);
    expect(h.forwarded.map((f) => f.req.body)).toEqual([null]);
  });

  it('refuses paths that are not plainly Ads API paths', async () => {
    const h = harness();
    for (const path of [
      '/sp/..%2Fv2/profiles',
      '/v2/a%2F.%2Fprofiles',
      '/2/x',
      '/-x',
      '/sp//list',
      '/sp/%0a',
      '/sp/a%5Cb',
      '/sp/%zz',
    ]) {
      const res = await h.request(`${PROXY}${path}`, { headers: { 'Amazon-Advertising-API-Scope': US } });
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(await errorOf(res)).toMatchObject({ code: 'ADS_PATH_REFUSED', field: 'path' });
    }
    // A plain or encoded dot segment is resolved by URL parsing before any route: nothing is sent.
    const resolved = await h.request(`${PROXY}/%2e%2e/%2E%2E/v2/profiles`, {
      headers: { 'Amazon-Advertising-API-Scope': US },
    });
    expect(resolved.status).toBe(404);
    expect(h.forwarded).toHaveLength(0);
    expect(() => checkAdsPath('/v2/profiles')).not.toThrow();
    expect(() => checkAdsPath('/reporting/reports/')).not.toThrow();
    expect(() => checkAdsPath('')).toThrow(/not an Ads API path/);
  });

  it('answers 405 for methods it does not forward, and 404 for an SP-API id', async () => {
    const h = harness();
    const options = await h.request(`${PROXY}/v2/profiles`, { method: 'OPTIONS' });
    expect(options.status).toBe(405);
    const sp = await h.request(`/v1/ads-connections/${SP_ID}/ads-api/v2/profiles`, {
      headers: { 'Amazon-Advertising-API-Scope': US },
    });
    expect(sp.status).toBe(404);
    expect(await errorOf(sp)).toMatchObject({
      code: 'CONNECTION_NOT_FOUND',
      message: `connection ${SP_ID} is an SP-API connection: use /api/v1/connections/${SP_ID}`,
    });
    expect(h.forwarded).toHaveLength(0);
  });
});

describe('Ads proxy: what comes back', () => {
  const answer = (status: number, headers: Record<string, string>, body = ''): AdsAnswer => ({
    status,
    headers: new Headers(headers),
    body: new TextEncoder().encode(body),
    waitedMs: 2000,
    throttled: 1,
  });

  it('Amazon’s status, body, content type and request id, unchanged', async () => {
    const h = harness();
    h.next.forward = answer(
      207,
      { 'content-type': 'application/vnd.spCampaign.v3+json', 'x-amzn-RequestId': 'REQ1', 'x-other': 'no' },
      '{"campaigns":{"success":[]}}',
    );
    const res = await h.request(`${PROXY}/sp/campaigns`, {
      method: 'PUT',
      body: '{}',
      headers: { 'content-type': 'application/json', 'Amazon-Advertising-API-Scope': US },
    });
    expect(res.status).toBe(207);
    expect(res.headers.get('content-type')).toBe('application/vnd.spCampaign.v3+json');
    expect(res.headers.get('x-amzn-requestid')).toBe('REQ1');
    expect(res.headers.get('x-other')).toBeNull();
    expect(await res.text()).toBe('{"campaigns":{"success":[]}}');
    expect(h.logs.join('\n')).toContain('"waitedMs":2000');
  });

  it('a final 429 carries Amazon’s Retry-After; Amazon’s 401 comes back as Amazon’s', async () => {
    const h = harness();
    h.next.forward = answer(
      429,
      { 'content-type': 'application/json', 'retry-after': '7' },
      '{"code":"429"}',
    );
    const throttled = await h.request(`${PROXY}/sp/campaigns/list`, {
      method: 'POST',
      headers: { 'Amazon-Advertising-API-Scope': US },
    });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('7');
    expect(await throttled.json()).toEqual({ code: '429' });
    h.next.forward = answer(
      401,
      { 'content-type': 'application/json' },
      '{"code":"UNAUTHORIZED","details":"x"}',
    );
    const denied = await h.request(`${PROXY}/v2/profiles`, {
      headers: { 'Amazon-Advertising-API-Scope': US },
    });
    expect(denied.status).toBe(401);
    expect(denied.headers.get('retry-after')).toBeNull();
    expect(await denied.json()).toEqual({ code: 'UNAUTHORIZED', details: 'x' });
  });

  it('a 204 has no body', async () => {
    const h = harness();
    h.next.forward = answer(204, {});
    const res = await h.request(`${PROXY}/sp/campaigns/1`, {
      method: 'DELETE',
      headers: { 'Amazon-Advertising-API-Scope': US },
    });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
  });

  it('maps the Ads failures: unknown profile 404, no profile 400, wait too long 429 + Retry-After', async () => {
    const h = harness();
    const scope = { 'Amazon-Advertising-API-Scope': US };
    h.next.forward = new AdsError('ADS_PROFILE_UNKNOWN', 'profile 1 is not one of this connection’s');
    const unknown = await h.request(`${PROXY}/v2/profiles`, { headers: scope });
    expect(unknown.status).toBe(404);
    expect(await errorOf(unknown)).toMatchObject({ code: 'ADS_PROFILE_UNKNOWN' });
    h.next.forward = new AdsError('ADS_REQUEST_INVALID', 'name the profile');
    const missing = await h.request(`${PROXY}/v2/profiles`);
    expect(missing.status).toBe(400);
    expect(await errorOf(missing)).toMatchObject({ code: 'ADS_REQUEST_INVALID' });
    h.next.forward = new AmazonError('ADS_WAIT_TOO_LONG', 'later', { retryable: true, retryAfterMs: 4_200 });
    const later = await h.request(`${PROXY}/v2/profiles`, { headers: scope });
    expect(later.status).toBe(429);
    expect(later.headers.get('retry-after')).toBe('5');
    expect(await errorOf(later)).toMatchObject({ code: 'ADS_WAIT_TOO_LONG' });
  });
});

describe('Ads connections and tokens', () => {
  it('an Ads access token: client id, region, the three hosts, no-store; the token is not logged', async () => {
    const h = harness();
    const res = await h.request(`/v1/ads-connections/${ADS_ID}/access-token`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({
      accessToken: 'Atza|ads-access-token-value',
      tokenType: 'bearer',
      expiresAt: new Date(NOW + 3_600_000).toISOString(),
      clientId: 'amzn1.application-oa2-client.ads',
      region: 'NA',
      endpoints: { NA: 'https://ads-na', EU: 'https://ads-eu', FE: 'https://ads-fe' },
    });
    expect(h.logs.join('\n')).toContain('Ads access token handed out');
    expect(h.logs.join('\n')).not.toContain('ads-access-token-value');
  });

  it('a dead Ads connection sends the seller to the Ads portal page', async () => {
    const h = harness();
    h.next.token = new TokenError('TOKEN_CONNECTION_REVOKED', 'revoked', {
      details: { connectionId: ADS_ID },
    });
    const res = await h.request(`/v1/ads-connections/${ADS_ID}/access-token`, { method: 'POST' });
    expect(res.status).toBe(409);
    expect((await errorOf(res)).message).toContain(`https://sellerlink.example/ads-connections/${ADS_ID}`);
  });

  it('the connections list shows both APIs with their renew pages; sellingPartnerId null for Ads', async () => {
    const h = harness();
    const res = await h.request('/v1/connections');
    const { connections } = (await res.json()) as {
      connections: { id: string; api: string; sellingPartnerId: string | null; renewUrl: string }[];
    };
    expect(connections.map((c) => [c.api, c.sellingPartnerId, c.renewUrl])).toEqual([
      ['sp-api', 'A1DEMOSELLERNA', `https://sellerlink.example/connections/${SP_ID}`],
      ['ads', null, `https://sellerlink.example/ads-connections/${ADS_ID}`],
    ]);
    const ads = (await (await h.request('/v1/connections?api=ads')).json()) as {
      connections: { id: string }[];
    };
    expect(ads.connections.map((c) => c.id)).toEqual([ADS_ID]);
  });

  it('an Ads connection with its profiles', async () => {
    const h = harness();
    const res = await h.request(`/v1/ads-connections/${ADS_ID}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      id: ADS_ID,
      api: 'ads',
      listedAt: PROFILES.listedAt!.toISOString(),
      failedRegions: [],
      profilesNote: null,
      profiles: [{ profileId: US, match: { connectionId: SP_ID } }],
    });
  });

  it('the profiles note explains an empty list, failed hosts, and a connection never listed', () => {
    const at = new Date(NOW);
    expect(profilesNote(ADS_ID, { listedAt: at, failedRegions: [], note: null, profiles: [] })).toBe(
      NO_PROFILES_NOTE,
    );
    const failed = profilesNote(ADS_ID, {
      listedAt: at,
      failedRegions: ['EU'],
      note: 'EU: timeout',
      profiles: [],
    });
    expect(failed).toContain(NO_PROFILES_NOTE);
    expect(failed).toContain('EU (EU: timeout)');
    const allFailed = profilesNote(ADS_ID, {
      listedAt: at,
      failedRegions: ['NA', 'EU', 'FE'],
      note: null,
      profiles: [],
    });
    expect(allFailed).not.toContain(NO_PROFILES_NOTE);
    expect(profilesNote(ADS_ID, { ...PROFILES, failedRegions: ['FE'] })).toContain('in FE');
    expect(profilesNote(ADS_ID, { listedAt: null, failedRegions: [], note: null, profiles: [] })).toContain(
      `/api/v1/ads-connections/${ADS_ID}/profiles/refresh`,
    );
  });

  it('splits ?profileId= off the query and keeps the rest byte for byte', () => {
    expect(splitQuery('?profileId=12&x=%41')).toEqual({ search: '?x=%41', profileId: '12' });
    expect(splitQuery('?x=1&x=2')).toEqual({ search: '?x=1&x=2', profileId: null });
    expect(splitQuery('')).toEqual({ search: '', profileId: null });
    expect(splitQuery('?profile%49d=5')).toEqual({ search: '', profileId: '5' });
  });
});

describe('the OpenAPI document', () => {
  it('describes the Ads routes and the proxy for each method', async () => {
    const h = harness();
    const doc = (await (await h.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/ads-connections',
        '/v1/ads-connections/{id}',
        '/v1/ads-connections/{id}/profiles/refresh',
        '/v1/ads-connections/{id}/access-token',
        '/v1/ads-connections/{id}/ads-api/{path}',
      ]),
    );
    const proxy = doc.paths['/v1/ads-connections/{id}/ads-api/{path}']!;
    expect(Object.keys(proxy).sort()).toEqual(['delete', 'get', 'patch', 'post', 'put']);
    expect(proxy.get!.parameters!.map((p) => `${p.in}:${p.name}`)).toEqual(
      expect.arrayContaining([
        'path:id',
        'path:path',
        'query:profileId',
        'header:Amazon-Advertising-API-Scope',
      ]),
    );
  });
});
