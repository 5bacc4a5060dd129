import { inspect } from 'node:util';

const REDACTED = '[REDACTED]';

/**
 * A secret string that does not leak by accident: JSON, string conversion and util.inspect all
 * show `[REDACTED]`. The value is held in a private field and read only through `reveal()`.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** Returns the plaintext. Call it only where the value must leave the process (wire, vault). */
  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED})`;
  }
}

/** Wraps a plaintext string as a Secret. */
export function secret(value: string): Secret {
  return new Secret(value);
}
