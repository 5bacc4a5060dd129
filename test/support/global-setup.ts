import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { openStore } from '../../src/store/database.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A dumped, migrated PGlite data directory: tests load it instead of initialising (≈5 s each). */
    pgliteTemplatePath: string;
  }
}

/** Builds the migrated PGlite template once for the whole run. */
export default async function setup(project: TestProject): Promise<void> {
  const dir = path.resolve('.tmp');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `pglite-template-${process.pid}.tar`);
  const store = await openStore({ kind: 'pglite', dataDir: 'memory://' });
  const blob = await store.dump();
  await store.close();
  writeFileSync(file, Buffer.from(await blob.arrayBuffer()));
  project.provide('pgliteTemplatePath', file);
}
