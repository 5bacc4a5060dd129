import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';

/** What the benchmarks that run child processes against PostgreSQL share. */

/** PostgreSQL for a bench: BENCH_DATABASE_URL, or a throwaway server (scripts/postgres-for-tests.sh). */
export function postgresUrl(): string {
  if (process.env.BENCH_DATABASE_URL) return process.env.BENCH_DATABASE_URL;
  return execFileSync('scripts/postgres-for-tests.sh', ['start', '/tmp/sellerlink-bench-pg', '54349'])
    .toString()
    .trim()
    .split('\n')
    .pop()!;
}

/** Creates (or re-creates) the bench database on the server and returns its URL. */
export async function freshDatabase(
  serverUrl: string,
  name: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = async (text: string): Promise<void> => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  await admin(`drop database if exists ${name} with (force)`);
  await admin(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

/** A child process speaking the bench's small message protocol (`ready`, `go`, `done`). */
export interface Child {
  process: ChildProcess;
  next<T extends { type: string }>(type: T['type'], timeoutMs: number): Promise<T>;
  send(message: unknown): void;
}

/** Forks a bench child script (run through tsx) with an IPC channel. */
export function startChild(script: string, args: string[], env: Record<string, string>): Child {
  const child = fork(path.resolve('bench', script), args, {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const queued: { type: string }[] = [];
  const waiting: { type: string; resolve: (m: { type: string }) => void }[] = [];
  let exited: Error | null = null;
  child.on('message', (m: { type: string }) => {
    const i = waiting.findIndex((w) => w.type === m.type);
    if (i >= 0) waiting.splice(i, 1)[0]!.resolve(m);
    else queued.push(m);
  });
  child.on('exit', (code) => {
    exited = new Error(`${script} exited with code ${code}`);
  });
  return {
    process: child,
    next<T extends { type: string }>(type: T['type'], timeoutMs: number): Promise<T> {
      const i = queued.findIndex((m) => m.type === type);
      if (i >= 0) return Promise.resolve(queued.splice(i, 1)[0] as T);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${script}: no '${type}' within ${timeoutMs / 1000} s`)),
          timeoutMs,
        );
        const check = setInterval(() => {
          if (!exited) return;
          clearInterval(check);
          clearTimeout(timer);
          reject(exited);
        }, 200);
        waiting.push({
          type,
          resolve: (m) => {
            clearInterval(check);
            clearTimeout(timer);
            resolve(m as T);
          },
        });
      });
    },
    send: (message) => child.send(message as never),
  };
}

export function stopChild(child: Child): void {
  if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill();
}
