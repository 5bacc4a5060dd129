import { loadConfig } from '../../config/config.js';
import { counted } from '../../kernel/plural.js';
import { upgradeDatabase } from '../../store/upgrade.js';

/** What runs for `migrate` (registered in migrate.ts): applies what is missing and says what it did. */
export async function migrate(): Promise<void> {
  const config = loadConfig(process.env);
  const applied = await upgradeDatabase(config.database, 'sellerlink migrate');
  console.log(migrateReport(applied, config.database.kind));
}

/**
 * "applied 21 migrations: 0001_foundation, …, 0022_notify_digest (pglite)", or "database is up to
 * date (pglite)" only when nothing was applied.
 */
export function migrateReport(applied: readonly string[], kind: string): string {
  if (applied.length === 0) return `database is up to date (${kind}): no migration to apply`;
  return `applied ${counted(applied.length, 'migration')} (${kind}): ${applied.join(', ')}`;
}
