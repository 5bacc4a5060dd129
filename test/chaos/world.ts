import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { createAccounts, type Account } from '../../src/accounts/service.js';
import { createApiKeys } from '../../src/accounts/api-keys.js';
import { createAuditLog } from '../../src/connections/audit.js';
import { createOffsetClock, MINUTE, systemClock } from '../../src/kernel/clock.js';
import { createSeededRandom, cryptoRandom } from '../../src/kernel/random.js';
import { createSimulator, type Simulator } from '../../src/simulator/app.js';
import { DEMO, seedDemo } from '../../src/simulator/seed.js';
import { listenSimulator, type SimulatorServer } from '../../src/simulator/server.js';
import { openStore, type Store } from '../../src/store/database.js';
import { freePort } from '../support/service.js';
import { controlRequest } from '../support/sim-control.js';
import { INCLUDED_DATA } from './checks.js';
import { startMailbox, type Mailbox } from './mailbox.js';

/**
 * What a chaos run stands on, made before any Sellerlink process starts: a fresh PostgreSQL
 * database (migrated), the Amazon simulator on a loopback port with the demo seed and the sellers'
 * existing orders, the SMTP server, an account with its owner and an API key, and the environment
 * the processes and CLI commands run with (production mode, Amazon endpoints on the simulator).
 */

/** application_name of the Sellerlink processes' database connections (the chaos drops only these). */
export const PROCESS_DB_NAME = 'sellerlink-chaos';
/** How far back the sellers' existing orders were made and last updated. */
const HISTORY_MS = 4 * MINUTE;
const SIM_ORIGIN = 'http://simulator.chaos';

export interface ChaosWorld {
  store: Store;
  sim: Simulator;
  server: SimulatorServer;
  mailbox: Mailbox;
  /** The web process's address (a port picked now, kept across restarts). */
  publicUrl: string;
  account: Account;
  owner: { username: string; password: string; email: string };
  apiKey: string;
  /** The environment of `sellerlink web|worker` and of the CLI commands. */
  env: Record<string, string>;
  /** Calls a simulator control in-process; throws on a non-2xx answer. */
  control<T = unknown>(method: string, controlPath: string, body?: unknown): Promise<T>;
  /** Stops the simulator and mail server, closes the store and drops the database. */
  close(): Promise<void>;
}

/** A fresh database on the server; `drop` removes it. */
async function createDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `sl_chaos_${randomBytes(5).toString('hex')}`;
  const admin = async (text: string): Promise<void> => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

/** Builds the world; on failure, undoes what was made. */
export async function createChaosWorld(options: {
  adminUrl: string;
  seed: number;
  simSpeed: number;
  /** Seconds a simulated report stays IN_QUEUE and IN_PROGRESS. */
  reportSeconds: { queue: number; processing: number };
  /** Orders each seller has before the run. */
  initialOrders: number;
  workDir: string;
  /**
   * LISTINGS_IN_FLIGHT_SETTLE_SECONDS: longer than the longest time a listing call can stay inside
   * the simulator (its latency faults), or a resend could be overtaken by the original.
   */
  inFlightSettleSeconds: number;
}): Promise<ChaosWorld> {
  const undo: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const fn of undo.splice(0).reverse()) await fn().catch(() => {});
  };
  try {
    const database = await createDatabase(options.adminUrl);
    undo.push(() => database.drop());
    const store = await openStore({ kind: 'postgres', url: database.url }); // migrates
    undo.push(() => store.close());
    const publicUrl = `http://127.0.0.1:${await freePort()}`;

    // The simulator's clock starts a few minutes back, so the sellers' existing orders were last
    // updated before Amazon's 2-minute listing lag and the imports have work from the first kill on.
    const sim = createSimulator({
      clock: createOffsetClock(systemClock, -HISTORY_MS),
      config: {
        speed: options.simSpeed,
        seed: options.seed,
        requestLogLimit: 1_000_000,
        reportQueueSeconds: options.reportSeconds.queue,
        reportProcessingSeconds: options.reportSeconds.processing,
      },
    });
    seedDemo(sim.ctx, { redirectUris: [`${publicUrl}/oauth/callback`] });
    const control = async <T = unknown>(method: string, controlPath: string, body?: unknown): Promise<T> => {
      const res = await sim.fetch(
        controlRequest(sim, `${SIM_ORIGIN}${controlPath}`, {
          method,
          ...(body === undefined
            ? {}
            : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
        }),
      );
      const text = await res.text();
      if (!res.ok) throw new Error(`simulator ${method} ${controlPath}: ${res.status} ${text}`);
      return (text ? JSON.parse(text) : null) as T;
    };
    const sellers = DEMO.sellers.map((s) => s.sellingPartnerId);
    for (const seller of sellers)
      await control('POST', '/_sim/orders/generate', {
        sellingPartnerId: seller,
        count: options.initialOrders,
      });
    sim.ctx.clock.advance(HISTORY_MS / 2);
    for (const seller of sellers)
      await control('POST', '/_sim/orders/update', {
        sellingPartnerId: seller,
        count: Math.ceil(options.initialOrders / 3),
      });
    sim.ctx.clock.advance(HISTORY_MS / 2); // back to real time
    const server = await listenSimulator(sim, { port: 0 });
    undo.push(() => server.close());
    const mailbox = await startMailbox({ random: createSeededRandom(options.seed + 1) });
    undo.push(() => mailbox.close());

    const accounts = createAccounts({ db: store.db, clock: systemClock, random: cryptoRandom });
    const account = await accounts.createAccount('Chaos Outdoor Goods');
    const owner = {
      username: 'chaos-owner',
      password: `chaos-${randomBytes(12).toString('hex')}`,
      email: 'owner@chaos.test',
    };
    await accounts.addUser({ accountId: account.id, role: 'owner', ...owner });
    const apiKey = (
      await createApiKeys({
        db: store.db,
        clock: systemClock,
        random: cryptoRandom,
        audit: createAuditLog(store.db, systemClock),
      }).create(
        { userId: '', username: 'chaos', role: 'operator', accountId: null, actor: 'chaos' },
        { name: 'chaos runner', accountId: account.id },
      )
    ).key.reveal();

    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      SELLERLINK_MODE: 'production',
      HOST: '127.0.0.1',
      PORT: new URL(publicUrl).port,
      PUBLIC_URL: publicUrl,
      // Named, so the chaos can drop the processes' database connections and nobody else's.
      DATABASE_URL: `${database.url}?application_name=${PROCESS_DB_NAME}`,
      SELLERLINK_DATA_DIR: path.join(options.workDir, 'data'),
      LISTINGS_IN_FLIGHT_SETTLE_SECONDS: String(options.inFlightSettleSeconds),
      LOG_LEVEL: 'info',
      LWA_TOKEN_URL: `${server.url}/auth/o2/token`,
      SPAPI_URL_NA: `${server.url}/na`,
      SPAPI_URL_EU: `${server.url}/eu`,
      SPAPI_URL_FE: `${server.url}/fe`,
      SELLER_CENTRAL_URL_NA: `${server.url}/na`,
      SELLER_CENTRAL_URL_EU: `${server.url}/eu`,
      SELLER_CENTRAL_URL_FE: `${server.url}/fe`,
      SELLERLINK_VAULT_KEYS: `chaos1:${randomBytes(32).toString('base64')}`,
      AMAZON_APP_ID: DEMO.publishedApp.appId,
      AMAZON_CLIENT_ID: DEMO.publishedApp.clientId,
      AMAZON_CLIENT_SECRET: DEMO.publishedApp.clientSecret,
      AMAZON_APP_NAME: 'Chaos App',
      SMTP_URL: mailbox.url,
      MAIL_FROM: 'Sellerlink Chaos <chaos@sellerlink.test>',
      NOTIFY_POLL_SECONDS: '2',
      ORDERS_IMPORT_INTERVAL_SECONDS: '60',
      ORDERS_INITIAL_LOOKBACK_DAYS: '2',
      ORDERS_REPORT_POLL_SECONDS: '5',
      ORDERS_INCLUDED_DATA: INCLUDED_DATA.join(','),
    };
    return { store, sim, server, mailbox, publicUrl, account, owner, apiKey, env, control, close };
  } catch (err) {
    await close();
    throw err;
  }
}
