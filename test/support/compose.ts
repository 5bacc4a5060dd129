import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, simulatorEndpoints, type Config } from '../../src/config/config.js';
import type { Clock } from '../../src/kernel/clock.js';
import { silentLogger, type Logger } from '../../src/kernel/log.js';
import { composeSellerlink, type Overrides, type Sellerlink } from '../../src/service/compose.js';
import type { Store } from '../../src/store/database.js';

/** The vault key tests and benches seal with (never a real key). */
export const TEST_VAULT_KEY = { id: 'k1', base64: Buffer.alloc(32, 7).toString('base64') };

/** A sandbox-mode configuration over a fresh temporary data directory, with `env` on top. */
export function testConfig(env: Record<string, string> = {}): Readonly<Config> {
  return loadConfig({
    SELLERLINK_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'sellerlink-use-cases-')),
    SELLERLINK_VAULT_KEYS: `${TEST_VAULT_KEY.id}:${TEST_VAULT_KEY.base64}`,
    ...env,
  });
}

/**
 * Sellerlink's use cases from the composition factory (role `use-cases`: no simulator, jobs or web
 * app of its own) on a database the caller opened and closes, talking to the simulator at `origin`
 * through `fetch`: what tests, test workers and benches use instead of wiring services by hand.
 */
export function composeUseCases(options: {
  store: Store;
  origin: string;
  fetch?: typeof fetch;
  clock?: Clock;
  config?: Readonly<Config>;
  logger?: Logger;
  overrides?: Overrides;
}): Promise<Sellerlink> {
  return composeSellerlink(options.config ?? testConfig(), {
    role: 'use-cases',
    logger: options.logger ?? silentLogger,
    overrides: {
      store: options.store,
      endpoints: simulatorEndpoints(options.origin),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...options.overrides,
    },
  });
}
