import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { inject } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/logging.js';
import { Secret } from '../../src/kernel/secret.js';
import { startService, type Service, type ServiceEffects } from '../../src/main.js';
import { openStore, type Store } from '../../src/store/database.js';
import { readControlFile } from '../../src/simulator/control-file.js';
import { createPostgresDatabase } from './databases.js';
import { simControlFetch } from './sim-control.js';

/** The whole service in sandbox mode, on real loopback ports, for end-to-end tests. */
export interface TestService {
  url: string;
  simUrl: string;
  service: Service;
  store: Store;
  demo: { username: string; password: string };
  dataDir: string;
  /** Every log line the service wrote (JSON text). */
  logs: string[];
  /** Rotates an app's client secret in the simulator and gives Sellerlink the new one (operator's job). */
  rotateSecret(appId: string): Promise<void>;
  /** POSTs a JSON control to the simulator (with its control token) and returns the parsed answer. */
  sim<T = unknown>(path: string, body?: unknown, method?: string): Promise<T>;
  /** The simulator's control token (read from the data directory, as the CLI does). */
  simToken: string;
  /** A fetch that sends the control token: for control calls that check the raw answer. */
  simFetch: typeof fetch;
  stop(): Promise<void>;
}

/** A port that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts Sellerlink in sandbox mode with the in-process simulator. `database: 'pglite-dir'` keeps
 * the embedded database in the data directory (so tests can search its files); `'postgres'` uses a
 * fresh database on TEST_DATABASE_URL.
 */
export async function startTestService(
  options: {
    database?: 'pglite' | 'pglite-dir' | 'postgres';
    env?: Record<string, string>;
    /** Injected effects, e.g. a `fetch` to Amazon that the test controls. */
    effects?: Omit<ServiceEffects, 'openStore'>;
  } = {},
): Promise<TestService> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sellerlink-test-'));
  const port = await freePort();
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const config = loadConfig({
    PORT: String(port),
    SIMULATOR_PORT: '0',
    SELLERLINK_DATA_DIR: dataDir,
    LOG_LEVEL: 'debug',
    // Reports (order backfill, analytics) are ready in seconds, not Amazon's minutes.
    SIMULATOR_REPORT_SECONDS: '2',
    ORDERS_REPORT_POLL_SECONDS: '5',
    ...options.env,
  });
  const kind = options.database ?? 'pglite';
  let dropDatabase: (() => Promise<void>) | null = null;
  const template = (): Blob => new Blob([readFileSync(inject('pgliteTemplatePath'))]);
  const open = async (): Promise<Store> => {
    if (kind === 'postgres') {
      const db = await createPostgresDatabase();
      dropDatabase = db.drop;
      return openStore({ kind: 'postgres', url: db.url });
    }
    const dir = kind === 'pglite-dir' ? path.join(dataDir, 'db') : 'memory://';
    return openStore({ kind: 'pglite', dataDir: dir, loadDataDir: template() });
  };
  const service = await startService(config, createLogger('debug', sink), 'all', {
    ...options.effects,
    openStore: open,
  });
  const simUrl = service.simulatorUrl!;
  const simToken = readControlFile(dataDir)!.token;
  const simFetch = simControlFetch(simToken);
  const svc: TestService = {
    url: service.url!,
    simUrl,
    service,
    store: service.store,
    demo: { username: service.demoLogin!.username, password: service.demoLogin!.password },
    dataDir,
    logs,
    simToken,
    simFetch,
    async sim<T>(
      controlPath: string,
      body?: unknown,
      method = body === undefined ? 'GET' : 'POST',
    ): Promise<T> {
      const res = await simFetch(`${simUrl}${controlPath}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`simulator control ${controlPath} answered ${res.status}: ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    },
    async rotateSecret(appId: string) {
      const { notification } = await svc.sim<{
        notification: { body: { payload: { applicationOAuthClientNewSecret: { newClientSecret: string } } } };
      }>(`/_sim/apps/${appId}/rotate-secret`, {});
      const app = await service.applications.get(appId);
      await service.applications.upsert({
        name: app.name,
        appId: app.appId,
        clientId: app.clientId,
        clientSecret: new Secret(notification.body.payload.applicationOAuthClientNewSecret.newClientSecret),
        status: app.status,
        kind: app.kind,
        redirectUri: app.redirectUri,
        loginUri: app.loginUri,
        authorizationLifetimeDays: app.authorizationLifetimeDays,
      });
    },
    async stop() {
      await service.stop();
      if (dropDatabase) await dropDatabase();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return svc;
}
