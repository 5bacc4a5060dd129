import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { DAY, systemClock } from '../../src/kernel/clock.js';
import { silentLogger } from '../../src/kernel/log.js';
import { cryptoRandom } from '../../src/kernel/random.js';
import { createApplications } from '../../src/lifecycle/applications.js';
import { createVault } from '../../src/vault/envelope.js';
import { openKeyRing } from '../../src/vault/open.js';
import { adsConnectionIdOf, connectAds } from '../support/ads.js';
import { connectionIdOf, connectRegion, signedInBrowser } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';
import { runInProcess, withStore, type CliEnv, type CliRun } from './harness.js';

/**
 * The operator CLI with Amazon Ads: `applications add --ads` (secret from stdin or a file, never an
 * argument), `applications list` of both APIs, `connections list|show|disconnect` of Ads
 * connections. The connections are made the way sellers make them (the sandbox service, the
 * portal, the simulator's consent pages); the service is then stopped and the CLI runs in process
 * on the same data directory, as an operator would.
 */

const T = 240_000;
const PUBLIC_URL = 'https://sellerlink.example';
const ADS_CLIENT_ID = 'amzn1.application-oa2-client.acmeads0000000000000000000001';
const SP_APP = {
  appId: 'amzn1.sp.solution.11111111-2222-4333-8444-555555555555',
  clientId: 'amzn1.application-oa2-client.acmesp00000000000000000000001',
};
const US_PROFILE = '3312910465837761';
const UK_PROFILE = '3312910465837763';

/** A random client secret in Amazon's shape. */
const newSecret = (): string => `amzn1.oa2-cs.v1.${randomBytes(24).toString('hex')}`;

/** A subcommand by its path of names, e.g. `['applications', 'add']`. */
function commandAt(names: string[]): Command {
  let command: Command = buildProgram();
  for (const name of names) command = command.commands.find((c) => c.name() === name)!;
  return command;
}

describe('operator CLI: Amazon Ads', () => {
  let svc: TestService;
  let env: CliEnv;
  let tmp: string;
  const ids = { sp: '', ads: '' };
  const secrets = { stdin: newSecret(), file: newSecret(), sp: newSecret() };

  const cli = (args: string[], stdin?: string): Promise<CliRun> => runInProcess(env, args, stdin);
  const ok = async (args: string[], stdin?: string): Promise<string> => {
    const run = await cli(args, stdin);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    return run.stdout;
  };
  /** The registered applications of both APIs, each with its client secret opened from the vault. */
  const storedApplications = () =>
    withStore({ kind: 'pglite', dataDir: path.join(svc.dataDir, 'db') }, async (store) => {
      const ring = openKeyRing(
        { vaultKeys: null, dataDir: svc.dataDir },
        cryptoRandom,
        systemClock,
        silentLogger,
      );
      const applications = createApplications({
        db: store.db,
        vault: createVault(ring, cryptoRandom),
        clock: systemClock,
        newId: randomUUID,
      });
      const apps = await applications.list('all');
      return Promise.all(
        apps.map(async (app) => ({
          ...app,
          secret: (await applications.credentials(app.id)).clientSecret.reveal(),
        })),
      );
    });
  const addAds = (extra: string[], stdin?: string) =>
    cli(
      ['applications', 'add', '--ads', '--name', 'Acme Ads', '--client-id', ADS_CLIENT_ID, ...extra],
      stdin,
    );

  beforeAll(async () => {
    svc = await startTestService({ database: 'pglite-dir' });
    const browser = await signedInBrowser(svc);
    ids.sp = connectionIdOf((await connectRegion(browser, svc, 'NA')).url);
    ids.ads = adsConnectionIdOf((await connectAds(browser, svc, 'NA')).url);
    // The service owns its embedded database while it runs: stop it, keep its data directory.
    await svc.service.stop();
    env = { SELLERLINK_DATA_DIR: svc.dataDir, LOG_LEVEL: 'silent', PUBLIC_URL };
    tmp = mkdtempSync(path.join(os.tmpdir(), 'sellerlink-cli-ads-'));
  }, T);

  afterAll(() => {
    if (svc) rmSync(svc.dataDir, { recursive: true, force: true });
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it(
    'adds an Ads security profile with the secret from stdin, then updates it from a file; never prints it',
    async () => {
      const run = await addAds(['--client-secret-stdin'], `${secrets.stdin}\n`);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const added = run.stdout;
      expect(added).toContain("Added Amazon Ads security profile 'Acme Ads'");
      expect(added).toContain(`client id     ${ADS_CLIENT_ID}`);
      expect(added).toContain(`return URL    ${PUBLIC_URL}/oauth/ads/callback`);
      expect(added).toContain('secret rotation: not tracked (unconfirmed for Ads)');
      expect(added).not.toContain(secrets.stdin);

      const file = path.join(tmp, 'ads-secret');
      writeFileSync(file, `${secrets.file}\n`, { mode: 0o600 });
      const updated = await ok([
        'applications',
        'add',
        '--ads',
        '--name',
        'Acme Ads (EU team)',
        '--client-id',
        ADS_CLIENT_ID,
        '--client-secret-file',
        file,
      ]);
      expect(updated).toContain("Updated Amazon Ads security profile 'Acme Ads (EU team)'");
      expect(updated).not.toContain(secrets.file);

      const mine = (await storedApplications()).filter((a) => a.clientId === ADS_CLIENT_ID);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({
        api: 'ads',
        appId: ADS_CLIENT_ID,
        name: 'Acme Ads (EU team)',
        redirectUri: `${PUBLIC_URL}/oauth/ads/callback`,
        secret: secrets.file,
      });

      // An SP-API app from a file too, its secret issued a day and a half ago.
      const spFile = path.join(tmp, 'sp-secret');
      writeFileSync(spFile, secrets.sp, { mode: 0o600 });
      const issued = new Date(Date.now() - 1.5 * DAY).toISOString();
      const sp = await ok([
        'applications',
        'add',
        '--name',
        'Acme Private',
        '--app-id',
        SP_APP.appId,
        '--client-id',
        SP_APP.clientId,
        '--status',
        'published',
        '--kind',
        'private',
        '--redirect-uri',
        `${PUBLIC_URL}/oauth/callback`,
        '--secret-issued-at',
        issued,
        '--client-secret-file',
        spFile,
      ]);
      expect(sp).toContain("Added application 'Acme Private'");
      expect(sp).not.toContain(secrets.sp);
      expect((await storedApplications()).find((a) => a.appId === SP_APP.appId)).toMatchObject({
        api: 'sp_api',
        kind: 'private',
        secret: secrets.sp,
      });
    },
    T,
  );

  it(
    'refuses bad application input with a message naming the option, and stores nothing',
    async () => {
      const before = await storedApplications();
      const missing = path.join(tmp, 'no-such-file');
      const empty = path.join(tmp, 'empty');
      writeFileSync(empty, '\n');
      const secret = newSecret();
      const cases: [string[], string | undefined, string][] = [
        [
          ['--app-id', SP_APP.appId, '--client-secret-stdin'],
          secret,
          '--app-id: not for an Amazon Ads security profile (--ads)',
        ],
        [
          ['--status', 'published', '--redirect-uri', `${PUBLIC_URL}/x`, '--client-secret-stdin'],
          secret,
          '--status, --redirect-uri: not for an Amazon Ads security profile',
        ],
        [
          ['--client-secret-stdin', '--client-secret-file', empty],
          secret,
          '--client-secret-stdin and --client-secret-file: give one of them, not both',
        ],
        [[], undefined, '--client-secret-stdin is required (or --client-secret-file <path>)'],
        [['--client-secret', secret], undefined, "unknown option '--client-secret'"],
        [
          ['--client-secret-file', missing],
          undefined,
          `--client-secret-file: cannot read ${missing} (ENOENT)`,
        ],
        [['--client-secret-file', empty], undefined, `--client-secret-file: ${empty} is empty`],
        [['--client-secret-stdin'], '\n', '--client-secret-stdin: nothing was read from standard input'],
      ];
      for (const [extra, stdin, message] of cases) {
        const run = await addAds(extra, stdin);
        expect(run.code, message).toBe(1);
        expect(run.stderr).toContain(message);
        expect(run.stderr + run.stdout).not.toContain(secret);
      }
      const badId = await cli(
        ['applications', 'add', '--ads', '--name', 'Bad', '--client-id', 'abc', '--client-secret-stdin'],
        secret,
      );
      expect(badId.code).toBe(1);
      expect(badId.stderr).toContain(
        'error [APPLICATION_INVALID]: --client-id: the LWA client id looks like amzn1.application-oa2-client.<hex>',
      );
      const noAppId = await cli(
        ['applications', 'add', '--name', 'Bad', '--client-id', SP_APP.clientId, '--client-secret-stdin'],
        secret,
      );
      expect(noAppId.code).toBe(1);
      expect(noAppId.stderr).toContain(
        '--app-id is required for an SP-API application (for an Amazon Ads security profile add --ads)',
      );
      expect(await storedApplications()).toEqual(before);
    },
    T,
  );

  it(
    'lists the applications of both APIs with an API column; Ads secrets are not tracked; JSON has api',
    async () => {
      const list = await ok(['applications', 'list']);
      expect(list).toMatch(/^ID\s+NAME\s+API\s+APP ID\s+CLIENT ID\s+STATUS\s+KIND\s+SECRET ISSUED\s+AGE/);
      const line = (needle: string) => list.split('\n').find((l) => l.includes(needle))!;
      expect(line(ADS_CLIENT_ID)).toMatch(
        /Acme Ads \(EU team\)\s+Ads\s+-\s+\S+\s+published\s+public\s+\d{4}-\d{2}-\d{2}\s+0 days\s+secret rotation: not tracked \(unconfirmed for Ads\)$/,
      );
      // The sandbox's demo Ads client is listed the same way; SP-API apps with their countdown.
      expect(line('Sellerlink Demo Ads')).toContain('secret rotation: not tracked (unconfirmed for Ads)');
      expect(line('Sellerlink Demo (Draft)')).toMatch(/\sSP-API\s.*\(in \d+ days\)$/);
      expect(line(SP_APP.appId)).toMatch(/\sSP-API\s.*\s1 day\s+\d{4}-\d{2}-\d{2} \(in 179 days\)$/);
      for (const secret of Object.values(secrets)) expect(list).not.toContain(secret);

      const json = JSON.parse(await ok(['applications', 'list', '--json'])) as {
        api: string;
        clientId: string;
        appId: string;
        clientSecretAgeDays: number;
        clientSecretExpiresAt: string | null;
        clientSecretDaysLeft: number | null;
        clientSecretExpiryTracked: boolean;
      }[];
      expect(new Set(json.map((a) => a.api))).toEqual(new Set(['sp-api', 'ads']));
      expect(json.find((a) => a.clientId === ADS_CLIENT_ID)).toMatchObject({
        api: 'ads',
        clientSecretAgeDays: 0,
        clientSecretExpiresAt: null,
        clientSecretDaysLeft: null,
        clientSecretExpiryTracked: false,
      });
      expect(json.find((a) => a.appId === SP_APP.appId)).toMatchObject({
        api: 'sp-api',
        clientSecretAgeDays: 1,
        clientSecretDaysLeft: 179,
        clientSecretExpiryTracked: true,
      });
    },
    T,
  );

  it(
    'lists connections of both APIs with an API column, --api filters, and --json names the API',
    async () => {
      const list = await ok(['connections', 'list']);
      expect(list).toMatch(/^ID\s+API\s+ACCOUNT\s+REGION\s+SELLER\s+HEALTH\s+EXPIRES/);
      const adsLine = list.split('\n').find((l) => l.startsWith(ids.ads))!;
      expect(adsLine).toMatch(/^\S+\s+Ads\s+.+\s+NA\s+Amazon Ads\s+Working/);
      expect(adsLine).not.toContain('amazon-ads');
      const spLine = list.split('\n').find((l) => l.startsWith(ids.sp))!;
      expect(spLine).toMatch(/^\S+\s+SP-API\s+.+\s+NA\s+A1DEMOSELLERNA /);

      const ids_ = (out: string) =>
        out
          .split('\n')
          .slice(1)
          .filter(Boolean)
          .map((l) => l.split(/\s+/)[0]);
      expect(ids_(await ok(['connections', 'list', '--api', 'ads']))).toEqual([ids.ads]);
      expect(ids_(await ok(['connections', 'list', '--api', 'sp-api']))).toEqual([ids.sp]);
      const bad = await cli(['connections', 'list', '--api', 'advertising']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain("option '--api <api>' argument 'advertising' is invalid");

      const json = JSON.parse(await ok(['connections', 'list', '--json'])) as {
        id: string;
        api: string;
        region: string;
        sellingPartnerId: string | null;
        applicationName: string | null;
      }[];
      expect(json.map((c) => [c.id, c.api, c.region, c.sellingPartnerId])).toEqual(
        expect.arrayContaining([
          [ids.ads, 'ads', 'NA', null],
          [ids.sp, 'sp-api', 'NA', 'A1DEMOSELLERNA'],
        ]),
      );
      expect(json).toHaveLength(2);
      expect(json.find((c) => c.id === ids.ads)!.applicationName).toBe('Sellerlink Demo Ads');

      await ok(['accounts', 'create', 'Quiet Shop']);
      expect(await ok(['connections', 'list', '--api', 'ads', '--account', 'Quiet Shop'])).toContain(
        "No Amazon Ads connections in account 'Quiet Shop'.",
      );
    },
    T,
  );

  it(
    'connections show gives an Ads connection with its profiles (and their seller match); status is the same',
    async () => {
      const show = await ok(['connections', 'show', ids.ads]);
      expect(show).toMatch(/api\s+Amazon Ads/);
      expect(show).toMatch(
        /application\s+Sellerlink Demo Ads \(Ads security profile amzn1\.application-oa2-client\./,
      );
      expect(show).toMatch(/health\s+Working/);
      expect(show).toMatch(/refresh token\s+stored \(sealed\)/);
      expect(show).toMatch(/Advertising profiles \(listed \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\):/);
      expect(show).toMatch(/PROFILE ID\s+REGION\s+COUNTRY\s+CURRENCY\s+TIME ZONE\s+TYPE\s+ACCOUNT ID/);
      const profileLine = (id: string) => show.split('\n').find((l) => l.startsWith(id))!;
      expect(profileLine(US_PROFILE)).toMatch(
        new RegExp(
          `NA\\s+US\\s+USD\\s+America/Los_Angeles\\s+seller\\s+A1DEMOSELLERNA\\s+.*seller connection ${ids.sp}$`,
        ),
      );
      // The EU seller has no SP-API connection here: no match.
      expect(profileLine(UK_PROFILE)).toMatch(
        /EU\s+UK\s+GBP\s+Europe\/London\s+seller\s+A1DEMOSELLEREU\s+.*\s-$/,
      );
      expect(show).toContain('ENTITY2DEMOVENDOR');
      expect(show).toContain('Recent activity (newest first, up to 20):');

      expect(await ok(['connections', 'status', ids.ads])).toBe(show);

      const sp = await ok(['connections', 'show', ids.sp]);
      expect(sp).toMatch(/api\s+SP-API/);
      expect(sp).toMatch(/seller\s+A1DEMOSELLERNA/);
      expect(sp).not.toContain('Advertising profiles');

      const missing = await cli(['connections', 'show', '00000000-0000-4000-8000-000000000000']);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain(
        "error [CONNECTION_NOT_FOUND]: <id>: no connection '00000000-0000-4000-8000-000000000000'",
      );
    },
    T,
  );

  it('--help names the Ads options and the show alias', () => {
    const add = commandAt(['applications', 'add']).helpInformation();
    expect(add).toContain('--ads');
    expect(add).toContain('--client-secret-stdin');
    expect(add).toContain('--client-secret-file <path>');
    expect(add).toMatch(/--app-id <id>\s+SP-API only, required/);
    expect(add).not.toMatch(/--client-secret <|--client-secret=/);
    expect(commandAt(['applications']).helpInformation()).toContain('Amazon Ads security profiles');
    const list = commandAt(['connections', 'list']).helpInformation().replace(/\s+/g, ' ');
    expect(list).toContain('--api <api>');
    expect(list).toContain('(choices: "sp-api", "ads", "all", default: "all")');
    expect(commandAt(['connections']).helpInformation()).toMatch(
      /status\|show \[options\] <id>|status\|show <id>/,
    );
  });

  it(
    'disconnects an Ads connection by id, naming where to revoke it at Amazon',
    async () => {
      const out = await ok(['connections', 'disconnect', ids.ads]);
      expect(out).toContain(
        `Disconnected ${ids.ads} (Amazon Ads, NA): the stored refresh token was deleted.`,
      );
      expect(out).toContain('"Apps and services"');
      const line = (await ok(['connections', 'list', '--api', 'ads'])).split('\n')[1]!;
      expect(line).toContain('Disconnected');
      expect(await ok(['connections', 'show', ids.ads])).toMatch(/refresh token\s+none/);
      // The SP-API connection is untouched.
      expect(await ok(['connections', 'show', ids.sp])).toMatch(/refresh token\s+stored \(sealed\)/);
    },
    T,
  );
});
