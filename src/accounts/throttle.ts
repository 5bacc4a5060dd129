import type { Kysely } from 'kysely';
import type { Clock } from '../kernel/clock.js';
import type { Database } from '../store/schema.js';

/** Failed-login limits per username and per client address. */
export interface ThrottlePolicy {
  userMaxFailures: number;
  ipMaxFailures: number;
  windowMs: number;
  lockMs: number;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = {
  userMaxFailures: 5,
  ipMaxFailures: 30,
  windowMs: 15 * 60_000,
  lockMs: 15 * 60_000,
};

/** Counts failed logins in the database, so limits hold across processes and restarts. */
export function createLoginThrottle(db: Kysely<Database>, clock: Clock, policy: ThrottlePolicy) {
  const keys = (username: string, ip: string | null): [string, number][] => {
    const list: [string, number][] = [[`user:${username.toLowerCase()}`, policy.userMaxFailures]];
    if (ip) list.push([`ip:${ip}`, policy.ipMaxFailures]);
    return list;
  };

  return {
    /** The time until which the username or the address is locked, or null. */
    async lockedUntil(username: string, ip: string | null): Promise<Date | null> {
      const now = clock.now();
      const rows = await db
        .selectFrom('login_throttles')
        .select(['locked_until'])
        .where(
          'key',
          'in',
          keys(username, ip).map(([k]) => k),
        )
        .execute();
      const until = rows.map((r) => r.locked_until?.getTime() ?? 0).filter((t) => t > now);
      return until.length ? new Date(Math.max(...until)) : null;
    },

    /** Records a failure for the username and the address; locks either when it reaches its limit. */
    async recordFailure(username: string, ip: string | null): Promise<void> {
      const now = clock.now();
      for (const [key, max] of keys(username, ip)) {
        await db.transaction().execute(async (trx) => {
          const row = await trx
            .selectFrom('login_throttles')
            .selectAll()
            .where('key', '=', key)
            .forUpdate()
            .executeTakeFirst();
          const fresh = !row || now - row.window_started_at.getTime() > policy.windowMs;
          const failures = fresh ? 1 : row.failures + 1;
          const lockedUntil = failures >= max ? new Date(now + policy.lockMs) : null;
          const values = {
            failures: lockedUntil ? 0 : failures,
            window_started_at: fresh || lockedUntil ? new Date(now) : row.window_started_at,
            locked_until: lockedUntil,
          };
          await trx
            .insertInto('login_throttles')
            .values({ key, ...values })
            .onConflict((oc) => oc.column('key').doUpdateSet(values))
            .execute();
        });
      }
    },

    /** Clears the username's count after a successful login (the address keeps its count). */
    async recordSuccess(username: string): Promise<void> {
      await db.deleteFrom('login_throttles').where('key', '=', `user:${username.toLowerCase()}`).execute();
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
