import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { mkdirSync } from 'node:fs';
import pg from 'pg';
import { AppError } from '../kernel/errors.js';
import { settleWithin } from '../kernel/within.js';
import { createGate, createKeyedGate } from './dialects/gate.js';
import { lockDataDir } from './data-dir-lock.js';
import { createPgliteDialect } from './dialects/pglite.js';
import { migrateToLatest } from './migrate.js';
import { defaultTemplateDir, seedFromTemplate, unseed } from './pglite-template.js';
import type { Database } from './schema.js';

/** Where the data lives: embedded PGlite (a directory, or `memory://`) or a PostgreSQL server. */
export type DatabaseTarget =
  | {
      kind: 'pglite';
      dataDir: string;
      /** Start from a dumped data directory (tests). */
      loadDataDir?: Blob;
      /**
       * The prepared data-directory template a new directory is copied from (see pglite-template.ts;
       * default: the one the build made in `dist/pglite-template`); `null`: none, PGlite runs initdb.
       */
      template?: string | null;
    }
  | { kind: 'postgres'; url: string; poolSize?: number };

/** Raw SQL access in the shape pg-boss's `db` option expects. */
export interface SqlExecutor {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/** An open database: typed queries for the app, raw SQL for pg-boss. */
export interface Store {
  readonly kind: 'pglite' | 'postgres';
  readonly db: Kysely<Database>;
  readonly sql: SqlExecutor;
  /**
   * Runs `fn` while holding a lock named `key` across every process using this database
   * (PostgreSQL: a session advisory lock on a dedicated connection, released if the process dies;
   * PGlite: one process only, so an in-process keyed mutex).
   */
  withLock<T>(key: string, fn: (db: Kysely<Database>) => Promise<T>): Promise<T>;
  /**
   * Like `withLock`, but never waits: when another holder (any process) has `key`, returns
   * `{ acquired: false }` at once. Used for long exclusive work (an order import per connection).
   */
  tryLock<T>(
    key: string,
    fn: (db: Kysely<Database>) => Promise<T>,
  ): Promise<{ acquired: true; value: T } | { acquired: false }>;
  /** PGlite only: dumps the data directory (used to build test templates). */
  dump(): Promise<Blob>;
  close(): Promise<void>;
}

/** How a store is opened. */
export interface OpenStoreOptions {
  /** Run migrations (default true). */
  migrate?: boolean;
  /**
   * Who opens it, named in the refusal another process gets while this one holds an embedded data
   * directory (see data-dir-lock.ts), e.g. `sellerlink start`.
   */
  owner?: string;
}

/**
 * Opens the database and runs migrations (unless `migrate: false`). An embedded data directory is
 * locked for this process until `close()`; another process gets `STORE_IN_USE`.
 */
export async function openStore(target: DatabaseTarget, options: OpenStoreOptions = {}): Promise<Store> {
  const store =
    target.kind === 'pglite'
      ? await openPglite(target, options.owner ?? 'sellerlink')
      : await openPostgres(target);
  if (options.migrate !== false) {
    try {
      await migrateToLatest(store.db as Kysely<unknown>);
    } catch (err) {
      await store.close();
      throw err;
    }
  }
  return store;
}

async function openPglite(
  target: Extract<DatabaseTarget, { kind: 'pglite' }>,
  owner: string,
): Promise<Store> {
  const inMemory = target.dataDir.startsWith('memory://');
  if (!inMemory) mkdirSync(target.dataDir, { recursive: true });
  const lock = inMemory ? null : lockDataDir(target.dataDir, owner);
  let pglite: PGlite;
  try {
    pglite = await createPglite(target, inMemory);
  } catch (err) {
    lock?.release();
    throw new AppError('STORE_OPEN_FAILED', `could not open the embedded database at ${target.dataDir}`, {
      cause: err,
      details: { dataDir: target.dataDir },
    });
  }
  const gate = createGate();
  const locks = createKeyedGate();
  const db = new Kysely<Database>({ dialect: createPgliteDialect(pglite, gate) });
  return {
    kind: 'pglite',
    db,
    sql: {
      // pg-boss sends multi-statement scripts without parameters: those must go through exec.
      executeSql: (text, values) =>
        gate.run(async () => {
          if (values && values.length > 0) {
            const result = await pglite.query<Record<string, unknown>>(text, values);
            return { rows: result.rows };
          }
          const results = await pglite.exec(text);
          return { rows: results.at(-1)?.rows ?? [] };
        }),
    },
    // Never holds the session gate while fn runs (fn may wait on HTTP): PGlite is one process.
    withLock: (key, fn) => locks.run(key, () => fn(db)),
    tryLock: (key, fn) => locks.tryRun(key, () => fn(db)),
    dump: () => gate.run(() => pglite.dumpDataDir('none')),
    async close() {
      try {
        await db.destroy();
        await gate.run(() => pglite.close());
      } finally {
        lock?.release();
      }
    },
  };
}

/**
 * Creates the PGlite instance. A new data directory starts as a copy of the build's template
 * (pglite-template.ts), which spares this process PGlite's initdb and its memory peak; if PGlite
 * cannot open the copy, the copy is removed and PGlite creates the directory itself.
 */
async function createPglite(
  target: Extract<DatabaseTarget, { kind: 'pglite' }>,
  inMemory: boolean,
): Promise<PGlite> {
  const options = { startParams: PGLITE_START_PARAMS };
  if (target.loadDataDir)
    return PGlite.create(target.dataDir, { ...options, loadDataDir: target.loadDataDir });
  const template = inMemory || target.template === null ? null : (target.template ?? defaultTemplateDir());
  if (template === null || !seedFromTemplate(target.dataDir, template))
    return PGlite.create(target.dataDir, options);
  try {
    return await PGlite.create(target.dataDir, options);
  } catch (err) {
    console.error(
      `could not open the copy of the data-directory template ${template}: ${String(err)}; running initdb`,
    );
    unseed(target.dataDir, template);
    return PGlite.create(target.dataDir, options);
  }
}

/**
 * The embedded database's shared buffers. PGlite starts PostgreSQL with its default of 128 MB,
 * which it sets up inside WebAssembly memory on every open: about 0.6 s of CPU per open here, paid
 * by each CLI command and each start. 16 MB takes about 0.2 s, and is plenty for what the embedded
 * default holds (reads past it come from the operating system's file cache; PostgreSQL itself
 * shipped with 32 MB until 9.3). Scale is PostgreSQL's job (`DATABASE_URL`).
 * https://www.postgresql.org/docs/current/runtime-config-resource.html#GUC-SHARED-BUFFERS
 */
export const PGLITE_SHARED_BUFFERS = '16MB';

/** PGlite's own start parameters plus the shared buffers above. */
const PGLITE_START_PARAMS = [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`];

async function openPostgres(target: Extract<DatabaseTarget, { kind: 'postgres' }>): Promise<Store> {
  const pool = new pg.Pool({ connectionString: target.url, max: target.poolSize ?? 10 });
  // A dropped connection (server restart, pg_terminate_backend: 57P01) is reported, never fatal: an
  // idle client's error reaches the pool's listener; a checked-out client's (one held across Amazon
  // calls under an advisory lock) reaches its own, and the query in progress rejects as usual. Without
  // a listener, Node turns the `error` event into an uncaught exception.
  // https://node-postgres.com/apis/pool#error
  const dropped = (err: Error): void => console.error('postgres connection dropped:', err.message);
  pool.on('error', dropped);
  pool.on('connect', (client) => client.on('error', dropped));
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end();
    throw new AppError('STORE_OPEN_FAILED', `could not connect to PostgreSQL at ${redactUrl(target.url)}`, {
      cause: err,
      details: { url: redactUrl(target.url) },
    });
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    kind: 'postgres',
    db,
    sql: {
      // pg-boss's statements (fetch, complete, fail, create_queue) go through here, and pg-boss does
      // not catch a failed complete/fail: a dropped connection or a deadlock between processes
      // creating queues at once would become an unhandled rejection. Both leave nothing half done
      // (the statement rolled back or never ran), so they are tried again.
      executeSql: async (text, values) => {
        for (let attempt = 1; ; attempt++) {
          try {
            return { rows: (await pool.query(text, values)).rows as Record<string, unknown>[] };
          } catch (err) {
            if (attempt >= SQL_ATTEMPTS || !isTransientSqlError(err)) throw err;
            await new Promise((resolve) => setTimeout(resolve, 100 * attempt * attempt));
          }
        }
      },
    },
    // The lock and fn's queries share one connection, so holders never wait for a second one.
    withLock: (key, fn) =>
      db.connection().execute(async (conn) => {
        await sql`select pg_advisory_lock(hashtextextended(${key}, 0))`.execute(conn);
        try {
          return await fn(conn);
        } finally {
          await sql`select pg_advisory_unlock(hashtextextended(${key}, 0))`.execute(conn);
        }
      }),
    tryLock: (key, fn) =>
      db.connection().execute(async (conn) => {
        const got = await sql<{
          ok: boolean;
        }>`select pg_try_advisory_lock(hashtextextended(${key}, 0)) as ok`.execute(conn);
        if (!got.rows[0]?.ok) return { acquired: false as const };
        try {
          return { acquired: true as const, value: await fn(conn) };
        } finally {
          await sql`select pg_advisory_unlock(hashtextextended(${key}, 0))`.execute(conn);
        }
      }),
    dump: () => Promise.reject(new Error('dump is only available on PGlite')),
    async close() {
      // Ends the pool. pool.end() waits for checked-out clients; one held by work that outlives
      // shutdown (waiting on Amazon's rate limit) must not hold the process: its lock is released
      // when the process exits and its connection closes.
      await settleWithin(db.destroy(), CLOSE_WAIT_MS);
    },
  };
}

/** Tries of one raw statement (pg-boss's) against a transient failure. */
const SQL_ATTEMPTS = 4;

/**
 * A failure that says nothing about the statement itself: a deadlock victim (40P01), the server
 * ending the session (57P01–57P03), a connection that broke or could not be made.
 * https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
function isTransientSqlError(err: unknown): boolean {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  if (
    typeof code === 'string' &&
    /^(40P01|57P0[123]|08\d\d\d|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT)$/.test(code)
  )
    return true;
  return typeof message === 'string' && /Connection terminated|connection timeout/i.test(message);
}

/** How long closing a PostgreSQL pool waits for connections still in use. */
const CLOSE_WAIT_MS = 2_000;

/** A database URL with its password removed: safe for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable database URL)';
  }
}
