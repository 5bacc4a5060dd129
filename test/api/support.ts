import { expect } from 'vitest';
import { decodeEntities, type HttpBrowser } from '../support/http-browser.js';
import { request } from '../support/in-process.js';
import type { TestService } from '../support/service.js';

/** Helpers for the REST API tests: in-process calls with a key, and keys made on the portal. */

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
