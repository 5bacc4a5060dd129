import type { SpApiRequest } from './client-types.js';
import { AmazonError } from './errors.js';
import type { Marketplace, MarketplaceParticipation, Participation } from './generated/sellers.js';

/**
 * One request builder and one response processor per SP-API operation the service calls outside
 * its bounded contexts' own modules. Builders return an `SpApiRequest` for `SpApiClient.call` /
 * `callGrantless`; processors turn Amazon's body into a domain value.
 */

/** Marketplaces a seller participates in, and the store name. */
export interface Participations {
  marketplaceIds: string[];
  storeName: string | null;
}

/**
 * getMarketplaceParticipations (Sellers API v1): the marketplaces the connection's seller can sell in.
 * @see https://developer-docs.amazon.com/sp-api/docs/sellers-api-v1-reference
 */
export function getMarketplaceParticipationsRequest(): SpApiRequest {
  return {
    operationId: 'getMarketplaceParticipations',
    method: 'GET',
    path: '/sellers/v1/marketplaceParticipations',
  };
}

/** An entry as it may arrive: the model marks fields required, but nothing is trusted unchecked. */
interface WireParticipation {
  marketplace?: Partial<Pick<Marketplace, 'id'>> | null;
  participation?: Partial<Pick<Participation, 'isParticipating'>> | null;
  storeName?: MarketplaceParticipation['storeName'] | null;
}

/**
 * Reads a getMarketplaceParticipations answer: marketplaces with an id the seller participates in
 * (`isParticipating` not false), each id once, and the first store name given. A body that is not
 * an object, or a payload that is not a list, is SPAPI_BAD_RESPONSE.
 * @see https://developer-docs.amazon.com/sp-api/docs/sellers-api-v1-reference
 */
export function parseParticipations(body: unknown): Participations {
  const payload: unknown = body && typeof body === 'object' ? (body as { payload?: unknown }).payload : null;
  if (payload !== undefined && !Array.isArray(payload)) {
    throw new AmazonError(
      'SPAPI_BAD_RESPONSE',
      'getMarketplaceParticipations answered without a list of participations',
      { retryable: false },
    );
  }
  const entries = ((payload ?? []) as (WireParticipation | null)[]).filter(
    (p): p is WireParticipation & { marketplace: { id: string } } =>
      p !== null &&
      typeof p === 'object' &&
      p.participation?.isParticipating !== false &&
      typeof p.marketplace?.id === 'string' &&
      p.marketplace.id !== '',
  );
  const named = entries.find((p) => typeof p.storeName === 'string' && p.storeName !== '');
  return {
    marketplaceIds: [...new Set(entries.map((p) => p.marketplace.id))],
    storeName: named?.storeName ?? null,
  };
}

/** The grantless LWA scope rotateApplicationClientSecret needs. */
export const ROTATION_SCOPE = 'sellingpartnerapi::client_credential:rotation';

/**
 * rotateApplicationClientSecret (Application Management API 2023-11-30, grantless with
 * ROTATION_SCOPE): Amazon answers 204 and sends the new secret to the app's notification destination
 * as APPLICATION_OAUTH_CLIENT_NEW_SECRET. Not retried after an ambiguous failure (timeout, 5xx): a
 * blind retry could rotate twice, cutting short the life of the secret the first rotation sent.
 * @see https://developer-docs.amazon.com/sp-api/docs/application-management-api-v2023-11-30-reference
 */
export function rotateApplicationClientSecretRequest(): SpApiRequest {
  return {
    operationId: 'rotateApplicationClientSecret',
    method: 'POST',
    path: '/applications/2023-11-30/clientSecret',
    retryAmbiguous: false,
  };
}
