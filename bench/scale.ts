import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createAccounts } from '../src/accounts/service.js';
import { createApiKeys } from '../src/accounts/api-keys.js';
import { systemClock } from '../src/kernel/clock.js';
import { Secret } from '../src/kernel/secret.js';
import { cryptoRandom } from '../src/kernel/random.js';
import { createSimulator, type Simulator } from '../src/simulator/app.js';
import { DEMO, seedDemo } from '../src/simulator/seed.js';
import { listenSimulator, type SimulatorServer } from '../src/simulator/server.js';
import { openStore, type Store } from '../src/store/database.js';
import {
  seedAccounts,
  seedConnections,
  type SeededAccount,
  type SeededConnection,
} from '../test/support/bulk-connections.js';
import { composeUseCases, testConfig } from '../test/support/compose.js';
import type { RssAnswer } from './scale-child.js';
import { freshDatabase, postgresUrl, startChild, stopChild, type Child } from './support.js';

/**
 * 100,000 connections over 1,000 accounts on one PostgreSQL (issue 17, point 2). The connections are
 * seeded in bulk (test/support/bulk-connections.ts: sealed dummy refresh tokens, every lifecycle state
 * with time applied; not through OAuth), and the simulator (served over HTTP by this process) is told
 * each of them, so the probes and imports the worker runs are answered. Then, against a `sellerlink
 * web` and a `sellerlink worker` child process (bench/scale-child.ts) with their jobs running:
 *
 * - the monitor's daily pass (the worker's `runMonitor`: expiries, reminders, ≤ 1,000 health probes),
 *   twice: the first catches up (one in eight seeded connections is past its end), the second is a
 *   day like any other;
 * - the order-import dispatcher's per-minute cost (its function, as the cron job runs it), with the
 *   imports spread as in a steady state (each connection last started 1-6 minutes ago; the analytics
 *   schedules spread over the next day likewise, so that dispatcher, not measured here, stays quiet);
 * - `GET /api/v1/connections` and the portal's `/connections`, sequential requests, p50/p95: an
 *   account's key and user (about 100 connections), an operator's (all of them, a page at a time,
 *   deep pages, search, a state filter);
 * - RSS of both processes on the empty database (after the same requests and passes) and at the
 *   end, and the database's size.
 *
 * SCALE_CONNECTIONS and SCALE_ACCOUNTS change the counts (smaller runs while developing).
 */
const CONNECTIONS = Number(process.env.SCALE_CONNECTIONS ?? 100_000);
const ACCOUNTS = Number(process.env.SCALE_ACCOUNTS ?? 1000);
const BENCH_DB = 'sellerlink_bench_scale';
const REDIRECT = 'https://vendor.example/oauth/callback';
/** Sequential requests per latency case (after WARMUP unmeasured ones). */
const REQUESTS = Number(process.env.SCALE_REQUESTS ?? 200);
const WARMUP = 10;
const PAGE = 50;
const DISPATCH_RUNS = 3;
const TARGETS = { monitorPassSeconds: 30, listP95Ms: 50 };

const MARKETPLACE = { NA: 'ATVPDKIKX0DER', EU: 'A1PA6795UKMFR9', FE: 'A1VC38T7YXB528' } as const;

type Latency = { requests: number; p50Ms: number; p95Ms: number; maxMs: number; errors: number };

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;
const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

/** A deterministic pseudo-random sequence (the same picks every run). */
function picker(seed: number) {
  let s = seed;
  return <T>(xs: readonly T[]): T => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return xs[s % xs.length]!;
  };
}

/** One keep-alive GET: status, body and milliseconds. */
function get(
  agent: http.Agent,
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string; ms: number }> {
  const target = new URL(url);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - started,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * Runs `next(i)` (which makes one request and returns its time, or null when it failed) WARMUP
 * times unmeasured, then `n` times measured, one after the other.
 */
async function latency(n: number, next: (i: number) => Promise<number | null>): Promise<Latency> {
  for (let i = 0; i < WARMUP; i++) await next(i);
  const times: number[] = [];
  let errors = 0;
  for (let i = 0; i < n; i++) {
    const ms = await next(WARMUP + i);
    if (ms === null) errors++;
    else times.push(ms);
  }
  const sorted = times.sort((a, b) => a - b);
  return {
    requests: n,
    p50Ms: round(quantile(sorted, 0.5)),
    p95Ms: round(quantile(sorted, 0.95)),
    maxMs: round(sorted.at(-1) ?? 0),
    errors,
  };
}

/** The simulator is told every seeded connection: its seller and an authorization with its token. */
function tellSimulator(sim: Simulator, connections: readonly SeededConnection[], now: number): void {
  for (const c of connections) {
    sim.ctx.state.sellers.set(c.sellingPartnerId, {
      sellingPartnerId: c.sellingPartnerId,
      name: c.storeName ?? c.sellingPartnerId,
      region: c.region,
      marketplaceIds: [MARKETPLACE[c.region]],
      users: [],
    });
    sim.ctx.state.authorizations.set(c.id, {
      id: c.id,
      appId: DEMO.publishedApp.appId,
      sellingPartnerId: c.sellingPartnerId,
      region: c.region,
      kind: 'oauth',
      // The bulk seeder seals this dummy for each connection.
      refreshToken: `Atzr|dummy-${c.id}`,
      authorizedAt: now,
      expiresAt: null,
      revokedAt: null,
    });
  }
}

/**
 * Each connection's import as in a steady state: last started 1-6 minutes ago (so about a fifth is
 * due at any minute), paused where the connection cannot call Amazon.
 */
async function seedSteadyState(store: Store): Promise<void> {
  await sql`
    insert into order_syncs (connection_id, watermark, status, paused_reason, last_started_at, last_finished_at, updated_at)
    select id, now() - interval '10 minutes',
      case when refresh_token_blob is null or state in ('revoked', 'expired')
             or (expires_at is not null and expires_at <= now()) then 'paused' else 'idle' end,
      case when refresh_token_blob is null or state in ('revoked', 'expired')
             or (expires_at is not null and expires_at <= now()) then 'Paused: seeded' else null end,
      now() - interval '1 minute' - (abs(hashtext(id::text)) % 300) * interval '1 second',
      now() - interval '1 minute' - (abs(hashtext(id::text)) % 300) * interval '1 second',
      now() + interval '1 second'
    from connections where api = 'sp_api' and state <> 'disconnected'
  `.execute(store.db);
  // Analytics likewise: each connection's next run somewhere in the next day (analytics/tables.ts),
  // so its dispatcher queues a few a minute, not all 100,000 at once (see the report: not measured).
  await sql`
    insert into analytics_syncs (connection_id, next_run_at, last_run_at, updated_at)
    select id, now() + (abs(hashtext(id::text)) % 86400) * interval '1 second', now() - interval '1 day', now()
    from connections where api = 'sp_api' and state <> 'disconnected'
  `.execute(store.db);
}

/** The database's size and its biggest tables', MB. */
async function databaseSize(store: Store): Promise<Record<string, number>> {
  const mb = (bytes: string | number) => round(Number(bytes) / 2 ** 20);
  const total = await sql<{ n: string }>`select pg_database_size(current_database()) as n`.execute(store.db);
  const tables = await sql<{ name: string; n: string }>`
    select c.relname as name, pg_total_relation_size(c.oid) as n
    from pg_class c join pg_namespace s on s.oid = c.relnamespace
    where c.relkind in ('r', 'p') and s.nspname in ('public', 'pgboss')
    order by pg_total_relation_size(c.oid) desc limit 6`.execute(store.db);
  return {
    databaseMb: mb(total.rows[0]!.n),
    ...Object.fromEntries(tables.rows.map((t) => [`${t.name}Mb`, mb(t.n)])),
  };
}

/** Waits until the worker's own monitor pass at start has run (so it never overlaps a measured one). */
async function startUpPassDone(store: Store): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const { rows } = await sql<{ waiting: string; done: string }>`
      select count(*) filter (where state in ('created', 'retry', 'active')) as waiting,
             count(*) filter (where state = 'completed') as done
      from pgboss.job where name = 'monitor-run'`.execute(store.db);
    if (Number(rows[0]!.waiting) === 0 && Number(rows[0]!.done) > 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("the worker's monitor pass at start did not finish within 5 minutes");
}

/** Asks a child and waits for its answer of the same type. */
async function ask<T extends { type: string }>(child: Child, type: string, timeoutMs = 600_000): Promise<T> {
  child.send({ type });
  return child.next<T>(type, timeoutMs);
}

/** Environment of the children: production mode on the bench database, Amazon = the simulator. */
function childEnv(databaseUrl: string, simUrl: string, vaultKey: string, dataDir: string) {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    SELLERLINK_MODE: 'production',
    SELLERLINK_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    // RSS is read after a full garbage collection (scale-child.ts).
    NODE_OPTIONS: [process.env.NODE_OPTIONS, '--expose-gc'].filter(Boolean).join(' '),
    DATABASE_URL: databaseUrl,
    SELLERLINK_VAULT_KEYS: `bench:${vaultKey}`,
    AMAZON_APP_ID: DEMO.publishedApp.appId,
    AMAZON_CLIENT_ID: DEMO.publishedApp.clientId,
    AMAZON_CLIENT_SECRET: DEMO.publishedApp.clientSecret,
    LWA_TOKEN_URL: `${simUrl}/auth/o2/token`,
    // The simulator tells the region by its path prefix (config.ts `simulatorEndpoints`).
    SPAPI_URL_NA: `${simUrl}/na`,
    SPAPI_URL_EU: `${simUrl}/eu`,
    SPAPI_URL_FE: `${simUrl}/fe`,
  };
}

/** Who the latency cases act as: an account's key and user, and an operator's. */
interface Principals {
  accountKey: string;
  operatorKey: string;
  ownerCookie: string;
  operatorCookie: string;
}

/** The operator user and key, and accounts[0]'s owner and key (sessions made directly). */
async function principals(
  store: Store,
  accountId: string,
  audit: Parameters<typeof createApiKeys>[0]['audit'],
) {
  const accounts = createAccounts({ db: store.db, clock: systemClock, random: cryptoRandom });
  const password = 'a long bench password';
  const ops = await accounts.addUser({ accountId: null, username: 'ops', password, role: 'operator' });
  const owner = await accounts.addUser({ accountId, username: 'owner', password, role: 'owner' });
  const session = async (userId: string) =>
    `sl_session=${(await accounts.createSession(userId, { ip: null, userAgent: 'bench' })).token}`;
  const keys = createApiKeys({ db: store.db, clock: systemClock, random: cryptoRandom, audit });
  const operatorViewer = { userId: ops.id, username: 'ops', role: 'operator' as const, accountId: null };
  const key = async (forAccount: string | null) =>
    (await keys.create(operatorViewer, { name: 'bench', accountId: forAccount })).key.reveal();
  return {
    accountKey: await key(accountId),
    operatorKey: await key(null),
    ownerCookie: await session(owner.id),
    operatorCookie: await session(ops.id),
  } satisfies Principals;
}

/** Search texts an operator might type: seller id prefixes, store names, account names, a broad one. */
function searches(connections: readonly SeededConnection[], accounts: readonly SeededAccount[]): string[] {
  const pick = picker(17);
  const out: string[] = ['A0'];
  for (let i = 0; i < 30; i++) {
    const c = pick(connections);
    out.push(c.sellingPartnerId.slice(0, 7), c.sellingPartnerId);
    if (c.storeName) out.push(c.storeName.slice(0, 14));
    out.push(pick(accounts).name);
  }
  return out;
}

/** Every latency case, against the web child at `base`. */
async function listLatencies(
  base: string,
  who: Principals,
  texts: readonly string[],
): Promise<Record<string, Latency>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
  const timed = async (url: string, headers: Record<string, string>) => {
    const r = await get(agent, `${base}${url}`, headers);
    return r.status === 200 ? r.ms : null;
  };
  const pick = picker(42);
  // Deep pages: each request follows the previous answer's nextCursor (back to the first at the end).
  let cursor: string | null = null;
  const nextPage = async (): Promise<number | null> => {
    const url = `/api/v1/connections?limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const r = await get(agent, `${base}${url}`, bearer(who.operatorKey));
    if (r.status !== 200) return null;
    cursor = (JSON.parse(r.body) as { nextCursor: string | null }).nextCursor;
    return r.ms;
  };
  const cases: Record<string, Latency> = {
    apiAccountAll: await latency(REQUESTS, () => timed('/api/v1/connections', bearer(who.accountKey))),
    apiAccountPage: await latency(REQUESTS, () =>
      timed(`/api/v1/connections?limit=${PAGE}`, bearer(who.accountKey)),
    ),
    apiOperatorFirstPage: await latency(REQUESTS, () =>
      timed(`/api/v1/connections?limit=${PAGE}`, bearer(who.operatorKey)),
    ),
    apiOperatorNextPages: await latency(REQUESTS, nextPage),
    apiOperatorSearch: await latency(REQUESTS, () =>
      timed(
        `/api/v1/connections?limit=${PAGE}&q=${encodeURIComponent(pick(texts))}`,
        bearer(who.operatorKey),
      ),
    ),
    apiOperatorStateFilter: await latency(REQUESTS, () =>
      timed(
        `/api/v1/connections?limit=${PAGE}&state=${pick(['expiring', 'revoked', 'active', 'error'])}`,
        bearer(who.operatorKey),
      ),
    ),
    portalOwner: await latency(REQUESTS, () => timed('/connections', { cookie: who.ownerCookie })),
    portalOperator: await latency(REQUESTS, () => timed('/connections', { cookie: who.operatorCookie })),
  };
  agent.destroy();
  return cases;
}

/** The cases the list target applies to (the whole-list answer without `limit` is reported beside). */
const LIST_CASES = [
  'apiAccountAll',
  'apiAccountPage',
  'apiOperatorFirstPage',
  'apiOperatorNextPages',
  'apiOperatorSearch',
  'apiOperatorStateFilter',
  'portalOwner',
  'portalOperator',
];

export const bench = {
  description: `${CONNECTIONS} connections over ${ACCOUNTS} accounts on PostgreSQL: monitor pass, dispatcher, list p95, RSS`,
  async run() {
    const started = performance.now();
    const serverUrl = postgresUrl();
    const database = await freshDatabase(serverUrl, BENCH_DB);
    const sim = createSimulator({ config: { requestLogLimit: 1000 } });
    seedDemo(sim.ctx, { redirectUris: [REDIRECT] });
    let simServer: SimulatorServer | null = null;
    let store: Store | null = null;
    const children: Child[] = [];
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sellerlink-bench-scale-'));
    try {
      simServer = await listenSimulator(sim, { port: 0 });
      store = await openStore({ kind: 'postgres', url: database.url });
      const vaultKey = randomBytes(32).toString('base64');
      const graph = await composeUseCases({
        store,
        origin: simServer.url,
        clock: systemClock,
        config: testConfig({ SELLERLINK_VAULT_KEYS: `bench:${vaultKey}` }),
      });
      const application = await graph.applications.upsert({
        name: 'Sellerlink',
        appId: DEMO.publishedApp.appId,
        clientId: DEMO.publishedApp.clientId,
        clientSecret: new Secret(DEMO.publishedApp.clientSecret),
        status: 'published',
        redirectUri: REDIRECT,
      });
      const accounts = await seedAccounts(store.db, ACCOUNTS, 'Bench Account');
      // accounts[1]'s connections all expire within 30 days (bulk-connections.ts): its banners name every one.
      const who = await principals(store, accounts[1]!.id, graph.audit);

      const env = childEnv(database.url, simServer.url, vaultKey, dataDir);
      const web = startChild('scale-child.ts', ['web'], env);
      const worker = startChild('scale-child.ts', ['worker'], env);
      children.push(web, worker);
      const { url: webUrl } = await web.next<{ type: 'ready'; url: string }>('ready', 120_000);
      await worker.next('ready', 120_000);
      await startUpPassDone(store);

      // The same work on the empty database first, so "before" has loaded what "after" uses.
      console.log('  warming up on the empty database');
      await ask(worker, 'monitor');
      await ask(worker, 'dispatch');
      await listLatencies(webUrl, who, ['Bench']);
      const before = { web: await ask<RssAnswer>(web, 'rss'), worker: await ask<RssAnswer>(worker, 'rss') };
      console.log(`  before: ${JSON.stringify(before)}`);

      const seedStarted = performance.now();
      const now = Date.now();
      const seeded = await seedConnections(store.db, graph.vault, {
        accounts,
        applicationId: application.id,
        count: CONNECTIONS,
        now,
      });
      await seedSteadyState(store);
      tellSimulator(sim, seeded, now);
      await sql`analyze`.execute(store.db);
      const seedSeconds = (performance.now() - seedStarted) / 1000;
      console.log(`  seeded ${seeded.length} connections in ${seedSeconds.toFixed(1)} s`);

      const passes: { ms: number; report: unknown }[] = [];
      for (let i = 0; i < 2; i++) {
        passes.push(await ask<{ type: string; ms: number; report: unknown }>(worker, 'monitor'));
        console.log(
          `  monitor pass ${i + 1}: ${(passes[i]!.ms / 1000).toFixed(1)} s ${JSON.stringify(passes[i]!.report)}`,
        );
      }
      const dispatches: { ms: number; queued: number }[] = [];
      for (let i = 0; i < DISPATCH_RUNS; i++) {
        dispatches.push(await ask<{ type: string; ms: number; queued: number }>(worker, 'dispatch'));
        console.log(`  dispatch ${i + 1}: ${Math.round(dispatches[i]!.ms)} ms, ${dispatches[i]!.queued} due`);
      }
      const latencies = await listLatencies(webUrl, who, searches(seeded, accounts));
      for (const [name, l] of Object.entries(latencies)) console.log(`  ${name}: ${JSON.stringify(l)}`);
      const after = { web: await ask<RssAnswer>(web, 'rss'), worker: await ask<RssAnswer>(worker, 'rss') };
      console.log(`  after: ${JSON.stringify(after)}`);
      const size = await databaseSize(store);
      const probeOutcomes: Record<string, number> = Object.fromEntries(
        (
          await sql<{ outcome: string | null; n: string }>`
            select last_probe_outcome as outcome, count(*) as n from connections
            where last_probe_outcome is not null group by 1 order by 2 desc`.execute(store.db)
        ).rows.map((r): [string, number] => [r.outcome ?? 'none', Number(r.n)]),
      );
      console.log(`  probe outcomes: ${JSON.stringify(probeOutcomes)}`);

      const monitorPassSeconds = round(Math.max(...passes.map((p) => p.ms)) / 1000, 2);
      const listP95Ms = Math.max(...LIST_CASES.map((name) => latencies[name]!.p95Ms));
      const summary =
        `${CONNECTIONS} connections / ${ACCOUNTS} accounts: monitor pass ${monitorPassSeconds} s (target ≤ ${TARGETS.monitorPassSeconds}); ` +
        `dispatcher ${Math.round(dispatches[0]!.ms)} ms/minute; list p95 ${listP95Ms} ms worst case (target ≤ ${TARGETS.listP95Ms}); ` +
        `RSS web ${before.web.rssMb}→${after.web.rssMb} MB, worker ${before.worker.rssMb}→${after.worker.rssMb} MB ` +
        `(heap after GC ${before.web.heapUsedMb}→${after.web.heapUsedMb} and ${before.worker.heapUsedMb}→${after.worker.heapUsedMb} MB); database ${size.databaseMb} MB`;
      return {
        summary,
        data: {
          connections: seeded.length,
          accounts: ACCOUNTS,
          monitorPassSeconds,
          listP95Ms,
          webRssMb: after.web.rssMb,
          workerRssMb: after.worker.rssMb,
          webHeapAfterGcMb: after.web.heapUsedMb,
          workerHeapAfterGcMb: after.worker.heapUsedMb,
          targets: TARGETS,
          rss: { before, after },
          monitorPasses: passes.map((p) => ({ seconds: round(p.ms / 1000, 2), report: p.report })),
          probeOutcomes,
          dispatcher: dispatches.map((d) => ({ ms: Math.round(d.ms), due: d.queued })),
          list: latencies,
          size,
          seedSeconds: round(seedSeconds),
          totalSeconds: round((performance.now() - started) / 1000),
        },
      };
    } finally {
      for (const child of children) {
        child.send({ type: 'stop' });
      }
      await new Promise((r) => setTimeout(r, 2000));
      for (const child of children) stopChild(child);
      await simServer?.close();
      sim.stop();
      await store?.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};
