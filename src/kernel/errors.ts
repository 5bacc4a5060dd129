/**
 * Base of every error the service raises on purpose. `code` is stable and listed in docs/errors.md;
 * only web/ maps codes to HTTP statuses. `details` carries safe, non-secret context.
 */
export class AppError<C extends string = string> extends Error {
  readonly code: C;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: C,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }

  /** A JSON form with no stack and no cause: safe to log or return. */
  toJSON(): { code: C; message: string; details: Readonly<Record<string, unknown>> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** Input that failed validation: names the field and changes nothing. */
export class ValidationError extends AppError<'VALIDATION_FAILED'> {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super('VALIDATION_FAILED', message, field === undefined ? {} : { details: { field } });
  }
}

/** Narrows an unknown thrown value to an Error (wrapping non-errors). */
export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
