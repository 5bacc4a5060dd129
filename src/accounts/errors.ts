import { AppError } from '../kernel/errors.js';

/** Codes the accounts context raises (docs/errors.md). */
export type AccountsErrorCode =
  | 'AUTH_INVALID_CREDENTIALS'
  | 'AUTH_THROTTLED'
  | 'AUTH_SESSION_INVALID'
  | 'ACCOUNT_NOT_FOUND'
  | 'USER_EXISTS'
  | 'USER_NOT_FOUND'
  | 'PASSWORD_TOO_WEAK'
  | 'FORBIDDEN';

/** A failure in accounts, users or sessions. Messages never include passwords. */
export class AccountsError extends AppError<AccountsErrorCode> {}
