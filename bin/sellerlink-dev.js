#!/usr/bin/env node
// Runs a TypeScript script of the repo (generators, benchmarks) through tsx: `sellerlink-dev.js FILE [args]`.
import { register } from 'tsx/esm/api';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

register();
const [file, ...rest] = process.argv.slice(2);
if (!file) {
  console.error('usage: sellerlink-dev.js FILE.ts [args...]');
  process.exit(2);
}
process.argv = [process.argv[0], file, ...rest];
await import(pathToFileURL(path.resolve(file)).href);
