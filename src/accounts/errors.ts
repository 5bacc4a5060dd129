import { AppError } from '../kernel/errors.js';

/** Codes the accounts context raises (docs/errors.md). */
export type AccountsErrorCode =
  | 'AUTH_INVALID_CREDENTIALS'
  | 'AUTH_THROTTLED'
  | 'AUTH_SESSION_INVALID'
  | 'ACCOUNT_NOT_FOUND'
  | 'ACCOUNT_EXISTS'
  | 'ACCOUNT_HAS_CONNECTIONS'
  | 'USER_EXISTS'
  | 'USER_NOT_FOUND'
  | 'PASSWORD_TOO_WEAK'
  | 'FORBIDDEN';

/** A failure in accounts, users or sessions. Messages never include passwords. */
export class AccountsError extends AppError<AccountsErrorCode> {}

/** Codes the API-key use cases raise (docs/errors.md, docs/api.md). */
export type ApiKeyErrorCode =
  'API_KEY_MISSING' | 'API_KEY_INVALID' | 'API_KEY_REVOKED' | 'API_KEY_NOT_FOUND' | 'API_KEY_FORBIDDEN';

/** An API-key failure: authentication (missing, invalid, revoked) or management (not found, forbidden). */
export class ApiKeyError extends AppError<ApiKeyErrorCode> {}
