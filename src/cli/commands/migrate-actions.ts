import { loadConfig } from '../../config/config.js';
import { upgradeDatabase } from '../../store/upgrade.js';

/** What runs for `migrate` (registered in migrate.ts): opening the store runs the migrations. */
export async function migrate(): Promise<void> {
  const config = loadConfig(process.env);
  await upgradeDatabase(config.database, 'sellerlink migrate');
  console.log(`database is up to date (${config.database.kind})`);
}
