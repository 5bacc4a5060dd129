import type { Logger } from '../kernel/log.js';

/**
 * What a process opened, closed in two phases (docs/operations.md, ≤ ~5 s in all): first stop
 * taking work, all at once and each bounded (the web server stops accepting, pg-boss stops fetching
 * and releases jobs still running after its timeout, a background monitor pass is waited for
 * briefly); then close what was opened, newest first, the database last. Closing twice is harmless.
 */
export class Lifetime {
  private readonly quiescing: (() => Promise<void>)[] = [];
  private readonly closing: (() => Promise<void>)[] = [];

  constructor(private readonly logger: Logger) {}

  /** A step of the first phase: stop taking work. */
  onQuiesce(stop: () => Promise<void>): void {
    this.quiescing.push(stop);
  }

  /** A step of the second phase: close something opened (run newest first). */
  onClose(close: () => Promise<void>): void {
    this.closing.push(close);
  }

  async close(): Promise<void> {
    const failed = (err: unknown): void => this.logger.error({ err }, 'error while stopping');
    await Promise.all(this.quiescing.splice(0).map((stop) => stop().catch(failed)));
    for (const close of this.closing.splice(0).reverse()) await close().catch(failed);
  }
}
