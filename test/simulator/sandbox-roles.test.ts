import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/config.js';
import { MINUTE } from '../../src/kernel/clock.js';
import { createLogger } from '../../src/logging.js';
import { assertSandboxEndpoints } from '../../src/service/sandbox.js';
import { startService, type Role, type Service } from '../../src/main.js';
import { readControlFile } from '../../src/simulator/control-file.js';
import { createPostgresDatabase, postgresAvailable } from '../support/databases.js';
import { connectionIdOf, connectRegion, demoSeller, signedInBrowser } from '../support/portal.js';
import { freePort, type TestService } from '../support/service.js';
import { simControlFetch } from '../support/sim-control.js';
import { csrfOf, eventually } from '../support/wait.js';

/**
 * In sandbox mode, `web` and `worker` started as separate processes must reach
 * the same simulator: before, only `web` started one and the worker called real Amazon, so the
 * connection went to `error`. The web process now advertises its simulator (URL, control token,
 * mail catcher) in the data directory; a worker joins it, or refuses to start when there is none.
 * No sandbox process ever calls an amazon.com host.
 */

const AMAZON = /(^|\.)amazon\.(com|[a-z]{2}|co\.[a-z]{2}|com\.[a-z]{2})$/i;

/** A fetch that records every URL it is asked for. */
function recordingFetch(): { fetch: typeof fetch; urls: string[] } {
  const urls: string[] = [];
  return {
    urls,
    fetch: (input: RequestInfo | URL, init?: RequestInit) => {
      urls.push(input instanceof Request ? input.url : String(input));
      return globalThis.fetch(input, init);
    },
  };
}

function config(dataDir: string, databaseUrl: string, port: number): Readonly<Config> {
  return loadConfig({
    PORT: String(port),
    SIMULATOR_PORT: '0',
    SELLERLINK_DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    NOTIFY_POLL_SECONDS: '1',
    // First connect backfills orders by report: a simulated report of 2 s (not the sandbox's 30),
    // asked after every 5 s (not 30).
    SIMULATOR_REPORT_SECONDS: '2',
    ORDERS_REPORT_POLL_SECONDS: '5',
    LOG_LEVEL: 'debug',
  });
}

async function start(
  role: Role,
  cfg: Readonly<Config>,
  fetchFn: typeof fetch,
): Promise<{ service: Service; logs: string[] }> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const service = await startService(cfg, createLogger('debug', sink), role, { fetch: fetchFn });
  return { service, logs };
}

describe('the sandbox guard', () => {
  it('refuses real Amazon endpoints in sandbox mode', () => {
    expect(() => assertSandboxEndpoints(loadConfig({ SELLERLINK_MODE: 'sandbox' }).amazon)).toThrow(
      /sandbox mode never calls real Amazon/,
    );
    for (const url of ['https://api.amazon.co.uk/auth/o2/token', 'https://sellercentral.amazon.com.au']) {
      const endpoints = { ...loadConfig({}).amazon, lwaTokenUrl: 'http://127.0.0.1:1/auth/o2/token' };
      endpoints.spApi = {
        NA: 'http://127.0.0.1:1/na',
        EU: 'http://127.0.0.1:1/eu',
        FE: 'http://127.0.0.1:1/fe',
      };
      endpoints.sellerCentral = { NA: url, EU: 'http://127.0.0.1:1/eu', FE: 'http://127.0.0.1:1/fe' };
      expect(() => assertSandboxEndpoints(endpoints)).toThrow(/never calls real Amazon/);
    }
  });
});

describe.skipIf(!postgresAvailable)('sandbox web and worker started separately [postgres]', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sellerlink-roles-'));
  const lonelyDir = mkdtempSync(path.join(os.tmpdir(), 'sellerlink-roles-lonely-'));
  let dropDatabase: (() => Promise<void>) | null = null;
  let databaseUrl = '';
  let web: Service | null = null;
  let worker: Service | null = null;
  const webFetch = recordingFetch();
  const workerFetch = recordingFetch();

  beforeAll(async () => {
    const db = await createPostgresDatabase();
    dropDatabase = db.drop;
    databaseUrl = db.url;
  });
  afterAll(async () => {
    await worker?.stop();
    await web?.stop();
    await dropDatabase?.();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(lonelyDir, { recursive: true, force: true });
  });

  it('a worker with no web process refuses to start, saying what to do, and calls nobody', async () => {
    const lonely = recordingFetch();
    const refused = await start('worker', config(lonelyDir, databaseUrl, 0), lonely.fetch).then(
      () => null,
      (err: unknown) => err as { code?: string; message?: string },
    );
    expect(refused?.code).toBe('CONFIG_INVALID');
    expect(refused?.message).toContain('start `sellerlink web`');
    expect(lonely.urls).toEqual([]);
  });

  it('a worker joins the web process’s simulator: imports orders from it, mails to its catcher', async () => {
    const webPort = await freePort();
    const started = await start('web', config(dataDir, databaseUrl, webPort), webFetch.fetch);
    web = started.service;
    const simUrl = web.simulatorUrl!;
    const control = readControlFile(dataDir)!;
    expect(control.url).toBe(simUrl);
    expect(control.mailCatcherUrl).toMatch(/^smtp:\/\/127\.0\.0\.1:\d+$/);
    const simFetch = simControlFetch(control.token);
    const sim = async <T>(p: string, body?: unknown): Promise<T> => {
      const res = await simFetch(`${simUrl}${p}`, {
        method: body === undefined ? 'GET' : 'POST',
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      expect(res.ok).toBe(true);
      return (await res.json()) as T;
    };

    // The portal (web process): ask for mail on connect, connect NA, give the seller orders.
    const svc = { url: web.url!, simUrl, demo: web.demoLogin! } as unknown as TestService;
    const browser = await signedInBrowser(svc);
    const settings = await browser.get(`${svc.url}/notifications`);
    const form = new URLSearchParams({
      _csrf: csrfOf(settings.text),
      emailEnabled: 'on',
      recipients: 'seller@demo.test',
    });
    form.append('eventTypes', 'connection.connected');
    await browser.post(`${svc.url}/notifications/settings`, form.toString(), {
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: svc.url },
    });
    const connectionId = connectionIdOf((await connectRegion(browser, svc, 'NA')).url);
    const now = (await sim<{ nowMs: number }>('/_sim/clock')).nowMs;
    await sim('/_sim/orders/generate', {
      sellingPartnerId: demoSeller('NA').sellingPartnerId,
      count: 5,
      marketplaceId: 'ATVPDKIKX0DER',
      createdFrom: new Date(now - 60 * MINUTE).toISOString(),
      createdTo: new Date(now - 30 * MINUTE).toISOString(),
    });
    await sim('/_sim/clock/advance', { minutes: 3 });

    // The worker process (same data directory and database) does the jobs.
    worker = (await start('worker', config(dataDir, databaseUrl, 0), workerFetch.fetch)).service;
    expect(worker.simulatorUrl).toBe(simUrl);
    expect(worker.clock.now() - Date.now()).toBeGreaterThanOrEqual(3 * MINUTE - 1_000);

    // Orders come in through the simulator, and the connection stays active.
    await eventually(async () => {
      const row = await web!.store.db
        .selectFrom('orders')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('connection_id', '=', connectionId)
        .executeTakeFirstOrThrow();
      return Number(row.n) === 5;
    }, 90_000);
    const connection = await web.store.db
      .selectFrom('connections')
      .select('state')
      .where('id', '=', connectionId)
      .executeTakeFirstOrThrow();
    expect(connection.state).toBe('active');
    expect(workerFetch.urls.some((u) => u.startsWith(`${simUrl}/na/orders/2026-01-01/orders`))).toBe(true);

    // The worker's e-mail lands in the web process's mail catcher, shown on the portal.
    const mail = await eventually(async () => {
      const page = await browser.get(`${svc.url}/sandbox/mail`);
      return page.text.includes('To seller@demo.test') ? page : null;
    });
    expect(mail.text).toContain(demoSeller('NA').sellingPartnerId);

    // No process of this sandbox called real Amazon.
    const hosts = [...webFetch.urls, ...workerFetch.urls].map((u) => new URL(u).hostname);
    expect(hosts.filter((h) => AMAZON.test(h))).toEqual([]);
  }, 180_000);
});
