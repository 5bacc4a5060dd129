import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createOffsetClock, systemClock } from '../../kernel/clock.js';
import { cryptoRandom } from '../../kernel/random.js';
import { ADS_CALLBACK_PATH } from '../../lifecycle/configured-application.js';
import { createSimulator, type Simulator } from '../../simulator/app.js';
import type { SimContext } from '../../simulator/context.js';
import type { SimulatorConfig } from '../../simulator/config.js';
import { newControlToken } from '../../simulator/control-auth.js';
import { controlFilePath, removeControlFile, writeControlFile } from '../../simulator/control-file.js';
import { loadState, saveState } from '../../simulator/persistence.js';
import { DEMO, seedDemo, seedDemoAds } from '../../simulator/seed.js';
import { listenSimulator } from '../../simulator/server.js';
import type { SimState } from '../../simulator/state.js';
import { waitForShutdown } from '../shutdown.js';
import { counted } from '../../kernel/plural.js';

/** What runs for `simulator` (registered in simulator.ts). */

export interface SimulatorOptions {
  port: string;
  host: string;
  seed?: string;
  speed: string;
  tokenClock: string;
  codeRedirectUri: string;
  redirectUri: string[];
  loginUri: string;
  stateFile?: string;
  dataDir?: string;
}

/** How often a `--state-file` is written while the simulator runs. */
const AUTOSAVE_MS = 60_000;

const REGION_PREFIX: Record<string, string> = { NA: '/na', EU: '/eu', FE: '/fe' };

/** The `--state-file` side of a run: the file, its clock file, what was loaded and the clock offset. */
interface Persisted {
  stateFile: string | undefined;
  clockFile: string | undefined;
  loaded: SimState | undefined;
  offsetMs: number;
}

/** `simulator`: runs until SIGINT/SIGTERM, saving the state file (if any) on the way out. */
export async function runSimulator(options: SimulatorOptions): Promise<void> {
  const { port, config } = checkOptions(options);
  const persisted = readPersisted(options.stateFile);
  const clock = createOffsetClock(systemClock, persisted.offsetMs);
  const dataDir = resolve(options.dataDir ?? process.env.SELLERLINK_DATA_DIR ?? '.sellerlink');
  // The controls' token: SIMULATOR_TOKEN (an environment variable, never an argument that `ps`
  // would show), else a fresh 256-bit one for this run.
  const controlToken = process.env.SIMULATOR_TOKEN || newControlToken(cryptoRandom);
  const simulator = createSimulator({
    clock,
    config,
    controlToken,
    stateDir: join(dataDir, 'simulator-states'),
    ...(persisted.loaded ? { state: persisted.loaded } : {}),
  });
  const server = await listenSimulator(simulator, { port, host: options.host });
  writeControlFile(dataDir, { url: server.url, token: controlToken });
  const save = (): boolean => {
    const { stateFile } = persisted;
    if (stateFile === undefined) return false;
    try {
      saveState(simulator.ctx.state, stateFile);
      writeFileSync(clockFileOf(stateFile), JSON.stringify({ offsetMs: clock.offset() }));
      return true;
    } catch (err) {
      console.error(`simulator: could not save the state to ${stateFile}: ${(err as Error).message}`);
      return false;
    }
  };
  const timer = persisted.stateFile === undefined ? undefined : setInterval(() => void save(), AUTOSAVE_MS);
  timer?.unref();
  // The signal handlers go in before the banner: a caller that stops us as soon as it reads
  // "Stop with Ctrl+C." must meet them, not the default action (killed by SIGTERM, no exit code).
  const stopped = waitForShutdown(async () => {
    if (timer) clearInterval(timer);
    removeControlFile(dataDir, controlToken);
    await server.close();
    if (save()) console.log(`State saved to ${persisted.stateFile}`);
  });
  const notes = options.seed === 'demo' ? applyDemoSeed(simulator, server.url, options) : [];
  console.log(
    startupText(server.url, options.seed === 'demo' ? simulator.ctx : null, {
      controlToken,
      dataDir,
      persisted,
      notes,
    }),
  );

  const code = await stopped;
  // As `start` does: timers the simulated world left (a notification retry, a report in
  // processing) must not keep the process alive after a clean stop.
  process.exit(code);
}

const TOKEN_CLOCKS = ['simulated', 'real'] as const;
const CODE_REDIRECT_RULES = ['required', 'rfc6749'] as const;

/** `value` if it is one of `allowed`, else an error naming the option and what it takes. */
function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new Error(`${option} must be one of ${allowed.join(', ')} (got ${value})`);
}

/** The port and the simulator's options, or an error naming the option that is wrong. */
export function checkOptions(options: SimulatorOptions): {
  port: number;
  config: Pick<SimulatorConfig, 'speed' | 'accessTokenClock' | 'lwaCodeRedirectUri'>;
} {
  const port = Number(options.port);
  const speed = Number(options.speed);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0-65535 (got ${options.port})`);
  if (!(speed > 0)) throw new Error(`--speed must be a positive number (got ${options.speed})`);
  if (options.seed !== undefined && options.seed !== 'demo')
    throw new Error(`unknown seed '${options.seed}' (known: demo)`);
  const accessTokenClock = oneOf('--token-clock', options.tokenClock, TOKEN_CLOCKS);
  const lwaCodeRedirectUri = oneOf('--code-redirect-uri', options.codeRedirectUri, CODE_REDIRECT_RULES);
  return { port, config: { speed, accessTokenClock, lwaCodeRedirectUri } };
}

/** Reads `--state-file` (when given and present) and the clock offset saved beside it. */
function readPersisted(stateFileOption: string | undefined): Persisted {
  const stateFile = stateFileOption === undefined ? undefined : resolve(stateFileOption);
  const clockFile = stateFile === undefined ? undefined : clockFileOf(stateFile);
  const loaded = stateFile !== undefined && existsSync(stateFile) ? readStateFile(stateFile) : undefined;
  // Simulated time only moves forward, also across restarts: the offset is kept beside the state.
  const offsetMs = clockFile !== undefined && loaded ? readOffset(clockFile) : 0;
  return { stateFile, clockFile, loaded, offsetMs };
}

/** Sellerlink's Amazon Ads callback beside an SP-API redirect URI that ends in `/oauth/callback`. */
function adsCallbackOf(redirectUri: string): string | null {
  return /\/oauth\/callback$/.test(redirectUri)
    ? redirectUri.replace(/\/oauth\/callback$/, ADS_CALLBACK_PATH)
    : null;
}

/**
 * The Allowed Return URLs of the demo Ads clients, mirroring the demo apps' redirect URIs: the
 * landing page, every given redirect URI, and for each Sellerlink callback (`…/oauth/callback`) its
 * Ads counterpart (`…/oauth/ads/callback`), so a Sellerlink pointed at this simulator connects Ads.
 */
export function adsReturnUrlsFor(landing: string, redirectUris: readonly string[]): string[] {
  const urls = [landing, ...redirectUris];
  for (const uri of redirectUris) {
    const ads = adsCallbackOf(uri);
    if (ads) urls.push(ads);
  }
  return [...new Set(urls)];
}

/** Seeds the demo world, or adapts a saved one to this run; returns notes for the banner. */
export function applyDemoSeed(
  simulator: Simulator,
  url: string,
  options: Pick<SimulatorOptions, 'redirectUri' | 'loginUri'>,
): string[] {
  const landing = `${url}/_sim/landing`;
  const adsReturnUrls = adsReturnUrlsFor(landing, options.redirectUri);
  const notes: string[] = [];
  if (demoPresent(simulator.ctx)) {
    notes.push(`The state file already holds the demo seed; it was not added again.`);
    if (adoptLanding(simulator.ctx, landing)) notes.push(`Demo apps now redirect to ${landing}.`);
    if (adoptAdsReturnUrls(simulator.ctx, adsReturnUrls))
      notes.push(`Demo Ads clients now return to ${landing} too.`);
  } else {
    seedDemo(simulator.ctx, {
      redirectUris: [landing, ...options.redirectUri],
      loginUri: options.loginUri,
      adsReturnUrls,
    });
  }
  return notes;
}

/**
 * A saved state: the Ads demo is added when the state predates it, and every demo Ads client gets
 * this run's return URLs (a saved landing page of another port is replaced in its place). Returns
 * true when something changed.
 */
function adoptAdsReturnUrls(ctx: SimContext, adsReturnUrls: readonly string[]): boolean {
  if (!ctx.state.adsClients.has(DEMO.ads.client.clientId)) {
    seedDemoAds(ctx, [...adsReturnUrls]);
    return true;
  }
  let changed = false;
  for (const clientId of [DEMO.ads.client.clientId, DEMO.ads.unapprovedClient.clientId]) {
    const client = ctx.state.adsClients.get(clientId);
    if (!client) continue;
    for (const url of adsReturnUrls) {
      if (client.returnUrls.includes(url)) continue;
      const stale = /^https?:\/\/[^/]+\/_sim\/landing$/.test(url)
        ? client.returnUrls.findIndex((u) => /^https?:\/\/[^/]+\/_sim\/landing$/.test(u))
        : -1;
      if (stale >= 0) client.returnUrls[stale] = url;
      else client.returnUrls.push(url);
      changed = true;
    }
  }
  return changed;
}

/** What the simulator prints once it listens. */
function startupText(
  url: string,
  demo: SimContext | null,
  run: { controlToken: string; dataDir: string; persisted: Persisted; notes: string[] },
): string {
  const { controlToken, dataDir, persisted, notes } = run;
  const lines = [
    describe(url, demo),
    '',
    `Control token: ${controlToken}`,
    `  the /_sim/ controls need it (Authorization: Bearer <token>); 'sellerlink sim' reads it from`,
    `  ${controlFilePath(dataDir)} (mode 0600, removed on exit)`,
    `  browse the controls: ${url}/_sim/?token=${controlToken}`,
    `  state files saved through the controls go to ${join(dataDir, 'simulator-states')}`,
  ];
  if (persisted.stateFile !== undefined) {
    lines.push(
      '',
      `State file: ${persisted.stateFile}`,
      persisted.loaded
        ? `  loaded (${summary(persisted.loaded)})`
        : '  not found: starting empty; it is created on the first save',
      ...(persisted.offsetMs > 0
        ? [`  simulated clock restored: real time + ${Math.round(persisted.offsetMs / 1000)} s`]
        : []),
      `  saved every ${AUTOSAVE_MS / 1000} s and on exit (Ctrl+C); the clock offset goes to ${persisted.clockFile}`,
    );
  }
  if (notes.length > 0) lines.push('', ...notes);
  lines.push('', 'Stop with Ctrl+C.');
  return lines.join('\n');
}

/** Loads a state file, naming the file in the error (a broken file is never overwritten). */
function readStateFile(path: string): SimState {
  try {
    return loadState(path);
  } catch (err) {
    throw new Error(
      `cannot load the simulator state from ${path}: ${(err as Error).message}. ` +
        'Fix or move the file, or pass another --state-file.',
      { cause: err },
    );
  }
}

/** Where the clock offset of a state file is kept: `world.json` → `world.clock.json`. */
function clockFileOf(stateFile: string): string {
  return `${stateFile.replace(/\.json$/i, '')}.clock.json`;
}

/** The saved clock offset, or 0 when there is none or it is unreadable (time then restarts at real time). */
function readOffset(clockFile: string): number {
  if (!existsSync(clockFile)) return 0;
  try {
    const offset = Number((JSON.parse(readFileSync(clockFile, 'utf8')) as { offsetMs?: unknown }).offsetMs);
    return Number.isFinite(offset) && offset > 0 ? offset : 0;
  } catch {
    console.error(`simulator: ignoring unreadable clock file ${clockFile}`);
    return 0;
  }
}

function demoPresent(ctx: SimContext): boolean {
  return (
    ctx.state.apps.has(DEMO.draftApp.appId) ||
    ctx.state.apps.has(DEMO.publishedApp.appId) ||
    DEMO.sellers.some((s) => ctx.state.sellers.has(s.sellingPartnerId))
  );
}

/**
 * A saved demo seed names the landing page of the run that created it, maybe on another port.
 * Points the demo apps' landing redirect URI at this run's, keeping its place in the list (the first
 * is the default redirect, https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow). Returns true when something changed.
 */
function adoptLanding(ctx: SimContext, landing: string): boolean {
  let changed = false;
  for (const appId of [DEMO.draftApp.appId, DEMO.publishedApp.appId]) {
    const app = ctx.state.apps.get(appId);
    if (!app || app.redirectUris.includes(landing)) continue;
    const index = app.redirectUris.findIndex((u) => /^https?:\/\/[^/]+\/_sim\/landing$/.test(u));
    if (index >= 0) app.redirectUris[index] = landing;
    else app.redirectUris.unshift(landing);
    changed = true;
  }
  return changed;
}

function summary(state: SimState): string {
  return [
    `${state.apps.size} apps`,
    counted(state.sellers.size, 'seller'),
    counted(state.authorizations.size, 'authorization'),
    counted(state.orders.size, 'order'),
  ].join(', ');
}

function describe(url: string, demo: SimContext | null): string {
  const lines = [
    ``,
    `Amazon simulator listening on ${url}`,
    `  LWA token endpoint: ${url}/auth/o2/token`,
    `  SP-API endpoints:   ${url}/na  ${url}/eu  ${url}/fe`,
    `  Seller Central:     ${url}/na/apps/manage  (and /eu, /fe)`,
    `  Controls:           ${url}/_sim/...  (sellerlink sim --help; they need the control token below)`,
  ];
  if (demo) {
    lines.push('', 'Demo seed (docs/simulator.md):');
    for (const spec of [DEMO.draftApp, DEMO.publishedApp]) {
      const app = demo.state.apps.get(spec.appId);
      if (!app) continue;
      const secret = app.clientSecrets.at(-1)?.secret ?? spec.clientSecret;
      lines.push(
        `  ${app.status === 'draft' ? 'Draft' : 'Published'} app "${app.name}"`,
        `    app id ${app.appId}`,
        `    client id ${app.clientId}`,
        `    client secret ${secret}`,
      );
    }
    for (const s of DEMO.sellers) {
      lines.push(
        `  ${s.region} seller ${s.sellingPartnerId}: sign in as ${s.email} / ${DEMO.sellerPassword}`,
      );
    }
    lines.push('', 'Consent URLs (open in a browser; you land on the redirect URI with a code):');
    for (const s of DEMO.sellers) {
      const base = `${url}${REGION_PREFIX[s.region]}/apps/authorize/consent`;
      const state = `demo-${s.region.toLowerCase()}`;
      lines.push(
        `  ${s.region} draft app:     ${base}?application_id=${DEMO.draftApp.appId}&state=${state}&version=beta`,
        `  ${s.region} published app: ${base}?application_id=${DEMO.publishedApp.appId}&state=${state}`,
      );
    }
    lines.push(...describeAds(url, demo));
  }
  return lines.join('\n');
}

/**
 * The demo Amazon Ads client and a consent URL per region (Login with Amazon's `/ap/oa`, returning
 * to the landing page), for the banner.
 * @see https://advertising.amazon.com/API/docs/en-us/guides/get-started/create-authorization-grant
 */
export function describeAds(url: string, demo: SimContext): string[] {
  const client = demo.state.adsClients.get(DEMO.ads.client.clientId);
  if (!client) return [];
  const secret = client.clientSecrets.at(-1)?.secret ?? DEMO.ads.client.clientSecret;
  const lines = [
    '',
    `Amazon Ads demo client "${client.name}" (approved; sign in as any demo seller above)`,
    `  client id ${client.clientId}`,
    `  client secret ${secret}`,
    `  Allowed Return URLs: ${client.returnUrls.join('  ')}`,
    'Ads consent URLs (you land on the first return URL with a code):',
  ];
  for (const region of ['NA', 'EU', 'FE'] as const) {
    const query = new URLSearchParams({
      client_id: client.clientId,
      scope: 'advertising::campaign_management',
      response_type: 'code',
      redirect_uri: client.returnUrls[0] ?? `${url}/_sim/landing`,
      state: `demo-ads-${region.toLowerCase()}`,
    });
    lines.push(`  ${region}: ${url}${REGION_PREFIX[region]}/ap/oa?${query.toString()}`);
  }
  return lines;
}
