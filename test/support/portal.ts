import { expect } from 'vitest';
import { DEMO } from '../../src/simulator/seed.js';
import type { BrowserPage, HttpBrowser } from './http-browser.js';
import { inProcessBrowser } from './in-process.js';
import type { TestService } from './service.js';

export type RegionCode = 'NA' | 'EU' | 'FE';

/** The demo seller of a region (simulator seed). */
export function demoSeller(region: RegionCode): (typeof DEMO.sellers)[number] {
  return DEMO.sellers.find((s) => s.region === region)!;
}

/** A new browser signed in to the portal (in process: see in-process.ts). */
export async function signedInBrowser(
  svc: TestService,
  username = svc.demo.username,
  password = svc.demo.password,
): Promise<HttpBrowser> {
  const browser = inProcessBrowser(svc);
  const page = await browser.get(`${svc.url}/login`);
  const after = await browser.submit(page, { username, password });
  expect(after.url).toBe(`${svc.url}/connections`);
  return browser;
}

/** Presses "Connect Amazon <region>" and stops at the first page served by the simulator. */
export async function pressConnect(
  browser: HttpBrowser,
  svc: TestService,
  region: RegionCode,
): Promise<BrowserPage> {
  const list = await browser.get(`${svc.url}/connections`);
  return browser.submit(
    list,
    {},
    { action: '/connections/connect', index: ['NA', 'EU', 'FE'].indexOf(region) },
  );
}

/**
 * From a simulator page (sign-in or consent), signs in as `email` if asked and confirms consent.
 * With `follow: false` it stops at Amazon's redirect to our callback and returns that URL.
 */
export async function approveOnAmazon(
  browser: HttpBrowser,
  page: BrowserPage,
  email: string,
  follow = true,
): Promise<BrowserPage> {
  let current = page;
  if (/name="password"/.test(current.text)) {
    current = await browser.submit(
      current,
      { email, password: DEMO.sellerPassword },
      { action: '/ap/signin' },
    );
  }
  expect(current.text).toContain('name="agree"');
  return browser.submit(
    current,
    { agree: 'yes', action: 'confirm' },
    { action: /\/apps\/authorize\/(consent|start)/, followRedirects: follow },
  );
}

/** Connects a region end to end as its demo seller; returns the final portal page. */
export async function connectRegion(
  browser: HttpBrowser,
  svc: TestService,
  region: RegionCode,
  email = demoSeller(region).email,
): Promise<BrowserPage> {
  const amazon = await pressConnect(browser, svc, region);
  expect(amazon.url.startsWith(svc.simUrl)).toBe(true);
  return approveOnAmazon(browser, amazon, email);
}

/** The connection id in a /connections/:id URL. */
export function connectionIdOf(url: string): string {
  const match = /\/connections\/([0-9a-f-]{36})/.exec(url);
  if (!match) throw new Error(`not a connection page: ${url}`);
  return match[1]!;
}
