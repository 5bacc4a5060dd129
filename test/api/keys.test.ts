import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAccounts, type Account } from '../../src/accounts/service.js';
import { createApiKeys, type ApiKeys } from '../../src/accounts/api-keys.js';
import { createAuditLog } from '../../src/connections/audit.js';
import type { Viewer } from '../../src/connections/repository.js';
import { createManualClock, MINUTE } from '../../src/kernel/clock.js';
import { AppError } from '../../src/kernel/errors.js';
import { cryptoRandom } from '../../src/kernel/random.js';
import type { DatabaseTarget, Store } from '../../src/store/database.js';
import { createPostgresDatabase, describeEachDatabase, openTestStore } from '../support/databases.js';
import { allRowsAsText, secretsIn } from '../support/security.js';
import { newVaultKey, preparePgliteDir, runInProcess, withStore, type CliEnv } from '../cli/harness.js';

/** The code an async call fails with (or 'ok'). */
async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (err) {
    if (err instanceof AppError) return String(err.code);
    throw err;
  }
}

describeEachDatabase('API key use cases', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  let keys: ApiKeys;
  const clock = createManualClock(Date.parse('2026-12-01T10:00:00Z'));
  let a: Account;
  let b: Account;
  let ownerA: Viewer;
  let ownerB: Viewer;
  let memberA: Viewer;
  const operator: Viewer = { userId: '', username: 'cli', role: 'operator', accountId: null, actor: 'cli' };

  beforeAll(async () => {
    ({ store, close } = await openTestStore(kind));
    const accounts = createAccounts({ db: store.db, clock, random: cryptoRandom });
    a = await accounts.createAccount('Alpha');
    b = await accounts.createAccount('Beta');
    const user = async (account: Account, username: string, role: 'owner' | 'member'): Promise<Viewer> => {
      const u = await accounts.addUser({
        accountId: account.id,
        username,
        password: 'long-password-1',
        role,
      });
      return { userId: u.id, username, role, accountId: account.id };
    };
    ownerA = await user(a, 'owner-a', 'owner');
    ownerB = await user(b, 'owner-b', 'owner');
    memberA = await user(a, 'member-a', 'member');
    keys = createApiKeys({
      db: store.db,
      clock,
      random: cryptoRandom,
      audit: createAuditLog(store.db, clock),
    });
  });
  afterAll(async () => close?.());

  it('creates a key shown once as slk_<prefix>_<secret>; stores only its hash and prefix', async () => {
    const { apiKey, key } = await keys.create(ownerA, { name: '  ERP  ', accountId: a.id });
    const raw = key.reveal();
    expect(raw).toMatch(/^slk_[a-z0-9]{8}_[A-Za-z0-9]{40}$/);
    expect(String(key)).toBe('[REDACTED]');
    expect(apiKey).toMatchObject({ name: 'ERP', accountId: a.id, prefix: raw.slice(4, 12), revokedAt: null });
    expect(apiKey.createdAt.getTime()).toBe(clock.now());
    const row = await store.db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', apiKey.id)
      .executeTakeFirstOrThrow();
    expect(row.key_hash).toBe(createHash('sha256').update(raw).digest('hex'));
    expect(row.created_by).toBe('user:owner-a');
    expect(secretsIn(await allRowsAsText(store.db), [{ name: 'key', value: raw.slice(13) }])).toEqual([]);
    const listed = await keys.list(ownerA);
    expect(listed.map((k) => k.id)).toEqual([apiKey.id]);
    expect(JSON.stringify(listed)).not.toContain(raw.slice(13));
  });

  it('authenticates a key as a viewer of its account, noting when it was last used (at most once a minute)', async () => {
    const { apiKey, key } = await keys.create(ownerA, { name: 'worker', accountId: a.id });
    const principal = await keys.authenticate(key.reveal());
    expect(principal).toMatchObject({ keyId: apiKey.id, accountId: a.id });
    expect(principal.viewer).toMatchObject({
      role: 'member',
      accountId: a.id,
      actor: `api-key:${apiKey.prefix}`,
    });
    const usedAt = async () =>
      (
        await store.db
          .selectFrom('api_keys')
          .select('last_used_at')
          .where('id', '=', apiKey.id)
          .executeTakeFirstOrThrow()
      ).last_used_at?.getTime();
    expect(await usedAt()).toBe(clock.now());
    const first = clock.now();
    clock.advance(30_000);
    await keys.authenticate(key.reveal());
    expect(await usedAt()).toBe(first);
    clock.advance(MINUTE);
    await keys.authenticate(key.reveal());
    expect(await usedAt()).toBe(clock.now());
  });

  it('refuses malformed and unknown keys as API_KEY_INVALID', async () => {
    const { key } = await keys.create(ownerA, { name: 'probe', accountId: a.id });
    const raw = key.reveal();
    const swapped = `${raw.slice(0, -1)}${raw.endsWith('A') ? 'B' : 'A'}`;
    for (const presented of ['', 'slk_', raw.toUpperCase(), swapped, `slk_zzzzzzzz_${raw.slice(13)}`]) {
      expect(await codeOf(keys.authenticate(presented))).toBe('API_KEY_INVALID');
    }
  });

  it('an operator key sees every account', async () => {
    const { key } = await keys.create(operator, { name: 'ops', accountId: null });
    const principal = await keys.authenticate(key.reveal());
    expect(principal.accountId).toBeNull();
    expect(principal.viewer).toMatchObject({ role: 'operator', accountId: null });
  });

  it('only owners (their own account) and operators manage keys', async () => {
    expect(await codeOf(keys.create(memberA, { name: 'x', accountId: a.id }))).toBe('API_KEY_FORBIDDEN');
    expect(await codeOf(keys.list(memberA))).toBe('API_KEY_FORBIDDEN');
    expect(await codeOf(keys.create(ownerA, { name: 'x', accountId: b.id }))).toBe('API_KEY_FORBIDDEN');
    expect(await codeOf(keys.create(ownerA, { name: 'x', accountId: null }))).toBe('API_KEY_FORBIDDEN');
    const bKey = await keys.create(ownerB, { name: 'b', accountId: b.id });
    expect((await keys.list(ownerA)).map((k) => k.accountId)).not.toContain(b.id);
    expect(await codeOf(keys.revoke(ownerA, bKey.apiKey.id))).toBe('API_KEY_NOT_FOUND');
    expect(await codeOf(keys.authenticate(bKey.key.reveal()))).toBe('ok');
    const all = await keys.list(operator);
    expect(new Set(all.map((k) => k.accountId))).toEqual(new Set([a.id, b.id, null]));
    expect((await keys.list(operator, { accountId: b.id })).map((k) => k.id)).toEqual([bKey.apiKey.id]);
  });

  it('validates the name and the account, naming the field', async () => {
    const fieldOf = async (input: { name: string; accountId: string | null }) => {
      try {
        await keys.create(operator, input);
        return 'ok';
      } catch (err) {
        return `${(err as AppError).code}:${String((err as AppError).details.field)}`;
      }
    };
    expect(await fieldOf({ name: ' ', accountId: a.id })).toBe('VALIDATION_FAILED:name');
    expect(await fieldOf({ name: 'x'.repeat(101), accountId: a.id })).toBe('VALIDATION_FAILED:name');
    expect(await fieldOf({ name: 'x', accountId: '00000000-0000-4000-8000-000000000000' })).toBe(
      'VALIDATION_FAILED:accountId',
    );
    expect(await fieldOf({ name: 'x', accountId: 'not-a-uuid' })).toBe('VALIDATION_FAILED:accountId');
  });

  it('revokes at once (idempotently) and audits create and revoke', async () => {
    const { apiKey, key } = await keys.create(ownerA, { name: 'to revoke', accountId: a.id });
    const revoked = await keys.revoke(ownerA, apiKey.id, '203.0.113.9');
    expect(revoked.revokedAt?.getTime()).toBe(clock.now());
    expect(revoked.revokedBy).toBe('user:owner-a');
    expect(await codeOf(keys.authenticate(key.reveal()))).toBe('API_KEY_REVOKED');
    expect((await keys.revoke(operator, apiKey.id)).revokedBy).toBe('user:owner-a');
    expect(await codeOf(keys.revoke(operator, 'nope'))).toBe('API_KEY_NOT_FOUND');
    const audit = await store.db
      .selectFrom('audit_log')
      .select(['action', 'actor', 'ip', 'detail'])
      .where('action', 'in', ['api_key.created', 'api_key.revoked'])
      .execute()
      .then((rows) => rows.filter((e) => e.detail.keyId === apiKey.id));
    expect(audit.map((e) => e.action).sort()).toEqual(['api_key.created', 'api_key.revoked']);
    expect(audit.find((e) => e.action === 'api_key.revoked')?.ip).toBe('203.0.113.9');
  });
});

describeEachDatabase('sellerlink api-keys', (kind) => {
  let dataDir: string;
  let target: DatabaseTarget;
  let env: CliEnv;
  let dropDatabase: (() => Promise<void>) | null = null;
  const cli = (args: string[]) => runInProcess(env, args);

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'sellerlink-api-keys-'));
    let databaseUrl: string | undefined;
    if (kind === 'pglite') {
      await preparePgliteDir(dataDir);
      target = { kind: 'pglite', dataDir: path.join(dataDir, 'db') };
    } else {
      const db = await createPostgresDatabase();
      dropDatabase = db.drop;
      databaseUrl = db.url;
      target = { kind: 'postgres', url: db.url };
    }
    env = {
      SELLERLINK_MODE: 'production',
      SELLERLINK_VAULT_KEYS: newVaultKey('k1'),
      SELLERLINK_DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'silent',
    };
    expect((await cli(['accounts', 'create', 'Acme Outdoor'])).code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await dropDatabase?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates, lists and revokes keys; the key is printed once and works until revoked', async () => {
    const created = await cli(['api-keys', 'create', '--account', 'Acme Outdoor', '--name', 'ERP']);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain("Created API key 'ERP'");
    expect(created.stdout).toContain("it sees account 'Acme Outdoor'");
    const key = /shown only now[^:]*: (slk_\S+)/.exec(created.stdout)![1]!;
    const id = /\(id ([0-9a-f-]{36})\)/.exec(created.stdout)![1]!;

    const all = await cli(['api-keys', 'create', '--all', '--name', 'ops', '--json']);
    expect(all.code).toBe(0);
    const json = JSON.parse(all.stdout) as { key: string; accountId: string | null; prefix: string };
    expect(json.accountId).toBeNull();
    expect(json.key).toMatch(new RegExp(`^slk_${json.prefix}_`));

    const list = await cli(['api-keys', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`slk_${key.slice(4, 12)}_…`);
    expect(list.stdout).toContain('Acme Outdoor');
    expect(list.stdout).toContain('all accounts');
    expect(list.stdout).not.toContain(key);
    const listed = JSON.parse((await cli(['api-keys', 'list', '--json'])).stdout) as object[];
    expect(listed).toHaveLength(2);
    expect(JSON.stringify(listed)).not.toContain(key.slice(13));

    const authenticate = (presented: string) =>
      withStore(target, async (store) => {
        const keys = createApiKeys({
          db: store.db,
          clock: createManualClock(Date.now()),
          random: cryptoRandom,
          audit: createAuditLog(store.db, createManualClock(Date.now())),
        });
        return codeOf(keys.authenticate(presented));
      });
    expect(await authenticate(key)).toBe('ok');

    const revoked = await cli(['api-keys', 'revoke', id]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain("Revoked API key 'ERP'");
    expect(await authenticate(key)).toBe('API_KEY_REVOKED');
    expect(await authenticate(json.key)).toBe('ok');
    expect((await cli(['api-keys', 'list'])).stdout).toMatch(/revoked \d{4}-/);
  });

  it('refuses bad input, naming the option, and creates nothing', async () => {
    const count = async () =>
      (JSON.parse((await cli(['api-keys', 'list', '--json'])).stdout) as object[]).length;
    const before = await count();
    const neither = await cli(['api-keys', 'create', '--name', 'x']);
    expect(neither.code).toBe(1);
    expect(neither.stderr).toContain('exactly one of --account <id|name> or --all');
    const both = await cli(['api-keys', 'create', '--all', '--account', 'Acme Outdoor', '--name', 'x']);
    expect(both.code).toBe(1);
    const empty = await cli(['api-keys', 'create', '--all', '--name', ' ']);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('error [VALIDATION_FAILED]: --name: give the key a name');
    const unknown = await cli(['api-keys', 'create', '--account', 'Nobody', '--name', 'x']);
    expect(unknown.stderr).toContain("--account: no account 'Nobody'");
    const revoke = await cli(['api-keys', 'revoke', '00000000-0000-4000-8000-000000000000']);
    expect(revoke.code).toBe(1);
    expect(revoke.stderr).toContain('error [API_KEY_NOT_FOUND]: <id>: no API key');
    expect(await count()).toBe(before);
  });
});
