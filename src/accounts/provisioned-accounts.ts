import { sql, type Kysely, type Selectable } from 'kysely';
import type { AuditLog } from '../connections/audit.js';
import type { Viewer } from '../connections/repository.js';
import type { Clock } from '../kernel/clock.js';
import { ValidationError } from '../kernel/errors.js';
import { isUuid } from '../kernel/input.js';
import type { NotificationSettingsService } from '../notify/settings.js';
import type { AccountsTable, Database } from '../store/schema.js';
import { parseExternalId } from './account-fields.js';
import { AccountsError } from './errors.js';
import { storedReturnUrls } from './return-urls.js';

/**
 * Accounts as provisioning shows them (provisioning.ts writes them): who may see them, a page of
 * them oldest first with keyset paging, and rows turned into accounts with their contacts and
 * connection counts.
 */

/** Accounts per page when listing: the default and the most. */
export const ACCOUNTS_PAGE_DEFAULT = 50;
export const ACCOUNTS_PAGE_MAX = 100;

export interface ProvisioningDeps {
  db: Kysely<Database>;
  clock: Clock;
  audit: AuditLog;
  /** Notify's settings: an account's contacts are the e-mail recipients notify resolves for it. */
  notifications: Pick<NotificationSettingsService, 'resolve'>;
}

/** An account as provisioning shows it. */
export interface ProvisionedAccount {
  id: string;
  name: string;
  externalId: string | null;
  /** The addresses the account's notification e-mails go to. */
  contacts: string[];
  returnUrls: string[];
  defaultReturnUrl: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** All the account's connections, and those not disconnected (`active`: they block deletion). */
  connections: { total: number; active: number };
}

/** One page of accounts, oldest first; `nextCursor` fetches the next (null: none). */
export interface AccountPage {
  accounts: ProvisionedAccount[];
  nextCursor: string | null;
}

type AccountRow = Selectable<AccountsTable>;
type Db = Kysely<Database>;

/** Provisioning is for operators (an operator key, the CLI); others are refused. */
export function requireOperator(viewer: Viewer): void {
  if (viewer.role !== 'operator') {
    throw new AccountsError(
      'FORBIDDEN',
      'only operators provision accounts (use a key that sees every account)',
    );
  }
}

/** Connections per account: all, and not disconnected. One query for the whole page. */
async function connectionCounts(
  db: Db,
  ids: readonly string[],
): Promise<Map<string, { total: number; active: number }>> {
  const counts = new Map<string, { total: number; active: number }>();
  if (ids.length === 0) return counts;
  const rows = await db
    .selectFrom('connections')
    .select((eb) => [
      'account_id',
      eb.fn.countAll().as('total'),
      eb.fn.countAll().filterWhere('state', '<>', 'disconnected').as('active'),
    ])
    .where('account_id', 'in', ids)
    .groupBy('account_id')
    .execute();
  for (const r of rows) counts.set(r.account_id, { total: Number(r.total), active: Number(r.active) });
  return counts;
}

/** Rows as accounts: contacts through notify, connection counts in one query. */
export async function toAccounts(
  deps: ProvisioningDeps,
  rows: readonly AccountRow[],
): Promise<ProvisionedAccount[]> {
  const counts = await connectionCounts(
    deps.db,
    rows.map((r) => r.id),
  );
  const contacts: string[][] = [];
  for (const r of rows) contacts.push((await deps.notifications.resolve(r.id)).recipients);
  return rows.map((r, i) => ({
    id: r.id,
    name: r.name,
    externalId: r.external_id,
    contacts: contacts[i]!,
    returnUrls: storedReturnUrls(r.return_urls),
    defaultReturnUrl: r.default_return_url,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    connections: counts.get(r.id) ?? { total: 0, active: 0 },
  }));
}

const CURSOR_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** The cursor after a row: its creation time to the microsecond (as PostgreSQL keeps it) and its id. */
function encodeCursor(at: string, id: string): string {
  return Buffer.from(`${at}|${id}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { at: string; id: string } {
  const [at, id, extra] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (extra !== undefined || !at || !CURSOR_AT.test(at) || !id || !isUuid(id)) {
    throw new ValidationError(
      'cursor is not one this API gave (pass nextCursor as it was answered)',
      'cursor',
    );
  }
  return { at, id };
}

/** Accounts oldest first, by (created_at, id), optionally only the one with `externalId`. */
export async function listProvisionedAccounts(
  deps: ProvisioningDeps,
  viewer: Viewer,
  options: { externalId?: string; limit?: number; cursor?: string } = {},
): Promise<AccountPage> {
  requireOperator(viewer);
  const limit = options.limit ?? ACCOUNTS_PAGE_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > ACCOUNTS_PAGE_MAX) {
    throw new ValidationError(`limit must be 1-${ACCOUNTS_PAGE_MAX}`, 'limit');
  }
  const after = options.cursor === undefined ? null : decodeCursor(options.cursor);
  let q = deps.db
    .selectFrom('accounts')
    .selectAll()
    .select(
      sql<string>`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('cursor_at'),
    );
  if (options.externalId !== undefined) {
    q = q.where('external_id', '=', parseExternalId(options.externalId));
  }
  if (after) q = q.where(sql<boolean>`(created_at, id) > (${after.at}::timestamptz, ${after.id}::uuid)`);
  const rows = await q
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    accounts: await toAccounts(deps, page),
    nextCursor: rows.length > limit && last ? encodeCursor(last.cursor_at, last.id) : null,
  };
}
