import { sql, type Kysely, type Selectable, type Updateable } from 'kysely';
import type { AuditLog } from '../connections/audit.js';
import type { Viewer } from '../connections/repository.js';
import type { Clock } from '../kernel/clock.js';
import { ValidationError } from '../kernel/errors.js';
import { isUuid } from '../kernel/input.js';
import {
  parseRecipients,
  resolveSettings,
  updateSettings,
  type NotificationSettings,
  type NotificationSettingsService,
} from '../notify/settings.js';
import type { AccountsTable, Database } from '../store/schema.js';
import { AccountsError } from './errors.js';
import { parseReturnUrl, parseReturnUrlList, returnUrlAllowed, storedReturnUrls } from './return-urls.js';

/**
 * Provisioning accounts (tenants) from the vendor's software (docs/api.md, "Provisioning accounts"):
 * create, upsert by the vendor's own external id (idempotent), list, read, update and delete, with
 * the account's notification contacts (notify's e-mail recipients for the account, written through
 * notify/settings.ts, one writer per table) and the return-URL allow-list connect links check
 * (return-urls.ts). Operators only. Every change is one transaction with its audit entry.
 */

/** The longest account name. */
export const ACCOUNT_NAME_MAX = 200;
/** The vendor's id for an account: 1-200 letters, digits and `. _ : @ / -`. */
export const EXTERNAL_ID = /^[A-Za-z0-9._:@/-]{1,200}$/;
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

/** Fields of an account as given (any may be left out: it is then not changed). */
export interface AccountFields {
  name?: string;
  externalId?: string | null;
  contacts?: readonly string[];
  returnUrls?: readonly string[];
  defaultReturnUrl?: string | null;
}

/** Fields after their checks, normalised as stored. */
interface CheckedFields {
  name?: string;
  externalId?: string | null;
  contacts?: string[];
  returnUrls?: string[];
  defaultReturnUrl?: string | null;
}

/** One page of accounts, oldest first; `nextCursor` fetches the next (null: none). */
export interface AccountPage {
  accounts: ProvisionedAccount[];
  nextCursor: string | null;
}

type AccountRow = Selectable<AccountsTable>;
type Db = Kysely<Database>;

const actorOf = (viewer: Viewer): string => viewer.actor ?? `user:${viewer.username}`;
const userIdOf = (viewer: Viewer): string | null =>
  viewer.actor === undefined && viewer.userId ? viewer.userId : null;

/** Provisioning is for operators (an operator key, the CLI); others are refused. */
export function requireOperator(viewer: Viewer): void {
  if (viewer.role !== 'operator') {
    throw new AccountsError(
      'FORBIDDEN',
      'only operators provision accounts (use a key that sees every account)',
    );
  }
}

/** Checks an external id; throws a ValidationError naming `field`. */
export function parseExternalId(value: unknown, field = 'externalId'): string {
  if (typeof value !== 'string' || !EXTERNAL_ID.test(value)) {
    throw new ValidationError(
      `${field} must be 1-200 letters, digits or . _ : @ / - (the vendor's own id for the account)`,
      field,
    );
  }
  return value;
}

function checkName(value: unknown): string {
  const name = typeof value === 'string' ? value.trim() : '';
  if (!name || name.length > ACCOUNT_NAME_MAX) {
    throw new ValidationError(`name needs 1-${ACCOUNT_NAME_MAX} characters`, 'name');
  }
  return name;
}

function checkContacts(value: unknown): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new ValidationError('contacts must be a list of e-mail addresses', 'contacts');
  }
  try {
    return parseRecipients(value as string[]);
  } catch (err) {
    if (err instanceof ValidationError) throw new ValidationError(`contacts: ${err.message}`, 'contacts');
    throw err;
  }
}

/** Checks every given field on its own (the allow-list and default are checked together later). */
export function checkFields(input: AccountFields): CheckedFields {
  const out: CheckedFields = {};
  if (input.name !== undefined) out.name = checkName(input.name);
  if (input.externalId !== undefined) {
    out.externalId = input.externalId === null ? null : parseExternalId(input.externalId);
  }
  if (input.contacts !== undefined) out.contacts = checkContacts(input.contacts);
  if (input.returnUrls !== undefined) out.returnUrls = parseReturnUrlList(input.returnUrls, 'returnUrls');
  if (input.defaultReturnUrl !== undefined) {
    out.defaultReturnUrl =
      input.defaultReturnUrl === null
        ? null
        : parseReturnUrl(input.defaultReturnUrl, 'defaultReturnUrl').href;
  }
  return out;
}

/** The default return URL (given, else stored) must be allowed by the allow-list (given, else stored). */
function checkDefaultAllowed(fields: CheckedFields, stored: AccountRow | null): void {
  const list = fields.returnUrls ?? storedReturnUrls(stored?.return_urls);
  const chosen =
    fields.defaultReturnUrl !== undefined ? fields.defaultReturnUrl : (stored?.default_return_url ?? null);
  if (chosen === null || returnUrlAllowed(list, new URL(chosen))) return;
  if (fields.defaultReturnUrl !== undefined && fields.defaultReturnUrl !== null) {
    throw new ValidationError(
      'defaultReturnUrl must start with one of the returnUrls (add its prefix to returnUrls)',
      'defaultReturnUrl',
    );
  }
  throw new ValidationError(
    `returnUrls must still allow the account's defaultReturnUrl ${chosen} (change or clear defaultReturnUrl too)`,
    'returnUrls',
  );
}

function notFound(what: string): AccountsError {
  return new AccountsError('ACCOUNT_NOT_FOUND', `there is no account ${what}`);
}

function exists(externalId: string, id: string): AccountsError {
  return new AccountsError(
    'ACCOUNT_EXISTS',
    `account ${id} already has externalId "${externalId}"; use PUT /api/v1/accounts/by-external-id/{externalId} to create or update idempotently`,
    { details: { accountId: id } },
  );
}

async function rowById(db: Db, id: string, lock = false): Promise<AccountRow | undefined> {
  if (!isUuid(id)) return undefined;
  const q = db.selectFrom('accounts').selectAll().where('id', '=', id);
  return lock ? q.forUpdate().executeTakeFirst() : q.executeTakeFirst();
}

async function rowByExternalId(db: Db, externalId: string, lock = false): Promise<AccountRow | undefined> {
  const q = db.selectFrom('accounts').selectAll().where('external_id', '=', externalId);
  return lock ? q.forUpdate().executeTakeFirst() : q.executeTakeFirst();
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
async function toAccounts(
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

/** Saves the account's contacts as notify's e-mail recipients, keeping its other settings. */
async function saveContacts(
  deps: ProvisioningDeps,
  trx: Db,
  viewer: Viewer,
  accountId: string,
  contacts: string[],
  current?: NotificationSettings,
): Promise<void> {
  const now = current ?? (await resolveSettings({ db: trx }, accountId));
  await updateSettings({ db: trx, clock: deps.clock }, viewer, {
    scope: accountId,
    emailEnabled: now.emailEnabled,
    recipients: contacts,
    eventTypes: now.eventTypes,
  });
}

/** Writes an audit entry for an account in the same transaction. */
async function audit(
  deps: ProvisioningDeps,
  trx: Db,
  viewer: Viewer,
  entry: { accountId: string | null; action: string; detail: Record<string, unknown> },
): Promise<void> {
  await deps.audit.record(
    {
      accountId: entry.accountId,
      actorUserId: userIdOf(viewer),
      actor: actorOf(viewer),
      action: entry.action,
      outcome: 'success',
      detail: entry.detail,
    },
    trx,
  );
}

/**
 * Inserts a new account with its contacts and audit entry; returns its id, or null when another
 * account took the external id first (nothing written).
 */
async function insertAccount(
  deps: ProvisioningDeps,
  viewer: Viewer,
  fields: CheckedFields & { name: string },
): Promise<string | null> {
  const at = new Date(deps.clock.now());
  return deps.db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('accounts')
      .values({
        name: fields.name,
        external_id: fields.externalId ?? null,
        return_urls: JSON.stringify(fields.returnUrls ?? []),
        default_return_url: fields.defaultReturnUrl ?? null,
        created_at: at,
        updated_at: at,
      })
      .onConflict((oc) => oc.column('external_id').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!row) return null;
    if (fields.contacts !== undefined) await saveContacts(deps, trx, viewer, row.id, fields.contacts);
    await audit(deps, trx, viewer, {
      accountId: row.id,
      action: 'account.created',
      detail: { accountId: row.id, name: fields.name, externalId: fields.externalId ?? null },
    });
    return row.id;
  });
}

/** What an update changes in the row, and whether the contacts change. */
function changesOf(
  row: AccountRow,
  fields: CheckedFields,
  settings: NotificationSettings | null,
): { set: Updateable<AccountsTable>; changed: string[] } {
  const set: Updateable<AccountsTable> = {};
  const changed: string[] = [];
  if (fields.name !== undefined && fields.name !== row.name) set.name = fields.name;
  if (fields.externalId !== undefined && fields.externalId !== row.external_id) {
    set.external_id = fields.externalId;
  }
  const urls = fields.returnUrls === undefined ? undefined : JSON.stringify(fields.returnUrls);
  if (urls !== undefined && urls !== JSON.stringify(storedReturnUrls(row.return_urls)))
    set.return_urls = urls;
  if (fields.defaultReturnUrl !== undefined && fields.defaultReturnUrl !== row.default_return_url) {
    set.default_return_url = fields.defaultReturnUrl;
  }
  const names: Record<string, string> = {
    name: 'name',
    external_id: 'externalId',
    return_urls: 'returnUrls',
    default_return_url: 'defaultReturnUrl',
  };
  for (const column of Object.keys(set)) changed.push(names[column]!);
  const contacts = fields.contacts;
  if (
    contacts !== undefined &&
    settings !== null &&
    (settings.isDefault || JSON.stringify(settings.recipients) !== JSON.stringify(contacts))
  ) {
    changed.push('contacts');
  }
  return { set, changed };
}

/** Refuses an external id another account holds. */
async function checkExternalIdFree(
  db: Db,
  externalId: string | null | undefined,
  self: string,
): Promise<void> {
  if (externalId === undefined || externalId === null) return;
  const other = await rowByExternalId(db, externalId);
  if (other && other.id !== self) throw exists(externalId, other.id);
}

/**
 * Applies the given fields to a locked row in one transaction with its audit entry; changes nothing
 * (not even `updated_at`) when every given field already has its value. Returns the changed fields.
 */
async function updateAccount(
  deps: ProvisioningDeps,
  viewer: Viewer,
  find: (trx: Db) => Promise<AccountRow | undefined>,
  fields: CheckedFields,
): Promise<{ id: string; changed: string[] } | null> {
  return deps.db.transaction().execute(async (trx) => {
    const row = await find(trx);
    if (!row) return null;
    checkDefaultAllowed(fields, row);
    await checkExternalIdFree(trx, fields.externalId, row.id);
    const settings = fields.contacts === undefined ? null : await resolveSettings({ db: trx }, row.id);
    const { set, changed } = changesOf(row, fields, settings);
    if (changed.length === 0) return { id: row.id, changed };
    await trx
      .updateTable('accounts')
      .set({ ...set, updated_at: new Date(deps.clock.now()) })
      .where('id', '=', row.id)
      .execute();
    if (changed.includes('contacts')) {
      await saveContacts(deps, trx, viewer, row.id, fields.contacts!, settings!);
    }
    await audit(deps, trx, viewer, {
      accountId: row.id,
      action: 'account.updated',
      detail: { accountId: row.id, changed, externalId: fields.externalId ?? row.external_id },
    });
    return { id: row.id, changed };
  });
}

/** One account by id; ACCOUNT_NOT_FOUND when there is none. */
export async function getProvisionedAccount(
  deps: ProvisioningDeps,
  viewer: Viewer,
  id: string,
): Promise<ProvisionedAccount> {
  requireOperator(viewer);
  const row = await rowById(deps.db, id);
  if (!row) throw notFound(id);
  return (await toAccounts(deps, [row]))[0]!;
}

/** Creates an account; an external id already taken is ACCOUNT_EXISTS naming that account. */
export async function createProvisionedAccount(
  deps: ProvisioningDeps,
  viewer: Viewer,
  input: AccountFields,
): Promise<ProvisionedAccount> {
  requireOperator(viewer);
  const fields = checkFields(input);
  if (fields.name === undefined) throw new ValidationError('name is required', 'name');
  checkDefaultAllowed(fields, null);
  if (fields.externalId) {
    const taken = await rowByExternalId(deps.db, fields.externalId);
    if (taken) throw exists(fields.externalId, taken.id);
  }
  const id = await insertAccount(deps, viewer, { ...fields, name: fields.name });
  if (id === null) {
    const taken = await rowByExternalId(deps.db, fields.externalId!);
    throw exists(fields.externalId!, taken?.id ?? 'unknown');
  }
  return getProvisionedAccount(deps, viewer, id);
}

/**
 * Creates or updates the account with this external id (idempotent: the same request again changes
 * nothing). `created` tells which happened. Creating needs a name.
 */
export async function upsertProvisionedAccount(
  deps: ProvisioningDeps,
  viewer: Viewer,
  externalId: string,
  input: Omit<AccountFields, 'externalId'>,
): Promise<{ account: ProvisionedAccount; created: boolean }> {
  requireOperator(viewer);
  const key = parseExternalId(externalId);
  const { name, contacts, returnUrls, defaultReturnUrl } = input as AccountFields;
  const fields = checkFields({
    ...(name === undefined ? {} : { name }),
    ...(contacts === undefined ? {} : { contacts }),
    ...(returnUrls === undefined ? {} : { returnUrls }),
    ...(defaultReturnUrl === undefined ? {} : { defaultReturnUrl }),
  });
  const find = (trx: Db) => rowByExternalId(trx, key, true);
  for (let attempt = 0; attempt < 2; attempt++) {
    const updated = await updateAccount(deps, viewer, find, fields);
    if (updated) return { account: await getProvisionedAccount(deps, viewer, updated.id), created: false };
    if (fields.name === undefined) {
      throw new ValidationError('name is required to create the account', 'name');
    }
    checkDefaultAllowed(fields, null);
    const id = await insertAccount(deps, viewer, { ...fields, name: fields.name, externalId: key });
    if (id !== null) return { account: await getProvisionedAccount(deps, viewer, id), created: true };
    // Another request created it between our read and insert: update that one instead.
  }
  throw new AccountsError(
    'ACCOUNT_EXISTS',
    `the account with externalId "${key}" changed concurrently; retry`,
  );
}

/** Updates the given fields of an account; ACCOUNT_NOT_FOUND when there is none. */
export async function updateProvisionedAccount(
  deps: ProvisioningDeps,
  viewer: Viewer,
  id: string,
  input: AccountFields,
): Promise<ProvisionedAccount> {
  requireOperator(viewer);
  const fields = checkFields(input);
  const updated = await updateAccount(deps, viewer, (trx) => rowById(trx, id, true), fields);
  if (!updated) throw notFound(id);
  return getProvisionedAccount(deps, viewer, updated.id);
}

/**
 * Deletes an account and everything that belongs to it (the database cascades: users, keys,
 * disconnected connections, notification settings, …). Refused with ACCOUNT_HAS_CONNECTIONS while any
 * connection is not disconnected. The audit entry outlives the account (it names no account row).
 */
export async function deleteProvisionedAccount(
  deps: ProvisioningDeps,
  viewer: Viewer,
  id: string,
): Promise<void> {
  requireOperator(viewer);
  await deps.db.transaction().execute(async (trx) => {
    // Locked first: a connection being added to the account waits for this transaction.
    const row = await rowById(trx, id, true);
    if (!row) throw notFound(id);
    const live = await trx
      .selectFrom('connections')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('account_id', '=', id)
      .where('state', '<>', 'disconnected')
      .executeTakeFirstOrThrow();
    const n = Number(live.n);
    if (n > 0) {
      throw new AccountsError(
        'ACCOUNT_HAS_CONNECTIONS',
        `account ${id} still has ${n} connection${n === 1 ? '' : 's'} that ${n === 1 ? 'is' : 'are'} not disconnected; disconnect ${n === 1 ? 'it' : 'them'} first (portal: Connections → the connection → Disconnect, or \`sellerlink connections disconnect <id>\`), then delete the account`,
        { details: { accountId: id, connections: n } },
      );
    }
    await trx.deleteFrom('accounts').where('id', '=', id).execute();
    await audit(deps, trx, viewer, {
      accountId: null,
      action: 'account.deleted',
      detail: { accountId: id, name: row.name, externalId: row.external_id },
    });
  });
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

/** Provisioning use cases (operators only); see the functions of the same names. */
export function createProvisioning(deps: ProvisioningDeps) {
  return {
    /** Creates an account; ACCOUNT_EXISTS when its external id is taken. */
    create: (viewer: Viewer, input: AccountFields) => createProvisionedAccount(deps, viewer, input),
    /** Creates or updates the account with this external id (idempotent). */
    upsert: (viewer: Viewer, externalId: string, input: Omit<AccountFields, 'externalId'>) =>
      upsertProvisionedAccount(deps, viewer, externalId, input),
    /** One page of accounts, oldest first. */
    list: (viewer: Viewer, options: { externalId?: string; limit?: number; cursor?: string } = {}) =>
      listProvisionedAccounts(deps, viewer, options),
    /** One account; ACCOUNT_NOT_FOUND when there is none. */
    get: (viewer: Viewer, id: string) => getProvisionedAccount(deps, viewer, id),
    /** Updates the given fields; the same values again change nothing. */
    update: (viewer: Viewer, id: string, input: AccountFields) =>
      updateProvisionedAccount(deps, viewer, id, input),
    /** Deletes an account with no connection that is not disconnected. */
    delete: (viewer: Viewer, id: string) => deleteProvisionedAccount(deps, viewer, id),
  };
}

export type Provisioning = ReturnType<typeof createProvisioning>;
