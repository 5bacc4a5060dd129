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

/** Codes that mean the connection cannot call Amazon until someone acts (renews, fixes the app). */
type BlockingCode =
  | 'TOKEN_CONNECTION_REVOKED'
  | 'TOKEN_CONNECTION_EXPIRED'
  | 'TOKEN_CONNECTION_DISCONNECTED'
  | 'TOKEN_APPLICATION_REJECTED';

const BLOCKING_CODES: ReadonlySet<TokenErrorCode> = new Set<BlockingCode>([
  'TOKEN_CONNECTION_REVOKED',
  'TOKEN_CONNECTION_EXPIRED',
  'TOKEN_CONNECTION_DISCONNECTED',
  'TOKEN_APPLICATION_REJECTED',
]);

/**
 * Whether a failure means work for the connection (order import, listings drain, analytics) must
 * wait for a renewal or a fixed application instead of being retried.
 */
export function blocksConnection(err: unknown): err is TokenError & { code: BlockingCode } {
  return err instanceof TokenError && BLOCKING_CODES.has(err.code);
}
