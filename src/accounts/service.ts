import { isUuid } from '../kernel/input.js';
import type { UserRole } from '../store/schema.js';
import {
  accountsContext,
  toUser,
  type Account,
  type AccountsContext,
  type AccountsDeps,
  type User,
} from './context.js';
import {
  accountDetails,
  listAccountPage,
  type AccountDetails,
  type AccountListPage,
  type AccountQuery,
} from './directory.js';
import { AccountsError } from './errors.js';
import { checkPasswordStrength, hashPassword } from './passwords.js';
import { createSession, endSession, resolveSession } from './sessions.js';
import { authenticate, changePassword, setPassword } from './sign-in.js';

export {
  DEFAULT_SESSION_POLICY,
  type Account,
  type AccountsDeps,
  type SessionPolicy,
  type SessionUser,
  type User,
} from './context.js';

const USERNAME = /^[A-Za-z0-9._@+-]{3,64}$/;

/** A new user: an owner or member of an account, or an operator (no account). */
export interface NewUser {
  accountId: string | null;
  username: string;
  password: string;
  role: UserRole;
  email?: string;
}

/** Creates an account (a seller business). */
export async function createAccount(ctx: AccountsContext, name: string): Promise<Account> {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > 200)
    throw new AccountsError('FORBIDDEN', 'an account name needs 1-200 characters');
  const row = await ctx.db
    .insertInto('accounts')
    .values({ name: trimmed })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { id: row.id, name: row.name, createdAt: row.created_at };
}

/** Lists accounts, oldest first. */
export async function listAccounts(ctx: AccountsContext): Promise<Account[]> {
  const rows = await ctx.db.selectFrom('accounts').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at }));
}

/** Finds an account by id or exact name. */
export async function findAccount(ctx: AccountsContext, idOrName: string): Promise<Account | null> {
  const byId = isUuid(idOrName);
  const row = await ctx.db
    .selectFrom('accounts')
    .selectAll()
    .where((eb) =>
      byId ? eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]) : eb('name', '=', idOrName),
    )
    .executeTakeFirst();
  return row ? { id: row.id, name: row.name, createdAt: row.created_at } : null;
}

/** Checks a new user's username, role and password before anything is read or written. */
export function checkNewUser(input: NewUser): void {
  if (!USERNAME.test(input.username)) {
    throw new AccountsError('FORBIDDEN', 'usernames need 3-64 letters, digits or . _ @ + -');
  }
  if ((input.role === 'operator') !== (input.accountId === null)) {
    throw new AccountsError('FORBIDDEN', 'operators have no account; owners and members need one');
  }
  checkPasswordStrength(input.password);
}

/** Adds a user: an owner or member of an account, or an operator (no account, sees all). */
export async function addUser(ctx: AccountsContext, input: NewUser): Promise<User> {
  const { db } = ctx;
  checkNewUser(input);
  const existing = await db
    .selectFrom('users')
    .select('id')
    .where((eb) => eb(eb.fn('lower', ['username']), '=', input.username.toLowerCase()))
    .executeTakeFirst();
  if (existing) throw new AccountsError('USER_EXISTS', `the username '${input.username}' is taken`);
  if (input.accountId !== null) {
    const account = await db
      .selectFrom('accounts')
      .select('id')
      .where('id', '=', input.accountId)
      .executeTakeFirst();
    if (!account) throw new AccountsError('ACCOUNT_NOT_FOUND', 'no such account');
  }
  const row = await db
    .insertInto('users')
    .values({
      account_id: input.accountId,
      username: input.username,
      password_hash: await hashPassword(input.password, ctx.random, ctx.hashing),
      role: input.role,
      email: input.email ?? null,
    })
    .returning(['id', 'account_id', 'username', 'role', 'email'])
    .executeTakeFirstOrThrow();
  return toUser(row);
}

/**
 * Accounts, users, password login with throttling, and database-backed sessions. The steps live in
 * this file (accounts and users), sign-in.ts (passwords and the throttle) and sessions.ts.
 */
export function createAccounts(deps: AccountsDeps) {
  const ctx = accountsContext(deps);
  return {
    /** Creates an account (a seller business). */
    createAccount: (name: string): Promise<Account> => createAccount(ctx, name),

    /** Lists accounts, oldest first. */
    listAccounts: (): Promise<Account[]> => listAccounts(ctx),

    /** Finds an account by id or exact name. */
    findAccount: (idOrName: string): Promise<Account | null> => findAccount(ctx, idOrName),

    /** Adds a user: an owner or member of an account, or an operator (no account, sees all). */
    addUser: (input: NewUser): Promise<User> => addUser(ctx, input),

    /** Checks a username and password within the sign-in limits; see `authenticate` in sign-in.ts. */
    authenticate: (username: string, password: string, ip: string | null): Promise<User> =>
      authenticate(ctx, username, password, ip),

    /** Starts a session: returns the cookie value (stored only as a hash) and the CSRF token. */
    createSession: (userId: string, meta: { ip: string | null; userAgent: string | null }) =>
      createSession(ctx, userId, meta),

    /** The user behind a session cookie, or null when unknown, idle too long or expired. */
    resolveSession: (token: string | undefined) => resolveSession(ctx, token),

    /** Ends a session (logout). */
    endSession: (token: string): Promise<void> => endSession(ctx, token),

    /** Changes a password after checking the current one; ends the user's other sessions. */
    changePassword: (
      userId: string,
      current: string,
      next: string,
      keepSessionHash: string | null,
    ): Promise<void> => changePassword(ctx, userId, { current, next }, keepSessionHash),

    /** Sets a password without the current one (operator CLI reset). */
    setPassword: (username: string, password: string): Promise<void> => setPassword(ctx, username, password),

    /** Operators' console: one keyset page of accounts with user and connection counts (directory.ts). */
    listAccountPage: (query: AccountQuery): Promise<AccountListPage> => listAccountPage(ctx.db, query),

    /** Operators' console: one account with its users and embedding settings, or null (directory.ts). */
    accountDetails: (id: string): Promise<AccountDetails | null> => accountDetails(ctx.db, id),
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
