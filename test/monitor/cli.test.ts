import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApplications } from '../../src/lifecycle/applications.js';
import { createOffsetClock, systemClock } from '../../src/kernel/clock.js';
import { cryptoRandom, randomUuid } from '../../src/kernel/random.js';
import { createSimulator } from '../../src/simulator/app.js';
import { DEMO, seedDemo } from '../../src/simulator/seed.js';
import { listenSimulator, type SimulatorServer } from '../../src/simulator/server.js';
import type { DatabaseTarget } from '../../src/store/database.js';
import { createVault } from '../../src/vault/envelope.js';
import { createKeyRing, parseKeyList } from '../../src/vault/keyring.js';
import {
  newVaultKey,
  preparePgliteDir,
  runInProcess,
  withStore,
  type CliEnv,
  type CliRun,
} from '../cli/harness.js';
import { createPostgresDatabase, describeEachDatabase } from '../support/databases.js';
import { simControlFetch } from '../support/sim-control.js';

/**
 * `sellerlink applications rotate-secret` and `ingest-secret` in production mode against a
 * simulator on a real port: Amazon refuses an app with no notification destination; with one, it
 * rotates and sends the message, which the operator pastes into ingest-secret.
 */

const T = 240_000;
const APP = DEMO.publishedApp;

interface SimNotification {
  body: { eventTime: string; payload: { applicationOAuthClientNewSecret: { newClientSecret: string } } };
  delivery: { status: string };
}

describeEachDatabase('client secret rotation from the CLI', (kind) => {
  const KEY = newVaultKey('k1');
  let dataDir: string;
  let target: DatabaseTarget;
  let dropDatabase: (() => Promise<void>) | null = null;
  let sim: SimulatorServer;
  let simToken = '';
  let env: CliEnv;

  const cli = (args: string[], stdin?: string): Promise<CliRun> => runInProcess(env, args, stdin);
  /** rotate-secret, again while Amazon's one-a-minute plan (×100 here) throttles it. */
  const rotate = async (): Promise<CliRun> => {
    for (let attempt = 0; ; attempt++) {
      const run = await cli(['applications', 'rotate-secret', APP.appId]);
      if (!run.stderr.includes('SECRET_ROTATION_THROTTLED') || attempt > 20) return run;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };
  const simCall = async <R>(p: string, body?: unknown, method = 'POST'): Promise<R> => {
    const res = await simControlFetch(simToken)(`${sim.url}${p}`, {
      method: body === undefined ? 'GET' : method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(res.ok).toBe(true);
    return (await res.json()) as R;
  };
  const storedSecret = () =>
    withStore(target, async (store) => {
      const applications = createApplications({
        db: store.db,
        vault: createVault(createKeyRing(parseKeyList(KEY)), cryptoRandom),
        clock: systemClock,
        newId: () => randomUuid(cryptoRandom),
      });
      const app = await applications.get(APP.appId);
      return {
        secret: (await applications.credentials(app.id)).clientSecret.reveal(),
        previous: (await applications.previousCredentials(app.id))?.clientSecret.reveal() ?? null,
      };
    });

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'sellerlink-monitor-cli-'));
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
    const simulator = createSimulator({ clock: createOffsetClock(systemClock), config: { speed: 100 } });
    simToken = simulator.controlToken;
    sim = await listenSimulator(simulator, { port: 0 });
    seedDemo(simulator.ctx, { redirectUris: ['https://sellerlink.example/oauth/callback'] });
    env = {
      SELLERLINK_MODE: 'production',
      SELLERLINK_VAULT_KEYS: KEY,
      SELLERLINK_DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'silent',
      LWA_TOKEN_URL: `${sim.url}/auth/o2/token`,
      SPAPI_URL_NA: `${sim.url}/na`,
      SPAPI_URL_EU: `${sim.url}/eu`,
      SPAPI_URL_FE: `${sim.url}/fe`,
    };
    const added = await cli(
      [
        'applications',
        'add',
        '--name',
        APP.name,
        '--app-id',
        APP.appId,
        '--client-id',
        APP.clientId,
        '--status',
        'published',
        '--redirect-uri',
        'https://sellerlink.example/oauth/callback',
        '--client-secret-stdin',
      ],
      APP.clientSecret,
    );
    expect(added.code).toBe(0);
  }, T);

  afterAll(async () => {
    await sim?.close();
    await dropDatabase?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'refuses to rotate without a notification destination, naming the Developer Console setting',
    async () => {
      const run = await rotate();
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('SECRET_ROTATION_NOT_ENROLLED');
      expect(run.stderr).toContain('Notification Preferences');
      expect((await storedSecret()).secret).toBe(APP.clientSecret);
    },
    T,
  );

  it(
    'rotates; the message pasted into ingest-secret is sealed and used, the old secret kept; pasting it again changes nothing',
    async () => {
      // A destination Sellerlink does not listen on (the vendor's SQS queue): the message waits there.
      await simCall(
        `/_sim/apps/${APP.appId}/notification-destination`,
        { url: 'http://127.0.0.1:9/queue' },
        'PUT',
      );
      const rotated = await rotate();
      expect(rotated.stderr).toBe('');
      expect(rotated.code).toBe(0);
      expect(rotated.stdout).toContain('Amazon accepted the rotation');
      expect(rotated.stdout).toContain('sellerlink applications ingest-secret');

      const { notifications } = await simCall<{ notifications: SimNotification[] }>(
        `/_sim/notifications?appId=${APP.appId}`,
      );
      expect(notifications).toHaveLength(1);
      const message = notifications[0]!.body;
      const newSecret = message.payload.applicationOAuthClientNewSecret.newClientSecret;

      const ingested = await cli(['applications', 'ingest-secret'], JSON.stringify(message));
      expect(ingested.stderr).toBe('');
      expect(ingested.code).toBe(0);
      expect(ingested.stdout).toContain('sealed and in use');
      expect(ingested.stdout).not.toContain(newSecret);
      expect(await storedSecret()).toEqual({ secret: newSecret, previous: APP.clientSecret });

      const list = await cli(['applications', 'list']);
      expect(list.stdout).toContain('rotated-out client secret is kept until');
      expect(list.stdout).not.toContain(newSecret);

      const again = await cli(['applications', 'ingest-secret'], JSON.stringify(message));
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('already uses this secret');

      const garbage = await cli(['applications', 'ingest-secret'], '{"hello":1}');
      expect(garbage.code).toBe(1);
      expect(garbage.stderr).toContain('NOTIFICATION_INVALID');

      // The new secret works with Amazon: a second rotation goes through with it.
      const second = await rotate();
      expect(second.code).toBe(0);
    },
    T,
  );
});
