import { AppError } from '../kernel/errors.js';

/** Codes the vault raises (docs/errors.md). */
export type VaultErrorCode =
  'VAULT_KEY_UNKNOWN' | 'VAULT_KEY_INVALID' | 'VAULT_NO_KEY' | 'VAULT_DECRYPT_FAILED';

/** A vault failure. Never carries plaintext or key material. */
export class VaultError extends AppError<VaultErrorCode> {}
