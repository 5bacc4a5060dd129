import { execFileSync } from 'node:child_process';

/**
 * Vitest global setup: brings dist/ up to date with src/ before any test runs (a no-op when nothing
 * changed since the last build), so tests that start `node bin/sellerlink.js` run the built code of
 * this checkout, as a deployment does.
 */
export default function setup(): void {
  execFileSync(process.execPath, ['bin/build.js', '--if-changed'], { stdio: 'inherit' });
}
