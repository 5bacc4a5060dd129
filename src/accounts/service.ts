import type { Kysely } from 'kysely';
import type { Clock } from '../kernel/clock.js';
import { silentLogger, type Logger } from '../kernel/log.js';
import type { Random } from '../kernel/random.js';
import type { Database, UserRole } from '../store/schema.js';
import { AccountsError } from './errors.js';
import {
  checkPasswordStrength,
  DEFAULT_HASHING,
  dummyHash,
  hashPassword,
  verifyPassword,
  type PasswordHashing,
} from './passwords.js';
import { createLoginThrottle, DEFAULT_THROTTLE, isRefusal, type ThrottlePolicy } from './throttle.js';
import { hashToken, newOpaqueToken } from '../kernel/opaque-token.js';
import { isUuid } from '../kernel/input.js';

/** Session lifetimes: idle (sliding) and absolute. */
export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = {
  idleMs: 12 * 3_600_000,
  absoluteMs: 7 * 24 * 3_600_000,
};

export interface AccountsDeps {
  db: Kysely<Database>;
  clock: Clock;
  random: Random;
  hashing?: PasswordHashing;
  throttle?: Partial<ThrottlePolicy>;
  sessions?: Partial<SessionPolicy>;
  /** Failed and refused sign-ins are logged (never the password). */
  logger?: Logger;
}

export interface Account {
  id: string;
  name: string;
  createdAt: Date;
}

export interface User {
  id: string;
  accountId: string | null;
  username: string;
  role: UserRole;
  email: string | null;
}

/** The signed-in user behind a session cookie. */
export interface SessionUser extends User {
  sessionHash: string;
  csrfToken: string;
}

const USERNAME = /^[A-Za-z0-9._@+-]{3,64}$/;

/** Accounts, users, password login with throttling, and database-backed sessions. */
export function createAccounts(deps: AccountsDeps) {
  const { db, clock, random } = deps;
  const hashing = deps.hashing ?? DEFAULT_HASHING;
  const throttle = createLoginThrottle(db, clock, { ...DEFAULT_THROTTLE, ...deps.throttle });
  const sessionPolicy = { ...DEFAULT_SESSION_POLICY, ...deps.sessions };
  const dummy = dummyHash(hashing);
  const logger = deps.logger ?? silentLogger;

  const findLogin = (username: string) =>
    db
      .selectFrom('users')
      .select(['id', 'account_id', 'username', 'role', 'email', 'password_hash'])
      .where((eb) => eb(eb.fn('lower', ['username']), '=', username.toLowerCase()))
      .executeTakeFirst();

  const toUser = (row: {
    id: string;
    account_id: string | null;
    username: string;
    role: UserRole;
    email: string | null;
  }): User => ({
    id: row.id,
    accountId: row.account_id,
    username: row.username,
    role: row.role,
    email: row.email,
  });

  return {
    /** Creates an account (a seller business). */
    async createAccount(name: string): Promise<Account> {
      const trimmed = name.trim();
      if (!trimmed || trimmed.length > 200)
        throw new AccountsError('FORBIDDEN', 'an account name needs 1-200 characters');
      const row = await db
        .insertInto('accounts')
        .values({ name: trimmed })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { id: row.id, name: row.name, createdAt: row.created_at };
    },

    /** Lists accounts, oldest first. */
    async listAccounts(): Promise<Account[]> {
      const rows = await db.selectFrom('accounts').selectAll().orderBy('created_at').orderBy('id').execute();
      return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at }));
    },

    /** Finds an account by id or exact name. */
    async findAccount(idOrName: string): Promise<Account | null> {
      const byId = isUuid(idOrName);
      const row = await db
        .selectFrom('accounts')
        .selectAll()
        .where((eb) =>
          byId ? eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]) : eb('name', '=', idOrName),
        )
        .executeTakeFirst();
      return row ? { id: row.id, name: row.name, createdAt: row.created_at } : null;
    },

    /** Adds a user: an owner or member of an account, or an operator (no account, sees all). */
    async addUser(input: {
      accountId: string | null;
      username: string;
      password: string;
      role: UserRole;
      email?: string;
    }): Promise<User> {
      if (!USERNAME.test(input.username)) {
        throw new AccountsError('FORBIDDEN', 'usernames need 3-64 letters, digits or . _ @ + -');
      }
      if ((input.role === 'operator') !== (input.accountId === null)) {
        throw new AccountsError('FORBIDDEN', 'operators have no account; owners and members need one');
      }
      checkPasswordStrength(input.password);
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
          password_hash: await hashPassword(input.password, random, hashing),
          role: input.role,
          email: input.email ?? null,
        })
        .returning(['id', 'account_id', 'username', 'role', 'email'])
        .executeTakeFirstOrThrow();
      return toUser(row);
    },

    /**
     * Checks a username and password within the sign-in limits (throttle.ts): a password is checked
     * only after the client address and the username each got a slot, so parallel attempts never
     * check more than the limits allow; a refusal (AUTH_THROTTLED) says which limit and until when.
     */
    async authenticate(username: string, password: string, ip: string | null): Promise<User> {
      const attempt = await throttle.begin(username, ip);
      if (isRefusal(attempt)) {
        logger.info({ ip, limit: attempt.scope }, 'sign-in refused: too many failed attempts');
        throw new AccountsError('AUTH_THROTTLED', 'too many failed sign-ins; try again later', {
          details: {
            scope: attempt.scope,
            retryAt: attempt.retryAt.toISOString(),
            retryAfterSeconds: Math.max(1, Math.ceil((attempt.retryAt.getTime() - clock.now()) / 1000)),
          },
        });
      }
      let row: Awaited<ReturnType<typeof findLogin>>;
      let ok: boolean;
      try {
        row = await findLogin(username);
        ok = await verifyPassword(password, row?.password_hash ?? dummy);
      } catch (err) {
        await throttle.abandoned(attempt);
        throw err;
      }
      if (!row || !ok) {
        await throttle.failed(attempt);
        // One line per checked password (the username only when it exists: people type passwords there).
        logger.warn({ user: row?.username ?? null, ip }, 'sign-in failed');
        throw new AccountsError('AUTH_INVALID_CREDENTIALS', 'wrong username or password');
      }
      await throttle.succeeded(attempt);
      return toUser(row);
    },

    /** Starts a session: returns the cookie value (stored only as a hash) and the CSRF token. */
    async createSession(userId: string, meta: { ip: string | null; userAgent: string | null }) {
      const token = newOpaqueToken(random);
      const csrf = newOpaqueToken(random).value;
      const now = clock.now();
      const expiresAt = new Date(now + sessionPolicy.absoluteMs);
      await db
        .insertInto('sessions')
        .values({
          id_hash: token.hash,
          user_id: userId,
          csrf_token: csrf,
          created_at: new Date(now),
          last_seen_at: new Date(now),
          expires_at: expiresAt,
          ip: meta.ip,
          user_agent: meta.userAgent?.slice(0, 300) ?? null,
        })
        .execute();
      return { token: token.value, csrfToken: csrf, expiresAt };
    },

    /** The user behind a session cookie, or null when unknown, idle too long or expired. */
    async resolveSession(token: string | undefined): Promise<SessionUser | null> {
      if (!token || token.length > 100) return null;
      const hash = hashToken(token);
      const now = clock.now();
      const row = await db
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .select(['users.id', 'users.account_id', 'users.username', 'users.role', 'users.email'])
        .select(['sessions.csrf_token', 'sessions.last_seen_at', 'sessions.expires_at'])
        .where('sessions.id_hash', '=', hash)
        .executeTakeFirst();
      if (!row) return null;
      if (row.expires_at.getTime() <= now || now - row.last_seen_at.getTime() > sessionPolicy.idleMs) {
        await db.deleteFrom('sessions').where('id_hash', '=', hash).execute();
        return null;
      }
      if (now - row.last_seen_at.getTime() > 60_000) {
        await db
          .updateTable('sessions')
          .set({ last_seen_at: new Date(now) })
          .where('id_hash', '=', hash)
          .execute();
      }
      return { ...toUser(row), sessionHash: hash, csrfToken: row.csrf_token };
    },

    /** Ends a session (logout). */
    async endSession(token: string): Promise<void> {
      await db.deleteFrom('sessions').where('id_hash', '=', hashToken(token)).execute();
    },

    /** Changes a password after checking the current one; ends the user's other sessions. */
    async changePassword(
      userId: string,
      current: string,
      next: string,
      keepSessionHash: string | null,
    ): Promise<void> {
      const row = await db
        .selectFrom('users')
        .select(['password_hash'])
        .where('id', '=', userId)
        .executeTakeFirst();
      if (!row) throw new AccountsError('USER_NOT_FOUND', 'no such user');
      if (!(await verifyPassword(current, row.password_hash))) {
        throw new AccountsError('AUTH_INVALID_CREDENTIALS', 'the current password is wrong');
      }
      checkPasswordStrength(next);
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('users')
          .set({
            password_hash: await hashPassword(next, random, hashing),
            password_changed_at: new Date(clock.now()),
          })
          .where('id', '=', userId)
          .execute();
        let del = trx.deleteFrom('sessions').where('user_id', '=', userId);
        if (keepSessionHash) del = del.where('id_hash', '!=', keepSessionHash);
        await del.execute();
      });
    },

    /** Sets a password without the current one (operator CLI reset). */
    async setPassword(username: string, password: string): Promise<void> {
      checkPasswordStrength(password);
      const hash = await hashPassword(password, random, hashing);
      const row = await db
        .updateTable('users')
        .set({ password_hash: hash, password_changed_at: new Date(clock.now()) })
        .where((eb) => eb(eb.fn('lower', ['username']), '=', username.toLowerCase()))
        .returning('id')
        .executeTakeFirst();
      if (!row) throw new AccountsError('USER_NOT_FOUND', `no user '${username}'`);
      // A reset is a recovery: end every session and lift a sign-in lock on the username.
      await db.deleteFrom('sessions').where('user_id', '=', row.id).execute();
      await throttle.clearUser(username);
    },
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
