import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Viewer } from '../connections/repository.js';
import { ValidationError } from '../kernel/errors.js';
import { isUuid } from '../kernel/input.js';
import { resolveSettings, updateSettings, type NotificationSettings } from '../notify/settings.js';
import type { AccountsTable, Database } from '../store/schema.js';
import { AccountsError } from './errors.js';
import {
  requireOperator,
  toAccounts,
  listProvisionedAccounts,
  type ProvisionedAccount,
  type ProvisioningDeps,
} from './provisioned-accounts.js';
import { storedReturnUrls } from './return-urls.js';
import {
  checkDefaultAllowed,
  checkFields,
  parseExternalId,
  type AccountFields,
  type CheckedFields,
} from './account-fields.js';

/**
 * Provisioning accounts (tenants) from the vendor's software (docs/api.md, "Provisioning accounts"):
 * create, upsert by the vendor's own external id (idempotent), list, read, update and delete, with
 * the account's notification contacts (notify's e-mail recipients for the account, written through
 * notify/settings.ts, one writer per table) and the return-URL allow-list connect links check
 * (return-urls.ts). Operators only. Every change is one transaction with its audit entry. The
 * fields' checks are in account-fields.ts; reading and listing accounts in provisioned-accounts.ts.
 */

type AccountRow = Selectable<AccountsTable>;
type Db = Kysely<Database>;

const actorOf = (viewer: Viewer): string => viewer.actor ?? `user:${viewer.username}`;
const userIdOf = (viewer: Viewer): string | null =>
  viewer.actor === undefined && viewer.userId ? viewer.userId : null;

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
