/**
 * A listings worker process for the crash test: drains one connection's outbox against the
 * simulator over HTTP, with the same vault key as test/support/amazon-world.ts, until killed.
 *   node bin/sellerlink-dev.js test/listings/drain-worker.ts DATABASE_URL SIMULATOR_URL CONNECTION_ID
 */
import { createAmazonStack } from '../../src/amazon-stack.js';
import { simulatorEndpoints } from '../../src/config/config.js';
import { createApplications } from '../../src/lifecycle/applications.js';
import { createAuditLog } from '../../src/connections/audit.js';
import { systemClock } from '../../src/kernel/clock.js';
import { silentLogger } from '../../src/kernel/log.js';
import { cryptoRandom, randomUuid } from '../../src/kernel/random.js';
import { createListingDrainer } from '../../src/listings/drain.js';
import { openStore } from '../../src/store/database.js';
import { createVault } from '../../src/vault/envelope.js';
import { createKeyRing } from '../../src/vault/keyring.js';

const [url, simUrl, connectionId] = process.argv.slice(2);
if (!url || !simUrl || !connectionId)
  throw new Error('usage: drain-worker.ts DATABASE_URL SIMULATOR_URL CONNECTION_ID');

const store = await openStore({ kind: 'postgres', url, poolSize: 4 });
const vault = createVault(
  createKeyRing([{ id: 'k1', base64: Buffer.alloc(32, 7).toString('base64') }]),
  cryptoRandom,
);
const endpoints = simulatorEndpoints(simUrl);
const fetchFn = globalThis.fetch.bind(globalThis);
const clock = systemClock;
const amazon = createAmazonStack({
  store,
  vault,
  clock,
  random: cryptoRandom,
  fetch: fetchFn,
  endpoints,
  applications: createApplications({ db: store.db, vault, clock, newId: () => randomUuid(cryptoRandom) }),
  audit: createAuditLog(store.db, clock),
  logger: silentLogger,
});
const spApi = amazon.spApi;
const drainer = createListingDrainer({ store, spApi, clock, logger: silentLogger, retryDelayMs: 0 });
process.stdout.write('ready\n');
for (;;) {
  const report = await drainer.drain(connectionId);
  process.stdout.write(`${JSON.stringify(report)}\n`);
  if (report.remaining === 0 && report.retryAfterMs === null) break;
}
await store.close();
