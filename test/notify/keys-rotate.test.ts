import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/kernel/clock.js';
import { cryptoRandom, randomUuid } from '../../src/kernel/random.js';
import { createNotificationSettings } from '../../src/notify/settings.js';
import type { DatabaseTarget } from '../../src/store/database.js';
import { createVault } from '../../src/vault/envelope.js';
import { createKeyRing, parseKeyList } from '../../src/vault/keyring.js';
import { newVaultKey, preparePgliteDir, runInProcess, withStore, type CliEnv } from '../cli/harness.js';

const OPERATOR = { userId: '', username: 'test', role: 'operator' as const, accountId: null };

/** `sellerlink keys status|rotate` count and re-seal webhook secrets with the other sealed values. */
describe('vault key rotation covers webhook secrets', () => {
  const K1 = newVaultKey('k1');
  const K2 = newVaultKey('k2');
  let dataDir: string;
  let target: DatabaseTarget;
  let secret = '';
  const env = (keys: string): CliEnv => ({
    SELLERLINK_MODE: 'production',
    SELLERLINK_VAULT_KEYS: keys,
    SELLERLINK_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
  });
  const settingsWith = (keys: string, db: Parameters<typeof createNotificationSettings>[0]['db']) =>
    createNotificationSettings({
      db,
      vault: createVault(createKeyRing(parseKeyList(keys)), cryptoRandom),
      clock: systemClock,
      random: cryptoRandom,
      newId: () => randomUuid(cryptoRandom),
    });

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'sellerlink-keys-webhooks-'));
    await preparePgliteDir(dataDir);
    target = { kind: 'pglite', dataDir: path.join(dataDir, 'db') };
    secret = await withStore(target, async (store) => {
      const created = await settingsWith(K1, store.db).createEndpoint(OPERATOR, {
        url: 'https://erp.example/hooks',
      });
      return created.secret.reveal();
    });
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('shows the webhook secret under k1, re-seals it with k2, and it opens with k2 alone', async () => {
    const before = await runInProcess(env(`${K2},${K1}`), ['keys', 'status']);
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(/k1\s+older\s+0\s+0\s+0\s+1/);
    expect(before.stdout).toContain("1 secret still use older keys: run 'sellerlink keys rotate'");

    const rotated = await runInProcess(env(`${K2},${K1}`), ['keys', 'rotate']);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toContain('Re-sealed 1 webhook secret.');
    expect(rotated.stdout).toContain("No secret uses 'k1' any more");

    const opened = await withStore(target, async (store) => {
      const settings = settingsWith(K2, store.db);
      const [endpoint] = await settings.listEndpoints(OPERATOR);
      return (await settings.endpointSecret(endpoint!.id)).reveal();
    });
    expect(opened).toBe(secret);

    // Without the key that sealed it, rotation stops before changing anything, naming the key.
    const missing = await runInProcess(env(newVaultKey('k3')), ['keys', 'rotate']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("'k2' (0 application secrets, 0 refresh tokens, 1 webhook secret)");
  });
});
