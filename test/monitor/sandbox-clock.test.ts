import { afterAll, beforeAll, expect, it } from 'vitest';
import type { HttpBrowser } from '../support/http-browser.js';
import { connectRegion, signedInBrowser } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';

let svc: TestService;
let browser: HttpBrowser;
beforeAll(async () => {
  svc = await startTestService();
  browser = await signedInBrowser(svc);
  for (const r of ['NA', 'EU', 'FE'] as const) await connectRegion(browser, svc, r);
}, 300_000);
afterAll(async () => svc?.stop());

it('scratch timing', async () => {
  for (const idx of Array.from({ length: 18 }, () => 0)) {
    const page = await browser.get(`${svc.url}/sandbox`);
    const t0 = performance.now();
    const moved = await browser.submit(page, {}, { action: '/sandbox/clock', index: idx });
    console.log(
      'jump',
      idx,
      moved.status,
      Math.round(performance.now() - t0),
      'ms',
      /banner (?:good|warn|bad)[^>]*>([^<]+)/.exec(moved.text)?.[1],
    );
    expect(moved.status).toBe(200);
  }
}, 600_000);
