import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preparePgliteDir, runInProcess, type CliEnv } from './harness.js';

/**
 * Sandbox mode needs no key setup: the first command creates `<dataDir>/vault-keys` (mode 0600) and
 * says so on stderr; later commands reuse it. Production mode without SELLERLINK_VAULT_KEYS refuses.
 */
describe('operator CLI in sandbox mode', () => {
  let dataDir: string;
  let env: CliEnv;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'sellerlink-cli-sandbox-'));
    await preparePgliteDir(dataDir);
    env = { SELLERLINK_DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
  }, 120_000);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('creates the local vault key file on first use and reports its key', async () => {
    const file = path.join(dataDir, 'vault-keys');
    expect(existsSync(file)).toBe(false);
    const first = await runInProcess(env, ['keys', 'status']);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('warning: sandbox mode: created a local vault key file');
    expect(first.stderr).toContain(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const keyId = readFileSync(file, 'utf8').split(':')[0]!;
    expect(keyId).toMatch(/^local-\d{8}$/);
    expect(first.stdout).toContain(`Vault keys from the sandbox key file ${file}`);
    expect(first.stdout).toMatch(new RegExp(`${keyId}\\s+current\\s+0\\s+0`));

    const second = await runInProcess(env, ['keys', 'status']);
    expect(second.code).toBe(0);
    expect(second.stderr).toBe('');
    expect(readFileSync(file, 'utf8').split(':')[0]).toBe(keyId);
  }, 120_000);

  it('refuses production mode without SELLERLINK_VAULT_KEYS, naming the variable', async () => {
    const run = await runInProcess({ ...env, SELLERLINK_MODE: 'production' }, ['accounts', 'list']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'error [CONFIG_INVALID]: production mode refuses to start without SELLERLINK_VAULT_KEYS',
    );
  }, 60_000);
});

describe('application from configuration', () => {
  it('needs all three of AMAZON_APP_ID, AMAZON_CLIENT_ID and AMAZON_CLIENT_SECRET', async () => {
    const { loadConfig } = await import('../../src/config/config.js');
    expect(() =>
      loadConfig({
        AMAZON_CLIENT_ID: 'amzn1.application-oa2-client.x',
        SELLERLINK_VAULT_KEYS: `k:${Buffer.alloc(32).toString('base64')}`,
      }),
    ).toThrow(/set all three or none/);
    const config = loadConfig({
      AMAZON_APP_ID: 'amzn1.sp.solution.abc',
      AMAZON_CLIENT_ID: 'amzn1.application-oa2-client.x',
      AMAZON_CLIENT_SECRET: 'amzn1.oa2-cs.v1.secret',
      SELLERLINK_VAULT_KEYS: `k:${Buffer.alloc(32).toString('base64')}`,
    });
    expect(config.mode).toBe('production');
    expect(config.application).toMatchObject({
      appId: 'amzn1.sp.solution.abc',
      status: 'published',
      name: 'Sellerlink',
    });
  });
});

it('keeps the configured client secret out of JSON and inspection', async () => {
  const { loadConfig } = await import('../../src/config/config.js');
  const { inspect } = await import('node:util');
  const config = loadConfig({
    AMAZON_APP_ID: 'amzn1.sp.solution.abc',
    AMAZON_CLIENT_ID: 'amzn1.application-oa2-client.x',
    AMAZON_CLIENT_SECRET: 'amzn1.oa2-cs.v1.topsecret',
    SELLERLINK_VAULT_KEYS: `k:${Buffer.alloc(32).toString('base64')}`,
  });
  expect(JSON.stringify(config)).not.toContain('topsecret');
  expect(inspect(config, { depth: 10 })).not.toContain('topsecret');
  expect(config.application!.clientSecret.reveal()).toBe('amzn1.oa2-cs.v1.topsecret');
});
