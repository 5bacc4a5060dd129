import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { REGION_NAMES } from '../../src/amazon/regions.js';
import { DEMO } from '../../src/simulator/seed.js';
import { demoSeller, type RegionCode } from './portal.js';
import type { TestService } from './service.js';

/**
 * The portal and the simulated Amazon pages in a real browser (playwright-core), for the browser
 * tests (browser-health, browser-ads): sign in to the portal, open its pages, connect a seller
 * account through the simulated Seller Central, and connect Amazon Ads through the simulated Login
 * with Amazon consent page (sign-in form `#ads-signin`, buttons `#ads-allow` and `#ads-cancel`).
 */

/** A browser page on one sandbox service. */
export interface PortalTab {
  svc: TestService;
  page: Page;
}

/** Waits until the locator is visible and returns its trimmed text. */
export async function visibleText(locator: Locator): Promise<string> {
  await locator.waitFor({ state: 'visible' });
  return (await locator.innerText()).trim();
}

/** Fills in the portal's sign-in form and waits to leave it. */
export async function signInToPortal({ svc, page }: PortalTab): Promise<void> {
  expect(await visibleText(page.getByRole('heading', { level: 1 }))).toBe('Sign in');
  await page.getByLabel('Username').fill(svc.demo.username);
  await page.getByLabel('Password').fill(svc.demo.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((url) => url.href.startsWith(svc.url) && url.pathname !== '/login');
}

/** Opens a portal page, signing in again when the session has lapsed (sessions follow the simulated clock). */
export async function openPortal(tab: PortalTab, path: string): Promise<void> {
  await tab.page.goto(`${tab.svc.url}${path}`);
  if (new URL(tab.page.url()).pathname === '/login') await signInToPortal(tab);
  expect(tab.page.url()).toBe(`${tab.svc.url}${path}`);
}

/**
 * Presses "Connect Amazon <region>" (SP-API), signs in to the simulated Seller Central as that
 * region's demo seller if asked, checks that the consent page names that seller, consents, and
 * returns the new seller connection's id.
 */
export async function connectSellerAccount(tab: PortalTab, region: RegionCode): Promise<string> {
  const { svc, page } = tab;
  const seller = demoSeller(region);
  await openPortal(tab, '/connections');
  await page.getByRole('button', { name: `Connect Amazon ${REGION_NAMES[region]}`, exact: true }).click();
  await page.waitForURL((url) => url.href.startsWith(svc.simUrl));
  const password = page.getByLabel('Password');
  const consent = page.getByRole('checkbox', { name: /I have read the terms of use/ });
  await password.or(consent).first().waitFor({ state: 'visible' });
  if (await password.isVisible()) {
    await page.getByLabel('Email').fill(seller.email);
    await password.fill(DEMO.sellerPassword);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }
  await consent.waitFor({ state: 'visible' });
  expect(await visibleText(page.getByText(seller.sellingPartnerId, { exact: true }))).toBe(
    seller.sellingPartnerId,
  );
  await consent.check();
  await page.getByRole('button', { name: 'Confirm', exact: true }).click();
  await page.waitForURL((url) => url.href.startsWith(`${svc.url}/connections/`));
  const match = /\/connections\/([0-9a-f-]{36})\?notice=connected$/.exec(page.url());
  expect(match, page.url()).not.toBeNull();
  return match![1]!;
}

/**
 * On the simulated Amazon Ads consent page (region `region`): signs in as `email` when asked, then
 * presses Allow or Cancel and waits to be back on the portal. Says whether Amazon asked to sign in.
 * With `shots`, screenshots of Amazon's pages go to `<shots>-sign-in.png` and `<shots>-consent.png`.
 */
export async function answerAdsConsent(
  tab: PortalTab,
  region: RegionCode,
  answer: 'allow' | 'cancel',
  options: { email?: string; shots?: string } = {},
): Promise<{ askedToSignIn: boolean }> {
  const { svc, page } = tab;
  expect(page.url().startsWith(`${svc.simUrl}/${region.toLowerCase()}/ap/oa`), page.url()).toBe(true);
  const signIn = page.locator('#ads-signin');
  const allow = page.locator('#ads-allow');
  await signIn.or(allow).first().waitFor({ state: 'visible' });
  const askedToSignIn = await signIn.isVisible();
  if (askedToSignIn) {
    await signIn.locator('input[name="email"]').fill(options.email ?? demoSeller(region).email);
    await signIn.locator('input[name="password"]').fill(DEMO.sellerPassword);
    if (options.shots) await page.screenshot({ path: `${options.shots}-sign-in.png`, fullPage: true });
    await page.locator('#ads-signin-submit').click();
  }
  await allow.waitFor({ state: 'visible' });
  expect(await visibleText(page.getByRole('heading', { level: 1 }))).toContain(DEMO.ads.client.name);
  if (options.shots) await page.screenshot({ path: `${options.shots}-consent.png`, fullPage: true });
  await page.locator(answer === 'allow' ? '#ads-allow' : '#ads-cancel').click();
  await page.waitForURL((url) => url.href.startsWith(svc.url));
  return { askedToSignIn };
}

/**
 * Presses "Connect Amazon Ads <region>" on /connections and allows on Amazon's consent page; returns
 * the Ads connection's id from the page it lands on (`/ads-connections/<id>?notice=connected`).
 */
export async function connectAdsInBrowser(
  tab: PortalTab,
  region: RegionCode,
  shots?: string,
): Promise<string> {
  await pressConnectAds(tab, region);
  await answerAdsConsent(tab, region, 'allow', shots ? { shots } : {});
  const match = /\/ads-connections\/([0-9a-f-]{36})\?notice=connected$/.exec(tab.page.url());
  expect(match, tab.page.url()).not.toBeNull();
  return match![1]!;
}

/** Presses "Connect Amazon Ads <region>" on /connections and waits for Amazon's page. */
export async function pressConnectAds(tab: PortalTab, region: RegionCode): Promise<void> {
  await openPortal(tab, '/connections');
  await tab.page
    .getByRole('button', { name: `Connect Amazon Ads ${REGION_NAMES[region]}`, exact: true })
    .click();
  await tab.page.waitForURL((url) => url.href.startsWith(tab.svc.simUrl));
}

/** One e-mail on the sandbox mail catcher page (/sandbox/mail). */
export interface CaughtMail {
  id: string;
  subject: string;
  text: string;
}

/** Opens /sandbox/mail and reads every e-mail it shows (newest first). */
export async function readCaughtMail(tab: PortalTab): Promise<CaughtMail[]> {
  await openPortal(tab, '/sandbox/mail');
  return tab.page.locator('[data-mail-id]').evaluateAll((cards) =>
    cards.map((card) => ({
      id: card.getAttribute('data-mail-id') ?? '',
      subject: card.querySelector('h2')?.textContent?.trim() ?? '',
      text: card.querySelector('pre')?.textContent ?? '',
    })),
  );
}
