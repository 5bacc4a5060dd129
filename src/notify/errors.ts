import { AppError } from '../kernel/errors.js';

/** Codes the notify context raises (docs/errors.md). */
export type NotifyErrorCode =
  | 'NOTIFY_FORBIDDEN'
  | 'NOTIFY_ENDPOINT_NOT_FOUND'
  | 'NOTIFY_DELIVERY_NOT_FOUND'
  | 'NOTIFY_EMAIL_FAILED'
  | 'NOTIFY_WEBHOOK_FAILED'
  | 'NOTIFY_ADDRESS_NOT_PUBLIC';

/** A notification failure; messages are plain words and never carry secrets. */
export class NotifyError extends AppError<NotifyErrorCode> {}
