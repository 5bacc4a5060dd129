import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccounts } from '../../src/accounts/service.js';
import { ValidationError } from '../../src/kernel/errors.js';
import { cryptoRandom } from '../../src/kernel/random.js';
import { parseChangesFile } from '../../src/listings/import-file.js';
import { createKeyOnPortal } from '../api/support.js';
import { describeEachDatabase } from '../support/databases.js';
import { findForm, type BrowserPage, type HttpBrowser } from '../support/http-browser.js';
import { inProcessBrowser, request } from '../support/in-process.js';
import { connectionIdOf, connectRegion } from '../support/portal.js';
import { messageOf, tableDigests } from '../support/security.js';
import { startTestService, type TestService } from '../support/service.js';
import { eventually } from '../support/wait.js';

/**
 * Each cause of the 500s found by hand, and the missing body limit on
 * portal forms. Bad input is a 4xx with a clear code (the portal's message page, the API's JSON
 * error) and stores nothing. Requests go in-process through the service's fetch handler
 * (support/in-process.ts).
 */
describeEachDatabase('bad input is refused with a 4xx and changes nothing', (database) => {
  let svc: TestService;
  let demo: HttpBrowser;
  let ops: HttpBrowser;
  let key = '';
  let connectionId = '';
  const password = 'correct horse battery';
  const NOTIFICATION_SECRET = 'bad-input-notification-secret';

  const signIn = async (username: string, pass: string): Promise<HttpBrowser> => {
    const browser = inProcessBrowser(svc);
    const after = await browser.submit(await browser.get(`${svc.url}/login`), { username, password: pass });
    expect(after.url).toBe(`${svc.url}/connections`);
    return browser;
  };

  /** The session's CSRF token (from the sign-out form). */
  const csrfOf = async (browser: HttpBrowser): Promise<string> => {
    const page = await browser.get(`${svc.url}/connections`);
    return findForm(page.text, page.url, { action: '/logout' }).fields._csrf!;
  };

  /** Runs `step` and asserts that no application table changed (see fuzz.test.ts for what is skipped). */
  const changesNothing = async <T>(step: () => Promise<T>): Promise<T> => {
    const skip = {
      // The catalog refresh (listings/catalog.ts) runs in the background on its own schedule.
      tables: [
        'audit_log',
        'login_throttles',
        'access_tokens',
        'rate_buckets',
        'listing_catalog',
        'listing_catalog_syncs',
      ],
      columns: [
        'sessions.last_seen_at',
        'api_keys.last_used_at',
        'connections.last_success_at',
        'connections.last_probe_at',
        'connections.last_probe_outcome',
      ],
    };
    const before = await tableDigests(svc.store.db, skip);
    const result = await step();
    expect(await tableDigests(svc.store.db, skip)).toEqual(before);
    return result;
  };

  /** A raw request through the service's handler. */
  const send = (path: string, init: RequestInit = {}): Promise<Response> => request(svc, path, init);

  const api = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${key}`);
    const res = await send(path, { ...init, headers });
    return { status: res.status, body: (await res.json()) as { error: { code: string; field?: string } } };
  };

  /** A portal answer as the message page shows it. */
  const page = async (res: Response): Promise<{ status: number } & ReturnType<typeof messageOf>> => {
    const text = await res.text();
    return { status: res.status, ...messageOf({ text } as BrowserPage) };
  };

  /** A signed-in form post with the session's cookie, Origin and CSRF token. */
  const postForm = async (browser: HttpBrowser, path: string, fields: Record<string, string>) => {
    const body = new URLSearchParams({ _csrf: await csrfOf(browser), ...fields }).toString();
    return browser.post(`${svc.url}${path}`, body, {
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: svc.url },
      followRedirects: false,
    });
  };

  beforeAll(async () => {
    svc = await startTestService({
      database,
      env: {
        ORDERS_IMPORT_INTERVAL_SECONDS: '86400',
        ANALYTICS_INTERVAL_HOURS: '0',
        AMAZON_NOTIFICATION_SECRET: NOTIFICATION_SECRET,
      },
    });
    demo = await signIn(svc.demo.username, svc.demo.password);
    connectionId = connectionIdOf((await connectRegion(demo, svc, 'NA')).url);
    key = (await createKeyOnPortal(demo, svc, 'bad input')).key;
    const accounts = createAccounts({ db: svc.store.db, clock: svc.service.clock, random: cryptoRandom });
    await accounts.addUser({ accountId: null, username: 'ops', password, role: 'operator' });
    ops = await signIn('ops', password);
    // Background work the connection started (first order import, notification e-mail) ends first.
    await eventually(async () => {
      const sync = await svc.store.db
        .selectFrom('order_syncs')
        .select('last_finished_at')
        .where('connection_id', '=', connectionId)
        .executeTakeFirst();
      const pending = await svc.store.db
        .selectFrom('notification_deliveries')
        .select('id')
        .where('status', '=', 'pending')
        .execute();
      return sync?.last_finished_at && pending.length === 0;
    }, 60_000);
  });
  afterAll(async () => svc?.stop());

  it('NUL bytes: in the unauthenticated sign-in form, an API path and a portal path', async () => {
    await changesNothing(async () => {
      const browser = inProcessBrowser(svc);
      const signInPage = await browser.submit(await browser.get(`${svc.url}/login`), {
        username: 'demo\u0000',
        password: 'pass\u0000word',
      });
      expect(signInPage.status).toBe(400);
      expect(messageOf(signInPage)).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(messageOf(signInPage).message).toContain('username: contains a NUL character');

      expect(await api('/api/v1/orders/111-%00-222')).toMatchObject({
        status: 400,
        body: { error: { code: 'VALIDATION_FAILED', field: 'path' } },
      });
      const portal = await demo.get(`${svc.url}/orders/111-%00-222`);
      expect({ status: portal.status, ...messageOf(portal) }).toMatchObject({
        status: 400,
        code: 'VALIDATION_FAILED',
      });
    });
  });

  it("NUL bytes inside a forwarded notification's nested message (JSON in a JSON string) are refused as invalid", async () => {
    const message = JSON.stringify({
      notificationType: 'APPLICATION_OAUTH_CLIENT_NEW_SECRET',
      eventTime: '2026-01-01T00:00:00Z',
      payload: {
        applicationOAuthClientNewSecret: {
          clientId: 'amzn1.application-oa2-client.\u0000',
          newClientSecret: 'amzn1.oa2-cs.v1.new',
        },
      },
    });
    await changesNothing(async () => {
      const res = await send('/amazon/notifications', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-sellerlink-notification-secret': NOTIFICATION_SECRET,
        },
        body: JSON.stringify({ Type: 'Notification', Message: message }),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'NOTIFICATION_INVALID' } });
    });
  });

  it('lone surrogates in listing attributes: over the API and in the portal form', async () => {
    await changesNothing(async () => {
      const body = '{"productType":"SHIRT","attributes":{"item_name":[{"value":"Shirt \\ud800"}]}}';
      const answer = await api(`/api/v1/connections/${connectionId}/listings/SKU-1`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(answer).toMatchObject({
        status: 400,
        body: {
          error: {
            code: 'VALIDATION_FAILED',
            field: 'attributes.item_name.0.value',
          },
        },
      });
      const form = await postForm(demo, `/connections/${connectionId}/listings`, {
        sku: 'SKU-1',
        productType: 'SHIRT',
        attributes: '{"item_name":[{"value":"Shirt \\udc00"}]}',
      });
      expect(form.status).toBe(400);
      expect(form.text).toContain('attributes.item_name.0.value: contains a lone UTF-16 surrogate');
    });
  });

  it('JSON nested 10,000 deep: API bodies, the SP-API proxy and the portal listing form', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    await changesNothing(async () => {
      for (const [method, path, body] of [
        [
          'PUT',
          `/api/v1/connections/${connectionId}/listings/SKU-2`,
          `{"productType":"SHIRT","attributes":{"a":${deep}}}`,
        ],
        ['POST', `/api/v1/connections/${connectionId}/restricted-data-token`, deep],
        ['POST', `/api/v1/connections/${connectionId}/sp-api/orders/v0/orders`, `{"x":${deep}}`],
      ] as const) {
        const answer = await api(path, { method, headers: { 'content-type': 'application/json' }, body });
        expect({ path, ...answer }).toMatchObject({
          path,
          status: 400,
          body: { error: { code: 'VALIDATION_FAILED' } },
        });
      }
      const form = await postForm(demo, `/connections/${connectionId}/listings`, {
        sku: 'SKU-2',
        productType: 'SHIRT',
        attributes: `{"a":${deep}}`,
      });
      expect(form.status).toBe(400);
      expect(form.text).toContain('attributes: is nested deeper than 64 levels');
    });
  });

  it("dates outside PostgreSQL's range: API filters, portal filters and forged cursors", async () => {
    await changesNothing(async () => {
      for (const value of ['-100000-01-01', '%2B200000-01-01T00:00:00Z', '0000-01-01', '10000-01-01']) {
        expect(await api(`/api/v1/orders?createdFrom=${value}`)).toMatchObject({
          status: 400,
          body: { error: { code: 'VALIDATION_FAILED', field: 'createdFrom' } },
        });
      }
      const cursor = Buffer.from(JSON.stringify(['+200000-01-01T00:00:00.000Z', connectionId, '1'])).toString(
        'base64url',
      );
      expect(await api(`/api/v1/orders?cursor=${cursor}`)).toMatchObject({
        status: 400,
        body: { error: { code: 'ORDERS_INVALID_FILTER', field: 'cursor' } },
      });
      for (const query of ['from=0000-01-01', 'to=9999-12-31&from=0001-01-01', `cursor=${cursor}`]) {
        const res = await demo.get(`${svc.url}/orders?${query}`);
        expect({ query, status: res.status }).toEqual({
          query,
          status: query.startsWith('to=') ? 200 : 400,
        });
      }
    });
  });

  it('malformed multipart bodies, signed in or not', async () => {
    await changesNothing(async () => {
      for (const [body, type] of [
        ['garbage', 'multipart/form-data; boundary=xyz'],
        [
          '--xyz\r\nContent-Disposition: form-data; name="username"\r\n\r\ndemo',
          'multipart/form-data; boundary=xyz',
        ],
        ['', 'multipart/form-data'],
      ] as const) {
        const anonymous = await page(
          await send('/login', { method: 'POST', headers: { 'content-type': type }, body }),
        );
        expect(anonymous).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
        expect(anonymous.message).toContain('body: not a well-formed multipart/form-data form');
        const signedIn = await demo.post(`${svc.url}/connections/connect`, body, {
          headers: { 'content-type': type, origin: svc.url },
          followRedirects: false,
        });
        expect(messageOf(signedIn)).toMatchObject({ code: 'VALIDATION_FAILED' });
        expect(signedIn.status).toBe(400);
      }
    });
  });

  it('a non-UUID accountId (or account scope) from an operator', async () => {
    await changesNothing(async () => {
      for (const [path, fields] of [
        ['/connections/connect', { region: 'NA', accountId: 'not-an-id' }],
        [
          '/connections/import',
          {
            region: 'NA',
            accountId: '------------------------------------',
            applicationId: 'x',
            sellingPartnerId: 'A1',
            refreshToken: 'Atzr|x',
          },
        ],
        ['/notifications/settings', { scope: 'nope', recipients: 'ops@example.com' }],
        ['/api-keys', { name: 'k', scope: "' or 1=1 --" }],
      ] as const) {
        const res = await postForm(ops, path, fields);
        expect({ path, status: res.status, ...messageOf(res) }).toMatchObject({
          path,
          status: 400,
          code: 'VALIDATION_FAILED',
        });
      }
      // Field names that are also names of every object's properties are just names.
      expect((await send('/login?toString=x&__proto__=y&constructor=z')).status).toBe(200);
      expect(await api('/api/v1/connections?accountId=nope')).toMatchObject({
        status: 400,
        body: { error: { code: 'VALIDATION_FAILED', field: 'accountId' } },
      });
    });
  });

  it('body limits: an unauthenticated 50 MB sign-in is refused with 413 before it is read', async () => {
    const fifty = 50 * 1024 * 1024;
    /** A 50 MB form body made only as it is read (no read-ahead), counting what the service pulled. */
    const counted = () => {
      const chunk = new TextEncoder().encode(`username=${'x'.repeat(64 * 1024 - 9)}`);
      let pulled = 0;
      const stream = new ReadableStream<Uint8Array>(
        {
          pull(controller) {
            if (pulled >= fifty) return controller.close();
            pulled += chunk.length;
            controller.enqueue(chunk);
          },
        },
        { highWaterMark: 0 },
      );
      return { stream, pulled: () => pulled };
    };
    await changesNothing(async () => {
      // Declared size: refused without reading a byte.
      const declared = counted();
      const first = await send('/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(fifty) },
        body: declared.stream,
        duplex: 'half',
      } as RequestInit);
      expect(await page(first)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
      expect(declared.pulled()).toBe(0);
      // Streamed (no Content-Length): counted as it arrives, refused once past 64 KiB.
      const streamed = counted();
      const second = await send('/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: streamed.stream,
        duplex: 'half',
      } as RequestInit);
      expect(await page(second)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
      expect(streamed.pulled()).toBeLessThanOrEqual(4 * 64 * 1024);
      // The same on the other kinds of routes, each in its own format.
      const big = 'x'.repeat(2 * 1024 * 1024);
      expect((await send('/logout', { method: 'POST', body: big })).status).toBe(413);
      expect((await send('/amazon/notifications', { method: 'POST', body: big })).status).toBe(413);
      expect((await send('/sandbox/clock', { method: 'POST', body: big })).status).toBe(413);
      const apiAnswer = await api(`/api/v1/connections/${connectionId}/restricted-data-token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: big,
      });
      expect(apiAnswer).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    });
    // The listing form takes more than a plain form (its attributes are a JSON document).
    const attributes = JSON.stringify({ item_name: [{ value: 'y'.repeat(100 * 1024) }] });
    const form = await postForm(demo, `/connections/${connectionId}/listings`, {
      sku: 'SKU-BIG',
      productType: 'SHIRT',
      attributes,
    });
    expect(form.status).toBe(303);
  });
});

describe('a listings file (sellerlink listings import) with input the database cannot store', () => {
  it('is refused naming the file, for NUL, lone surrogates and deep nesting, in JSON and CSV', () => {
    const defaults = { marketplaceId: 'ATVPDKIKX0DER' };
    const put = (value: string) =>
      `[{"sku":"S1","productType":"SHIRT","attributes":{"item_name":[{"value":"${value}"}]}}]`;
    for (const [text, format, words] of [
      [put('\\ud800'), 'json', 'lone UTF-16 surrogate'],
      [put('\\u0000'), 'json', 'NUL character'],
      [put('a\u0000b'), 'json', 'NUL character'],
      [`[${'['.repeat(10_000)}${']'.repeat(10_000)}]`, 'json', 'nested deeper than 64 levels'],
      [
        'sku,productType,attributes\nS1,SHIRT,"{""a"":[{""value"":""\\udc00""}]}"\n',
        'csv',
        'lone UTF-16 surrogate',
      ],
    ] as const) {
      expect(() => parseChangesFile(text, format, defaults)).toThrow(ValidationError);
      expect(() => parseChangesFile(text, format, defaults)).toThrow(words);
    }
  });
});
