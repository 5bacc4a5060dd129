import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { createSeededRandom, type Random } from '../../src/kernel/random.js';
import { DEMO } from '../../src/simulator/seed.js';
import { listingKey } from '../../src/simulator/state.js';
import type { HttpBrowser } from '../support/http-browser.js';
import { checkJobs, checkNotifications, checkOrders, jobsQuiet, ordersMatch } from './checks.js';
import {
  checkListings,
  createListingPlan,
  type ChangeRow,
  type ListingPlan,
  type ListingTarget,
  type PlannedChange,
  type SkuSlot,
} from './listings-plan.js';
import { connectRegion, renewConnection, saveEmailSettings, signIn, type RegionCode } from './portal.js';
import { createProcessPool, runCli, type ProcessPool, type Role } from './processes.js';
import { createChaosWorld, PROCESS_DB_NAME } from './world.js';

/**
 * The chaos run, shared by the CI test (short form, test/chaos/chaos.test.ts) and
 * `npm run chaos` (long form, bench/chaos.ts).
 *
 * This process owns the Amazon simulator (in-process, never killed: its state is the truth the end
 * checks compare with) and an SMTP server. Against one fresh PostgreSQL database it runs Sellerlink
 * as an operator would, from the bin in production mode with the Amazon endpoints pointed at the
 * simulator: one `sellerlink web` and two `sellerlink worker` processes, plus CLI commands
 * (`listings import`, `orders sync`). A seeded PRNG (the seed is printed) decides when processes are
 * SIGKILLed and restarted, which faults the simulator injects (429, 500, 503, latency, dropped
 * connections, on SP-API and LWA), when some of the processes' database connections are dropped
 * (pg_terminate_backend, as in a failover), and the workload: orders created and updated in the simulator,
 * listing changes through the REST API and CLI import files (put, patch, delete, several per SKU,
 * some that Amazon refuses), e-mail notifications (the SMTP server refuses some with 451), and one
 * authorization revoked in the simulator and then renewed by the seller on the portal. Timing still
 * varies between runs, so the seed fixes the plan, not every interleaving.
 *
 * Then it stops the chaos, waits for the system to settle and checks: every order equals the
 * simulator's (none missing, duplicated or stale); every listing change ended as Amazon should have
 * answered it, was sent once and in order (the simulator's submission log) and the listing shows the
 * last valid change; every e-mail notification was delivered (duplicates only with the same event
 * id); no pg-boss job is stuck or failed for good; no process died on its own; all stop cleanly on
 * SIGTERM.
 *
 * Why production mode and e-mail: a sandbox-mode service runs its own simulator (the web process
 * starts it), which this runner could not own; production mode takes the endpoints from
 * configuration but refuses webhooks to loopback addresses, so notifications are proven by e-mail.
 */

/** The knobs of a run; `SHORT_FORM` and `LONG_FORM` below are the two used. */
export interface ChaosOptions {
  /** Admin URL of a PostgreSQL server: a fresh database is created on it and dropped after. */
  adminUrl: string;
  seed: number;
  /** Length of the chaos phase: kills, faults and workload. */
  chaosMs: number;
  /** Orders are created and updated in the first `ordersMs` of it. */
  ordersMs: number;
  /** SIGKILLs of web and workers, spread over the chaos phase. */
  kills: number;
  /** Orders each seller has before the run. */
  initialOrders: number;
  /** Per seller and second during `ordersMs`: new orders and updates (fractions accumulate). */
  ordersPerSecond: number;
  updatesPerSecond: number;
  skusPerConnection: number;
  /** Pause between listing changes sent through the REST API. */
  apiChangeEveryMs: number;
  /** A `listings import` file every so often, with this many changes. */
  cliImportEveryMs: number;
  cliImportSize: number;
  /** An `orders sync --connection` every so often. */
  cliSyncEveryMs: number;
  /** Add rare 45 s hangs (calls that outlive Sellerlink's 30 s timeout). */
  hangs: boolean;
  /** Share of e-mails the SMTP server refuses with 451 during the chaos phase. */
  mailRefuseShare: number;
  /** Simulator speed (usage-plan rates ×). */
  simSpeed: number;
  /**
   * Seconds a simulated report stays IN_QUEUE and IN_PROGRESS. First connect backfills orders by
   * report and `orders sync` waits for it: the simulator's default (15 + 120 s, Amazon takes
   * minutes) kept the short form's last sync running two minutes past the chaos phase.
   */
  reportSeconds: { queue: number; processing: number };
  /**
   * Settle until every job a killed worker left has been taken over (up to 2 minutes after the last
   * kill); otherwise only until none is older than that bound (the short form cannot wait for all).
   */
  waitForKilledJobs: boolean;
  /** How long to wait for the system to settle after the chaos phase. */
  settleTimeoutMs: number;
  /** Where logs and import files go. */
  workDir: string;
  log: (line: string) => void;
}

/** The short form (CI): about three minutes, bounded below by Amazon's 2-minute order lag and job expiry. */
export const SHORT_FORM: Omit<ChaosOptions, 'adminUrl' | 'seed' | 'workDir' | 'log'> = {
  chaosMs: 60_000,
  ordersMs: 10_000,
  kills: 15,
  initialOrders: 150,
  ordersPerSecond: 1,
  updatesPerSecond: 1.5,
  skusPerConnection: 4,
  apiChangeEveryMs: 800,
  cliImportEveryMs: 15_000,
  cliImportSize: 4,
  cliSyncEveryMs: 20_000,
  hangs: false,
  mailRefuseShare: 0.03,
  simSpeed: 20,
  reportSeconds: { queue: 2, processing: 8 },
  waitForKilledJobs: false,
  settleTimeoutMs: 240_000,
};

/** The long form (`npm run chaos`): about half an hour, as in the issue's own run. */
export const LONG_FORM: Omit<ChaosOptions, 'adminUrl' | 'seed' | 'workDir' | 'log'> = {
  chaosMs: 25 * 60_000,
  ordersMs: 24 * 60_000,
  kills: 40,
  initialOrders: 100,
  ordersPerSecond: 0.45,
  updatesPerSecond: 0.6,
  skusPerConnection: 12,
  apiChangeEveryMs: 4_000,
  cliImportEveryMs: 60_000,
  cliImportSize: 6,
  cliSyncEveryMs: 90_000,
  hangs: true,
  mailRefuseShare: 0.05,
  simSpeed: 20,
  reportSeconds: { queue: 15, processing: 120 },
  waitForKilledJobs: true,
  settleTimeoutMs: 15 * 60_000,
};

/** What a run found. */
export interface ChaosResult {
  seed: number;
  /** Every problem the end checks found, as sentences; empty when all held. */
  failures: string[];
  figures: Record<string, unknown>;
}

const EMAILED_TYPES = [
  'connection.connected',
  'connection.revoked',
  'connection.renewed',
  'order.upserted',
  'listing.accepted',
  'listing.rejected',
];
const ROLES: Role[] = [
  { name: 'web', command: 'web' },
  { name: 'worker-1', command: 'worker' },
  { name: 'worker-2', command: 'worker' },
];
/** How long Sellerlink may take to show a revoked authorization while the seller's work goes on. */
const REVOKE_NOTICE_MS = 50_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs `tries` attempts of `fn` until one works, pausing between; rethrows the last failure. */
async function retry<T>(what: string, tries: number, pauseMs: number, fn: () => Promise<T>): Promise<T> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      return await fn();
    } catch (err) {
      last = err;
      await sleep(pauseMs);
    }
  }
  throw new Error(`${what}: ${last instanceof Error ? last.message : String(last)}`);
}

const between = (random: Random, low: number, high: number) => low + random.float() * (high - low);

/** Runs one chaos run; never throws for a failed check (see `failures`), only for a broken setup. */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const { seed } = options;
  const log = (line: string) => options.log(`${new Date().toISOString().slice(11, 23)} ${line}`);
  const random = createSeededRandom(seed);
  const startedAt = Date.now();
  const logDir = path.join(options.workDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  log(`chaos: seed ${seed}; logs in ${logDir}`);

  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanup = async () => {
    for (const fn of cleanups.splice(0).reverse()) await Promise.resolve(fn()).catch(() => {});
  };
  try {
    const world = await createChaosWorld({
      adminUrl: options.adminUrl,
      seed,
      simSpeed: options.simSpeed,
      reportSeconds: options.reportSeconds,
      initialOrders: options.initialOrders,
      workDir: options.workDir,
      // Latency faults last at most 2.5 s, hangs 45 s (long form): the service's default 60 s there.
      inFlightSettleSeconds: options.hangs ? 60 : 10,
    });
    cleanups.push(() => world.close());
    const { store, sim, mailbox, publicUrl, account, owner, apiKey, env } = world;
    const sellers = DEMO.sellers.map((s) => s.sellingPartnerId);
    const control = <T = unknown>(method: string, controlPath: string, body?: unknown) =>
      world.control<T>(method, controlPath, body);

    const pool: ProcessPool = createProcessPool({ roles: ROLES, env, logDir });
    cleanups.push(() => pool.killAll());
    log('chaos: starting web and two workers');
    await pool.ensureAll();
    log(`chaos: processes up after ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);

    // --- the seller connects three regions on the portal -------------------------------------
    let browser: HttpBrowser = await signIn(publicUrl, owner.username, owner.password);
    await saveEmailSettings(browser, publicUrl, [owner.email], EMAILED_TYPES);
    const regions: RegionCode[] = ['NA', 'EU', 'FE'];
    for (const region of regions) await connectRegion(browser, publicUrl, region);
    const api = async (
      method: string,
      apiPath: string,
      body?: unknown,
    ): Promise<{ status: number; json: unknown }> => {
      const res = await fetch(`${publicUrl}${apiPath}`, {
        method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      return { status: res.status, json: text ? (JSON.parse(text) as unknown) : null };
    };
    type ApiConnection = {
      id: string;
      region: RegionCode;
      sellingPartnerId: string;
      marketplaceIds: string[];
      state: string;
    };
    const connections = ((await api('GET', '/api/v1/connections')).json as { connections: ApiConnection[] })
      .connections;
    if (connections.length !== 3) throw new Error(`expected 3 connections, found ${connections.length}`);
    const targets: ListingTarget[] = connections.map((c) => ({
      connectionId: c.id,
      sellingPartnerId: c.sellingPartnerId,
      marketplaceId: c.marketplaceIds[0]!,
    }));
    const plan: ListingPlan = createListingPlan({
      targets,
      skusPerConnection: options.skusPerConnection,
      random,
      tagPrefix: `s${seed}`,
    });
    log(`chaos: connected ${connections.map((c) => `${c.region} ${c.sellingPartnerId}`).join(', ')}`);

    // Each connection's first import (its backfill by report, then a searchOrders page) ends before
    // the faults begin. Amazon sends no rate header with a 429, so a 429 before a connection's first
    // answer leaves its bucket at the model's plan (searchOrders: one call in 3 min), and this
    // simulator runs its plans 20 times faster: the wait would be the model's, not the simulator's,
    // and the run would measure that instead of its recovery.
    const firstImportStart = Date.now();
    for (;;) {
      const done = await store.db
        .selectFrom('order_syncs')
        .select('connection_id')
        .where('last_finished_at', 'is not', null)
        .where(
          'connection_id',
          'in',
          connections.map((c) => c.id),
        )
        .execute();
      if (done.length === connections.length) break;
      if (Date.now() - firstImportStart > 120_000)
        throw new Error(
          `the first order imports did not finish within 120 s (${done.length} of ${connections.length})`,
        );
      await sleep(500);
    }
    log(`chaos: first order imports done after ${((Date.now() - firstImportStart) / 1000).toFixed(1)} s`);

    // --- chaos -------------------------------------------------------------------------------
    const chaosStart = Date.now();
    const chaosEnd = chaosStart + options.chaosMs;
    const ordersEnd = chaosStart + options.ordersMs;
    const running = () => Date.now() < chaosEnd;
    /** Sleeps, but not past the chaos phase's end. */
    const pause = (ms: number) => sleep(Math.max(0, Math.min(ms, chaosEnd - Date.now())));
    const figures = {
      orders: { initial: options.initialOrders * sellers.length, created: 0, updated: 0 },
      listings: { api: 0, cli: 0, noAnswer: 0, notStored: 0 },
      kills: { total: 0, web: 0, workers: 0, whileStarting: 0 },
      dbConnectionsDropped: 0,
      cli: { imports: 0, importsFailed: 0, syncs: 0, syncsNonZero: 0 },
      revoke: {
        connection: '',
        revokedAtMs: null as number | null,
        noticedAfterMs: null as number | null,
        renewedAfterMs: null as number | null,
        renewAttempts: 0,
        /** EU SP-API calls and all LWA calls between revoke and renewal, by status. */
        callsWhileRevoked: {} as Record<string, number>,
      },
    };
    let lastOrderChangeAt = Date.now();
    const uptimes: number[] = [];
    const failures: string[] = [];

    const faultsTask = async () => {
      while (running()) {
        await control('DELETE', '/_sim/faults');
        const rules: Record<string, unknown>[] = [
          { operation: '*', kind: '429', share: between(random, 0.05, 0.2) },
          { operation: '*', kind: '500', share: between(random, 0.02, 0.06) },
          { operation: '*', kind: '503', share: between(random, 0.02, 0.06) },
          {
            operation: '*',
            kind: 'latency',
            share: between(random, 0.1, 0.3),
            latencyMs: Math.round(between(random, 300, 2500)),
          },
          { operation: '*', kind: 'drop', share: between(random, 0.01, 0.04) },
          { operation: 'lwa', kind: '500', share: between(random, 0.05, 0.15) },
          { operation: 'lwa', kind: 'drop', share: 0.02 },
        ];
        if (options.hangs) rules.push({ operation: '*', kind: 'latency', share: 0.003, latencyMs: 45_000 });
        for (const rule of rules) await control('POST', '/_sim/faults', rule);
        await pause(between(random, 5_000, 15_000));
      }
      await control('DELETE', '/_sim/faults');
    };

    /** Drops some of the processes' database connections now and then (a failover, a restart). */
    const dbDropTask = async () => {
      while (running()) {
        await pause(between(random, 8_000, 20_000));
        if (!running()) break;
        const dropped = await sql<{ n: string }>`
          select count(*) as n from (
            select pg_terminate_backend(pid) from pg_stat_activity
            where datname = current_database() and application_name = ${PROCESS_DB_NAME}
              and random() < 0.25) t`.execute(store.db);
        const n = Number(dropped.rows[0]!.n);
        figures.dbConnectionsDropped += n;
        if (n > 0) log(`chaos: dropped ${n} database connections of the processes`);
      }
    };

    const ordersTask = async () => {
      const owed = new Map(sellers.map((s) => [s, { create: 0, update: 0 }]));
      while (Date.now() < ordersEnd) {
        await sleep(1000);
        for (const seller of sellers) {
          const o = owed.get(seller)!;
          o.create += options.ordersPerSecond * between(random, 0.5, 1.5);
          o.update += options.updatesPerSecond * between(random, 0.5, 1.5);
          const create = Math.floor(o.create);
          const update = Math.floor(o.update);
          o.create -= create;
          o.update -= update;
          if (create > 0) {
            await control('POST', '/_sim/orders/generate', { sellingPartnerId: seller, count: create });
            figures.orders.created += create;
          }
          if (update > 0) {
            const r = await control<{ updated: number }>('POST', '/_sim/orders/update', {
              sellingPartnerId: seller,
              count: update,
            });
            figures.orders.updated += r.updated;
          }
          if (create > 0 || update > 0) lastOrderChangeAt = Date.now();
        }
      }
    };

    /** Finds out whether a change whose answer was lost was stored: the SKU's newest change is new. */
    const resolveUnknown = async (change: PlannedChange): Promise<string | null> => {
      const known = new Set(
        plan
          .storedBySku()
          .find((s) => s.target.connectionId === change.target.connectionId && s.sku === change.sku)!
          .changes.map((c) => c.id),
      );
      const history = await retry('listing history', 120, 1000, async () => {
        const res = await api(
          'GET',
          `/api/v1/connections/${change.target.connectionId}/listings/${encodeURIComponent(change.sku)}`,
        );
        if (res.status !== 200) throw new Error(`history answered ${res.status}`);
        return (res.json as { changes: { id: string; kind: string }[] }).changes;
      });
      const fresh = history.filter((c) => !known.has(c.id));
      if (fresh.length > 1)
        failures.push(`${change.sku}: one lost answer, ${fresh.length} new changes stored`);
      return fresh[0]?.id ?? null;
    };

    const sendOne = async (slot: SkuSlot): Promise<void> => {
      const change = plan.next(slot, 'api');
      const url = `/api/v1/connections/${slot.target.connectionId}/listings/${encodeURIComponent(slot.sku)}?marketplaceIds=${slot.target.marketplaceId}`;
      let id: string | null = null;
      let res: { status: number; json: unknown } | null = null;
      try {
        res = await api(change.kind.toUpperCase(), url, change.body ?? undefined);
      } catch {
        res = null; // no answer: the web process died under the call, or the answer was lost
      }
      if (res?.status === 202) id = (res.json as { id: string }).id;
      else if (res && res.status < 500)
        failures.push(
          `the API refused a listing change (${change.kind} ${slot.sku}): ${res.status} ${JSON.stringify(res.json).slice(0, 200)}`,
        );
      else {
        figures.listings.noAnswer++;
        id = await resolveUnknown(change);
      }
      plan.settle(change, id);
      if (id) figures.listings.api++;
      else figures.listings.notStored++;
    };

    const listingsApiTask = async () => {
      while (running()) {
        const [slot] = plan.take(1);
        if (slot) {
          try {
            await sendOne(slot);
          } finally {
            plan.done(slot);
          }
        }
        await pause(options.apiChangeEveryMs);
      }
    };

    let importNo = 0;
    /** One `sellerlink listings import` file of changes for one connection's SKUs. */
    const importOnce = async (target: ListingTarget, slots: SkuSlot[]): Promise<void> => {
      const changes = slots.map((slot) => plan.next(slot, 'cli'));
      const file = path.join(options.workDir, `import-${++importNo}.json`);
      const lines = changes.map((c) => ({
        sku: c.sku,
        kind: c.kind,
        marketplaceId: c.target.marketplaceId,
        ...(c.body ? { body: c.body } : {}),
      }));
      writeFileSync(file, JSON.stringify(lines));
      figures.cli.imports++;
      const out = await runCli(
        ['listings', 'import', file, '--connection', target.connectionId, '--json'],
        env,
      );
      const ids: (string | null)[] = [];
      if (out.code === 0) {
        const queued = JSON.parse(out.stdout) as { id: string; sku: string }[];
        for (const c of changes) ids.push(queued.find((q) => q.sku === c.sku)?.id ?? null);
      } else {
        // All or nothing: it failed, so nothing should be stored (the history tells).
        figures.cli.importsFailed++;
        log(`chaos: listings import exited ${out.code}: ${out.stderr.trim().slice(0, 300)}`);
        for (const c of changes) ids.push(await resolveUnknown(c));
      }
      changes.forEach((c, i) => {
        plan.settle(c, ids[i] ?? null);
        if (ids[i]) figures.listings.cli++;
        else figures.listings.notStored++;
      });
    };

    const cliImportTask = async () => {
      await pause(between(random, 2_000, options.cliImportEveryMs));
      while (running()) {
        const target = targets[Math.floor(random.float() * targets.length)]!;
        const slots = plan.take(options.cliImportSize, target.connectionId);
        try {
          if (slots.length > 0) await importOnce(target, slots);
        } finally {
          for (const slot of slots) plan.done(slot);
        }
        await pause(options.cliImportEveryMs * between(random, 0.7, 1.3));
      }
    };

    const cliSyncTask = async () => {
      await pause(between(random, 3_000, options.cliSyncEveryMs));
      while (running()) {
        const target = targets[Math.floor(random.float() * targets.length)]!;
        const syncStart = Date.now();
        // Killed if it runs on 30 s past the phase (a kill like any other), so the run stays bounded.
        const out = await runCli(
          ['orders', 'sync', '--connection', target.connectionId],
          env,
          Math.max(5_000, chaosEnd + 30_000 - Date.now()),
          path.join(logDir, 'cli.log'),
        );
        const took = Date.now() - syncStart;
        if (took > 20_000)
          log(
            `chaos: orders sync of ${target.connectionId.slice(0, 8)} took ${(took / 1000).toFixed(1)} s (exit ${out.code}): ` +
              `${out.stdout.trim().slice(-300)} | ${out.stderr.trim().split('\n').slice(-3).join(' / ').slice(-400)}`,
          );
        figures.cli.syncs++;
        if (out.code !== 0) figures.cli.syncsNonZero++;
        await pause(options.cliSyncEveryMs * between(random, 0.7, 1.3));
      }
    };

    const killTask = async () => {
      const span = options.chaosMs;
      for (let i = 0; i < options.kills; i++) {
        const at = chaosStart + ((i + between(random, 0.15, 0.85)) * span) / options.kills;
        await sleep(Math.max(0, at - Date.now()));
        // A process at work: one that finished starting (a restarted one may take a while).
        let ready = pool.ready();
        for (let waited = 0; ready.length === 0 && waited < 60_000; waited += 250) {
          await sleep(250);
          ready = pool.ready();
        }
        // The web process about a third of the time (while it restarts, the API and portal are down).
        const workers = ready.filter((name) => name !== 'web');
        const pickFrom =
          ready.length === 0
            ? ROLES.map((r) => r.name)
            : workers.length === 0 || (ready.includes('web') && random.float() < 0.3)
              ? ['web']
              : workers;
        const victim = pickFrom[Math.floor(random.float() * pickFrom.length)]!;
        const info = await pool.killAndRestart(victim);
        figures.kills.total++;
        if (victim === 'web') figures.kills.web++;
        else figures.kills.workers++;
        if (!info.wasReady) figures.kills.whileStarting++;
        uptimes.push(info.uptimeMs);
        log(
          `chaos: SIGKILL ${victim} (pid ${info.pid}, up ${(info.uptimeMs / 1000).toFixed(1)} s${info.wasReady ? '' : ', starting'}) at +${((Date.now() - chaosStart) / 1000).toFixed(1)} s`,
        );
      }
    };

    const revokeRenewTask = async () => {
      const eu = connections.find((c) => c.region === 'EU')!;
      figures.revoke.connection = eu.id;
      await sleep(options.chaosMs * 0.1);
      const authorization = [...sim.ctx.state.authorizations.values()].find(
        (a) =>
          a.sellingPartnerId === eu.sellingPartnerId &&
          a.appId === DEMO.publishedApp.appId &&
          a.revokedAt === null,
      );
      if (!authorization) throw new Error('no active authorization to revoke');
      await control('POST', `/_sim/authorizations/${authorization.id}/revoke`, {});
      const revokedAt = Date.now();
      figures.revoke.revokedAtMs = revokedAt - chaosStart;
      log(`chaos: revoked ${eu.region} ${eu.sellingPartnerId} in the simulator`);
      // The seller renews when Sellerlink tells them to: once the connection shows as revoked. Its
      // next call for the connection finds out (a transient failure on the way delays that call).
      const noticeBy = revokedAt + REVOKE_NOTICE_MS;
      while (Date.now() < noticeBy) {
        const res = await api('GET', `/api/v1/connections/${eu.id}`).catch(() => null);
        const state = (res?.json as { state?: string } | null)?.state;
        if (state === 'revoked') {
          figures.revoke.noticedAfterMs = Date.now() - revokedAt;
          log(`chaos: Sellerlink shows ${eu.region} as revoked`);
          break;
        }
        await sleep(1000);
      }
      if (figures.revoke.noticedAfterMs === null)
        failures.push(
          `the revoked authorization of ${eu.sellingPartnerId} was not shown as revoked within ${REVOKE_NOTICE_MS / 1000} s although its listing changes kept coming`,
        );
      // Changes and imports wait for the seller a while (the long form: minutes).
      await sleep(Math.max(5_000, revokedAt + options.chaosMs * 0.1 - Date.now()));
      for (;;) {
        figures.revoke.renewAttempts++;
        try {
          await renewConnection(browser, publicUrl, eu.id, 'EU');
          figures.revoke.renewedAfterMs = Date.now() - revokedAt;
          for (const entry of sim.ctx.state.requestLog) {
            if (entry.at < sim.ctx.clock.now() - (Date.now() - revokedAt)) continue;
            if (entry.region !== 'EU' && entry.operation !== 'lwa') continue;
            const key = `${entry.operation ?? entry.path} ${entry.status}${entry.note ? ` ${entry.note}` : ''}`;
            figures.revoke.callsWhileRevoked[key] = (figures.revoke.callsWhileRevoked[key] ?? 0) + 1;
          }
          log(`chaos: renewed ${eu.region} on the portal (attempt ${figures.revoke.renewAttempts})`);
          return;
        } catch (err) {
          log(
            `chaos: renewal attempt ${figures.revoke.renewAttempts} failed: ${(err as Error).message.slice(0, 200)}`,
          );
          if (figures.revoke.renewAttempts >= 30) {
            failures.push(
              `renewal on the portal failed 30 times; last: ${(err as Error).message.slice(0, 300)}`,
            );
            return;
          }
          await sleep(2000);
          browser = await signIn(publicUrl, owner.username, owner.password).catch(() => browser);
        }
      }
    };

    log(`chaos: chaos phase for ${options.chaosMs / 1000} s (${options.kills} kills)`);
    mailbox.setRefuseShare(options.mailRefuseShare);
    const timed = (name: string, task: () => Promise<void>) => async () => {
      await task();
      const over = Date.now() - chaosEnd;
      if (over > 1000)
        log(`chaos: ${name} finished ${(over / 1000).toFixed(1)} s after the chaos phase's end`);
    };
    await Promise.all(
      [
        timed('faults', faultsTask),
        timed('database connections', dbDropTask),
        timed('orders', ordersTask),
        timed('listings (API 1)', listingsApiTask),
        timed('listings (API 2)', listingsApiTask),
        timed('listings import', cliImportTask),
        timed('orders sync', cliSyncTask),
        timed('kills', killTask),
        timed('revoke and renew', revokeRenewTask),
      ].map((task) => task()),
    );
    mailbox.setRefuseShare(0);
    await control('DELETE', '/_sim/faults');
    const chaosDone = Date.now();
    log(`chaos: chaos phase over after ${((chaosDone - chaosStart) / 1000).toFixed(1)} s; settling`);

    // --- settle --------------------------------------------------------------------------------
    await pool.ensureAll();
    const settleStart = new Date();
    const settleDeadline = Date.now() + options.settleTimeoutMs;
    const simOrders = () => sim.ctx.state.orders.values();
    const connectionList = connections.map((c) => ({ id: c.id, sellingPartnerId: c.sellingPartnerId }));
    // Amazon lists an order 2 minutes after its last change (lastUpdatedBefore ≤ now − 2 min).
    const ordersVisibleAt = lastOrderChangeAt + 125_000;
    let lastSync = 0;
    let lastReport = 0;
    let status = { orders: false, listings: false, notifications: false, jobs: false, busy: [] as string[] };
    while (Date.now() < settleDeadline) {
      if (Date.now() >= ordersVisibleAt && Date.now() - lastSync > 10_000 && !status.orders) {
        lastSync = Date.now();
        const out = await runCli(
          ['orders', 'sync'],
          env,
          Math.max(5_000, settleDeadline - Date.now()),
          path.join(logDir, 'cli.log'),
        );
        figures.cli.syncs++;
        if (out.code !== 0) figures.cli.syncsNonZero++;
      }
      const open = await sql<{ n: string }>`
        select count(*) as n from listing_changes where state in ('queued', 'sending', 'waiting')`.execute(
        store.db,
      );
      const pending = await sql<{ n: string }>`
        select count(*) as n from notification_deliveries where status in ('pending', 'sending')`.execute(
        store.db,
      );
      const unfanned = await sql<{ n: string }>`
        select count(*) as n from events e where e.account_id = ${account.id}
          and e.type in (${sql.join(EMAILED_TYPES)})
          and not exists (select 1 from notification_deliveries d where d.event_id = e.id)`.execute(store.db);
      const quiet = await jobsQuiet(store.db, options.waitForKilledJobs ? settleStart : null);
      status = {
        orders: Date.now() >= ordersVisibleAt && (await ordersMatch(store.db, connectionList, simOrders)),
        listings: Number(open.rows[0]!.n) === 0,
        notifications: Number(pending.rows[0]!.n) === 0 && Number(unfanned.rows[0]!.n) === 0,
        jobs: quiet.quiet,
        busy: quiet.busy,
      };
      if (status.orders && status.listings && status.notifications && status.jobs) break;
      if (Date.now() - lastReport > 20_000) {
        lastReport = Date.now();
        log(
          `chaos: settling: orders ${status.orders ? 'match' : 'not yet'}, ${open.rows[0]!.n} listing changes open, ` +
            `${pending.rows[0]!.n} deliveries pending, ${unfanned.rows[0]!.n} events not fanned out, ` +
            `jobs ${status.jobs ? 'quiet' : `busy: ${quiet.busy.slice(0, 3).join('; ')}`}`,
        );
      }
      await sleep(2000);
    }
    const settledMs = Date.now() - chaosDone;
    if (!(status.orders && status.listings && status.notifications && status.jobs))
      log(`chaos: did not settle within ${options.settleTimeoutMs / 1000} s; checking anyway`);
    // Let a duplicate e-mail, if any, arrive before counting.
    await sleep(1500);

    // --- end checks ----------------------------------------------------------------------------
    const orders = await checkOrders(store.db, connectionList, simOrders);
    failures.push(...orders.failures);

    const rows = new Map(
      (
        await store.db
          .selectFrom('listing_changes')
          .select(['id', 'state', 'attempts', 'amazon_status', 'state_reason', 'error_message'])
          .execute()
      ).map((r): [string, ChangeRow] => [r.id, r]),
    );
    const listings = checkListings(plan, rows, (spid, sku) =>
      sim.ctx.state.listings.get(listingKey(spid, sku)),
    );
    failures.push(...listings.failures);

    const notifications = await checkNotifications(store.db, {
      accountId: account.id,
      recipient: owner.email,
      eventTypes: EMAILED_TYPES,
      mail: mailbox.received,
    });
    failures.push(...notifications.failures);

    const jobs = await checkJobs(store.db, options.waitForKilledJobs ? settleStart : null);
    failures.push(...jobs.failures);

    const finalConnections = (
      (await api('GET', '/api/v1/connections')).json as {
        connections: (ApiConnection & { health: { state: string } })[];
      }
    ).connections;
    for (const c of finalConnections)
      if (c.state !== 'active' || c.health.state !== 'working')
        failures.push(
          `connection ${c.region} ${c.sellingPartnerId} ends ${c.state} (${c.health.state}), expected active and working`,
        );
    const lifecycle = await sql<{ type: string }>`
      select type from events where connection_id = ${figures.revoke.connection}
        and type in ('connection.revoked', 'connection.renewed') order by id`.execute(store.db);
    const types = lifecycle.rows.map((r) => r.type);
    const revokedThenRenewed =
      types.includes('connection.revoked') &&
      types.lastIndexOf('connection.renewed') > types.indexOf('connection.revoked');
    if (figures.revoke.noticedAfterMs !== null && !revokedThenRenewed)
      failures.push(
        `the revoked connection's events are [${types.join(', ')}], expected connection.revoked then connection.renewed`,
      );

    for (const crash of pool.crashes)
      failures.push(
        `${crash.role} (pid ${crash.pid}) died on its own ${crash.wasReady ? 'while running' : 'while starting'} (${crash.signal ?? `exit ${crash.code}`}); last lines of ${crash.logFile}:\n    ${crash.lastLines.slice(-8).join('\n    ')}`,
      );
    const stops = await pool.stopAll(15_000);
    for (const stop of stops)
      if (stop.code !== 0)
        failures.push(`${stop.role} did not stop cleanly on SIGTERM (${stop.signal ?? `exit ${stop.code}`})`);

    const attempted = plan.attempted().filter((c) => c.id !== null);
    const faultNotes = new Map<string, number>();
    for (const entry of sim.ctx.state.requestLog)
      for (const note of (entry.note ?? '').split(' ')) {
        // `fault:429`, `fault:drop`, `fault:latency:<ms>` (counted as one kind)
        const kind = /^fault:(latency|[^:]+)/.exec(note)?.[0];
        if (kind) faultNotes.set(kind, (faultNotes.get(kind) ?? 0) + 1);
      }
    const result: ChaosResult = {
      seed,
      failures,
      figures: {
        seed,
        durationS: Math.round((Date.now() - startedAt) / 1000),
        chaosS: Math.round(options.chaosMs / 1000),
        settleS: Math.round(settledMs / 1000),
        settled: status.orders && status.listings && status.notifications && status.jobs,
        processStarts: pool.starts,
        dbConnectionsDropped: figures.dbConnectionsDropped,
        kills: {
          ...figures.kills,
          medianUptimeS:
            Math.round((uptimes.sort((a, b) => a - b)[Math.floor(uptimes.length / 2)] ?? 0) / 100) / 10,
        },
        orders: {
          ...figures.orders,
          inSimulator: orders.expected,
          imported: orders.imported,
        },
        listingChanges: {
          stored: attempted.length,
          viaApi: figures.listings.api,
          viaCli: figures.listings.cli,
          put: attempted.filter((c) => c.kind === 'put').length,
          patch: attempted.filter((c) => c.kind === 'patch').length,
          delete: attempted.filter((c) => c.kind === 'delete').length,
          invalid: attempted.filter((c) => !c.valid).length,
          skus: plan.storedBySku().filter((s) => s.changes.length > 0).length,
          noAnswer: figures.listings.noAnswer,
          notStored: figures.listings.notStored,
          acceptedSubmissions: listings.acceptedSubmissions,
          invalidSubmissions: listings.invalidSubmissions,
          invalidResent: listings.invalidResent,
          readBack: [...rows.values()].filter((r) => /interrupted/.test(r.state_reason ?? '')).length,
          sentMoreThanOnce: [...rows.values()].filter((r) => r.attempts > 1).length,
        },
        notifications: { ...notifications.figures, refusedBySmtp: mailbox.refused() },
        cli: figures.cli,
        revoke: figures.revoke,
        faultsInjected: Object.fromEntries(faultNotes),
        amazonCalls: sim.ctx.state.requestLog.length,
        jobs: jobs.figures,
        cleanStopMs: Object.fromEntries(stops.map((s) => [s.role, s.ms])),
      },
    };
    log(`chaos: ${failures.length === 0 ? 'all checks held' : `${failures.length} checks failed`}`);
    return result;
  } finally {
    await cleanup();
  }
}
