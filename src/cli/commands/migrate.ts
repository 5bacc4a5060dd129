import type { Command } from 'commander';
import { lazyAction } from './lazy.js';

/** `migrate`: bring the database schema up to date and exit. */
export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply database migrations (also done automatically on start)')
    .action(lazyAction(async () => (await import('./migrate-actions.js')).migrate));
}
