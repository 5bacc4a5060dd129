import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cryptoRandom } from '../../src/kernel/random.js';
import { Secret } from '../../src/kernel/secret.js';
import { createVault } from '../../src/vault/envelope.js';
import { createKeyRing, parseKeyList } from '../../src/vault/keyring.js';

const key = (fill: number): string => Buffer.alloc(32, fill).toString('base64');
const TOKEN = 'Atzr|IwEBIA-very-secret-refresh-token';

describe('vault', () => {
  const ring1 = createKeyRing([{ id: 'k1', base64: key(1) }]);
  const vault1 = createVault(ring1, cryptoRandom);

  it('seals with the current key and opens to the same plaintext; the blob does not contain it', () => {
    const sealed = vault1.seal(new Secret(TOKEN), 'connection:1:refresh_token');
    expect(sealed.keyId).toBe('k1');
    expect(sealed.blob).not.toContain('very-secret');
    expect(Buffer.from(sealed.blob).toString('base64')).not.toContain(Buffer.from(TOKEN).toString('base64'));
    expect(vault1.open(sealed, 'connection:1:refresh_token').reveal()).toBe(TOKEN);
  });

  it('gives different ciphertexts for the same secret (fresh data key and IV)', () => {
    const a = vault1.seal(new Secret(TOKEN), 'c');
    const b = vault1.seal(new Secret(TOKEN), 'c');
    expect(a.blob).not.toBe(b.blob);
  });

  it('refuses a sealed value moved to another context (row)', () => {
    const sealed = vault1.seal(new Secret(TOKEN), 'connection:1:refresh_token');
    expect(() => vault1.open(sealed, 'connection:2:refresh_token')).toThrow(
      expect.objectContaining({ code: 'VAULT_DECRYPT_FAILED' }),
    );
  });

  it('detects tampering', () => {
    const sealed = vault1.seal(new Secret(TOKEN), 'c');
    const parts = sealed.blob.split('.');
    const ct = Buffer.from(parts[4]!, 'base64url');
    ct[0] = ct[0]! ^ 1;
    parts[4] = ct.toString('base64url');
    expect(() => vault1.open({ keyId: 'k1', blob: parts.join('.') }, 'c')).toThrow(
      /did not open with vault key 'k1'/,
    );
  });

  it('names the unknown key id of a row sealed with a key that is not configured', () => {
    const other = createVault(createKeyRing([{ id: 'old-key', base64: key(9) }]), cryptoRandom);
    const sealed = other.seal(new Secret(TOKEN), 'c');
    let err: { code?: string; message?: string } | null = null;
    try {
      vault1.open(sealed, 'c');
    } catch (e) {
      err = e as { code?: string; message?: string };
    }
    expect(err?.code).toBe('VAULT_KEY_UNKNOWN');
    expect(err?.message).toContain("'old-key'");
  });

  it('rotates: the newest key seals, older keys still open, reseal moves a value to the newest key', () => {
    const sealedOld = vault1.seal(new Secret(TOKEN), 'c');
    const ring2 = createKeyRing(parseKeyList(`k2:${key(2)},k1:${key(1)}`));
    const vault2 = createVault(ring2, cryptoRandom);
    expect(vault2.currentKeyId).toBe('k2');
    expect(vault2.needsReseal(sealedOld)).toBe(true);
    expect(vault2.open(sealedOld, 'c').reveal()).toBe(TOKEN);
    const resealed = vault2.reseal(sealedOld, 'c');
    expect(resealed.keyId).toBe('k2');
    expect(vault2.needsReseal(resealed)).toBe(false);
    expect(() => vault1.open(resealed, 'c')).toThrow(expect.objectContaining({ code: 'VAULT_KEY_UNKNOWN' }));
  });

  it('rejects bad key configuration with clear messages and no key material', () => {
    expect(() => createKeyRing([])).toThrow(expect.objectContaining({ code: 'VAULT_NO_KEY' }));
    expect(() => createKeyRing([{ id: 'k', base64: 'c2hvcnQ=' }])).toThrow(/32 bytes/);
    expect(() => createKeyRing([{ id: 'bad id', base64: key(1) }])).toThrow(/letters, digits/);
    expect(() =>
      createKeyRing([
        { id: 'k', base64: key(1) },
        { id: 'k', base64: key(2) },
      ]),
    ).toThrow(/twice/);
    expect(() => parseKeyList('nocolon')).toThrow(/id:base64/);
  });

  it('Secret values never print their plaintext', () => {
    const s = new Secret(TOKEN);
    expect(JSON.stringify({ s })).not.toContain('very-secret');
    expect(String(s)).not.toContain('very-secret');
    expect(inspect({ s })).not.toContain('very-secret');
    expect([s].join('')).toBe('[REDACTED]');
  });
});
