import { AppError } from '../kernel/errors.js';

/** Codes the connect-links context raises (docs/errors.md). */
export type ConnectErrorCode =
  /** The API key may not create a link for this account. */
  | 'CONNECT_FORBIDDEN'
  /** No such account, or connection to renew, for this key. */
  | 'CONNECT_NOT_FOUND'
  /** The return URL is not on the account's (or the service's) allow-list. */
  | 'RETURN_URL_NOT_ALLOWED'
  /** Nothing to connect with: no application of that API is registered. */
  | 'CONNECT_UNAVAILABLE'
  /** The connection cannot be renewed by a consent (self-authorized, or another API's). */
  | 'CONNECT_NOT_RENEWABLE'
  /** A link Sellerlink never issued. */
  | 'CONNECT_LINK_UNKNOWN'
  /** A link past its validity, never used. */
  | 'CONNECT_LINK_EXPIRED'
  /** A link that was already used (it works once). */
  | 'CONNECT_LINK_USED';

/** A connect-link failure, in plain words; never includes the link's token. */
export class ConnectError extends AppError<ConnectErrorCode> {}
