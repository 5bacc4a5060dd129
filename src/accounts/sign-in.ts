import { AccountsError } from './errors.js';
import { toUser, type AccountsContext, type User } from './context.js';
import { checkPasswordStrength, hashPassword, verifyPassword } from './passwords.js';
import { isRefusal, type ThrottleRefusal } from './throttle.js';

/** Password sign-in within the throttle's limits, and password changes and resets. */

/** The AUTH_THROTTLED error for a refused sign-in: which limit, and when to try again. */
export function throttledError(refusal: ThrottleRefusal, now: number): AccountsError {
  return new AccountsError('AUTH_THROTTLED', 'too many failed sign-ins; try again later', {
    details: {
      scope: refusal.scope,
      retryAt: refusal.retryAt.toISOString(),
      retryAfterSeconds: Math.max(1, Math.ceil((refusal.retryAt.getTime() - now) / 1000)),
    },
  });
}

/** The user with this username (any case), with the stored password hash. */
function findLogin(ctx: AccountsContext, username: string) {
  return ctx.db
    .selectFrom('users')
    .select(['id', 'account_id', 'username', 'role', 'email', 'password_hash'])
    .where((eb) => eb(eb.fn('lower', ['username']), '=', username.toLowerCase()))
    .executeTakeFirst();
}

/**
 * Checks a username and password within the sign-in limits (throttle.ts): a password is checked
 * only after the client address and the username each got a slot, so parallel attempts never
 * check more than the limits allow; a refusal (AUTH_THROTTLED) says which limit and until when.
 */
export async function authenticate(
  ctx: AccountsContext,
  username: string,
  password: string,
  ip: string | null,
): Promise<User> {
  const attempt = await ctx.throttle.begin(username, ip);
  if (isRefusal(attempt)) {
    ctx.logger.info({ ip, limit: attempt.scope }, 'sign-in refused: too many failed attempts');
    throw throttledError(attempt, ctx.clock.now());
  }
  let row: Awaited<ReturnType<typeof findLogin>>;
  let ok: boolean;
  try {
    row = await findLogin(ctx, username);
    ok = await verifyPassword(password, row?.password_hash ?? ctx.dummy);
  } catch (err) {
    await ctx.throttle.abandoned(attempt);
    throw err;
  }
  if (!row || !ok) {
    await ctx.throttle.failed(attempt);
    // One line per checked password (the username only when it exists: people type passwords there).
    ctx.logger.warn({ user: row?.username ?? null, ip }, 'sign-in failed');
    throw new AccountsError('AUTH_INVALID_CREDENTIALS', 'wrong username or password');
  }
  await ctx.throttle.succeeded(attempt);
  return toUser(row);
}

/** Changes a password after checking the current one; ends the user's other sessions. */
export async function changePassword(
  ctx: AccountsContext,
  userId: string,
  passwords: { current: string; next: string },
  keepSessionHash: string | null,
): Promise<void> {
  const { db } = ctx;
  const row = await db
    .selectFrom('users')
    .select(['password_hash'])
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!row) throw new AccountsError('USER_NOT_FOUND', 'no such user');
  if (!(await verifyPassword(passwords.current, row.password_hash))) {
    throw new AccountsError('AUTH_INVALID_CREDENTIALS', 'the current password is wrong');
  }
  checkPasswordStrength(passwords.next);
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('users')
      .set({
        password_hash: await hashPassword(passwords.next, ctx.random, ctx.hashing),
        password_changed_at: new Date(ctx.clock.now()),
      })
      .where('id', '=', userId)
      .execute();
    let del = trx.deleteFrom('sessions').where('user_id', '=', userId);
    if (keepSessionHash) del = del.where('id_hash', '!=', keepSessionHash);
    await del.execute();
  });
}

/** Sets a password without the current one (operator CLI reset). */
export async function setPassword(ctx: AccountsContext, username: string, password: string): Promise<void> {
  checkPasswordStrength(password);
  const hash = await hashPassword(password, ctx.random, ctx.hashing);
  const row = await ctx.db
    .updateTable('users')
    .set({ password_hash: hash, password_changed_at: new Date(ctx.clock.now()) })
    .where((eb) => eb(eb.fn('lower', ['username']), '=', username.toLowerCase()))
    .returning('id')
    .executeTakeFirst();
  if (!row) throw new AccountsError('USER_NOT_FOUND', `no user '${username}'`);
  // A reset is a recovery: end every session and lift a sign-in lock on the username.
  await ctx.db.deleteFrom('sessions').where('user_id', '=', row.id).execute();
  await ctx.throttle.clearUser(username);
}
