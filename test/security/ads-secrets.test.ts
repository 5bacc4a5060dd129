import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAccounts } from '../../src/accounts/service.js';
import { cryptoRandom } from '../../src/kernel/random.js';
import { DEMO } from '../../src/simulator/seed.js';
import { callApi, createKeyOnPortal, type ApiAnswer } from '../api/support.js';
import { adsConnectionIdOf, approveAdsOnAmazon, connectAds } from '../support/ads.js';
import { createHttpBrowser, type HttpBrowser } from '../support/http-browser.js';
import { inProcessFetch } from '../support/in-process.js';
import { connectRegion } from '../support/portal.js';
import {
  describeEachSweptDatabase,
  itFindsNoneInTheDatabase,
  leaksIn,
  savedSimulatorState,
  stopAndSweep,
  type Sweep,
} from '../support/secret-sweep.js';
import {
  recordingFetch,
  secretsIn,
  signIn,
  type NamedSecret,
  type RecordedExchange,
} from '../support/security.js';
import { startTestService, type TestService } from '../support/service.js';

/**
 * In the style of secrets.test.ts, for Amazon Ads: after Ads connections exist (connected in two
 * regions, one renewed and its profiles listed again, access tokens handed out and the Ads API
 * called through the proxy) and Amazon Ads security profiles were added on the operator page (one
 * refused, one stored), no Ads refresh token, Ads access token or Ads client secret appears in
 * plaintext (or hex / base64) in the logs, any page or REST API answer, or the database (every file
 * of the PGlite data directory; a data dump of PostgreSQL; every row read through SQL). The one
 * exception is the access-token endpoint, whose purpose is to hand out an access token: it must
 * carry no refresh token or client secret, and it is the control that the search finds access
 * tokens. Each search has a control that it can fail.
 */

const PASSWORD = 'a long operator password';
const US_PROFILE = '3312910465837761';
const CAMPAIGN_TYPE = 'application/vnd.spCampaign.v3+json';

/** What the flows and the sweep collected (the sweep's search results and secrets, see secret-sweep.ts). */
interface Collected extends Sweep {
  exchanges: RecordedExchange[];
  api: { path: string; answer: ApiAnswer }[];
  tokenAnswers: string[];
}

/** Saved simulator state (written when the service stopped): the Ads refresh and access tokens Amazon issued. */
function adsTokens(dataDir: string): NamedSecret[] {
  const state = savedSimulatorState<{
    adsAuthorizations: { $map: [string, { refreshToken: string; region: string }][] };
    adsAccessTokens: { $map: [string, { token: string }][] };
  }>(dataDir);
  return [
    ...state.adsAuthorizations.$map.map(([, a], i) => ({
      name: `Ads refresh token #${i} (${a.region})`,
      value: a.refreshToken,
      fragment: true,
    })),
    ...state.adsAccessTokens.$map.map(([, t], i) => ({
      name: `Ads access token #${i}`,
      value: t.token,
      fragment: true,
    })),
  ];
}

/** The Ads client secrets the simulated Amazon holds. */
async function adsClientSecrets(svc: TestService): Promise<NamedSecret[]> {
  const { clients } = await svc.sim<{ clients: { clientId: string; clientSecrets: { secret: string }[] }[] }>(
    '/_sim/ads/clients?reveal=1',
  );
  const secrets = clients.flatMap((client) =>
    client.clientSecrets.map((s, i) => ({
      name: `client secret #${i} of ${client.clientId}`,
      value: s.secret,
    })),
  );
  secrets.push({ name: 'seeded Ads client secret', value: DEMO.ads.client.clientSecret });
  return secrets;
}

/** Adds Ads security profiles on the operator page: one refused (bad client id), one stored. Returns their secrets. */
async function addOnOperatorPage(svc: TestService, operator: HttpBrowser): Promise<NamedSecret[]> {
  const refusedSecret = `amzn1.oa2-cs.v1.${randomBytes(32).toString('hex')}`;
  const storedSecret = `amzn1.oa2-cs.v1.${randomBytes(32).toString('hex')}`;
  const page = await operator.get(`${svc.url}/operator/applications`);
  expect(page.status).toBe(200);
  const refused = await operator.submit(
    page,
    { name: 'Refused Ads', clientId: 'not-a-client-id', clientSecret: refusedSecret },
    { action: '/operator/applications' },
  );
  expect(refused.status).toBe(400);
  const stored = await operator.submit(
    page,
    {
      name: 'Operator Ads',
      clientId: `amzn1.application-oa2-client.${randomBytes(16).toString('hex')}`,
      clientSecret: storedSecret,
    },
    { action: '/operator/applications' },
  );
  expect(stored.url).toContain('notice=ads-added');
  return [
    { name: 'operator-page client secret (refused)', value: refusedSecret },
    { name: 'operator-page client secret (stored)', value: storedSecret },
  ];
}

/** Connects Ads in NA and EU, renews NA, lists its profiles again; returns the connection ids. */
async function adsFlows(svc: TestService, owner: HttpBrowser): Promise<string[]> {
  await connectRegion(owner, svc, 'NA');
  const na = adsConnectionIdOf((await connectAds(owner, svc, 'NA')).url);
  const eu = adsConnectionIdOf((await connectAds(owner, svc, 'EU', DEMO.sellers[1].email)).url);
  const detail = await owner.get(`${svc.url}/ads-connections/${na}`);
  const amazon = await owner.submit(detail, {}, { action: `/ads-connections/${na}/renew` });
  const renewed = await approveAdsOnAmazon(owner, amazon, DEMO.sellers[0].email);
  expect(renewed.url).toContain(`/ads-connections/${na}`);
  const again = await owner.get(`${svc.url}/ads-connections/${na}`);
  const listed = await owner.submit(again, {}, { action: `/ads-connections/${na}/profiles` });
  expect(listed.status).toBe(200);
  for (const page of ['/connections', `/ads-connections/${na}`, `/ads-connections/${eu}`])
    expect((await owner.get(`${svc.url}${page}`)).status).toBe(200);
  return [na, eu];
}

/** Calls the REST API for the Ads connections: lists, details, access tokens, the proxy. */
async function apiFlows(svc: TestService, key: string, ids: string[], got: Collected): Promise<void> {
  const call = async (apiPath: string, options: Parameters<typeof callApi>[3] = {}) => {
    const answer = await callApi(svc, key, apiPath, options);
    expect(answer.status, `${apiPath}: ${answer.text}`).toBeLessThan(300);
    got.api.push({ path: apiPath, answer });
    return answer;
  };
  await call('/api/v1/connections');
  await call('/api/v1/ads-connections');
  for (const id of ids) {
    await call(`/api/v1/ads-connections/${id}`);
    const token = await callApi(svc, key, `/api/v1/ads-connections/${id}/access-token`, { method: 'POST' });
    expect(token.status).toBe(200);
    got.tokenAnswers.push(token.text);
  }
  await call(`/api/v1/ads-connections/${ids[0]}/ads-api/sp/campaigns/list`, {
    method: 'POST',
    rawBody: JSON.stringify({ maxResults: 10 }),
    headers: {
      'content-type': CAMPAIGN_TYPE,
      accept: CAMPAIGN_TYPE,
      'Amazon-Advertising-API-Scope': US_PROFILE,
    },
  });
}

describeEachSweptDatabase('Amazon Ads secrets never appear in plaintext', (kind) => {
  let svc: TestService;
  const got = { api: [], tokenAnswers: [] } as unknown as Collected;

  beforeAll(async () => {
    svc = await startTestService({ database: kind });
    const recorder = recordingFetch(inProcessFetch(svc));
    got.exchanges = recorder.exchanges;
    const accounts = createAccounts({ db: svc.store.db, clock: svc.service.clock, random: cryptoRandom });
    await accounts.addUser({ accountId: null, username: 'ops', password: PASSWORD, role: 'operator' });
    const owner = createHttpBrowser({ fetch: recorder.fetch });
    const operator = createHttpBrowser({ fetch: recorder.fetch });
    await signIn(owner, svc);
    await signIn(operator, svc, 'ops', PASSWORD);

    const ids = await adsFlows(svc, owner);
    const operatorSecrets = await addOnOperatorPage(svc, operator);
    expect((await operator.get(`${svc.url}/operator/applications`)).text).toContain('Operator Ads');
    const { key } = await createKeyOnPortal(owner, svc, 'Ads secrets test');
    await apiFlows(svc, key, ids, got);

    const secrets = [...(await adsClientSecrets(svc)), ...operatorSecrets];
    // The Ads tokens are known only once the service stopped (from the simulator's saved state).
    Object.assign(got, await stopAndSweep(svc, kind, secrets, adsTokens));
  }, 240_000);
  afterAll(async () => svc?.stop());

  it('collected the Ads secrets the flows used: refresh tokens (3 consents), access tokens, client secrets', () => {
    const count = (prefix: string) => got.secrets.filter((s) => s.name.startsWith(prefix)).length;
    expect(count('Ads refresh token')).toBeGreaterThanOrEqual(3);
    expect(count('Ads access token')).toBeGreaterThanOrEqual(2);
    expect(count('client secret #')).toBeGreaterThanOrEqual(1);
    expect(count('operator-page client secret')).toBe(2);
    for (const s of got.secrets.filter((x) => x.name.startsWith('Ads refresh token')))
      expect(String(s.value)).toMatch(/^Atzr\|/);
    expect(got.exchanges.length).toBeGreaterThan(20);
    expect(got.api.length).toBeGreaterThanOrEqual(5);
  });

  it('no Ads secret appears in the service logs', () => {
    // Control: the search sees the log lines, the operator page's registration among them.
    expect(
      secretsIn(got.logs, [
        { name: 'control', value: 'Amazon Ads security profile registered on the operator page' },
      ]),
    ).toEqual(['control']);
    expect(secretsIn(got.logs, got.secrets)).toEqual([]);
  });

  it('no Ads secret appears in any page or redirect the browsers saw (status, headers or body)', () => {
    expect(leaksIn(got.exchanges, got.secrets)).toEqual([]);
    // Control: the same search finds what the pages do show (an Ads profile id).
    const all = got.exchanges.map((e) => e.body).join('\n');
    expect(secretsIn(all, [{ name: 'profile', value: US_PROFILE }])).toEqual(['profile']);
  });

  it('no Ads secret appears in a REST API answer; the access-token answer carries only its access token', () => {
    const leaks = got.api.flatMap(({ path: apiPath, answer }) =>
      secretsIn(`${[...answer.headers].join('\n')}\n${answer.text}`, got.secrets).map(
        (n) => `${n} in ${apiPath}`,
      ),
    );
    expect(leaks).toEqual([]);
    const notAccess = got.secrets.filter((s) => !s.name.startsWith('Ads access token'));
    expect(got.tokenAnswers).toHaveLength(2);
    for (const text of got.tokenAnswers) {
      expect(secretsIn(text, notAccess)).toEqual([]);
      // Control: the search finds the access token this answer hands out.
      expect(secretsIn(text, got.secrets).filter((n) => n.startsWith('Ads access token'))).toHaveLength(1);
    }
  });

  itFindsNoneInTheDatabase(kind, 'Ads secret', got, 1000);
});
