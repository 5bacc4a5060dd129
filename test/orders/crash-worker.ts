/**
 * An order-import worker process for the crash test: imports CONNECTION_ID from the simulator at
 * SIM_ORIGIN into DATABASE_URL until a run completes, printing one line per committed page.
 *   node bin/sellerlink-dev.js test/orders/crash-worker.ts DATABASE_URL SIM_ORIGIN CONNECTION_ID
 * The simulator's clock offset is read from /_sim/clock so "now − 2 minutes" matches its world.
 */
import { createAmazonStack } from '../../src/amazon-stack.js';
import { simulatorEndpoints } from '../../src/config/config.js';
import { createApplications } from '../../src/connections/applications.js';
import { createAuditLog } from '../../src/connections/audit.js';
import { createOffsetClock, systemClock } from '../../src/kernel/clock.js';
import { silentLogger } from '../../src/kernel/log.js';
import { cryptoRandom, randomUuid } from '../../src/kernel/random.js';
import { createOrderImporter } from '../../src/orders/import.js';
import { openStore } from '../../src/store/database.js';
import { createVault } from '../../src/vault/envelope.js';
import { createKeyRing } from '../../src/vault/keyring.js';
import { CRASH_TEST_SETTINGS, WORLD_VAULT_KEY } from './crash-settings.js';

const [url, origin, connectionId] = process.argv.slice(2);
if (!url || !origin || !connectionId)
  throw new Error('usage: crash-worker.ts DATABASE_URL SIM_ORIGIN CONNECTION_ID');

const { offsetMs } = (await (await fetch(`${origin}/_sim/clock`)).json()) as { offsetMs: number };
const clock = createOffsetClock(systemClock, offsetMs);
const store = await openStore({ kind: 'postgres', url, poolSize: 4 });
const vault = createVault(createKeyRing([{ id: 'k1', base64: WORLD_VAULT_KEY }]), cryptoRandom);
const applications = createApplications({
  db: store.db,
  vault,
  clock,
  newId: () => randomUuid(cryptoRandom),
});
const amazon = createAmazonStack({
  store,
  vault,
  clock,
  random: cryptoRandom,
  fetch: globalThis.fetch.bind(globalThis),
  endpoints: simulatorEndpoints(origin),
  applications,
  audit: createAuditLog(store.db, clock),
  logger: silentLogger,
});
const importer = createOrderImporter({
  store,
  spApi: amazon.spApi,
  clock,
  logger: silentLogger,
  settings: CRASH_TEST_SETTINGS,
});
console.log('started');
for (;;) {
  const outcome = await importer.sync(connectionId, {
    onProgress: (p) => console.log(`page ${p.pages} ${p.reached.toISOString()}`),
  });
  // A killed predecessor's lock goes when PostgreSQL notices its connection closed.
  if (outcome.status === 'busy') {
    await new Promise((r) => setTimeout(r, 200));
    continue;
  }
  console.log(`outcome ${outcome.status}`);
  break;
}
await store.close();
