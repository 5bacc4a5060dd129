import type { Selectable } from 'kysely';
import type { SpApiClient } from '../amazon/client-types.js';
import { HOUR, MINUTE, type Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import type { Store } from '../store/database.js';
import type { ListingChangesTable } from '../store/schema.js';

/** One row of the outbox. */
export type Row = Selectable<ListingChangesTable>;

/** What one drain of a connection did, and when the job system should come back. */
export interface DrainReport {
  /** Changes that reached a final result (sent, confirmed by read-back, or failed). */
  finished: number;
  /** Changes due now and still queued (the batch limit or the work budget was reached). */
  remaining: number;
  /** Set when the connection cannot call Amazon: changes wait for renewal. */
  waiting: boolean;
  /**
   * When queued changes are not due now (Amazon failed or throttled and they back off): come back
   * after this many ms. null when nothing waits for a retry.
   */
  retryAfterMs: number | null;
}

/** The deps of the drainer: the store (lock + rows), the SP-API client, time and a logger. */
export interface ListingDrainerDeps {
  store: Store;
  spApi: SpApiClient;
  clock: Clock;
  logger: Logger;
  /** Most changes one drain sends before handing back to the job system (default 200). */
  batchLimit?: number;
  /**
   * How long a change that Amazon keeps failing transiently (5xx, network, timeout) is retried,
   * counted from its first failure in a row, before it fails for good (default 24 h).
   */
  retryWindowMs?: number;
  /** First wait before retrying after Amazon failed or throttled; doubled per attempt (default 30 s). */
  retryDelayMs?: number;
  /** Longest wait between retries of one change (default 30 minutes). */
  maxRetryDelayMs?: number;
  /**
   * How long after a send whose outcome is unknown (timed out, dropped, or its worker died) Amazon
   * may still apply it (default 60 s: twice the client's 30 s deadline). Such a change is read back
   * only after this, so a request still inside Amazon cannot land after a resend and undo it.
   */
  inFlightSettleMs?: number;
}

/** The drainer's deps with every default applied: what each step of a drain takes. */
export type DrainContext = Required<Omit<ListingDrainerDeps, 'store'>> & Pick<ListingDrainerDeps, 'store'>;

/** Applies the defaults of ListingDrainerDeps. */
export function drainContext(deps: ListingDrainerDeps): DrainContext {
  return {
    store: deps.store,
    spApi: deps.spApi,
    clock: deps.clock,
    logger: deps.logger,
    batchLimit: deps.batchLimit ?? 200,
    retryWindowMs: deps.retryWindowMs ?? 24 * HOUR,
    retryDelayMs: deps.retryDelayMs ?? 30_000,
    maxRetryDelayMs: deps.maxRetryDelayMs ?? 30 * MINUTE,
    inFlightSettleMs: deps.inFlightSettleMs ?? 60_000,
  };
}

/** The current time as a Date. */
export function nowOf(ctx: Pick<DrainContext, 'clock'>): Date {
  return new Date(ctx.clock.now());
}

/** `done`: the change got a final result; `later`: it backs off; `stop`: the drain ends now. */
export type Step = { next: 'done' } | { next: 'later' } | { next: 'stop'; report: Partial<DrainReport> };
