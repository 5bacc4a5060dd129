import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSellerlinkClient, type SellerlinkClient } from '../../src/client/index.js';
import { DEMO } from '../../src/simulator/seed.js';
import { startReceiver, type Receiver } from '../notify/support.js';
import { chromiumOrSkip, launchChromium } from '../support/chromium.js';
import { demoSeller } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';
import { eventually } from '../support/wait.js';

/**
 * The vendor's side of embedding, end to end in a real browser (Debian's chromium): the vendor
 * provisions an account by API with the typed client, asks for a connect link, and sends the seller
 * (a headless browser with no Sellerlink login) through the simulated Seller Central; the vendor's
 * return URL (a local receiver) gets the outcome and the connection id, the signed webhook arrives,
 * and the typed client reads the connection and gets an access token. Then the same for a renew
 * link, a cancelled consent, an expired link, a replayed link and a return URL outside the
 * allow-list. Screenshots go to test-results/.
 */

const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const NA = demoSeller('NA');
const chromiumExe = chromiumOrSkip();

/** The vendor's web app: records every request to its return URL and answers a plain page. */
async function startVendorApp(): Promise<{ base: string; returns: URL[]; close: () => Promise<void> }> {
  const returns: URL[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/settings/amazon')) returns.push(url);
    res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Back at the vendor</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, returns, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe.skipIf(!chromiumExe.path)(
  `connect links in a real browser (chromium)${chromiumExe.path ? '' : ` — skipped: ${chromiumExe.reason}`}`,
  () => {
    let svc: TestService;
    let browser: Browser | undefined;
    let context: BrowserContext;
    let page: Page;
    let vendor: Awaited<ReturnType<typeof startVendorApp>>;
    let hooks: Receiver;
    let client: SellerlinkClient;
    let accountId = '';
    let firstLink = '';
    let connectionId = '';

    /** Creates a connect link with the typed client; fails the test on an error answer. */
    async function createLink(body: Record<string, unknown>): Promise<{ url: string; id: string }> {
      const { data, error } = await client.POST('/v1/connect-sessions', {
        body: {
          accountId,
          returnUrl: `${vendor.base}/settings/amazon`,
          vendorName: 'Acme Repricer',
          ...body,
        },
      });
      expect(error).toBeUndefined();
      return { url: data!.url, id: data!.session.id };
    }

    /** Waits until the vendor's return URL was hit once more; returns its outcome parameters. */
    async function landedAtVendor(before: number): Promise<Record<string, string>> {
      await page.waitForURL((url) => url.href.startsWith(`${vendor.base}/settings/amazon`));
      await eventually(() => vendor.returns.length > before);
      return Object.fromEntries(vendor.returns.at(-1)!.searchParams);
    }

    /** On the simulated Seller Central: signs in as the NA seller if asked, then confirms or cancels. */
    async function onAmazon(shots: string, choice: 'Confirm' | 'Cancel'): Promise<void> {
      await page.waitForURL((url) => url.href.startsWith(`${svc.simUrl}/na/`));
      const password = page.getByLabel('Password');
      const consent = page.getByRole('checkbox', { name: /I have read the terms of use/ });
      await password.or(consent).first().waitFor({ state: 'visible' });
      if (await password.isVisible()) {
        await page.getByLabel('Email').fill(NA.email);
        await password.fill(DEMO.sellerPassword);
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      }
      await consent.waitFor({ state: 'visible' });
      if (choice === 'Confirm') await consent.check();
      await page.screenshot({ path: `${RESULTS}${shots}-amazon-consent.png`, fullPage: true });
      await page.getByRole('button', { name: choice, exact: true }).click();
    }

    /** Opens a link as the seller and presses "Continue to Amazon" on its page. */
    async function followLink(url: string, shots: string): Promise<void> {
      await page.goto(url);
      await page.getByRole('heading', { level: 1 }).waitFor();
      expect(await page.getByText('Acme Repricer', { exact: true }).first().isVisible()).toBe(true);
      expect(await page.getByText('Vendor tenant 42', { exact: true }).first().isVisible()).toBe(true);
      await page.screenshot({ path: `${RESULTS}${shots}-link.png`, fullPage: true });
      await page.getByRole('button', { name: 'Continue to Amazon' }).click();
    }

    beforeAll(async () => {
      mkdirSync(RESULTS, { recursive: true });
      svc = await startTestService({
        env: { ORDERS_REPORT_BACKFILL_AFTER_HOURS: '0', ANALYTICS_INTERVAL_HOURS: '0' },
      });
      vendor = await startVendorApp();
      hooks = await startReceiver();
      // The vendor's operator key and webhook endpoint, as an operator sets them up (CLI / portal).
      const operator = {
        userId: '',
        username: 'vendor-setup',
        role: 'operator' as const,
        accountId: null,
        actor: 'cli',
      };
      const { key } = await svc.service.graph.apiKeys.create(operator, {
        name: 'vendor backend',
        accountId: null,
      });
      const { secret } = await svc.service.graph.notifications.notify.settings.createEndpoint(operator, {
        url: hooks.url,
        eventTypes: ['connect_session.completed'],
      });
      hooks.setSecret(secret.reveal());
      client = createSellerlinkClient({ baseUrl: `${svc.url}/api`, apiKey: key.reveal() });
      browser = await launchChromium(chromiumExe.path!);
      context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'en-GB' });
      page = await context.newPage();
      page.setDefaultTimeout(30_000);
      page.setDefaultNavigationTimeout(60_000);
    });

    beforeEach(({ onTestFailed, task }) => {
      onTestFailed(async () => {
        const name = task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
        await page?.screenshot({ path: `${RESULTS}failed-${name}.png`, fullPage: true }).catch(() => {});
        console.error(`failed at ${page?.url()}`);
      });
    });

    afterAll(async () => {
      await browser?.close();
      await svc?.stop();
      await vendor?.close();
      await hooks?.close();
    });

    it('provisions an account by API, connects through a link, and gets the outcome, the webhook and a token', async () => {
      const provisioned = await client.PUT('/v1/accounts/by-external-id/{externalId}', {
        params: { path: { externalId: 'tenant-42' } },
        body: { name: 'Vendor tenant 42', returnUrls: [`${vendor.base}/settings/amazon`] },
      });
      expect(provisioned.response.status).toBe(201);
      accountId = provisioned.data!.id;

      const link = await createLink({ region: 'NA' });
      firstLink = link.url;
      await followLink(link.url, 'link-connect');
      await onAmazon('link-connect', 'Confirm');
      const outcome = await landedAtVendor(0);
      expect(outcome).toMatchObject({ outcome: 'connected', sessionId: link.id });
      connectionId = outcome.connectionId!;
      expect(connectionId).toMatch(/^[0-9a-f-]{36}$/);

      const hook = await eventually(() => hooks.received.find((r) => r.body.includes(link.id)) ?? null);
      expect(hook.signatureValid).toBe(true);
      expect(JSON.parse(hook.body)).toMatchObject({
        type: 'connect_session.completed',
        accountId,
        data: { sessionId: link.id, outcome: 'connected', connectionId },
      });

      const connection = await client.GET('/v1/connections/{id}', { params: { path: { id: connectionId } } });
      expect(connection.data).toMatchObject({
        accountId,
        region: 'NA',
        sellingPartnerId: NA.sellingPartnerId,
      });
      const token = await client.POST('/v1/connections/{id}/access-token', {
        params: { path: { id: connectionId } },
      });
      expect(token.response.status).toBe(200);
      expect(token.data!.accessToken).toMatch(/^Atza\|/);
    });

    it('renews the same connection through a renew link', async () => {
      const link = await createLink({ purpose: 'renew', connectionId });
      const before = vendor.returns.length;
      await followLink(link.url, 'link-renew');
      await onAmazon('link-renew', 'Confirm');
      expect(await landedAtVendor(before)).toMatchObject({
        outcome: 'renewed',
        connectionId,
        sessionId: link.id,
      });
      await eventually(() =>
        hooks.received.some((r) => r.body.includes(link.id) && r.body.includes('"renewed"')),
      );
    });

    it('returns cancelled when the seller cancels on Amazon', async () => {
      const link = await createLink({ region: 'NA' });
      const before = vendor.returns.length;
      await followLink(link.url, 'link-cancel');
      await onAmazon('link-cancel', 'Cancel');
      const outcome = await landedAtVendor(before);
      expect(outcome).toMatchObject({ outcome: 'cancelled', sessionId: link.id });
      expect(outcome.connectionId).toBeUndefined();
      await eventually(() =>
        hooks.received.some((r) => r.body.includes(link.id) && r.body.includes('"cancelled"')),
      );
    });

    it('sends an expired link and a replayed link back with their codes, changing nothing', async () => {
      const link = await createLink({ region: 'NA', expiresInMinutes: 1 });
      await svc.sim('/_sim/clock/advance', { minutes: 2 });
      let before = vendor.returns.length;
      await page.goto(link.url);
      expect(await landedAtVendor(before)).toMatchObject({ outcome: 'error', code: 'CONNECT_LINK_EXPIRED' });

      before = vendor.returns.length;
      await page.goto(firstLink);
      expect(await landedAtVendor(before)).toMatchObject({ outcome: 'error', code: 'CONNECT_LINK_USED' });
      const sessions = await client.GET('/v1/connections', { params: { query: { accountId } } });
      expect(sessions.data!.connections.map((c) => c.id)).toEqual([connectionId]);
    });

    it('refuses a return URL outside the account’s allow-list', async () => {
      const { data, error, response } = await client.POST('/v1/connect-sessions', {
        body: { accountId, region: 'NA', returnUrl: 'https://attacker.example/steal' },
      });
      expect(response.status).toBe(400);
      expect(data).toBeUndefined();
      expect(error).toMatchObject({ error: { code: 'RETURN_URL_NOT_ALLOWED', field: 'returnUrl' } });
    });
  },
);
