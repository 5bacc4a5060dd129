import type { Command } from 'commander';
import { lazyAction } from './lazy.js';

/** The implementations, loaded when a command runs. */
const run = () => import('./orders-actions.js');

/** `orders sync` and `orders backfill`. */
export function registerOrdersCommands(program: Command): void {
  const orders = program.command('orders').description('import orders from Amazon (Orders API 2026-01-01)');

  orders
    .command('sync')
    .description(
      'import new and updated orders now (from each connection’s watermark), for one connection or every connection that can call Amazon',
    )
    .option('--connection <id>', 'only this connection')
    .action(lazyAction(async () => (await run()).syncOrders));

  orders
    .command('backfill')
    .description(
      're-read every order updated since a date for one connection (fills gaps after an outage); progress and ETA on stderr',
    )
    .requiredOption('--connection <id>', 'the connection')
    .requiredOption('--since <date>', 'YYYY-MM-DD or ISO 8601 date-time (Amazon keeps 2 years)')
    .action(lazyAction(async () => (await run()).backfillOrders));
}
