import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Random } from '../kernel/random.js';
import { VaultError } from './errors.js';
import { parseKeyList } from './keyring.js';

/**
 * Sandbox mode keeps its vault key in a local file (created on first start, mode 0600) so that
 * `npm start` needs no setup. Production mode never does this: keys come from configuration.
 */
export function readOrCreateKeyFile(
  file: string,
  random: Random,
  now: Date,
): { keys: { id: string; base64: string }[]; created: boolean } {
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8').trim();
    if (!text) throw new VaultError('VAULT_KEY_INVALID', `the vault key file ${file} is empty`);
    return { keys: parseKeyList(text), created: false };
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const id = `local-${now.toISOString().slice(0, 10).replace(/-/g, '')}`;
  const line = `${id}:${Buffer.from(random.bytes(32)).toString('base64')}`;
  writeFileSync(file, `${line}\n`, { mode: 0o600, flag: 'wx' });
  return { keys: parseKeyList(line), created: true };
}
