import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../test/support/service.js';

/**
 * How long `sellerlink start` takes to stop on SIGTERM. Each round starts the
 * sandbox service on a fresh embedded data directory, waits until it serves, then sends SIGTERM
 * either with nothing connected (`idle`) or while a browser-like client holds keep-alive connections
 * and has a request in flight (`busy`), and measures until the process has exited.
 */
const ROUNDS = Number(process.env.BENCH_SHUTDOWN_ROUNDS ?? 3);

interface Round {
  scenario: 'idle' | 'busy';
  stopSeconds: number;
  exitCode: number | null;
  uncaught: boolean;
}

async function round(scenario: Round['scenario']): Promise<Round> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sellerlink-bench-shutdown-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SELLERLINK_DATA_DIR: dataDir,
    PORT: String(port),
    SIMULATOR_PORT: String(await freePort()),
    MAIL_CATCHER_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
  };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, ['bin/sellerlink.js', 'start'], { env });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  const started = Date.now();
  while (!output.includes('Sellerlink is running')) {
    if (child.exitCode !== null) throw new Error(`the service did not start: ${output}`);
    if (Date.now() - started > 180_000) throw new Error('the service did not start in 3 minutes');
    await new Promise((r) => setTimeout(r, 100));
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  if (scenario === 'busy') {
    // Four kept-alive connections, as a browser leaves them after loading the portal.
    await Promise.all(
      Array.from({ length: 4 }, () => get(`http://127.0.0.1:${port}/login`, agent).catch(() => undefined)),
    );
    // And requests in flight when the signal arrives (their answers may or may not come).
    for (let i = 0; i < 4; i++) void get(`http://127.0.0.1:${port}/healthz`, agent).catch(() => undefined);
  }
  const signalled = process.hrtime.bigint();
  child.kill('SIGTERM');
  const exitCode = await exited;
  const stopSeconds = Number(process.hrtime.bigint() - signalled) / 1e9;
  agent.destroy();
  rmSync(dataDir, { recursive: true, force: true });
  return {
    scenario,
    stopSeconds,
    exitCode,
    uncaught: /uncaught|PGlite is closed|Cannot use a pool/i.test(output),
  };
}

function get(url: string, agent: http.Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      })
      .on('error', reject);
  });
}

export const bench = {
  description:
    'SIGTERM to exit of `sellerlink start` (idle, and with keep-alive clients and requests in flight)',
  async run() {
    const rounds: Round[] = [];
    for (let i = 0; i < ROUNDS; i++)
      for (const scenario of ['idle', 'busy'] as const) {
        const r = await round(scenario);
        console.log(
          `  ${scenario}: ${r.stopSeconds.toFixed(2)} s, exit ${r.exitCode}${r.uncaught ? ', UNCAUGHT' : ''}`,
        );
        rounds.push(r);
      }
    const max = Math.max(...rounds.map((r) => r.stopSeconds));
    const clean = rounds.every((r) => r.exitCode === 0 && !r.uncaught);
    return {
      summary: `shutdown: slowest stop ${max.toFixed(2)} s over ${rounds.length} rounds (target ≤ 5 s), ${
        clean ? 'every exit clean (code 0, no uncaught error)' : 'NOT every exit clean'
      }`,
      data: { rounds, maxStopSeconds: max, clean, targetSeconds: 5 },
    };
  },
};
