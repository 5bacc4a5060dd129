import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import { ValidationError } from '../kernel/errors.js';
import { HEALTH_STATES, type HealthState } from '../lifecycle/health.js';
import type { AmazonApi, ConnectionState, Database, RegionCode } from '../store/schema.js';
import { checkFilters, decodeCursor, encodeCursor, lifecycleIs, matchesText } from './operator-search.js';
import { selectConnections, toConnection, type Connection, type Viewer } from './repository.js';

/**
 * One page of the connections a viewer may see (the portal's list and `GET /api/v1/connections`),
 * built to stay fast at 100,000 connections on PostgreSQL:
 *
 * - keyset pages in the list's order, region, then seller, then creation (`created_at`, `id` break
 *   ties), never OFFSET: a cursor holds the last row's sort key, and the next page starts after it
 *   through the `(region, selling_partner_id, created_at, id)` indexes (migration 0019; one of them
 *   led by `account_id` for an account's own list);
 * - the filters are SQL predicates the indexes answer (the state with time applied as
 *   operator-search's `lifecycleIs` says it; the search as the operator console's prefix matches);
 *   the health filter is narrowed in SQL and decided by `connectionHealth` (lifecycle/health.ts,
 *   the one owner of the health words) on the rows read;
 * - at most `limit + 1` rows are read per batch, so memory does not grow with the connections.
 * @see https://www.postgresql.org/docs/current/queries-limit.html
 * @see https://www.postgresql.org/docs/current/functions-comparisons.html#ROW-WISE-COMPARISON
 */

/** The most connections one page holds (also the page size when no limit is asked for). */
export const CONNECTION_PAGE_MAX = 1000;

/** A nil UUID: the account of a viewer without one (it matches nothing). */
const NO_ACCOUNT = '00000000-0000-0000-0000-000000000000';

/** What to list; every field is optional and they combine with AND. */
export interface ConnectionListQuery {
  /** One Amazon API, or both (`all`, the default). */
  api?: AmazonApi | 'all';
  /** Operators: one account's connections (anyone else sees their own account only). */
  accountId?: string;
  region?: RegionCode;
  /** The lifecycle state with time applied (`Health.lifecycle`). */
  state?: ConnectionState;
  /** The health state (`Health.state`), or any of several. */
  health?: HealthState | readonly HealthState[];
  /** Case-insensitive prefix of the seller id, the store name or the account name; a whole id also matches. */
  q?: string;
  /** Rows per page (1 to CONNECTION_PAGE_MAX; default CONNECTION_PAGE_MAX). */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

/** One page of connections in list order; `nextCursor` continues after it (null: the last page). */
export interface ConnectionListPage {
  connections: Connection[];
  nextCursor: string | null;
}

type Eb = ExpressionBuilder<Database, 'connections'>;

/** A list position: region, seller, created_at as exact text (microseconds), id. */
type ListKey = [string, string, string, string];

/** `created_at` as exact text (a JavaScript Date would drop the microseconds ties are broken below). */
const CREATED_KEY = sql<string>`to_char(connections.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const CREATED_AT_TEXT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** The cursor's position, or a ValidationError naming `cursor`. */
function decodeListCursor(cursor: string): ListKey {
  const key = decodeCursor(cursor, 4, 'cursor') as ListKey;
  if (!['NA', 'EU', 'FE'].includes(key[0]) || !CREATED_AT_TEXT.test(key[2]))
    throw new ValidationError('this cursor is not one this API gave: start from the first page', 'cursor');
  return key;
}

/** The health states asked for (undefined: any). */
function healthsOf(query: ConnectionListQuery): readonly HealthState[] | undefined {
  const h = query.health;
  return h === undefined ? undefined : typeof h === 'string' ? [h] : h;
}

/** Checks the query before anything is read: ValidationError naming the field. */
function checkQuery(query: ConnectionListQuery): void {
  checkFilters({
    ...(query.q === undefined ? {} : { q: query.q }),
    ...(query.state === undefined ? {} : { state: query.state }),
    ...(query.region === undefined ? {} : { region: query.region }),
    ...(query.api === undefined || query.api === 'all' ? {} : { api: query.api }),
    ...(query.accountId === undefined ? {} : { accountId: query.accountId }),
  });
  if (healthsOf(query)?.some((h) => !HEALTH_STATES.includes(h)))
    throw new ValidationError(`health must be one of ${HEALTH_STATES.join(', ')}`, 'health');
  const limit = query.limit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > CONNECTION_PAGE_MAX))
    throw new ValidationError(`limit takes 1-${CONNECTION_PAGE_MAX}`, 'limit');
}

/**
 * Whether the connection's application is one of `flagged` (those Amazon currently rejects, read
 * first: a handful at most). As a list of values, not a subquery: PostgreSQL then estimates the
 * matches well and keeps walking the list's index when they are common.
 */
function appRejected(eb: Eb, flagged: readonly string[]): Expression<SqlBool> {
  return flagged.length === 0 ? sql<SqlBool>`false` : eb('connections.application_id', 'in', flagged);
}

/**
 * The rows that may have `health` (a superset: `connectionHealth` decides on the rows read). Exact
 * for disconnected and app_rejected; the others follow `connectionHealth`'s order of rules.
 */
export function mayHaveHealth(
  eb: Eb,
  health: HealthState,
  now: number,
  flagged: readonly string[],
): Expression<SqlBool> {
  const live = eb.not(lifecycleIs(eb, 'disconnected', now));
  if (health === 'disconnected') return lifecycleIs(eb, 'disconnected', now);
  if (health === 'app_rejected') return eb.and([live, appRejected(eb, flagged)]);
  const parts: Expression<SqlBool>[] = [live];
  if (flagged.length > 0) parts.push(eb.not(appRejected(eb, flagged)));
  if (health === 'working') parts.push(lifecycleIs(eb, 'active', now));
  if (health === 'renew_needed')
    parts.push(
      eb.or([
        lifecycleIs(eb, 'expired', now),
        lifecycleIs(eb, 'revoked', now),
        lifecycleIs(eb, 'expiring', now),
      ]),
    );
  if (health === 'paused_by_amazon')
    parts.push(
      eb.or([
        eb('connections.state', '=', 'error'),
        eb.and([
          eb('connections.last_error_code', 'is not', null),
          eb('connections.consecutive_failures', '>', 0),
        ]),
      ]),
    );
  return eb.and(parts);
}

/** Every filter (the viewer's scope included) as one predicate; `flagged`: see `mayHaveHealth`. */
function listPredicate(viewer: Viewer, query: ConnectionListQuery, now: number, flagged: readonly string[]) {
  return (eb: Eb): Expression<SqlBool> => {
    const all: Expression<SqlBool>[] = [];
    if (viewer.role !== 'operator')
      all.push(eb('connections.account_id', '=', viewer.accountId ?? NO_ACCOUNT));
    else if (query.accountId) all.push(eb('connections.account_id', '=', query.accountId));
    if (query.api && query.api !== 'all') all.push(eb('connections.api', '=', query.api));
    if (query.region) all.push(eb('connections.region', '=', query.region));
    if (query.state) all.push(lifecycleIs(eb, query.state, now));
    const healths = healthsOf(query);
    if (healths) all.push(eb.or(healths.map((h) => mayHaveHealth(eb, h, now, flagged))));
    const q = query.q?.trim();
    if (q) all.push(matchesText(eb, q));
    return eb.and(all);
  };
}

/** Rows after `key` in list order. */
function after(key: ListKey) {
  const [region, seller, at, id] = key;
  return sql<SqlBool>`(connections.region, connections.selling_partner_id, connections.created_at, connections.id) > (${region}, ${seller}, cast(${at} as timestamptz), cast(${id} as uuid))`;
}

/** The connections of `ids` with their health, in the order of `ids`. */
async function rowsOf(db: Kysely<Database>, ids: string[], now: number): Promise<Map<string, Connection>> {
  if (ids.length === 0) return new Map();
  const rows = await selectConnections(db).where('connections.id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, toConnection(r, now)]));
}

/**
 * One batch in list order after `from`: ids and sort keys of at most `size` rows. Below
 * `FEW_MATCHES` matches of a search the matches are read through the search's indexes and sorted;
 * otherwise the list's index is walked in order and filtered (which finds a page at once when
 * matches are common).
 */
async function batchKeys(
  db: Kysely<Database>,
  where: ReturnType<typeof listPredicate>,
  from: ListKey | null,
  size: number,
  filterFirst: boolean,
): Promise<{ id: string; key: ListKey }[]> {
  let q = db
    .selectFrom('connections')
    .select([
      'connections.id',
      'connections.region',
      'connections.selling_partner_id',
      CREATED_KEY.as('created_key'),
    ])
    .where(where);
  if (from) q = q.where(after(from));
  const ordered = q
    .orderBy('connections.region')
    .orderBy('connections.selling_partner_id')
    .orderBy('connections.created_at')
    .orderBy('connections.id')
    .limit(size);
  const rows = filterFirst
    ? await db
        .with(
          (cte) => cte('m').materialized(),
          () => q.select(['connections.created_at']),
        )
        .selectFrom('m')
        .select(['m.id', 'm.region', 'm.selling_partner_id', 'm.created_key'])
        .orderBy('m.region')
        .orderBy('m.selling_partner_id')
        .orderBy('m.created_at')
        .orderBy('m.id')
        .limit(size)
        .execute()
    : await ordered.execute();
  return rows.map((r) => ({ id: r.id, key: [r.region, r.selling_partner_id, r.created_key, r.id] }));
}

/**
 * Fewer matches of a search than this: read them through the search's indexes, then sort (see
 * `batchKeys`). Counted up to this bound only, so the count itself stays cheap.
 */
export const FEW_MATCHES = 2000;

/** Whether a search matches fewer than FEW_MATCHES rows (no search: false). */
async function fewMatches(
  db: Kysely<Database>,
  where: ReturnType<typeof listPredicate>,
  query: ConnectionListQuery,
): Promise<boolean> {
  if (!query.q?.trim()) return false;
  const row = await db
    .selectFrom((eb) =>
      eb.selectFrom('connections').select('connections.id').where(where).limit(FEW_MATCHES).as('m'),
    )
    .select((eb) => eb.fn.countAll<string | number | bigint>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n) < FEW_MATCHES;
}

/** The applications Amazon currently rejects (their connections' health is app_rejected). */
async function flaggedApplications(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('applications').select('id').where('flagged_at', 'is not', null).execute();
  return rows.map((r) => r.id);
}

/**
 * The fewest rows read per batch when the health filter is decided on the rows read. The SQL
 * narrowing is nearly exact (it misses only the finer points of "Amazon failing"), so a batch is
 * about a page; this floor keeps the loop short when a page is nearly full.
 */
const HEALTH_BATCH_MIN = 50;

/**
 * One page of the connections `viewer` may see (operators: every account's, or `accountId`'s; anyone
 * else: their own account's), in list order, filtered. Bad filters or a bad cursor throw a
 * ValidationError naming the field before anything is read.
 */
export async function listConnectionsPage(
  db: Kysely<Database>,
  viewer: Viewer,
  query: ConnectionListQuery,
  now: number,
): Promise<ConnectionListPage> {
  checkQuery(query);
  const limit = query.limit ?? CONNECTION_PAGE_MAX;
  const healths = healthsOf(query);
  const flagged = healths === undefined ? [] : await flaggedApplications(db);
  const where = listPredicate(viewer, query, now, flagged);
  const filterFirst = await fewMatches(db, where, query);
  const page: { connection: Connection; key: ListKey }[] = [];
  let from = query.cursor === undefined ? null : decodeListCursor(query.cursor);
  // Without a health filter every row read is on the page: one batch. With one, batches until full.
  for (;;) {
    const want = limit + 1 - page.length;
    const size = healths === undefined ? want : Math.max(want, HEALTH_BATCH_MIN);
    const keys = await batchKeys(db, where, from, size, filterFirst);
    const rows = await rowsOf(
      db,
      keys.map((k) => k.id),
      now,
    );
    for (const { id, key } of keys) {
      const connection = rows.get(id);
      if (connection && (healths === undefined || healths.includes(connection.health.state)))
        page.push({ connection, key });
    }
    if (keys.length < size || page.length > limit) break;
    from = keys[keys.length - 1]!.key;
  }
  const shown = page.slice(0, limit);
  const last = shown[shown.length - 1];
  return {
    connections: shown.map((p) => p.connection),
    nextCursor: page.length > limit && last ? encodeCursor(last.key) : null,
  };
}

/**
 * The most connections needing attention the portal's banners look at. Beyond it (an operator over
 * many accounts) the banners count only these; the operators' console lists and counts them all.
 */
export const ATTENTION_MAX = 100;

/** The health states the banners are about: the seller renews, the operator acts, or Amazon pauses. */
const ATTENTION: readonly HealthState[] = ['renew_needed', 'app_rejected', 'paused_by_amazon'];

/**
 * The connections the viewer may see whose health needs attention (renew_needed, app_rejected,
 * paused_by_amazon), in list order, at most `max`: what the banners need, read without loading the
 * connections that are fine.
 */
export async function listAttentionConnections(
  db: Kysely<Database>,
  viewer: Viewer,
  now: number,
  api: AmazonApi | 'all' = 'all',
  max = ATTENTION_MAX,
): Promise<Connection[]> {
  return (await listConnectionsPage(db, viewer, { api, health: ATTENTION, limit: max }, now)).connections;
}
