#!/usr/bin/env node
// Runs the built CLI (dist/, compiled from src/ by `npm run build`): plain Node, no TypeScript loader.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('sellerlink: dist/ is missing: run `npm run build` (npm install does it in a checkout)');
  process.exit(1);
}
const { runCli } = await import(entry.href);
process.exitCode = await runCli(process.argv);
