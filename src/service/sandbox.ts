import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Accounts } from '../accounts/service.js';
import type { AmazonEndpoints, Config } from '../config/config.js';
import type { Applications } from '../lifecycle/applications.js';
import { AppError } from '../kernel/errors.js';
import { cryptoRandom, randomString, type Random } from '../kernel/random.js';
import { Secret } from '../kernel/secret.js';
import type { Logger } from '../kernel/log.js';
import { createOffsetClock, systemClock, type OffsetClock } from '../kernel/clock.js';
import { createSimulator } from '../simulator/app.js';
import { newControlToken } from '../simulator/control-auth.js';
import {
  controlFilePath,
  readControlFile,
  removeControlFile,
  writeControlFile,
  type ControlFile,
} from '../simulator/control-file.js';
import { loadState, replaceState, saveState } from '../simulator/persistence.js';
import { ADS_CALLBACK_PATH } from '../lifecycle/configured-application.js';
import { DEMO, seedDemo, seedDemoAds } from '../simulator/seed.js';
import { listenSimulator, type SimulatorServer } from '../simulator/server.js';

/**
 * Sandbox mode: the built-in simulator on its own port in the web process (state kept in the data
 * directory across restarts), the simulator's demo apps registered as our applications, and a demo
 * account with a login printed on start. The web process writes the simulator's URL and control
 * token (and its mail catcher's address) to the control file in the data directory; a `worker`
 * started on its own joins that simulator through the file, so every process of one sandbox talks to
 * the same fake Amazon and none ever calls the real one (`assertSandboxEndpoints`).
 */

export interface Sandbox {
  /** Where the simulator listens (in this process, or in the web process a worker joined). */
  server: Pick<SimulatorServer, 'url'>;
  /** The simulated clock: in sandbox mode the whole service runs on it. */
  clock: OffsetClock;
  /** The token of the simulator's `/_sim/` controls (the sandbox toolbar sends it). */
  controlToken: Secret;
  /** A joined simulator: the web process's mail catcher (`smtp://host:port`), if it runs one. */
  mailCatcherUrl: string | null;
  /** Where the simulated Amazon sends the demo apps' notifications (e.g. a new client secret). */
  setNotificationDestination(url: string): void;
  /** Adds the mail catcher's address to the control file, for workers started later. */
  share(extra: { mailCatcherUrl: string }): void;
  stop(): Promise<void>;
}

/** How often a joined worker reads the simulated clock (the toolbar moves it in the web process). */
const CLOCK_SYNC_MS = 2_000;

/** Real Amazon hosts (LWA, SP-API, Seller Central): `amazon.com`, `amazon.co.uk`, `amazon.com.au`, …. */
const AMAZON_HOST = /(^|\.)amazon\.(com|[a-z]{2}|co\.[a-z]{2}|com\.[a-z]{2})$/i;

/**
 * Sandbox mode never calls real Amazon: refuses to go on when an endpoint is an Amazon host (a worker
 * that found no simulator, an endpoint variable pointing at Amazon).
 */
export function assertSandboxEndpoints(endpoints: AmazonEndpoints): void {
  const urls = [
    endpoints.lwaTokenUrl,
    ...Object.values(endpoints.spApi),
    ...Object.values(endpoints.sellerCentral),
  ];
  for (const url of urls) {
    if (AMAZON_HOST.test(new URL(url).hostname)) {
      throw new AppError(
        'CONFIG_INVALID',
        `sandbox mode never calls real Amazon, but ${url} is Amazon's; set SELLERLINK_MODE=production (with AMAZON_CLIENT_ID and the vault keys) to use Amazon`,
        { details: { problems: [`sandbox endpoint ${url} is real Amazon`] } },
      );
    }
  }
}

/** Where the sandbox keeps the simulated clock's offset across restarts. */
function clockFilePath(dataDir: string): string {
  return path.join(dataDir, 'simulator-clock.json');
}

/**
 * The simulated clock as the sandbox last saved it in `<dataDir>/simulator-clock.json` (real time
 * when there is none, or it cannot be read): where the simulator resumes, and what the CLI runs on
 * so that days left match the portal.
 */
export function savedSandboxClock(dataDir: string): OffsetClock {
  const file = clockFilePath(dataDir);
  let offset = 0;
  try {
    if (existsSync(file))
      offset = Number((JSON.parse(readFileSync(file, 'utf8')) as { offsetMs?: unknown }).offsetMs);
  } catch {
    offset = 0;
  }
  return createOffsetClock(systemClock, Number.isFinite(offset) && offset > 0 ? offset : 0);
}

/**
 * The sandbox simulator for a service role in sandbox mode: `all` and `web` start it in this process,
 * a `worker` joins the web process's. None for operator commands and for callers that bring their
 * own Amazon endpoints (`external`), nor in production mode.
 */
export async function openSandbox(
  config: Readonly<Config>,
  role: 'all' | 'web' | 'worker' | 'cli' | 'use-cases',
  logger: Logger,
  fetchFn: typeof fetch,
  external: boolean,
): Promise<Sandbox | null> {
  if (config.mode !== 'sandbox' || external || role === 'cli' || role === 'use-cases') return null;
  const sandbox =
    role === 'worker'
      ? await joinSandboxSimulator(config, logger, fetchFn)
      : await startSandboxSimulator(config, logger);
  logger.info({ url: sandbox.server.url }, 'Amazon simulator listening (sandbox mode)');
  return sandbox;
}

/**
 * The simulated Developer Console's "rotate secret" for an app: the simulator rotates it and
 * delivers APPLICATION_OAUTH_CLIENT_NEW_SECRET to our notifications endpoint.
 */
export async function rotateSimulatorSecret(
  sandbox: Sandbox,
  fetchFn: typeof fetch,
  appId: string,
): Promise<void> {
  const res = await fetchFn(`${sandbox.server.url}/_sim/apps/${encodeURIComponent(appId)}/rotate-secret`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${sandbox.controlToken.reveal()}`,
    },
    body: '{}',
  });
  if (!res.ok) throw new Error(`the simulator answered ${res.status}`);
}

/** Starts the in-process simulator, restoring its state from the data directory. */
export async function startSandboxSimulator(config: Readonly<Config>, logger: Logger): Promise<Sandbox> {
  const stateFile = path.join(config.dataDir, 'simulator-state.json');
  const clockFile = clockFilePath(config.dataDir);
  // Simulated time only moves forward, also across restarts.
  const clock = savedSandboxClock(config.dataDir);
  // The toolbar's clock jumps stand for days passing, so Amazon's buckets refill as they would have.
  const controlToken = config.simulator.token?.reveal() ?? newControlToken(cryptoRandom);
  const simulator = createSimulator({
    clock,
    config: {
      speed: config.simulator.speed,
      bucketsRefillOnClockJump: true,
      // A demo should not wait Amazon's minutes for a report (SIMULATOR_REPORT_SECONDS).
      reportQueueSeconds: Math.min(5, config.simulator.reportSeconds),
      reportProcessingSeconds: config.simulator.reportSeconds,
    },
    controlToken,
    // State files saved through the controls stay in a folder of their own in the data directory.
    stateDir: path.join(config.dataDir, 'simulator-states'),
  });
  const server = await listenSimulator(simulator, { port: config.simulator.port, host: config.host });
  const advertised: ControlFile = { url: server.url, token: controlToken };
  writeControlFile(config.dataDir, advertised);
  const callback = `${config.publicUrl}/oauth/callback`;
  const adsReturnUrls = [`${config.publicUrl}/oauth/ads/callback`, `${server.url}/_sim/landing`];
  if (existsSync(stateFile)) {
    replaceState(simulator.ctx.state, loadState(stateFile));
    for (const app of simulator.ctx.state.apps.values()) {
      if (!app.redirectUris.includes(callback)) app.redirectUris.unshift(callback);
      app.loginUri = `${config.publicUrl}/oauth/login`;
    }
    // A state saved before the simulator knew Amazon Ads gets the Ads demo; every Ads client the Ads callback.
    if (!simulator.ctx.state.adsClients.has(DEMO.ads.client.clientId))
      seedDemoAds(simulator.ctx, adsReturnUrls);
    for (const client of simulator.ctx.state.adsClients.values()) {
      if (!client.returnUrls.includes(adsReturnUrls[0]!)) client.returnUrls.unshift(adsReturnUrls[0]!);
    }
    logger.info({ stateFile }, 'simulator state restored');
  } else {
    seedDemo(simulator.ctx, {
      redirectUris: [callback, `${server.url}/_sim/landing`],
      loginUri: `${config.publicUrl}/oauth/login`,
      adsReturnUrls,
    });
  }
  const save = (): void => {
    try {
      saveState(simulator.ctx.state, stateFile);
      writeFileSync(clockFile, JSON.stringify({ offsetMs: clock.offset() }));
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'could not save simulator state');
    }
  };
  const timer = setInterval(save, 60_000);
  timer.unref();
  return {
    server,
    clock,
    controlToken: new Secret(controlToken),
    mailCatcherUrl: null,
    setNotificationDestination(url: string) {
      for (const app of simulator.ctx.state.apps.values()) app.notificationDestinationUrl = url;
    },
    share(extra) {
      Object.assign(advertised, extra);
      writeControlFile(config.dataDir, advertised);
    },
    async stop() {
      clearInterval(timer);
      save();
      removeControlFile(config.dataDir, controlToken);
      await server.close();
    },
  };
}

/**
 * A sandbox `worker` started on its own: joins the simulator of the web process through the control
 * file (URL, control token, mail catcher), and follows its simulated clock. Refuses to start, saying
 * what to do, when there is no such simulator: it must never fall back to real Amazon.
 */
export async function joinSandboxSimulator(
  config: Readonly<Config>,
  logger: Logger,
  fetchFn: typeof fetch,
): Promise<Sandbox> {
  const file = controlFilePath(config.dataDir);
  const howTo =
    'start `sellerlink web` (or `sellerlink start`) first with the same SELLERLINK_DATA_DIR and DATABASE_URL; a sandbox worker uses its Amazon simulator';
  let joined: ControlFile | null;
  try {
    joined = readControlFile(config.dataDir);
  } catch (err) {
    throw new AppError('CONFIG_INVALID', `sandbox mode: ${(err as Error).message}; ${howTo}`, { cause: err });
  }
  if (!joined) {
    throw new AppError(
      'CONFIG_INVALID',
      `sandbox mode: no running simulator is described in ${file}; ${howTo}`,
      {
        details: { problems: [`${file}: missing`] },
      },
    );
  }
  const target = joined;
  const readOffset = async (): Promise<number> => {
    const res = await fetchFn(`${target.url}/_sim/clock`, {
      headers: { authorization: `Bearer ${target.token}` },
      signal: AbortSignal.timeout(5_000),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const offset = Number(((await res.json()) as { offsetMs?: unknown }).offsetMs);
    if (!Number.isFinite(offset) || offset < 0) throw new Error('no clock offset in the answer');
    return offset;
  };
  let offset: number;
  try {
    offset = await readOffset();
  } catch (err) {
    throw new AppError(
      'CONFIG_INVALID',
      `sandbox mode: the simulator at ${target.url} (from ${file}) does not answer (${(err as Error).message}); ${howTo}`,
      { cause: err },
    );
  }
  const clock = createOffsetClock(systemClock, offset);
  let warned = false;
  const sync = async (): Promise<void> => {
    try {
      // The web process may have restarted with a new token: the file has the current one.
      const latest = readControlFile(config.dataDir);
      if (latest && latest.url === target.url) target.token = latest.token;
      const now = await readOffset();
      if (now > clock.offset()) clock.advance(now - clock.offset());
      warned = false;
    } catch (err) {
      if (!warned) logger.warn({ err: (err as Error).message }, 'cannot read the sandbox simulator clock');
      warned = true;
    }
  };
  const timer = setInterval(() => void sync(), CLOCK_SYNC_MS);
  timer.unref();
  logger.info({ url: target.url, file }, 'joined the sandbox simulator of the web process');
  return {
    server: { url: target.url },
    clock,
    controlToken: new Secret(target.token),
    mailCatcherUrl: target.mailCatcherUrl ?? null,
    // The web process owns the simulator's world: it sets the destination and advertises the catcher.
    setNotificationDestination: () => {},
    share: () => {},
    stop: () => {
      clearInterval(timer);
      return Promise.resolve();
    },
  };
}

/** Registers the simulator's demo apps as this service's applications (idempotent). */
export async function registerSandboxApplications(
  applications: Applications,
  config: Readonly<Config>,
): Promise<void> {
  // The draft app stands for a private, self-authorized app (https://developer-docs.amazon.com/sp-api/docs/renew-authorizations).
  const registered = new Map((await applications.list()).map((a) => [a.appId, a.id]));
  for (const [spec, status, kind] of [
    [DEMO.publishedApp, 'published', 'public'],
    [DEMO.draftApp, 'draft', 'private'],
  ] as const) {
    // Once registered, an app keeps its secret: it may have been rotated since (the seed's is then dead).
    const id = registered.get(spec.appId);
    const clientSecret = id
      ? (await applications.credentials(id)).clientSecret
      : new Secret(spec.clientSecret);
    await applications.upsert({
      name: spec.name,
      appId: spec.appId,
      clientId: spec.clientId,
      clientSecret,
      status,
      kind,
      redirectUri: `${config.publicUrl}/oauth/callback`,
      loginUri: `${config.publicUrl}/oauth/login`,
    });
  }
  // The demo Ads security profile (approved for the Ads API in the simulator).
  const ads = DEMO.ads.client;
  const adsId = (await applications.list('ads')).find((a) => a.appId === ads.clientId)?.id;
  await applications.upsert({
    api: 'ads',
    name: ads.name,
    appId: ads.clientId,
    clientId: ads.clientId,
    clientSecret: adsId ? (await applications.credentials(adsId)).clientSecret : new Secret(ads.clientSecret),
    status: 'published',
    redirectUri: `${config.publicUrl}${ADS_CALLBACK_PATH}`,
  });
}

export interface DemoLogin {
  username: string;
  password: string;
  created: boolean;
}

/** Makes sure the demo account and its owner exist; the password is kept in the data directory. */
export async function ensureDemoLogin(
  accounts: Accounts,
  config: Readonly<Config>,
  random: Random,
): Promise<DemoLogin> {
  const file = path.join(config.dataDir, 'demo-login.json');
  const username = 'demo';
  const existing = await accounts.findAccount('Demo Seller Co');
  if (existing && existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { username: string; password: string };
    return { ...saved, created: false };
  }
  const password = `demo-${randomString(random, 12, 'abcdefghijkmnpqrstuvwxyz23456789')}`;
  const account = existing ?? (await accounts.createAccount('Demo Seller Co'));
  try {
    await accounts.addUser({ accountId: account.id, username, password, role: 'owner' });
  } catch {
    await accounts.setPassword(username, password);
  }
  writeFileSync(file, JSON.stringify({ username, password }, null, 2), { mode: 0o600 });
  return { username, password, created: true };
}
