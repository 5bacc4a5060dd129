import { createHash } from 'node:crypto';
import { randomToken, type Random } from './random.js';

/** A random bearer value (session id, OAuth state, API key) and the hash stored in its place. */
export interface OpaqueToken {
  value: string;
  hash: string;
}

/** 256 random bits as base64url, plus its SHA-256 hash for storage. */
export function newOpaqueToken(random: Random, bytes = 32): OpaqueToken {
  const value = randomToken(random, bytes);
  return { value, hash: hashToken(value) };
}

/** SHA-256 (hex) of a bearer value: what the database keeps. */
export function hashToken(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
