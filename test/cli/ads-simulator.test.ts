import { describe, expect, it } from 'vitest';
import { adsReturnUrlsFor, applyDemoSeed, describeAds } from '../../src/cli/commands/simulator-actions.js';
import { createManualClock } from '../../src/kernel/clock.js';
import { createSimulator } from '../../src/simulator/app.js';
import { DEMO, seedDemo } from '../../src/simulator/seed.js';
import { oaQuery, pressConsent, signInAds, START } from '../simulator/ads-support.js';
import { Browser } from '../simulator/sim-browser.js';

/**
 * `sellerlink simulator --seed demo` gives the demo Amazon Ads clients Allowed Return URLs the way it
 * gives the demo apps redirect URIs (the landing page and every `--redirect-uri`, plus each
 * Sellerlink callback's Ads counterpart), so an Ads consent completes there; a saved state adopts
 * this run's landing page for them too.
 */

const URL_NOW = 'http://127.0.0.1:4000';
const LANDING = `${URL_NOW}/_sim/landing`;
const OPTIONS = {
  redirectUri: ['http://localhost:3000/oauth/callback', 'https://tool.example/amazon/return'],
  loginUri: 'http://localhost:3000/oauth/login',
};

function simulator() {
  return createSimulator({ clock: createManualClock(START), realClock: createManualClock(START) });
}

const returnUrls = (sim: ReturnType<typeof simulator>, clientId: string = DEMO.ads.client.clientId) =>
  sim.ctx.state.adsClients.get(clientId)?.returnUrls;

describe('simulator --seed demo: Amazon Ads return URLs', () => {
  it('are the landing page, the given redirect URIs and the Ads callback beside a Sellerlink callback', () => {
    expect(adsReturnUrlsFor(LANDING, OPTIONS.redirectUri)).toEqual([
      LANDING,
      'http://localhost:3000/oauth/callback',
      'https://tool.example/amazon/return',
      'http://localhost:3000/oauth/ads/callback',
    ]);
    const sim = simulator();
    expect(applyDemoSeed(sim, URL_NOW, OPTIONS)).toEqual([]);
    for (const clientId of [DEMO.ads.client.clientId, DEMO.ads.unapprovedClient.clientId]) {
      expect(returnUrls(sim, clientId)).toEqual(adsReturnUrlsFor(LANDING, OPTIONS.redirectUri));
    }
    // The SP-API demo apps are seeded as before.
    expect(sim.ctx.state.apps.get(DEMO.publishedApp.appId)?.redirectUris).toEqual([
      LANDING,
      ...OPTIONS.redirectUri,
    ]);
  });

  it('let an Ads consent return to the landing page and to Sellerlink’s Ads callback', async () => {
    const sim = simulator();
    applyDemoSeed(sim, URL_NOW, OPTIONS);
    for (const redirect of [LANDING, 'http://localhost:3000/oauth/ads/callback']) {
      const browser = new Browser(sim);
      const query = oaQuery({ redirect_uri: redirect });
      const html = await signInAds(browser, '/na', DEMO.sellers[0].email, query);
      const target = await pressConsent(browser, '/na', html, 'allow');
      expect(`${target.origin}${target.pathname}`).toBe(redirect);
      expect(target.searchParams.get('code')).toBeTruthy();
    }
    // A return URL that is not allowed stays refused (the control).
    const refused = await new Browser(sim).get(
      `/na/ap/oa?${oaQuery({ redirect_uri: 'https://elsewhere.example/cb' })}`,
    );
    expect(refused.status).toBe(400);
  });

  it('a saved demo state gets this run’s landing page (in place of the old one) and the given URIs', () => {
    const sim = simulator();
    const oldLanding = 'http://127.0.0.1:5999/_sim/landing';
    seedDemo(sim.ctx, { redirectUris: [oldLanding], adsReturnUrls: [oldLanding] });
    const notes = applyDemoSeed(sim, URL_NOW, OPTIONS);
    expect(notes).toContain(`Demo Ads clients now return to ${LANDING} too.`);
    expect(returnUrls(sim)).toEqual(adsReturnUrlsFor(LANDING, OPTIONS.redirectUri));
    // Run again with the same options: nothing more changes.
    expect(applyDemoSeed(sim, URL_NOW, OPTIONS)).not.toContain(
      `Demo Ads clients now return to ${LANDING} too.`,
    );
  });

  it('a saved state from before the Ads demo gets the Ads demo clients', () => {
    const sim = simulator();
    seedDemo(sim.ctx, { redirectUris: [LANDING] });
    sim.ctx.state.adsClients.clear();
    applyDemoSeed(sim, URL_NOW, OPTIONS);
    expect(returnUrls(sim)).toEqual(adsReturnUrlsFor(LANDING, OPTIONS.redirectUri));
  });

  it('the banner names the demo Ads client and prints consent URLs that open Login with Amazon', async () => {
    const sim = simulator();
    applyDemoSeed(sim, URL_NOW, OPTIONS);
    const text = describeAds(URL_NOW, sim.ctx).join('\n');
    expect(text).toContain(`client id ${DEMO.ads.client.clientId}`);
    expect(text).toContain(`client secret ${DEMO.ads.client.clientSecret}`);
    expect(text).toContain(
      `Allowed Return URLs: ${adsReturnUrlsFor(LANDING, OPTIONS.redirectUri).join('  ')}`,
    );
    const urls = [...text.matchAll(/^ {2}(NA|EU|FE): (\S+)$/gm)].map((m) => new URL(m[2]!));
    expect(urls.map((u) => u.pathname)).toEqual(['/na/ap/oa', '/eu/ap/oa', '/fe/ap/oa']);
    for (const url of urls) {
      expect(url.origin).toBe(URL_NOW);
      expect(url.searchParams.get('redirect_uri')).toBe(LANDING);
      const page = await new Browser(sim).get(`${url.pathname}${url.search}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('id="ads-signin"');
    }
  });
});
