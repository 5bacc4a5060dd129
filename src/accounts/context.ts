import type { Kysely } from 'kysely';
import type { Clock } from '../kernel/clock.js';
import { silentLogger, type Logger } from '../kernel/log.js';
import type { Random } from '../kernel/random.js';
import type { Database, UserRole } from '../store/schema.js';
import { DEFAULT_HASHING, dummyHash, type PasswordHashing } from './passwords.js';
import {
  createLoginThrottle,
  DEFAULT_THROTTLE,
  type LoginThrottle,
  type ThrottlePolicy,
} from './throttle.js';

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

/** The accounts deps with their defaults applied, and the sign-in throttle built on them. */
export interface AccountsContext {
  db: Kysely<Database>;
  clock: Clock;
  random: Random;
  hashing: PasswordHashing;
  throttle: LoginThrottle;
  sessionPolicy: SessionPolicy;
  /** Verified against when a username does not exist, so both take the same time. */
  dummy: string;
  logger: Logger;
}

/** Applies the defaults to the accounts deps. */
export function accountsContext(deps: AccountsDeps): AccountsContext {
  const hashing = deps.hashing ?? DEFAULT_HASHING;
  return {
    db: deps.db,
    clock: deps.clock,
    random: deps.random,
    hashing,
    throttle: createLoginThrottle(deps.db, deps.clock, { ...DEFAULT_THROTTLE, ...deps.throttle }),
    sessionPolicy: { ...DEFAULT_SESSION_POLICY, ...deps.sessions },
    dummy: dummyHash(hashing),
    logger: deps.logger ?? silentLogger,
  };
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

/** A `users` row (the columns a User needs) as a User. */
export function toUser(row: {
  id: string;
  account_id: string | null;
  username: string;
  role: UserRole;
  email: string | null;
}): User {
  return {
    id: row.id,
    accountId: row.account_id,
    username: row.username,
    role: row.role,
    email: row.email,
  };
}
