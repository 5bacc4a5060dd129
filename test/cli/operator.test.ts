import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAccounts } from '../../src/accounts/service.js';
import { createConnectionLifecycle } from '../../src/lifecycle/connections.js';
import { createAuditLog } from '../../src/connections/audit.js';
import { createOffsetClock, DAY, systemClock } from '../../src/kernel/clock.js';
import { silentLogger } from '../../src/kernel/log.js';
import { cryptoRandom } from '../../src/kernel/random.js';
import { createSimulator } from '../../src/simulator/app.js';
import { DEMO, seedDemo } from '../../src/simulator/seed.js';
import { listenSimulator, type SimulatorServer } from '../../src/simulator/server.js';
import { composeUseCases, testConfig } from '../support/compose.js';
import { simControlFetch } from '../support/sim-control.js';
import type { DatabaseTarget } from '../../src/store/database.js';
import { createRefreshTokenResealer } from '../../src/broker/reseal.js';
import { createVault } from '../../src/vault/envelope.js';
import { createKeyRing, parseKeyList } from '../../src/vault/keyring.js';
import { createPostgresDatabase, describeEachDatabase } from '../support/databases.js';
import {
  newVaultKey,
  preparePgliteDir,
  runChild,
  runInProcess,
  withStore,
  type CliEnv,
  type CliRun,
} from './harness.js';

/**
 * The operator CLI (accounts, users, applications, connections, keys) in production mode against a
 * simulator on a real port, on PGlite and PostgreSQL. Commands run in-process through runCli; the
 * ones that read a secret from stdin also run once as a real child process with a pipe.
 */

const T = 240_000;
const DRAFT = DEMO.draftApp;
const PUBLISHED = DEMO.publishedApp;

describeEachDatabase('operator CLI', (kind) => {
  const K1 = newVaultKey('k1');
  const K2 = newVaultKey('k2');
  let dataDir: string;
  let target: DatabaseTarget;
  let dropDatabase: (() => Promise<void>) | null = null;
  let sim: SimulatorServer;
  let simToken = '';
  let env: CliEnv;
  const ids = { account: '', na: '', eu: '' };

  /** In-process run with the suite's environment (plus overrides). */
  const cli = (args: string[], options: { stdin?: string; env?: CliEnv } = {}): Promise<CliRun> =>
    runInProcess({ ...env, ...options.env }, args, options.stdin);
  const ok = async (args: string[], options: { stdin?: string; env?: CliEnv } = {}): Promise<string> => {
    const run = await cli(args, options);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    return run.stdout;
  };
  const authenticates = (username: string, password: string) =>
    withStore(target, async (store) => {
      const accounts = createAccounts({ db: store.db, clock: systemClock, random: cryptoRandom });
      return accounts.authenticate(username, password, null).then(
        () => true,
        () => false,
      );
    });
  const keyColumns = () =>
    withStore(target, async (store) => ({
      apps: await store.db
        .selectFrom('applications')
        .select(['app_id', 'client_secret_key_id as keyId', 'client_secret_blob as blob'])
        .orderBy('app_id')
        .execute(),
      connections: await store.db
        .selectFrom('connections')
        .select(['selling_partner_id', 'refresh_token_key_id as keyId', 'refresh_token_blob as blob'])
        .orderBy('selling_partner_id')
        .execute(),
      accessTokens: await store.db
        .selectFrom('access_tokens')
        .select(['connection_id', 'token_key_id as keyId', 'token_blob as blob'])
        .orderBy('connection_id')
        .execute(),
    }));
  /** Mints (and caches, sealed) access tokens through the token broker with the given vault keys. */
  const mintAccessTokens = (keys: string, connectionIds: string[]) =>
    withStore(target, async (store) => {
      const { amazon } = await composeUseCases({
        store,
        origin: sim.url,
        clock: systemClock,
        config: testConfig({ SELLERLINK_VAULT_KEYS: keys }),
      });
      const broker = amazon.tokens;
      for (const id of connectionIds)
        expect((await broker.accessToken(id)).token.reveal()).toMatch(/^Atza\|/);
    });
  const selfAuthorize = async (sellingPartnerId: string): Promise<string> => {
    const res = await simControlFetch(simToken)(`${sim.url}/_sim/apps/${DRAFT.appId}/self-authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sellingPartnerId }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { refreshToken: string }).refreshToken;
  };
  const importArgs = (spid: string, region: string) => [
    'connections',
    'import',
    '--account',
    'Acme Outdoor',
    '--application',
    DRAFT.name,
    '--region',
    region,
    '--selling-partner-id',
    spid,
    '--refresh-token-stdin',
  ];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'sellerlink-cli-'));
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
    const simulator = createSimulator({ clock: createOffsetClock(systemClock) });
    simToken = simulator.controlToken;
    sim = await listenSimulator(simulator, { port: 0 });
    seedDemo(simulator.ctx, { redirectUris: ['https://sellerlink.example/oauth/callback'] });
    env = {
      SELLERLINK_MODE: 'production',
      SELLERLINK_VAULT_KEYS: K1,
      SELLERLINK_DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'silent',
      LWA_TOKEN_URL: `${sim.url}/auth/o2/token`,
      SPAPI_URL_NA: `${sim.url}/na`,
      SPAPI_URL_EU: `${sim.url}/eu`,
      SPAPI_URL_FE: `${sim.url}/fe`,
    };
  }, T);

  afterAll(async () => {
    await sim?.close();
    await dropDatabase?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'creates accounts and lists them; an empty name is refused, naming it, and nothing is created',
    async () => {
      const created = await ok(['accounts', 'create', 'Acme Outdoor']);
      ids.account = /\(id ([0-9a-f-]{36})\)/.exec(created)![1]!;
      expect(created).toContain("Created account 'Acme Outdoor'");
      await ok(['accounts', 'create', 'Birch Home']);

      const bad = await cli(['accounts', 'create', '   ']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('error [FORBIDDEN]: <name>: an account name needs 1-200 characters');

      const list = await ok(['accounts', 'list']);
      expect(list).toMatch(new RegExp(`${ids.account}\\s+Acme Outdoor`));
      expect(list).toContain('Birch Home');
      const json = JSON.parse(await ok(['accounts', 'list', '--json'])) as { name: string }[];
      expect(json.map((a) => a.name)).toEqual(['Acme Outdoor', 'Birch Home']);
    },
    T,
  );

  it(
    'adds a user with a generated password printed once, and one whose password is piped in',
    async () => {
      const out = await ok(['users', 'add', '--account', 'Acme Outdoor', '--username', 'alice']);
      expect(out).toContain("Added owner 'alice' to account 'Acme Outdoor'");
      const password = /Password \(shown only now[^)]*\): (\S+)/.exec(out)?.[1];
      expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
      expect(await authenticates('alice', password!)).toBe(true);

      // A real pipe into a child process, the account named by id, a member this time.
      const child = await runChild(
        env,
        [
          'users',
          'add',
          '--account',
          ids.account,
          '--username',
          'bob',
          '--role',
          'member',
          '--password-stdin',
        ],
        'bob piped password\n',
      );
      expect(child.stderr).toBe('');
      expect(child.code).toBe(0);
      expect(child.stdout).toContain("Added member 'bob'");
      expect(child.stdout).not.toContain('Password');
      expect(child.stdout).not.toContain('bob piped password');
      expect(await authenticates('bob', 'bob piped password')).toBe(true);
    },
    T,
  );

  it(
    'refuses bad user input with a message naming the option, and creates nothing',
    async () => {
      const noAccount = await cli(['users', 'add', '--account', 'Nope Inc', '--username', 'carol']);
      expect(noAccount.code).toBe(1);
      expect(noAccount.stderr).toContain("--account: no account 'Nope Inc'");

      const badRole = await cli([
        'users',
        'add',
        '--account',
        'Acme Outdoor',
        '--username',
        'carol',
        '--role',
        'boss',
      ]);
      expect(badRole.code).toBe(1);
      expect(badRole.stderr).toContain("option '--role <role>' argument 'boss' is invalid");

      const weak = await cli(
        ['users', 'add', '--account', 'Acme Outdoor', '--username', 'carol', '--password-stdin'],
        { stdin: 'short\n' },
      );
      expect(weak.code).toBe(1);
      expect(weak.stderr).toContain(
        'error [PASSWORD_TOO_WEAK]: --password-stdin: passwords need at least 10 characters',
      );

      const empty = await cli(
        ['users', 'add', '--account', 'Acme Outdoor', '--username', 'carol', '--password-stdin'],
        { stdin: '' },
      );
      expect(empty.code).toBe(1);
      expect(empty.stderr).toContain('--password-stdin: nothing was read from standard input');

      const taken = await cli(['users', 'add', '--account', 'Birch Home', '--username', 'ALICE']);
      expect(taken.code).toBe(1);
      expect(taken.stderr).toContain("error [USER_EXISTS]: --username: the username 'ALICE' is taken");
      expect(taken.stdout).not.toContain('Password');

      const badName = await cli(['users', 'add', '--account', 'Acme Outdoor', '--username', 'a b']);
      expect(badName.code).toBe(1);
      expect(badName.stderr).toContain('--username: usernames need 3-64 letters');

      // carol was never created: adding her now works.
      await ok(['users', 'add', '--account', 'Acme Outdoor', '--username', 'carol', '--password-stdin'], {
        stdin: 'carol strong password',
      });
    },
    T,
  );

  it(
    'adds an operator and replaces a password read from stdin (never from argv)',
    async () => {
      const op = await ok(['users', 'add-operator', '--username', 'ops']);
      expect(op).toContain("Added operator 'ops'");
      const password = /Password \(shown only now[^)]*\): (\S+)/.exec(op)![1]!;
      expect(await authenticates('ops', password)).toBe(true);

      const reset = await ok(['users', 'set-password', '--username', 'alice', '--password-stdin'], {
        stdin: 'alice new password\n',
      });
      expect(reset).toContain("Password of 'alice' replaced");
      expect(await authenticates('alice', 'alice new password')).toBe(true);

      const noStdin = await cli(['users', 'set-password', '--username', 'alice']);
      expect(noStdin.code).toBe(1);
      expect(noStdin.stderr).toContain('--password-stdin is required');

      const asArgument = await cli([
        'users',
        'set-password',
        '--username',
        'alice',
        '--password',
        'x'.repeat(12),
      ]);
      expect(asArgument.code).toBe(1);
      expect(asArgument.stderr).toContain("unknown option '--password'");

      const nobody = await cli(['users', 'set-password', '--username', 'nobody', '--password-stdin'], {
        stdin: 'some long password',
      });
      expect(nobody.code).toBe(1);
      expect(nobody.stderr).toContain("error [USER_NOT_FOUND]: --username: no user 'nobody'");
      expect(await authenticates('alice', 'alice new password')).toBe(true);
    },
    T,
  );

  it(
    'registers applications with the client secret from stdin, never printing it, and lists secret ages',
    async () => {
      const args = (app: { name: string; appId: string; clientId: string }, status: string, kind: string) => [
        'applications',
        'add',
        '--name',
        app.name,
        '--app-id',
        app.appId,
        '--client-id',
        app.clientId,
        '--status',
        status,
        '--kind',
        kind,
        '--redirect-uri',
        'https://sellerlink.example/oauth/callback',
        '--client-secret-stdin',
      ];
      const child = await runChild(env, args(DRAFT, 'draft', 'private'), `${DRAFT.clientSecret}\n`);
      expect(child.stderr).toBe('');
      expect(child.code).toBe(0);
      expect(child.stdout).toContain(`Added application '${DRAFT.name}'`);
      expect(child.stdout).toContain("sealed with vault key 'k1'");
      expect(child.stdout).not.toContain(DRAFT.clientSecret);

      const issued = new Date(Date.now() - 100 * DAY).toISOString().slice(0, 10);
      const published = await ok([...args(PUBLISHED, 'published', 'public'), '--secret-issued-at', issued], {
        stdin: PUBLISHED.clientSecret,
      });
      expect(published).not.toContain(PUBLISHED.clientSecret);

      const list = await ok(['applications', 'list']);
      expect(list).not.toContain(DRAFT.clientSecret);
      expect(list).not.toContain(PUBLISHED.clientSecret);
      const draftLine = list.split('\n').find((l) => l.includes(DRAFT.appId))!;
      expect(draftLine).toMatch(/draft\s+private\s+\d{4}-\d{2}-\d{2}\s+0 days\s+\S+ \(in 180 days\)/);
      const publishedLine = list.split('\n').find((l) => l.includes(PUBLISHED.appId))!;
      expect(publishedLine).toMatch(
        new RegExp(`published\\s+public\\s+${issued}\\s+(99|100) days\\s+\\S+ \\(in (80|81) days\\)`),
      );

      const stored = await keyColumns();
      expect(stored.apps.map((a) => a.keyId)).toEqual(['k1', 'k1']);
      for (const app of stored.apps) expect(app.blob).toMatch(/^v1\./);
    },
    T,
  );

  it(
    'refuses a bad application with a message naming the option, and adds nothing',
    async () => {
      const base = {
        '--name': 'Broken',
        '--app-id': 'amzn1.sp.solution.11111111-2222-4333-8444-555555555555',
        '--client-id': 'amzn1.application-oa2-client.abc123',
        '--status': 'published',
        '--redirect-uri': 'https://sellerlink.example/oauth/callback',
      };
      const add = (overrides: Record<string, string>, stdin: string | null) =>
        cli(
          [
            'applications',
            'add',
            ...Object.entries({ ...base, ...overrides }).flat(),
            ...(stdin === null ? [] : ['--client-secret-stdin']),
          ],
          stdin === null ? {} : { stdin },
        );
      const cases: [Record<string, string>, string | null, string][] = [
        [
          { '--app-id': 'my-app' },
          'a-client-secret',
          'error [APPLICATION_INVALID]: --app-id: the app id looks like',
        ],
        [{ '--client-id': 'abc' }, 'a-client-secret', 'error [APPLICATION_INVALID]: --client-id:'],
        [
          { '--redirect-uri': 'http://sellerlink.example/cb' },
          'a-client-secret',
          'error [APPLICATION_INVALID]: --redirect-uri: redirectUri must use https',
        ],
        [{ '--status': 'live' }, 'a-client-secret', "option '--status <status>' argument 'live' is invalid"],
        [
          { '--authorization-days': '0' },
          'a-client-secret',
          "option '--authorization-days <n>' argument '0' is invalid",
        ],
        [{}, null, '--client-secret-stdin is required'],
        [{}, '\n', '--client-secret-stdin: nothing was read from standard input'],
      ];
      for (const [overrides, stdin, message] of cases) {
        const run = await add(overrides, stdin);
        expect(run.code, message).toBe(1);
        expect(run.stderr).toContain(message);
      }
      const apps = JSON.parse(await ok(['applications', 'list', '--json'])) as { name: string }[];
      expect(apps.map((a) => a.name)).toEqual([DRAFT.name, PUBLISHED.name]);
    },
    T,
  );

  it(
    'imports a self-authorized refresh token after one refresh call to Amazon, audited as cli',
    async () => {
      const token = await selfAuthorize('A1DEMOSELLERNA');
      const child = await runChild(env, importArgs('A1DEMOSELLERNA', 'NA'), `${token}\n`);
      expect(child.stderr).toBe('');
      expect(child.code).toBe(0);
      expect(child.stdout).toContain('Imported: connection');
      expect(child.stdout).toContain('ATVPDKIKX0DER');
      expect(child.stdout).toContain('health        Working');
      expect(child.stdout).not.toContain(token);
      ids.na = /connection ([0-9a-f-]{36})/.exec(child.stdout)![1]!;

      const eu = await selfAuthorize('A1DEMOSELLEREU');
      const imported = await ok(importArgs('A1DEMOSELLEREU', 'eu'), { stdin: eu });
      ids.eu = /connection ([0-9a-f-]{36})/.exec(imported)![1]!;

      const list = await ok(['connections', 'list']);
      expect(list).toMatch(/REGION\s+SELLER\s+HEALTH\s+EXPIRES\s+LAST SUCCESS\s+LAST ERROR/);
      const naLine = list.split('\n').find((l) => l.startsWith(ids.na))!;
      expect(naLine).toMatch(
        /Acme Outdoor\s+NA\s+A1DEMOSELLERNA .*Working\s+never\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\s+-$/,
      );

      const json = JSON.parse(await ok(['connections', 'list', '--account', 'Acme Outdoor', '--json'])) as {
        id: string;
        region: string;
        state: string;
        stateLabel: string;
        daysLeft: number | null;
        hasToken: boolean;
        lastError: unknown;
      }[];
      expect(json.map((c) => [c.id, c.region, c.state, c.hasToken])).toEqual([
        [ids.eu, 'EU', 'active', true],
        [ids.na, 'NA', 'active', true],
      ]);
      expect(await ok(['connections', 'list', '--account', 'Birch Home'])).toContain(
        "No connections in account 'Birch Home'",
      );

      const status = await ok(['connections', 'status', ids.na]);
      expect(status).toMatch(/kind\s+self-authorized/);
      expect(status).toMatch(/refresh token\s+stored \(sealed\)/);
      expect(status).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\s+cli\s+connection\.connected\s+success/);
      const audit = await withStore(target, (store) =>
        store.db.selectFrom('audit_log').selectAll().where('connection_id', '=', ids.na).execute(),
      );
      expect(audit).toMatchObject([{ actor: 'cli', actor_user_id: null, action: 'connection.connected' }]);
    },
    T,
  );

  it(
    'refuses a token Amazon does not accept and other bad import input, naming the option; nothing is stored',
    async () => {
      const rejected = await cli(importArgs('A1DEMOSELLERFE', 'FE'), { stdin: 'Atzr|not-a-real-token' });
      expect(rejected.code).toBe(1);
      expect(rejected.stderr).toContain(
        'error [SELF_AUTH_REJECTED]: --refresh-token-stdin: Amazon did not accept this refresh token',
      );
      expect(rejected.stderr).toContain('Nothing was stored.');

      const cases: [string[], string][] = [
        [importArgs('xyz', 'FE'), '--selling-partner-id: the selling partner id looks like'],
        [importArgs('A1DEMOSELLERFE', 'US'), "option '--region <region>' argument 'US' is invalid"],
        [importArgs('A1DEMOSELLERFE', 'FE').slice(0, -1), '--refresh-token-stdin is required'],
        [
          importArgs('A1DEMOSELLERFE', 'FE').map((a) => (a === DRAFT.name ? 'No Such App' : a)),
          "--application: no application 'No Such App'",
        ],
      ];
      for (const [args, message] of cases) {
        const run = await cli(args, { stdin: 'Atzr|whatever' });
        expect(run.code, message).toBe(1);
        expect(run.stderr).toContain(message);
      }
      const badToken = await cli(importArgs('A1DEMOSELLERFE', 'FE'), { stdin: 'not a token' });
      expect(badToken.stderr).toContain('--refresh-token-stdin: a refresh token starts with Atzr|');

      const json = JSON.parse(await ok(['connections', 'list', '--json'])) as { region: string }[];
      expect(json.map((c) => c.region)).toEqual(['EU', 'NA']);
      const missing = await cli(['connections', 'status', '00000000-0000-4000-8000-000000000000']);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain(
        "error [CONNECTION_NOT_FOUND]: <id>: no connection '00000000-0000-4000-8000-000000000000'",
      );
    },
    T,
  );

  it(
    'keys rotate re-seals every client secret and refresh token from k1 to k2',
    async () => {
      const both = { SELLERLINK_VAULT_KEYS: `${K2},${K1}` };
      // The broker caches access tokens sealed with k1 too (while k1 is still the newest key).
      await mintAccessTokens(K1, [ids.na, ids.eu]);
      const before = await ok(['keys', 'status'], { env: both });
      expect(before).toMatch(/k2\s+current\s+0\s+0\s+0/);
      expect(before).toMatch(/k1\s+older\s+2\s+2\s+2/);
      expect(before).toContain("4 secrets still use older keys: run 'sellerlink keys rotate'");
      expect(before).toContain("2 cached access tokens use older keys; 'sellerlink keys rotate' drops them");
      const oldColumns = await keyColumns();
      expect(oldColumns.accessTokens.map((t) => t.keyId)).toEqual(['k1', 'k1']);

      const rotated = await ok(['keys', 'rotate'], { env: both });
      expect(rotated).toContain("Re-sealed with vault key 'k2': 2 application secrets, 2 refresh tokens.");
      expect(rotated).toContain('Dropped 2 cached access tokens sealed with older keys');
      expect(rotated).toContain("No secret uses 'k1' any more");

      const columns = await keyColumns();
      expect(columns.apps.map((a) => a.keyId)).toEqual(['k2', 'k2']);
      expect(columns.connections.map((c) => c.keyId)).toEqual(['k2', 'k2']);
      expect(columns.accessTokens).toEqual([]);
      for (const [i, app] of columns.apps.entries()) expect(app.blob).not.toBe(oldColumns.apps[i]!.blob);
      for (const [i, c] of columns.connections.entries()) {
        expect(c.blob).not.toBe(oldColumns.connections[i]!.blob);
      }

      const again = await ok(['keys', 'rotate'], { env: both });
      expect(again).toContain("Re-sealed with vault key 'k2': 0 application secrets, 0 refresh tokens.");
      expect(again).not.toContain('Dropped');
      expect(await keyColumns()).toEqual(columns);

      // k1 is no longer needed: with k2 alone every secret opens and Amazon calls work.
      const onlyK2 = { SELLERLINK_VAULT_KEYS: K2 };
      const status = await ok(['keys', 'status'], { env: onlyK2 });
      expect(status).toMatch(/k2\s+current\s+2\s+2\s+0/);
      await withStore(target, async (store) => {
        const vault = createVault(createKeyRing(parseKeyList(K2)), cryptoRandom);
        const lifecycle = createConnectionLifecycle({
          db: store.db,
          clock: systemClock,
          vault,
          random: cryptoRandom,
          audit: createAuditLog(store.db, systemClock),
          logger: silentLogger,
        });
        expect(await createRefreshTokenResealer({ db: store.db, vault, lifecycle }).verifyAll()).toBe(2);
      });
      await mintAccessTokens(K2, [ids.na, ids.eu]);
      const renewed = await ok(importArgs('A1DEMOSELLERNA', 'NA'), {
        env: onlyK2,
        stdin: await selfAuthorize('A1DEMOSELLERNA'),
      });
      expect(renewed).toContain(`Imported: connection ${ids.na}`);
    },
    T,
  );

  it(
    'a secret sealed with a key that is not configured stops the rotation, naming the key, and changes nothing',
    async () => {
      // A third application sealed with k3, while the others stay on k2.
      const K3 = newVaultKey('k3');
      const K4 = newVaultKey('k4');
      await ok(
        [
          'applications',
          'add',
          '--name',
          'Third',
          '--app-id',
          'amzn1.sp.solution.33333333-3333-4333-8333-333333333333',
          '--client-id',
          'amzn1.application-oa2-client.third',
          '--status',
          'draft',
          '--redirect-uri',
          'https://sellerlink.example/oauth/callback',
          '--client-secret-stdin',
        ],
        { env: { SELLERLINK_VAULT_KEYS: `${K3},${K2}` }, stdin: 'third-secret' },
      );
      const before = await keyColumns();
      expect(before.apps.map((a) => a.keyId).sort()).toEqual(['k2', 'k2', 'k3']);

      // k4 is new, k3 is known, k2 is missing: k3's row could move, but nothing may.
      const withoutK2 = { SELLERLINK_VAULT_KEYS: `${K4},${K3}` };
      const run = await cli(['keys', 'rotate'], { env: withoutK2 });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        "error [VAULT_KEY_UNKNOWN]: secrets are sealed with vault key 'k2' (2 application secrets, 2 refresh tokens), which is not configured (configured: k4, k3)",
      );
      expect(run.stderr).toContain('Nothing was changed.');
      expect(run.stdout).toBe('');
      expect(await keyColumns()).toEqual(before);

      const status = await cli(['keys', 'status'], { env: withoutK2 });
      expect(status.code).toBe(1);
      expect(status.stdout).toMatch(/k2\s+NOT CONFIGURED\s+2\s+2/);
      expect(status.stdout).toMatch(/k3\s+older\s+1\s+0/);
      expect(status.stderr).toContain('VAULT_KEY_UNKNOWN');

      // The right id with the wrong key material: refused before anything moves.
      const wrongK2 = { SELLERLINK_VAULT_KEYS: `${K4},${K3},${newVaultKey('k2')}` };
      const wrong = await cli(['keys', 'rotate'], { env: wrongK2 });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain(
        "error [VAULT_DECRYPT_FAILED]: a sealed secret did not open with vault key 'k2'",
      );
      expect(wrong.stderr).toContain('Nothing was changed.');
      expect(await keyColumns()).toEqual(before);

      // With every key configured, the rotation goes through.
      const all = await ok(['keys', 'rotate'], { env: { SELLERLINK_VAULT_KEYS: `${K4},${K3},${K2}` } });
      expect(all).toContain("Re-sealed with vault key 'k4': 3 application secrets, 2 refresh tokens.");
      expect(all).toContain('Dropped 2 cached access tokens');
      env.SELLERLINK_VAULT_KEYS = K4;
    },
    T,
  );

  it(
    'disconnects a connection: token deleted, audited as cli, with the reminder to remove the app at Amazon',
    async () => {
      const out = await ok(['connections', 'disconnect', ids.eu]);
      expect(out).toContain(
        `Disconnected ${ids.eu} (seller A1DEMOSELLEREU, EU): the stored refresh token was deleted.`,
      );
      expect(out).toContain('revoke the self-authorization');
      const list = await ok(['connections', 'list']);
      expect(list.split('\n').find((l) => l.startsWith(ids.eu))).toContain('Disconnected');
      const status = await ok(['connections', 'status', ids.eu]);
      expect(status).toMatch(/refresh token\s+none/);
      expect(status).toMatch(/cli\s+connection\.disconnected\s+success\s+previousState=active/);
      const columns = await keyColumns();
      expect(columns.connections.find((c) => c.selling_partner_id === 'A1DEMOSELLEREU')).toMatchObject({
        keyId: null,
        blob: null,
      });
      const keys = await ok(['keys', 'status']);
      expect(keys).toMatch(/k4\s+current\s+3\s+1/);

      const missing = await cli(['connections', 'disconnect', 'not-an-id']);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain("<id>: no connection 'not-an-id'");
    },
    T,
  );
});
