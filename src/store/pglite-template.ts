import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A prepared PGlite data directory, so that the first start does not run initdb.
 *
 * PGlite creates a new data directory by running initdb inside WebAssembly: a second PGlite
 * instance (its own WebAssembly heap, copied before each of PostgreSQL's bootstrap runs), the initdb
 * module, then a tar dump of the result copied into the instance that keeps running. That peaks
 * near 900 MB of resident memory in the process, against about 300 MB for opening an existing
 * directory, and WebAssembly memory is never given back to the system. The build
 * (`bin/build.js`, so `npm install` / `npm run build`) therefore runs initdb once, in the build
 * process, with the installed PGlite, and keeps the closed directory in `dist/pglite-template/`
 * (`data/` plus `pglite.json`, the PGlite version it was made with). A new data directory is a
 * copy of `data/`: byte for byte what PGlite itself would have created, before any migration;
 * migrations then run on it as on any other database.
 *
 * A template made by another PGlite version is never used (PGlite then runs initdb as before).
 */

/** The template's files: the data directory, and the marker naming the PGlite that made it. */
const DATA = 'data';
const MARKER = 'pglite.json';
/** PostgreSQL's marker of an initialised data directory; PGlite runs initdb when it is missing. */
const PG_VERSION = 'PG_VERSION';

/**
 * Where the build keeps the template: `dist/pglite-template` at the package's root (this module is
 * `src/store/` in a checkout and `dist/store/` once built: both two levels below the root).
 */
export function defaultTemplateDir(): string {
  return fileURLToPath(new URL('../../dist/pglite-template', import.meta.url));
}

/** The version of the installed `@electric-sql/pglite` (its package.json is not exported). */
export function installedPgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  let dir = path.dirname(entry);
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@electric-sql/pglite' && pkg.version) return pkg.version;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json of @electric-sql/pglite above ${entry}`);
    dir = parent;
  }
}

/** True when `templateDir` holds a complete template made by the installed PGlite. */
export function templateIsCurrent(templateDir: string = defaultTemplateDir()): boolean {
  try {
    const marker = JSON.parse(readFileSync(path.join(templateDir, MARKER), 'utf8')) as { pglite?: string };
    return marker.pglite === installedPgliteVersion() && existsSync(path.join(templateDir, DATA, PG_VERSION));
  } catch {
    return false;
  }
}

/**
 * Makes the template in `templateDir` (replacing one there): PGlite creates a data directory and
 * closes it. Built beside it and renamed into place, so a reader never sees half a template. Peaks
 * at about 900 MB: this is the build's cost, which the service's first start no longer pays.
 */
export async function buildPgliteTemplate(templateDir: string = defaultTemplateDir()): Promise<void> {
  const version = installedPgliteVersion();
  const staging = `${templateDir}.building-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(path.join(staging, DATA), { recursive: true });
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    const pglite = await PGlite.create(path.join(staging, DATA));
    await pglite.close();
    writeFileSync(path.join(staging, MARKER), `${JSON.stringify({ pglite: version })}\n`);
    rmSync(templateDir, { recursive: true, force: true });
    renameSync(staging, templateDir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Starts `dataDir` (existing, locked by the caller) from the template when it holds no database yet
 * and the template is current; returns whether it did. `PG_VERSION` is copied last: a copy cut short
 * leaves a directory PGlite does not take for a database, and the next start copies again.
 */
export function seedFromTemplate(dataDir: string, templateDir: string = defaultTemplateDir()): boolean {
  if (existsSync(path.join(dataDir, PG_VERSION)) || !templateIsCurrent(templateDir)) return false;
  const source = path.join(templateDir, DATA);
  for (const entry of readdirSync(source)) {
    if (entry !== PG_VERSION) copyTree(path.join(source, entry), path.join(dataDir, entry));
  }
  copyFileSync(path.join(source, PG_VERSION), path.join(dataDir, PG_VERSION));
  return true;
}

/**
 * Undoes `seedFromTemplate` (when PGlite could not open the copy): removes what the template put
 * into `dataDir`, `PG_VERSION` first, so that PGlite runs initdb instead.
 */
export function unseed(dataDir: string, templateDir: string = defaultTemplateDir()): void {
  rmSync(path.join(dataDir, PG_VERSION), { force: true });
  for (const entry of readdirSync(path.join(templateDir, DATA))) {
    rmSync(path.join(dataDir, entry), { recursive: true, force: true });
  }
}

/** Copies a file or a directory tree, overwriting files already there. */
function copyTree(from: string, to: string): void {
  if (!statSync(from).isDirectory()) {
    copyFileSync(from, to);
    return;
  }
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from)) copyTree(path.join(from, entry), path.join(to, entry));
}
