import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type DatabaseTarget } from '../../src/store/database.js';
import { preparePgliteDir, runChild, runInProcess, withStore, type CliEnv } from '../cli/harness.js';
import { createAmazonWorld } from '../support/amazon-world.js';
import { freePort } from '../support/service.js';
import { eventually } from '../support/wait.js';
import { pricePatch } from '../listings/support.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * With `npm start` running, `sellerlink listings import` printed "Queued 4
 * changes" and `sellerlink orders backfill` "600 new or changed", the running service never saw
 * either, and after a restart both were gone: two processes had the same embedded data directory
 * open. Now the first holds it; every other process is refused, says so, and does nothing.
 */
describe('one owner of the embedded database', () => {
  let dataDir: string;
  let target: DatabaseTarget;
  let env: CliEnv;
  let connectionId = '';
  let changesFile = '';

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'sellerlink-lock-'));
    // The vault key the Amazon world (test/support/amazon-world.ts) seals its connection with.
    env = {
      SELLERLINK_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      SELLERLINK_VAULT_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    };
    await preparePgliteDir(dataDir);
    target = { kind: 'pglite', dataDir: path.join(dataDir, 'db') };
    connectionId = await withStore(target, async (store) => {
      const world = await createAmazonWorld(store);
      try {
        return (await world.newConnection()).id;
      } finally {
        world.sim.stop();
      }
    });
    changesFile = path.join(dataDir, 'changes.json');
    writeFileSync(
      changesFile,
      JSON.stringify([
        { sku: 'LOCK-1', kind: 'patch', body: pricePatch(11) },
        { sku: 'LOCK-2', kind: 'delete' },
      ]),
    );
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const queuedChanges = async (): Promise<unknown[]> => {
    const run = await runInProcess(env, ['listings', 'list', '--connection', connectionId, '--json']);
    expect(run.stderr).toBe('');
    return JSON.parse(run.stdout) as unknown[];
  };

  it('refuses CLI commands and a second service while the service runs, and stops cleanly on SIGTERM', async () => {
    const ports = {
      PORT: await freePort(),
      SIMULATOR_PORT: await freePort(),
      MAIL_CATCHER_PORT: await freePort(),
    };
    const service = startChild({ ...env, ...stringify(ports) }, ['start']);
    try {
      let exited = false;
      void service.exited.then(() => (exited = true));
      await eventually(() => exited || service.output().includes('Sellerlink is running'), 120_000).catch(
        (err: unknown) => {
          throw new Error(`the service did not start: ${service.output()}`, { cause: err });
        },
      );
      if (exited) throw new Error(`the service did not start: ${service.output()}`);

      const imported = await runChild(env, ['listings', 'import', changesFile, '--connection', connectionId]);
      expect(imported.code).toBe(1);
      expect(imported.stdout).not.toContain('Queued');
      expect(imported.stderr).toContain('STORE_IN_USE');
      expect(imported.stderr).toContain(`sellerlink start (pid ${service.child.pid}`);
      expect(imported.stderr).toContain('Nothing was done');

      const backfill = await runChild(env, [
        'orders',
        'backfill',
        '--connection',
        connectionId,
        '--since',
        '2026-11-01',
      ]);
      expect(backfill.code).toBe(1);
      expect(backfill.stderr).toContain('STORE_IN_USE');
      expect(backfill.stdout).not.toMatch(/new or changed/);

      const second = await runChild({ ...env, ...stringify({ ...ports, PORT: await freePort() }) }, [
        'start',
      ]);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain('STORE_IN_USE');
      expect(second.stdout).not.toContain('Sellerlink is running');
    } finally {
      service.child.kill('SIGTERM');
    }
    // Finding 10: SIGTERM ended with an uncaught `PGlite is closed` (exit 1) after 43 s or more.
    const exit = await service.exited;
    expect(exit.code).toBe(0);
    expect(service.output()).not.toMatch(/uncaught|PGlite is closed|Cannot use a pool/i);
    expect(existsSync(`${target.kind === 'pglite' ? target.dataDir : ''}.lock`)).toBe(false);

    // The service is gone: the same command now runs, and what it did is there for the next process.
    const imported = await runChild(env, ['listings', 'import', changesFile, '--connection', connectionId]);
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toContain('Queued 2 changes');
    expect(await queuedChanges()).toHaveLength(2);
  }, 240_000);

  it('refuses a second open in the same process, and opens again once closed', async () => {
    const first = await openStore(target, { owner: 'sellerlink test' });
    try {
      await expect(openStore(target)).rejects.toMatchObject({
        code: 'STORE_IN_USE',
        message: expect.stringContaining(`sellerlink test (pid ${process.pid}`) as string,
      });
      const run = await runInProcess(env, ['listings', 'list', '--connection', connectionId]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('STORE_IN_USE');
    } finally {
      await first.close();
    }
    await withStore(target, () => Promise.resolve());
  });

  it('takes over a lock left by a process that died, or a lock file that is not one', async () => {
    const lockFile = `${path.join(dataDir, 'db')}.lock`;
    const dead = spawn(process.execPath, ['-e', '']);
    const deadPid = dead.pid!;
    await new Promise((resolve) => dead.once('close', resolve));
    writeFileSync(
      lockFile,
      JSON.stringify({
        pid: deadPid,
        host: os.hostname(),
        processStart: null,
        command: 'sellerlink start',
        since: '',
      }),
    );
    await withStore(target, () => Promise.resolve());
    expect(existsSync(lockFile)).toBe(false);

    writeFileSync(lockFile, 'not a lock');
    await withStore(target, () => Promise.resolve());
    expect(existsSync(lockFile)).toBe(false);
  });
});

function stringify(values: Record<string, number>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)]));
}

/** `node bin/sellerlink.js ...args` left running, its output collected. */
function startChild(
  env: CliEnv,
  args: string[],
): { child: ChildProcess; output(): string; exited: Promise<{ code: number | null }> } {
  const base: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env))
    if (value !== undefined && !key.startsWith('SELLERLINK_') && key !== 'DATABASE_URL') base[key] = value;
  for (const [key, value] of Object.entries(env)) if (value !== undefined) base[key] = value;
  const child = spawn(process.execPath, ['bin/sellerlink.js', ...args], { cwd: ROOT, env: base });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<{ code: number | null }>((resolve) =>
    child.once('close', (code) => resolve({ code })),
  );
  return { child, output: () => text, exited };
}
