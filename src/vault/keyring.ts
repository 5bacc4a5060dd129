import { VaultError } from './errors.js';

/** A key-encryption key: 32 bytes, known by an id stored beside everything it sealed. */
export interface VaultKey {
  readonly id: string;
  readonly material: Buffer;
}

/** The keys the vault knows. The first is the newest: every new seal uses it. */
export interface KeyRing {
  readonly current: VaultKey;
  get(id: string): VaultKey;
  ids(): string[];
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** Builds a key ring from `[{id, base64}]`, newest first. Rejects short keys and duplicate ids. */
export function createKeyRing(keys: { id: string; base64: string }[]): KeyRing {
  if (keys.length === 0) throw new VaultError('VAULT_NO_KEY', 'no vault key is configured');
  const byId = new Map<string, VaultKey>();
  for (const { id, base64 } of keys) {
    if (!KEY_ID.test(id))
      throw new VaultError('VAULT_KEY_INVALID', `vault key id '${id}' must be 1-32 letters, digits, - or _`);
    if (byId.has(id)) throw new VaultError('VAULT_KEY_INVALID', `vault key id '${id}' appears twice`);
    const material = Buffer.from(base64, 'base64');
    if (
      material.length !== 32 ||
      material.toString('base64').replace(/=+$/, '') !== base64.replace(/=+$/, '')
    ) {
      throw new VaultError(
        'VAULT_KEY_INVALID',
        `vault key '${id}' must be 32 bytes in base64 (44 characters)`,
      );
    }
    byId.set(id, { id, material });
  }
  const current = byId.get(keys[0]!.id)!;
  return {
    current,
    get(id) {
      const key = byId.get(id);
      if (!key) {
        throw new VaultError(
          'VAULT_KEY_UNKNOWN',
          `a secret was sealed with vault key '${id}', which is not configured`,
          {
            details: { keyId: id },
          },
        );
      }
      return key;
    },
    ids: () => [...byId.keys()],
  };
}

/**
 * Parses `SELLERLINK_VAULT_KEYS`: comma-separated `id:base64` pairs, newest first
 * (e.g. `k2:...,k1:...`).
 */
export function parseKeyList(text: string): { id: string; base64: string }[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const at = part.indexOf(':');
      if (at <= 0) throw new VaultError('VAULT_KEY_INVALID', 'each vault key must be written id:base64');
      return { id: part.slice(0, at), base64: part.slice(at + 1) };
    });
}
