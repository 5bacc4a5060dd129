import { createCipheriv, createDecipheriv, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { Random } from '../kernel/random.js';
import { Secret } from '../kernel/secret.js';
import { VaultError } from './errors.js';
import type { KeyRing } from './keyring.js';

/**
 * Envelope encryption with AES-256-GCM. Each secret gets its own random data key; the data key is
 * wrapped with the ring's current key-encryption key. `context` (e.g. `connection:42:refresh_token`)
 * is bound in as additional authenticated data, so a sealed value copied to another row will not open.
 */

/** A sealed secret as stored: the key id in its own column (for rotation), the rest in `blob`. */
export interface Sealed {
  readonly keyId: string;
  /** `v1.<wrapped data key>.<iv>.<ciphertext+tag>`, each part base64url. */
  readonly blob: string;
}

/** Seals and opens secrets with a key ring. */
export interface Vault {
  seal(plaintext: Secret, context: string): Sealed;
  open(sealed: Sealed, context: string): Secret;
  /** Whether `sealed` uses an older key than the current one. */
  needsReseal(sealed: Sealed): boolean;
  /** Opens with whatever key sealed it and seals again with the current key. */
  reseal(sealed: Sealed, context: string): Sealed;
  readonly currentKeyId: string;
  /**
   * An HMAC-SHA256 (base64url) of `message` under a key derived (HKDF-SHA256) from the current vault
   * key for `purpose`, so a signed link (e.g. a renew link) cannot be forged without the vault key.
   */
  mac(purpose: string, message: string): { keyId: string; mac: string };
  /** Whether `mac` signs `message` under vault key `keyId` for `purpose` (constant time); false for unknown keys. */
  verifyMac(purpose: string, message: string, keyId: string, mac: string): boolean;
}

/** The HMAC key for `purpose` derived from a vault key (RFC 5869 HKDF). https://www.rfc-editor.org/rfc/rfc5869 */
function macKey(material: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), `sellerlink mac: ${purpose}`, 32));
}

function hmac(material: Buffer, purpose: string, message: string): string {
  return createHmac('sha256', macKey(material, purpose)).update(message, 'utf8').digest('base64url');
}

const VERSION = 'v1';

/** Creates a vault over a key ring, with injected randomness for keys and IVs. */
export function createVault(ring: KeyRing, random: Random): Vault {
  const seal = (plaintext: Secret, context: string): Sealed => {
    const kek = ring.current;
    const dataKey = Buffer.from(random.bytes(32));
    const wrapped = gcmEncrypt(
      kek.material,
      dataKey,
      Buffer.from(random.bytes(12)),
      `dek|${kek.id}|${context}`,
    );
    const body = gcmEncrypt(
      dataKey,
      Buffer.from(plaintext.reveal(), 'utf8'),
      Buffer.from(random.bytes(12)),
      context,
    );
    dataKey.fill(0);
    return { keyId: kek.id, blob: [VERSION, wrapped, body].join('.') };
  };

  const open = (sealed: Sealed, context: string): Secret => {
    const kek = ring.get(sealed.keyId);
    const [version, wIv, wCt, bIv, bCt] = sealed.blob.split('.');
    if (version !== VERSION || !wIv || !wCt || !bIv || !bCt) {
      throw new VaultError('VAULT_DECRYPT_FAILED', 'a sealed secret is malformed', {
        details: { keyId: sealed.keyId },
      });
    }
    try {
      const dataKey = gcmDecrypt(kek.material, wIv, wCt, `dek|${kek.id}|${context}`);
      const plain = gcmDecrypt(dataKey, bIv, bCt, context);
      dataKey.fill(0);
      return new Secret(plain.toString('utf8'));
    } catch (cause) {
      throw new VaultError(
        'VAULT_DECRYPT_FAILED',
        `a sealed secret did not open with vault key '${sealed.keyId}'`,
        {
          cause,
          details: { keyId: sealed.keyId },
        },
      );
    }
  };

  return {
    seal,
    open,
    needsReseal: (sealed) => sealed.keyId !== ring.current.id,
    reseal: (sealed, context) => seal(open(sealed, context), context),
    currentKeyId: ring.current.id,
    mac: (purpose, message) => ({
      keyId: ring.current.id,
      mac: hmac(ring.current.material, purpose, message),
    }),
    verifyMac: (purpose, message, keyId, mac) => {
      if (!ring.ids().includes(keyId)) return false;
      const expected = Buffer.from(hmac(ring.get(keyId).material, purpose, message));
      const given = Buffer.from(mac);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

function gcmEncrypt(key: Buffer, plaintext: Buffer, iv: Buffer, aad: string): string {
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return `${iv.toString('base64url')}.${ct.toString('base64url')}`;
}

function gcmDecrypt(key: Buffer, ivText: string, ctText: string, aad: string): Buffer {
  const iv = Buffer.from(ivText, 'base64url');
  const all = Buffer.from(ctText, 'base64url');
  if (iv.length !== 12 || all.length < 16) throw new Error('bad lengths');
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(all.subarray(all.length - 16));
  return Buffer.concat([decipher.update(all.subarray(0, all.length - 16)), decipher.final()]);
}
