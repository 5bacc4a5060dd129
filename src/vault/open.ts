import path from 'node:path';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import type { Random } from '../kernel/random.js';
import { readOrCreateKeyFile } from './key-file.js';
import { createKeyRing, parseKeyList, type KeyRing } from './keyring.js';

/** What opening the vault needs from the configuration. */
export interface VaultSettings {
  /** `SELLERLINK_VAULT_KEYS` (`id:base64,...`, newest first); null: the sandbox key file. */
  vaultKeys: string | null;
  /** The data directory: the sandbox key file is `<dataDir>/vault-keys`. */
  dataDir: string;
}

/** Where sandbox mode keeps its vault key when no keys are configured. */
export function sandboxKeyFile(dataDir: string): string {
  return path.join(dataDir, 'vault-keys');
}

/**
 * The key ring from configured keys, or (sandbox only: production refuses to start without keys)
 * from a local key file, created on first use with a warning.
 */
export function openKeyRing(settings: VaultSettings, random: Random, clock: Clock, logger: Logger): KeyRing {
  if (settings.vaultKeys) return createKeyRing(parseKeyList(settings.vaultKeys));
  const file = sandboxKeyFile(settings.dataDir);
  const { keys, created } = readOrCreateKeyFile(file, random, new Date(clock.now()));
  if (created)
    logger.warn(
      { file },
      'sandbox mode: created a local vault key file (production mode requires SELLERLINK_VAULT_KEYS)',
    );
  return createKeyRing(keys);
}
