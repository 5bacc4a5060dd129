import type { AmazonStack } from '../../src/service/amazon.js';
import { createOffsetClock, systemClock, type Clock } from '../../src/kernel/clock.js';
import type { OrderImporter, OrderImportSettings } from '../../src/orders/import.js';
import type { Sellerlink } from '../../src/service/compose.js';
import { openStore, type Store } from '../../src/store/database.js';
import { composeUseCases, testConfig } from './compose.js';

/**
 * The production order importer (from the composition factory) in a child process of a test or
 * bench: on PostgreSQL at `databaseUrl` (or an embedded PGlite directory: `pglite:<dir>`), talking to a simulator served at `origin`, on the simulator's
 * clock (read from /_sim/clock, so "now − 2 minutes" is its now).
 */
export async function openSimulatorImporter(options: {
  databaseUrl: string;
  origin: string;
  vaultKey: { id: string; base64: string };
  settings?: Partial<OrderImportSettings>;
  migrate?: boolean;
  /** The simulator's control token; default the SIM_CONTROL_TOKEN environment variable. */
  controlToken?: string;
  /** What the importer calls Amazon (and report documents) through; default the global fetch. */
  fetch?: typeof fetch;
}): Promise<{ store: Store; clock: Clock; amazon: AmazonStack; importer: OrderImporter; graph: Sellerlink }> {
  const token = options.controlToken ?? process.env.SIM_CONTROL_TOKEN ?? '';
  const answer = await fetch(`${options.origin}/_sim/clock`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (!answer.ok)
    throw new Error(`the simulator's /_sim/clock answered ${answer.status} (SIM_CONTROL_TOKEN?)`);
  const { offsetMs } = (await answer.json()) as { offsetMs: number };
  const clock = createOffsetClock(systemClock, offsetMs);
  // `pglite:<dir>`: an embedded database directory (one process at a time holds it).
  const target = options.databaseUrl.startsWith('pglite:')
    ? { kind: 'pglite' as const, dataDir: options.databaseUrl.slice('pglite:'.length) }
    : { kind: 'postgres' as const, url: options.databaseUrl, poolSize: 4 };
  const store = await openStore(target, { migrate: options.migrate ?? true });
  const graph = await composeUseCases({
    store,
    origin: options.origin,
    clock,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    config: testConfig({ SELLERLINK_VAULT_KEYS: `${options.vaultKey.id}:${options.vaultKey.base64}` }),
    // The usage-plan buckets follow real time, as the simulator's do.
    overrides: { limiterClock: systemClock, ...(options.settings ? { orderImport: options.settings } : {}) },
  });
  return { store, clock, amazon: graph.amazon, importer: graph.orderImporter, graph };
}
