import { CompiledQuery, sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

/**
 * The cache version: one row (`cache_versions`, migration 0020) that triggers move in the same
 * transaction as every change an in-memory answer depends on (a connection's state, expiry or
 * authorization, its application flagged, an API key revoked, a cached access token dropped).
 *
 * A process serves from memory only what it loaded at the version it reads now. The read starts
 * after the request arrived, so any change committed before then has moved the version, and the
 * very next request on every process goes to the database: no notification can arrive late, and
 * a process that missed one cannot serve stale answers. The read is one primary-key lookup of a
 * one-row table; concurrent requests share a read (one that started after they all arrived).
 */
export interface CacheVersions {
  /** The version from a read that started after this call (shared with every call waiting on the same read). */
  fresh(): Promise<string>;
}

const READ_VERSION = CompiledQuery.raw('select version::text as version from cache_versions where id = 1');

async function readVersion(db: Kysely<Database>): Promise<string> {
  const result = await db.executeQuery<{ version: string }>(READ_VERSION);
  const version = result.rows[0]?.version;
  if (version === undefined) throw new Error('cache_versions has no row 1 (migration 0020)');
  return version;
}

/**
 * Reads the cache version for the callers of one process, coalesced: while a read is in flight,
 * new callers wait for the next one (the read in flight may have started before they arrived), so
 * at most two reads are ever outstanding whatever the load.
 */
export function createCacheVersions(db: Kysely<Database>): CacheVersions {
  let running: Promise<string> | null = null;
  let queued: Promise<string> | null = null;
  const start = (): Promise<string> => {
    const read: Promise<string> = readVersion(db).finally(() => {
      if (running === read) running = null;
    });
    running = read;
    return read;
  };
  const settled = (): void => undefined;
  return {
    fresh(): Promise<string> {
      if (running === null) return start();
      queued ??= running.then(settled, settled).then(() => {
        queued = null;
        return start();
      });
      return queued;
    },
  };
}

/**
 * Moves the cache version inside `q`'s transaction, for a change no trigger sees (a cached access
 * token replaced from outside the broker's refresh: the code exchange's). Run it last in the
 * transaction: it holds the version row's lock until commit.
 */
export async function bumpCacheVersion(q: Kysely<Database>): Promise<void> {
  await sql`update cache_versions set version = version + 1 where id = 1`.execute(q);
}

/** Whether version `a` is newer than `b` (both decimal bigint text). */
function newer(a: string, b: string): boolean {
  return a.length !== b.length ? a.length > b.length : a > b;
}

/**
 * Values cached in memory at a cache version: `get` answers only with a value loaded at exactly the
 * version the caller read; on seeing a newer version everything older is dropped.
 */
export class VersionedMemo<T> {
  private version = '0';
  private readonly entries = new Map<string, T>();

  /** The value of `key` if it was loaded at `version`. */
  get(key: string, version: string): T | undefined {
    this.advance(version);
    return version === this.version ? this.entries.get(key) : undefined;
  }

  /** Keeps `value`, loaded at `version` (a read made before loading it); ignored when older than the newest seen. */
  set(key: string, value: T, version: string): void {
    this.advance(version);
    if (version === this.version) this.entries.set(key, value);
  }

  /** Forgets one key (this process changed it). */
  delete(key: string): void {
    this.entries.delete(key);
  }

  /** How many values are kept (tests). */
  get size(): number {
    return this.entries.size;
  }

  private advance(version: string): void {
    if (!newer(version, this.version)) return;
    this.version = version;
    this.entries.clear();
  }
}
