import type { Command } from 'commander';
import { lazyAction } from './lazy.js';

/** The implementations, loaded when a command runs. */
const run = () => import('./api-keys-actions.js');

/** `api-keys create|list|revoke`: keys for the vendor's software to call the REST API. */
export function registerApiKeysCommands(program: Command): void {
  const keys = program
    .command('api-keys')
    .description("API keys for the vendor's software (REST API at /api, reference at /api/docs)");

  keys
    .command('create')
    .description('create a key; it is printed once and only its hash is stored')
    .option('--account <id|name>', 'the key sees this account only')
    .option('--all', 'the key sees every account')
    .requiredOption('--name <name>', 'which software or server uses it (1-100 characters)')
    .option('--json', 'print JSON (includes the key)')
    .action(lazyAction(async () => (await run()).createApiKey));

  keys
    .command('list')
    .description('list keys (never the keys themselves), newest first')
    .option('--account <id|name>', 'only keys of this account')
    .option('--json', 'print JSON')
    .action(lazyAction(async () => (await run()).listApiKeys));

  keys
    .command('revoke')
    .description('revoke a key at once: calls with it are refused')
    .argument('<id>', 'the key id (see: sellerlink api-keys list)')
    .action(lazyAction(async () => (await run()).revokeApiKey));
}
