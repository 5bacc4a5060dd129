#!/usr/bin/env node
// Compiles src/ to dist/ with tsc (tsconfig.build.json, incremental), then removes dist/ files whose
// source is gone and writes dist/.build-stamp: a fingerprint of src/, tsconfig*.json and package.json.
//
//   node bin/build.js               always compiles; any TypeScript error fails (npm run build, CI)
//   node bin/build.js --if-changed  compiles only when the fingerprint differs from the stamp; type
//                                   errors are printed but the emitted dist/ is used (npm install,
//                                   npm start, the test run's global setup)
//
// It also makes dist/pglite-template (once per PGlite version, after compiling): a data directory
// PGlite created with initdb, which a new embedded database is copied from, so that the service's
// first start does not run initdb (src/store/pglite-template.ts).
//
// Plain JavaScript with no dependency but the typescript package (a dev dependency), which is only
// loaded when something must be compiled, and PGlite, only loaded when the template must be made.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = path.join(ROOT, 'src');
const DIST = path.join(ROOT, 'dist');
const STAMP = path.join(DIST, '.build-stamp');
const LOCK = path.join(DIST, '.build-lock');
/** A lock older than this is left over from a build that died. */
const STALE_LOCK_MS = 10 * 60_000;
const CONFIGS = ['tsconfig.json', 'tsconfig.build.json', 'package.json'];

/** Every file under `dir`, relative to ROOT, sorted. */
function walk(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else out.push(path.relative(ROOT, full));
  }
  return out.sort();
}

/** Path, size and modification time of every source and config file: any edit, rename or deletion changes it. */
function fingerprint() {
  const hash = createHash('sha256');
  for (const file of [...walk(SRC), ...CONFIGS]) {
    const stat = statSync(path.join(ROOT, file));
    hash.update(`${file}\0${stat.size}\0${stat.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

/** Removes compiled files whose .ts/.tsx source no longer exists (tsc never deletes outputs). */
function pruneOrphans() {
  if (!existsSync(DIST)) return;
  for (const file of walk(DIST)) {
    const match = /^dist\/(.+)\.js(\.map)?$/.exec(file.split(path.sep).join('/'));
    if (!match) continue;
    const base = path.join(SRC, match[1]);
    if (!existsSync(`${base}.ts`) && !existsSync(`${base}.tsx`)) rmSync(path.join(ROOT, file));
  }
}

/** Runs tsc; returns its exit code (0 clean, 2 type errors but output written, else nothing usable). */
function compile() {
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    console.error(
      'sellerlink: dist/ is missing or older than src/, and TypeScript (a dev dependency) is not installed: ' +
        'run `npm install` (without --omit=dev), then `npm run build`.',
    );
    return 1;
  }
  const result = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  return result.status ?? 1;
}

/**
 * One build at a time per checkout (several test runs may start together): a directory created
 * atomically and holding the builder's pid; waited for, and taken over when its builder is gone.
 */
function lock() {
  mkdirSync(DIST, { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(path.join(LOCK, 'pid'), String(process.pid));
      return () => rmSync(LOCK, { recursive: true, force: true });
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      if (abandoned()) rmSync(LOCK, { recursive: true, force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
}

/** True when the lock's builder has died, or the lock is older than any build takes. */
function abandoned() {
  try {
    if (Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS) return true;
    const pid = Number(readFileSync(path.join(LOCK, 'pid'), 'utf8'));
    if (!Number.isInteger(pid) || pid <= 0) return false; // being written
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return err.code === 'ESRCH';
  }
}

/** True when dist/ was built from exactly these sources. */
function current(print) {
  return existsSync(STAMP) && readFileSync(STAMP, 'utf8') === print;
}

/**
 * The built module that makes PGlite's data-directory template (src/store/pglite-template.ts: a new
 * embedded database is copied from it instead of running initdb in the service), or null before the
 * first compile.
 */
async function templateModule() {
  const file = path.join(DIST, 'store', 'pglite-template.js');
  return existsSync(file) ? import(pathToFileURL(file).href) : null;
}

/** True unless dist/pglite-template is missing or was made by another PGlite version. */
async function templateCurrent() {
  const template = await templateModule();
  return !template || template.templateIsCurrent();
}

/** Makes dist/pglite-template when it is not current (once per PGlite version); never fails the build. */
async function prepareTemplate() {
  const template = await templateModule();
  if (!template || template.templateIsCurrent()) return;
  console.error('sellerlink: preparing the embedded database template (dist/pglite-template)');
  try {
    await template.buildPgliteTemplate();
  } catch (err) {
    console.error(`sellerlink: no database template (${err.message}): a first start will run initdb itself`);
  }
}

const ifChanged = process.argv.includes('--if-changed');
// An installed package ships dist/ without src/: nothing to compile, but its template is remade if
// the PGlite installed here is another version than the one it was made with.
if (!existsSync(SRC)) {
  if (existsSync(path.join(DIST, 'cli', 'main.js'))) {
    await prepareTemplate();
    process.exit(0);
  }
  console.error('sellerlink: neither src/ nor a built dist/ is here');
  process.exit(1);
}
if (ifChanged && current(fingerprint()) && (await templateCurrent())) process.exit(0);

const unlock = lock();
let code = 0;
try {
  const before = fingerprint();
  if (!(ifChanged && current(before))) {
    code = compile();
    if (code === 0 || code === 2) {
      pruneOrphans();
      writeFileSync(STAMP, before);
    }
  }
  if (code === 0 || code === 2) await prepareTemplate();
} finally {
  unlock();
}
if (code === 2 && ifChanged) {
  console.error(
    'sellerlink: built dist/ despite the TypeScript errors above (npm run typecheck lists them).',
  );
  code = 0;
}
process.exit(code);
