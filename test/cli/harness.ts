import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { inject, vi } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { openStore, type DatabaseTarget, type Store } from '../../src/store/database.js';

/**
 * Runs `sellerlink` for the operator-command tests: in-process through `runCli` (fast), or as a child
 * process through bin/sellerlink.js (real stdin pipe and exit code). Either way the environment is
 * exactly `env`: every configuration variable not in it is unset for the run.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Every variable src/config/config.ts reads. */
const CONFIG_KEYS = [
  'SELLERLINK_MODE',
  'HOST',
  'PORT',
  'PUBLIC_URL',
  'DATABASE_URL',
  'SELLERLINK_DATA_DIR',
  'LOG_LEVEL',
  'SIMULATOR_PORT',
  'SIMULATOR_SPEED',
  'LWA_TOKEN_URL',
  'SPAPI_URL_NA',
  'SPAPI_URL_EU',
  'SPAPI_URL_FE',
  'SELLER_CENTRAL_URL_NA',
  'SELLER_CENTRAL_URL_EU',
  'SELLER_CENTRAL_URL_FE',
  'SELLERLINK_VAULT_KEYS',
  'AMAZON_APP_ID',
  'AMAZON_CLIENT_ID',
];

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export type CliEnv = Record<string, string | undefined>;

/** Runs the CLI in this process with `env` as its configuration and `stdin` as standard input. */
export async function runInProcess(env: CliEnv, args: string[], stdin?: string): Promise<CliRun> {
  // The configuration keys (unset unless given) and any other setting the test passes.
  const keys = [...new Set([...CONFIG_KEYS, ...Object.keys(env)])];
  const saved = new Map(keys.map((k) => [k, process.env[k]]));
  for (const key of keys) {
    const value = env[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  const stdinDescriptor = Object.getOwnPropertyDescriptor(process, 'stdin')!;
  if (stdin !== undefined) {
    Object.defineProperty(process, 'stdin', {
      value: Readable.from([Buffer.from(stdin)]),
      configurable: true,
    });
  }
  let stdout = '';
  let stderr = '';
  const text = (values: unknown[]) => `${values.map(String).join(' ')}\n`;
  const spies = [
    vi.spyOn(console, 'log').mockImplementation((...v: unknown[]) => void (stdout += text(v))),
    vi.spyOn(console, 'error').mockImplementation((...v: unknown[]) => void (stderr += text(v))),
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout += chunk.toString();
      return true;
    }),
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += chunk.toString();
      return true;
    }),
  ];
  try {
    const code = await runCli(['node', 'sellerlink', ...args]);
    return { code, stdout, stderr };
  } finally {
    for (const spy of spies) spy.mockRestore();
    Object.defineProperty(process, 'stdin', stdinDescriptor);
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/** Runs `node bin/sellerlink.js ...args` with `env` and `stdin` piped in. */
export function runChild(env: CliEnv, args: string[], stdin = ''): Promise<CliRun> {
  const base: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !CONFIG_KEYS.includes(key)) base[key] = value;
  }
  for (const [key, value] of Object.entries(env)) if (value !== undefined) base[key] = value;
  const child = spawn(process.execPath, ['bin/sellerlink.js', ...args], {
    cwd: ROOT,
    env: base,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(stdin);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** A fresh vault key: `id:base64` of 32 random bytes. */
export function newVaultKey(id: string): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

/** Initialises an embedded database directory from the run's migrated template (seconds faster). */
export async function preparePgliteDir(dataDir: string): Promise<void> {
  const template = new Blob([readFileSync(inject('pgliteTemplatePath'))]);
  const store = await openStore({ kind: 'pglite', dataDir: path.join(dataDir, 'db'), loadDataDir: template });
  await store.close();
}

/** Opens the database the CLI uses, runs `body`, and closes it again (PGlite has one user at a time). */
export async function withStore<T>(target: DatabaseTarget, body: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(target);
  try {
    return await body(store);
  } finally {
    await store.close();
  }
}
