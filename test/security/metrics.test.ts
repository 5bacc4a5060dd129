import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import type { HttpBrowser } from '../support/http-browser.js';
import { request } from '../support/in-process.js';
import { signedInBrowser } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';

const TOKEN = 'metrics-bearer-for-tests-0123456789';

/** GET /metrics through the service's fetch handler, with an optional Authorization header. */
async function metrics(svc: TestService, authorization?: string): Promise<Response> {
  const headers: Record<string, string> = authorization ? { authorization } : {};
  return request(svc, '/metrics', { headers });
}

describe('/metrics is behind METRICS_TOKEN', () => {
  let open: TestService;
  let guarded: TestService;
  let portal: HttpBrowser;

  beforeAll(async () => {
    open = await startTestService();
    guarded = await startTestService({ env: { METRICS_TOKEN: TOKEN } });
    portal = await signedInBrowser(guarded);
  }, 120_000);
  afterAll(async () => {
    await open?.stop();
    await guarded?.stop();
  });

  it('without METRICS_TOKEN, /metrics answers 404 and shows nothing', async () => {
    const res = await metrics(open);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('sellerlink_');
    expect((await metrics(open, `Bearer ${TOKEN}`)).status).toBe(404);
  });

  it('with METRICS_TOKEN, a missing or wrong bearer gets 401, a portal session too', async () => {
    for (const authorization of [
      undefined,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      TOKEN,
      'Basic x',
    ]) {
      const res = await metrics(guarded, authorization);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(await res.text()).not.toContain('sellerlink_');
    }
    const signedIn = await portal.get(`${guarded.url}/metrics`);
    expect(signedIn.status).toBe(401);
  });

  it('with the right bearer, /metrics answers the Prometheus text', async () => {
    const res = await metrics(guarded, `Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(await res.text()).toContain('# TYPE sellerlink_spapi_calls_total counter');
  });

  it('refuses a short METRICS_TOKEN at start', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
  });
});
