import type { SpApiRequest } from '../client-types.js';
import { settleAnswer, type SpApiAnswer } from './answer.js';

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

/**
 * rotateApplicationClientSecret's answer: any success (Amazon documents 204, no body) means the
 * rotation was accepted; an error status is its AmazonError. The secret itself arrives later, by
 * notification.
 * @see https://developer-docs.amazon.com/sp-api/docs/application-management-api-v2023-11-30-reference
 */
export async function processRotateApplicationClientSecret(answer: SpApiAnswer): Promise<void> {
  await settleAnswer(answer);
}
