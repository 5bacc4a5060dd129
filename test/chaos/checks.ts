import { sql, type Kysely } from 'kysely';
import { isDeepStrictEqual } from 'node:util';
import { projectOrder } from '../../src/simulator/orders-data.js';
import type { SimOrder } from '../../src/simulator/state.js';
import type { Database } from '../../src/store/schema.js';
import type { ReceivedMail } from './mailbox.js';

/**
 * The end checks of a chaos run that read the database: orders against the simulator, e-mail
 * notifications against the event log and the mail server, and pg-boss's jobs. Each returns the
 * problems it found as sentences (empty: all good) and its counts.
 */

/** searchOrders `includedData` the processes run with (ORDERS_INCLUDED_DATA). */
export const INCLUDED_DATA = ['FULFILLMENT', 'PROCEEDS'];

/** Orders of one connection: none missing, none extra, each the simulator's current version. */
export async function checkOrders(
  db: Kysely<Database>,
  connections: { id: string; sellingPartnerId: string }[],
  simOrders: () => Iterable<SimOrder>,
): Promise<{ failures: string[]; imported: number; expected: number }> {
  const failures: string[] = [];
  const included = new Set(INCLUDED_DATA);
  let imported = 0;
  let expected = 0;
  for (const connection of connections) {
    const truth = new Map<string, SimOrder>();
    for (const o of simOrders())
      if (o.sellingPartnerId === connection.sellingPartnerId) truth.set(o.orderId, o);
    const rows = await db
      .selectFrom('orders')
      .select(['order_id', 'data'])
      .where('connection_id', '=', connection.id)
      .execute();
    imported += rows.length;
    expected += truth.size;
    const mine = new Map(rows.map((r) => [r.order_id, r.data]));
    const missing = [...truth.keys()].filter((id) => !mine.has(id));
    const extra = [...mine.keys()].filter((id) => !truth.has(id));
    const stale = [...truth.values()].filter((o) => {
      const data = mine.get(o.orderId);
      return (
        data !== undefined && !isDeepStrictEqual(data, JSON.parse(JSON.stringify(projectOrder(o, included))))
      );
    });
    const name = connection.sellingPartnerId;
    if (missing.length > 0)
      failures.push(`orders of ${name}: ${missing.length} missing (e.g. ${missing.slice(0, 3).join(', ')})`);
    if (extra.length > 0)
      failures.push(
        `orders of ${name}: ${extra.length} not in the simulator (e.g. ${extra.slice(0, 3).join(', ')})`,
      );
    if (stale.length > 0)
      failures.push(
        `orders of ${name}: ${stale.length} stale (not the simulator's current version, e.g. ${stale
          .slice(0, 3)
          .map((o) => `${o.orderId} v${o.version}`)
          .join(', ')})`,
      );
    // None twice: one "created" order.upserted per order.
    const created = await sql<{ order_id: string; n: string }>`
      select payload->>'orderId' as order_id, count(*) as n from events
      where type = 'order.upserted' and connection_id = ${connection.id} and (payload->>'created')::boolean
      group by 1 having count(*) > 1`.execute(db);
    if (created.rows.length > 0)
      failures.push(
        `orders of ${name}: ${created.rows.length} created more than once (e.g. ${created.rows
          .slice(0, 3)
          .map((r) => `${r.order_id} ×${r.n}`)
          .join(', ')})`,
      );
  }
  return { failures, imported, expected };
}

/** Whether the orders match already (the settle loop polls this). */
export async function ordersMatch(
  db: Kysely<Database>,
  connections: { id: string; sellingPartnerId: string }[],
  simOrders: () => Iterable<SimOrder>,
): Promise<boolean> {
  const { failures } = await checkOrders(db, connections, simOrders);
  return failures.length === 0;
}

/** What the notification check counted. */
export interface NotificationFigures {
  events: number;
  messages: number;
  /** Messages beyond the first for an event and recipient (at-least-once; same event id). */
  duplicateMessages: number;
  /** Event → first arrival, milliseconds. */
  latencyMs: { p50: number | null; p90: number | null; p99: number | null; max: number | null };
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Every event of the e-mailed types was delivered to the recipient and arrived (duplicates only with
 * the same event id); no event was raised twice for one happening under different ids.
 */
export async function checkNotifications(
  db: Kysely<Database>,
  options: { accountId: string; recipient: string; eventTypes: string[]; mail: ReceivedMail[] },
): Promise<{ failures: string[]; figures: NotificationFigures }> {
  const failures: string[] = [];
  const events = (
    await sql<{ id: string; type: string; recorded_at: Date; payload: Record<string, unknown> }>`
      select id::text as id, type, recorded_at, payload from events
      where account_id = ${options.accountId} and type in (${sql.join(options.eventTypes)})
      order by id`.execute(db)
  ).rows;
  const deliveries = (
    await sql<{ event_id: string; status: string; attempts: number; last_error: string | null }>`
      select event_id::text as event_id, status, attempts, last_error from notification_deliveries
      where channel = 'email' and lower(target) = ${options.recipient.toLowerCase()}`.execute(db)
  ).rows;
  const deliveryOf = new Map(deliveries.map((d) => [d.event_id, d]));
  const arrivals = new Map<string, ReceivedMail[]>();
  for (const m of options.mail) {
    if (!m.recipients.includes(options.recipient.toLowerCase())) continue;
    const id = /^evt_(\d+)$/.exec(m.eventId ?? '')?.[1];
    if (!id) {
      failures.push(`an e-mail arrived without a valid X-Sellerlink-Event-Id (${m.eventId ?? 'none'})`);
      continue;
    }
    arrivals.set(id, [...(arrivals.get(id) ?? []), m]);
  }
  const byId = new Map(events.map((e) => [e.id, e]));
  const latencies: number[] = [];
  const notDelivered: string[] = [];
  const neverArrived: string[] = [];
  const noDelivery: string[] = [];
  let duplicateMessages = 0;
  for (const e of events) {
    const delivery = deliveryOf.get(e.id);
    if (!delivery) noDelivery.push(`evt_${e.id} ${e.type}`);
    else if (delivery.status !== 'delivered')
      notDelivered.push(
        `evt_${e.id} ${e.type} ${delivery.status} after ${delivery.attempts} attempts (${delivery.last_error ?? ''})`,
      );
    const got = arrivals.get(e.id) ?? [];
    if (got.length === 0) neverArrived.push(`evt_${e.id} ${e.type}`);
    else latencies.push(Math.max(0, Math.min(...got.map((m) => m.receivedAt)) - e.recorded_at.getTime()));
    duplicateMessages += Math.max(0, got.length - 1);
    for (const m of got)
      if (m.eventType !== e.type)
        failures.push(`evt_${e.id} is a ${e.type} but its e-mail says ${m.eventType ?? 'nothing'}`);
  }
  const sample = (list: string[]) => `${list.length} (e.g. ${list.slice(0, 3).join('; ')})`;
  if (noDelivery.length > 0) failures.push(`notifications: no e-mail planned for ${sample(noDelivery)}`);
  if (notDelivered.length > 0) failures.push(`notifications: not delivered: ${sample(notDelivered)}`);
  if (neverArrived.length > 0) failures.push(`notifications: never arrived: ${sample(neverArrived)}`);
  const strangers = [...arrivals.keys()].filter((id) => !byId.has(id));
  if (strangers.length > 0)
    failures.push(
      `notifications: e-mails for events that are not ours to send: ${strangers.slice(0, 5).join(', ')}`,
    );
  // One happening, one event: a second event for it would reach receivers under a new id.
  const twice = (
    await sql<{ what: string; n: string }>`
      select type || ' ' || coalesce(payload->>'changeId', (payload->>'orderId') || '@' || (payload->>'lastUpdatedTime') || ' ' || (payload->>'status')) as what,
             count(*) as n
      from events
      where account_id = ${options.accountId} and type in ('listing.accepted', 'listing.rejected', 'order.upserted')
      group by 1 having count(*) > 1`.execute(db)
  ).rows;
  if (twice.length > 0)
    failures.push(
      `notifications: ${twice.length} happenings raised more than once under different event ids (e.g. ${twice
        .slice(0, 3)
        .map((r) => `${r.what} ×${r.n}`)
        .join('; ')})`,
    );
  latencies.sort((a, b) => a - b);
  return {
    failures,
    figures: {
      events: events.length,
      messages: [...arrivals.values()].reduce((n, list) => n + list.length, 0),
      duplicateMessages,
      latencyMs: {
        p50: percentile(latencies, 50),
        p90: percentile(latencies, 90),
        p99: percentile(latencies, 99),
        max: latencies.at(-1) ?? null,
      },
    },
  };
}

/** A pg-boss job as the jobs check reads it. */
interface JobRow {
  id: string;
  name: string;
  state: string;
  retry_limit: number;
  retry_count: number;
  created_on: Date;
  started_on: Date | null;
  start_after: Date;
  age_s: number;
  output: unknown;
}

/** pg-boss's jobs, live and archived (states: created, retry, active, completed, cancelled, failed). */
async function jobs(db: Kysely<Database>): Promise<JobRow[]> {
  const columns = sql`id::text as id, name, state::text as state, retry_limit, retry_count, created_on, started_on,
    start_after, extract(epoch from now() - case when state = 'active' then started_on else start_after end)::float8 as age_s,
    output`;
  const live = await sql<JobRow>`select ${columns} from pgboss.job`.execute(db);
  const archived = await sql<JobRow>`select ${columns} from pgboss.archive`
    .execute(db)
    .catch(() => ({ rows: [] }));
  return [...live.rows, ...archived.rows];
}

/** A dead worker's job must be taken over within 2 minutes; plus a poll and a maintenance pass. */
export const TAKEOVER_BOUND_S = 130;

/**
 * Whether jobs are quiet: nothing queued and overdue, and nothing active past the takeover bound;
 * with `since`, also nothing still active that started before it (every job a killed worker left
 * has been taken over).
 */
export async function jobsQuiet(
  db: Kysely<Database>,
  since: Date | null,
): Promise<{ quiet: boolean; busy: string[] }> {
  const busy = (await jobs(db))
    .filter(
      (j) =>
        (j.state === 'active' && j.age_s > TAKEOVER_BOUND_S) ||
        (since !== null && j.state === 'active' && j.started_on !== null && j.started_on < since) ||
        ((j.state === 'created' || j.state === 'retry') && j.age_s > 60),
    )
    .map((j) => `${j.name} ${j.state} for ${Math.round(j.age_s)} s`);
  return { quiet: busy.length === 0, busy };
}

/**
 * No job stuck (active past the takeover bound, or, with `since`, still active from before it; or
 * queued and not picked up for a minute) and none failed for good: a job that may be retried ran out of retries, or
 * a run of a job that is not retried (the every-minute dispatchers) was not followed by a good one.
 */
export async function checkJobs(
  db: Kysely<Database>,
  since: Date | null,
): Promise<{ failures: string[]; figures: Record<string, number> }> {
  const all = await jobs(db);
  const failures: string[] = [];
  const describe = (j: JobRow) => `${j.name} ${j.id.slice(0, 8)} (${j.state}, ${Math.round(j.age_s)} s)`;
  const stuck = all.filter(
    (j) =>
      (j.state === 'active' && j.age_s > TAKEOVER_BOUND_S) ||
      (since !== null && j.state === 'active' && j.started_on !== null && j.started_on < since) ||
      ((j.state === 'created' || j.state === 'retry') && j.age_s > 60),
  );
  if (stuck.length > 0)
    failures.push(`jobs stuck: ${stuck.length} (${stuck.slice(0, 5).map(describe).join('; ')})`);
  const failed = all.filter((j) => j.state === 'failed');
  const forGood = failed.filter(
    (j) =>
      j.retry_limit > 0 ||
      !all.some((k) => k.name === j.name && k.state === 'completed' && k.created_on > j.created_on),
  );
  if (forGood.length > 0)
    failures.push(
      `jobs failed for good: ${forGood.length} (${forGood
        .slice(0, 5)
        .map((j) => `${describe(j)}: ${JSON.stringify(j.output ?? null).slice(0, 160)}`)
        .join('; ')})`,
    );
  const retried = all.filter((j) => j.retry_count > 0).length;
  return {
    failures,
    figures: {
      jobs: all.length,
      retried,
      failedThenRedone: failed.length - forGood.length,
      failedForGood: forGood.length,
      stuck: stuck.length,
    },
  };
}
