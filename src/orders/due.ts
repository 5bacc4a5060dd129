import { sql, type Kysely } from 'kysely';
import { HOUR, type Clock } from '../kernel/clock.js';
import type { Database } from '../store/schema.js';

/**
 * Which connections' order imports are due: what the dispatcher (every minute, orders/jobs.ts) queues.
 * Decided in SQL, a batch at a time in id order, so a minute's dispatch reads no more than it queues
 * and its memory does not grow with the connections (bench/scale.ts: 100,000 connections).
 */

/** Connections read per batch of a dispatch. */
export const DUE_BATCH = 1000;

/**
 * A paused import (the connection cannot call Amazon, or its marketplaces are unknown) is looked at
 * again when its connection or application changed after it paused (a renewal, a recovered
 * application, marketplaces stored: within the dispatcher's minute), and at the latest this long
 * after it paused (a change not recorded on the rows). Before, every paused import ran every minute:
 * at 100,000 connections tens of thousands of jobs a minute that only found the import still paused.
 */
export const PAUSED_RECHECK_MS = HOUR;

/**
 * One batch of the SP-API connections (not disconnected) whose import is due, after id `after` in id
 * order: never imported; last started `intervalMs` ago or longer; running (a run that died with its
 * process or stopped for its time budget or the usage plan: it goes on at its next page, and a run
 * still going elsewhere holds the lock, so the new job finds it busy and ends) or failed; paused and
 * due a look (see PAUSED_RECHECK_MS).
 */
export async function dueConnectionBatch(
  deps: { db: Kysely<Database>; clock: Clock },
  settings: { intervalMs: number },
  after: string | null,
  limit = DUE_BATCH,
): Promise<string[]> {
  const now = deps.clock.now();
  const startedBefore = new Date(now - settings.intervalMs);
  const pausedBefore = new Date(now - PAUSED_RECHECK_MS);
  let q = deps.db
    .selectFrom('connections')
    .leftJoin('order_syncs', 'order_syncs.connection_id', 'connections.id')
    .leftJoin('applications', 'applications.id', 'connections.application_id')
    .select('connections.id')
    .where('connections.api', '=', 'sp_api')
    .where('connections.state', '!=', 'disconnected')
    .where(
      sql<boolean>`case
        when order_syncs.connection_id is null then true
        when order_syncs.status = 'paused' then
          connections.updated_at > order_syncs.updated_at
          or coalesce(applications.updated_at > order_syncs.updated_at, false)
          or order_syncs.updated_at <= ${pausedBefore}
        else
          order_syncs.last_started_at is null
          or order_syncs.last_started_at <= ${startedBefore}
          or order_syncs.status in ('running', 'failed')
      end`,
    )
    .orderBy('connections.id')
    .limit(limit);
  if (after !== null) q = q.where('connections.id', '>', after);
  return (await q.execute()).map((r) => r.id);
}

/** Every connection whose import is due (see `dueConnectionBatch`), in id order. */
export async function dueConnections(
  deps: { db: Kysely<Database>; clock: Clock },
  settings: { intervalMs: number },
): Promise<string[]> {
  const all: string[] = [];
  for (;;) {
    const batch = await dueConnectionBatch(deps, settings, all.at(-1) ?? null);
    all.push(...batch);
    if (batch.length < DUE_BATCH) return all;
  }
}
