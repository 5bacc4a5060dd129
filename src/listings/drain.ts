import { expressionBuilder, sql, type Selectable } from 'kysely';
import type { SpApiClient } from '../amazon/client-types.js';
import { AmazonError } from '../amazon/errors.js';
import { healthOfConnection, selectConnections, toConnection } from '../connections/repository.js';
import { recordEvent } from '../events/events.js';
import { HOUR, MINUTE, type Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import type { Store } from '../store/database.js';
import type { Database, ListingChangesTable } from '../store/schema.js';
import { TokenError } from '../broker/errors.js';
import { toIssues, type ChangeState, type ListingIssue } from './model.js';
import { listingItemPath, listingShowsChange, readListing, type LiveAttributes } from './readback.js';
import type { PatchBody, PutBody } from './validate.js';

type Row = Selectable<ListingChangesTable>;

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

/** What a drain may do this time (the job system bounds each run). */
export interface DrainOptions {
  /** Start no new send after this many ms (a call already started is finished). Default: no limit. */
  budgetMs?: number;
}

/** Token-broker codes that mean "not until the seller renews". */
const BLOCKED_CODES = new Set([
  'TOKEN_CONNECTION_REVOKED',
  'TOKEN_CONNECTION_EXPIRED',
  'TOKEN_CONNECTION_DISCONNECTED',
  'TOKEN_APPLICATION_REJECTED',
]);

/**
 * Delivers a connection's outbox to Amazon, one drainer per connection across processes
 * (`store.withLock('listings:<id>')`), at the usage-plan bound (the SP-API client's shared limiter
 * waits instead of being throttled).
 *
 * Never lost: every change is sent, in `seq` order for its SKU; no change replaces an earlier one
 * before it is sent, so a later change that Amazon refuses never costs an earlier valid one (Amazon
 * applies each accepted submission in turn, so the last accepted one decides). A change that Amazon
 * failed transiently (5xx, network, timeout) backs off on its own (`next_attempt_at`): later changes
 * of its SKU wait with it, other SKUs go on; it is retried for `retryWindowMs` from its first
 * failure in a row before it fails for good.
 *
 * Send once: a change is marked `sending` in a committed write before its call and gets its result
 * in one transaction with its event. A change found `sending` when a drainer takes the lock was
 * interrupted (its drainer died: the lock is only released when it finishes or its process ends);
 * like a change whose call failed ambiguously (timeout, network, 5xx after retries) it is marked
 * `uncertain` and read back (readback.ts) before it is sent again.
 */
export function createListingDrainer(deps: ListingDrainerDeps) {
  const batchLimit = deps.batchLimit ?? 200;
  const retryWindowMs = deps.retryWindowMs ?? 24 * HOUR;
  const retryDelayMs = deps.retryDelayMs ?? 30_000;
  const maxRetryDelayMs = deps.maxRetryDelayMs ?? 30 * MINUTE;
  const inFlightSettleMs = deps.inFlightSettleMs ?? 60_000;
  const db = deps.store.db;
  const now = (): Date => new Date(deps.clock.now());

  /** Queued changes that may go now: due, and the oldest open change of their SKU. */
  const isDue = (at: Date) =>
    expressionBuilder<Database, 'listing_changes'>().and([
      sql<boolean>`listing_changes.state = 'queued'`,
      sql<boolean>`(listing_changes.next_attempt_at is null or listing_changes.next_attempt_at <= ${at})`,
      sql<boolean>`not exists (select 1 from listing_changes e
        where e.connection_id = listing_changes.connection_id and e.sku = listing_changes.sku
          and e.seq < listing_changes.seq and e.state in ('queued', 'waiting', 'sending'))`,
    ]);

  /** A connection's changes that may go now (see isDue). */
  const dueChanges = (connectionId: string, at: Date) =>
    db.selectFrom('listing_changes').where('connection_id', '=', connectionId).where(isDue(at));

  const setQueuedState = async (
    connectionId: string,
    from: ChangeState[],
    to: 'queued' | 'waiting',
    reason: string | null,
  ): Promise<void> => {
    await db
      .updateTable('listing_changes')
      .set({
        state: to,
        state_reason: reason,
        updated_at: now(),
        // Time spent waiting for the connection is no failure of Amazon's: the retry window restarts.
        ...(to === 'waiting' ? { next_attempt_at: null, retrying_since: null } : {}),
      })
      .where('connection_id', '=', connectionId)
      .where('state', 'in', from)
      .execute();
  };

  /** Stores a final result and its event in one transaction (once: only from an open state). */
  const finish = async (
    row: Row,
    result: {
      state: 'accepted' | 'rejected' | 'valid' | 'failed';
      amazonStatus: string | null;
      submissionId: string | null;
      issues: ListingIssue[];
      reason: string | null;
      error?: { code: string; message: string };
    },
  ): Promise<void> => {
    const at = now();
    await db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('listing_changes')
        .set({
          state: result.state,
          amazon_status: result.amazonStatus,
          submission_id: result.submissionId,
          issues: JSON.stringify(result.issues),
          state_reason: result.reason,
          error_code: result.error?.code ?? null,
          error_message: result.error?.message ?? null,
          uncertain: false,
          next_attempt_at: null,
          finished_at: at,
          updated_at: at,
        })
        .where('id', '=', row.id)
        .where('state', 'in', ['queued', 'sending'])
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0 || row.preview) return;
      await recordEvent(trx, {
        type: result.state === 'accepted' ? 'listing.accepted' : 'listing.rejected',
        at,
        accountId: row.account_id,
        connectionId: row.connection_id,
        payload: {
          changeId: row.id,
          sku: row.sku,
          marketplaceId: row.marketplace_id,
          kind: row.kind,
          status: result.amazonStatus,
          submissionId: result.submissionId,
          issues: result.issues,
          ...(result.error ? { error: result.error } : {}),
        },
        dedupeKey: `listing:${row.id}`,
      });
    });
  };

  /** `done`: the change got a final result; `later`: it backs off; `stop`: the drain ends now. */
  type Step = { next: 'done' } | { next: 'later' } | { next: 'stop'; report: Partial<DrainReport> };

  /** Back to `queued` (from `sending`), to be sent again by a later drain. */
  const requeue = async (
    row: Row,
    options: { uncertain: boolean; reason: string; nextAttemptAt?: Date; retryingSince?: Date },
  ): Promise<void> => {
    await db
      .updateTable('listing_changes')
      .set({
        state: 'queued',
        uncertain: options.uncertain,
        state_reason: options.reason,
        updated_at: now(),
        ...(options.nextAttemptAt ? { next_attempt_at: options.nextAttemptAt } : {}),
        ...(options.retryingSince ? { retrying_since: options.retryingSince } : {}),
      })
      .where('id', '=', row.id)
      .where('state', 'in', ['queued', 'sending'])
      .execute();
  };

  /**
   * Amazon failed this change transiently: it backs off (doubling from `retryDelayMs`, at most
   * `maxRetryDelayMs`, at least Amazon's Retry-After), or fails for good once it has been failing
   * for the retry window.
   */
  const backOff = async (row: Row, err: AmazonError, uncertain: boolean): Promise<Step> => {
    const at = deps.clock.now();
    const since = row.retrying_since?.getTime() ?? at;
    if (at - since >= retryWindowMs) {
      await finish(row, {
        state: 'failed',
        amazonStatus: null,
        submissionId: null,
        issues: [],
        reason: `Amazon kept failing for ${Math.round((at - since) / MINUTE)} minutes (${row.attempts} attempts); given up`,
        error: { code: err.code, message: err.message },
      });
      return { next: 'done' };
    }
    const delay = Math.max(
      Math.min(maxRetryDelayMs, retryDelayMs * 2 ** Math.min(20, Math.max(0, row.attempts - 1))),
      err.info.retryAfterMs ?? 0,
    );
    await requeue(row, {
      uncertain,
      reason: `Amazon failed (${err.code}); retried from ${new Date(at + delay).toISOString()}`,
      nextAttemptAt: new Date(at + delay),
      retryingSince: new Date(since),
    });
    deps.logger.warn(
      { connectionId: row.connection_id, changeId: row.id, code: err.code, retryInMs: delay },
      'listing change not delivered; retrying later',
    );
    return { next: 'later' };
  };

  /** Handles an error of a call for `row` (`sent`: the change itself was on the wire). */
  const onError = async (row: Row, err: unknown, sent: boolean): Promise<Step> => {
    const at = now();
    if (err instanceof TokenError) {
      if (BLOCKED_CODES.has(err.code)) {
        // The broker refused before Amazon took anything: nothing of this change arrived.
        await db
          .updateTable('listing_changes')
          .set({ state: 'queued', updated_at: at })
          .where('id', '=', row.id)
          .where('state', '=', 'sending')
          .execute();
        await setQueuedState(
          row.connection_id,
          ['queued'],
          'waiting',
          `connection cannot call Amazon (${err.code}); sent when it works again`,
        );
        return { next: 'stop', report: { waiting: true } };
      }
      if (err.code === 'TOKEN_CONNECTION_NOT_FOUND') {
        await finish(row, {
          state: 'failed',
          amazonStatus: null,
          submissionId: null,
          issues: [],
          reason: 'the connection no longer exists',
          error: { code: err.code, message: err.message },
        });
        return { next: 'done' };
      }
      // LWA unreachable: nothing was sent, and every change of the connection would fail alike.
      await requeue(row, { uncertain: row.uncertain, reason: `token refresh failed: ${err.message}` });
      return { next: 'stop', report: { retryAfterMs: retryDelayMs } };
    }
    if (err instanceof AmazonError) {
      // Throttling and refused credentials concern the whole connection, and Amazon took nothing.
      if (
        err.code === 'SPAPI_THROTTLED' ||
        err.code === 'SPAPI_WAIT_TOO_LONG' ||
        err.code === 'SPAPI_ACCESS_TOKEN_EXPIRED' ||
        err.code === 'SPAPI_CLIENT_SECRET_EXPIRED'
      ) {
        await requeue(row, {
          uncertain: row.uncertain,
          reason: `Amazon failed (${err.code}); retried later`,
        });
        return { next: 'stop', report: { retryAfterMs: err.info.retryAfterMs ?? retryDelayMs } };
      }
      // A read-back that failed sent nothing; a send that failed transiently may have arrived.
      if (err.retryable || !sent) return backOff(row, err, row.uncertain || sent);
      // Amazon refused the request itself (400 InvalidInput, 403, 404): a final answer.
      const issue: ListingIssue = {
        code: err.info.amazonCode ?? err.code,
        message: err.info.amazonMessage ?? err.message,
        severity: 'ERROR',
        attributeNames: [],
      };
      await finish(row, {
        state: 'failed',
        amazonStatus: null,
        submissionId: null,
        issues: [issue],
        reason: `Amazon refused the request (${err.code})`,
        error: { code: err.code, message: err.message },
      });
      return { next: 'done' };
    }
    // Anything else is a bug or a crash: leave the row as it is (a `sending` row is read back later).
    throw err;
  };

  const deliver = async (sellerId: string, row: Row): Promise<Step> => {
    if (row.uncertain && !row.preview) {
      // The earlier send may still be inside Amazon: wait until it must have landed or died.
      const settled = row.sent_at ? new Date(row.sent_at.getTime() + inFlightSettleMs) : null;
      if (settled && settled > now()) {
        await requeue(row, {
          uncertain: true,
          reason: 'an earlier send was interrupted; checked with Amazon once it has surely landed',
          nextAttemptAt: settled,
        });
        return { next: 'later' };
      }
      let live: LiveAttributes | null;
      try {
        live = await readListing(deps.spApi, row.connection_id, sellerId, row.sku, row.marketplace_id);
      } catch (err) {
        return onError(row, err, false);
      }
      const change = { kind: row.kind, body: row.body } as
        { kind: 'put'; body: PutBody } | { kind: 'patch'; body: PatchBody } | { kind: 'delete'; body: null };
      if (listingShowsChange(change, live)) {
        await finish(row, {
          state: 'accepted',
          amazonStatus: 'ACCEPTED',
          submissionId: null,
          issues: [],
          reason:
            'an earlier send was interrupted; the listing already shows this change, so it was not sent again',
        });
        return { next: 'done' };
      }
    }
    const at = now();
    const claimed = await db
      .updateTable('listing_changes')
      .set({ state: 'sending', attempts: row.attempts + 1, sent_at: at, updated_at: at })
      .where('id', '=', row.id)
      .where('state', '=', 'queued')
      .returningAll()
      .executeTakeFirst();
    if (!claimed) return { next: 'later' };
    let body: { status?: unknown; submissionId?: unknown; issues?: unknown };
    try {
      const result = await deps.spApi.call<typeof body>(row.connection_id, {
        operationId: `${row.kind}ListingsItem`,
        method: row.kind === 'put' ? 'PUT' : row.kind === 'patch' ? 'PATCH' : 'DELETE',
        path: listingItemPath(sellerId, row.sku),
        query: {
          marketplaceIds: row.marketplace_id,
          ...(row.kind === 'delete' ? {} : { includedData: 'issues' }),
          ...(row.preview ? { mode: 'VALIDATION_PREVIEW' } : {}),
        },
        ...(row.body === null ? {} : { body: row.body }),
        // Send once: an ambiguous failure comes back here and is settled by reading the item back.
        retryAmbiguous: false,
      });
      body = result.body ?? {};
    } catch (err) {
      return onError(claimed, err, true);
    }
    const status = typeof body.status === 'string' ? body.status : null;
    const state =
      status === 'ACCEPTED'
        ? 'accepted'
        : status === 'INVALID'
          ? 'rejected'
          : status === 'VALID'
            ? 'valid'
            : null;
    await finish(claimed, {
      state: state ?? 'failed',
      amazonStatus: status,
      submissionId: typeof body.submissionId === 'string' ? body.submissionId : null,
      issues: toIssues(body.issues),
      reason: state ? null : 'Amazon answered without a known status',
      ...(state ? {} : { error: { code: 'SPAPI_BAD_RESPONSE', message: `status ${String(status)}` } }),
    });
    return { next: 'done' };
  };

  return {
    /**
     * Delivers due changes of one connection (see above); safe to call from any process. With a
     * budget it starts no send after `budgetMs` and reports what is left for its follow-up.
     */
    drain(connectionId: string, options: DrainOptions = {}): Promise<DrainReport> {
      const deadline = options.budgetMs === undefined ? Infinity : deps.clock.now() + options.budgetMs;
      return deps.store.withLock(`listings:${connectionId}`, async () => {
        const report: DrainReport = { finished: 0, remaining: 0, waiting: false, retryAfterMs: null };
        const found = await healthOfConnection(db, connectionId, deps.clock.now());
        if (!found) return report;
        const { connection } = found;
        // Holding the lock: a `sending` change belongs to a drainer that died mid-call.
        await db
          .updateTable('listing_changes')
          .set({
            state: 'queued',
            uncertain: true,
            state_reason: 'an earlier send was interrupted; checked with Amazon before sending again',
            updated_at: now(),
          })
          .where('connection_id', '=', connectionId)
          .where('state', '=', 'sending')
          .execute();
        // The connection's health (lifecycle/health.ts) decides: no call is made while it cannot work.
        if (!connection.health.canCallAmazon) {
          await setQueuedState(
            connectionId,
            ['queued'],
            'waiting',
            `waiting: ${connection.health.label.toLowerCase()}; sent when it works again`,
          );
          report.waiting = true;
          return report;
        }
        await setQueuedState(connectionId, ['waiting'], 'queued', null);
        for (let tried = 0; tried < batchLimit && deps.clock.now() < deadline; tried++) {
          const row = await dueChanges(connectionId, now())
            .selectAll()
            .orderBy('seq')
            .limit(1)
            .executeTakeFirst();
          if (!row) break;
          const step = await deliver(connection.sellingPartnerId, row);
          if (step.next === 'stop') {
            Object.assign(report, step.report);
            break;
          }
          if (step.next === 'done') report.finished++;
        }
        if (report.waiting) return report;
        const at = now();
        const left = await dueChanges(connectionId, at)
          .select(db.fn.countAll<string | number>().as('n'))
          .executeTakeFirstOrThrow();
        report.remaining = Number(left.n);
        if (report.remaining === 0 && report.retryAfterMs === null) {
          const next = await db
            .selectFrom('listing_changes')
            .select(db.fn.min('next_attempt_at').as('at'))
            .where('connection_id', '=', connectionId)
            .where('state', '=', 'queued')
            .executeTakeFirstOrThrow();
          if (next.at !== null) report.retryAfterMs = Math.max(0, new Date(next.at).getTime() - at.getTime());
        }
        return report;
      });
    },

    /**
     * Connections with changes to deliver now: queued ones that are due, interrupted ones, and
     * waiting ones whose connection can call Amazon again (renewed). The periodic sweep drains these.
     */
    async pendingConnections(): Promise<string[]> {
      const at = now();
      const rows = await selectConnections(db)
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('listing_changes')
              .select('listing_changes.id')
              .whereRef('listing_changes.connection_id', '=', 'connections.id')
              .where((w) => w.or([w('listing_changes.state', 'in', ['waiting', 'sending']), isDue(at)])),
          ),
        )
        .execute();
      return rows
        .map((r) => toConnection(r, at.getTime()))
        .filter((c) => c.health.canCallAmazon)
        .map((c) => c.id);
    },
  };
}

export type ListingDrainer = ReturnType<typeof createListingDrainer>;
