import { InvalidArgumentError, Option, type Command } from 'commander';
import type { RegionCode } from '../../store/schema.js';
import { lazyAction } from './lazy.js';

/** The implementations, loaded when a command runs. */
const run = () => import('./connections-actions.js');

/** `connections list|status|import|disconnect`: SP-API and Amazon Ads connections. */
export function registerConnectionsCommands(program: Command): void {
  const connections = program
    .command('connections')
    .description(
      'sellers’ authorizations: SP-API (one per application, selling partner and region) and Amazon Ads (one per account and region)',
    );

  connections
    .command('list')
    .description('list connections of both APIs with their state, expiry, last success and last error')
    .option('--account <id|name>', 'only this account')
    .addOption(
      new Option('--api <api>', 'only SP-API or Amazon Ads connections')
        .choices(['sp-api', 'ads', 'all'])
        .default('all'),
    )
    .option('--json', 'print JSON')
    .action(lazyAction(async () => (await run()).listConnections));

  connections
    .command('status')
    .alias('show')
    .description(
      'one connection in detail (an Amazon Ads one with its advertising profiles), with its recent audit entries',
    )
    .argument('<id>', 'the connection id (see: sellerlink connections list)')
    .action(lazyAction(async () => (await run()).connectionStatus));

  connections
    .command('import')
    .description(
      'import a self-authorized refresh token (read from standard input); checked with Amazon before it is stored',
    )
    .requiredOption('--account <id|name>', 'the account the connection belongs to')
    .requiredOption('--application <id|app id|name>', 'the (private) application the token was issued for')
    .requiredOption('--region <region>', 'NA, EU or FE', regionArg)
    .requiredOption('--selling-partner-id <id>', 'the seller’s merchant token, e.g. A1B2C3D4E5F6G7')
    .option('--refresh-token-stdin', 'read the refresh token (Atzr|...) from standard input (required)')
    .action(lazyAction(async () => (await run()).importConnection));

  connections
    .command('disconnect')
    .description(
      'delete the stored refresh token and mark the connection disconnected (SP-API or Amazon Ads)',
    )
    .argument('<id>', 'the connection id (see: sellerlink connections list)')
    .action(lazyAction(async () => (await run()).disconnectConnection));
}

/** Commander parser: NA, EU or FE (any case). */
function regionArg(value: string): RegionCode {
  const region = value.trim().toUpperCase();
  if (region !== 'NA' && region !== 'EU' && region !== 'FE') {
    throw new InvalidArgumentError('must be NA, EU or FE');
  }
  return region;
}
