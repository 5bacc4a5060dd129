import type { Random } from '../kernel/random.js';

/**
 * The shape of a Sellerlink API key: `slk_<8-character public prefix>_<40-character secret>`,
 * letters and digits only, so a double-click selects a whole key.
 */

const PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const PREFIX_LENGTH = 8;
/** 40 characters of 62: about 238 random bits. */
const SECRET_LENGTH = 40;
const KEY_PATTERN = /^slk_([a-z0-9]{8})_([A-Za-z0-9]{40})$/;

/**
 * Random text over `alphabet` with no modulo bias: bytes at or above the largest multiple of the
 * alphabet's size are drawn again.
 */
export function unbiased(random: Random, length: number, alphabet: string): string {
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const byte of random.bytes(length - out.length + 8)) {
      if (byte < limit && out.length < length) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}

/** A new key: its public prefix and the whole value (shown once, stored only as a hash). */
export function newApiKeyValue(random: Random): { prefix: string; value: string } {
  const prefix = unbiased(random, PREFIX_LENGTH, PREFIX_ALPHABET);
  return { prefix, value: `slk_${prefix}_${unbiased(random, SECRET_LENGTH, SECRET_ALPHABET)}` };
}

/** The public prefix of a string shaped like a key, or null when it is not one. */
export function apiKeyPrefix(presented: string): string | null {
  return KEY_PATTERN.exec(presented)?.[1] ?? null;
}

/** Whether a string has the shape of a Sellerlink API key (says nothing about its validity). */
export function looksLikeApiKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}
