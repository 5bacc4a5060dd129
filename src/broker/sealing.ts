import type { Secret } from '../kernel/secret.js';
import type { Sealed, Vault } from '../vault/envelope.js';

/** The AAD context of a connection's refresh token: binds the sealed value to its row. */
export const refreshTokenContext = (connectionId: string): string =>
  `connection:${connectionId}:refresh_token`;

/** Seals a connection's refresh token for storage. */
export function sealRefreshToken(vault: Vault, connectionId: string, token: Secret): Sealed {
  return vault.seal(token, refreshTokenContext(connectionId));
}

/** Opens a connection's refresh token. Only broker/ calls this. */
export function openRefreshToken(vault: Vault, connectionId: string, sealed: Sealed): Secret {
  return vault.open(sealed, refreshTokenContext(connectionId));
}
