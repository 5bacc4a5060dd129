import { randomBytes } from 'node:crypto';

/** Randomness is injected: `bytes(n)` returns n random bytes, `float()` a number in [0, 1). */
export interface Random {
  bytes(n: number): Uint8Array;
  float(): number;
}

/** Cryptographically strong randomness from node:crypto. */
export const cryptoRandom: Random = {
  bytes: (n) => randomBytes(n),
  float: () => randomBytes(4).readUInt32BE(0) / 2 ** 32,
};

/** A small deterministic PRNG (mulberry32) for reproducible simulations and tests. Never for secrets. */
export function createSeededRandom(seed: number): Random {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    float: next,
    bytes(n) {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = Math.floor(next() * 256);
      return out;
    },
  };
}

const ALPHANUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Random string over an alphabet (default upper-case letters and digits). */
export function randomString(random: Random, length: number, alphabet = ALPHANUM): string {
  const bytes = random.bytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[(bytes[i] ?? 0) % alphabet.length];
  return out;
}

/** Random bytes as base64url text: for tokens and ids. */
export function randomToken(random: Random, byteLength = 32): string {
  return Buffer.from(random.bytes(byteLength)).toString('base64url');
}

/** An RFC 4122 version 4 UUID built from the injected randomness. */
export function randomUuid(random: Random): string {
  const b = Buffer.from(random.bytes(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
