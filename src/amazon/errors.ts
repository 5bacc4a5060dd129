import { AppError } from '../kernel/errors.js';

/** Codes for failures talking to Amazon (docs/errors.md). */
export type AmazonErrorCode =
  | 'LWA_INVALID_GRANT'
  | 'LWA_INVALID_CLIENT'
  | 'LWA_UNAUTHORIZED_CLIENT'
  | 'LWA_INVALID_REQUEST'
  | 'LWA_INVALID_SCOPE'
  | 'LWA_UNSUPPORTED_GRANT_TYPE'
  | 'LWA_ACCESS_DENIED'
  | 'LWA_SERVER_ERROR'
  | 'LWA_UNAVAILABLE'
  | 'LWA_BAD_RESPONSE'
  | 'AMAZON_NETWORK'
  | 'AMAZON_TIMEOUT'
  | 'SPAPI_UNAUTHORIZED'
  | 'SPAPI_ACCESS_TOKEN_EXPIRED'
  | 'SPAPI_CLIENT_SECRET_EXPIRED'
  | 'SPAPI_THROTTLED'
  | 'SPAPI_WAIT_TOO_LONG'
  | 'SPAPI_INVALID_INPUT'
  | 'SPAPI_NOT_FOUND'
  | 'SPAPI_SERVER_ERROR'
  | 'SPAPI_UNAVAILABLE'
  | 'SPAPI_BAD_RESPONSE'
  | 'SPAPI_ERROR'
  | 'REPORT_DOCUMENT_EXPIRED'
  | 'REPORT_DOCUMENT_UNAVAILABLE'
  | 'ADS_UNAUTHORIZED'
  | 'ADS_THROTTLED'
  | 'ADS_WAIT_TOO_LONG'
  | 'ADS_BAD_RESPONSE'
  | 'ADS_ERROR';

/**
 * A failure talking to Amazon. `amazonCode` / `amazonMessage` are Amazon's own words (never
 * secrets: Amazon does not echo them); `status` is the HTTP status when there was a response.
 */
export class AmazonError extends AppError<AmazonErrorCode> {
  constructor(
    code: AmazonErrorCode,
    message: string,
    readonly info: {
      status?: number;
      amazonCode?: string;
      amazonMessage?: string;
      retryable: boolean;
      cause?: unknown;
      /** SP-API error responses: Amazon's body as parsed, for callers that pass it through. */
      body?: unknown;
      requestId?: string | null;
      /** SPAPI_WAIT_TOO_LONG: when a token will be free. */
      retryAfterMs?: number;
    },
  ) {
    super(code, message, {
      cause: info.cause,
      details: {
        ...(info.status === undefined ? {} : { status: info.status }),
        ...(info.amazonCode === undefined ? {} : { amazonCode: info.amazonCode }),
        ...(info.amazonMessage === undefined ? {} : { amazonMessage: info.amazonMessage }),
        retryable: info.retryable,
      },
    });
  }

  get retryable(): boolean {
    return this.info.retryable;
  }
}
