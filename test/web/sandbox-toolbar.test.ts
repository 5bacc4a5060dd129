import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpBrowser } from '../support/http-browser.js';
import { request } from '../support/in-process.js';
import { connectRegion, connectionIdOf, signedInBrowser } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';

/**
 * The sandbox toolbar's "jump to an expiry" (in process): refused with the reason, moving nothing,
 * when there is no authorization that far ahead or the choice is not offered; with a connection, one
 * action reaches the moment its authorization ends. Also the favicon, answered on every address
 * browsers ask for it.
 */
describe('sandbox toolbar: jump to an expiry', () => {
  let svc: TestService;
  let browser: HttpBrowser;
  const simNow = async (): Promise<number> => (await svc.sim<{ nowMs: number }>('/_sim/clock')).nowMs;
  const jump = async (days: string) =>
    browser.submit(
      await browser.get(`${svc.url}/sandbox`),
      { days },
      { action: '/sandbox/clock/before-expiry', followRedirects: false },
    );

  beforeAll(async () => {
    svc = await startTestService();
    browser = await signedInBrowser(svc);
  }, 120_000);
  afterAll(async () => svc?.stop());

  it('serves the favicon as SVG at /favicon.svg and /favicon.ico', async () => {
    for (const path of ['/favicon.svg', '/favicon.ico']) {
      const answer = await request(svc, path);
      expect(answer.status, path).toBe(200);
      expect(answer.headers.get('content-type')).toContain('image/svg+xml');
      expect(await answer.text()).toMatch(/^<svg /);
    }
    const page = await browser.get(`${svc.url}/connections`);
    expect(page.text).toContain('<link rel="icon" type="image/svg+xml" href="/favicon.svg"/>');
  });

  it('refuses a jump with no connection, or a choice not offered, and moves nothing', async () => {
    const before = await simNow();
    const none = await jump('30');
    expect(none.status).toBe(400);
    expect(none.text).toContain('connect a region first. Nothing was moved.');
    const odd = await jump('5');
    expect(odd.status).toBe(400);
    expect(odd.text).toContain('Choose one of: 30, 14, 7, 3, 1, 0 days before the next expiry.');
    expect((await simNow()) - before).toBeLessThan(60_000);
  });

  it('reaches the moment the authorization ends in one action; further jumps before it are refused', async () => {
    const id = connectionIdOf((await connectRegion(browser, svc, 'NA')).url);
    const expiresAt = (
      await svc.store.db
        .selectFrom('connections')
        .select('expires_at')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).expires_at!.getTime();
    const answer = await jump('0');
    expect(answer.status).toBe(303);
    expect(answer.location).toBe('/sandbox?before=0');
    expect(await simNow()).toBeGreaterThanOrEqual(expiresAt);
    const shown = await browser.get(`${svc.url}${answer.location!}`);
    expect(shown.text).toContain('Moved to the moment the next authorization ends.');
    expect(shown.text).toContain('No authorization is due to end');
    const connection = await browser.get(`${svc.url}/connections/${id}`);
    expect(connection.text).toContain('data-health="renew_needed"');
    expect(connection.text).toMatch(/data-renew-due="yes"/);

    const later = await jump('1');
    expect(later.status).toBe(400);
    expect(later.text).toContain('No authorization ends more than 1 day from now');
  });
});
