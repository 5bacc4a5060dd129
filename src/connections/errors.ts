import { AppError } from '../kernel/errors.js';

/** Codes the connections context raises (docs/errors.md). */
export type ConnectionsErrorCode =
  | 'OAUTH_CALLBACK_INVALID'
  | 'OAUTH_CONSENT_DENIED'
  | 'OAUTH_STATE_UNKNOWN'
  | 'OAUTH_STATE_EXPIRED'
  | 'OAUTH_STATE_REPLAYED'
  | 'OAUTH_STATE_OTHER_SESSION'
  | 'OAUTH_CODE_REJECTED'
  | 'OAUTH_EXCHANGE_FAILED'
  | 'OAUTH_PARTNER_MISMATCH'
  | 'OAUTH_REGION_MISMATCH'
  | 'OAUTH_SELLER_MISMATCH'
  | 'OAUTH_LOGIN_INVALID'
  | 'OAUTH_ADS_NOT_APPROVED'
  | 'CONNECTION_NOT_FOUND'
  | 'CONNECTION_NOT_RENEWABLE'
  | 'APPLICATION_NOT_FOUND'
  | 'APPLICATION_INVALID'
  | 'APPLICATION_REJECTED'
  | 'SELF_AUTH_REJECTED';

/** A connection failure. `userMessage` is plain words for the page; never includes secrets. */
export class ConnectionsError extends AppError<ConnectionsErrorCode> {}
