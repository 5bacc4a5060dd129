/**
 * A worker process for the takeover tests: the service's own listings, order or notification jobs
 * on pg-boss (src/listings/jobs.ts, src/orders/jobs.ts, src/notify/jobs.ts) with shortened job
 * timing, on PostgreSQL at DATABASE_URL, against the simulator served at SIM_ORIGIN
 * (SIM_CONTROL_TOKEN in the environment, for its clock). Vault keys as in test/support/amazon-world.ts
 * and test/notify/support.ts. Prints `ready` once its workers poll; runs until killed.
 *   node bin/sellerlink-dev.js test/jobs/work-worker.ts DATABASE_URL SIM_ORIGIN listings|orders|notify
 */
import { startJobs } from '../../src/jobs/boss.js';
import { HOUR, systemClock } from '../../src/kernel/clock.js';
import { silentLogger } from '../../src/kernel/log.js';
import { cryptoRandom, randomUuid } from '../../src/kernel/random.js';
import { createListingDrainer } from '../../src/listings/drain.js';
import { startListingJobs } from '../../src/listings/jobs.js';
import { createNotify, startNotifyJobs } from '../../src/notify/index.js';
import { startOrderJobs } from '../../src/orders/jobs.js';
import { createVault } from '../../src/vault/envelope.js';
import { createKeyRing } from '../../src/vault/keyring.js';
import { WORLD_VAULT_KEY } from '../orders/crash-settings.js';
import { openSimulatorImporter } from '../support/sim-importer.js';

/** Short enough for a test: a dead worker's job expires after 6 s, maintenance every second. */
const TEST_JOB_TIMING = { expireInSeconds: 6, maintenanceIntervalSeconds: 1, workBudgetMs: 2000 };

const [url, origin, what] = process.argv.slice(2);
if (!url || !origin || !['listings', 'orders', 'notify'].includes(what ?? ''))
  throw new Error('usage: work-worker.ts DATABASE_URL SIM_ORIGIN listings|orders|notify');

const { store, clock, amazon, importer } = await openSimulatorImporter({
  databaseUrl: url,
  origin,
  vaultKey: { id: 'k1', base64: WORLD_VAULT_KEY },
  settings: { pageSize: 20, initialLookbackMs: 12 * HOUR, reportBackfillAfterMs: 0 },
  migrate: false,
});
const jobs = await startJobs({
  store,
  timing: TEST_JOB_TIMING,
  maintenanceIntervalSeconds: TEST_JOB_TIMING.maintenanceIntervalSeconds,
  cronMonitorIntervalSeconds: 1,
});
const common = { boss: jobs.boss, logger: silentLogger, timing: jobs.timing, pollingIntervalSeconds: 0.5 };
if (what === 'listings') {
  const drainer = createListingDrainer({
    store,
    spApi: amazon.spApi,
    clock,
    logger: silentLogger,
    retryDelayMs: 1000,
    // A send cut short by a killed worker is read back 5 s after it started (the service waits 60 s).
    inFlightSettleMs: 5000,
  });
  await startListingJobs({ ...common, drainer });
} else if (what === 'orders') {
  await startOrderJobs({ ...common, importer });
} else {
  const notify = createNotify({
    store,
    vault: createVault(
      createKeyRing([{ id: 'n1', base64: Buffer.alloc(32, 9).toString('base64') }]),
      cryptoRandom,
    ),
    clock,
    wallClock: systemClock,
    random: cryptoRandom,
    logger: silentLogger,
    newId: () => randomUuid(cryptoRandom),
    mailer: null,
    mailFrom: 'Sellerlink <alerts@sellerlink.test>',
    publicUrl: 'https://portal.example',
    webhooks: { allowPrivate: true },
  });
  await startNotifyJobs({ ...common, deliveries: notify.deliveries, pollSeconds: 1 });
}
process.stdout.write('ready\n');
