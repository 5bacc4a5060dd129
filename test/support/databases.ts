import { readFileSync } from 'node:fs';
import pg from 'pg';
import { describe, inject } from 'vitest';
import { randomBytes } from 'node:crypto';
import { openStore, type Store } from '../../src/store/database.js';

/**
 * The two databases every storage-facing test runs against. PostgreSQL needs TEST_DATABASE_URL (an
 * admin URL; .ci/run starts a server and sets it). Without it the PostgreSQL suites are skipped,
 * except under CI=true, where a missing server is a failure.
 */
export type DatabaseKind = 'pglite' | 'postgres';

const adminUrl = process.env.TEST_DATABASE_URL;

if (!adminUrl && process.env.CI === 'true') {
  throw new Error('CI=true but TEST_DATABASE_URL is not set: the real-PostgreSQL tests must run in CI');
}

/** Whether the real-PostgreSQL suites run in this environment. */
export const postgresAvailable = Boolean(adminUrl);

/** Opens a fresh, migrated PGlite (from the run's template) in memory. */
export async function openPgliteStore(): Promise<Store> {
  const template = readFileSync(inject('pgliteTemplatePath'));
  return openStore({ kind: 'pglite', dataDir: 'memory://', loadDataDir: new Blob([template]) });
}

/** A fresh, empty PostgreSQL database; returns its URL and a function that drops it. */
export async function createPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `sl_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** Opens a migrated store on a fresh database of the given kind; `close` also drops it. */
export async function openTestStore(
  kind: DatabaseKind,
): Promise<{ store: Store; url?: string; close: () => Promise<void> }> {
  if (kind === 'pglite') {
    const store = await openPgliteStore();
    return { store, close: () => store.close() };
  }
  const database = await createPostgresDatabase();
  const store = await openStore({ kind: 'postgres', url: database.url });
  return {
    store,
    url: database.url,
    async close() {
      await store.close();
      await database.drop();
    },
  };
}

/** Declares the same suite for PGlite and PostgreSQL (the latter skipped when unavailable). */
export function describeEachDatabase(title: string, body: (kind: DatabaseKind) => void): void {
  describe(`${title} [pglite]`, () => body('pglite'));
  describe.skipIf(!postgresAvailable)(`${title} [postgres]`, () => body('postgres'));
}
