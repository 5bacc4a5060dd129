import type { Clock } from '../kernel/clock.js';
import type { Secret } from '../kernel/secret.js';
import type { GrantlessTokenSource } from './client.js';
import type { LwaClient } from './lwa.js';
import type { LwaCredentials } from './operations/lwa.js';

export interface GrantlessTokensDeps {
  lwa: Pick<LwaClient, 'clientCredentials'>;
  /** The application's current LWA credentials (read for every mint: a rotation changes them). */
  credentials: (applicationId: string) => Promise<LwaCredentials>;
  clock: Clock;
  /** Mint a new token this long before the cached one expires. Default 60 s. */
  marginMs?: number;
}

/**
 * Grantless (client_credentials) access tokens kept in memory, one per (application, scope), until
 * `marginMs` before they expire. Concurrent callers of one key share one LWA request. Nothing is
 * stored: a grantless token is as cheap to mint again as to persist, and holds no seller's data.
 */
export function createGrantlessTokens(deps: GrantlessTokensDeps): GrantlessTokenSource {
  const marginMs = deps.marginMs ?? 60_000;
  const cached = new Map<string, { token: Secret; expiresAt: number }>();
  const inFlight = new Map<string, Promise<{ token: Secret }>>();
  const keyOf = (applicationId: string, scope: string): string => JSON.stringify([applicationId, scope]);

  const mint = async (key: string, applicationId: string, scope: string): Promise<{ token: Secret }> => {
    const credentials = await deps.credentials(applicationId);
    const tokens = await deps.lwa.clientCredentials(credentials, scope);
    cached.set(key, { token: tokens.accessToken, expiresAt: tokens.expiresAt });
    return { token: tokens.accessToken };
  };

  return {
    grantlessToken(applicationId, scope) {
      const key = keyOf(applicationId, scope);
      const hit = cached.get(key);
      if (hit && hit.expiresAt - marginMs > deps.clock.now()) return Promise.resolve({ token: hit.token });
      let pending = inFlight.get(key);
      if (!pending) {
        pending = mint(key, applicationId, scope).finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      return pending;
    },
    invalidateGrantless(applicationId, scope) {
      cached.delete(keyOf(applicationId, scope));
    },
  };
}
