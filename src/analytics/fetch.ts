import type { SpApiClient } from '../amazon/client-types.js';
import { AmazonError } from '../amazon/errors.js';
import { blocksConnection } from '../broker/errors.js';
import { healthOfConnection } from '../connections/repository.js';
import { AppError } from '../kernel/errors.js';
import { MINUTE, type Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import type { Store } from '../store/database.js';
import {
  DEFAULT_ANALYTICS_SETTINGS,
  advanceMarketplace,
  type AnalyticsSettings,
  type RunContext,
} from './sales-traffic-report.js';
import { listSettlements, nextSettlementsAt, settlementsDue } from './settlements.js';
import { dueConnectionIds, openSync, setSync } from './tables.js';

/**
 * The analytics fetch of one connection (one run; the job system runs it when due): for each of
 * its marketplaces one step of the sales and traffic fetch (sales-traffic-report.ts), then the
 * settlement listing when it is due. Whether it may call Amazon is the connection's health alone
 * (`health.canCallAmazon`). Every call goes through the one SP-API client, whose limiter keeps it
 * within Amazon's usage plans. One run per connection at a time across processes (a try-lock).
 */

export interface AnalyticsFetcherDeps {
  store: Store;
  spApi: SpApiClient;
  /** Downloads report documents (Amazon's presigned S3 links, or the simulator's). */
  fetch: typeof fetch;
  clock: Clock;
  logger: Logger;
  settings?: Partial<AnalyticsSettings>;
}

/** How a run ended. */
export type FetchOutcome =
  | {
      status: 'done';
      /** Reports requested in this run. */
      requested: number;
      /** Days stored from reports that finished in this run. */
      daysStored: number;
      /** Reports that failed in this run (their reasons are on the analytics page). */
      failed: number;
      /** Settlement reports listed (null: the listing was not due). */
      settlements: number | null;
      /** When the connection needs its next run. */
      nextRunAt: Date;
    }
  | { status: 'paused'; reason: string }
  | { status: 'waiting'; retryAfterMs: number }
  | { status: 'busy' }
  | { status: 'gone' };

/** A paused connection is looked at again this often (renewal resumes it within about a minute). */
const PAUSED_RECHECK_MS = MINUTE;
/** A run that failed is tried again after this. */
const FAILED_RETRY_MS = 5 * MINUTE;

/** Builds the fetcher: `run` one connection now, `due` lists the connections whose run is due. */
export function createAnalyticsFetcher(deps: AnalyticsFetcherDeps) {
  const settings: AnalyticsSettings = { ...DEFAULT_ANALYTICS_SETTINGS, ...deps.settings };
  return {
    settings,
    /**
     * Runs one connection's fetch step unless a run is going on anywhere (`busy`). With `budgetMs`
     * (a job), no call waits for the usage plan past the budget: the run ends `waiting`.
     */
    async run(connectionId: string, options: { budgetMs?: number } = {}): Promise<FetchOutcome> {
      const deadline = options.budgetMs === undefined ? undefined : deps.clock.now() + options.budgetMs;
      const ctx: RunContext = {
        db: deps.store.db,
        spApi: deps.spApi,
        fetch: deps.fetch,
        clock: deps.clock,
        logger: deps.logger,
        settings,
        connectionId,
        ...(deadline === undefined ? {} : { deadline }),
      };
      const locked = await deps.store.tryLock(`analytics:${connectionId}`, () => runGuarded(ctx));
      return locked.acquired ? locked.value : { status: 'busy' };
    },
    /** Connections whose run is due now (none while analytics are off: interval 0). */
    due: async (): Promise<string[]> =>
      settings.intervalMs > 0 ? dueConnectionIds(deps.store.db, new Date(deps.clock.now())) : [],
  };
}

export type AnalyticsFetcher = ReturnType<typeof createAnalyticsFetcher>;

/** A run with its failure handling: paused by the broker, out of budget, or failed (retried later). */
async function runGuarded(ctx: RunContext): Promise<FetchOutcome> {
  try {
    return await runOnce(ctx);
  } catch (err) {
    const now = ctx.clock.now();
    if (blocksConnection(err)) {
      const reason = `Paused: ${err.message.replace(/\.+$/, '')}. Renew the connection; analytics then resume.`;
      await pause(ctx, reason);
      return { status: 'paused', reason };
    }
    if (err instanceof AmazonError && err.code === 'SPAPI_WAIT_TOO_LONG') {
      const retryAfterMs = err.info.retryAfterMs ?? MINUTE;
      await setSync(ctx.db, ctx.connectionId, { next_run_at: new Date(now + retryAfterMs) }, new Date(now));
      return { status: 'waiting', retryAfterMs };
    }
    const message = err instanceof AppError ? `${err.code}: ${err.message}` : 'unexpected error';
    await setSync(
      ctx.db,
      ctx.connectionId,
      { last_error: message, next_run_at: new Date(now + FAILED_RETRY_MS) },
      new Date(now),
    );
    ctx.logger.warn(
      { connectionId: ctx.connectionId, error: message },
      'analytics fetch failed; retried later',
    );
    throw err;
  }
}

/** Records a pause: looked at again within about a minute. */
async function pause(ctx: RunContext, reason: string): Promise<void> {
  const now = ctx.clock.now();
  await setSync(
    ctx.db,
    ctx.connectionId,
    { paused_reason: reason, next_run_at: new Date(now + PAUSED_RECHECK_MS) },
    new Date(now),
  );
}

/** One run for a connection (the caller holds its lock). */
async function runOnce(ctx: RunContext): Promise<FetchOutcome> {
  const now = ctx.clock.now();
  const found = await healthOfConnection(ctx.db, ctx.connectionId, now);
  if (!found) return { status: 'gone' };
  const { connection } = found;
  const sync = await openSync(ctx.db, ctx.connectionId);
  if (!connection.health.canCallAmazon) {
    const reason = `Paused: ${connection.health.label.toLowerCase()}. ${connection.health.advice} Analytics then fill in the missed days.`;
    await pause(ctx, reason);
    return { status: 'paused', reason };
  }
  if (connection.marketplaceIds.length === 0) {
    const reason =
      "Paused: the seller's marketplaces are not known yet; the health probe asks Amazon and analytics then start.";
    await pause(ctx, reason);
    return { status: 'paused', reason };
  }
  const outcome = { requested: 0, daysStored: 0, failed: 0 };
  let nextAt = Infinity;
  for (const marketplaceId of connection.marketplaceIds) {
    const step = await advanceMarketplace(ctx, marketplaceId);
    outcome.requested += step.requested ? 1 : 0;
    outcome.daysStored += step.stored;
    outcome.failed += step.failed === null ? 0 : 1;
    nextAt = Math.min(nextAt, step.nextAt);
  }
  let settlements: number | null = null;
  if (settlementsDue(ctx, sync, now)) {
    settlements = await listSettlements(ctx, sync);
    nextAt = Math.min(nextAt, nextSettlementsAt(ctx, now));
  } else nextAt = Math.min(nextAt, nextSettlementsAt(ctx, sync.settlements_checked_at!.getTime()));
  const nextRunAt = new Date(nextAt);
  await setSync(
    ctx.db,
    ctx.connectionId,
    { last_run_at: new Date(now), next_run_at: nextRunAt, paused_reason: null, last_error: null },
    new Date(ctx.clock.now()),
  );
  return { status: 'done', ...outcome, settlements, nextRunAt };
}
