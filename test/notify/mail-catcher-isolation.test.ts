import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccounts } from '../../src/accounts/service.js';
import { cryptoRandom } from '../../src/kernel/random.js';
import { DEMO } from '../../src/simulator/seed.js';
import type { HttpBrowser } from '../support/http-browser.js';
import { approveOnAmazon, connectRegion, pressConnect, signedInBrowser } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';
import { csrfOf, eventually } from '../support/wait.js';

/**
 * The sandbox mail catcher (`/sandbox/mail`) showed every account's mail to
 * every account. Each account now sees only the mail sent for it; an operator sees all of it.
 */
describe('the sandbox mail catcher keeps accounts apart', () => {
  let svc: TestService;
  let demo: HttpBrowser;
  let other: HttpBrowser;
  let operator: HttpBrowser;
  const password = 'correct horse battery';

  /** Asks for e-mail on `connection.connected` to `recipient`, through the portal's settings form. */
  async function mailOnConnect(browser: HttpBrowser, recipient: string): Promise<void> {
    const settings = await browser.get(`${svc.url}/notifications`);
    const form = new URLSearchParams({
      _csrf: csrfOf(settings.text),
      emailEnabled: 'on',
      recipients: recipient,
    });
    form.append('eventTypes', 'connection.connected');
    const saved = await browser.post(`${svc.url}/notifications/settings`, form.toString(), {
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: svc.url },
    });
    expect(saved.url).toBe(`${svc.url}/notifications?notice=saved`);
  }

  const mailPage = async (browser: HttpBrowser): Promise<string> =>
    (await browser.get(`${svc.url}/sandbox/mail`)).text;
  const recipients = (html: string): string[] =>
    [...html.matchAll(/To ([^\s<]+@[^\s<]+) ·/g)].map((m) => m[1]!).sort();

  beforeAll(async () => {
    svc = await startTestService({ env: { NOTIFY_POLL_SECONDS: '1' } });
    const accounts = createAccounts({ db: svc.store.db, clock: svc.service.clock, random: cryptoRandom });
    const otherAccount = await accounts.createAccount('Other Seller Ltd');
    await accounts.addUser({ accountId: otherAccount.id, username: 'other-owner', password, role: 'owner' });
    await accounts.addUser({ accountId: null, username: 'ops', password, role: 'operator' });
    await svc.sim('/_sim/sellers', {
      name: 'Other Goods (NA)',
      region: 'NA',
      marketplaceIds: ['ATVPDKIKX0DER'],
      users: [{ email: 'other-na@example.com', password: DEMO.sellerPassword }],
      sellingPartnerId: 'A2OTHERMAILNA',
    });
    demo = await signedInBrowser(svc);
    other = await signedInBrowser(svc, 'other-owner', password);
    operator = await signedInBrowser(svc, 'ops', password);

    // Each account asks for mail when it connects, then connects its own seller.
    await mailOnConnect(demo, 'alice@demo.test');
    await mailOnConnect(other, 'bob@other.test');
    await connectRegion(demo, svc, 'NA');
    await approveOnAmazon(other, await pressConnect(other, svc, 'NA'), 'other-na@example.com');
    // Both messages reached the catcher (the operator's view shows everything).
    await eventually(async () => recipients(await mailPage(operator)).length === 2);
  }, 120_000);
  afterAll(async () => svc?.stop());

  it('shows an account only its own mail', async () => {
    const mine = await mailPage(demo);
    expect(recipients(mine)).toEqual(['alice@demo.test']);
    expect(mine).not.toContain('A2OTHERMAILNA');
    const theirs = await mailPage(other);
    expect(recipients(theirs)).toEqual(['bob@other.test']);
    expect(theirs).not.toContain(DEMO.sellers[0].sellingPartnerId);
  });

  it('shows an operator every account’s mail', async () => {
    expect(recipients(await mailPage(operator))).toEqual(['alice@demo.test', 'bob@other.test']);
  });
});
