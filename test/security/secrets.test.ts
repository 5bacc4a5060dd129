import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO } from '../../src/simulator/seed.js';
import {
  createHttpBrowser,
  decodeEntities,
  type BrowserPage,
  type HttpBrowser,
} from '../support/http-browser.js';
import { inProcessFetch } from '../support/in-process.js';
import {
  approveOnAmazon,
  connectionIdOf,
  connectRegion,
  demoSeller,
  pressConnect,
} from '../support/portal.js';
import {
  messageOf,
  recordingFetch,
  secretsIn,
  signIn,
  type NamedSecret,
  type RecordedExchange,
} from '../support/security.js';
import {
  describeEachSweptDatabase,
  itFindsNoneInTheDatabase,
  leaksIn,
  savedSimulatorState,
  stopAndSweep,
  type Sweep,
} from '../support/secret-sweep.js';
import { startTestService, type TestService } from '../support/service.js';

/**
 * After full flows (connect NA and EU, secret rotation, renew, Amazon-initiated
 * re-authorization, self-authorization import, failing exchanges, disconnect), no refresh token,
 * access token, client secret or vault key appears in plaintext (or hex / base64) in the logs, in any
 * HTTP response the browser saw, in any error message shown, or in the database: every file of the
 * PGlite data directory, and a data dump of PostgreSQL. Each search has a control that it can fail.
 */

/** What the flows and the sweep collected (the sweep's search results and secrets, see secret-sweep.ts). */
interface Collected extends Sweep {
  exchanges: RecordedExchange[];
  errorsShown: string[];
  counts: Record<string, number>;
}

/** Every secret the simulated Amazon and the vault hold, read while the service runs. */
async function liveSecrets(svc: TestService): Promise<NamedSecret[]> {
  const secrets: NamedSecret[] = [];
  const { authorizations } = await svc.sim<{
    authorizations: { appId: string; sellingPartnerId: string; kind: string; refreshToken: string }[];
  }>('/_sim/authorizations?reveal=1');
  authorizations.forEach((a, i) =>
    secrets.push({
      name: `refresh token #${i} (${a.kind} ${a.sellingPartnerId})`,
      value: a.refreshToken,
      fragment: true,
    }),
  );
  const { apps } = await svc.sim<{ apps: { appId: string; clientSecrets: { secret: string }[] }[] }>(
    '/_sim/apps?reveal=1',
  );
  for (const app of apps) {
    app.clientSecrets.forEach((s, i) =>
      secrets.push({ name: `client secret #${i} of ${app.appId}`, value: s.secret }),
    );
  }
  for (const app of [DEMO.publishedApp, DEMO.draftApp]) {
    secrets.push({ name: `seeded client secret of ${app.appId}`, value: app.clientSecret });
  }
  const keyLine = readFileSync(path.join(svc.dataDir, 'vault-keys'), 'utf8').trim().split('\n')[0]!;
  secrets.push({ name: 'vault key', value: Buffer.from(keyLine.split(':')[1]!, 'base64') });
  return secrets;
}

/** Access tokens Amazon issued, from the simulator state saved when the service stopped. */
function accessTokens(dataDir: string): NamedSecret[] {
  const state = savedSimulatorState<{ accessTokens: { $map: [string, { token: string; kind: string }][] } }>(
    dataDir,
  );
  return state.accessTokens.$map.map(([, t], i) => ({
    name: `access token #${i} (${t.kind})`,
    value: t.token,
    fragment: true,
  }));
}

/** Runs every flow that handles a secret, recording what the browser saw and the errors shown. */
async function runFlows(svc: TestService, browser: HttpBrowser, errorsShown: string[]): Promise<void> {
  const db = svc.store.db;
  const shown = (page: BrowserPage) => {
    const { message } = messageOf(page);
    const alert = /<p class="banner bad" role="alert">([\s\S]*?)<\/p>/.exec(page.text)?.[1];
    if (message) errorsShown.push(message);
    if (alert) errorsShown.push(decodeEntities(alert.trim()));
  };
  await signIn(browser, svc);

  // Connect North America and Europe.
  const na = connectionIdOf((await connectRegion(browser, svc, 'NA')).url);
  const eu = connectionIdOf((await connectRegion(browser, svc, 'EU')).url);

  // The operator rotates both client secrets; the next exchanges use the new ones.
  await svc.rotateSecret(DEMO.publishedApp.appId);
  await svc.rotateSecret(DEMO.draftApp.appId);

  // Renew North America from the portal.
  const detail = await browser.get(`${svc.url}/connections/${na}`);
  const amazon = await browser.submit(detail, {}, { action: `/connections/${na}/renew` });
  const renewed = await approveOnAmazon(browser, amazon, demoSeller('NA').email);
  expect(renewed.url).toContain('notice=renewed');

  // Re-authorize Europe from Amazon's side (Login URI flow).
  const start = await browser.get(`${svc.simUrl}/eu/apps/authorize/start/${DEMO.publishedApp.appId}`);
  const reauthorized = await approveOnAmazon(browser, start, demoSeller('EU').email);
  expect(reauthorized.url).toContain(`/connections/${eu}?notice=renewed`);

  // Self-authorization: a real token offered for the wrong app is refused, then imported correctly.
  const { refreshToken } = await svc.sim<{ refreshToken: string }>(
    `/_sim/apps/${DEMO.draftApp.appId}/self-authorize`,
    {},
  );
  const apps = await db.selectFrom('applications').select(['id', 'app_id']).execute();
  const idOf = (appId: string) => apps.find((a) => a.app_id === appId)!.id;
  const form = await browser.get(`${svc.url}/connections/import`);
  const fields = { region: 'NA', sellingPartnerId: DEMO.selfAuthSellingPartnerId, refreshToken };
  const wrong = await browser.submit(
    form,
    { ...fields, applicationId: idOf(DEMO.publishedApp.appId) },
    { action: '/connections/import' },
  );
  expect(wrong.status).toBe(400);
  shown(wrong);
  const imported = await browser.submit(
    form,
    { ...fields, applicationId: idOf(DEMO.draftApp.appId) },
    { action: '/connections/import' },
  );
  expect(imported.url).toContain('notice=imported');

  // Failing exchanges: Amazon's token endpoint answers 500, then drops the connection.
  for (const kind of ['500', 'drop']) {
    await svc.sim('/_sim/faults', { operation: 'lwa', kind, share: 1 });
    const page = await approveOnAmazon(
      browser,
      await pressConnect(browser, svc, 'FE'),
      demoSeller('FE').email,
    );
    expect(page.status).toBe(502);
    shown(page);
    await svc.sim('/_sim/faults', undefined, 'DELETE');
  }
  // A replayed callback, for one more error page.
  const redirect = await approveOnAmazon(
    browser,
    await pressConnect(browser, svc, 'FE'),
    demoSeller('FE').email,
    false,
  );
  expect(connectionIdOf((await browser.get(redirect.location!)).url)).toBeTruthy();
  const replay = await browser.get(redirect.location!);
  expect(replay.status).toBe(400);
  shown(replay);

  // Disconnect Europe.
  const euPage = await browser.get(`${svc.url}/connections/${eu}`);
  const confirm = await browser.submit(euPage, {}, { action: `/connections/${eu}/disconnect` });
  const gone = await browser.submit(confirm, {}, { action: `/connections/${eu}/disconnect` });
  expect(gone.url).toContain('notice=disconnected');

  // Every page that shows connections and their history.
  const list = await browser.get(`${svc.url}/connections`);
  for (const match of list.text.matchAll(/data-connection="([0-9a-f-]{36})"/g)) {
    await browser.get(`${svc.url}/connections/${match[1]}`);
  }
  expect(errorsShown.length).toBeGreaterThanOrEqual(4);
}

describeEachSweptDatabase('secrets never appear in plaintext after full flows', (kind) => {
  let svc: TestService;
  const got = {} as Collected;

  beforeAll(async () => {
    svc = await startTestService({ database: kind });
    // The portal in process, the simulator over HTTP; every answer the browser got is recorded.
    const recorder = recordingFetch(inProcessFetch(svc));
    const browser = createHttpBrowser({ fetch: recorder.fetch });
    got.exchanges = recorder.exchanges;
    got.errorsShown = [];
    await runFlows(svc, browser, got.errorsShown);

    // Access tokens are known only once the service stopped (from the simulator's saved state).
    Object.assign(got, await stopAndSweep(svc, kind, await liveSecrets(svc), accessTokens));
    const count = (prefix: string) => got.secrets.filter((s) => s.name.startsWith(prefix)).length;
    got.counts = {
      refresh: count('refresh token'),
      client: count('client secret'),
      access: count('access token'),
      exchanges: got.exchanges.length,
    };
  }, 240_000);
  afterAll(async () => svc?.stop());

  it('collected the secrets the flows used: refresh tokens, client secrets (seeded and rotated), access tokens', () => {
    // NA, EU (re-authorized), FE, and the self-authorization.
    expect(got.counts.refresh).toBeGreaterThanOrEqual(4);
    expect(got.counts.client).toBeGreaterThanOrEqual(4);
    expect(got.counts.access).toBeGreaterThanOrEqual(4);
    for (const s of got.secrets.filter((x) => x.name.startsWith('refresh token')))
      expect(String(s.value)).toMatch(/^Atzr\|/);
    expect(got.counts.exchanges).toBeGreaterThan(40);
  });

  it('no secret appears in the service logs', () => {
    // Control: the search sees the log lines (the service logs sign-ins and its start).
    expect(secretsIn(got.logs, [{ name: 'control', value: '"msg":"signed in"' }])).toEqual(['control']);
    expect(secretsIn(got.logs, got.secrets)).toEqual([]);
  });

  it('no secret appears in any HTTP response the browser saw (status, headers or body)', () => {
    expect(leaksIn(got.exchanges, got.secrets)).toEqual([]);
    // Control: the same search finds what the pages do show.
    const all = got.exchanges.map((e) => e.body).join('\n');
    expect(secretsIn(all, [{ name: 'seller', value: 'A1DEMOSELLERFE' }])).toEqual(['seller']);
  });

  it('no secret appears in any error message shown', () => {
    expect(got.errorsShown.join('\n')).toMatch(/Nothing was (connected|stored)/);
    expect(secretsIn(got.errorsShown.join('\n'), got.secrets)).toEqual([]);
  });

  itFindsNoneInTheDatabase(kind, 'secret', got, 5000);
});
