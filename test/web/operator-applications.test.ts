import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccounts } from '../../src/accounts/service.js';
import { DAY } from '../../src/kernel/clock.js';
import { cryptoRandom } from '../../src/kernel/random.js';
import { Secret } from '../../src/kernel/secret.js';
import { decodeEntities, findForm, type BrowserPage, type HttpBrowser } from '../support/http-browser.js';
import { inProcessBrowser } from '../support/in-process.js';
import { signedInBrowser } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';

/**
 * The operators' page `/operator/applications` on the sandbox service, in process: every application
 * of both APIs with its secret's state (SP-API: expiry and rotation; Ads: not tracked), the form that
 * adds an Amazon Ads security profile (CSRF, POST-redirect-GET, refusals that store nothing and
 * never echo the secret), and the same 404 as an unknown address for everyone else.
 */

const PATH = '/operator/applications';
const PASSWORD = 'a long test password';
const FORM = { action: PATH };

/** A random client secret in Amazon's shape. */
const newSecret = (): string => `amzn1.oa2-cs.v1.${randomBytes(24).toString('hex')}`;
/** A random, well-formed LWA client id. */
const newClientId = (): string => `amzn1.application-oa2-client.${randomBytes(16).toString('hex')}`;

/** The table row of one application, by a text it contains (name or client id). */
function rowOf(page: BrowserPage, needle: string): string {
  const row = [...page.text.matchAll(/<tr data-application="[^"]+"[\s\S]*?<\/tr>/g)]
    .map((m) => m[0])
    .find((r) => decodeEntities(r).includes(needle));
  if (!row) throw new Error(`no row with ${needle}`);
  return decodeEntities(row.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' '));
}

/** The alert a refused form shows, and the field it names. */
function alertOf(page: BrowserPage): { message: string; field: string } | null {
  const m = /<p class="banner bad" role="alert" data-field="([^"]*)">([\s\S]*?)<\/p>/.exec(page.text);
  return m ? { field: m[1]!, message: decodeEntities(m[2]!.trim()) } : null;
}

describe('operator page: applications of both APIs', () => {
  let svc: TestService;
  let operator: HttpBrowser;
  let owner: HttpBrowser;
  let member: HttpBrowser;
  /** Every page an operator saw and every secret submitted, for the never-echoed checks. */
  const seen: string[] = [];
  const submitted: string[] = [];

  const applications = () => svc.service.applications.list('all');
  const view = async (browser: HttpBrowser = operator): Promise<BrowserPage> => {
    const page = await browser.get(`${svc.url}${PATH}`);
    seen.push(page.text);
    return page;
  };
  /** Submits the Ads form as the operator (no redirect followed). */
  const submitAds = async (fields: Record<string, string | null>): Promise<BrowserPage> => {
    if (typeof fields.clientSecret === 'string') submitted.push(fields.clientSecret);
    const page = await operator.submit(await view(), fields, { ...FORM, followRedirects: false });
    seen.push(page.text);
    return page;
  };

  beforeAll(async () => {
    // No automatic rotation: the app whose secret is about to expire keeps its state.
    svc = await startTestService({ env: { SECRET_ROTATE_AHEAD_DAYS: '0' } });
    const accounts = createAccounts({ db: svc.store.db, clock: svc.service.clock, random: cryptoRandom });
    await accounts.addUser({ accountId: null, username: 'ops', password: PASSWORD, role: 'operator' });
    const demo = (await accounts.findAccount('Demo Seller Co'))!;
    await accounts.addUser({ accountId: demo.id, username: 'mia', password: PASSWORD, role: 'member' });
    operator = await signedInBrowser(svc, 'ops', PASSWORD);
    owner = await signedInBrowser(svc);
    member = await signedInBrowser(svc, 'mia', PASSWORD);
    // An SP-API app whose secret was issued 179.5 days ago: it expires within a day.
    await svc.service.applications.upsert({
      name: 'Old Secret App',
      appId: 'amzn1.sp.solution.11111111-2222-4333-8444-555555555555',
      clientId: newClientId(),
      clientSecret: new Secret(newSecret()),
      status: 'published',
      redirectUri: `${svc.url}/oauth/callback`,
      clientSecretIssuedAt: new Date(svc.service.clock.now() - 179.5 * DAY),
    });
  });
  afterAll(async () => svc?.stop());

  it('lists every application of both APIs with its secret state; Ads secrets are not tracked', async () => {
    const page = await view();
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const all = await applications();
    expect(all.map((a) => a.api).sort()).toEqual(['ads', 'sp_api', 'sp_api', 'sp_api']);
    expect(
      [...page.text.matchAll(/<tr data-application="([^"]+)" data-api="([^"]+)"/g)].map((m) => [m[1], m[2]]),
    ).toEqual(all.map((a) => [a.id, a.api === 'ads' ? 'ads' : 'sp-api']));
    const demoAds = all.find((a) => a.api === 'ads')!;
    expect(rowOf(page, demoAds.clientId)).toMatch(
      new RegExp(
        `${demoAds.name} Amazon Ads ${demoAds.clientId} \\d+ \\w+ \\d{4} not tracked secret rotation: not tracked \\(unconfirmed for Ads\\)`,
      ),
    );
    expect(rowOf(page, 'Sellerlink Demo (Draft)')).toMatch(
      /SP-API .* Valid secret expires \d+ \w+ \d{4} \(in \d+ days\)/,
    );
    expect(rowOf(page, 'Old Secret App')).toMatch(
      /SP-API .* Secret expiring secret expires \d+ \w+ \d{4} \(in 1 day\)/,
    );
    // The form, with the return URL to register at Amazon.
    const form = findForm(page.text, page.url, FORM);
    expect(form.method).toBe('POST');
    expect(Object.keys(form.fields).sort()).toEqual(['_csrf', 'clientId', 'clientSecret', 'name']);
    expect(page.text).toContain('Add an Amazon Ads security profile');
    expect(page.text).toContain(`${svc.url}/oauth/ads/callback`);
    // Operators get the link in the navigation.
    expect((await operator.get(`${svc.url}/connections`)).text).toContain(`href="${PATH}"`);
  });

  it('adds an Ads security profile: POST, then redirect to the list; the secret is sealed and never shown', async () => {
    const clientId = newClientId();
    const secret = newSecret();
    const posted = await submitAds({ name: 'Acme Ads', clientId, clientSecret: secret });
    expect(posted.status).toBe(303);
    expect(posted.location).toBe(`${PATH}?notice=ads-added`);
    const after = await operator.get(`${svc.url}${posted.location}`);
    seen.push(after.text);
    expect(after.text).toContain('Added the Amazon Ads security profile.');
    expect(rowOf(after, clientId)).toContain('Acme Ads Amazon Ads');
    const app = (await applications()).find((a) => a.clientId === clientId)!;
    expect(app).toMatchObject({ api: 'ads', appId: clientId, redirectUri: `${svc.url}/oauth/ads/callback` });
    expect((await svc.service.applications.credentials(app.id)).clientSecret.reveal()).toBe(secret);

    // The same client id again: the name and secret are replaced, nothing is added.
    const count = (await applications()).length;
    const next = newSecret();
    const again = await submitAds({ name: 'Acme Ads (renamed)', clientId, clientSecret: ` ${next} ` });
    expect(again.location).toBe(`${PATH}?notice=ads-updated`);
    expect(await applications()).toHaveLength(count);
    expect((await svc.service.applications.credentials(app.id)).clientSecret.reveal()).toBe(next);
    expect((await svc.service.applications.get(app.id)).name).toBe('Acme Ads (renamed)');

    // Logged without the secret (the control: the registration itself is logged).
    const logs = svc.logs.join('\n');
    expect(logs).toContain('Amazon Ads security profile registered on the operator page');
    expect(logs).toContain(clientId);
    expect(logs).not.toContain(secret);
    expect(logs).not.toContain(next);
  });

  it('refuses bad input with the form again and a clear message; nothing is stored, the secret not echoed', async () => {
    const before = await applications();
    const secret = newSecret();
    const cases: [Record<string, string>, string, string][] = [
      [
        { name: 'Bad Id', clientId: 'not-a-client-id', clientSecret: secret },
        'clientId',
        'Nothing was stored: the LWA client id looks like amzn1.application-oa2-client.<hex>.',
      ],
      [
        { name: '   ', clientId: newClientId(), clientSecret: secret },
        'name',
        'Nothing was stored: an application needs a name.',
      ],
      [
        { name: 'No Secret', clientId: newClientId(), clientSecret: '  ' },
        'clientSecret',
        'Nothing was stored: the LWA client secret is empty.',
      ],
      [
        { name: 'Huge Secret', clientId: newClientId(), clientSecret: 'x'.repeat(5000) },
        'clientSecret',
        'The client secret is too long.',
      ],
    ];
    for (const [fields, field, message] of cases) {
      const page = await submitAds(fields);
      expect(page.status, message).toBe(400);
      expect(alertOf(page)).toEqual({ field, message });
      const form = findForm(page.text, page.url, FORM);
      expect(form.fields.clientSecret).toBe('');
      expect(form.fields.clientId).toBe(fields.clientId!.trim());
      expect(page.text).not.toContain(fields.clientSecret!.trim() || 'never-empty');
    }
    expect(await applications()).toEqual(before);
  });

  it('refuses a form without the session’s CSRF token, and one from another site; nothing is stored', async () => {
    const before = await applications();
    const noToken = await submitAds({
      _csrf: null,
      name: 'Sneaky',
      clientId: newClientId(),
      clientSecret: newSecret(),
    });
    expect(noToken.status).toBe(403);
    expect(noToken.text).toContain('Form expired');
    const csrf = findForm((await view()).text, `${svc.url}${PATH}`, FORM).fields._csrf!;
    const crossSite = await operator.post(
      `${svc.url}${PATH}`,
      { _csrf: csrf, name: 'Sneaky', clientId: newClientId(), clientSecret: newSecret() },
      { headers: { origin: 'https://evil.example' }, followRedirects: false },
    );
    expect(crossSite.status).toBe(403);
    expect(await applications()).toEqual(before);
  });

  it('is the plain 404 of an unknown address for owners and members; their posts store nothing', async () => {
    const before = await applications();
    for (const browser of [owner, member]) {
      const page = await view(browser);
      expect(page.status).toBe(404);
      const unknown = await browser.get(`${svc.url}/operator/no-such-page`);
      expect(unknown.status).toBe(404);
      expect(page.text).toBe(unknown.text);
      const connections = await browser.get(`${svc.url}/connections`);
      expect(connections.text).not.toContain(`href="${PATH}"`);
      const csrf = findForm(connections.text, connections.url, { action: '/logout' }).fields._csrf!;
      const posted = await browser.post(
        `${svc.url}${PATH}`,
        { _csrf: csrf, name: 'Not Mine', clientId: newClientId(), clientSecret: newSecret() },
        { headers: { origin: svc.url }, followRedirects: false },
      );
      expect(posted.status).toBe(404);
      expect(posted.text).toBe(unknown.text);
    }
    expect(await applications()).toEqual(before);
    // Signed out: the sign-in page, as for every portal page.
    const anonymous = await inProcessBrowser(svc).get(`${svc.url}${PATH}`, { followRedirects: false });
    expect(anonymous.status).toBe(302);
    expect(anonymous.location).toBe(`/login?next=${encodeURIComponent(PATH)}`);
  });

  it('never showed a submitted secret on any page', () => {
    expect(submitted.length).toBeGreaterThanOrEqual(6);
    expect(seen.length).toBeGreaterThan(10);
    for (const secret of submitted.map((s) => s.trim()).filter((s) => s.length > 10)) {
      for (const text of seen) expect(text).not.toContain(secret);
    }
  });
});
