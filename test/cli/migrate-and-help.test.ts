import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../src/store/migrations/index.js';
import { createPostgresDatabase, describeEachDatabase } from '../support/databases.js';
import { runInProcess, type CliEnv } from './harness.js';

/**
 * `sellerlink migrate` says what it did: on an empty database it names every migration it applied,
 * and "up to date" only when there was nothing to apply. `worker --help` offers no --port (a worker
 * serves no HTTP); `start` and `web` do.
 */

const NAMES = Object.keys(migrations);

describeEachDatabase('sellerlink migrate', (kind) => {
  let dataDir = '';
  let env: CliEnv = {};
  let drop: (() => Promise<void>) | null = null;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'sellerlink-migrate-'));
    env = { SELLERLINK_DATA_DIR: dataDir };
    if (kind === 'postgres') {
      const db = await createPostgresDatabase();
      drop = db.drop;
      env.DATABASE_URL = db.url;
    }
  });
  afterAll(async () => {
    await drop?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('names every migration it applied to an empty database, then says it is up to date', async () => {
    const first = await runInProcess(env, ['migrate']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout.trim()).toBe(`applied ${NAMES.length} migrations (${kind}): ${NAMES.join(', ')}`);
    expect(first.stdout).not.toContain('up to date');

    const again = await runInProcess(env, ['migrate']);
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe(`database is up to date (${kind}): no migration to apply`);
  }, 120_000);
});

describe('--port is offered where HTTP is served', () => {
  it('worker --help has no --port; start and web have it', async () => {
    const worker = await runInProcess({}, ['worker', '--help']);
    expect(worker.code).toBe(0);
    expect(worker.stdout).toContain('Usage: sellerlink worker');
    expect(worker.stdout).not.toContain('--port');
    for (const role of ['start', 'web']) {
      const help = await runInProcess({}, [role, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('-p, --port <port>');
    }
  });

  it('worker --port is refused as an unknown option, and nothing starts', async () => {
    const run = await runInProcess({}, ['worker', '--port', '3000']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("unknown option '--port'");
  });
});
