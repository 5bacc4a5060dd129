import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyLimitFor } from '../../src/web/input-guard.js';
import { createKeyOnPortal } from '../api/support.js';
import { findForm, type HttpBrowser } from '../support/http-browser.js';
import { inProcessBrowser, inProcessFetch, request } from '../support/in-process.js';
import { connectionIdOf, connectRegion } from '../support/portal.js';
import { tableDigests } from '../support/security.js';
import { startTestService, type TestService } from '../support/service.js';
import { eventually } from '../support/wait.js';

/**
 * "No 5xx on bad input, anywhere". fast-check generates more than 10,000 bad requests in
 * seven families over every route the web app registers (read from the app itself, so a new route
 * is fuzzed without a change here), signed out and signed in (session cookie, CSRF token, API key),
 * in-process through the service's fetch handler (support/in-process.ts). Every answer must be below 500 (and, where the
 * input guard must refuse, exactly 400 or 413); after each family no application table changed (a
 * digest of every table per family: one per request would cost more than the requests); at the end
 * /healthz is ok and the user is still signed in. PGlite only, for time: the bad-input suite runs the
 * causes on PostgreSQL too.
 *
 * A request that could be a legitimate change (a POST with a valid CSRF token) always carries
 * something the service must refuse (a NUL, bad JSON, a malformed form, an oversized body, an id of
 * nothing); read-only routes get plain junk as well.
 *
 * Tables and columns left out of "nothing stored", because they legitimately change while bad
 * requests are refused or on their own: `audit_log` (refused OAuth callbacks and sign-ins are
 * audited on purpose), `login_throttles` (failed sign-ins are counted on purpose), `access_tokens` and
 * `rate_buckets` (caches of Amazon's tokens and usage plans written by background work),
 * `sessions.last_seen_at` and `api_keys.last_used_at` (touched by every signed-in request), and the
 * connection's `last_success_at` / `last_probe_*` (background imports and health probes).
 */

/** Runs per family; together at least 10,000. */
const RUNS = {
  poisonedText: 3000,
  deepJson: 1000,
  malformedMultipart: 1500,
  oversize: 300,
  dates: 1200,
  ids: 1500,
  junkQueries: 1500,
} as const;

const SKIP = {
  tables: ['audit_log', 'login_throttles', 'access_tokens', 'rate_buckets'],
  columns: [
    'sessions.last_seen_at',
    'api_keys.last_used_at',
    'connections.last_success_at',
    'connections.last_probe_at',
    'connections.last_probe_outcome',
  ],
};

/** A route of the app: method and Hono path pattern. */
interface Route {
  method: string;
  path: string;
}

/** Field names each route reads (query or body), so the fuzzer hits the names that matter. */
const FIELDS: Record<string, string[]> = {
  'GET /login': ['next'],
  'POST /login': ['username', 'password', 'next', '_csrf'],
  'POST /account/password': ['current', 'next'],
  'GET /connections': ['notice'],
  'POST /connections/connect': ['region', 'accountId'],
  'POST /connections/import': ['applicationId', 'region', 'sellingPartnerId', 'accountId', 'refreshToken'],
  'GET /connections/:id': ['notice'],
  'GET /orders': ['connection', 'marketplace', 'status', 'from', 'to', 'cursor', 'imported'],
  'GET /orders/:orderId': ['connection'],
  'GET /oauth/callback': ['state', 'selling_partner_id', 'spapi_oauth_code', 'error', 'error_description'],
  'GET /oauth/login': ['amazon_callback_uri', 'amazon_state', 'selling_partner_id', 'version'],
  'POST /api-keys': ['name', 'scope'],
  'GET /connections/:id/listings/:sku': ['queued'],
  'POST /connections/:id/listings': [
    'sku',
    'productType',
    'requirements',
    'attributes',
    'preview',
    'marketplaceId',
  ],
  'POST /connections/:id/listings/quick': ['sku', 'price', 'quantity', 'marketplaceId'],
  'POST /connections/:id/listings/delete': ['sku', 'marketplaceId'],
  'GET /sandbox': ['moved'],
  'POST /sandbox/clock': ['days'],
  'GET /notifications': ['scope', 'notice'],
  'POST /notifications/settings': ['scope', 'emailEnabled', 'recipients', 'eventTypes'],
  'POST /notifications/webhooks': ['scope', 'url', 'description', 'eventTypes'],
  'GET /notifications/deliveries': ['status', 'channel', 'endpoint', 'scope'],
  'GET /api/v1/connections': ['state', 'health', 'region', 'accountId'],
  'GET /api/v1/connections/:id/listings': ['state', 'limit'],
  'PUT /api/v1/connections/:id/listings/:sku': ['marketplaceIds', 'mode', 'productType', 'attributes'],
  'PATCH /api/v1/connections/:id/listings/:sku': ['marketplaceIds', 'mode', 'productType', 'patches'],
  'GET /api/v1/orders': [
    'connectionId',
    'marketplaceId',
    'status',
    'createdFrom',
    'createdTo',
    'limit',
    'cursor',
  ],
  'GET /api/v1/orders/:orderId': ['connectionId'],
  'POST /api/v1/connections/:id/restricted-data-token': ['restrictedResources'],
  'POST /amazon/notifications': ['notificationType', 'payload', 'Body', 'Message'],
};
const GENERIC_FIELDS = ['id', 'accountId', 'scope', 'name', 'value', 'q'];
const fieldsOf = (route: Route): string[] => FIELDS[`${route.method} ${route.path}`] ?? GENERIC_FIELDS;

/** Who sends a request. */
type As = 'anonymous' | 'user';

/** A request body, before it is encoded. */
type Body =
  | { kind: 'none' }
  | { kind: 'form'; fields: [string, string][]; csrf: boolean }
  | { kind: 'multipart'; fields: [string, string][]; csrf: boolean }
  | { kind: 'raw'; contentType: string | null; text: string }
  | { kind: 'oversize'; size: number; declared: boolean; contentType: string };

/** One generated request. */
interface Fuzz {
  route: Route;
  method: string;
  as: As;
  /** Values for the path's `:params` (absent: a real id of the signed-in user's data). */
  params: Record<string, string>;
  query: [string, string][];
  body: Body;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Percent-encodes text as a browser would; a lone surrogate becomes invalid UTF-8 bytes. */
function encode(value: string): string {
  let out = '';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff)
      out += `%ED%${(0xa0 | ((code >> 6) & 0x1f)).toString(16)}%${(0x80 | (code & 0x3f)).toString(16)}`;
    else out += encodeURIComponent(char);
  }
  return out;
}

describe('fuzz: bad input over every route', () => {
  let svc: TestService;
  const routes: Route[] = [];
  let demo: HttpBrowser;
  let cookie = '';
  let csrf = '';
  let loginCookie = '';
  let loginCsrf = '';
  let key = '';
  let keyId = '';
  let connectionId = '';
  let orderId = '';
  let sent = 0;

  /** Real ids for the path's params, so bad input meets the user's actual data. */
  const defaults = (): Record<string, string> => ({
    id: connectionId,
    sku: 'FUZZ-SKU',
    changeId: '3f0b8c52-6f1e-4d5e-9a43-1c2d3e4f5a6b',
    orderId,
  });

  /** The route's path with its params filled (per route: an API key id, a delivery number, …). */
  function pathOf(f: Fuzz): string {
    const real = defaults();
    if (f.route.path.startsWith('/api-keys/')) real.id = keyId;
    if (f.route.path.startsWith('/notifications/webhooks/')) real.id = '3f0b8c52-6f1e-4d5e-9a43-1c2d3e4f5a6b';
    if (f.route.path.startsWith('/notifications/deliveries/')) real.id = '987654321';
    return f.route.path
      .replace(/:([A-Za-z]+)/g, (_, name: string) => encode(f.params[name] ?? real[name] ?? 'x'))
      .replace(/\*$/, f.params['*'] ?? 'orders/v0/orders');
  }

  /** Builds the Request: cookies, Origin, CSRF token and API key as the sender has them. */
  function requestOf(f: Fuzz): Request {
    const query = f.query.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
    const url = `${svc.url}${pathOf(f)}${query ? `?${query}` : ''}`;
    const headers = new Headers({ origin: svc.url });
    const isApi = f.route.path.startsWith('/api/');
    if (f.as === 'user') {
      headers.set('cookie', cookie);
      if (isApi) headers.set('authorization', `Bearer ${key}`);
    } else if (f.route.path === '/login') headers.set('cookie', loginCookie);
    const token = f.as === 'user' ? csrf : loginCsrf;
    let body: BodyInit | undefined;
    const init: RequestInit & { duplex?: 'half' } = { method: f.method, headers };
    switch (f.body.kind) {
      case 'none':
        break;
      case 'form': {
        const fields: [string, string][] = f.body.csrf ? [['_csrf', token], ...f.body.fields] : f.body.fields;
        headers.set('content-type', 'application/x-www-form-urlencoded');
        body = fields.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
        break;
      }
      case 'multipart': {
        const fields: [string, string][] = f.body.csrf ? [['_csrf', token], ...f.body.fields] : f.body.fields;
        headers.set('content-type', 'multipart/form-data; boundary=fuzzfuzz');
        body =
          fields
            .map(
              ([k, v]) =>
                `--fuzzfuzz\r\nContent-Disposition: form-data; name="${k.replace(/"/g, '%22')}"\r\n\r\n${v}\r\n`,
            )
            .join('') + '--fuzzfuzz--\r\n';
        break;
      }
      case 'raw':
        if (f.body.contentType !== null) headers.set('content-type', f.body.contentType);
        body = f.body.text;
        break;
      case 'oversize': {
        headers.set('content-type', f.body.contentType);
        if (f.body.declared) headers.set('content-length', String(f.body.size));
        const chunk = new Uint8Array(64 * 1024).fill(0x61);
        let left = f.body.size;
        body = new ReadableStream<Uint8Array>(
          {
            pull(controller) {
              if (left <= 0) return controller.close();
              const piece = chunk.subarray(0, Math.min(left, chunk.length));
              left -= piece.length;
              controller.enqueue(piece);
            },
          },
          { highWaterMark: 0 },
        );
        init.duplex = 'half';
        break;
      }
    }
    if (body !== undefined && BODY_METHODS.has(f.method)) init.body = body;
    return new Request(url, init);
  }

  /** Sends one generated request and checks its status; returns it for the family's own checks. */
  async function sendFuzz(f: Fuzz): Promise<number> {
    sent++;
    const res = await inProcessFetch(svc)(requestOf(f));
    await res.arrayBuffer();
    if (res.status >= 500) {
      const error = svc.logs.filter((line) => line.includes('"level":50')).pop() ?? '';
      throw new Error(`${f.method} ${f.route.path} answered ${res.status}; logged: ${error.slice(0, 600)}`);
    }
    return res.status;
  }

  /** Runs a family: its property over `numRuns` inputs, then checks that nothing was stored. */
  async function family(
    arbitrary: fc.Arbitrary<Fuzz>,
    check: (f: Fuzz) => Promise<void>,
    numRuns: number,
  ): Promise<void> {
    const before = await tableDigests(svc.store.db, SKIP);
    // A failure names the request in a line (bodies can be megabytes).
    const named = arbitrary.map((f) => Object.assign(f, { [fc.toStringMethod]: () => summary(f) }));
    await fc.assert(fc.asyncProperty(named, check), { numRuns, endOnFailure: true });
    expect(await tableDigests(svc.store.db, SKIP)).toEqual(before);
  }

  /** One line about a request: sender, method, URL and the start of its body. */
  function summary(f: Fuzz): string {
    const cut = (v: string) => JSON.stringify(v.length > 120 ? `${v.slice(0, 120)}…(${v.length})` : v);
    const body =
      f.body.kind === 'none'
        ? ''
        : f.body.kind === 'oversize'
          ? ` oversize ${f.body.size} declared=${f.body.declared}`
          : f.body.kind === 'raw'
            ? ` raw ${f.body.contentType} ${cut(f.body.text)}`
            : ` ${f.body.kind} csrf=${f.body.csrf} ${cut(JSON.stringify(f.body.fields))}`;
    return `${f.as} ${f.method} ${cut(pathOf(f))} query=${cut(JSON.stringify(f.query))}${body}`;
  }

  beforeAll(async () => {
    svc = await startTestService({
      env: { ORDERS_IMPORT_INTERVAL_SECONDS: '86400', ANALYTICS_INTERVAL_HOURS: '0' },
    });
    demo = inProcessBrowser(svc);
    await demo.submit(await demo.get(`${svc.url}/login`), {
      username: svc.demo.username,
      password: svc.demo.password,
    });
    connectionId = connectionIdOf((await connectRegion(demo, svc, 'NA')).url);
    const created = await createKeyOnPortal(demo, svc, 'fuzz');
    key = created.key;
    keyId = created.id;
    const page = await demo.get(`${svc.url}/connections`);
    csrf = findForm(page.text, page.url, { action: '/logout' }).fields._csrf!;
    cookie = Object.entries(demo.cookies(svc.url))
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
    const anonymous = inProcessBrowser(svc);
    const login = await anonymous.get(`${svc.url}/login`);
    loginCsrf = findForm(login.text, login.url, { action: '/login' }).fields._csrf!;
    loginCookie = Object.entries(anonymous.cookies(svc.url))
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
    // The connection's first import and e-mail end before the fuzzing starts (nothing moves after).
    const sync = await eventually(async () => {
      const row = await svc.store.db
        .selectFrom('order_syncs')
        .select('last_finished_at')
        .where('connection_id', '=', connectionId)
        .executeTakeFirst();
      const pending = await svc.store.db
        .selectFrom('notification_deliveries')
        .select('id')
        .where('status', '=', 'pending')
        .execute();
      return row?.last_finished_at && pending.length === 0 ? row : null;
      // A delivery refused once under load waits out its retry delay: room for that.
    }, 150_000);
    expect(sync).toBeTruthy();
    orderId =
      (await svc.store.db.selectFrom('orders').select('order_id').executeTakeFirst())?.order_id ??
      '111-0000000-0000000';
    const seen = new Set<string>();
    for (const r of svc.service.routes) {
      // `ALL` entries are middleware and catch-alls (404, 405), reached through the routes themselves.
      if (r.method === 'ALL' || seen.has(`${r.method} ${r.path}`)) continue;
      seen.add(`${r.method} ${r.path}`);
      routes.push({ method: r.method, path: r.path });
    }
  }, 240_000);
  afterAll(async () => svc?.stop());

  // ---- generators --------------------------------------------------------------------------

  const anyRoute = () => fc.constantFrom(...routes);
  const bodyRoutes = () => routes.filter((r) => BODY_METHODS.has(r.method));
  const as = fc.constantFrom<As>('anonymous', 'user');
  /** Any text, every Unicode plane (NUL included). */
  const text = (maxLength = 24) => fc.string({ unit: 'binary', maxLength });
  /** Text with a NUL or a lone surrogate somewhere. */
  const poisoned = (poisons: string[]) =>
    fc.tuple(text(12), fc.constantFrom(...poisons), text(12)).map(([a, poison, b]) => `${a}${poison}${b}`);
  const NUL = ['\u0000'];
  const ANY_POISON = ['\u0000', '\ud800', '\udbff', '\udc00', '\udfff'];
  /** Plausible values for a route's fields (which alone might be accepted). */
  const plain = fc.oneof(
    text(),
    fc.constantFrom('NA', 'EU', '1', '7', 'all', 'operators', 'on', 'SHIRT', 'https://example.com/hook'),
  );
  const fieldsFor = (route: Route, value: fc.Arbitrary<string>) =>
    fc.array(fc.tuple(fc.constantFrom(...fieldsOf(route)), value), { maxLength: 4 });
  /** JSON values (strings from every plane), for bodies. */
  const json = fc.jsonValue({ maxDepth: 4 });
  /** A JSON value with a poisoned string (or key) somewhere inside. */
  const poisonedJson = fc
    .tuple(
      json,
      poisoned(ANY_POISON),
      fc.constantFrom('value', 'key'),
      fc.constantFrom('productType', 'attributes', 'restrictedResources', 'notificationType', 'x'),
    )
    .map(([value, bad, where, name]) => {
      const inner =
        where === 'value' ? { [name]: [{ value: bad }], other: value } : { [bad]: value, [name]: 'x' };
      return JSON.stringify(inner);
    });

  it(`poisoned text (NUL, lone surrogates) in paths, queries, forms and JSON: ${RUNS.poisonedText} requests, all 400`, async () => {
    const arbitrary = anyRoute().chain((route) => {
      const params = route.path.match(/:([A-Za-z]+)/g)?.map((p) => p.slice(1)) ?? [];
      const hasBody = BODY_METHODS.has(route.method);
      const where = fc.constantFrom(
        ...(params.length ? ['param'] : []),
        'queryName',
        'queryValue',
        ...(hasBody ? ['formName', 'formValue', 'multipartValue', 'json'] : []),
      );
      return fc
        .record({
          where,
          as,
          bad: poisoned(NUL),
          extra: fieldsFor(route, plain),
          csrf: fc.boolean(),
          badJson: poisonedJson,
        })
        .map(({ where, as, bad, extra, csrf, badJson }): Fuzz => {
          const f: Fuzz = {
            route,
            method: route.method,
            as,
            params: {},
            query: [],
            body: hasBody ? { kind: 'form', fields: extra, csrf } : { kind: 'none' },
          };
          const field = fieldsOf(route)[0]!;
          if (where === 'param') f.params[params[0]!] = bad;
          if (where === 'queryName') f.query.push([bad, 'x']);
          if (where === 'queryValue') f.query.push([field, bad]);
          if (where === 'formName') f.body = { kind: 'form', fields: [...extra, [bad, 'x']], csrf };
          if (where === 'formValue') f.body = { kind: 'form', fields: [...extra, [field, bad]], csrf };
          if (where === 'multipartValue')
            f.body = { kind: 'multipart', fields: [...extra, [field, bad]], csrf };
          if (where === 'json') f.body = { kind: 'raw', contentType: 'application/json', text: badJson };
          return f;
        });
    });
    await family(
      arbitrary,
      async (f) => {
        expect(await sendFuzz(f)).toBe(400);
      },
      RUNS.poisonedText,
    );
  }, 120_000);

  it(`JSON nested deeper than 64 levels, as bodies and in the listing form's attributes: ${RUNS.deepJson} requests`, async () => {
    const deep = fc
      .tuple(fc.integer({ min: 65, max: 20_000 }), fc.constantFrom('[', '{"a":', 'mixed'))
      .map(([depth, open]) => {
        const opens = Array.from({ length: depth }, (_, i) =>
          open === 'mixed' ? (i % 2 ? '[' : '{"a":') : open,
        );
        const closes = opens.map((o) => (o === '[' ? ']' : '}')).reverse();
        return `${opens.join('')}1${closes.join('')}`;
      });
    const arbitrary = fc.oneof(
      fc
        .record({
          route: fc.constantFrom(...bodyRoutes()),
          as,
          deep,
          type: fc.constantFrom('application/json', 'text/plain', null),
        })
        .map(({ route, as, deep, type }): Fuzz => ({
          route,
          method: route.method,
          as,
          params: {},
          query: [],
          body: {
            kind: 'raw',
            contentType: type,
            text: `{"productType":"SHIRT","attributes":{"a":${deep}}}`,
          },
        })),
      // The listing form's attributes are JSON inside a form field: too deep, or with an escaped poison.
      fc
        .record({ as, deep, poison: fc.constantFrom(null, '\\ud800', '\\udfff', '\\u0000') })
        .map(({ as, deep, poison }): Fuzz => {
          const route = routes.find((r) => r.method === 'POST' && r.path === '/connections/:id/listings')!;
          const attributes = poison === null ? `{"a":${deep}}` : `{"item_name":[{"value":"x${poison}"}]}`;
          return {
            route,
            method: 'POST',
            as,
            params: {},
            query: [],
            body: {
              kind: 'form',
              fields: [
                ['sku', 'FUZZ-1'],
                ['productType', 'SHIRT'],
                ['attributes', attributes],
              ],
              csrf: true,
            },
          };
        }),
    );
    await family(
      arbitrary,
      async (f) => {
        const status = await sendFuzz(f);
        // The listing form is checked by its route: signed out it is a redirect to sign in.
        // Deep JSON is also long: over the route's body limit it is refused for its size first.
        if (f.body.kind === 'raw') {
          const tooLong =
            f.body.text.length > bodyLimitFor(f.route.path, { amazonNotifications: '/amazon/notifications' });
          expect(status).toBe(tooLong ? 413 : 400);
        } else expect([400, 303]).toContain(status);
      },
      RUNS.deepJson,
    );
  }, 120_000);

  it(`malformed multipart bodies: ${RUNS.malformedMultipart} requests, all 400`, async () => {
    const part = (name: string, value: string) =>
      `--b0undary\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const malformed = fc.oneof(
      // Not starting with the boundary at all.
      fc
        .tuple(fc.constantFrom('x', ' ', '\r\n', '{'), text(64))
        .map(([a, b]) => ({ type: 'multipart/form-data; boundary=b0undary', text: a + b })),
      // No boundary parameter.
      fc
        .tuple(text(8), text(8))
        .map(([n, v]) => ({ type: 'multipart/form-data', text: `${part(n, v)}--b0undary--\r\n` })),
      // Cut off before the closing delimiter.
      fc.tuple(text(8), text(8), fc.nat()).map(([n, v, cut]) => {
        const body = part(n, v);
        return {
          type: 'multipart/form-data; boundary=b0undary',
          text: body.slice(0, 1 + (cut % (body.length - 1))),
        };
      }),
      // Parts without a name.
      text(8).map((v) => ({
        type: 'multipart/form-data; boundary=b0undary',
        text: `--b0undary\r\nContent-Disposition: form-data\r\n\r\n${v}\r\n--b0undary--\r\n`,
      })),
      fc.constant({ type: 'multipart/form-data; boundary=b0undary', text: '' }),
    );
    const arbitrary = fc
      .record({ route: fc.constantFrom(...bodyRoutes()), as, malformed })
      .map(({ route, as, malformed }): Fuzz => ({
        route,
        method: route.method,
        as,
        params: {},
        query: [],
        body: { kind: 'raw', contentType: malformed.type, text: malformed.text },
      }));
    await family(
      arbitrary,
      async (f) => {
        expect(await sendFuzz(f)).toBe(400);
      },
      RUNS.malformedMultipart,
    );
  }, 120_000);

  it(`bodies over every limit (declared or streamed): ${RUNS.oversize} requests, all 413`, async () => {
    const arbitrary = fc
      .record({
        route: fc.constantFrom(...bodyRoutes()),
        as,
        size: fc.integer({ min: 1024 * 1024 + 1, max: 3 * 1024 * 1024 }),
        declared: fc.boolean(),
        contentType: fc.constantFrom(
          'application/json',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'text/plain',
        ),
      })
      .map(({ route, as, size, declared, contentType }): Fuzz => ({
        route,
        method: route.method,
        as,
        params: {},
        query: [],
        body: { kind: 'oversize', size, declared, contentType },
      }));
    await family(
      arbitrary,
      async (f) => {
        expect(await sendFuzz(f)).toBe(413);
      },
      RUNS.oversize,
    );
  }, 120_000);

  it(`dates outside the years 1-9999 and forged cursors in the order filters: ${RUNS.dates} requests`, async () => {
    const year = fc.oneof(fc.integer({ min: -271_821, max: 0 }), fc.integer({ min: 10_000, max: 275_760 }));
    const isoYear = (y: number) =>
      y < 0
        ? `-${String(-y).padStart(6, '0')}`
        : y > 9999
          ? `+${String(y).padStart(6, '0')}`
          : String(y).padStart(4, '0');
    const badDate = fc.oneof(
      year.map((y) => `${isoYear(y)}-01-01`),
      year.map((y) => `${isoYear(y)}-12-31T23:59:59.999Z`),
      fc.constantFrom(
        '0000-01-01',
        '9999-12-31T24:00:00Z',
        '99999-01-01',
        'NaN',
        '1e21',
        '-1',
        '2024-13-45',
        '',
      ),
      text(),
    );
    const cursor = fc
      .tuple(
        fc.oneof(badDate, fc.constant('2024-01-01T00:00:00.000Z')),
        fc.oneof(fc.constant('3f0b8c52-6f1e-4d5e-9a43-1c2d3e4f5a6b'), text()),
        fc.oneof(text(), poisoned(ANY_POISON)),
      )
      .map((parts) => Buffer.from(JSON.stringify(parts)).toString('base64url'));
    const arbitrary = fc
      .record({
        as,
        api: fc.boolean(),
        field: fc.constantFrom('from', 'to', 'cursor'),
        value: badDate,
        cursor,
        limit: fc.constantFrom(undefined, '1', '0', '201', '-5', 'x'),
      })
      .map(({ as, api, field, value, cursor, limit }): Fuzz => {
        const route = routes.find(
          (r) => r.method === 'GET' && r.path === (api ? '/api/v1/orders' : '/orders'),
        )!;
        const name = api ? { from: 'createdFrom', to: 'createdTo', cursor: 'cursor' }[field] : field;
        const query: [string, string][] = [[name, field === 'cursor' ? cursor : value]];
        if (limit !== undefined && api) query.push(['limit', limit]);
        return { route, method: 'GET', as, params: {}, query, body: { kind: 'none' } };
      });
    await family(
      arbitrary,
      async (f) => {
        await sendFuzz(f);
      },
      RUNS.dates,
    );
  }, 120_000);

  it(`ids that are not ids, in paths and id fields: ${RUNS.ids} requests`, async () => {
    const notAnId = fc
      .oneof(
        text(40),
        fc.constantFrom(
          '------------------------------------',
          "' or 1=1 --",
          'nope',
          '../..',
          '%',
          '0x1',
          '1.5',
          '-1',
          '99999999999999999999',
          'null',
          'undefined',
        ),
        fc.uuid().map((u) => `${u}0`),
        fc.uuid().map((u) => u.replace(/-/g, '')),
        fc.uuid().map((u) => u.replace(/[0-9a-f]$/, 'g')),
      )
      // Never an id that could exist (a UUID, a delivery number), nor a value that means "none" or a
      // named scope: with such a value the request would be one a user may make.
      .filter(
        (v) =>
          !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v) &&
          !(Number.isSafeInteger(Number(v)) && Number(v) > 0) &&
          v.trim() !== '' &&
          !['all', 'operators'].includes(v),
      );
    const withIds = () =>
      routes.filter(
        (r) =>
          r.path.includes('/:') ||
          [
            'POST /connections/connect',
            'POST /connections/import',
            'POST /api-keys',
            'GET /notifications',
            'POST /notifications/settings',
            'POST /notifications/webhooks',
            'GET /notifications/deliveries',
            'GET /api/v1/connections',
          ].includes(`${r.method} ${r.path}`),
      );
    const arbitrary = fc
      .record({
        route: fc.constantFrom(...withIds()),
        as,
        id: notAnId,
        field: fc.constantFrom('accountId', 'scope'),
      })
      .map(({ route, as, id, field }): Fuzz => {
        const params = route.path.match(/:([A-Za-z]+)/g)?.map((p) => p.slice(1)) ?? [];
        const f: Fuzz = {
          route,
          method: route.method,
          as,
          params: {},
          query: [],
          body: BODY_METHODS.has(route.method) ? { kind: 'form', fields: [], csrf: true } : { kind: 'none' },
        };
        // Only the id is wrong, so the route itself must refuse it; a form carries nothing else.
        if (params.length) for (const p of params) f.params[p] = id;
        else if (f.body.kind === 'form') f.body.fields.push([field, id]);
        else f.query.push([field, id]);
        return f;
      });
    await family(
      arbitrary,
      async (f) => {
        const status = await sendFuzz(f);
        expect(status).toBeGreaterThanOrEqual(300);
      },
      RUNS.ids,
    );
  }, 120_000);

  it(`junk query strings on every page and read-only API route: ${RUNS.junkQueries} requests`, async () => {
    const reads = () => routes.filter((r) => r.method === 'GET' && !r.path.includes('/sp-api/'));
    const arbitrary = fc.constantFrom(...reads()).chain((route) =>
      fc
        .record({
          as,
          query: fc.array(
            fc.tuple(
              fc.oneof(fc.constantFrom(...fieldsOf(route)), text(8)),
              fc.oneof(plain, text(200), fc.constantFrom('-1', '1e309', '[]', '{}', '%', '%zz')),
            ),
            { maxLength: 6 },
          ),
          params: fc.record(
            {
              id: fc.oneof(fc.constant(connectionId), text(12)),
              sku: text(50),
              orderId: text(70),
              changeId: text(40),
            },
            { requiredKeys: [] },
          ),
        })
        .map(({ as, query, params }): Fuzz => ({
          route,
          method: 'GET',
          as,
          params,
          query,
          body: { kind: 'none' },
        })),
    );
    await family(
      arbitrary,
      async (f) => {
        await sendFuzz(f);
      },
      RUNS.junkQueries,
    );
  }, 120_000);

  it('covered every route, sent at least 10,000 requests, and the service is still up', async () => {
    expect(routes.length).toBeGreaterThan(50);
    expect(routes.map((r) => `${r.method} ${r.path}`)).toEqual(expect.arrayContaining(Object.keys(FIELDS)));
    expect(sent).toBeGreaterThanOrEqual(10_000);
    const health = await request(svc, '/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', database: true });
    // The signed-in user is still signed in (no bad request ended the session).
    expect((await demo.get(`${svc.url}/connections`)).url).toBe(`${svc.url}/connections`);
  });
});
