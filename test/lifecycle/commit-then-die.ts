/**
 * A process that makes one connection transition and is SIGKILLed by itself the moment the
 * transaction commits (inside the lifecycle's after-commit hook), before anything else can run:
 * what the crash-after-commit test needs to show the event was stored with the change.
 *   node bin/sellerlink-dev.js test/lifecycle/commit-then-die.ts DATABASE_URL CONNECTION_ID disconnect|revoke|expire
 */
import { createAuditLog } from '../../src/connections/audit.js';
import { systemClock } from '../../src/kernel/clock.js';
import { silentLogger } from '../../src/kernel/log.js';
import { cryptoRandom } from '../../src/kernel/random.js';
import { createConnectionLifecycle } from '../../src/lifecycle/connections.js';
import { openStore } from '../../src/store/database.js';
import { createVault } from '../../src/vault/envelope.js';
import { createKeyRing } from '../../src/vault/keyring.js';
import { WORLD_VAULT_KEY } from '../orders/crash-settings.js';

const [url, connectionId, transition] = process.argv.slice(2);
if (!url || !connectionId || !transition)
  throw new Error('usage: commit-then-die.ts DATABASE_URL CONNECTION_ID disconnect|revoke|expire');

const store = await openStore({ kind: 'postgres', url, poolSize: 2 }, { migrate: false });
const lifecycle = createConnectionLifecycle({
  db: store.db,
  clock: systemClock,
  vault: createVault(createKeyRing([{ id: 'k1', base64: WORLD_VAULT_KEY }]), cryptoRandom),
  random: cryptoRandom,
  audit: createAuditLog(store.db, systemClock),
  logger: silentLogger,
  // Called right after commit: die here, as a crash would.
  onChange: (change) => {
    process.stdout.write(`committed ${change.type}\n`);
    process.kill(process.pid, 'SIGKILL');
  },
});
if (transition === 'disconnect') {
  await lifecycle.disconnect(connectionId, { userId: null, label: 'test', ip: null, username: 'test' });
} else if (transition === 'revoke') {
  await lifecycle.markDead(store.db, connectionId, { code: 'LWA_INVALID_GRANT', message: null });
} else {
  await lifecycle.expire(connectionId);
}
process.stdout.write('survived\n');
