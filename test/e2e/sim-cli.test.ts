import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSimCommand } from '../../src/cli/commands/sim.js';
import { createSimulator } from '../../src/simulator/app.js';
import { readControlFile } from '../../src/simulator/control-file.js';
import { DEMO, seedDemo } from '../../src/simulator/seed.js';
import { simControlFetch } from '../support/sim-control.js';

/**
 * `sellerlink sim ...` against a simulator started with `sellerlink simulator` in a child process:
 * readable output, --json, exit codes, the controls' own messages for bad input, and a clear message
 * when no simulator answers. One block runs the commands in-process with the simulator's fetch.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NA = 'A1DEMOSELLERNA';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a child process (no SIMULATOR_URL or SIMULATOR_TOKEN unless given). */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const { SIMULATOR_URL: _url, SIMULATOR_TOKEN: _token, ...rest } = process.env;
  const child = spawn(process.execPath, ['bin/sellerlink.js', ...args], {
    cwd: ROOT,
    env: { ...rest, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/**
 * Starts `sellerlink simulator` with its data directory (control file, state files) in `dataDir` and
 * resolves with the child and its URL once the banner is out.
 */
function startSimulator(
  args: string[],
  dataDir: string,
): Promise<{ child: ChildProcess; url: string; output: string }> {
  const { SIMULATOR_TOKEN: _token, ...rest } = process.env;
  const child = spawn(process.execPath, ['bin/sellerlink.js', 'simulator', ...args], {
    cwd: ROOT,
    env: { ...rest, SELLERLINK_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`simulator did not start:\n${output}`)), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (url && output.includes('Stop with Ctrl+C.')) {
        clearTimeout(timer);
        resolve({ child, url, output });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`simulator exited with ${code}:\n${output}`));
    });
  });
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('sellerlink sim against a spawned simulator', { timeout: 120_000 }, () => {
  let sim: { child: ChildProcess; url: string } | undefined;
  let url = '';
  const dir = mkdtempSync(join(tmpdir(), 'sellerlink-sim-cli-'));

  // The CLI finds the control token in the simulator's data directory, as an operator's would.
  const run = (args: string[], env: Record<string, string> = {}): Promise<Run> =>
    cli(args, { SELLERLINK_DATA_DIR: dir, ...env });
  let control: typeof fetch = fetch;

  beforeAll(async () => {
    sim = await startSimulator(['--seed', 'demo', '--port', '0'], dir);
    url = sim.url;
    control = simControlFetch(readControlFile(dir)!.token);
  });

  afterAll(async () => {
    const child = sim?.child;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the clock, apps and sellers (text, --json, SIMULATOR_URL)', async () => {
    const [clock, apps, sellers] = await Promise.all([
      run(['sim', 'clock'], { SIMULATOR_URL: url }),
      run(['sim', '--url', url, 'apps', 'list']),
      run(['sim', 'sellers', 'list', '--json', '--url', url]),
    ]);
    expect(clock).toMatchObject({ code: 0, stderr: '' });
    expect(clock.stdout).toMatch(/^Simulated now: \d{4}-\d\d-\d\dT[\d:.]+Z \(real time\)/);
    expect(apps.code).toBe(0);
    expect(apps.stdout).toMatch(/^APP ID\s+NAME\s+STATUS\s+CLIENT ID\s+SECRET EXPIRES/);
    expect(apps.stdout).toContain(DEMO.draftApp.appId);
    expect(apps.stdout).toContain(DEMO.publishedApp.clientId);
    expect(apps.stdout).not.toContain(DEMO.publishedApp.clientSecret);
    expect(sellers.code).toBe(0);
    const parsed = JSON.parse(sellers.stdout) as { sellers: { sellingPartnerId: string; region: string }[] };
    expect(parsed.sellers.map((s) => `${s.sellingPartnerId}:${s.region}`)).toEqual([
      'A1DEMOSELLERNA:NA',
      'A1DEMOSELLEREU:EU',
      'A1DEMOSELLERFE:FE',
    ]);
  });

  it('generates orders, and prints the control message for bad input with exit code 1', async () => {
    const [made, unknownSeller, zero] = await Promise.all([
      run(['sim', '--url', url, 'orders', 'generate', '--seller', NA, '--count', '3']),
      run(['sim', '--url', url, 'orders', 'generate', '--seller', 'NOPE', '--count', '2']),
      run(['sim', '--url', url, 'orders', 'generate', '--seller', NA, '--count', '0']),
    ]);
    expect(made.code).toBe(0);
    expect(made.stdout).toContain(`Created 3 orders for ${NA}.`);
    expect(made.stdout.match(/^\d{3}-\d{7}-\d{7}\s/gm)).toHaveLength(3);

    expect(unknownSeller.code).toBe(1);
    expect(unknownSeller.stdout).toBe('');
    expect(unknownSeller.stderr).toContain('sellingPartnerId: unknown seller NOPE');
    expect(unknownSeller.stderr).toContain('HTTP 400');
    expect(zero.code).toBe(1);
    expect(zero.stderr).toContain('count: must be at least 1');

    const truth = (await (await control(`${url}/_sim/orders?sellingPartnerId=${NA}`)).json()) as {
      count: number;
    };
    expect(truth.count).toBe(3);
  });

  it('adds, lists and clears faults; an unknown operation is refused by the control', async () => {
    const added = await run([
      'sim',
      '--url',
      url,
      'faults',
      'add',
      '--operation',
      'searchOrders',
      '--kind',
      '429',
      '--share',
      '0.25',
      '--remaining',
      '2',
    ]);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^Added fault \S+: 25% of searchOrders calls answer 429 \(2 more times\)/);

    const [listed, bad] = await Promise.all([
      run(['sim', '--url', url, '--json', 'faults', 'list']),
      run(['sim', '--url', url, 'faults', 'add', '--operation', 'nope', '--kind', '500']),
    ]);
    expect(JSON.parse(listed.stdout)).toMatchObject({
      faults: [{ operation: 'searchOrders', kind: '429', share: 0.25, remaining: 2 }],
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('operation: unknown operation nope');

    const cleared = await run(['sim', '--url', url, 'faults', 'clear']);
    expect(cleared).toMatchObject({ code: 0, stdout: 'Removed 1 fault.\n' });
  });

  it('self-authorizes, lists and revokes; advances the clock; saves the state', async () => {
    const authorized = await run(['sim', '--url', url, 'self-authorize', DEMO.publishedApp.appId]);
    expect(authorized.code).toBe(0);
    const refreshToken = /refresh token: (Atzr\|\S+)/.exec(authorized.stdout)?.[1];
    expect(refreshToken).toBeDefined();

    const list = await run([
      'sim',
      '--url',
      url,
      '--json',
      'authorizations',
      'list',
      '--app',
      DEMO.publishedApp.appId,
    ]);
    const { authorizations } = JSON.parse(list.stdout) as {
      authorizations: { id: string; status: string }[];
    };
    expect(authorizations).toHaveLength(1);
    expect(authorizations[0]!.status).toBe('active');

    const statePath = join(realpathSync(dir), 'simulator-states', 'world.json');
    const [revoked, advanced, saved, missing] = await Promise.all([
      run(['sim', '--url', url, 'revoke', authorizations[0]!.id]),
      run(['sim', '--url', url, 'clock', 'advance', '--days', '2', '--hours', '3']),
      run(['sim', '--url', url, 'state', 'save', 'world.json']),
      run(['sim', '--url', url, 'revoke', 'no-such-authorization']),
    ]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`Revoked authorization ${authorizations[0]!.id}`);
    expect(revoked.stdout).toContain('status revoked');
    expect(advanced.stdout).toMatch(/^Advanced 2d 3h 0m\. Simulated now: .* \(real time \+ 2d 3h 0m\)/);
    expect(saved.code).toBe(0);
    expect(saved.stdout).toContain(`Saved the simulator state to ${statePath}`);
    expect(existsSync(statePath)).toBe(true);
    expect(JSON.parse(readFileSync(statePath, 'utf8'))).toMatchObject({
      format: 'sellerlink-simulator-state',
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('unknown authorization no-such-authorization');

    // The revoked refresh token no longer works at LWA (https://developer.amazon.com/docs/login-with-amazon/refresh-token.html).
    const lwa = await fetch(`${url}/auth/o2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken!,
        client_id: DEMO.publishedApp.clientId,
        client_secret: DEMO.publishedApp.clientSecret,
      }).toString(),
    });
    expect(lwa.status).toBe(400);
    const requests = await run(['sim', '--url', url, 'requests', '--operation', 'lwa', '--limit', '5']);
    expect(requests.code).toBe(0);
    expect(requests.stdout).toMatch(
      /POST\s+\/auth\/o2\/token\s+lwa\s+400\s+A1DEMOSELLERNA\s+refresh:revoked/,
    );
  });

  it('finds the simulator and its control token in the data directory; without them says how', async () => {
    const outside = join(dir, 'stolen.json');
    const [found, noToken, wrongToken, absolute] = await Promise.all([
      // No --url and no SIMULATOR_URL: the simulator the control file describes.
      run(['sim', 'clock']),
      cli(['sim', '--url', url, 'clock'], { SELLERLINK_DATA_DIR: join(dir, 'elsewhere') }),
      run(['sim', '--url', url, 'clock'], { SIMULATOR_TOKEN: 'x'.repeat(43) }),
      run(['sim', '--url', url, 'state', 'save', outside]),
    ]);
    expect(found).toMatchObject({ code: 0, stderr: '' });
    expect(found.stdout).toMatch(/^Simulated now: /);
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain(`the simulator at ${url} needs its control token (HTTP 401)`);
    expect(noToken.stderr).toContain('SIMULATOR_TOKEN');
    expect(wrongToken.code).toBe(1);
    expect(wrongToken.stderr).toContain('refused the control token');
    expect(absolute.code).toBe(1);
    expect(absolute.stderr).toContain('path: must be a plain file name');
    expect(existsSync(outside)).toBe(false);
    // The control file holds the token: readable by its owner only.
    expect(statSync(join(dir, 'simulator-control.json')).mode & 0o777).toBe(0o600);
  });

  it('says clearly when no simulator answers, and rejects a bad --url', async () => {
    const port = await closedPort();
    const [down, badUrl] = await Promise.all([
      run(['sim', 'clock'], { SIMULATOR_URL: `http://127.0.0.1:${port}` }),
      run(['sim', '--url', 'not a url', 'clock']),
    ]);
    expect(down.code).toBe(1);
    expect(down.stdout).toBe('');
    expect(down.stderr).toContain(`cannot reach the simulator at http://127.0.0.1:${port} (ECONNREFUSED)`);
    expect(down.stderr).toContain("Start it with 'sellerlink simulator'");
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr).toContain(
      "--url must be an http(s) URL such as http://127.0.0.1:4000 (got 'not a url')",
    );
  });
});

describe('sellerlink simulator --state-file', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sellerlink-sim-state-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Stops a spawned simulator with SIGTERM and returns what it printed while stopping. */
  async function stop(child: ChildProcess): Promise<string> {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    return output;
  }

  it('starts empty, saves on shutdown, and loads the saved world on the next start', async () => {
    const file = join(dir, 'nested', 'state.json');
    const first = await startSimulator(['--seed', 'demo', '--port', '0', '--state-file', file], dir);
    expect(first.output).toContain(`State file: ${file}\n  not found: starting empty`);
    const run = (args: string[]): Promise<Run> => cli(args, { SELLERLINK_DATA_DIR: dir });
    const made = await run(['sim', '--url', first.url, 'orders', 'generate', '--seller', NA, '--count', '4']);
    expect(made.code).toBe(0);
    const advanced = await run(['sim', '--url', first.url, 'clock', 'advance', '--days', '3']);
    expect(advanced.code).toBe(0);
    expect(existsSync(file)).toBe(false);
    expect(await stop(first.child)).toContain(`State saved to ${file}`);
    expect(existsSync(file)).toBe(true);

    const second = await startSimulator(['--seed', 'demo', '--port', '0', '--state-file', file], dir);
    const control = simControlFetch(readControlFile(dir)!.token);
    try {
      expect(second.output).toContain('loaded (2 apps, 3 sellers, 0 authorizations, 4 orders)');
      expect(second.output).toContain('already holds the demo seed');
      expect(second.output).toContain('simulated clock restored: real time + 259200 s');
      const clock = (await (await control(`${second.url}/_sim/clock`)).json()) as { offsetMs: number };
      expect(clock.offsetMs).toBe(3 * 86_400_000);
      const truth = (await (await control(`${second.url}/_sim/orders`)).json()) as { count: number };
      expect(truth.count).toBe(4);
      // The demo apps' landing page follows the new port.
      const apps = (await (await control(`${second.url}/_sim/apps`)).json()) as {
        apps: { redirectUris: string[] }[];
      };
      for (const app of apps.apps) expect(app.redirectUris[0]).toBe(`${second.url}/_sim/landing`);
    } finally {
      await stop(second.child);
    }
  });
});

describe('sellerlink sim in-process with the simulator fetch injected', () => {
  const sim = createSimulator();
  seedDemo(sim.ctx, { redirectUris: ['http://sim.test/_sim/landing'] });
  const simFetch = ((input: RequestInfo | URL, init?: RequestInit) =>
    sim.fetch(new Request(input, init))) as typeof fetch;

  async function run(...args: string[]): Promise<{ lines: string[]; error?: Error }> {
    const lines: string[] = [];
    const program = new Command('sellerlink').exitOverride();
    registerSimCommand(program, {
      fetch: simFetch,
      env: { SIMULATOR_TOKEN: sim.controlToken },
      print: (text) => lines.push(text),
    });
    try {
      await program.parseAsync(['node', 'sellerlink', 'sim', '--url', 'http://sim.test', ...args]);
      return { lines };
    } catch (err) {
      return { lines, error: err as Error };
    }
  }

  it('creates an app and a seller and shows them', async () => {
    const app = await run(
      'apps',
      'create',
      '--name',
      'My Test App',
      '--redirect-uri',
      'https://example.com/cb',
      '--status',
      'published',
    );
    expect(app.error).toBeUndefined();
    expect(app.lines[0]).toMatch(
      /^Created app My Test App \(published\)\n {2}app id: {8}amzn1\.sp\.solution\./,
    );
    expect(app.lines[0]).toMatch(/client secret: amzn1\.oa2-cs\.v1\.[0-9a-f]{64}/);

    const seller = await run(
      'sellers',
      'create',
      '--name',
      'Shop',
      '--region',
      'eu',
      '--marketplace',
      'A1PA6795UKMFR9',
    );
    expect(seller.error).toBeUndefined();
    expect(seller.lines[0]).toContain('Created seller Shop');
    expect(seller.lines[0]).toMatch(/region: {13}EU/);

    const wrongRegion = await run(
      'sellers',
      'create',
      '--name',
      'X',
      '--region',
      'NA',
      '--marketplace',
      'A1PA6795UKMFR9',
    );
    expect(wrongRegion.error?.message).toContain('marketplaceIds.0: A1PA6795UKMFR9 is in EU, not NA');

    const rotated = await run('rotate-secret', DEMO.draftApp.appId);
    expect(rotated.lines[0]).toContain('new client secret: amzn1.oa2-cs.v1.');
    const notifications = await run('notifications', '--reveal');
    expect(notifications.lines[0]).toContain('APPLICATION_OAUTH_CLIENT_NEW_SECRET');
    expect(notifications.lines[0]).toContain('not delivered: the app has no notification destination');
  });
});
