import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { sql, type Kysely, type Selectable } from 'kysely';
import { expect } from 'vitest';
import type { AuditLogTable, ConnectionsTable, Database } from '../../src/store/schema.js';
import { decodeEntities, type BrowserPage, type FetchLike, type HttpBrowser } from './http-browser.js';
import type { TestService } from './service.js';

/** Helpers for the security tests: recording what a browser saw, snapshots, and secret searches. */

/** One HTTP exchange as the browser saw it. */
export interface RecordedExchange {
  method: string;
  url: string;
  status: number;
  headers: [string, string][];
  body: string;
}

/** A fetch that records every response (status, headers and body) before handing it on. */
export function recordingFetch(inner: FetchLike = (request) => fetch(request)): {
  fetch: FetchLike;
  exchanges: RecordedExchange[];
} {
  const exchanges: RecordedExchange[] = [];
  return {
    exchanges,
    async fetch(request) {
      const response = await inner(request);
      const body = await response.clone().text();
      exchanges.push({
        method: request.method,
        url: request.url,
        status: response.status,
        headers: [...response.headers.entries()],
        body,
      });
      return response;
    },
  };
}

/** Signs `browser` in to the portal (any browser, e.g. one over a recording fetch). */
export async function signIn(
  browser: HttpBrowser,
  svc: TestService,
  username = svc.demo.username,
  password = svc.demo.password,
): Promise<void> {
  const page = await browser.get(`${svc.url}/login`);
  const after = await browser.submit(page, { username, password }, { action: '/login' });
  expect(after.url).toBe(`${svc.url}/connections`);
}

/**
 * Every connection row, by id: compare before and after a step that must change nothing. The
 * columns the service's own background work writes (the last successful call to Amazon, recorded
 * after scheduled order imports and health probes) are left out: they move on their own.
 */
export async function connectionRows(
  svc: TestService,
): Promise<Omit<Selectable<ConnectionsTable>, 'last_success_at' | 'last_probe_at' | 'last_probe_outcome'>[]> {
  const rows = await svc.store.db.selectFrom('connections').selectAll().orderBy('id').execute();
  return rows.map(({ last_success_at: _s, last_probe_at: _p, last_probe_outcome: _o, ...rest }) => rest);
}

/** The newest audit entry's id (0 when there is none), to read what a step wrote after it. */
export async function lastAuditId(svc: TestService): Promise<string> {
  const row = await svc.store.db
    .selectFrom('audit_log')
    .select('id')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? String(row.id) : '0';
}

/** Audit entries written after `afterId`, oldest first. */
export async function auditSince(svc: TestService, afterId: string): Promise<Selectable<AuditLogTable>[]> {
  return svc.store.db.selectFrom('audit_log').selectAll().where('id', '>', afterId).orderBy('id').execute();
}

/** What a portal message page says: heading, the banner's data-code and its words. */
export function messageOf(page: BrowserPage): { title: string; code: string | null; message: string } {
  const title = /<h1>([\s\S]*?)<\/h1>/.exec(page.text)?.[1] ?? '';
  const banner = /<p class="banner [a-z]+" data-code="([^"]*)">([\s\S]*?)<\/p>/.exec(page.text);
  return {
    title: decodeEntities(title.replace(/<[^>]*>/g, '').trim()),
    code: banner ? decodeEntities(banner[1]!) : null,
    message: banner ? decodeEntities(banner[2]!.replace(/<[^>]*>/g, '').trim()) : '',
  };
}

/** A secret to look for, with a name that says where it came from (never the value itself). */
export interface NamedSecret {
  name: string;
  /** The secret as text, or raw bytes (e.g. a key). */
  value: string | Buffer;
  /** Random tokens: also look for a 32-character piece of the middle (a truncated or sliced leak). */
  fragment?: boolean;
}

/**
 * The forms a secret could take when written somewhere: as is, hex (how PostgreSQL dumps bytea), and
 * base64 / base64url at each of the three byte alignments (the part that does not depend on the
 * bytes around it), so an embedding inside a longer encoded value is found too.
 */
export function encodedForms(value: string | Buffer): Buffer[] {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const forms = new Map<string, Buffer>();
  const add = (b: Buffer) => forms.set(b.toString('hex'), b);
  add(bytes);
  add(Buffer.from(bytes.toString('hex')));
  for (let skip = 0; skip < 3; skip++) {
    const part = bytes.subarray(skip);
    const usable = part.subarray(0, part.length - (part.length % 3));
    if (usable.length < 12) continue;
    add(Buffer.from(usable.toString('base64')));
    add(Buffer.from(usable.toString('base64url')));
  }
  return [...forms.values()];
}

/** Names of the secrets found in `haystack`, in any of their encoded forms. */
export function secretsIn(haystack: string | Buffer, secrets: NamedSecret[]): string[] {
  const buffer = typeof haystack === 'string' ? Buffer.from(haystack, 'utf8') : haystack;
  return secrets
    .filter((secret) => {
      const forms = encodedForms(secret.value);
      if (secret.fragment && typeof secret.value === 'string' && secret.value.length >= 64) {
        const middle = Math.floor(secret.value.length / 2) - 16;
        forms.push(Buffer.from(secret.value.slice(middle, middle + 32)));
      }
      return forms.some((form) => buffer.includes(form));
    })
    .map((s) => s.name);
}

/** Every regular file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    const stat = statSync(full);
    if (stat.isDirectory()) out.push(...filesUnder(full));
    else if (stat.isFile()) out.push(full);
  }
  return out;
}

/** Names of the secrets found in any file under `dir`, as `secret in relative/path`. */
export function secretsInFiles(dir: string, secrets: NamedSecret[]): string[] {
  const found: string[] = [];
  for (const file of filesUnder(dir)) {
    for (const name of secretsIn(readFileSync(file), secrets))
      found.push(`${name} in ${path.relative(dir, file)}`);
  }
  return found;
}

/** The pg_dump binary: on PATH, else the newest under /usr/lib/postgresql. */
export function pgDumpBinary(): string {
  try {
    execFileSync('pg_dump', ['--version'], { stdio: 'ignore' });
    return 'pg_dump';
  } catch {
    const base = '/usr/lib/postgresql';
    const versions = existsSync(base)
      ? readdirSync(base)
          .filter((v) => existsSync(path.join(base, v, 'bin', 'pg_dump')))
          .sort((a, b) => Number(b) - Number(a))
      : [];
    if (!versions[0]) throw new Error('pg_dump not found on PATH or under /usr/lib/postgresql');
    return path.join(base, versions[0], 'bin', 'pg_dump');
  }
}

/** A plain-text, data-only dump of a PostgreSQL database. */
export function pgDumpData(url: string): string {
  return execFileSync(pgDumpBinary(), ['--data-only', '--format=plain', '--no-owner', url], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 512 * 1024 * 1024,
  });
}

/**
 * Every row of every table outside the system schemas, as JSON text: a logical dump through SQL that
 * also sees values the file search could miss (e.g. TOAST-compressed ones).
 */
export async function allRowsAsText(db: Kysely<Database>): Promise<string> {
  const { rows: tables } = await sql<{ schema: string; name: string }>`
    select table_schema as schema, table_name as name from information_schema.tables
    where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')
    order by 1, 2`.execute(db);
  const out: string[] = [];
  for (const t of tables) {
    const { rows } = await sql<{ row: string }>`
      select row_to_json(t)::text as row from ${sql.table(`${t.schema}.${t.name}`)} t`.execute(db);
    out.push(`-- ${t.schema}.${t.name}`, ...rows.map((r) => r.row));
  }
  return out.join('\n');
}

/**
 * One digest per application table (schema `public`), over every row, to compare before and after
 * steps that must store nothing; per table, so a difference names it. `skip.tables` leaves whole
 * tables out, `skip.columns` (`table.column`) single columns that move on their own.
 */
export async function tableDigests(
  db: Kysely<Database>,
  skip: { tables?: string[]; columns?: string[] } = {},
): Promise<Record<string, string>> {
  const { rows: tables } = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`.execute(db);
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    if (skip.tables?.includes(name)) continue;
    const columns = (skip.columns ?? [])
      .filter((c) => c.startsWith(`${name}.`))
      .map((c) => c.slice(name.length + 1));
    const { rows } = await sql<{ digest: string; n: string }>`
      select md5(coalesce(string_agg(r, E'\n' order by r), '')) as digest, count(*)::text as n
      from (select (to_jsonb(t) - ${columns}::text[])::text as r from ${sql.table(`public.${name}`)} t) x`.execute(
      db,
    );
    out[name] = `${rows[0]!.n} rows ${rows[0]!.digest}`;
  }
  return out;
}
