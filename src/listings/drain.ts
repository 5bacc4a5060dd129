import type { Selectable } from 'kysely';
import type { SpApiClient } from '../amazon/client-types.js';
import { AmazonError } from '../amazon/errors.js';
import { healthOfConnection, selectConnections, toConnection } from '../connections/repository.js';
import { recordEvent } from '../events/events.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import type { Store } from '../store/database.js';
import type { ListingChangesTable } from '../store/schema.js';
import { TokenError } from '../tokens/errors.js';
import { toIssues, type ChangeState, type ListingIssue } from './model.js';
import { listingShowsChange, type LiveAttributes } from './readback.js';
import type { PatchBody, PutBody } from './validate.js';

type Row = Selectable<ListingChangesTable>;

/** What one drain of a connection did, and when the job system should come back. */
export interface DrainReport {
  /** Changes that reached a final result (sent, confirmed by read-back, superseded or failed). */
  finished: number;
  /** Changes still queued (the batch limit was reached). */
  remaining: number;
  /** Set when the connection cannot call Amazon: changes wait for renewal. */
  waiting: boolean;
  /** Set when Amazon failed in a way worth retrying: come back after this many ms. */
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
  /** Sends of one change before it fails for good (default 8). */
  maxAttempts?: number;
  /** Wait before retrying after Amazon failed or throttled (default 30 s). */
  retryDelayMs?: number;
}

const LISTINGS_PATH = '/listings/2021-08-01/items';
/** Token-broker codes that mean "not until the seller renews". */
const BLOCKED_CODES = new Set([
  'TOKEN_CONNECTION_REVOKED',
  'TOKEN_CONNECTION_EXPIRED',
  'TOKEN_CONNECTION_DISCONNECTED',
  'TOKEN_APPLICATION_REJECTED',
]);

/**
 * Delivers a connection's outbox to Amazon, one drainer per connection across processes
 * (`store.withLock('listings:<id>')`), in `seq` order, at the usage-plan bound (the SP-API
 * client's shared limiter waits instead of being throttled).
 *
 * Send once: a change is marked `sending` in a committed write before its call and gets its result
 * in one transaction with its event. A change found `sending` when a drainer takes the lock was
 * interrupted (its drainer died: the lock is only released when it finishes or its process ends);
 * like a change whose call failed ambiguously (timeout, network, 5xx after retries) it is marked
 * `uncertain` and read back (readback.ts) before it is sent again.
 */
export function createListingDrainer(deps: ListingDrainerDeps) {
  const batchLimit = deps.batchLimit ?? 200;
  const maxAttempts = deps.maxAttempts ?? 8;
  const retryDelayMs = deps.retryDelayMs ?? 30_000;
  const db = deps.store.db;
  const now = (): Date => new Date(deps.clock.now());

  /** Coalesces unsent changes per SKU: a later PUT or DELETE supersedes earlier puts, patches, deletes. */
  const coalesce = async (connectionId: string): Promise<number> => {
    const rows = await db
      .selectFrom('listing_changes')
      .select(['id', 'sku', 'marketplace_id', 'kind', 'preview', 'uncertain'])
      .where('connection_id', '=', connectionId)
      .where('state', '=', 'queued')
      .orderBy('seq')
      .execute();
    const groups = new Map<string, typeof rows>();
    for (const row of rows) {
      // Previews change nothing and an uncertain change may have reached Amazon: neither is coalesced.
      if (row.preview || row.uncertain) continue;
      const key = `${row.marketplace_id}\u0000${row.sku}`;
      groups.set(key, [...(groups.get(key) ?? []), row]);
    }
    let superseded = 0;
    for (const group of groups.values()) {
      let last = -1;
      group.forEach((row, i) => {
        if (row.kind === 'put' || row.kind === 'delete') last = i;
      });
      if (last <= 0) continue;
      const winner = group[last]!.id;
      const losers = group.slice(0, last).map((r) => r.id);
      const at = now();
      const result = await db
        .updateTable('listing_changes')
        .set({
          state: 'superseded',
          superseded_by: winner,
          state_reason: `superseded by ${winner} before it was sent`,
          finished_at: at,
          updated_at: at,
        })
        .where('id', 'in', losers)
        .where('state', '=', 'queued')
        .executeTakeFirst();
      superseded += Number(result.numUpdatedRows);
    }
    return superseded;
  };

  const setQueuedState = async (
    connectionId: string,
    from: ChangeState[],
    to: 'queued' | 'waiting',
    reason: string | null,
  ): Promise<void> => {
    await db
      .updateTable('listing_changes')
      .set({ state: to, state_reason: reason, updated_at: now() })
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

  type Step = { next: 'continue' } | { next: 'stop'; report: Partial<DrainReport> };

  /** Handles an error of a call for `row` (already back in an open state or still `sending`). */
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
        return { next: 'continue' };
      }
      await requeue(row, { uncertain: row.uncertain, reason: `token refresh failed: ${err.message}` });
      return { next: 'stop', report: { retryAfterMs: retryDelayMs } };
    }
    if (err instanceof AmazonError) {
      const definitelyNotApplied =
        !sent ||
        err.code === 'SPAPI_THROTTLED' ||
        err.code === 'SPAPI_WAIT_TOO_LONG' ||
        err.code === 'SPAPI_ACCESS_TOKEN_EXPIRED' ||
        err.code === 'SPAPI_CLIENT_SECRET_EXPIRED';
      if (err.retryable || definitelyNotApplied) {
        const uncertain = row.uncertain || !definitelyNotApplied;
        if (row.attempts >= maxAttempts) {
          await finish(row, {
            state: 'failed',
            amazonStatus: null,
            submissionId: null,
            issues: [],
            reason: `gave up after ${row.attempts} attempts`,
            error: { code: err.code, message: err.message },
          });
          return { next: 'continue' };
        }
        await requeue(row, { uncertain, reason: `Amazon failed (${err.code}); retried later` });
        deps.logger.warn(
          { connectionId: row.connection_id, changeId: row.id, code: err.code },
          'listing change not delivered; retrying later',
        );
        return { next: 'stop', report: { retryAfterMs: err.info.retryAfterMs ?? retryDelayMs } };
      }
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
      return { next: 'continue' };
    }
    // Anything else is a bug or a crash: leave the row as it is (a `sending` row is read back later).
    throw err;
  };

  const requeue = async (row: Row, options: { uncertain: boolean; reason: string }): Promise<void> => {
    await db
      .updateTable('listing_changes')
      .set({ state: 'queued', uncertain: options.uncertain, state_reason: options.reason, updated_at: now() })
      .where('id', '=', row.id)
      .where('state', 'in', ['queued', 'sending'])
      .execute();
  };

  const itemPath = (sellerId: string, sku: string): string =>
    `${LISTINGS_PATH}/${encodeURIComponent(sellerId)}/${encodeURIComponent(sku)}`;

  /** The live attributes for the change's SKU and marketplace, or null when Amazon has no such SKU. */
  const readBack = async (sellerId: string, row: Row): Promise<LiveAttributes | null> => {
    try {
      const result = await deps.spApi.call<{ attributes?: LiveAttributes }>(row.connection_id, {
        operationId: 'getListingsItem',
        method: 'GET',
        path: itemPath(sellerId, row.sku),
        query: { marketplaceIds: row.marketplace_id, includedData: 'attributes' },
      });
      return result.body.attributes ?? {};
    } catch (err) {
      if (err instanceof AmazonError && err.code === 'SPAPI_NOT_FOUND') return null;
      throw err;
    }
  };

  const deliver = async (sellerId: string, row: Row): Promise<Step> => {
    if (row.uncertain && !row.preview) {
      let live: LiveAttributes | null;
      try {
        live = await readBack(sellerId, row);
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
        return { next: 'continue' };
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
    if (!claimed) return { next: 'continue' };
    let body: { status?: unknown; submissionId?: unknown; issues?: unknown };
    try {
      const result = await deps.spApi.call<typeof body>(row.connection_id, {
        operationId: `${row.kind}ListingsItem`,
        method: row.kind === 'put' ? 'PUT' : row.kind === 'patch' ? 'PATCH' : 'DELETE',
        path: itemPath(sellerId, row.sku),
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
    return { next: 'continue' };
  };

  return {
    /** Delivers queued changes of one connection (see above); safe to call from any process. */
    drain(connectionId: string): Promise<DrainReport> {
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
        report.finished += await coalesce(connectionId);
        for (let sent = 0; sent < batchLimit; sent++) {
          const row = await db
            .selectFrom('listing_changes')
            .selectAll()
            .where('connection_id', '=', connectionId)
            .where('state', '=', 'queued')
            .orderBy('seq')
            .limit(1)
            .executeTakeFirst();
          if (!row) break;
          const step = await deliver(connection.sellingPartnerId, row);
          if (step.next === 'stop') {
            Object.assign(report, step.report);
            break;
          }
          report.finished++;
        }
        if (!report.waiting) {
          const left = await db
            .selectFrom('listing_changes')
            .select(db.fn.countAll<string | number>().as('n'))
            .where('connection_id', '=', connectionId)
            .where('state', '=', 'queued')
            .executeTakeFirstOrThrow();
          report.remaining = Number(left.n);
        }
        return report;
      });
    },

    /**
     * Connections with changes to deliver now: queued or interrupted ones, and waiting ones whose
     * connection can call Amazon again (renewed). The periodic sweep drains these.
     */
    async pendingConnections(): Promise<string[]> {
      const rows = await selectConnections(db)
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('listing_changes as l')
              .select('l.id')
              .whereRef('l.connection_id', '=', 'connections.id')
              .where('l.state', 'in', ['queued', 'waiting', 'sending']),
          ),
        )
        .execute();
      const at = deps.clock.now();
      return rows
        .map((r) => toConnection(r, at))
        .filter((c) => c.health.canCallAmazon)
        .map((c) => c.id);
    },
  };
}

export type ListingDrainer = ReturnType<typeof createListingDrainer>;
