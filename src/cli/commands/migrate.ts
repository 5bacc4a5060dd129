import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { openStore } from '../../store/database.js';

/** `migrate`: bring the database schema up to date and exit. */
export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply database migrations (also done automatically on start)')
    .action(async () => {
      const config = loadConfig(process.env);
      const store = await openStore(config.database, { owner: 'sellerlink migrate' });
      await store.close();
      console.log(`database is up to date (${config.database.kind})`);
    });
}
