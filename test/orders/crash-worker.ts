/**
 * An order-import worker process for the crash test: imports CONNECTION_ID from the simulator at
 * SIM_ORIGIN into DATABASE_URL until a run completes, printing one line per committed page.
 *   node bin/sellerlink-dev.js test/orders/crash-worker.ts DATABASE_URL SIM_ORIGIN CONNECTION_ID [report]
 * (`report`: the backfill by report with small merge batches, polling fast).
 * In `report` mode it also prints `document` when a report document's download has begun (its
 * merge follows at once), so the test can aim a kill at a merge under way.
 * The simulator's clock offset is read from /_sim/clock so "now − 2 minutes" matches its world.
 */
import { openSimulatorImporter } from '../support/sim-importer.js';
import { CRASH_TEST_SETTINGS, REPORT_CRASH_SETTINGS, WORLD_VAULT_KEY } from './crash-settings.js';

const [url, origin, connectionId, mode] = process.argv.slice(2);
if (!url || !origin || !connectionId)
  throw new Error('usage: crash-worker.ts DATABASE_URL SIM_ORIGIN CONNECTION_ID');

const { store, importer } = await openSimulatorImporter({
  databaseUrl: url,
  origin,
  vaultKey: { id: 'k1', base64: WORLD_VAULT_KEY },
  settings: mode === 'report' ? REPORT_CRASH_SETTINGS : CRASH_TEST_SETTINGS,
  fetch: async (input, init) => {
    const answer = await fetch(input, init);
    const target = input instanceof Request ? input.url : String(input);
    if (mode === 'report' && target.includes('X-Amz-Signature=')) console.log('document');
    return answer;
  },
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
