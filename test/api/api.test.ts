import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAccounts } from '../../src/accounts/service.js';
import { createApiKeys } from '../../src/accounts/api-keys.js';
import { createAuditLog } from '../../src/connections/audit.js';
import { cryptoRandom } from '../../src/kernel/random.js';
import type { components, operations } from '../../src/client/index.js';
import { DEMO } from '../../src/simulator/seed.js';
import type { HttpBrowser } from '../support/http-browser.js';
import { inProcessBrowser } from '../support/in-process.js';
import { demoSeller, signedInBrowser } from '../support/portal.js';
import { allRowsAsText, secretsIn, secretsInFiles } from '../support/security.js';
import type { TestService } from '../support/service.js';
import { bodyTextOf, typedClient } from '../support/typed-client.js';
import {
  callApi,
  createKeyOnPortal,
  expectApiError,
  expectTypedError,
  keyOfAnotherAccount,
  startApiWorld,
} from './support.js';

/**
 * The REST API for the vendor's software, in process against the sandbox service (its handler, see
 * support/in-process.ts), which reaches its simulator over HTTP: API keys (portal), auth, account
 * scoping, connections, access tokens, Restricted Data Tokens, the SP-API proxy, one error shape,
 * the OpenAPI document and the docs page. The documented operations are called with the typed
 * client (support/typed-client.ts); raw requests (`callApi`) only where the test is about the wire:
 * the Authorization header, bodies that are not JSON, unknown routes, the proxy's pass-through and
 * the documents.
 */

type ConnectionQuery = NonNullable<operations['listConnections']['parameters']['query']>;
type RdtRequest = components['schemas']['RestrictedDataTokenRequest'];

const MINUTE = 60_000;
/** A well-formed connection id that no connection has. */
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
/** How long a background effect may take to show (vi.waitFor's 1 s default is too short under load). */
const WAIT = { timeout: 30_000, interval: 50 };

describe('REST API', () => {
  let svc: TestService;
  let owner: HttpBrowser;
  let key = '';
  let keyId = '';
  let operatorKey = '';
  const ids = { NA: '', EU: '' };
  const handedOut: string[] = [];
  /** Every URL the service sent a request to, in order (background work included). */
  const sent: URL[] = [];
  /** The typed client with the demo account's key (made in the first test). */
  const api = () => typedClient(svc, key);
  /** The connection ids of one list, as the key sees them. */
  const listed = async (query: ConnectionQuery = {}, apiKey = key) =>
    (await typedClient(svc, apiKey).GET('/v1/connections', { params: { query } })).data!.connections.map(
      (c) => c.id,
    );
  const connection = (id: string) => api().GET('/v1/connections/{id}', { params: { path: { id } } });
  const accessToken = (id: string, apiKey = key) =>
    typedClient(svc, apiKey).POST('/v1/connections/{id}/access-token', { params: { path: { id } } });

  beforeAll(async () => {
    const world = await startApiWorld(['NA', 'EU'], {
      database: 'pglite-dir',
      toAmazon: (request) => {
        sent.push(new URL(request.url));
        return fetch(request);
      },
    });
    ({ svc, owner } = world);
    ids.NA = world.ids.NA!;
    ids.EU = world.ids.EU!;
  });
  afterAll(async () => svc?.stop());

  describe('API keys on the portal', () => {
    it('an owner creates a key: shown once, only its SHA-256 hash and prefix are stored', async () => {
      const created = await createKeyOnPortal(owner, svc, 'ERP server');
      key = created.key;
      keyId = created.id;
      expect(created.page).toContain('shown only this once');

      const again = await owner.get(`${svc.url}/api-keys`);
      expect(again.text).toContain('ERP server');
      expect(again.text).toContain(`slk_${key.slice(4, 12)}_…`);
      expect(again.text).not.toContain(key);
      expect(again.text).not.toContain(key.slice(13));

      const row = await svc.store.db
        .selectFrom('api_keys')
        .selectAll()
        .where('id', '=', keyId)
        .executeTakeFirstOrThrow();
      expect(row.key_hash).toBe(createHash('sha256').update(key).digest('hex'));
      expect(row.prefix).toBe(key.slice(4, 12));
      expect(row.revoked_at).toBeNull();
      const audit = await svc.store.db
        .selectFrom('audit_log')
        .selectAll()
        .where('action', '=', 'api_key.created')
        .execute();
      expect(audit).toHaveLength(1);
      expect(audit[0]!.actor).toBe(`user:${svc.demo.username}`);
    });

    it('refuses a create without the CSRF token and creates nothing', async () => {
      const before = await svc.store.db.selectFrom('api_keys').select('id').execute();
      const page = await owner.get(`${svc.url}/api-keys`);
      const refused = await owner.submit(page, { name: 'forged', _csrf: 'nope' }, { action: '/api-keys' });
      expect(refused.status).toBe(403);
      expect(refused.text).toContain('CSRF_FAILED');
      expect(await svc.store.db.selectFrom('api_keys').select('id').execute()).toHaveLength(before.length);
    });

    it('refuses an empty name, naming the field, and creates nothing', async () => {
      const page = await owner.get(`${svc.url}/api-keys`);
      const refused = await owner.submit(page, { name: '   ' }, { action: '/api-keys' });
      expect(refused.status).toBe(400);
      expect(refused.text).toContain('give the key a name of 1-100 characters');
      expect(refused.text).not.toContain('data-api-key>');
      expect(await svc.store.db.selectFrom('api_keys').select('id').execute()).toHaveLength(1);
    });

    it('members may not manage keys; owners see the nav link', async () => {
      const accounts = createAccounts({ db: svc.store.db, clock: svc.service.clock, random: cryptoRandom });
      const demo = (await accounts.findAccount('Demo Seller Co'))!;
      await accounts.addUser({
        accountId: demo.id,
        username: 'member1',
        password: 'member-password-1',
        role: 'member',
      });
      const member = await signedInBrowser(svc, 'member1', 'member-password-1');
      const page = await member.get(`${svc.url}/api-keys`);
      expect(page.status).toBe(403);
      expect(page.text).toContain('API_KEY_FORBIDDEN');
      expect(page.text).not.toContain('href="/api-keys"');
      expect((await owner.get(`${svc.url}/connections`)).text).toContain('href="/api-keys"');
    });
  });

  describe('authentication', () => {
    it('answers 401 API_KEY_MISSING without a key, with WWW-Authenticate', async () => {
      const answer = await callApi(svc, null, '/api/v1/connections');
      expectApiError(answer, 401, 'API_KEY_MISSING');
      expect(answer.headers.get('www-authenticate')).toBe('Bearer');
    });

    it('answers 401 API_KEY_INVALID for a wrong scheme, a garbled key, and a right prefix with a wrong secret', async () => {
      for (const header of [
        `Basic ${key}`,
        'Bearer nonsense',
        // The last character changed (to one it is not: a random key may end in 'x').
        `Bearer ${key.slice(0, -1)}${key.endsWith('x') ? 'y' : 'x'}`,
        `Bearer ${key}x`,
      ]) {
        const answer = await callApi(svc, null, '/api/v1/connections', {
          headers: { authorization: header },
        });
        expectApiError(answer, 401, 'API_KEY_INVALID');
      }
      // The real key works, so the refusals were about the key.
      expect((await callApi(svc, key, '/api/v1/connections')).status).toBe(200);
    });
  });

  describe('connections', () => {
    it('lists the account connections with state, expiry and marketplaces, never a token', async () => {
      const { data, error, response } = await api().GET('/v1/connections');
      expect(error).toBeUndefined();
      expect(response.status).toBe(200);
      const { connections } = data!;
      expect(connections.map((c) => c.id).sort()).toEqual([ids.NA, ids.EU].sort());
      const na = connections.find((c) => c.id === ids.NA)!;
      expect(na).toMatchObject({
        region: 'NA',
        sellingPartnerId: demoSeller('NA').sellingPartnerId,
        state: 'active',
        daysLeft: 365,
        needsReauthorization: false,
        renewUrl: `${svc.url}/connections/${ids.NA}`,
        lastError: null,
      });
      expect(na.marketplaceIds).toEqual(expect.arrayContaining(['ATVPDKIKX0DER']));
      expect(Date.parse(na.expiresAt!) - Date.parse(na.authorizedAt)).toBe(365 * 86_400_000);
      expect(await bodyTextOf(response)).not.toMatch(/Atz[ar]\||refresh/i);
    });

    it('filters by region and state; a bad filter is a 400 naming it', async () => {
      expect(await listed({ region: 'EU' })).toEqual([ids.EU]);
      expect(await listed({ state: 'active', region: 'NA' })).toEqual([ids.NA]);
      expect(await listed({ state: 'expired' })).toEqual([]);

      // Values the schema forbids, sent anyway: the API refuses them as it documents.
      const asleep = await api().GET('/v1/connections', {
        // @ts-expect-error: not a state
        params: { query: { state: 'asleep' } },
      });
      expectTypedError(asleep, 400, 'VALIDATION_FAILED', 'state');
      const us = await api().GET('/v1/connections', {
        // @ts-expect-error: not a region
        params: { query: { region: 'US' } },
      });
      expectTypedError(us, 400, 'VALIDATION_FAILED', 'region');
    });

    it('gets one connection; a malformed id is a 400 naming it, an unknown one a 404', async () => {
      const { data, response } = await connection(ids.EU);
      expect(response.status).toBe(200);
      expect(data).toMatchObject({ id: ids.EU, region: 'EU', state: 'active' });
      expectTypedError(await connection('not-an-id'), 400, 'VALIDATION_FAILED', 'id');
      expectTypedError(await connection(UNKNOWN_ID), 404, 'CONNECTION_NOT_FOUND');
    });
  });

  describe('account scoping', () => {
    let otherKey = '';

    beforeAll(async () => {
      otherKey = await keyOfAnotherAccount(svc, {
        account: 'Other Seller Ltd',
        username: 'other-owner',
        password: 'other-password-1',
      });
      const operators = createApiKeys({
        db: svc.store.db,
        clock: svc.service.clock,
        random: cryptoRandom,
        audit: createAuditLog(svc.store.db, svc.service.clock),
      });
      operatorKey = (
        await operators.create(
          { userId: '', username: 'cli', role: 'operator', accountId: null, actor: 'cli' },
          { name: 'ops', accountId: null },
        )
      ).key.reveal();
    });

    it("another account's key sees none of these connections: 404 as if they did not exist", async () => {
      const other = typedClient(svc, otherKey);
      const byId = (id: string) => ({ params: { path: { id } } });
      const list = await other.GET('/v1/connections');
      expect(list.data).toEqual({ connections: [] });
      const demoAccount = (await connection(ids.NA)).data!;
      const filtered = await other.GET('/v1/connections', {
        params: { query: { accountId: demoAccount.accountId } },
      });
      expect(filtered.data).toEqual({ connections: [] });
      const unknown = await other.GET('/v1/connections/{id}', byId(UNKNOWN_ID));
      expectTypedError(unknown, 404, 'CONNECTION_NOT_FOUND');
      const got = await other.GET('/v1/connections/{id}', byId(ids.NA));
      expectTypedError(got, 404, 'CONNECTION_NOT_FOUND');
      expect(got.error).toEqual(unknown.error);
      // The proxy's path is sent as it is (the typed client would encode its slashes).
      const proxied = await callApi(
        svc,
        otherKey,
        `/api/v1/connections/${ids.NA}/sp-api/sellers/v1/marketplaceParticipations`,
      );
      expectApiError(proxied, 404, 'CONNECTION_NOT_FOUND');
      expect(proxied.json).toEqual(unknown.error);
      expectTypedError(await accessToken(ids.NA, otherKey), 404, 'CONNECTION_NOT_FOUND');
      const rdt = await other.POST('/v1/connections/{id}/restricted-data-token', {
        ...byId(ids.NA),
        body: { restrictedResources: [{ method: 'GET', path: '/orders/v0/orders' }] },
      });
      expectTypedError(rdt, 404, 'CONNECTION_NOT_FOUND');
    });

    it('an operator key sees every account and filters by account', async () => {
      const operator = typedClient(svc, operatorKey);
      const all = (await operator.GET('/v1/connections')).data!;
      expect(all.connections.map((c) => c.id).sort()).toEqual([ids.NA, ids.EU].sort());
      const accountId = all.connections[0]!.accountId;
      expect(await listed({ accountId, region: 'NA' }, operatorKey)).toEqual([ids.NA]);
      expectTypedError(
        await operator.GET('/v1/connections', { params: { query: { accountId: 'x' } } }),
        400,
        'VALIDATION_FAILED',
        'accountId',
      );
    });
  });

  describe('tokens', () => {
    const restrictedDataToken = (body: RdtRequest) =>
      api().POST('/v1/connections/{id}/restricted-data-token', { params: { path: { id: ids.NA } }, body });

    it('hands out an access token with its expiry, never the refresh token, not cacheable', async () => {
      const { data: body, error, response } = await accessToken(ids.NA);
      expect(error).toBeUndefined();
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(body).toMatchObject({ tokenType: 'bearer', region: 'NA', sellingPartnerId: 'A1DEMOSELLERNA' });
      expect(body!.accessToken).toMatch(/^Atza\|/);
      expect(await bodyTextOf(response)).not.toContain('Atzr|');
      const left = Date.parse(body!.expiresAt) - svc.service.clock.now();
      expect(left).toBeGreaterThan(59 * MINUTE);
      expect(left).toBeLessThanOrEqual(60 * MINUTE);
      handedOut.push(body!.accessToken);

      // The token works at the region's endpoint it names (the simulator, over HTTP as Amazon is).
      const direct = await fetch(`${body!.endpoint}/sellers/v1/marketplaceParticipations`, {
        headers: {
          'x-amz-access-token': body!.accessToken,
          'user-agent': 'vendor-software/1.0 (Language=Node)',
        },
      });
      expect(direct.status).toBe(200);
    });

    it('hands out a Restricted Data Token for valid resources', async () => {
      const {
        data: body,
        error,
        response,
      } = await restrictedDataToken({
        restrictedResources: [
          {
            method: 'GET',
            path: '/orders/v0/orders/{orderId}',
            dataElements: ['buyerInfo', 'shippingAddress'],
          },
          { method: 'GET', path: '/orders/v0/orders/902-1234567-1234567/address' },
        ],
      });
      expect(error).toBeUndefined();
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(body!.restrictedDataToken).toMatch(/^Atz\.sprdt\|/);
      expect(Date.parse(body!.expiresAt) - svc.service.clock.now()).toBeGreaterThan(59 * MINUTE);
      handedOut.push(body!.restrictedDataToken);

      // Amazon's own refusal (dataElements on an operation that takes none) in the API's shape.
      const refused = await restrictedDataToken({
        restrictedResources: [
          { method: 'GET', path: '/orders/v0/orders/{orderId}/address', dataElements: ['shippingAddress'] },
        ],
      });
      const refusal = expectTypedError(refused, 400, 'SPAPI_INVALID_INPUT');
      expect(refusal.error.message).toContain('dataElements');
    });

    it('validates the RDT request like Amazon does, naming the field', async () => {
      /** A body that is not JSON, sent raw: the wire itself. */
      const raw = (rawBody: string, contentType: string) =>
        callApi(svc, key, `/api/v1/connections/${ids.NA}/restricted-data-token`, {
          method: 'POST',
          rawBody,
          headers: { 'content-type': contentType },
        });
      const resource = { method: 'GET', path: '/orders/v0/orders' };
      const cases: [unknown, string][] = [
        [{}, 'restrictedResources'],
        [{ restrictedResources: [] }, 'restrictedResources'],
        [{ restrictedResources: Array.from({ length: 51 }, () => resource) }, 'restrictedResources'],
        [{ restrictedResources: [{ ...resource, method: 'PATCH' }] }, 'restrictedResources.0.method'],
        [{ restrictedResources: [resource, { ...resource, path: 'orders' }] }, 'restrictedResources.1.path'],
        [
          { restrictedResources: [{ ...resource, dataElements: ['creditCard'] }] },
          'restrictedResources.0.dataElements.0',
        ],
        [{ restrictedResources: [{ ...resource, extra: 1 }] }, 'restrictedResources.0.extra'],
      ];
      for (const [body, field] of cases) {
        // Bodies the schema forbids, sent anyway as JSON.
        const error = expectTypedError(
          await restrictedDataToken(body as RdtRequest),
          400,
          'VALIDATION_FAILED',
          field,
        );
        expect(error.error.message.startsWith(`${field}: `)).toBe(true);
      }
      expectApiError(
        await raw('{"restrictedResources": [', 'application/json'),
        400,
        'VALIDATION_FAILED',
        'body',
      );
      expectApiError(await raw('method=GET', 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    });
  });

  describe('SP-API proxy', () => {
    it('forwards searchOrders with every query parameter and returns Amazon’s answer and headers', async () => {
      const since = new Date(svc.service.clock.now() - MINUTE).toISOString();
      const generated = await svc.sim<{ orders: { orderId: string }[] }>('/_sim/orders/generate', {
        sellingPartnerId: demoSeller('NA').sellingPartnerId,
        count: 4,
        createdFrom: since,
        createdTo: new Date(svc.service.clock.now()).toISOString(),
      });
      // Amazon answers only for orders at least 2 minutes old (https://developer-docs.amazon.com/sp-api/docs/orders-api-migration-guide).
      await svc.sim('/_sim/clock/advance', { minutes: 3 });
      const marketplaces = demoSeller('NA')
        .marketplaceIds.map((id) => `marketplaceIds=${id}`)
        .join('&');
      const answer = await callApi(
        svc,
        key,
        `/api/v1/connections/${ids.NA}/sp-api/orders/2026-01-01/orders?${marketplaces}&createdAfter=${since}&maxResultsPerPage=100`,
      );
      expect(answer.status).toBe(200);
      const body = answer.json as { orders: { orderId: string }[]; createdBefore: string };
      expect(body.orders.map((o) => o.orderId).sort()).toEqual(generated.orders.map((o) => o.orderId).sort());
      expect(answer.headers.get('x-amzn-requestid')).toBeTruthy();
      expect(Number(answer.headers.get('x-amzn-ratelimit-limit'))).toBeGreaterThan(0);

      // The service's own order import may call searchOrders meanwhile: find this call by its request id.
      const { requests } = await svc.sim<{
        requests: { requestId: string; operation: string; status: number; path: string }[];
      }>('/_sim/requests?operation=searchOrders');
      const forwarded = requests.find((r) => r.requestId === answer.headers.get('x-amzn-requestid'));
      expect(forwarded).toMatchObject({ status: 200, path: '/orders/2026-01-01/orders', region: 'NA' });
    });

    it('forwards getMarketplaceParticipations', async () => {
      const answer = await callApi(
        svc,
        key,
        `/api/v1/connections/${ids.NA}/sp-api/sellers/v1/marketplaceParticipations`,
      );
      expect(answer.status).toBe(200);
      const body = answer.json as { payload: { marketplace: { id: string } }[] };
      expect(body.payload.map((p) => p.marketplace.id).sort()).toEqual(
        [...demoSeller('NA').marketplaceIds].sort(),
      );
      expect(answer.headers.get('x-amzn-requestid')).toBeTruthy();
      // Successful calls show on the connection as its last success.
      await vi.waitFor(async () => {
        const view = (await connection(ids.NA)).data!;
        expect(Date.parse(view.lastSuccessAt ?? '')).toBeGreaterThan(svc.service.clock.now() - 5 * MINUTE);
      }, WAIT);
    });

    it('retries throttled calls, keeps an encoded / in the path, and passes a 404 through', async () => {
      await svc.sim('/_sim/faults', { operation: 'getListingsItem', kind: '429', share: 1, remaining: 2 });
      const answer = await callApi(
        svc,
        key,
        `/api/v1/connections/${ids.NA}/sp-api/listings/2021-08-01/items/A1DEMOSELLERNA/NO%2FSUCH-SKU?marketplaceIds=ATVPDKIKX0DER`,
      );
      expect(answer.status).toBe(404);
      const body = answer.json as { errors: { code: string; message: string }[] };
      expect(body.errors[0]).toMatchObject({ code: 'NOT_FOUND' });
      expect(body.errors[0]!.message).toContain("SKU 'NO/SUCH-SKU' not found in marketplace ATVPDKIKX0DER");
      const { requests } = await svc.sim<{ requests: { status: number; requestId: string }[] }>(
        '/_sim/requests?operation=getListingsItem',
      );
      expect(requests.map((r) => r.status)).toEqual([404, 429, 429]);
      // Amazon's request id comes through with its body.
      expect(answer.headers.get('x-amzn-requestid')).toBe(requests[0]!.requestId);
    });

    it('answers in its own shape when Amazon keeps failing after the retries', async () => {
      await svc.sim('/_sim/faults', { operation: 'getListingsItem', kind: '500', share: 1, remaining: 5 });
      const answer = await callApi(
        svc,
        key,
        `/api/v1/connections/${ids.NA}/sp-api/listings/2021-08-01/items/A1DEMOSELLERNA/SKU-1?marketplaceIds=ATVPDKIKX0DER`,
      );
      expectApiError(answer, 502, 'SPAPI_SERVER_ERROR');
      const { requests } = await svc.sim<{ requests: { status: number }[] }>(
        '/_sim/requests?operation=getListingsItem&status=500',
      );
      expect(requests).toHaveLength(5);
    });

    it("passes Amazon's 4xx through with Amazon's status and error body", async () => {
      const answer = await callApi(
        svc,
        key,
        `/api/v1/connections/${ids.NA}/sp-api/orders/2026-01-01/orders?marketplaceIds=ATVPDKIKX0DER`,
      );
      expect(answer.status).toBe(400);
      const body = answer.json as { errors: { code: string; message: string }[] };
      expect(body.errors[0]!.code).toBe('InvalidInput');
      expect(body.errors[0]!.message).toMatch(/createdAfter|lastUpdatedAfter/);
    });

    it('refuses paths that are not SP-API paths, naming the path, without calling Amazon', async () => {
      const before = sent.length;
      for (const path of [
        'orders',
        'auth/o2/token',
        'orders/v0/%2e%2e/%2e%2e/auth/o2/token',
        'applications/2023-11-30/clientSecret',
      ]) {
        const answer = await callApi(svc, key, `/api/v1/connections/${ids.NA}/sp-api/${path}`, {
          method: 'POST',
        });
        expectApiError(answer, 400, 'SPAPI_PATH_REFUSED', 'path');
      }
      expectApiError(
        await callApi(svc, key, `/api/v1/connections/${ids.NA}/sp-api/sellers/v1/account`, {
          method: 'OPTIONS',
        }),
        405,
        'METHOD_NOT_ALLOWED',
      );
      expectApiError(
        await callApi(
          svc,
          key,
          `/api/v1/connections/${ids.NA}/sp-api/tokens/2021-03-01/restrictedDataToken`,
          {
            method: 'POST',
            rawBody: 'not json',
            headers: { 'content-type': 'application/json' },
          },
        ),
        400,
        'VALIDATION_FAILED',
        'body',
      );
      // Background work (order import, reports) may call Amazon meanwhile; none of these paths.
      expect(sent.length).toBeGreaterThan(0);
      const refused = new Set([
        '/na/orders',
        '/na/auth/o2/token',
        '/na/applications/2023-11-30/clientSecret',
        '/na/sellers/v1/account',
        '/na/tokens/2021-03-01/restrictedDataToken',
      ]);
      expect(sent.slice(before).filter((url) => refused.has(url.pathname))).toEqual([]);
    });
  });

  describe('dead connections', () => {
    it('a connection revoked at Amazon answers 409 with where the seller renews; the API shows it', async () => {
      const { authorizations } = await svc.sim<{ authorizations: { id: string; region: string }[] }>(
        `/_sim/authorizations?sellingPartnerId=${demoSeller('EU').sellingPartnerId}`,
      );
      await svc.sim(`/_sim/authorizations/${authorizations[0]!.id}/revoke`, {});
      // The first call to Amazon finds out (the background order import may have cached an access
      // token, which Amazon now refuses as revoked: one refresh, invalid_grant, revoked).
      expectApiError(
        await callApi(svc, key, `/api/v1/connections/${ids.EU}/sp-api/sellers/v1/marketplaceParticipations`),
        409,
        'TOKEN_CONNECTION_REVOKED',
      );
      const error = expectTypedError(await accessToken(ids.EU), 409, 'TOKEN_CONNECTION_REVOKED');
      expect(error.error.message).toContain(`${svc.url}/connections/${ids.EU}`);
      expect(error.error.message).toMatch(/re-authorize/);

      const view = (await connection(ids.EU)).data!;
      expect(view).toMatchObject({ state: 'revoked', needsReauthorization: true });
      expect(view.lastError?.code).toBe('LWA_INVALID_GRANT');
      // Fails fast from now on, proxy included.
      expectApiError(
        await callApi(svc, key, `/api/v1/connections/${ids.EU}/sp-api/sellers/v1/marketplaceParticipations`),
        409,
        'TOKEN_CONNECTION_REVOKED',
      );
      expect(await listed({ state: 'revoked' })).toEqual([ids.EU]);
    });

    it('a connection disconnected on the portal answers 409 TOKEN_CONNECTION_DISCONNECTED', async () => {
      const detail = await owner.get(`${svc.url}/connections/${ids.EU}`);
      const confirm = await owner.submit(detail, {}, { action: `/connections/${ids.EU}/disconnect` });
      await owner.submit(confirm, {}, { action: `/connections/${ids.EU}/disconnect` });
      expectTypedError(await accessToken(ids.EU), 409, 'TOKEN_CONNECTION_DISCONNECTED');
    });
  });

  describe('documents', () => {
    it('serves an OpenAPI 3 document with every route', async () => {
      const answer = await callApi(svc, null, '/api/openapi.json');
      expect(answer.status).toBe(200);
      const doc = answer.json as {
        openapi: string;
        servers: { url: string }[];
        paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;
        components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
      };
      expect(doc.openapi).toMatch(/^3\./);
      expect(doc.servers[0]!.url).toBe(`${svc.url}/api`);
      const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
        Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
      );
      expect(operations.sort()).toEqual(
        [
          'GET /v1/connections',
          'GET /v1/connections/{id}',
          'POST /v1/connections/{id}/access-token',
          'POST /v1/connections/{id}/restricted-data-token',
          ...['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => `${m} /v1/connections/{id}/sp-api/{path}`),
          ...['GET', 'PUT', 'PATCH', 'DELETE'].map((m) => `${m} /v1/connections/{id}/listings/{sku}`),
          'GET /v1/connections/{id}/listings',
          'GET /v1/connections/{id}/catalog',
          'GET /v1/connections/{id}/analytics/daily',
          'GET /v1/connections/{id}/settlement-reports',
          'GET /v1/connections/{id}/settlement-reports/{reportId}/document',
          'GET /v1/listing-changes/{changeId}',
          'GET /v1/orders',
          'GET /v1/orders/{orderId}',
          'GET /v1/ads-connections',
          'GET /v1/ads-connections/{id}',
          'PUT /v1/accounts/by-external-id/{externalId}',
          'POST /v1/connect-sessions',
          'GET /v1/connect-sessions/{id}',
          'GET /v1/webhooks',
          'POST /v1/webhooks/{id}/test',
          ...['GET', 'POST'].map((m) => `${m} /v1/accounts`),
          ...['GET', 'PATCH', 'DELETE'].map((m) => `${m} /v1/accounts/{id}`),
          'POST /v1/ads-connections/{id}/profiles/refresh',
          'POST /v1/ads-connections/{id}/access-token',
          ...['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map(
            (m) => `${m} /v1/ads-connections/{id}/ads-api/{path}`,
          ),
        ].sort(),
      );
      for (const item of Object.values(doc.paths)) {
        for (const op of Object.values(item)) {
          expect(op.operationId).toBeTruthy();
          // Listing changes are accepted for later delivery: 202; accounts are created (201) and deleted (204).
          expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401']));
          expect(Object.keys(op.responses).some((s) => ['200', '201', '202', '204'].includes(s))).toBe(true);
        }
      }
      expect(Object.keys(doc.components.schemas)).toEqual(
        expect.arrayContaining(['Error', 'Connection', 'AccessToken', 'RestrictedDataTokenRequest']),
      );
      expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    });

    it('renders a readable docs page with every operation and a curl example, no external assets', async () => {
      const answer = await callApi(svc, null, '/api/docs');
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toContain('text/html');
      for (const op of [
        'listConnections',
        'getConnection',
        'createAccessToken',
        'createRestrictedDataToken',
        'proxyGet',
        'proxyPost',
        'proxyPut',
        'proxyPatch',
        'proxyDelete',
      ]) {
        expect(answer.text).toContain(`data-operation="${op}"`);
      }
      expect(answer.text).toContain(`curl -sS -X GET &quot;${svc.url}/api/v1/connections`);
      expect(answer.text).toContain('Authorization: Bearer $SELLERLINK_API_KEY');
      expect(answer.text).toContain('data-error-code="TOKEN_CONNECTION_REVOKED"');
      expect(answer.text).not.toMatch(/<script|<link|src="http|@import/i);
    });

    it('unknown API routes answer the JSON error shape', async () => {
      expectApiError(await callApi(svc, key, '/api/v2/connections'), 404, 'NOT_FOUND');
      expectApiError(await callApi(svc, null, '/api/nothing'), 404, 'NOT_FOUND');
    });
  });

  describe('revoking and secrecy', () => {
    it('a revoked key is refused at once with API_KEY_REVOKED', async () => {
      const page = await owner.get(`${svc.url}/api-keys`);
      const after = await owner.submit(page, {}, { action: `/api-keys/${keyId}/revoke` });
      expect(after.url).toContain('/api-keys?notice=revoked');
      expect(after.text).toContain('Revoked');
      expectTypedError(await api().GET('/v1/connections'), 401, 'API_KEY_REVOKED');
      const fresh = inProcessBrowser(svc);
      expect((await fresh.get(`${svc.url}/api-keys`)).url).toContain('/login');
    });

    it('no API key or token appears in the database, its files, or the logs', async () => {
      const secrets = [
        { name: 'api key', value: key },
        { name: 'api key secret part', value: key.slice(13) },
        ...handedOut.map((value, i) => ({ name: `handed-out token #${i}`, value, fragment: true })),
      ];
      expect(secretsIn(await allRowsAsText(svc.store.db), secrets)).toEqual([]);
      expect(secretsIn(svc.logs.join('\n'), secrets)).toEqual([]);
      expect(secretsInFiles(svc.dataDir, secrets)).toEqual([]);
      // Controls: the same searches find the prefix, which is stored on purpose.
      const prefix = [{ name: 'prefix', value: `${key.slice(4, 12)}` }];
      expect(secretsIn(await allRowsAsText(svc.store.db), prefix)).toEqual(['prefix']);
      expect(secretsInFiles(svc.dataDir, prefix).length).toBeGreaterThan(0);
      expect(svc.logs.some((line) => line.includes('"apiKeyPrefix"'))).toBe(true);
    });
  });
  describe('Amazon unavailable or refusing the application', () => {
    it('a failed refresh answers 503 TOKEN_REFRESH_FAILED with Retry-After', async () => {
      // LWA fails until the fault is removed, from before the clock jump: a background refresh right
      // after the jump (the order import) must neither use up a fault meant for this request nor
      // refresh the token before the fault is in place.
      await svc.sim('/_sim/faults', { operation: 'lwa', kind: '503', share: 1 });
      // The cached access token has expired: the next request must refresh it at LWA.
      await svc.sim('/_sim/clock/advance', { minutes: 61 });
      const answer = await accessToken(ids.NA, operatorKey);
      await svc.sim('/_sim/faults', undefined, 'DELETE');
      expectTypedError(answer, 503, 'TOKEN_REFRESH_FAILED');
      expect(Number(answer.response.headers.get('retry-after'))).toBeGreaterThan(0);
      const again = await accessToken(ids.NA, operatorKey);
      expect(again.response.status).toBe(200);
    });

    it('an expired client secret answers 502 TOKEN_APPLICATION_REJECTED until the operator updates it', async () => {
      // Amazon rotated the secret; Sellerlink was not told (the notification goes nowhere), and the old
      // one lapses after 7 days (https://developer-docs.amazon.com/sp-api/docs/rotate-your-application-client-secret).
      await svc.sim(`/_sim/apps/${DEMO.publishedApp.appId}/notification-destination`, { url: null }, 'PUT');
      await svc.sim(`/_sim/apps/${DEMO.publishedApp.appId}/rotate-secret`, {});
      await svc.sim('/_sim/clock/advance', { days: 8 });
      const error = expectTypedError(
        await accessToken(ids.NA, operatorKey),
        502,
        'TOKEN_APPLICATION_REJECTED',
      );
      expect(error.error.message).toMatch(/client secret/);
      await svc.rotateSecret(DEMO.publishedApp.appId);
      const fixed = await accessToken(ids.NA, operatorKey);
      expect(fixed.response.status).toBe(200);
    });
  });

  // Last: it spends the NA connection's searchOrders burst.
  it('answers 429 with Retry-After instead of waiting minutes for the usage plan', async () => {
    // searchOrders: burst 20, then one call every ~180 s at Amazon's real rate.
    const createdAfter = new Date(svc.service.clock.now() - 3_600_000).toISOString();
    const path = `/api/v1/connections/${ids.NA}/sp-api/orders/2026-01-01/orders?marketplaceIds=ATVPDKIKX0DER&createdAfter=${createdAfter}`;
    let answer = await callApi(svc, operatorKey, path);
    for (let i = 0; i < 30 && answer.status === 200; i++) answer = await callApi(svc, operatorKey, path);
    expectApiError(answer, 429, 'SPAPI_WAIT_TOO_LONG');
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(20);
    const { requests } = await svc.sim<{ requests: { status: number }[] }>(
      '/_sim/requests?operation=searchOrders',
    );
    expect(requests.filter((r) => r.status === 429)).toEqual([]);
  });
});
