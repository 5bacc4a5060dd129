import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedInBrowser } from '../support/portal.js';
import { request } from '../support/in-process.js';
import { startTestService, type TestService } from '../support/service.js';
import { createKeyOnPortal } from './support.js';

/**
 * The REST API's security headers: a policy that allows nothing (its answers are JSON, never a
 * page, so no script nonce is made per answer), the same referrer and framing rules as the portal,
 * and a bodiless POST (`Content-Length: 0`) passes the input guard as before.
 */
describe('REST API security headers', () => {
  let svc: TestService;
  let key = '';

  beforeAll(async () => {
    svc = await startTestService({
      env: { ORDERS_REPORT_BACKFILL_AFTER_HOURS: '0', ANALYTICS_INTERVAL_HOURS: '0' },
    });
    ({ key } = await createKeyOnPortal(await signedInBrowser(svc), svc, 'headers'));
  });
  afterAll(async () => svc?.stop());

  it('answers API calls with a deny-all policy and no nonce, pages with the page policy', async () => {
    const api = await request(svc, '/api/v1/connections', { headers: { authorization: `Bearer ${key}` } });
    expect(api.status).toBe(200);
    expect(api.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(api.headers.get('referrer-policy')).toBe('no-referrer');
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
    const page = await request(svc, '/login');
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'nonce-[^']+'/);
    const docs = await request(svc, '/api/docs');
    expect(docs.headers.get('content-security-policy')).toMatch(/script-src 'nonce-[^']+'/);
  });

  it('guards a bodiless POST by its Content-Length and still refuses a bad body', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    const empty = await request(svc, `/api/v1/connections/${unknown}/access-token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-length': '0' },
    });
    expect(empty.status).toBe(404);
    const bad = await request(svc, `/api/v1/connections/${unknown}/access-token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: '{"a":"\u0000"}',
    });
    expect(bad.status).toBe(400);
  });
});
