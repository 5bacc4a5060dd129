import { sql, type Kysely } from 'kysely';
import type { Clock } from '../kernel/clock.js';
import type { Database } from '../store/schema.js';

/** Sign-in limits per username and per client address. */
export interface ThrottlePolicy {
  /** Password checks per username within a window before the username is paused. */
  userMaxFailures: number;
  /** Password checks per client address within a window before that address is paused. */
  ipMaxFailures: number;
  windowMs: number;
  /** How long a pause lasts; it ends by itself (an operator's password reset lifts a username's). */
  lockMs: number;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = {
  userMaxFailures: 5,
  ipMaxFailures: 30,
  windowMs: 15 * 60_000,
  lockMs: 15 * 60_000,
};

/** Which limit refused a sign-in. */
export type ThrottleScope = 'user' | 'address';

/** A password check the throttle allowed: the slots it took, to be settled by its outcome. */
export interface SignInAttempt {
  slots: Slot[];
}

interface Slot {
  key: string;
  max: number;
  /** The window the slot was counted in: settling touches the row only while it is still that window. */
  windowStartedAt: Date;
}

/** Why and until when a sign-in was refused without checking the password. */
export interface ThrottleRefusal {
  scope: ThrottleScope;
  retryAt: Date;
}

const MAX_KEY = 200;

const userKey = (username: string): string => `user:${username.toLowerCase()}`.slice(0, MAX_KEY);
const addressKey = (ip: string): string => `ip:${ip}`.slice(0, MAX_KEY);

/** What the throttle's steps are given. */
interface ThrottleContext {
  db: Kysely<Database>;
  clock: Clock;
  policy: ThrottlePolicy;
}

/** Takes one slot of `key`, or returns null when its limit or a pause refuses it. */
async function take(ctx: ThrottleContext, key: string, max: number, now: Date): Promise<Slot | null> {
  const windowStart = new Date(now.getTime() - ctx.policy.windowMs);
  // A pause that ended, or a window that ended, starts a new window with this attempt.
  const fresh = sql<boolean>`(t.locked_until is not null or t.window_started_at <= ${windowStart}::timestamptz)`;
  const { rows } = await sql<{ window_started_at: Date }>`
    insert into login_throttles as t (key, failures, window_started_at, locked_until)
    values (${key}, 1, ${now}::timestamptz, null)
    on conflict (key) do update set
      failures = case when ${fresh} then 1 else t.failures + 1 end,
      window_started_at = case when ${fresh} then ${now}::timestamptz else t.window_started_at end,
      locked_until = null
    where (t.locked_until is null or t.locked_until <= ${now}::timestamptz)
      and (${fresh} or t.failures < ${max})
    returning window_started_at`.execute(ctx.db);
  const row = rows[0];
  return row ? { key, max, windowStartedAt: new Date(row.window_started_at) } : null;
}

/** Gives a slot back (the attempt succeeded, or another limit refused it). */
async function giveBack(ctx: ThrottleContext, slot: Slot): Promise<void> {
  await sql`
    update login_throttles set
      failures = greatest(failures - 1, 0),
      locked_until = case when failures - 1 < ${slot.max} then null else locked_until end
    where key = ${slot.key} and window_started_at = ${slot.windowStartedAt}::timestamptz`.execute(ctx.db);
}

/** When a refused key may be tried again: the pause's end, else the window's (attempts in flight). */
async function retryAt(ctx: ThrottleContext, key: string, now: Date): Promise<Date> {
  const row = await ctx.db
    .selectFrom('login_throttles')
    .select(['window_started_at', 'locked_until'])
    .where('key', '=', key)
    .executeTakeFirst();
  if (row?.locked_until && row.locked_until.getTime() > now.getTime()) return row.locked_until;
  if (row)
    return new Date(Math.max(row.window_started_at.getTime() + ctx.policy.windowMs, now.getTime() + 1000));
  return new Date(now.getTime() + 1000);
}

/**
 * Takes a slot for the address (if known), then for the username. Returns the attempt, or the
 * refusal when either limit is reached; a refused attempt takes no slot of either.
 */
async function begin(
  ctx: ThrottleContext,
  username: string,
  ip: string | null,
): Promise<SignInAttempt | ThrottleRefusal> {
  const now = new Date(ctx.clock.now());
  const slots: Slot[] = [];
  // The address first: a flood from one address is refused there, before it can use up the
  // username's slots and pause that user for everybody else.
  if (ip) {
    const slot = await take(ctx, addressKey(ip), ctx.policy.ipMaxFailures, now);
    if (!slot) return { scope: 'address', retryAt: await retryAt(ctx, addressKey(ip), now) };
    slots.push(slot);
  }
  const slot = await take(ctx, userKey(username), ctx.policy.userMaxFailures, now);
  if (!slot) {
    for (const taken of slots) await giveBack(ctx, taken);
    return { scope: 'user', retryAt: await retryAt(ctx, userKey(username), now) };
  }
  slots.push(slot);
  return { slots };
}

/** The password was wrong: the slots stay counted; a full window starts a pause. */
async function failed(ctx: ThrottleContext, attempt: SignInAttempt): Promise<void> {
  const now = ctx.clock.now();
  for (const slot of attempt.slots) {
    await ctx.db
      .updateTable('login_throttles')
      .set({ locked_until: new Date(now + ctx.policy.lockMs) })
      .where('key', '=', slot.key)
      .where('window_started_at', '=', slot.windowStartedAt)
      .where('failures', '>=', slot.max)
      .where('locked_until', 'is', null)
      .execute();
  }
}

/** The password was right: the username's count is cleared and the address gets its slot back. */
async function succeeded(ctx: ThrottleContext, attempt: SignInAttempt): Promise<void> {
  for (const slot of attempt.slots) {
    if (slot.key.startsWith('user:'))
      await ctx.db.deleteFrom('login_throttles').where('key', '=', slot.key).execute();
    else await giveBack(ctx, slot);
  }
}

/**
 * Counts sign-in attempts in the database, so limits hold across processes and restarts. A slot is
 * taken before the password is checked, in one statement per key (`INSERT … ON CONFLICT DO UPDATE …
 * WHERE`, which takes the row lock and sees the latest row), so parallel attempts can never check
 * more passwords than the limit: the statement returns no row when the limit is reached. A success
 * gives its slots back; failures keep theirs, and the failure that fills a window starts a timed pause.
 * @see https://www.postgresql.org/docs/current/sql-insert.html#SQL-ON-CONFLICT
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html#login-throttling
 */
export function createLoginThrottle(db: Kysely<Database>, clock: Clock, policy: ThrottlePolicy) {
  const ctx: ThrottleContext = { db, clock, policy };
  return {
    /** Takes a slot for the address (if known), then for the username; or says which limit refused. */
    begin: (username: string, ip: string | null): Promise<SignInAttempt | ThrottleRefusal> =>
      begin(ctx, username, ip),

    /** The password was wrong: the slots stay counted; a full window starts a pause. */
    failed: (attempt: SignInAttempt): Promise<void> => failed(ctx, attempt),

    /** The password was right: the username's count is cleared and the address gets its slot back. */
    succeeded: (attempt: SignInAttempt): Promise<void> => succeeded(ctx, attempt),

    /** The check could not finish (an unexpected error): every slot is given back. */
    async abandoned(attempt: SignInAttempt): Promise<void> {
      for (const slot of attempt.slots) await giveBack(ctx, slot);
    },

    /** Lifts a username's pause and count (an operator's password reset). */
    async clearUser(username: string): Promise<void> {
      await db.deleteFrom('login_throttles').where('key', '=', userKey(username)).execute();
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;

/** Whether `begin` refused the attempt. */
export function isRefusal(value: SignInAttempt | ThrottleRefusal): value is ThrottleRefusal {
  return 'scope' in value;
}
