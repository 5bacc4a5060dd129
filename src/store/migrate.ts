import { Migrator, type Kysely, type MigrationResult } from 'kysely';
import { AppError } from '../kernel/errors.js';
import { migrations } from './migrations/index.js';

/** Brings the schema to the newest migration. Safe to run from several processes at once. */
export async function migrateToLatest(db: Kysely<unknown>): Promise<MigrationResult[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve(migrations) } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const why = error instanceof Error ? error.message : JSON.stringify(error);
    throw new AppError(
      'STORE_MIGRATION_FAILED',
      failed
        ? `database migration ${failed} failed: ${why}`
        : `database migrations could not run: ${why} (nothing was changed; start again once the database is reachable)`,
      { cause: error },
    );
  }
  return results ?? [];
}
