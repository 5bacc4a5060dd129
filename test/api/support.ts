import { expect } from 'vitest';
import { createAccounts } from '../../src/accounts/service.js';
import { cryptoRandom } from '../../src/kernel/random.js';
import { decodeEntities, type FetchLike, type HttpBrowser } from '../support/http-browser.js';
import { request } from '../support/in-process.js';
import { connectionIdOf, connectRegion, signedInBrowser, type RegionCode } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';

/**
 * Helpers for the REST API tests: a service with connections, in-process calls with a key (raw, for
 * the tests of the wire; the typed client is test/support/typed-client.ts), the error shape for
 * both, and keys made on the portal.
 */

export interface ApiAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: unknown;
}

/** The API's error body. */
export interface ApiErrorBody {
  error: { code: string; message: string; field?: string };
}

/** Calls `svc.url + path` in process with `Authorization: Bearer <key>` (no header when key is null). */
export async function callApi(
  svc: TestService,
  key: string | null,
  path: string,
  options: { method?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<ApiAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await request(svc, path, {
    method: options.method ?? 'GET',
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Asserts the one error shape with this status and code (and field, when given). */
export function expectApiError(
  answer: ApiAnswer,
  status: number,
  code: string,
  field?: string,
): ApiErrorBody {
  expect({ status: answer.status, body: answer.json }).toMatchObject({ status, body: { error: { code } } });
  const body = answer.json as ApiErrorBody;
  expect(Object.keys(body)).toEqual(['error']);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  if (field !== undefined) expect(body.error.field).toBe(field);
  expect(answer.headers.get('content-type')).toContain('application/json');
  return body;
}

/** An answer of the typed client (openapi-fetch): `data` or the parsed `error` body, and the response. */
export interface TypedAnswer {
  data?: unknown;
  error?: unknown;
  response: Response;
}

/** `expectApiError` for an answer of the typed client; it has no data either. */
export function expectTypedError(
  answer: TypedAnswer,
  status: number,
  code: string,
  field?: string,
): ApiErrorBody {
  expect(answer.data).toBeUndefined();
  const { response } = answer;
  return expectApiError(
    { status: response.status, headers: response.headers, text: '', json: answer.error },
    status,
    code,
    field,
  );
}

/** A sandbox service for the API tests, its demo owner signed in on the portal, and the connections made. */
export interface ApiWorld {
  svc: TestService;
  owner: HttpBrowser;
  /** The demo seller's connection id per region connected. */
  ids: Partial<Record<RegionCode, string>>;
}

/**
 * Starts a sandbox service whose calls to Amazon go through `toAmazon` (default: the network), signs
 * the demo owner in on the portal and connects the demo seller in each of `regions`, in order.
 */
export async function startApiWorld(
  regions: readonly RegionCode[],
  options: { database?: 'pglite' | 'pglite-dir' | 'postgres'; toAmazon?: FetchLike } = {},
): Promise<ApiWorld> {
  const toAmazon = options.toAmazon ?? ((request: Request) => fetch(request));
  const svc = await startTestService({
    ...(options.database ? { database: options.database } : {}),
    effects: { fetch: (input, init) => toAmazon(new Request(input, init)) },
  });
  const owner = await signedInBrowser(svc);
  const ids: ApiWorld['ids'] = {};
  for (const region of regions) ids[region] = connectionIdOf((await connectRegion(owner, svc, region)).url);
  return { svc, owner, ids };
}

/** Creates another account with an owner, who makes an API key named `B` on the portal; returns the key. */
export async function keyOfAnotherAccount(
  svc: TestService,
  names: { account: string; username: string; password: string },
): Promise<string> {
  const accounts = createAccounts({ db: svc.store.db, clock: svc.service.clock, random: cryptoRandom });
  const other = await accounts.createAccount(names.account);
  await accounts.addUser({
    accountId: other.id,
    username: names.username,
    password: names.password,
    role: 'owner',
  });
  const browser = await signedInBrowser(svc, names.username, names.password);
  return (await createKeyOnPortal(browser, svc, 'B')).key;
}

/** Creates a key on the portal's API keys page; returns the key shown (once) and the page text. */
export async function createKeyOnPortal(
  browser: HttpBrowser,
  svc: TestService,
  name: string,
  scope?: string,
): Promise<{ key: string; id: string; page: string }> {
  const list = await browser.get(`${svc.url}/api-keys`);
  expect(list.status).toBe(200);
  const page = await browser.submit(list, { name, ...(scope ? { scope } : {}) }, { action: '/api-keys' });
  expect(page.status).toBe(200);
  expect(page.headers.get('cache-control')).toBe('no-store');
  const key = /<code data-api-key[^>]*>([^<]+)<\/code>/.exec(page.text)?.[1];
  const id = /data-created-key="([0-9a-f-]{36})"/.exec(page.text)?.[1];
  expect(key).toMatch(/^slk_[a-z0-9]{8}_[A-Za-z0-9]{40}$/);
  return { key: decodeEntities(key!), id: id!, page: page.text };
}
