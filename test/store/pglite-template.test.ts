import { sql } from 'kysely';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import {
  buildPgliteTemplate,
  installedPgliteVersion,
  seedFromTemplate,
  templateIsCurrent,
} from '../../src/store/pglite-template.js';

/**
 * The prepared data-directory template (src/store/pglite-template.ts): a new embedded database is a
 * copy of it (no initdb in the service), migrated as usual; a stale or unusable template is never
 * trusted. Which directory a store came from shows in PostgreSQL's system identifier, set once by
 * initdb: a copy has the template's, a database PGlite created itself has a new one.
 */
describe('PGlite data-directory template', () => {
  let root: string;
  let template: string;
  let templateId: string;

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'sellerlink-template-'));
    template = path.join(root, 'template');
    await buildPgliteTemplate(template);
    templateId = controlFileSystemId(path.join(template, 'data'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** A new, empty directory under the test's root. */
  const fresh = (name: string): string => {
    const dir = path.join(root, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };

  it('is made complete, by the installed PGlite, and nothing is left beside it', () => {
    expect(templateIsCurrent(template)).toBe(true);
    expect(JSON.parse(readFileSync(path.join(template, 'pglite.json'), 'utf8'))).toEqual({
      pglite: installedPgliteVersion(),
    });
    expect(readdirSync(root)).toEqual(['template']);
  });

  it('starts a new data directory: the copy opens, every migration runs, and reopening keeps it', async () => {
    const dataDir = path.join(root, 'service', 'db');
    const store = await openStore({ kind: 'pglite', dataDir, template });
    try {
      expect(await systemId(store)).toBe(templateId);
      const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(store.db);
      expect(applied.rows.map((r) => r.name)).toContain('0001_foundation');
      expect(await migrateToLatest(store.db as never)).toEqual([]);
      await store.db.insertInto('probe').values({ label: 'kept' }).execute();
    } finally {
      await store.close();
    }
    const again = await openStore({ kind: 'pglite', dataDir, template });
    try {
      const rows = await again.db.selectFrom('probe').select('label').execute();
      expect(rows.map((r) => r.label)).toContain('kept');
    } finally {
      await again.close();
    }
  });

  it('never touches a directory that already holds a database', () => {
    const dataDir = fresh('existing');
    writeFileSync(path.join(dataDir, 'PG_VERSION'), '17\n');
    expect(seedFromTemplate(dataDir, template)).toBe(false);
    expect(readdirSync(dataDir)).toEqual(['PG_VERSION']);
  });

  it('copies again over a copy that was cut short (no PG_VERSION yet)', () => {
    const dataDir = fresh('cut-short');
    mkdirSync(path.join(dataDir, 'global'));
    writeFileSync(path.join(dataDir, 'global', 'pg_control'), 'half written');
    expect(seedFromTemplate(dataDir, template)).toBe(true);
    expect(controlFileSystemId(dataDir)).toBe(templateId);
    expect(readdirSync(dataDir).sort()).toEqual(readdirSync(path.join(template, 'data')).sort());
  });

  it('ignores a template made by another PGlite version, or one without its marker', () => {
    const other = path.join(root, 'other-version');
    cpSync(template, other, { recursive: true });
    writeFileSync(path.join(other, 'pglite.json'), JSON.stringify({ pglite: '0.0.1' }));
    const dataDir = fresh('other-version-db');
    expect(templateIsCurrent(other)).toBe(false);
    expect(seedFromTemplate(dataDir, other)).toBe(false);
    rmSync(path.join(other, 'pglite.json'));
    expect(seedFromTemplate(dataDir, other)).toBe(false);
    expect(seedFromTemplate(dataDir, path.join(root, 'no-such-template'))).toBe(false);
    expect(readdirSync(dataDir)).toEqual([]);
    rmSync(other, { recursive: true, force: true });
  });

  it('falls back to initdb when PGlite cannot open the copy, leaving a working database', async () => {
    const broken = path.join(root, 'broken');
    cpSync(template, broken, { recursive: true });
    writeFileSync(path.join(broken, 'data', 'global', 'pg_control'), 'not a control file');
    const dataDir = path.join(root, 'fallback', 'db');
    const errors: unknown[] = [];
    const consoleError = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      const store = await openStore({ kind: 'pglite', dataDir, template: broken });
      try {
        expect(await systemId(store)).not.toBe(templateId);
        expect(await migrateToLatest(store.db as never)).toEqual([]);
      } finally {
        await store.close();
      }
    } finally {
      console.error = consoleError;
    }
    expect(String(errors[0])).toMatch(/could not open the copy of the data-directory template/);
    expect(existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(true);
  });
});

/** PostgreSQL's system identifier of an open store, as a decimal string. */
async function systemId(store: Awaited<ReturnType<typeof openStore>>): Promise<string> {
  const result = await sql<{
    id: string;
  }>`select system_identifier::text as id from pg_control_system()`.execute(store.db);
  return result.rows[0]!.id;
}

/** The system identifier in a data directory's control file (its first 8 bytes, little-endian). */
function controlFileSystemId(dataDir: string): string {
  return readFileSync(path.join(dataDir, 'global', 'pg_control'))
    .readBigUInt64LE(0)
    .toString();
}
