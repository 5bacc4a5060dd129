import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createSellerlinkClient, type components, type SellerlinkClient } from '../../src/client/index.js';
import { inProcessFetch } from '../support/in-process.js';
import { connectionIdOf, connectRegion, demoSeller, signedInBrowser } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';
import { createKeyOnPortal } from './support.js';

/**
 * The typed REST API client (`sellerlink/client`, src/client/) against the sandbox service, in
 * process: its fetch goes to the service's handler (support/in-process.ts). The calls are typed by
 * the generated schema (src/client/schema.ts), so these tests also fail to compile when the schema
 * and the way the client is used drift apart.
 */

type Connection = components['schemas']['Connection'];

describe('typed REST API client', () => {
  let svc: TestService;
  let client: SellerlinkClient;
  let connectionId = '';
  /** Every request the client sent. */
  const sent: Request[] = [];

  beforeAll(async () => {
    svc = await startTestService();
    const owner = await signedInBrowser(svc);
    connectionId = connectionIdOf((await connectRegion(owner, svc, 'NA')).url);
    const { key } = await createKeyOnPortal(owner, svc, 'typed client');
    const toService = inProcessFetch(svc);
    client = createSellerlinkClient({
      baseUrl: `${svc.url}/api`,
      apiKey: key,
      fetch: (request) => {
        sent.push(request.clone());
        return toService(request);
      },
    });
  });
  afterAll(async () => svc?.stop());

  it('lists connections, typed, with the API key as a bearer token', async () => {
    const { data, error, response } = await client.GET('/v1/connections');
    expect(response.status).toBe(200);
    expect(error).toBeUndefined();
    expectTypeOf(data!.connections).toEqualTypeOf<Connection[]>();
    const first = data!.connections[0]!;
    const state: 'working' | 'renew_needed' | 'app_rejected' | 'paused_by_amazon' | 'disconnected' =
      first.health.state;
    expect({ id: first.id, region: first.region, state }).toEqual({
      id: connectionId,
      region: 'NA',
      state: 'working',
    });
    expect(data!.connections).toHaveLength(1);
    const last = sent.at(-1)!;
    expect(last.url).toBe(`${svc.url}/api/v1/connections`);
    expect(last.headers.get('authorization')).toMatch(/^Bearer slk_/);
  });

  it('filters with typed query parameters', async () => {
    const { data } = await client.GET('/v1/connections', { params: { query: { region: 'EU' } } });
    expect(data!.connections).toEqual([]);
    expect(new URL(sent.at(-1)!.url).searchParams.get('region')).toBe('EU');
  });

  it('gets one connection by its path parameter', async () => {
    const { data, error } = await client.GET('/v1/connections/{id}', {
      params: { path: { id: connectionId } },
    });
    expect(error).toBeUndefined();
    expect(data!.id).toBe(connectionId);
    expect(data!.sellingPartnerId).toBe(demoSeller('NA').sellingPartnerId);
    expect(data!.needsReauthorization).toBe(false);
    expect(data!.renewUrl).toBe(`${svc.url}/connections/${connectionId}`);
  });

  it('gets an access token for the connection', async () => {
    const { data, error, response } = await client.POST('/v1/connections/{id}/access-token', {
      params: { path: { id: connectionId } },
    });
    expect(error).toBeUndefined();
    expect(response.headers.get('cache-control')).toBe('no-store');
    expectTypeOf(data!.tokenType).toEqualTypeOf<'bearer'>();
    expect(data!.tokenType).toBe('bearer');
    expect(data!.region).toBe('NA');
    expect(data!.accessToken.length).toBeGreaterThan(10);
    expect(Date.parse(data!.expiresAt)).toBeGreaterThan(Date.now());
  });

  it('answers an unknown connection with the typed error CONNECTION_NOT_FOUND', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    const { data, error, response } = await client.GET('/v1/connections/{id}', {
      params: { path: { id: unknown } },
    });
    expect(data).toBeUndefined();
    expect(response.status).toBe(404);
    expectTypeOf(error!.error.code).toEqualTypeOf<string>();
    expect(error!.error.code).toBe('CONNECTION_NOT_FOUND');
    expect(error!.error.message.length).toBeGreaterThan(0);
  });

  it('sends a wrong key as given, and the API refuses it', async () => {
    const wrong = createSellerlinkClient({
      baseUrl: `${svc.url}/api`,
      apiKey: 'slk_00000000_not-a-real-key',
      fetch: inProcessFetch(svc),
    });
    const { error, response } = await wrong.GET('/v1/connections');
    expect(response.status).toBe(401);
    expect(error!.error.code).toBe('API_KEY_INVALID');
  });
});
