import type { Command } from 'commander';
import { lazyAction } from './lazy.js';

/** The implementations, loaded when a command runs. */
const run = () => import('./keys-actions.js');

/**
 * `keys status|rotate`: which vault keys seal what, and moving everything to the newest key.
 * Client secrets and refresh tokens are durable: a row whose key is not configured is an error.
 * Cached access tokens are not: rotation drops the ones an older key sealed.
 */
export function registerKeysCommands(program: Command): void {
  const keys = program
    .command('keys')
    .description('vault keys that seal client secrets and refresh tokens (SELLERLINK_VAULT_KEYS)');

  keys
    .command('status')
    .description('configured key ids (newest first) and how many sealed values use each')
    .action(lazyAction(async () => (await run()).keysStatus));

  keys
    .command('rotate')
    .description(
      're-seal every client secret and refresh token with the newest key (the first in SELLERLINK_VAULT_KEYS)',
    )
    .action(lazyAction(async () => (await run()).rotateKeys));
}
