import type { Kysely } from 'kysely';
import { openStore, type DatabaseTarget } from './database.js';
import { migrateToLatest } from './migrate.js';

/**
 * `sellerlink migrate`: opens the configured database, brings its schema to the newest migration,
 * closes it again, and returns the names of the migrations it applied (none when it was up to date).
 * Safe beside running processes on PostgreSQL (the migrator locks); the embedded database refuses
 * while another process holds it.
 */
export async function upgradeDatabase(target: DatabaseTarget, owner: string): Promise<string[]> {
  const store = await openStore(target, { owner, migrate: false });
  try {
    const results = await migrateToLatest(store.db as Kysely<unknown>);
    return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
  } finally {
    await store.close();
  }
}
