import { sql, type Kysely, type Selectable } from 'kysely';
import type { Clock } from '../kernel/clock.js';
import type { Store } from '../store/database.js';
import type { Database, EventsTable } from '../store/schema.js';
import type { RenewLinkBuilder } from './content.js';
import { planDeliveries, type PlanDeps, type PlannedRow } from './fan-out-plan.js';
import type { NotificationSettingsService } from './settings.js';

const CURSOR_KEY = 'notify.cursor';
const BATCH = 200;

type EventRow = Selectable<EventsTable>;

/** What fan-out needs. */
export interface FanOutDeps {
  store: Store;
  clock: Clock;
  settings: NotificationSettingsService;
  /** false: e-mail is not configured, so none is planned. */
  emailEnabled: boolean;
  publicUrl: string;
  retryWindowMs: number;
  gapGraceMs: number;
  renewLink?: RenewLinkBuilder | undefined;
}

/** How many recorded events fan-out has not taken yet (a backlog gauge in /metrics). */
export async function eventsAwaitingFanOut(db: Kysely<Database>): Promise<number> {
  const cursor = await db.selectFrom('meta').select('value').where('key', '=', CURSOR_KEY).executeTakeFirst();
  const row = await db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('id', '>', cursor ? cursor.value : '0')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The id of the last event fan-out took (0: none yet). */
export async function readFanOutCursor(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('meta').select('value').where('key', '=', CURSOR_KEY).executeTakeFirst();
  return row ? Number(row.value) : 0;
}

async function writeFanOutCursor(db: Kysely<Database>, id: number): Promise<void> {
  await db
    .insertInto('meta')
    .values({ key: CURSOR_KEY, value: String(id) })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(id), updated_at: new Date() }))
    .execute();
}

/**
 * PostgreSQL hands out ids before commit, so a lower id can appear after a higher one: an event
 * after a gap waits until no other transaction writes, or until it is `gapGraceMs` old (the gap was
 * a rollback, or a dedupe conflict, which uses up an id too). PGlite has one session: no gaps wait.
 * The returned check asks PostgreSQL at most once.
 */
export function gapCheck(
  kind: Store['kind'],
  db: Kysely<Database>,
  gapGraceMs: number,
): (r: EventRow) => Promise<boolean> {
  let quiet: { busy: boolean; now: Date } | null = null;
  return async (r: EventRow): Promise<boolean> => {
    if (kind === 'pglite') return true;
    quiet ??= (
      await sql<{ busy: boolean; now: Date }>`select now() as now, exists(
          select 1 from pg_stat_activity
          where backend_xid is not null and pid <> pg_backend_pid() and datname = current_database()
        ) as busy`.execute(db)
    ).rows[0]!;
    return !quiet.busy || quiet.now.getTime() - r.recorded_at.getTime() > gapGraceMs;
  };
}

/** The events of `batch` that follow `cursor` without a gap that may still fill (see `gapCheck`). */
export async function takeContiguous(
  batch: EventRow[],
  cursor: number,
  gapClosed: (r: EventRow) => Promise<boolean>,
): Promise<EventRow[]> {
  const taken: EventRow[] = [];
  let expected = cursor + 1;
  for (const r of batch) {
    const id = Number(r.id);
    if (id !== expected && !(await gapClosed(r))) break;
    taken.push(r);
    expected = id + 1;
  }
  return taken;
}

/** Inserts planned rows, skipping those already there (event, channel, target); returns how many were new. */
export async function insertPlanned(db: Kysely<Database>, rows: PlannedRow[]): Promise<number> {
  let created = 0;
  for (let i = 0; i < rows.length; i += BATCH) {
    const inserted = await db
      .insertInto('notification_deliveries')
      .values(rows.slice(i, i + BATCH))
      .onConflict((oc) => oc.columns(['event_id', 'channel', 'target']).doNothing())
      .returning('id')
      .execute();
    created += inserted.length;
  }
  return created;
}

/**
 * Plans deliveries for the events after the stored cursor, in batches, under the fan-out lock;
 * returns how many events were taken and rows created.
 */
export function fanOutEvents(deps: FanOutDeps): Promise<{ events: number; created: number }> {
  const planDeps: PlanDeps = deps;
  return deps.store.withLock('notify.fanout', async (db) => {
    let cursor = await readFanOutCursor(db);
    let events = 0;
    let created = 0;
    const gapClosed = gapCheck(deps.store.kind, db, deps.gapGraceMs);
    for (;;) {
      const batch = await db
        .selectFrom('events')
        .selectAll()
        .where('id', '>', String(cursor))
        .orderBy('id')
        .limit(BATCH)
        .execute();
      const taken = await takeContiguous(batch, cursor, gapClosed);
      if (taken.length === 0) break;
      created += await insertPlanned(db, await planDeliveries(planDeps, db, taken));
      cursor = Number(taken.at(-1)!.id);
      await writeFanOutCursor(db, cursor);
      events += taken.length;
      if (taken.length < batch.length || batch.length < BATCH) break;
    }
    return { events, created };
  });
}

/**
 * Fan-out of the event log: new events after a stored cursor become one delivery row per event and
 * e-mail address or webhook endpoint (unique, so a rerun adds nothing), per the settings of the
 * event's account and of the operators.
 */
export function createFanOut(deps: FanOutDeps): () => Promise<{ events: number; created: number }> {
  return () => fanOutEvents(deps);
}
