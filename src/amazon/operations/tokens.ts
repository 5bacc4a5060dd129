import type { SpApiRequest } from '../client-types.js';
import type { CreateRestrictedDataTokenResponse } from '../generated/tokens_2021-03-01.js';
import { badResponse, isRecord, settleAnswer, type SpApiAnswer } from './answer.js';

/** One restricted operation a Restricted Data Token is asked for. */
export interface RestrictedResource {
  method: string;
  path: string;
  /** Only for the Orders API's getOrder, getOrders and getOrderItems. */
  dataElements?: string[];
}

/** A Restricted Data Token and when it stops working (by our clock). */
export interface RestrictedDataToken {
  token: string;
  expiresAt: Date;
}

/**
 * createRestrictedDataToken (Tokens API 2021-03-01): a token for the listed restricted operations
 * of the connection's seller (at most 50 resources).
 * @see https://developer-docs.amazon.com/sp-api/docs/tokens-api-v2021-03-01-reference
 */
export function createRestrictedDataTokenRequest(resources: readonly RestrictedResource[]): SpApiRequest {
  return {
    operationId: 'createRestrictedDataToken',
    method: 'POST',
    path: '/tokens/2021-03-01/restrictedDataToken',
    body: { restrictedResources: resources },
  };
}

/**
 * createRestrictedDataToken's answer → the token and its expiry (`now` + expiresIn seconds); a body
 * without both is SPAPI_BAD_RESPONSE.
 * @see https://developer-docs.amazon.com/sp-api/docs/tokens-api-v2021-03-01-reference
 */
export async function processCreateRestrictedDataToken(
  answer: SpApiAnswer,
  now: number,
): Promise<RestrictedDataToken> {
  const { body } = await settleAnswer(answer);
  const wire: Partial<Record<keyof CreateRestrictedDataTokenResponse, unknown>> = isRecord(body) ? body : {};
  if (typeof wire.restrictedDataToken !== 'string' || typeof wire.expiresIn !== 'number') {
    throw badResponse('createRestrictedDataToken', 'without a token');
  }
  return { token: wire.restrictedDataToken, expiresAt: new Date(now + wire.expiresIn * 1000) };
}
