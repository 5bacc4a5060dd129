/**
 * A listings worker process for the crash test: drains one connection's outbox against the
 * simulator over HTTP, with the same vault key as test/support/amazon-world.ts, until killed.
 *   node bin/sellerlink-dev.js test/listings/drain-worker.ts DATABASE_URL SIMULATOR_URL CONNECTION_ID
 */
import { createSpApiClient } from '../../src/amazon/client.js';
import { createLwaClient } from '../../src/amazon/lwa.js';
import { createRateLimiter } from '../../src/amazon/rate-limiter.js';
import { simulatorEndpoints } from '../../src/config/config.js';
import { createApplications } from '../../src/connections/applications.js';
import { createAuditLog } from '../../src/connections/audit.js';
import { systemClock } from '../../src/kernel/clock.js';
import { silentLogger } from '../../src/kernel/log.js';
import { cryptoRandom, randomUuid } from '../../src/kernel/random.js';
import { createListingDrainer } from '../../src/listings/drain.js';
import { openStore } from '../../src/store/database.js';
import { createTokenBroker } from '../../src/tokens/broker.js';
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
const applications = createApplications({
  db: store.db,
  vault,
  clock,
  newId: () => randomUuid(cryptoRandom),
});
const tokens = createTokenBroker({
  store,
  vault,
  clock,
  lwa: createLwaClient({ fetch: fetchFn, endpoint: endpoints.lwaTokenUrl, clock }),
  applications,
  audit: createAuditLog(store.db, clock),
  logger: silentLogger,
});
const spApi = createSpApiClient({
  tokens,
  limiter: createRateLimiter({ db: store.db, clock: systemClock }),
  fetch: fetchFn,
  endpoints: endpoints.spApi,
  userAgent: 'Sellerlink/test-worker (Language=TypeScript)',
  clock,
  random: cryptoRandom,
});
const drainer = createListingDrainer({ store, spApi, clock, logger: silentLogger, retryDelayMs: 0 });
process.stdout.write('ready\n');
for (;;) {
  const report = await drainer.drain(connectionId);
  process.stdout.write(`${JSON.stringify(report)}\n`);
  if (report.remaining === 0 && report.retryAfterMs === null) break;
}
await store.close();
