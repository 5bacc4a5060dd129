import { scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Random } from '../kernel/random.js';
import { AccountsError } from './errors.js';

/** scrypt cost parameters; the defaults take ~50 ms here. Tests may lower N. */
export interface PasswordHashing {
  N: number;
  r: number;
  p: number;
}

export const DEFAULT_HASHING: PasswordHashing = { N: 2 ** 15, r: 8, p: 1 };

const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, params: PasswordHashing): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** Checks a new password: at least 10 characters, not all one character. */
export function checkPasswordStrength(password: string): void {
  if (password.length < 10)
    throw new AccountsError('PASSWORD_TOO_WEAK', 'passwords need at least 10 characters');
  if (password.length > 1024)
    throw new AccountsError('PASSWORD_TOO_WEAK', 'passwords may have at most 1024 characters');
  if (new Set(password).size < 3)
    throw new AccountsError('PASSWORD_TOO_WEAK', 'that password is too repetitive');
}

/** Hashes a password as `scrypt$N$r$p$salt$hash` (base64url parts). */
export async function hashPassword(
  password: string,
  random: Random,
  params = DEFAULT_HASHING,
): Promise<string> {
  const salt = Buffer.from(random.bytes(16));
  const key = await derive(password, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

/** Verifies a password against a stored hash in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, saltText, keyText] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !saltText || !keyText) return false;
  const expected = Buffer.from(keyText, 'base64url');
  const actual = await derive(password, Buffer.from(saltText, 'base64url'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A hash of a random password, verified against when a username does not exist (equal timing). */
export function dummyHash(params = DEFAULT_HASHING): string {
  return ['scrypt', params.N, params.r, params.p, 'AAAAAAAAAAAAAAAAAAAAAA', 'A'.repeat(43)].join('$');
}
