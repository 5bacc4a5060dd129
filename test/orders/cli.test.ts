import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, MINUTE, createOffsetClock, systemClock } from '../../src/kernel/clock.js';
import { createSimulator, type Simulator } from '../../src/simulator/app.js';
import { DEMO, seedDemo } from '../../src/simulator/seed.js';
import { listenSimulator, type SimulatorServer } from '../../src/simulator/server.js';
import { authorize } from '../../src/simulator/world.js';
import { preparePgliteDir, runInProcess, type CliEnv, type CliRun } from '../cli/harness.js';
import { simControlFetch } from '../support/sim-control.js';

const T = 240_000;
const APP = DEMO.draftApp;
const SELLER = DEMO.sellers.find((s) => s.region === 'NA')!.sellingPartnerId;

/**
 * `sellerlink orders sync` and `orders backfill` against a simulator on a real port, in sandbox mode
 * (the CLI then runs on the simulator's clock, as the service does): progress lines with an ETA on
 * stderr, a summary on stdout, bad input refused with the option named.
 */
describe('orders from the CLI', () => {
  let dataDir: string;
  let simulator: Simulator;
  let sim: SimulatorServer;
  let env: CliEnv;
  let connectionId = '';
  const cli = (args: string[], stdin?: string): Promise<CliRun> => runInProcess(env, args, stdin);
  /** Moves simulated time and tells the CLI (sandbox mode reads the offset from the data directory). */
  const advance = (ms: number): void => {
    simulator.ctx.clock.advance(ms);
    writeFileSync(
      path.join(dataDir, 'simulator-clock.json'),
      JSON.stringify({ offsetMs: simulator.ctx.clock.offset() }),
    );
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'sellerlink-orders-cli-'));
    await preparePgliteDir(dataDir);
    simulator = createSimulator({
      clock: createOffsetClock(systemClock),
      config: { speed: 1000, reportQueueSeconds: 0, reportProcessingSeconds: 2 },
    });
    seedDemo(simulator.ctx, { redirectUris: ['https://sellerlink.example/oauth/callback'] });
    sim = await listenSimulator(simulator, { port: 0 });
    env = {
      SELLERLINK_MODE: 'sandbox',
      SELLERLINK_DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      SIMULATOR_PORT: String(sim.port),
      LOG_LEVEL: 'silent',
      // These tests follow the paging walk's progress; the backfill by report has its own tests.
      ORDERS_REPORT_BACKFILL_AFTER_HOURS: '0',
    };
    const added = await cli(
      [
        'applications',
        'add',
        '--name',
        APP.name,
        '--app-id',
        APP.appId,
        '--client-id',
        APP.clientId,
        '--status',
        'draft',
        '--redirect-uri',
        'https://sellerlink.example/oauth/callback',
        '--client-secret-stdin',
      ],
      APP.clientSecret,
    );
    expect(added.stderr).not.toContain('error');
    expect(added.code).toBe(0);
    expect((await cli(['accounts', 'create', 'Orders Shop'])).code).toBe(0);
    const auth = authorize(simulator.ctx, { appId: APP.appId, sellingPartnerId: SELLER, kind: 'self' });
    const imported = await cli(
      [
        'connections',
        'import',
        '--account',
        'Orders Shop',
        '--application',
        APP.appId,
        '--region',
        'NA',
        '--selling-partner-id',
        SELLER,
        '--refresh-token-stdin',
      ],
      auth.refreshToken,
    );
    expect(imported.code).toBe(0);
    const list = await cli(['connections', 'list', '--json']);
    connectionId = (JSON.parse(list.stdout) as { id: string }[])[0]!.id;
  }, T);

  afterAll(async () => {
    await sim?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'sync imports new orders with progress on stderr and a summary on stdout',
    async () => {
      await simControlFetch(simulator.controlToken)(`${sim.url}/_sim/orders/generate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sellingPartnerId: SELLER, count: 250 }),
      });
      advance(3 * MINUTE);
      const run = await cli(['orders', 'sync', '--connection', connectionId]);
      expect(run.code).toBe(0);
      // Pages of 100: three progress lines, the last at 100 %, each with an ETA from the usage plan.
      const progress = run.stderr.split('\n').filter((l) => l.includes('% · page'));
      expect(progress).toHaveLength(3);
      expect(progress[2]).toMatch(/100% · page 3 · 250 orders read, 250 new or changed/);
      expect(progress.every((l) => /ETA (\d+ s|\d+ min \d+ s|estimating…)/.test(l))).toBe(true);
      expect(run.stdout).toContain(`${connectionId}: 3 pages, 250 orders read, 250 new or changed`);

      const again = await cli(['orders', 'sync']);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('0 new or changed');
    },
    T,
  );

  it(
    'backfill re-reads from a date without duplicating anything',
    async () => {
      const since = new Date(simulator.ctx.clock.now() - 2 * 3600_000).toISOString();
      const run = await cli(['orders', 'backfill', '--connection', connectionId, '--since', since]);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('250 orders read, 0 new or changed');
    },
    T,
  );

  it(
    'sync after a gap backfills by report and says while it waits for Amazon',
    async () => {
      await simControlFetch(simulator.controlToken)(`${sim.url}/_sim/orders/generate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sellingPartnerId: SELLER, count: 20 }),
      });
      // Two days without an import: more than the 6 hours after which reports fill the gap.
      advance(2 * DAY);
      const run = await runInProcess(
        { ...env, ORDERS_REPORT_BACKFILL_AFTER_HOURS: '6', ORDERS_REPORT_POLL_SECONDS: '5' },
        ['orders', 'sync', '--connection', connectionId],
      );
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(
        /waiting for Amazon's order report \(backfill by report\), looking again in 5 s/,
      );
      // The report holds every order of the 2 days (270); only the 20 new ones change anything.
      expect(run.stdout).toMatch(/270 orders read, 20 new or changed/);
    },
    T,
  );

  it(
    'refuses bad input naming the option, changing nothing',
    async () => {
      const bad = await cli(['orders', 'backfill', '--connection', connectionId, '--since', 'last week']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain("--since: 'last week' is not a date");
      const future = await cli(['orders', 'backfill', '--connection', connectionId, '--since', '2999-01-01']);
      expect(future.stderr).toContain('--since: must be in the past');
      const unknown = await cli(['orders', 'sync', '--connection', '00000000-0000-4000-8000-000000000000']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('ORDERS_CONNECTION_NOT_FOUND');
    },
    T,
  );
});
