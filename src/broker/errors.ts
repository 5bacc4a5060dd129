import { AppError } from '../kernel/errors.js';

/** Codes the token broker raises (docs/errors.md). */
export type TokenErrorCode =
  | 'TOKEN_CONNECTION_NOT_FOUND'
  | 'TOKEN_CONNECTION_REVOKED'
  | 'TOKEN_CONNECTION_EXPIRED'
  | 'TOKEN_CONNECTION_DISCONNECTED'
  | 'TOKEN_APPLICATION_REJECTED'
  | 'TOKEN_REFRESH_FAILED';

/**
 * Why no access token could be minted. The connection states fail fast (no call to Amazon) until
 * the connection is renewed; TOKEN_REFRESH_FAILED is transient and may be retried.
 */
export class TokenError extends AppError<TokenErrorCode> {
  constructor(
    code: TokenErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown>; retryable?: boolean } = {},
  ) {
    super(code, message, {
      cause: options.cause,
      details: { ...options.details, retryable: options.retryable ?? false },
    });
  }

  get retryable(): boolean {
    return this.details.retryable === true;
  }
}
