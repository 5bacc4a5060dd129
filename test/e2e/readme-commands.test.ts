import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Every command the README shows, run as written on the built CLI (bin/sellerlink.js), as a newcomer
 * types them: the commands of its `sh` code blocks and its inline `npx …` / `npm …` code. The list
 * is read from README.md, so a command added there is run here (or fails the test until it is
 * classified below):
 *
 * - `npm start` is package.json's `node bin/sellerlink.js start`: started in a fresh project
 *   directory (its `.sellerlink/` data directory there), and its banner is checked against the one
 *   the README shows. The one change: PORT=0, since a fixed port may be taken on a shared machine.
 * - `npx sellerlink …` runs bin/sellerlink.js (package.json's `bin`) in that same directory, with
 *   no SIMULATOR_URL, SIMULATOR_TOKEN or SELLERLINK_DATA_DIR: the CLI must find the running
 *   service's simulator by itself. Each must exit with 0 and print nothing on stderr. Long-running
 *   ones (`simulator`) get `--port 0` (same reason), must print their "Stop with Ctrl+C." banner,
 *   and must stop cleanly on SIGTERM.
 * - `npm install`, `npm ci`, `npm test` and `npm run …` are the developer's build and check commands: CI runs
 *   them (.ci/run), and running the suite inside the suite is no test. Here each must name a
 *   script package.json has.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  scripts: Record<string, string>;
};

/** The README's fenced code blocks (language and text) and its prose without them. */
function splitFences(markdown: string): { blocks: { lang: string; body: string }[]; prose: string } {
  const blocks: { lang: string; body: string }[] = [];
  const prose: string[] = [];
  let open: { lang: string; lines: string[] } | null = null;
  for (const line of markdown.split('\n')) {
    const fence = /^```(\w*)\s*$/.exec(line);
    if (fence && !open) open = { lang: fence[1]!, lines: [] };
    else if (fence && open) {
      blocks.push({ lang: open.lang, body: open.lines.join('\n') });
      open = null;
    } else if (open) open.lines.push(line);
    else prose.push(line);
  }
  return { blocks, prose: prose.join('\n') };
}

/** The commands of the README: `sh` code-block lines, then inline `npx …` and `npm …` code spans. */
function readmeCommands(markdown: string): string[] {
  const { blocks, prose } = splitFences(markdown);
  const commands: string[] = [];
  for (const { lang, body } of blocks)
    if (['sh', 'bash', 'shell', 'console'].includes(lang))
      for (const line of body.split('\n')) {
        const command = line.trim().replace(/^\$\s+/, '');
        if (command !== '' && !command.startsWith('#')) commands.push(command);
      }
  for (const [, span] of prose.matchAll(/`([^`\n]+)`/g))
    if (/^(npx|npm) /.test(span!)) commands.push(span!.trim());
  return [...new Set(commands)];
}

/** The README's lines of an unlabelled code block that starts with `first`, as patterns for real output. */
function shownOutput(markdown: string, first: string): RegExp[] {
  const block = splitFences(markdown)
    .blocks.filter((b) => b.lang === '')
    .map((b) => b.body.trim())
    .find((body) => body.startsWith(first));
  if (!block) throw new Error(`README.md shows no output starting with '${first}'`);
  const placeholder = (word: string): boolean => /https?:\/\/|…|xxxx|\.sellerlink\//.test(word);
  const escape = (word: string): string => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return block
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(
      (line) =>
        new RegExp(
          `^\\s*${line
            .trim()
            .split(/\s+/)
            .map((w) => (placeholder(w) ? '\\S+' : escape(w)))
            .join('\\s+')}\\s*$`,
          'm',
        ),
    );
}

/** The environment without any Sellerlink setting: the README's reader has none. */
function plainEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  const setting =
    /^(PORT|HOST|PUBLIC_URL|DATABASE_URL|METRICS_TOKEN|LOG_LEVEL)$|^(SELLERLINK|SIMULATOR|AMAZON|LWA|SPAPI|SELLER_CENTRAL|ADS|MAIL|ORDERS|SMTP)_/;
  for (const [key, value] of Object.entries(process.env))
    if (value !== undefined && !setting.test(key)) env[key] = value;
  return { ...env, ...extra };
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npx sellerlink <args>` in `cwd`: bin/sellerlink.js, the package's `sellerlink` bin. */
function npxSellerlink(args: string[], cwd: string): Promise<Run> {
  const child = spawn(process.execPath, [join(ROOT, PACKAGE.bin.sellerlink!), ...args], {
    cwd,
    env: plainEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** Starts a long-running command and resolves once its banner ends with "Stop with Ctrl+C.". */
function startLongRunning(
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [join(ROOT, PACKAGE.bin.sellerlink!), ...args], {
    cwd,
    env: plainEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let errors = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${args.join(' ')} did not start:\n${output}\n${errors}`)),
      90_000,
    );
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Stop with Ctrl+C.')) {
        clearTimeout(timer);
        resolve({ child, output: () => output });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited with ${code}:\n${output}\n${errors}`));
    });
  });
}

/**
 * SIGTERM (the Ctrl+C path) and the exit code, or the signal that ended the process instead
 * (SIGTERM: no handler was installed yet; SIGKILL: it did not stop within 20 s, sent so that
 * nothing is left behind).
 */
async function stop(child: ChildProcess | undefined): Promise<number | string | null> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  );
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

/** The README's commands split by how this test runs them. */
const COMMANDS = readmeCommands(README);
const START: string[] = COMMANDS.filter((c) => c === 'npm start');
const NPM = COMMANDS.filter((c) => c.startsWith('npm ') && c !== 'npm start');
const NPX = COMMANDS.filter((c) => c.startsWith('npx sellerlink '));
/** CLI commands that serve until stopped. */
const LONG_RUNNING = new Set(['start', 'web', 'worker', 'simulator']);

describe('the README', () => {
  it('shows commands, each of a kind this test runs', () => {
    expect(START).toEqual(['npm start']);
    expect(NPX.length).toBeGreaterThan(2);
    expect(COMMANDS).toContain('npx sellerlink sim orders generate --seller A1DEMOSELLERNA --count 20');
    expect(COMMANDS.filter((c) => !START.includes(c) && !NPM.includes(c) && !NPX.includes(c))).toEqual([]);
  });

  it('names only npm commands package.json has (npm install builds, npm start runs the built CLI)', () => {
    expect(PACKAGE.bin.sellerlink).toBe('bin/sellerlink.js');
    expect(PACKAGE.scripts.start).toBe('node bin/sellerlink.js start');
    expect(PACKAGE.scripts.prepare).toContain('bin/build.js');
    for (const command of NPM) {
      const [, verb, script] = /^npm (install|ci|test|run (\S+))/.exec(command) ?? [];
      expect(verb, command).toBeDefined();
      if (verb === 'test') expect(PACKAGE.scripts.test, command).toBeDefined();
      if (script) expect(Object.keys(PACKAGE.scripts), command).toContain(script);
    }
  });
});

describe('every README command against a started service', { timeout: 300_000 }, () => {
  const project = mkdtempSync(join(tmpdir(), 'sellerlink-readme-'));
  let service: { child: ChildProcess; output: () => string } | undefined;

  beforeAll(async () => {
    // `npm start`, in a project directory of its own.
    service = await startLongRunning(['start'], project, { PORT: '0' });
  }, 120_000);
  afterAll(async () => {
    await stop(service?.child);
    rmSync(project, { recursive: true, force: true });
  });

  it('npm start prints the banner the README shows', () => {
    for (const line of shownOutput(README, 'Sellerlink is running')) expect(service!.output()).toMatch(line);
  });

  for (const command of NPX) {
    const args = command.replace(/^npx sellerlink /, '').split(/\s+/);
    if (LONG_RUNNING.has(args[0]!)) {
      it(`${command} starts, prints its banner and stops on SIGTERM`, async () => {
        // Its own directory: a second simulator must not replace the service's control file.
        const own = join(project, 'elsewhere');
        mkdirSync(own, { recursive: true });
        const run = await startLongRunning([...args, '--port', '0'], own, {});
        expect(run.output()).toContain('Stop with Ctrl+C.');
        expect(await stop(run.child)).toBe(0);
      });
      continue;
    }
    it(`${command} succeeds beside the running service`, async () => {
      const run = await npxSellerlink(args, project);
      expect(run.stderr, command).toBe('');
      expect(run.code, command).toBe(0);
      expect(run.stdout.trim(), command).not.toBe('');
      if (args[0] === 'sim' && args[1] === 'orders' && args[2] === 'generate') {
        const count = args[args.indexOf('--count') + 1]!;
        expect(run.stdout).toContain(`Created ${count} orders for ${args[args.indexOf('--seller') + 1]}`);
      }
      if (args[0] === '--help') {
        // The README's list of commands is the CLI's.
        const row = README.split('\n').find((l) => l.startsWith('| `npx sellerlink --help`'))!;
        const listed = [...row.split('|')[2]!.matchAll(/`([a-z-]+)`/g)].map((m) => m[1]!);
        expect(listed.length).toBeGreaterThan(5);
        for (const name of listed) expect(run.stdout).toMatch(new RegExp(`^\\s+${name}\\b`, 'm'));
      }
    });
  }
});
