import type { SpApiRequest } from '../client-types.js';
import type { Marketplace, MarketplaceParticipation, Participation } from '../generated/sellers.js';
import { badResponse, settleAnswer, type SpApiAnswer } from './answer.js';

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
 * Reads a getMarketplaceParticipations body: marketplaces with an id the seller participates in
 * (`isParticipating` not false), each id once, and the first store name given. A body that is not
 * an object, or a payload that is not a list, is SPAPI_BAD_RESPONSE.
 * @see https://developer-docs.amazon.com/sp-api/docs/sellers-api-v1-reference
 */
export function parseParticipations(body: unknown): Participations {
  const payload: unknown = body && typeof body === 'object' ? (body as { payload?: unknown }).payload : null;
  if (payload !== undefined && !Array.isArray(payload)) {
    throw badResponse('getMarketplaceParticipations', 'without a list of participations');
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

/**
 * getMarketplaceParticipations' answer → the seller's participations (parseParticipations), or
 * the AmazonError of an error status.
 * @see https://developer-docs.amazon.com/sp-api/docs/sellers-api-v1-reference
 */
export async function processGetMarketplaceParticipations(answer: SpApiAnswer): Promise<Participations> {
  return parseParticipations((await settleAnswer(answer)).body);
}
