import type { Kysely } from 'kysely';
import type { SpApiClient } from '../amazon/client-types.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import type { Database } from '../store/schema.js';

/** Tuning of the backfill by report (environment variables in docs/configuration.md). */
export interface ReportBackfillSettings {
  /** Backfill by report when the watermark is more than this behind (0: never; default 6 hours). */
  reportBackfillAfterMs: number;
  /** Longest window of one report (Amazon's limit is 30 days; default 29 days). */
  reportWindowMs: number;
  /** The reports end this long before now: Amazon's order reports may lag (default 30 minutes). */
  reportLagMs: number;
  /** How often a pending report is polled (default 30 seconds). */
  reportPollMs: number;
  /** A report not done after this falls back to paging (default 2 hours). */
  reportTimeoutMs: number;
  /** After a fallback, no new backfill by report for this long (default 24 hours). */
  reportRetryAfterMs: number;
  /** Orders upserted per transaction while merging (default 500). */
  reportMergeBatch: number;
}

/** What the backfill needs from the run. */
export interface BackfillContext {
  db: Kysely<Database>;
  spApi: SpApiClient;
  fetch: typeof fetch;
  clock: Clock;
  logger: Logger;
  settings: ReportBackfillSettings & { overlapMs: number };
  connectionId: string;
  accountId: string;
  marketplaceIds: readonly string[];
  /** A bounded run merges no further batch after this (its progress is saved). */
  deadline?: number;
}
