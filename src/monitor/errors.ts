import { AppError } from '../kernel/errors.js';

/** Codes the monitor context raises (docs/errors.md). */
export type MonitorErrorCode =
  | 'SECRET_ROTATION_NOT_ENROLLED'
  | 'SECRET_ROTATION_REJECTED'
  | 'SECRET_ROTATION_THROTTLED'
  | 'SECRET_ROTATION_FAILED'
  | 'NOTIFICATION_SECRET_UNVERIFIED'
  | 'NOTIFICATION_INVALID'
  | 'NOTIFICATION_UNAUTHORIZED'
  | 'NOTIFICATION_DISABLED'
  | 'NOTIFICATION_UNKNOWN_APPLICATION';

/** A monitor or client-secret rotation failure; messages are plain words and never hold a secret. */
export class MonitorError extends AppError<MonitorErrorCode> {
  readonly retryable: boolean;

  constructor(
    code: MonitorErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown>; retryable?: boolean } = {},
  ) {
    super(code, message, options);
    this.retryable = options.retryable ?? false;
  }
}
