import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import {
  decodeCursor,
  encodeCursor,
  OPERATOR_PAGE_SIZE,
  prefixPattern,
  SEARCH_MAX,
} from '../connections/operator-search.js';
import { ValidationError } from '../kernel/errors.js';
import { isUuid, textProblem } from '../kernel/input.js';
import type { Database, UserRole } from '../store/schema.js';
import { storedReturnUrls } from './return-urls.js';

/**
 * Read-only views of accounts for the operators' console (`/operator/accounts`): a keyset-paged,
 * searchable list (newest first, never OFFSET) with each account's user and connection counts, and
 * one account with its users and embedding settings. Accounts are written elsewhere (service.ts,
 * provisioning); nothing here changes a row.
 * @see https://www.postgresql.org/docs/current/queries-limit.html
 */

/** One account in the list. */
export interface AccountSummary {
  id: string;
  name: string;
  externalId: string | null;
  createdAt: Date;
  users: number;
  connections: number;
}

/** One page of the account list. */
export interface AccountListPage {
  rows: AccountSummary[];
  total: number;
  /** The 1-based position of the first row (0 when empty). */
  from: number;
  next: string | null;
  previous: string | null;
}

/** A user of an account as the console shows it (never the password hash). */
export interface AccountUser {
  id: string;
  username: string;
  role: UserRole;
  email: string | null;
  createdAt: Date;
}

/** One account with its users and embedding settings. */
export interface AccountDetails {
  id: string;
  name: string;
  externalId: string | null;
  createdAt: Date;
  /** The return-URL allow-list of connect links (accounts/return-urls.ts). */
  returnUrls: string[];
  defaultReturnUrl: string | null;
  users: AccountUser[];
}

/** A search of the account list and the page wanted. */
export interface AccountQuery {
  /** Case-insensitive prefix of the name or external id; a whole account id also matches. */
  q?: string;
  after?: string;
  before?: string;
  limit?: number;
}

type Eb = ExpressionBuilder<Database, 'accounts'>;

/** `created_at` as exact text (microseconds) for the cursor. */
const CREATED_KEY = sql<string>`to_char(accounts.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const CREATED_AT_TEXT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** The search as one predicate (true without one). */
function searchPredicate(q: string | undefined) {
  return (eb: Eb): Expression<SqlBool> => {
    const text = q?.trim();
    if (!text) return eb.and([]);
    const pattern = prefixPattern(text);
    const either: Expression<SqlBool>[] = [
      eb(eb.fn('lower', ['accounts.name']), 'like', pattern),
      eb(eb.fn('lower', ['accounts.external_id']), 'like', pattern),
    ];
    if (isUuid(text)) either.push(eb('accounts.id', '=', text));
    return eb.or(either);
  };
}

/** A decoded account cursor (created_at text, id). */
function accountCursor(cursor: string, field: string): [string, string] {
  const [at, id] = decodeCursor(cursor, 2, field) as [string, string];
  if (!CREATED_AT_TEXT.test(at))
    throw new ValidationError('this page link is not valid any more: start from the first page', field);
  return [at, id];
}

/** `(created_at, id)` against a cursor: `<` is "after" in newest-first order. */
function beyond(op: '<' | '>', [at, id]: [string, string]) {
  return sql<SqlBool>`(accounts.created_at, accounts.id) ${sql.raw(op)} (cast(${at} as timestamptz), cast(${id} as uuid))`;
}

/** One page of ids and keys (newest first); `more`: another page lies beyond it. */
async function pageKeys(db: Kysely<Database>, query: AccountQuery, limit: number) {
  const backwards = query.before !== undefined;
  const cursor = backwards
    ? accountCursor(query.before!, 'before')
    : query.after !== undefined
      ? accountCursor(query.after, 'after')
      : null;
  const direction = backwards ? 'asc' : 'desc';
  let q = db
    .selectFrom('accounts')
    .select(['accounts.id', CREATED_KEY.as('k')])
    .where(searchPredicate(query.q));
  if (cursor) q = q.where(beyond(backwards ? '>' : '<', cursor));
  const rows = await q
    .orderBy('accounts.created_at', direction)
    .orderBy('accounts.id', direction)
    .limit(limit + 1)
    .execute();
  const keys = rows.slice(0, limit);
  return { keys: backwards ? keys.reverse() : keys, more: rows.length > limit };
}

/** The page's accounts with their counts, in the page's order. */
async function summaries(db: Kysely<Database>, ids: string[]): Promise<AccountSummary[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('accounts')
    .select(['accounts.id', 'accounts.name', 'accounts.external_id', 'accounts.created_at'])
    .select((eb) => [
      eb
        .selectFrom('users')
        .select((u) => u.fn.countAll<string | number | bigint>().as('n'))
        .whereRef('users.account_id', '=', 'accounts.id')
        .as('users'),
      eb
        .selectFrom('connections')
        .select((c) => c.fn.countAll<string | number | bigint>().as('n'))
        .whereRef('connections.account_id', '=', 'accounts.id')
        .as('connections'),
    ])
    .where('accounts.id', 'in', ids)
    .execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const r = byId.get(id);
    if (!r) return [];
    return [
      {
        id: r.id,
        name: r.name,
        externalId: r.external_id,
        createdAt: r.created_at,
        users: Number(r.users ?? 0),
        connections: Number(r.connections ?? 0),
      },
    ];
  });
}

/** Checks a search before anything is read. */
function checkQuery(query: AccountQuery): void {
  if (query.q !== undefined && (query.q.length > SEARCH_MAX || textProblem(query.q) !== null))
    throw new ValidationError(`the search takes at most ${SEARCH_MAX} ordinary characters`, 'q');
}

/** One page of accounts matching the search, newest first, with user and connection counts. */
export async function listAccountPage(db: Kysely<Database>, query: AccountQuery): Promise<AccountListPage> {
  checkQuery(query);
  const limit = Math.min(200, Math.max(1, Math.trunc(query.limit ?? OPERATOR_PAGE_SIZE)));
  const wanted = await pageKeys(db, query, limit);
  // Previous from near the start: less than a page is left before it, so show the first page whole.
  const keys =
    query.before !== undefined && !wanted.more
      ? (await pageKeys(db, { ...(query.q === undefined ? {} : { q: query.q }) }, limit)).keys
      : wanted.keys;
  const first = keys[0];
  const last = keys[keys.length - 1];
  const ahead = first ? beyond('>', [first.k, first.id]) : sql<SqlBool>`false`;
  const counted = await db
    .selectFrom('accounts')
    .select((eb) => [
      eb.fn.countAll<string | number | bigint>().as('total'),
      sql<string | number | bigint>`count(*) filter (where ${ahead})`.as('before'),
    ])
    .where(searchPredicate(query.q))
    .executeTakeFirstOrThrow();
  const total = Number(counted.total);
  const before = Number(counted.before);
  return {
    rows: await summaries(
      db,
      keys.map((k) => k.id),
    ),
    total,
    from: first ? before + 1 : 0,
    next: last && before + keys.length < total ? encodeCursor([last.k, last.id]) : null,
    previous: first && before > 0 ? encodeCursor([first.k, first.id]) : null,
  };
}

/** One account with its users (oldest first) and embedding settings, or null when there is none. */
export async function accountDetails(db: Kysely<Database>, id: string): Promise<AccountDetails | null> {
  if (!isUuid(id)) return null;
  const row = await db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return null;
  const users = await db
    .selectFrom('users')
    .select(['id', 'username', 'role', 'email', 'created_at'])
    .where('account_id', '=', id)
    .orderBy('created_at')
    .orderBy('username')
    .execute();
  return {
    id: row.id,
    name: row.name,
    externalId: row.external_id,
    createdAt: row.created_at,
    returnUrls: storedReturnUrls(row.return_urls),
    defaultReturnUrl: row.default_return_url,
    users: users.map((u) => ({
      id: u.id,
      username: u.username,
      role: u.role,
      email: u.email,
      createdAt: u.created_at,
    })),
  };
}
