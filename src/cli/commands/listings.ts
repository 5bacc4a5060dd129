import type { Command } from 'commander';
import { lazyAction } from './lazy.js';

/** The implementations, loaded when a command runs. */
const run = () => import('./listings-actions.js');

/** `listings import|list|history|show`: queue listing changes from a file and follow their results. */
export function registerListingsCommands(program: Command): void {
  const listings = program
    .command('listings')
    .description('listing changes sent to Amazon through the outbox (put, patch, delete) and their results');

  listings
    .command('import')
    .description(
      'queue the listing changes in a JSON or CSV file for one connection (all or none); the running service sends them',
    )
    .argument('<file>', 'a .json or .csv file (see docs/listings.md for the columns)')
    .requiredOption('--connection <id>', 'the connection the changes are for')
    .option('--format <json|csv>', 'file format (default: from the file name)')
    .option('--json', 'print the queued changes as JSON')
    .action(lazyAction(async () => (await run()).importListings));

  listings
    .command('list')
    .description("a connection's latest listing changes, newest first")
    .requiredOption('--connection <id>', 'the connection')
    .option(
      '--state <state>',
      'only changes in this state (queued, waiting, sending, accepted, rejected, valid, failed, superseded)',
    )
    .option('--limit <n>', 'at most this many (default 50)', (v) => Number(v))
    .option('--json', 'print JSON')
    .action(lazyAction(async () => (await run()).listListingChanges));

  listings
    .command('history')
    .description("every change to one SKU with Amazon's status and issues, newest first")
    .requiredOption('--connection <id>', 'the connection')
    .argument('<sku>', 'the seller SKU')
    .option('--json', 'print JSON')
    .action(lazyAction(async () => (await run()).listingHistory));

  listings
    .command('show')
    .description('one change: state, Amazon status, submission id, issues')
    .argument('<change-id>', 'the change id')
    .action(lazyAction(async () => (await run()).showListingChange));
}
