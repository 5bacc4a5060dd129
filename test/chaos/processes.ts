import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';

/**
 * The Sellerlink processes of a chaos run: `sellerlink web` and `sellerlink worker` started from
 * the bin as an operator would, SIGKILLed and started again, and one-off CLI commands. Every line a
 * process writes goes to its own log file (one per start) so a crash can be shown with its last words.
 */

/** One role the run keeps alive: the web process or a worker. */
export interface Role {
  name: string;
  command: 'web' | 'worker';
}

/** A process that ended without being told to. */
export interface Crash {
  role: string;
  pid: number;
  code: number | null;
  signal: string | null;
  /** Whether it had finished starting (printed its banner). */
  wasReady: boolean;
  logFile: string;
  lastLines: string[];
}

/** How a stop with SIGTERM went. */
export interface CleanStop {
  role: string;
  code: number | null;
  signal: string | null;
  ms: number;
}

interface Running {
  child: ChildProcess;
  startedAt: number;
  ready: boolean;
  expectedExit: boolean;
  exited: Promise<void>;
  logFile: string;
  tail: string[];
}

/** The role's processes: start, kill, restart, stop; and what ended on its own. */
export interface ProcessPool {
  /** Starts every role that has no live process; resolves when all are ready. */
  ensureAll(): Promise<void>;
  /** SIGKILLs the role's process and starts a new one at once (not waiting for it to be ready). */
  killAndRestart(roleName: string): Promise<{ pid: number; uptimeMs: number; wasReady: boolean }>;
  /** Names of the roles whose current process has printed its banner. */
  ready(): string[];
  /** Sends SIGTERM to every process and waits for each to exit (up to `timeoutMs`, then SIGKILL). */
  stopAll(timeoutMs: number): Promise<CleanStop[]>;
  /** SIGKILLs whatever is still running (cleanup). */
  killAll(): void;
  readonly crashes: Crash[];
  readonly starts: number;
}

const TAIL_LINES = 30;

/**
 * Every child started here that has not exited. Should the test process end first (a test that
 * timed out never reaches its cleanup), they are killed with it rather than left running.
 */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
function tracked<T extends ChildProcess>(child: T): T {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** A pool of Sellerlink processes sharing `env`, logging under `logDir`. */
export function createProcessPool(options: {
  roles: Role[];
  env: Record<string, string>;
  logDir: string;
  /** How long a start may take before it counts as failed. */
  startTimeoutMs?: number;
}): ProcessPool {
  const running = new Map<string, Running>();
  const crashes: Crash[] = [];
  const counters = new Map<string, number>();
  let starts = 0;
  let stopping = false;
  const startTimeoutMs = options.startTimeoutMs ?? 120_000;

  const launch = (role: Role): { process: Running; ready: Promise<void> } => {
    const n = (counters.get(role.name) ?? 0) + 1;
    counters.set(role.name, n);
    starts++;
    const logFile = path.join(options.logDir, `${role.name}-${String(n).padStart(3, '0')}.log`);
    const log: WriteStream = createWriteStream(logFile);
    const child = tracked(
      spawn(process.execPath, ['bin/sellerlink.js', role.command], {
        env: { ...process.env, ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    let markReady: () => void = () => {};
    let failStart: (err: Error) => void = () => {};
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failStart = reject;
    });
    const entry: Running = {
      child,
      startedAt: Date.now(),
      ready: false,
      expectedExit: false,
      logFile,
      tail: [],
      exited: new Promise<void>((resolve) => child.once('exit', () => resolve())),
    };
    const onText = (chunk: Buffer): void => {
      const text = chunk.toString();
      log.write(text);
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        entry.tail.push(line);
        if (entry.tail.length > TAIL_LINES) entry.tail.shift();
      }
      if (!entry.ready && text.includes('Sellerlink is running')) {
        entry.ready = true;
        markReady();
      }
    };
    child.stdout.on('data', onText);
    child.stderr.on('data', onText);
    const timer = setTimeout(
      () => failStart(new Error(`${role.name} did not start within ${startTimeoutMs} ms`)),
      startTimeoutMs,
    );
    timer.unref();
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      log.end();
      if (!entry.expectedExit) {
        crashes.push({
          role: role.name,
          pid: child.pid ?? -1,
          code,
          signal,
          wasReady: entry.ready,
          logFile,
          lastLines: [...entry.tail],
        });
      }
      failStart(new Error(`${role.name} exited (${signal ?? code}) before it was ready; see ${logFile}`));
      if (running.get(role.name) === entry) {
        running.delete(role.name);
        // A process that died on its own is recorded above and replaced, so the run goes on.
        if (!entry.expectedExit && !stopping)
          setTimeout(() => {
            if (!stopping && !running.has(role.name)) launch(role).ready.catch(() => {});
          }, 1000).unref();
      }
    });
    running.set(role.name, entry);
    return { process: entry, ready };
  };

  const roleOf = (name: string): Role => {
    const role = options.roles.find((r) => r.name === name);
    if (!role) throw new Error(`unknown role ${name}`);
    return role;
  };

  return {
    crashes,
    get starts() {
      return starts;
    },
    async ensureAll() {
      // Waits for each role to be ready; a process that dies on the way is recorded as a crash and
      // replaced (see the exit handler), and the wait goes on for its replacement.
      const deadline = Date.now() + startTimeoutMs;
      for (;;) {
        for (const role of options.roles)
          if (!running.has(role.name) && !stopping) launch(role).ready.catch(() => {});
        if (options.roles.every((role) => running.get(role.name)?.ready)) return;
        if (Date.now() > deadline)
          throw new Error(
            `not ready within ${startTimeoutMs} ms: ${options.roles
              .filter((r) => !running.get(r.name)?.ready)
              .map((r) => r.name)
              .join(', ')}`,
          );
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async killAndRestart(name) {
      const role = roleOf(name);
      const current = running.get(name);
      let info = { pid: -1, uptimeMs: 0, wasReady: false };
      if (current) {
        info = {
          pid: current.child.pid ?? -1,
          uptimeMs: Date.now() - current.startedAt,
          wasReady: current.ready,
        };
        current.expectedExit = true;
        current.child.kill('SIGKILL');
        await current.exited;
      }
      // Not awaited: the next kill may find it still starting, which is a moment like any other.
      launch(role).ready.catch(() => {});
      return info;
    },
    ready: () => [...running.entries()].filter(([, r]) => r.ready).map(([name]) => name),
    async stopAll(timeoutMs) {
      stopping = true;
      return Promise.all(
        [...running.entries()].map(async ([name, r]) => {
          r.expectedExit = true;
          const at = Date.now();
          let code: number | null = null;
          let signal: string | null = null;
          const done = new Promise<void>((resolve) =>
            r.child.once('exit', (c, s) => {
              code = c;
              signal = s;
              resolve();
            }),
          );
          r.child.kill('SIGTERM');
          const timer = setTimeout(() => r.child.kill('SIGKILL'), timeoutMs);
          await done;
          clearTimeout(timer);
          return { role: name, code, signal, ms: Date.now() - at };
        }),
      );
    },
    killAll() {
      stopping = true;
      for (const r of running.values()) {
        r.expectedExit = true;
        r.child.kill('SIGKILL');
      }
    },
  };
}

/** What a CLI command printed and how it ended. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `sellerlink ARGS` with the run's environment and returns its output. */
export function runCli(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 180_000,
  logFile?: string,
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = tracked(
      spawn(process.execPath, ['bin/sellerlink.js', ...args], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    if (logFile) {
      const stamp = (stream: string) => (c: Buffer) =>
        appendFileSync(logFile, `${new Date().toISOString()} ${stream} ${c.toString()}`);
      appendFileSync(logFile, `${new Date().toISOString()} pid ${child.pid}: sellerlink ${args.join(' ')}\n`);
      child.stdout.on('data', stamp('out'));
      child.stderr.on('data', stamp('err'));
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
