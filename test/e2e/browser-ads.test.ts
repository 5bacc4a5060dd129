import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DAY } from '../../src/kernel/clock.js';
import { eventsAwaitingFanOut } from '../../src/notify/fan-out.js';
import { DEMO } from '../../src/simulator/seed.js';
import {
  answerAdsConsent,
  connectAdsInBrowser,
  connectSellerAccount,
  openPortal,
  pressConnectAds,
  readCaughtMail,
  signInToPortal,
  visibleText,
  type CaughtMail,
  type PortalTab,
} from '../support/ads-browser.js';
import { chromiumOrSkip, launchChromium } from '../support/chromium.js';
import { demoSeller, type RegionCode } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';
import { typedClient } from '../support/typed-client.js';
import { eventually } from '../support/wait.js';

/**
 * Amazon Ads connections in a real browser (Debian's chromium through playwright-core): the demo
 * seller connects its North America and Europe seller accounts, then Amazon Ads in both regions
 * through the simulated Login with Amazon consent page, and sees the advertising profiles with the
 * seller profiles matched to the seller connections. The simulated clock then walks to 30, 7 and
 * 1 days before the Ads connections' expiry: each threshold sends one reminder per connection to
 * the sandbox mail catcher, and running the monitor again sends none. One Ads connection is renewed
 * in one click and then disconnected (its token deleted); Cancel on Amazon's page connects nothing.
 * Screenshots go to test-results/ads-*.png.
 */

const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const ADS_REGIONS = ['NA', 'EU'] as const;
const chromiumExe = chromiumOrSkip();

/** A profile row as the Ads connection page shows it. */
interface ShownProfile {
  profileId: string;
  region: string;
  match: string | null;
  unmatched: boolean;
}

/** The Ads reminder e-mails the mail catcher shows, as "<region> <days-left words>" sorted. */
function adsReminders(mail: CaughtMail[]): string[] {
  return mail
    .map((m) => /^Action needed: Amazon authorization for Amazon Ads \((\w+)\) ends (.+)$/.exec(m.subject))
    .filter((m) => m !== null)
    .map((m) => `${m[1]} ${m[2]}`)
    .sort();
}

/** How a reminder's subject says the days left. */
const endsIn = (days: number): string => (days <= 1 ? 'within a day' : `in ${days} days`);

describe.skipIf(!chromiumExe.path)(
  `Amazon Ads connections in a real browser (chromium)${chromiumExe.path ? '' : ` — skipped: ${chromiumExe.reason}`}`,
  () => {
    let svc: TestService;
    let browser: Browser | undefined;
    let page: Page;
    let tab: PortalTab;
    /** Seller (SP-API) connection id per region. */
    const sellerIds: Partial<Record<RegionCode, string>> = {};
    /** Ads connection id per region. */
    const adsIds: Partial<Record<RegionCode, string>> = {};
    /** The reminders sent so far, as adsReminders() lists them. */
    const sent: string[] = [];

    beforeAll(async () => {
      mkdirSync(RESULTS, { recursive: true });
      svc = await startTestService({ env: { NOTIFY_POLL_SECONDS: '1' } });
      browser = await launchChromium(chromiumExe.path!);
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
      page = await context.newPage();
      // Generous: a 2-core machine may run other suites beside this browser.
      page.setDefaultTimeout(30_000);
      page.setDefaultNavigationTimeout(60_000);
      tab = { svc, page };
      await page.goto(`${svc.url}/login`);
      await signInToPortal(tab);
      for (const region of ADS_REGIONS) sellerIds[region] = await connectSellerAccount(tab, region);
    }, 180_000);

    // When a step fails, keep what the browser showed.
    beforeEach(({ onTestFailed, task }) => {
      onTestFailed(async () => {
        const name = task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
        await page?.screenshot({ path: `${RESULTS}failed-ads-${name}.png`, fullPage: true }).catch(() => {});
        console.error(`failed at ${page?.url()}`);
      });
    });

    afterAll(async () => {
      await browser?.close();
      await svc?.stop();
    });

    const shot = (name: string) => page.screenshot({ path: `${RESULTS}ads-${name}.png`, fullPage: true });

    /** The Ads connection page's health card. */
    const card = () => page.locator('.card[data-ads-connection]');

    /** The profiles table of the Ads connection page. */
    async function shownProfiles(): Promise<ShownProfile[]> {
      await page.locator('table[data-profiles]').waitFor({ state: 'visible' });
      const rows = await page.locator('tr[data-profile]').evaluateAll((rows) =>
        rows.map((row) => ({
          profileId: row.getAttribute('data-profile') ?? '',
          region: row.getAttribute('data-profile-region') ?? '',
          match: row.querySelector('[data-profile-match]')?.getAttribute('data-profile-match') ?? null,
          unmatched: row.querySelector('[data-profile-unmatched]') !== null,
        })),
      );
      return rows.sort((a, b) => a.profileId.localeCompare(b.profileId));
    }

    /** What the page must show per the demo seed: a seller profile matches that region's seller connection. */
    function expectedProfiles(): ShownProfile[] {
      const expected = DEMO.ads.advertiser.profiles.map((p) => {
        const region = p.region;
        const seller = sellerIds[region];
        const match =
          p.accountInfo.type === 'seller' &&
          seller !== undefined &&
          p.accountInfo.id === demoSeller(region).sellingPartnerId
            ? seller
            : null;
        return { profileId: p.profileId, region, match, unmatched: match === null };
      });
      return expected.sort((a, b) => a.profileId.localeCompare(b.profileId));
    }

    /** The Ads connection row: its expiry and whether it still holds a sealed refresh token. */
    async function adsRow(id: string) {
      return svc.store.db
        .selectFrom('connections')
        .select(['id', 'api', 'region', 'state', 'authorized_at', 'expires_at', 'refresh_token_blob'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
    }

    /** Waits until fan-out took every event and no e-mail or webhook is waiting to go out. */
    async function notificationsSettled(): Promise<void> {
      await eventually(async () => {
        if ((await eventsAwaitingFanOut(svc.store.db)) > 0) return false;
        const waiting = await svc.store.db
          .selectFrom('notification_deliveries')
          .select('id')
          .where('status', 'in', ['pending', 'sending'])
          .execute();
        return waiting.length === 0;
      }, 60_000);
    }

    it('connects Amazon Ads North America and Europe through the consent page and shows the profiles with their matches', async () => {
      for (const region of ADS_REGIONS) {
        adsIds[region] = await connectAdsInBrowser(
          tab,
          region,
          `${RESULTS}ads-amazon-${region.toLowerCase()}`,
        );
        const id = adsIds[region];
        expect(await visibleText(page.getByRole('heading', { level: 1 }))).toBe(
          `Amazon Ads · ${region === 'NA' ? 'North America' : 'Europe'}`,
        );
        expect(await visibleText(page.locator('.banner.good'))).toMatch(/^Amazon Ads connected\./);
        expect(await card().getAttribute('data-ads-connection')).toBe(id);
        expect(await card().getAttribute('data-health')).toBe('working');
        expect(await visibleText(card().locator('[data-status]'))).toBe('Working');
        expect(await visibleText(card())).toContain('(365 days left)');

        const profiles = await shownProfiles();
        expect(profiles).toEqual(expectedProfiles());
        // Per the demo seed: two profiles in North America, three in Europe (one of them a vendor's).
        expect(profiles.filter((p) => p.region === 'NA')).toHaveLength(2);
        expect(profiles.filter((p) => p.region === 'EU')).toHaveLength(3);
        for (const r of ADS_REGIONS) {
          const seller = profiles.filter((p) => p.region === r && p.match !== null);
          expect(seller.map((p) => p.match)).toEqual([sellerIds[r], sellerIds[r]]);
        }
        const vendor = DEMO.ads.advertiser.profiles.find((p) => p.accountInfo.type === 'vendor')!;
        expect(profiles.find((p) => p.profileId === vendor.profileId)).toMatchObject({
          match: null,
          unmatched: true,
        });
        await shot(`connected-${region.toLowerCase()}`);

        const row = await adsRow(id);
        expect(row).toMatchObject({ api: 'ads', region, state: 'active' });
        expect(row.expires_at!.getTime()).toBe(row.authorized_at.getTime() + 365 * DAY);
      }
      // Two Ads connections, not two of one region: each region's row opens its own page.
      expect(new Set(Object.values(adsIds)).size).toBe(2);

      await openPortal(tab, '/connections');
      const section = page.locator('[data-ads-section]');
      for (const region of ADS_REGIONS) {
        const row = section.locator(`tr[data-ads-region="${region}"]`);
        expect(await row.getAttribute('data-ads-connection')).toBe(adsIds[region]);
        expect(await row.getAttribute('data-health')).toBe('working');
      }
      expect(
        await section.getByRole('button', { name: 'Connect Amazon Ads Far East', exact: true }).isEnabled(),
      ).toBe(true);
      await shot('connections-list');
    }, 180_000);

    it('Cancel on the consent page gives the calm "Nothing was connected" page and connects nothing', async () => {
      const before = await svc.store.db.selectFrom('connections').select('id').execute();
      await pressConnectAds(tab, 'FE');
      await answerAdsConsent(tab, 'FE', 'cancel');
      expect(new URL(page.url()).pathname).toBe('/oauth/ads/callback');
      expect(await visibleText(page.getByRole('heading', { level: 1 }))).toBe('Nothing was connected');
      expect(await page.locator('p.banner[data-code]').getAttribute('data-code')).toBe(
        'OAUTH_CONSENT_DENIED',
      );
      expect(await page.getByText('Could not connect').count()).toBe(0);
      await shot('cancelled');
      expect(await svc.store.db.selectFrom('connections').select('id').execute()).toHaveLength(before.length);

      await page.getByRole('link', { name: 'Back to connections' }).click();
      await page.waitForURL(`${svc.url}/connections`);
      expect(await page.locator('tr[data-ads-region="FE"]').getAttribute('data-ads-connection')).toBeNull();
    }, 120_000);

    /**
     * Moves the simulated clock by `steps` days, running the monitor after each step (it also
     * rotates the apps' client secrets before they lapse, as it does daily), then checks that the
     * threshold's reminder reached the mail catcher once per Ads connection, and that the monitor
     * run again sends nothing new.
     */
    async function walkTo(daysLeft: number, steps: number[]): Promise<void> {
      for (const days of steps) {
        await svc.sim('/_sim/clock/advance', { days });
        const pass = await svc.service.monitor.runMonitor();
        expect(pass.probes.failed).toBe(0);
      }
      for (const region of ADS_REGIONS) sent.push(`${region} ${endsIn(daysLeft)}`);
      sent.sort();
      let shown: CaughtMail[] = [];
      const mail = await eventually(async () => {
        shown = await readCaughtMail(tab);
        return adsReminders(shown).length >= sent.length ? shown : null;
      }, 60_000).catch((err: Error) => {
        throw new Error(`${err.message}: the mail catcher shows ${JSON.stringify(adsReminders(shown))}`);
      });
      expect(adsReminders(mail)).toEqual(sent);
      for (const region of ADS_REGIONS) {
        const reminder = mail.find((m) =>
          m.subject.includes(`Amazon Ads (${region}) ends ${endsIn(daysLeft)}`),
        )!;
        expect(reminder.text).toContain('Amazon Ads (advertising)');
        expect(reminder.text).toContain(`${svc.url}/ads-connections/${adsIds[region]}`);
      }
      await shot(`mail-${daysLeft}`);

      const again = await svc.service.monitor.runMonitor();
      expect(again.connections.expiring).toBe(0);
      await notificationsSettled();
      expect(adsReminders(await readCaughtMail(tab))).toEqual(sent);
    }

    it('walks to 30, 7 and 1 days before the expiry: one reminder per threshold per Ads connection', async () => {
      // Client secrets last 180 days: steps of at most 150 days, the monitor rotating them ahead.
      await walkTo(30, [150, 150, 35]);
      await openPortal(tab, `/ads-connections/${adsIds.NA}`);
      expect(await card().getAttribute('data-health')).toBe('renew_needed');
      const banner = page.locator('[data-banner-kind="connection.expiring"]').filter({
        hasText: 'Amazon Ads (NA)',
      });
      expect(await visibleText(banner)).toContain('ends in 30 days');
      expect(await banner.getByRole('link').getAttribute('href')).toBe(`/ads-connections/${adsIds.NA}`);
      await shot('expiring-30');

      await walkTo(7, [23]);
      await walkTo(1, [6]);

      const events = await svc.store.db
        .selectFrom('events')
        .select(['connection_id', 'payload'])
        .where('type', '=', 'connection.expiring')
        .where('connection_id', 'in', Object.values(adsIds))
        .execute();
      const thresholds = events.map(
        (e) => `${e.connection_id === adsIds.NA ? 'NA' : 'EU'} ${String(e.payload.threshold)}`,
      );
      expect(thresholds.sort()).toEqual(['EU 1', 'EU 30', 'EU 7', 'NA 1', 'NA 30', 'NA 7']);
      for (const e of events) expect(e.payload).toMatchObject({ api: 'ads', sellingPartnerId: null });
    }, 600_000);

    it('renews one Ads connection in one click: same connection, 365 days from now, working', async () => {
      const id = adsIds.NA!;
      await openPortal(tab, `/ads-connections/${id}`);
      expect(await card().getAttribute('data-health')).toBe('renew_needed');
      const before = svc.service.clock.now();
      await card().getByRole('button', { name: 'Renew', exact: true }).click();
      await page.waitForURL((url) => url.href.startsWith(svc.simUrl));
      await answerAdsConsent(tab, 'NA', 'allow', { shots: `${RESULTS}ads-renew-amazon` });
      const after = svc.service.clock.now();

      expect(page.url()).toBe(`${svc.url}/ads-connections/${id}?notice=renewed`);
      expect(await visibleText(page.locator('.banner.good'))).toBe(
        'Amazon Ads renewed: the 365 days start again.',
      );
      expect(await card().getAttribute('data-health')).toBe('working');
      expect(await visibleText(card().locator('[data-status]'))).toBe('Working');
      expect(await visibleText(card())).toContain('(365 days left)');
      await shot('renewed-na');

      const row = await adsRow(id);
      expect(row.state).toBe('active');
      expect(row.expires_at!.getTime()).toBeGreaterThanOrEqual(before + 365 * DAY - 1000);
      expect(row.expires_at!.getTime()).toBeLessThanOrEqual(after + 365 * DAY);
      // Still one Ads connection per region: the renewal updated this one.
      const ads = await svc.store.db
        .selectFrom('connections')
        .select('id')
        .where('api', '=', 'ads')
        .execute();
      expect(ads.map((c) => c.id).sort()).toEqual(Object.values(adsIds).sort());
    }, 180_000);

    it('disconnects it: the page, the API and the stored token agree', async () => {
      const id = adsIds.NA!;
      await openPortal(tab, '/api-keys');
      await page.getByLabel('Name (which software or server uses it)').fill('Ads browser test');
      await page.getByRole('button', { name: 'Create key', exact: true }).click();
      const key = await visibleText(page.locator('code[data-api-key]'));

      await openPortal(tab, `/ads-connections/${id}`);
      await card().getByRole('button', { name: 'Disconnect', exact: true }).click();
      await page.waitForURL(`${svc.url}/ads-connections/${id}?notice=disconnected`);
      expect(await visibleText(page.locator('.banner.good'))).toMatch(
        /^Disconnected: the stored token was deleted\./,
      );
      expect(await card().getAttribute('data-health')).toBe('disconnected');
      expect(await visibleText(card().locator('[data-status]'))).toBe('Disconnected');
      expect(await card().getByRole('button', { name: 'Disconnect' }).count()).toBe(0);
      expect(await card().getByRole('button', { name: 'Connect again' }).isEnabled()).toBe(true);
      await shot('disconnected-na');

      // The typed client, over the network as the vendor's software calls it.
      const api = await typedClient(svc, key, { fetch: (request) => fetch(request) }).GET(
        '/v1/ads-connections/{id}',
        { params: { path: { id } } },
      );
      expect(api.response.status).toBe(200);
      expect(api.data).toMatchObject({
        id,
        api: 'ads',
        state: 'disconnected',
        health: { state: 'disconnected' },
      });
      expect((await adsRow(id)).refresh_token_blob).toBeNull();
      // The other region's Ads connection is untouched.
      expect((await adsRow(adsIds.EU!)).refresh_token_blob).not.toBeNull();
    }, 120_000);
  },
);
