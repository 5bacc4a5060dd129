import { AmazonError } from '../errors.js';
import { processSpApiResponse, type SpApiResult } from '../spapi.js';

/**
 * What an operation's response processor reads: Amazon's raw `Response`, or the SP-API client's
 * answer to the call (`SpApiClient.call(...)`, awaited or not), whose error statuses the client
 * has already turned into AmazonErrors. Either way the processor sees the same thing, so it is
 * table-tested with `new Response(...)` and used by the contexts with the client.
 */
export type SpApiAnswer = Response | SpApiResult<unknown> | Promise<SpApiResult<unknown>>;

/**
 * The parsed answer: a `Response` goes through `processSpApiResponse` (an error status becomes an
 * AmazonError with Amazon's code and message); the client's answer already has.
 * @see https://developer-docs.amazon.com/sp-api/docs/response-format
 */
export async function settleAnswer(answer: SpApiAnswer): Promise<SpApiResult<unknown>> {
  const settled = await answer;
  return settled instanceof Response ? processSpApiResponse(settled) : settled;
}

/** Amazon answered success with a body that is not the operation's: SPAPI_BAD_RESPONSE. */
export function badResponse(operationId: string, what: string): AmazonError {
  return new AmazonError('SPAPI_BAD_RESPONSE', `${operationId} answered ${what}`, { retryable: false });
}

/** Whether a parsed JSON value is an object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string that is not empty, or null. */
export function nonEmptyString(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}
