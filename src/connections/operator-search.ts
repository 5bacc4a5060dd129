import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import { DAY } from '../kernel/clock.js';
import { ValidationError } from '../kernel/errors.js';
import { isUuid, textProblem } from '../kernel/input.js';
import { EXPIRY_WARNING_DAYS } from '../lifecycle/health.js';
import type { AmazonApi, ConnectionState, Database, RegionCode } from '../store/schema.js';
import { ConnectionsError } from './errors.js';
import { selectConnections, toConnection, type Connection, type Viewer } from './repository.js';

/**
 * The operators' search over every connection of every account and both APIs (the console's
 * `/operator/connections`). Read-only. Built to stay fast at 100,000 connections on PostgreSQL:
 *
 * - every predicate is one an index answers (migration 0018: prefix matches on
 *   `lower(selling_partner_id)`, `lower(store_name)` and `lower(accounts.name)` with
 *   `text_pattern_ops`; `(state, expires_at)`, `(api, state)`, `account_id`, the primary key);
 * - pages are keyset pages over `(created_at, id)` (newest first), never OFFSET, so page 2,000 costs
 *   what page 1 does; Next and Previous links carry an opaque cursor;
 * - the page's rows get their health (lifecycle/health.ts, the one owner of the state words) in a
 *   second query by primary key, for at most one page of ids.
 *
 * The state filter is the lifecycle state with time applied (`Health.lifecycle`, lifecycle's
 * `timedState`): the predicates below say in SQL what `timedState` says in code, and the tests check
 * that both agree on every seeded connection.
 * @see https://www.postgresql.org/docs/current/indexes-opclass.html
 * @see https://www.postgresql.org/docs/current/queries-limit.html
 */

/** Rows per page. */
export const OPERATOR_PAGE_SIZE = 50;
/** The longest search text taken. */
export const SEARCH_MAX = 200;
/** The widest "expiring within N days" window (a public app's authorization lasts 365 days). */
export const EXPIRING_MAX_DAYS = 366;

/** Every state the filter offers: the lifecycle states with time applied. */
export const LIFECYCLE_STATES: readonly ConnectionState[] = [
  'active',
  'expiring',
  'expired',
  'revoked',
  'error',
  'disconnected',
];

/** What to search for; every field is optional and they combine with AND. */
export interface OperatorConnectionFilters {
  /**
   * Case-insensitive prefix of the seller id, the store name or the account name; a whole
   * connection or account id also matches.
   */
  q?: string;
  /** The lifecycle state with time applied (`Health.lifecycle`). */
  state?: ConnectionState;
  region?: RegionCode;
  api?: AmazonApi;
  /** Live connections whose authorization ends within this many days (and has not ended yet). */
  expiringWithinDays?: number;
  /** One account's connections. */
  accountId?: string;
}

/** A search and the page wanted: `after` (Next) or `before` (Previous) a cursor of an earlier page. */
export interface OperatorConnectionQuery extends OperatorConnectionFilters {
  after?: string;
  before?: string;
  /** Rows per page (default OPERATOR_PAGE_SIZE, at most 200). */
  limit?: number;
}

/** One row of the search: the connection (with its health), its account and application. */
export interface OperatorConnectionRow {
  connection: Connection;
  accountName: string;
  applicationName: string | null;
}

/** One page of the search. */
export interface OperatorConnectionPage {
  rows: OperatorConnectionRow[];
  /** How many connections match the filters in all. */
  total: number;
  /** The 1-based position of the page's first row among them (0 when the page is empty). */
  from: number;
  /** Cursor of the next page (`after`), or null on the last page. */
  next: string | null;
  /** Cursor of the previous page (`before`), or null on the first page. */
  previous: string | null;
}

/** Encodes a keyset position (sort key values, then the id) as an opaque URL-safe cursor. */
export function encodeCursor(parts: readonly string[]): string {
  return Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}

/** Decodes a cursor of `arity` strings whose last one is a UUID; a ValidationError naming `field` otherwise. */
export function decodeCursor(cursor: string, arity: number, field: string): string[] {
  const invalid = () =>
    new ValidationError('this page link is not valid any more: start from the first page', field);
  if (cursor.length > 1000 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (
    !Array.isArray(parts) ||
    parts.length !== arity ||
    !parts.every((p): p is string => typeof p === 'string' && textProblem(p) === null) ||
    !isUuid(parts[arity - 1]!)
  )
    throw invalid();
  return parts;
}

/** A created_at cursor value: ISO 8601 UTC with microseconds, as `CREATED_KEY` writes it. */
const CREATED_AT_TEXT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/**
 * `created_at` as exact text (microseconds: a JavaScript Date would drop them, and rows created in
 * one transaction share the same timestamp, so the id breaks ties).
 */
const CREATED_KEY = sql<string>`to_char(connections.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** A LIKE pattern matching values that start with `text` (its own % _ \ taken literally). */
export function prefixPattern(text: string): string {
  return `${text.toLowerCase().replace(/[\\%_]/g, '\\$&')}%`;
}

/** Checks the filters before anything is read: ValidationError naming the field. */
export function checkFilters(f: OperatorConnectionFilters): void {
  if (f.q !== undefined && (f.q.length > SEARCH_MAX || textProblem(f.q) !== null))
    throw new ValidationError(`the search takes at most ${SEARCH_MAX} ordinary characters`, 'q');
  if (f.state !== undefined && !LIFECYCLE_STATES.includes(f.state))
    throw new ValidationError(`state must be one of ${LIFECYCLE_STATES.join(', ')}`, 'state');
  if (f.region !== undefined && !['NA', 'EU', 'FE'].includes(f.region))
    throw new ValidationError('region must be NA, EU or FE', 'region');
  if (f.api !== undefined && f.api !== 'sp_api' && f.api !== 'ads')
    throw new ValidationError('api must be sp_api or ads', 'api');
  const days = f.expiringWithinDays;
  if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > EXPIRING_MAX_DAYS))
    throw new ValidationError(`"expiring within" takes 1-${EXPIRING_MAX_DAYS} days`, 'expiring');
  if (f.accountId !== undefined && !isUuid(f.accountId))
    throw new ValidationError('account must be an account id', 'account');
}

type Eb = ExpressionBuilder<Database, 'connections'>;

/** The search text: a prefix of the seller id, store name or account name, or a whole id. */
export function matchesText(eb: Eb, q: string): Expression<SqlBool> {
  const pattern = prefixPattern(q);
  const either: Expression<SqlBool>[] = [
    eb(eb.fn('lower', ['connections.selling_partner_id']), 'like', pattern),
    eb(eb.fn('lower', ['connections.store_name']), 'like', pattern),
    // An array of matching account ids (an InitPlan) keeps this an index condition on account_id.
    sql<SqlBool>`connections.account_id = any(array(select a.id from accounts a where lower(a.name) like ${pattern}))`,
  ];
  if (isUuid(q)) either.push(eb('connections.id', '=', q), eb('connections.account_id', '=', q));
  return eb.or(either);
}

/**
 * The lifecycle state with time applied, in SQL: what lifecycle's `timedState` computes (a connection
 * without a token is disconnected; active/expiring by stored state turn expiring within the warning
 * window and expired at `expires_at`).
 */
export function lifecycleIs(eb: Eb, state: ConnectionState, now: number): Expression<SqlBool> {
  const live = ['active', 'expiring'] as const;
  const hasToken = eb('connections.refresh_token_blob', 'is not', null);
  const at = new Date(now);
  const warnFrom = new Date(now + EXPIRY_WARNING_DAYS * DAY);
  switch (state) {
    case 'disconnected':
      return eb.or([
        eb('connections.state', '=', 'disconnected'),
        eb('connections.refresh_token_blob', 'is', null),
      ]);
    case 'revoked':
    case 'error':
      return eb.and([hasToken, eb('connections.state', '=', state)]);
    case 'expired':
      return eb.and([
        hasToken,
        eb.or([
          eb('connections.state', '=', 'expired'),
          eb.and([eb('connections.state', 'in', live), eb('connections.expires_at', '<=', at)]),
        ]),
      ]);
    case 'expiring':
      return eb.and([
        hasToken,
        eb('connections.state', 'in', live),
        eb('connections.expires_at', '>', at),
        eb('connections.expires_at', '<=', warnFrom),
      ]);
    case 'active':
      return eb.and([
        hasToken,
        eb('connections.state', 'in', live),
        eb.or([eb('connections.expires_at', 'is', null), eb('connections.expires_at', '>', warnFrom)]),
      ]);
  }
}

/** Live connections (token kept; not revoked, expired or disconnected) ending within `days` days. */
function expiringWithin(eb: Eb, days: number, now: number): Expression<SqlBool> {
  return eb.and([
    eb('connections.refresh_token_blob', 'is not', null),
    eb('connections.state', 'in', ['active', 'expiring', 'error']),
    eb('connections.expires_at', '>', new Date(now)),
    eb('connections.expires_at', '<=', new Date(now + days * DAY)),
  ]);
}

/** Every filter as one predicate (true when there are none). */
function filterPredicate(f: OperatorConnectionFilters, now: number) {
  return (eb: Eb): Expression<SqlBool> => {
    const all: Expression<SqlBool>[] = [];
    const q = f.q?.trim();
    if (q) all.push(matchesText(eb, q));
    if (f.state) all.push(lifecycleIs(eb, f.state, now));
    if (f.region) all.push(eb('connections.region', '=', f.region));
    if (f.api) all.push(eb('connections.api', '=', f.api));
    if (f.expiringWithinDays !== undefined) all.push(expiringWithin(eb, f.expiringWithinDays, now));
    if (f.accountId) all.push(eb('connections.account_id', '=', f.accountId));
    return eb.and(all);
  };
}

/** A decoded connections cursor: created_at text and id. */
function connectionCursor(cursor: string, field: string): [string, string] {
  const [at, id] = decodeCursor(cursor, 2, field) as [string, string];
  if (!CREATED_AT_TEXT.test(at))
    throw new ValidationError('this page link is not valid any more: start from the first page', field);
  return [at, id];
}

/** `(created_at, id)` compared with a cursor position: `<` is "after" in newest-first order. */
function beyond(op: '<' | '>' | '>=', [at, id]: [string, string]) {
  return sql<SqlBool>`(connections.created_at, connections.id) ${sql.raw(op)} (cast(${at} as timestamptz), cast(${id} as uuid))`;
}

/**
 * Below this many matches a page is read filter first (the matches through the filters' indexes,
 * then sorted); above it by walking the `(created_at, id)` index and filtering, which finds a page
 * quickly when matches are that common. Without the count, PostgreSQL picks the index walk whenever
 * it overestimates the matches (a prefix of account names, clustered old rows) and reads the whole
 * index to find a handful; the total shown on the page is counted anyway.
 */
export const FILTER_FIRST_BELOW = 10_000;

/** Where a page starts: its cursor and direction (none: the first page). */
interface PagePosition {
  cursor: [string, string] | null;
  backwards: boolean;
}

/** The position a query asks for (a bad cursor throws a ValidationError naming its field). */
function positionOf(query: OperatorConnectionQuery): PagePosition {
  if (query.before !== undefined)
    return { cursor: connectionCursor(query.before, 'before'), backwards: true };
  if (query.after !== undefined) return { cursor: connectionCursor(query.after, 'after'), backwards: false };
  return { cursor: null, backwards: false };
}

/**
 * One page of ids and sort keys, newest first; `more`: another page lies beyond it (limit + 1 rows
 * are read). `filterFirst` materializes the matches before sorting (see FILTER_FIRST_BELOW).
 */
async function pageKeys(
  db: Kysely<Database>,
  where: ReturnType<typeof filterPredicate>,
  at: PagePosition,
  limit: number,
  filterFirst: boolean,
): Promise<{ keys: { id: string; k: string }[]; more: boolean }> {
  const direction = at.backwards ? 'asc' : 'desc';
  let matches = db
    .selectFrom('connections')
    .select(['connections.id', 'connections.created_at'])
    .where(where);
  if (at.cursor) matches = matches.where(beyond(at.backwards ? '>' : '<', at.cursor));
  const rows = filterFirst
    ? await db
        .with(
          (cte) => cte('m').materialized(),
          () => matches,
        )
        .selectFrom('m')
        .select([
          'm.id',
          sql<string>`to_char(m.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('k'),
        ])
        .orderBy('m.created_at', direction)
        .orderBy('m.id', direction)
        .limit(limit + 1)
        .execute()
    : await matches
        .clearSelect()
        .select(['connections.id', CREATED_KEY.as('k')])
        .orderBy('connections.created_at', direction)
        .orderBy('connections.id', direction)
        .limit(limit + 1)
        .execute();
  const keys = rows.slice(0, limit);
  return { keys: at.backwards ? keys.reverse() : keys, more: rows.length > limit };
}

/**
 * How many connections match, and how many of them lie ahead of the cursor (newest first): at or
 * after it for Next (the cursor is the previous page's last row), after it for Previous.
 */
async function counts(
  db: Kysely<Database>,
  where: ReturnType<typeof filterPredicate>,
  at: PagePosition,
): Promise<{ total: number; ahead: number }> {
  const ahead = at.cursor ? beyond(at.backwards ? '>' : '>=', at.cursor) : sql<SqlBool>`false`;
  const row = await db
    .selectFrom('connections')
    .select((eb) => [
      eb.fn.countAll<string | number | bigint>().as('total'),
      sql<string | number | bigint>`count(*) filter (where ${ahead})`.as('ahead'),
    ])
    .where(where)
    .executeTakeFirstOrThrow();
  return { total: Number(row.total), ahead: Number(row.ahead) };
}

/** The page's connections with their health, account and application, in the page's order. */
async function pageRows(db: Kysely<Database>, ids: string[], now: number): Promise<OperatorConnectionRow[]> {
  if (ids.length === 0) return [];
  const rows = await selectConnections(db)
    .innerJoin('accounts', 'accounts.id', 'connections.account_id')
    .select('accounts.name as account_name')
    .where('connections.id', 'in', ids)
    .execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const r = byId.get(id);
    return r
      ? [{ connection: toConnection(r, now), accountName: r.account_name, applicationName: r.app_name }]
      : [];
  });
}

/**
 * One page of every connection matching the filters, newest first (operators only: anyone else gets
 * CONNECTION_NOT_FOUND, as for another account's connection). Bad filters or a bad cursor throw a
 * ValidationError naming the field, before anything is read. `tuning.filterFirstBelow` overrides
 * FILTER_FIRST_BELOW (tests read pages both ways).
 */
export async function searchConnections(
  db: Kysely<Database>,
  viewer: Viewer,
  query: OperatorConnectionQuery,
  now: number,
  tuning: { filterFirstBelow?: number } = {},
): Promise<OperatorConnectionPage> {
  if (viewer.role !== 'operator') throw new ConnectionsError('CONNECTION_NOT_FOUND', 'operators only');
  checkFilters(query);
  const limit = Math.min(200, Math.max(1, Math.trunc(query.limit ?? OPERATOR_PAGE_SIZE)));
  const where = filterPredicate(query, now);
  let at = positionOf(query);
  const { total, ahead } = await counts(db, where, at);
  const filterFirst = total < (tuning.filterFirstBelow ?? FILTER_FIRST_BELOW);
  let { keys, more } = await pageKeys(db, where, at, limit, filterFirst);
  // Previous from near the start: less than a page is left before it, so show the first page whole.
  if (at.backwards && !more) {
    at = { cursor: null, backwards: false };
    ({ keys, more } = await pageKeys(db, where, at, limit, filterFirst));
  }
  // Rows ahead of the page's first row: all ahead of a Next cursor; those ahead of a Previous cursor but this page's.
  const before = at.cursor === null ? 0 : at.backwards ? Math.max(0, ahead - keys.length) : ahead;
  const first = keys[0];
  const last = keys[keys.length - 1];
  return {
    rows: await pageRows(
      db,
      keys.map((k) => k.id),
      now,
    ),
    total,
    from: first ? before + 1 : 0,
    next: last && before + keys.length < total ? encodeCursor([last.k, last.id]) : null,
    previous: first && before > 0 ? encodeCursor([first.k, first.id]) : null,
  };
}
