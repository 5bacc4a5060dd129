import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../kernel/errors.js';

/**
 * One owner of the embedded database. PGlite is PostgreSQL compiled to WebAssembly running inside
 * one Node process: it has no server to arbitrate between processes, so two processes opening the
 * same data directory each keep their own view and overwrite each other's files (work done by one is
 * lost). Whoever opens the directory first holds `<dataDir>.lock` until it closes it; anyone else is
 * refused with a message naming the holder.
 *
 * The lock is a file created with O_EXCL (`wx`), holding the owner's pid, host and process start
 * time. A lock whose owner is gone (killed, machine restarted, container recreated with the same
 * pid) is stale and taken over; taking over is itself serialised by a second O_EXCL file so that two
 * processes breaking the same stale lock cannot both win.
 */

/** Who holds a data directory (written into the lock file). */
export interface LockOwner {
  pid: number;
  host: string;
  /** The process's start time in clock ticks since boot (Linux /proc/<pid>/stat field 22), if known. */
  processStart: string | null;
  /** What the owner is doing: `sellerlink start`, `sellerlink orders backfill`, ... */
  command: string;
  since: string;
}

/** A held lock: release it when the database is closed. */
export interface DataDirLock {
  readonly path: string;
  release(): void;
}

/** Lock files this process holds (a second open in the same process is refused too). */
const heldHere = new Set<string>();

/** How long a half-finished takeover may block others before it is considered abandoned. */
const TAKEOVER_STALE_MS = 10_000;

/** Takes the lock on `dataDir` for `command`, or throws `STORE_IN_USE` naming the holder. */
export function lockDataDir(
  dataDir: string,
  command: string,
  now: () => Date = () => new Date(),
): DataDirLock {
  const lockPath = `${path.resolve(dataDir)}.lock`;
  const me: LockOwner = {
    pid: process.pid,
    host: os.hostname(),
    processStart: processStart(process.pid),
    command,
    since: now().toISOString(),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(lockPath, me)) return held(lockPath);
    const owner = readOwner(lockPath);
    if (owner && isAlive(owner, lockPath)) throw inUse(dataDir, owner);
    breakStaleLock(lockPath);
  }
  const owner = readOwner(lockPath);
  throw inUse(dataDir, owner);
}

function held(lockPath: string): DataDirLock {
  heldHere.add(lockPath);
  let released = false;
  return {
    path: lockPath,
    release() {
      if (released) return;
      released = true;
      heldHere.delete(lockPath);
      // Only remove the file if it is still ours (a stale-lock breaker never removes a live owner's).
      const owner = readOwner(lockPath);
      if (owner && owner.pid === process.pid && owner.host === os.hostname())
        rmSync(lockPath, { force: true });
    },
  };
}

function tryCreate(lockPath: string, owner: LockOwner): boolean {
  try {
    writeFileSync(lockPath, `${JSON.stringify(owner)}\n`, { flag: 'wx', mode: 0o600 });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new AppError('STORE_OPEN_FAILED', `could not create the lock file ${lockPath}`, { cause: err });
  }
}

function readOwner(lockPath: string): LockOwner | null {
  try {
    const parsed = JSON.parse(readFileSync(lockPath, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return null;
    return {
      pid: parsed.pid,
      host: parsed.host,
      processStart: typeof parsed.processStart === 'string' ? parsed.processStart : null,
      command: typeof parsed.command === 'string' ? parsed.command : 'sellerlink',
      since: typeof parsed.since === 'string' ? parsed.since : '',
    };
  } catch {
    return null; // missing, half-written or garbage: treated as stale
  }
}

/** Whether the recorded owner still runs. Another host's lock is assumed live (we cannot check). */
function isAlive(owner: LockOwner, lockPath: string): boolean {
  if (owner.host !== os.hostname()) return true;
  if (owner.pid === process.pid) return heldHere.has(lockPath);
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  // The pid runs, but pids are reused: compare start times where the system tells them.
  const start = processStart(owner.pid);
  return owner.processStart === null || start === null || start === owner.processStart;
}

function breakStaleLock(lockPath: string): void {
  const takeover = `${lockPath}.takeover`;
  try {
    writeFileSync(takeover, String(process.pid), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Someone else is taking over; an abandoned takeover file is removed after a while.
    try {
      if (Date.now() - statSync(takeover).mtimeMs > TAKEOVER_STALE_MS) rmSync(takeover, { force: true });
    } catch {
      /* gone already */
    }
    return;
  }
  try {
    const owner = readOwner(lockPath);
    if (!owner || !isAlive(owner, lockPath)) rmSync(lockPath, { force: true });
  } finally {
    rmSync(takeover, { force: true });
  }
}

/** Field 22 of /proc/<pid>/stat (start time since boot), or null off Linux. */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: count after its end.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function inUse(dataDir: string, owner: LockOwner | null): AppError {
  const who = owner
    ? `${owner.command} (pid ${owner.pid}${owner.host === os.hostname() ? '' : ` on ${owner.host}`}${
        owner.since ? `, since ${owner.since.slice(0, 16).replace('T', ' ')} UTC` : ''
      })`
    : 'another process';
  return new AppError(
    'STORE_IN_USE',
    `the embedded database in ${dataDir} is in use by ${who}, and only one process may open it. ` +
      'Nothing was done. Stop that process first (Ctrl+C in its terminal), or while the service runs ' +
      'do this through its portal or REST API; to run the service and operator commands side by side, ' +
      'use PostgreSQL (DATABASE_URL), see docs/operations.md.',
    { details: { dataDir, ...(owner ? { pid: owner.pid, command: owner.command } : {}) } },
  );
}
