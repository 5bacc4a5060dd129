import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Accounts } from './accounts/service.js';
import type { Config } from './config/config.js';
import type { Applications } from './lifecycle/applications.js';
import { randomString, type Random } from './kernel/random.js';
import { Secret } from './kernel/secret.js';
import type { Logger } from './kernel/log.js';
import { createOffsetClock, systemClock, type OffsetClock } from './kernel/clock.js';
import { createSimulator } from './simulator/app.js';
import { loadState, replaceState, saveState } from './simulator/persistence.js';
import { DEMO, seedDemo } from './simulator/seed.js';
import { listenSimulator, type SimulatorServer } from './simulator/server.js';

/**
 * Sandbox mode: the built-in simulator on its own port in this process (state kept in the data
 * directory across restarts), the simulator's demo apps registered as our applications, and a demo
 * account with a login printed on start.
 */

export interface Sandbox {
  server: SimulatorServer;
  /** The simulated clock: in sandbox mode the whole service runs on it. */
  clock: OffsetClock;
  /** Where the simulated Amazon sends the demo apps' notifications (e.g. a new client secret). */
  setNotificationDestination(url: string): void;
  stop(): Promise<void>;
}

/** Starts the in-process simulator, restoring its state from the data directory. */
export async function startSandboxSimulator(config: Readonly<Config>, logger: Logger): Promise<Sandbox> {
  const stateFile = path.join(config.dataDir, 'simulator-state.json');
  const clockFile = path.join(config.dataDir, 'simulator-clock.json');
  // Simulated time only moves forward, also across restarts.
  const offset = existsSync(clockFile)
    ? Number((JSON.parse(readFileSync(clockFile, 'utf8')) as { offsetMs?: unknown }).offsetMs)
    : 0;
  const clock = createOffsetClock(systemClock, Number.isFinite(offset) && offset > 0 ? offset : 0);
  // The toolbar's clock jumps stand for days passing, so Amazon's buckets refill as they would have.
  const simulator = createSimulator({
    clock,
    config: { speed: config.simulator.speed, bucketsRefillOnClockJump: true },
  });
  const server = await listenSimulator(simulator, { port: config.simulator.port, host: config.host });
  const callback = `${config.publicUrl}/oauth/callback`;
  if (existsSync(stateFile)) {
    replaceState(simulator.ctx.state, loadState(stateFile));
    for (const app of simulator.ctx.state.apps.values()) {
      if (!app.redirectUris.includes(callback)) app.redirectUris.unshift(callback);
      app.loginUri = `${config.publicUrl}/oauth/login`;
    }
    logger.info({ stateFile }, 'simulator state restored');
  } else {
    seedDemo(simulator.ctx, {
      redirectUris: [callback, `${server.url}/_sim/landing`],
      loginUri: `${config.publicUrl}/oauth/login`,
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
    setNotificationDestination(url: string) {
      for (const app of simulator.ctx.state.apps.values()) app.notificationDestinationUrl = url;
    },
    async stop() {
      clearInterval(timer);
      save();
      await server.close();
    },
  };
}

/** Registers the simulator's demo apps as this service's applications (idempotent). */
export async function registerSandboxApplications(
  applications: Applications,
  config: Readonly<Config>,
): Promise<void> {
  // The draft app stands for a private, self-authorized app (FACTS §3).
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
