import { createAmazonStack, type AmazonStack } from '../../src/amazon-stack.js';
import { simulatorEndpoints } from '../../src/config/config.js';
import { createApplications } from '../../src/lifecycle/applications.js';
import { createAuditLog } from '../../src/connections/audit.js';
import { createOffsetClock, systemClock, type Clock } from '../../src/kernel/clock.js';
import { silentLogger } from '../../src/kernel/log.js';
import { cryptoRandom, randomUuid } from '../../src/kernel/random.js';
import {
  createOrderImporter,
  type OrderImporter,
  type OrderImportSettings,
} from '../../src/orders/import.js';
import { openStore, type Store } from '../../src/store/database.js';
import { createVault } from '../../src/vault/envelope.js';
import { createKeyRing } from '../../src/vault/keyring.js';

/**
 * The production order importer (over `createAmazonStack`) in a child process of a test or bench: on
 * PostgreSQL at `databaseUrl`, talking to a simulator served at `origin`, on the simulator's clock (read
 * from /_sim/clock, so "now − 2 minutes" is its now).
 */
export async function openSimulatorImporter(options: {
  databaseUrl: string;
  origin: string;
  vaultKey: { id: string; base64: string };
  settings?: Partial<OrderImportSettings>;
  migrate?: boolean;
  /** The simulator's control token; default the SIM_CONTROL_TOKEN environment variable. */
  controlToken?: string;
}): Promise<{ store: Store; clock: Clock; amazon: AmazonStack; importer: OrderImporter }> {
  const token = options.controlToken ?? process.env.SIM_CONTROL_TOKEN ?? '';
  const answer = await fetch(`${options.origin}/_sim/clock`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (!answer.ok)
    throw new Error(`the simulator's /_sim/clock answered ${answer.status} (SIM_CONTROL_TOKEN?)`);
  const { offsetMs } = (await answer.json()) as { offsetMs: number };
  const clock = createOffsetClock(systemClock, offsetMs);
  const store = await openStore(
    { kind: 'postgres', url: options.databaseUrl, poolSize: 4 },
    { migrate: options.migrate ?? true },
  );
  const vault = createVault(createKeyRing([options.vaultKey]), cryptoRandom);
  const amazon = createAmazonStack({
    store,
    vault,
    clock,
    random: cryptoRandom,
    fetch: globalThis.fetch.bind(globalThis),
    endpoints: simulatorEndpoints(options.origin),
    applications: createApplications({ db: store.db, vault, clock, newId: () => randomUuid(cryptoRandom) }),
    audit: createAuditLog(store.db, clock),
    logger: silentLogger,
  });
  const importer = createOrderImporter({
    store,
    spApi: amazon.spApi,
    clock,
    logger: silentLogger,
    lifecycle: amazon.lifecycle,
    ...(options.settings ? { settings: options.settings } : {}),
  });
  return { store, clock, amazon, importer };
}
