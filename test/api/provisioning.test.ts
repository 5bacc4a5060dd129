import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { Viewer } from '../../src/connections/repository.js';
import { createSellerlinkClient, type components, type SellerlinkClient } from '../../src/client/index.js';
import { inProcessFetch } from '../support/in-process.js';
import { connectionIdOf, connectRegion, signedInBrowser } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';
import { callApi, expectApiError, type ApiAnswer } from './support.js';

/**
 * Provisioning accounts by API (docs/api.md, "Provisioning accounts"; src/accounts/provisioning.ts,
 * src/api/routes/accounts.ts): the vendor's software creates its tenants with its own external id,
 * idempotently, with their notification contacts and return-URL allow-list. In process against the
 * sandbox service; the happy path through the typed client.
 */

type Account = components['schemas']['Account'];

const OPERATOR: Viewer = { userId: '', username: 'cli', role: 'operator', accountId: null, actor: 'cli' };

describe('provisioning API', () => {
  let svc: TestService;
  let client: SellerlinkClient;
  let operatorKey = '';
  let operatorPrefix = '';

  /** Every account row, oldest first, as stored (to show that a refused call changed nothing). */
  const snapshot = async () =>
    svc.store.db.selectFrom('accounts').selectAll().orderBy('created_at').orderBy('id').execute();
  const audit = (action: string) =>
    svc.store.db.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('id').execute();
  const api = (path: string, options: { method?: string; body?: unknown } = {}) =>
    callApi(svc, operatorKey, `/api/v1${path}`, options);
  const accountOf = (answer: ApiAnswer) => answer.json as Account;

  beforeAll(async () => {
    svc = await startTestService();
    const made = await svc.service.graph.apiKeys.create(OPERATOR, {
      name: 'vendor backend',
      accountId: null,
    });
    operatorKey = made.key.reveal();
    operatorPrefix = made.apiKey.prefix;
    client = createSellerlinkClient({
      baseUrl: `${svc.url}/api`,
      apiKey: operatorKey,
      fetch: inProcessFetch(svc),
    });
  });
  afterAll(async () => svc?.stop());

  it('creates an account with the typed client, with contacts and return URLs, and audits it', async () => {
    const { data, error, response } = await client.POST('/v1/accounts', {
      body: {
        name: '  Trail Gear Ltd ',
        externalId: 'crm-1001',
        contacts: ['Ops@TrailGear.example', 'ops@trailgear.example', 'it@trailgear.example'],
        returnUrls: ['https://app.vendor.example/settings/amazon'],
        defaultReturnUrl: 'https://app.vendor.example/settings/amazon/done',
      },
    });
    expect(error).toBeUndefined();
    expect(response.status).toBe(201);
    expectTypeOf(data!).toEqualTypeOf<Account>();
    expect(data).toMatchObject({
      name: 'Trail Gear Ltd',
      externalId: 'crm-1001',
      contacts: ['ops@trailgear.example', 'it@trailgear.example'],
      returnUrls: ['https://app.vendor.example/settings/amazon'],
      defaultReturnUrl: 'https://app.vendor.example/settings/amazon/done',
      connections: { total: 0, active: 0 },
    });
    expect(data!.createdAt).toBe(data!.updatedAt);

    const got = await client.GET('/v1/accounts/{id}', { params: { path: { id: data!.id } } });
    expect(got.data).toEqual(data);
    const settings = await svc.service.graph.notifications.notify.settings.resolve(data!.id);
    expect({ recipients: settings.recipients, isDefault: settings.isDefault }).toEqual({
      recipients: ['ops@trailgear.example', 'it@trailgear.example'],
      isDefault: false,
    });
    const created = (await audit('account.created')).filter((e) => e.account_id === data!.id);
    expect(created).toHaveLength(1);
    expect(created[0]!.actor).toBe(`api-key:${operatorPrefix}`);
  });

  it('upserts by external id: created once (201), then the same request changes nothing (200)', async () => {
    const externalId = 'crm/tenant:42@eu';
    const body = {
      name: 'Upsert GmbH',
      contacts: ['a@upsert.example'],
      returnUrls: ['http://localhost:5173/cb'],
    };
    const before = (await snapshot()).length;
    const first = await client.PUT('/v1/accounts/by-external-id/{externalId}', {
      params: { path: { externalId } },
      body,
    });
    expect(first.response.status).toBe(201);
    expect(first.data).toMatchObject({ externalId, name: 'Upsert GmbH', contacts: ['a@upsert.example'] });
    const second = await client.PUT('/v1/accounts/by-external-id/{externalId}', {
      params: { path: { externalId } },
      body,
    });
    expect(second.response.status).toBe(200);
    expect(second.data).toEqual(first.data);
    expect((await snapshot()).length).toBe(before + 1);
    const mine = (action: string) =>
      audit(action).then((es) => es.filter((e) => e.account_id === first.data!.id));
    expect(await mine('account.created')).toHaveLength(1);
    expect(await mine('account.updated')).toHaveLength(0);

    const found = await client.GET('/v1/accounts', { params: { query: { externalId } } });
    expect(found.data!.accounts.map((a) => a.id)).toEqual([first.data!.id]);

    // Fields given are updated; the rest stay.
    const renamed = await api(`/accounts/by-external-id/${encodeURIComponent(externalId)}`, {
      method: 'PUT',
      body: { name: 'Upsert AG' },
    });
    expect(renamed.status).toBe(200);
    expect(accountOf(renamed)).toMatchObject({
      id: first.data!.id,
      name: 'Upsert AG',
      contacts: ['a@upsert.example'],
    });
    expect(accountOf(renamed).updatedAt >= first.data!.updatedAt).toBe(true);
    const updated = await mine('account.updated');
    expect(updated).toHaveLength(1);
    expect(updated[0]!.detail).toMatchObject({ changed: ['name'] });
    expect(updated[0]!.actor).toBe(`api-key:${operatorPrefix}`);
  });

  it('creating by PUT needs a name; nothing is created without one', async () => {
    const before = await snapshot();
    expectApiError(
      await api('/accounts/by-external-id/crm-no-name', { method: 'PUT', body: { contacts: [] } }),
      400,
      'VALIDATION_FAILED',
      'name',
    );
    expect(await snapshot()).toEqual(before);
  });

  it('POST with an external id that exists answers 409 ACCOUNT_EXISTS naming the account', async () => {
    const existing = await api('/accounts', {
      method: 'POST',
      body: { name: 'First', externalId: 'crm-dup' },
    });
    expect(existing.status).toBe(201);
    const before = await snapshot();
    const again = await api('/accounts', { method: 'POST', body: { name: 'Second', externalId: 'crm-dup' } });
    const body = expectApiError(again, 409, 'ACCOUNT_EXISTS');
    expect(body.error.message).toContain(accountOf(existing).id);
    expect(body.error.message).toContain('PUT /api/v1/accounts/by-external-id/');
    expect(await snapshot()).toEqual(before);
    // Changing another account's external id to a taken one is refused the same way.
    const other = accountOf(await api('/accounts', { method: 'POST', body: { name: 'Other' } }));
    const taken = await api(`/accounts/${other.id}`, { method: 'PATCH', body: { externalId: 'crm-dup' } });
    expectApiError(taken, 409, 'ACCOUNT_EXISTS');
    expect(accountOf(await api(`/accounts/${other.id}`)).externalId).toBeNull();
  });

  it('lists accounts oldest first, a page at a time, every account exactly once', async () => {
    for (let i = 0; i < 5; i++) {
      expect(
        (await api('/accounts', { method: 'POST', body: { name: `Page ${i}`, externalId: `page-${i}` } }))
          .status,
      ).toBe(201);
    }
    const all = await snapshot();
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 50; pages++) {
      const { data, error } = await client.GET('/v1/accounts', {
        params: { query: { limit: 2, ...(cursor ? { cursor } : {}) } },
      });
      expect(error).toBeUndefined();
      expect(data!.accounts.length).toBeLessThanOrEqual(2);
      seen.push(...data!.accounts.map((a) => a.id));
      if (data!.nextCursor === null) break;
      cursor = data!.nextCursor;
    }
    expect(seen).toEqual(all.map((a) => a.id));
    const names = (await api('/accounts?limit=100')).json as {
      accounts: Account[];
      nextCursor: string | null;
    };
    expect(names.nextCursor).toBeNull();
    expect(names.accounts.filter((a) => a.name.startsWith('Page ')).map((a) => a.name)).toEqual([
      'Page 0',
      'Page 1',
      'Page 2',
      'Page 3',
      'Page 4',
    ]);
    expectApiError(await api('/accounts?cursor=bm9wZQ'), 400, 'VALIDATION_FAILED', 'cursor');
    expectApiError(await api('/accounts?limit=0'), 400, 'VALIDATION_FAILED', 'limit');
    expectApiError(await api('/accounts?limit=101'), 400, 'VALIDATION_FAILED', 'limit');
    expectApiError(await api('/accounts?externalId=has%20space'), 400, 'VALIDATION_FAILED', 'externalId');
  });

  it('gets one account; an unknown id is 404 ACCOUNT_NOT_FOUND', async () => {
    const made = accountOf(await api('/accounts', { method: 'POST', body: { name: 'Get Me' } }));
    expect(accountOf(await api(`/accounts/${made.id}`))).toEqual(made);
    expectApiError(await api('/accounts/00000000-0000-4000-8000-000000000000'), 404, 'ACCOUNT_NOT_FOUND');
    expectApiError(await api('/accounts/not-a-uuid'), 400, 'VALIDATION_FAILED', 'id');
  });

  it('patches contacts and return URLs; the contacts become the account’s notification recipients', async () => {
    const made = accountOf(
      await api('/accounts', { method: 'POST', body: { name: 'Patch Me', externalId: 'crm-patch' } }),
    );
    const { settings } = svc.service.graph.notifications.notify;
    expect((await settings.resolve(made.id)).isDefault).toBe(true);
    // The account chose to e-mail only about revocations: patching contacts keeps that choice.
    await settings.update(OPERATOR, {
      scope: made.id,
      emailEnabled: true,
      recipients: ['old@patch.example'],
      eventTypes: ['connection.revoked'],
    });
    const patched = await client.PATCH('/v1/accounts/{id}', {
      params: { path: { id: made.id } },
      body: {
        contacts: ['new@patch.example', 'second@patch.example'],
        returnUrls: ['https://patch.example/return', 'http://127.0.0.1:8080/'],
        defaultReturnUrl: 'https://patch.example/return/ok',
      },
    });
    expect(patched.response.status).toBe(200);
    expect(patched.data).toMatchObject({
      contacts: ['new@patch.example', 'second@patch.example'],
      returnUrls: ['https://patch.example/return', 'http://127.0.0.1:8080/'],
      defaultReturnUrl: 'https://patch.example/return/ok',
    });
    const now = await settings.resolve(made.id);
    expect({ recipients: now.recipients, eventTypes: now.eventTypes, updatedBy: now.updatedBy }).toEqual({
      recipients: ['new@patch.example', 'second@patch.example'],
      eventTypes: ['connection.revoked'],
      updatedBy: `api-key:${operatorPrefix}`,
    });
    // The same patch again changes nothing; null clears the default.
    const same = await api(`/accounts/${made.id}`, {
      method: 'PATCH',
      body: { contacts: ['new@patch.example', 'second@patch.example'], name: 'Patch Me' },
    });
    expect(accountOf(same).updatedAt).toBe(patched.data!.updatedAt);
    const cleared = await api(`/accounts/${made.id}`, {
      method: 'PATCH',
      body: { defaultReturnUrl: null, externalId: null },
    });
    expect(accountOf(cleared)).toMatchObject({ defaultReturnUrl: null, externalId: null });
  });

  it('refuses bad input field by field with 400 and changes nothing', async () => {
    const made = accountOf(
      await api('/accounts', {
        method: 'POST',
        body: {
          name: 'Valid',
          externalId: 'crm-valid',
          contacts: ['ok@valid.example'],
          returnUrls: ['https://valid.example/app'],
          defaultReturnUrl: 'https://valid.example/app/back',
        },
      }),
    );
    const before = await snapshot();
    const recipientsBefore = (await svc.service.graph.notifications.notify.settings.resolve(made.id))
      .recipients;
    const tooMany = Array.from({ length: 21 }, (_, i) => `p${i}@valid.example`);
    const cases: [Record<string, unknown>, string][] = [
      [{ name: '' }, 'name'],
      [{ name: '   ' }, 'name'],
      [{ name: 'x'.repeat(201) }, 'name'],
      [{ externalId: 'has space' }, 'externalId'],
      [{ externalId: 'x'.repeat(201) }, 'externalId'],
      [{ externalId: 'crm-ü' }, 'externalId'],
      [{ contacts: ['not-an-address'] }, 'contacts'],
      [{ contacts: 'ok@valid.example' }, 'contacts'],
      [{ contacts: tooMany }, 'contacts'],
      [{ returnUrls: ['http://vendor.example/'] }, 'returnUrls[0]'],
      [{ returnUrls: ['https://ok.example/', 'not a url'] }, 'returnUrls[1]'],
      [{ returnUrls: ['https://user:pw@vendor.example/'] }, 'returnUrls[0]'],
      [{ returnUrls: ['https://vendor.example/#frag'] }, 'returnUrls[0]'],
      [{ defaultReturnUrl: 'https://elsewhere.example/app' }, 'defaultReturnUrl'],
      [{ defaultReturnUrl: 'https://valid.example/application' }, 'defaultReturnUrl'],
      [{ defaultReturnUrl: 'ftp://valid.example/app' }, 'defaultReturnUrl'],
      // The stored default must stay allowed by a new allow-list.
      [{ returnUrls: ['https://other.example/'] }, 'returnUrls'],
      [{ unknownField: 1 }, 'unknownField'],
    ];
    for (const [body, field] of cases) {
      const patch = await api(`/accounts/${made.id}`, { method: 'PATCH', body });
      expect({ body, answer: patch.json }).toMatchObject({ answer: { error: { field } } });
      expectApiError(patch, 400, 'VALIDATION_FAILED', field);
      // A new account has no stored default for its allow-list to keep allowing.
      if (field === 'returnUrls') continue;
      const post = await api('/accounts', { method: 'POST', body: { name: 'New', ...body } });
      expectApiError(post, 400, 'VALIDATION_FAILED', field);
    }
    expectApiError(
      await api(`/accounts/by-external-id/${encodeURIComponent('bad id')}`, {
        method: 'PUT',
        body: { name: 'X' },
      }),
      400,
      'VALIDATION_FAILED',
      'externalId',
    );
    expectApiError(
      await api('/accounts/by-external-id/crm-valid', { method: 'PUT', body: { contacts: ['nope'] } }),
      400,
      'VALIDATION_FAILED',
      'contacts',
    );
    expectApiError(
      await api('/accounts', { method: 'POST', body: { externalId: 'crm-x' } }),
      400,
      'VALIDATION_FAILED',
      'name',
    );
    const after = await snapshot();
    expect(after).toEqual(before);
    expect((await svc.service.graph.notifications.notify.settings.resolve(made.id)).recipients).toEqual(
      recipientsBefore,
    );
  });

  it('refuses account-scoped keys on every provisioning route with 403, changing nothing', async () => {
    const made = accountOf(
      await api('/accounts', { method: 'POST', body: { name: 'Scoped', externalId: 'crm-scoped' } }),
    );
    const { key } = await svc.service.graph.apiKeys.create(OPERATOR, {
      name: 'tenant key',
      accountId: made.id,
    });
    const before = await snapshot();
    const calls: [string, string, unknown?][] = [
      ['POST', '/api/v1/accounts', { name: 'Sneaky' }],
      ['PUT', '/api/v1/accounts/by-external-id/crm-scoped', { name: 'Renamed' }],
      ['PUT', '/api/v1/accounts/by-external-id/crm-new', { name: 'New' }],
      ['GET', '/api/v1/accounts'],
      ['GET', `/api/v1/accounts/${made.id}`],
      ['PATCH', `/api/v1/accounts/${made.id}`, { name: 'Renamed' }],
      ['PATCH', `/api/v1/accounts/${made.id}`, { name: '' }],
      ['DELETE', `/api/v1/accounts/${made.id}`],
    ];
    for (const [method, path, body] of calls) {
      const answer = await callApi(svc, key.reveal(), path, {
        method,
        ...(body === undefined ? {} : { body }),
      });
      expectApiError(answer, 403, 'API_KEY_FORBIDDEN');
    }
    expect(await snapshot()).toEqual(before);
    expectApiError(await callApi(svc, null, '/api/v1/accounts'), 401, 'API_KEY_MISSING');
  });

  it('refuses to delete an account with a live connection, and deletes it once disconnected', async () => {
    const made = accountOf(
      await api('/accounts', {
        method: 'POST',
        body: { name: 'Connected', externalId: 'crm-conn', contacts: ['c@conn.example'] },
      }),
    );
    await svc.service.graph.accounts.addUser({
      accountId: made.id,
      username: 'conn-owner',
      password: 'conn-owner-password-1',
      role: 'owner',
    });
    const owner = await signedInBrowser(svc, 'conn-owner', 'conn-owner-password-1');
    const connectionId = connectionIdOf((await connectRegion(owner, svc, 'NA')).url);
    expect(accountOf(await api(`/accounts/${made.id}`)).connections).toEqual({ total: 1, active: 1 });

    const refused = expectApiError(
      await api(`/accounts/${made.id}`, { method: 'DELETE' }),
      409,
      'ACCOUNT_HAS_CONNECTIONS',
    );
    expect(refused.error.message).toContain('1 connection');
    expect(refused.error.message).toContain('Disconnect');
    expect((await api(`/accounts/${made.id}`)).status).toBe(200);

    await svc.service.graph.connections.disconnect(OPERATOR, connectionId, null);
    expect(accountOf(await api(`/accounts/${made.id}`)).connections).toEqual({ total: 1, active: 0 });
    const deleted = await client.DELETE('/v1/accounts/{id}', { params: { path: { id: made.id } } });
    expect(deleted.response.status).toBe(204);
    expectApiError(await api(`/accounts/${made.id}`), 404, 'ACCOUNT_NOT_FOUND');
    expectApiError(await api(`/accounts/${made.id}`, { method: 'DELETE' }), 404, 'ACCOUNT_NOT_FOUND');
    const left = await svc.store.db
      .selectFrom('connections')
      .select('id')
      .where('account_id', '=', made.id)
      .execute();
    expect(left).toEqual([]);
    const users = await svc.store.db
      .selectFrom('users')
      .select('id')
      .where('username', '=', 'conn-owner')
      .execute();
    expect(users).toEqual([]);
    const entries = (await audit('account.deleted')).filter(
      (e) => (e.detail as { accountId?: string }).accountId === made.id,
    );
    expect(entries).toHaveLength(1);
    expect(entries[0]!.actor).toBe(`api-key:${operatorPrefix}`);
    // The external id is free again.
    expect(
      (await api('/accounts', { method: 'POST', body: { name: 'Again', externalId: 'crm-conn' } })).status,
    ).toBe(201);
  });

  it('lists the provisioning routes under the Provisioning tag in the OpenAPI document', async () => {
    const doc = (await callApi(svc, null, '/api/openapi.json')).json as {
      paths: Record<string, Record<string, { tags?: string[] }>>;
    };
    const ops = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/v1/accounts'))
      .flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, op]) => [`${method} ${path}`, op.tags]),
      );
    expect(Object.fromEntries(ops)).toEqual({
      'put /v1/accounts/by-external-id/{externalId}': ['Provisioning'],
      'post /v1/accounts': ['Provisioning'],
      'get /v1/accounts': ['Provisioning'],
      'get /v1/accounts/{id}': ['Provisioning'],
      'patch /v1/accounts/{id}': ['Provisioning'],
      'delete /v1/accounts/{id}': ['Provisioning'],
    });
  });
});
