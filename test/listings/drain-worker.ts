/**
 * A listings worker process for the crash test: drains one connection's outbox against the
 * simulator over HTTP, with the same vault key as test/support/amazon-world.ts, until killed.
 *   node bin/sellerlink-dev.js test/listings/drain-worker.ts DATABASE_URL SIMULATOR_URL CONNECTION_ID
 */
import { systemClock } from '../../src/kernel/clock.js';
import { openStore } from '../../src/store/database.js';
import { composeUseCases } from '../support/compose.js';

const [url, simUrl, connectionId] = process.argv.slice(2);
if (!url || !simUrl || !connectionId)
  throw new Error('usage: drain-worker.ts DATABASE_URL SIMULATOR_URL CONNECTION_ID');

const store = await openStore({ kind: 'postgres', url, poolSize: 4 });
const { listingDrainer: drainer } = await composeUseCases({
  store,
  origin: simUrl,
  clock: systemClock,
  overrides: { listingDrain: { retryDelayMs: 0 } },
});
process.stdout.write('ready\n');
for (;;) {
  const report = await drainer.drain(connectionId);
  process.stdout.write(`${JSON.stringify(report)}\n`);
  if (report.remaining === 0 && report.retryAfterMs === null) break;
}
await store.close();
