import { DEMO } from '../../src/simulator/seed.js';
import { createHttpBrowser, type BrowserPage, type HttpBrowser } from '../support/http-browser.js';
import { csrfOf } from '../support/wait.js';

/**
 * What the seller does on the portal during a chaos run, over real HTTP against the web process:
 * sign in, connect a region through the simulator's Seller Central, renew a connection, choose which
 * events are e-mailed. Each step throws with the page it ended on when it did not work, so the
 * caller can try again (the web process may have been killed under it).
 */

export type RegionCode = 'NA' | 'EU' | 'FE';
const REGIONS: RegionCode[] = ['NA', 'EU', 'FE'];

/** The demo seller's Seller Central e-mail for a region. */
export function sellerEmail(region: RegionCode): string {
  return DEMO.sellers.find((s) => s.region === region)!.email;
}

function expectPage(page: BrowserPage, ok: boolean, what: string): BrowserPage {
  if (!ok) throw new Error(`${what}: ended on ${page.status} ${page.url}: ${page.text.slice(0, 300)}`);
  return page;
}

/** A browser signed in to the portal at `baseUrl`. */
export async function signIn(baseUrl: string, username: string, password: string): Promise<HttpBrowser> {
  const browser = createHttpBrowser();
  const page = await browser.get(`${baseUrl}/login`);
  const after = await browser.submit(page, { username, password });
  expectPage(after, after.url === `${baseUrl}/connections`, 'sign-in');
  return browser;
}

/** Signs in on Seller Central if asked, ticks consent and confirms; returns the page Amazon sent us back to. */
async function approveOnAmazon(browser: HttpBrowser, page: BrowserPage, email: string): Promise<BrowserPage> {
  let current = page;
  if (/name="password"/.test(current.text)) {
    current = await browser.submit(
      current,
      { email, password: DEMO.sellerPassword },
      { action: '/ap/signin' },
    );
  }
  expectPage(current, current.text.includes('name="agree"'), 'consent page');
  return browser.submit(
    current,
    { agree: 'yes', action: 'confirm' },
    { action: /\/apps\/authorize\/(consent|start)/ },
  );
}

/** Connects a region as its demo seller; returns the new connection's id. */
export async function connectRegion(
  browser: HttpBrowser,
  baseUrl: string,
  region: RegionCode,
): Promise<string> {
  const list = await browser.get(`${baseUrl}/connections`);
  const amazon = await browser.submit(
    list,
    {},
    { action: '/connections/connect', index: REGIONS.indexOf(region) },
  );
  const back = await approveOnAmazon(browser, amazon, sellerEmail(region));
  const id = /\/connections\/([0-9a-f-]{36})\?notice=connected/.exec(back.url)?.[1];
  expectPage(back, id !== undefined, `connect ${region}`);
  return id!;
}

/** Renews a connection from its page (Renew → Seller Central → back); throws unless it says renewed. */
export async function renewConnection(
  browser: HttpBrowser,
  baseUrl: string,
  connectionId: string,
  region: RegionCode,
): Promise<void> {
  const detail = await browser.get(`${baseUrl}/connections/${connectionId}`);
  const amazon = await browser.submit(detail, {}, { action: `/connections/${connectionId}/renew` });
  const back = await approveOnAmazon(browser, amazon, sellerEmail(region));
  expectPage(back, back.url.includes('notice=renewed'), `renew ${region}`);
}

/** Saves the account's e-mail settings: these event types to these recipients. */
export async function saveEmailSettings(
  browser: HttpBrowser,
  baseUrl: string,
  recipients: string[],
  eventTypes: string[],
): Promise<void> {
  const csrf = csrfOf((await browser.get(`${baseUrl}/notifications`)).text);
  const form = new URLSearchParams({ _csrf: csrf, emailEnabled: 'on', recipients: recipients.join(', ') });
  for (const type of eventTypes) form.append('eventTypes', type);
  const saved = await browser.request(`${baseUrl}/notifications/settings`, {
    method: 'POST',
    body: form.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: baseUrl },
  });
  expectPage(saved, saved.url.includes('notice=saved'), 'notification settings');
}
