import { openStore, type DatabaseTarget } from './database.js';

/**
 * `sellerlink migrate`: opens the configured database, which brings its schema to the newest
 * migration, and closes it again. Safe beside running processes on PostgreSQL (the migrator locks);
 * the embedded database refuses while another process holds it.
 */
export async function upgradeDatabase(target: DatabaseTarget, owner: string): Promise<void> {
  const store = await openStore(target, { owner });
  await store.close();
}
