import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveSimulatorTarget } from '../../src/cli/commands/sim-client.js';
import { writeControlFile } from '../../src/simulator/control-file.js';
import { runInProcess } from './harness.js';

/**
 * Which simulator `sellerlink sim` talks to when nothing is said: the one the nearest
 * `.sellerlink/simulator-control.json` records (npm start runs in the package's root, npx where it is
 * typed), else where `npm start` puts it (PORT + 1); and what it says when none answers.
 */

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('sellerlink sim finds the running sandbox', () => {
  const project = mkdtempSync(join(tmpdir(), 'sellerlink-sim-target-'));
  const sub = join(project, 'src', 'deep');
  mkdirSync(sub, { recursive: true });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('reads the control file of .sellerlink in the directory or one above it', () => {
    writeControlFile(join(project, '.sellerlink'), { url: 'http://127.0.0.1:3001', token: 't'.repeat(43) });
    for (const cwd of [project, sub]) {
      expect(resolveSimulatorTarget(undefined, {}, cwd)).toEqual({
        url: 'http://127.0.0.1:3001',
        token: 't'.repeat(43),
        source: 'control-file',
        controlFile: join(project, '.sellerlink', 'simulator-control.json'),
      });
    }
    // SELLERLINK_DATA_DIR names the data directory exactly (nothing is looked up above it).
    const named = resolveSimulatorTarget(undefined, { SELLERLINK_DATA_DIR: 'elsewhere' }, sub);
    expect(named).toMatchObject({ source: 'port-rule', token: undefined });
    expect(named.controlFile).toBe(join(sub, 'elsewhere', 'simulator-control.json'));
    // The token goes only to the simulator the file describes.
    expect(resolveSimulatorTarget('http://127.0.0.1:9', {}, sub)).toMatchObject({
      url: 'http://127.0.0.1:9',
      token: undefined,
      source: 'option',
    });
  });

  it('without a control file, uses the service rule: SIMULATOR_PORT, else PORT + 1 (default 3001)', () => {
    const empty = mkdtempSync(join(tmpdir(), 'sellerlink-sim-none-'));
    try {
      expect(resolveSimulatorTarget(undefined, {}, empty)).toMatchObject({
        url: 'http://127.0.0.1:3001',
        source: 'port-rule',
        token: undefined,
      });
      expect(resolveSimulatorTarget(undefined, { PORT: '8080' }, empty).url).toBe('http://127.0.0.1:8081');
      expect(resolveSimulatorTarget(undefined, { PORT: '8080', SIMULATOR_PORT: '9000' }, empty).url).toBe(
        'http://127.0.0.1:9000',
      );
      expect(
        resolveSimulatorTarget(undefined, { SIMULATOR_URL: 'http://127.0.0.1:7000/' }, empty),
      ).toMatchObject({
        url: 'http://127.0.0.1:7000',
        source: 'env',
      });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('says what it looked for, not "start a second simulator", when nothing answers', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'sellerlink-sim-down-'));
    const port = await closedPort();
    try {
      const none = await runInProcess({ SELLERLINK_DATA_DIR: empty, SIMULATOR_PORT: String(port) }, [
        'sim',
        'clock',
      ]);
      expect(none.code).toBe(1);
      expect(none.stderr).toContain(
        `no simulator is running here: none is recorded in ${join(empty, 'simulator-control.json')}`,
      );
      expect(none.stderr).toContain(
        `none answers at http://127.0.0.1:${port} (ECONNREFUSED), where 'npm start' puts it`,
      );
      expect(none.stderr).toContain("Start Sellerlink with 'npm start'");

      // A control file left by a simulator that has stopped.
      writeControlFile(empty, { url: `http://127.0.0.1:${port}`, token: 'u'.repeat(43) });
      const stale = await runInProcess({ SELLERLINK_DATA_DIR: empty }, ['sim', 'clock']);
      expect(stale.code).toBe(1);
      expect(stale.stderr).toContain(
        `the simulator recorded in ${join(empty, 'simulator-control.json')} does not answer at http://127.0.0.1:${port} (ECONNREFUSED): has it stopped?`,
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
