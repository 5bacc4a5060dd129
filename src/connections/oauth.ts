import type { RegionCode } from '../store/schema.js';
import type { ConnectionsDeps } from './context.js';
import { completeAdsCallback, startAdsConnect, startAdsRenew } from './ads-oauth.js';
import { completeCallback } from './oauth-callback.js';
import type { FlowOrigin } from './oauth-audit.js';
import { startConnect, startFromAmazon, startRenew } from './oauth-start.js';
import type { Connection } from './repository.js';

export { CallbackFailure, type FlowOrigin } from './oauth-audit.js';

/**
 * OAuth: starting a connect or renew, the redirect-URI callback, and the Amazon-initiated flow. The
 * steps live in oauth-start.ts (states and consent URLs) and oauth-callback.ts (the callback's checks,
 * the code exchange, the claim check and the stored authorization).
 * @see https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow
 */
export function createOAuthFlow(deps: ConnectionsDeps) {
  return {
    /** Starts "Connect Amazon <region>": returns the Seller Central consent URL to redirect to. */
    startConnect: (
      origin: FlowOrigin,
      input: { region: RegionCode; applicationId: string; accountId?: string },
    ): Promise<string> => startConnect(deps, origin, input),

    /** Starts "Renew" for a connection the viewer may see: the same flow, bound to that connection. */
    startRenew: (origin: FlowOrigin, connection: Connection): Promise<string> =>
      startRenew(deps, origin, connection),

    /** Amazon-initiated flow (Appstore, or "Re-Authorize"): returns where to send the browser. */
    startFromAmazon: (origin: FlowOrigin, query: URLSearchParams, accountId?: string): Promise<string> =>
      startFromAmazon(deps, origin, query, accountId),

    /** Handles the redirect URI: checks, exchanges the code, checks the claim, stores; see `completeCallback`. */
    completeCallback: (
      origin: FlowOrigin | null,
      query: URLSearchParams,
    ): Promise<{ connection: Connection; purpose: 'connect' | 'renew' }> =>
      completeCallback(deps, origin, query),

    /** Starts "Connect Amazon Ads <region>": returns Login with Amazon's consent URL (ads-oauth.ts). */
    startAdsConnect: (
      origin: FlowOrigin,
      input: { region: RegionCode; applicationId?: string; accountId?: string },
    ): Promise<string> => startAdsConnect(deps, origin, input),

    /** Starts "Renew" of an Ads connection: the same consent, bound to it. */
    startAdsRenew: (origin: FlowOrigin, connection: Connection): Promise<string> =>
      startAdsRenew(deps, origin, connection),

    /** Handles the Ads redirect URI; see `completeAdsCallback`. */
    completeAdsCallback: (
      origin: FlowOrigin | null,
      query: URLSearchParams,
    ): Promise<{ connection: Connection; purpose: 'connect' | 'renew' }> =>
      completeAdsCallback(deps, origin, query),
  };
}

export type OAuthFlow = ReturnType<typeof createOAuthFlow>;
