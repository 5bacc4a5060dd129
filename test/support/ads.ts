import { expect } from 'vitest';
import { DEMO } from '../../src/simulator/seed.js';
import type { BrowserPage, HttpBrowser } from './http-browser.js';
import type { RegionCode } from './portal.js';
import type { TestService } from './service.js';

/**
 * Amazon Ads connections for tests, over HTTP like a browser: the portal's
 * `POST /ads-connections/connect` (field `region`, CSRF `_csrf`) redirects to the simulator's Login
 * with Amazon consent page (sign-in form `#ads-signin`, then Allow `#ads-allow`), which redirects
 * to the service's `GET /oauth/ads/callback`, which ends on `/ads-connections/{id}`.
 */

/**
 * Presses "Connect Amazon Ads" for a region (the first connect form on /connections, its region
 * field set) and stops at the first page the simulator serves.
 */
export async function pressConnectAds(
  browser: HttpBrowser,
  svc: TestService,
  region: RegionCode,
): Promise<BrowserPage> {
  const list = await browser.get(`${svc.url}/connections`);
  expect(list.status).toBe(200);
  const page = await browser.submit(list, { region }, { action: '/ads-connections/connect' });
  expect(page.url.startsWith(svc.simUrl)).toBe(true);
  return page;
}

/**
 * From the simulator's Ads sign-in or consent page: signs in as `email` when asked and presses
 * Allow (or Cancel); follows the redirects back to the service.
 */
export async function approveAdsOnAmazon(
  browser: HttpBrowser,
  page: BrowserPage,
  email: string,
  action: 'allow' | 'cancel' = 'allow',
): Promise<BrowserPage> {
  let current = page;
  if (current.text.includes('id="ads-signin"')) {
    current = await browser.submit(
      current,
      { email, password: DEMO.sellerPassword },
      { action: /\/ap\/oa\/signin/ },
    );
  }
  expect(current.text).toContain('id="ads-allow"');
  return browser.submit(current, { action }, { action: /\/ap\/oa\/consent/ });
}

/**
 * Connects Amazon Ads in a region end to end as `email` (default: a demo seller's user, who signs
 * in as the demo advertiser); returns the final portal page (`/ads-connections/{id}`).
 */
export async function connectAds(
  browser: HttpBrowser,
  svc: TestService,
  region: RegionCode,
  email: string = DEMO.sellers[0].email,
): Promise<BrowserPage> {
  const amazon = await pressConnectAds(browser, svc, region);
  const back = await approveAdsOnAmazon(browser, amazon, email);
  const refused = /data-code="([^"]+)"[^>]*>([^<]*)/.exec(back.text);
  expect(back.url, `ended on ${back.status} ${refused ? `${refused[1]}: ${refused[2]}` : ''}`).toMatch(
    new RegExp(`^${svc.url}/ads-connections/[0-9a-f-]{36}`),
  );
  return back;
}

/** The connection id in a /ads-connections/:id URL. */
export function adsConnectionIdOf(url: string): string {
  const match = /\/ads-connections\/([0-9a-f-]{36})/.exec(url);
  if (!match) throw new Error(`not an Ads connection page: ${url}`);
  return match[1]!;
}
