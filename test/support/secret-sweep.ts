import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createAccounts } from '../../src/accounts/service.js';
import { cryptoRandom } from '../../src/kernel/random.js';
import { postgresAvailable } from './databases.js';
import {
  allRowsAsText,
  pgDumpData,
  secretsIn,
  secretsInFiles,
  type NamedSecret,
  type RecordedExchange,
} from './security.js';
import type { TestService } from './service.js';

/**
 * The sweeps of the secrets tests (test/security/secrets.test.ts and ads-secrets.test.ts): after
 * full flows, search the database (every row through SQL; every file of the PGlite data directory,
 * or a data dump of PostgreSQL) and the HTTP answers for the secrets. Each database search carries
 * a control, a plaintext marker it must find, so it cannot pass by searching nothing.
 */

/** The databases a sweep runs on: PGlite with its files in the data directory, and PostgreSQL. */
export type SweptDatabase = 'pglite-dir' | 'postgres';

/** What one search found: the names of the secrets, and whether it found its control. */
export interface SecretSearch {
  found: string[];
  controlFound: boolean;
}

/** The table text's search, with the text's length (a search of almost nothing proves nothing). */
export interface TableSearch extends SecretSearch {
  length: number;
}

/**
 * `describe(title [kind], body)` once per swept database; the PostgreSQL one is skipped without
 * TEST_DATABASE_URL.
 */
export function describeEachSweptDatabase(title: string, body: (kind: SweptDatabase) => void): void {
  for (const kind of ['pglite-dir', 'postgres'] as const) {
    describe.skipIf(kind === 'postgres' && !postgresAvailable)(`${title} [${kind}]`, () => body(kind));
  }
}

/** Adds an account named by a random marker; returns the marker as the control to search for. */
async function addControlMarker(svc: TestService): Promise<NamedSecret[]> {
  const marker = `control-marker-${randomBytes(8).toString('hex')}`;
  const accounts = createAccounts({ db: svc.store.db, clock: svc.service.clock, random: cryptoRandom });
  await accounts.createAccount(marker);
  return [{ name: 'control marker', value: marker }];
}

/** The database read while the service runs: every row as text, and for PostgreSQL a data dump. */
async function readDatabase(
  svc: TestService,
  kind: SweptDatabase,
): Promise<{ dump: string | null; tables: string }> {
  const tables = await allRowsAsText(svc.store.db);
  if (kind !== 'postgres') return { dump: null, tables };
  const { rows } = await sql<{ name: string }>`select current_database() as name`.execute(svc.store.db);
  const url = new URL(process.env.TEST_DATABASE_URL!);
  url.pathname = `/${rows[0]!.name}`;
  return { dump: pgDumpData(url.toString()), tables };
}

/** Searches the table text for the secrets and for the control. */
function searchTables(tables: string, secrets: NamedSecret[], control: NamedSecret[]): TableSearch {
  return {
    found: secretsIn(tables, secrets),
    controlFound: secretsIn(tables, control).length > 0,
    length: tables.length,
  };
}

/**
 * Searches the PostgreSQL dump, or with none every file of the PGlite database (read after the
 * service stopped, so that its files are flushed), for the secrets and for the control.
 */
function searchDatabase(
  svc: TestService,
  dump: string | null,
  secrets: NamedSecret[],
  control: NamedSecret[],
): SecretSearch {
  if (dump !== null) {
    return { found: secretsIn(dump, secrets), controlFound: secretsIn(dump, control).length > 0 };
  }
  const dir = path.join(svc.dataDir, 'db');
  return { found: secretsInFiles(dir, secrets), controlFound: secretsInFiles(dir, control).length > 0 };
}

/** What a sweep searched for and found after the service stopped. */
export interface Sweep {
  /** Every secret searched for. */
  secrets: NamedSecret[];
  /** The service's log lines, joined. */
  logs: string;
  database: SecretSearch;
  tables: TableSearch;
}

/**
 * Adds the control marker, reads the database, stops the service (its database files flushed and
 * the simulator's state saved; the data directory kept), adds the secrets known only then
 * (`afterStop(dataDir)`, e.g. from the saved simulator state) to `secrets`, and searches the
 * database for them all.
 */
export async function stopAndSweep(
  svc: TestService,
  kind: SweptDatabase,
  secrets: NamedSecret[],
  afterStop: (dataDir: string) => NamedSecret[],
): Promise<Sweep> {
  const control = await addControlMarker(svc);
  const { dump, tables } = await readDatabase(svc, kind);
  await svc.service.stop();
  const all = [...secrets, ...afterStop(svc.dataDir)];
  return {
    secrets: all,
    logs: svc.logs.join('\n'),
    tables: searchTables(tables, all, control),
    database: searchDatabase(svc, dump, all, control),
  };
}

/** The secrets in any recorded answer (status, headers or body), as "<secret> in <method> <url>". */
export function leaksIn(exchanges: RecordedExchange[], secrets: NamedSecret[]): string[] {
  return exchanges.flatMap((e) => {
    const text = `${e.status}\n${e.headers.map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${e.body}`;
    return secretsIn(text, secrets).map((name) => `${name} in ${e.method} ${e.url}`);
  });
}

/** The simulator's state as it saved it when the service stopped (`simulator-state.json`). */
export function savedSimulatorState<T>(dataDir: string): T {
  return (JSON.parse(readFileSync(path.join(dataDir, 'simulator-state.json'), 'utf8')) as { state: T }).state;
}

/**
 * The two database tests of a sweep: no `noun` ("secret", "Ads secret") in the database files or
 * dump, nor in any row read through SQL (whose text is longer than `minTableText`).
 */
export function itFindsNoneInTheDatabase(
  kind: SweptDatabase,
  noun: string,
  got: { database: SecretSearch; tables: TableSearch },
  minTableText: number,
): void {
  it(
    kind === 'postgres'
      ? `no ${noun} appears in a data dump of the PostgreSQL database`
      : `no ${noun} appears in any file of the PGlite data directory`,
    () => {
      expect(got.database.controlFound).toBe(true);
      expect(got.database.found).toEqual([]);
    },
  );

  it(`no ${noun} appears in any row of any table, read through SQL`, () => {
    expect(got.tables.controlFound).toBe(true);
    expect(got.tables.length).toBeGreaterThan(minTableText);
    expect(got.tables.found).toEqual([]);
  });
}
