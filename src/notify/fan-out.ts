import { sql, type Kysely, type Selectable } from 'kysely';
import { toStoredEvent } from '../events/events.js';
import type { Clock } from '../kernel/clock.js';
import type { Store } from '../store/database.js';
import type { Database, EventsTable } from '../store/schema.js';
import { emailContent, webhookBody, type EventSubject } from './content.js';
import { OPERATORS_SCOPE, type NotificationSettingsService } from './settings.js';

const CURSOR_KEY = 'notify.cursor';

type EventRow = Selectable<EventsTable>;
type PlannedRow = {
  event_id: number;
  event_type: string;
  scope: string;
  account_id: string | null;
  channel: 'email' | 'webhook';
  target: string;
  endpoint_id: string | null;
  content: string;
  next_attempt_at: Date;
  give_up_at: Date;
  created_at: Date;
};

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

/**
 * Fan-out of the event log: new events after a stored cursor become one delivery row per event and
 * e-mail address or webhook endpoint (unique, so a rerun adds nothing), per the settings of the
 * event's account and of the operators.
 */
export function createFanOut(deps: {
  store: Store;
  clock: Clock;
  settings: NotificationSettingsService;
  /** false: e-mail is not configured, so none is planned. */
  emailEnabled: boolean;
  publicUrl: string;
  retryWindowMs: number;
  gapGraceMs: number;
}): () => Promise<{ events: number; created: number }> {
  const { store, clock, settings, retryWindowMs, gapGraceMs } = deps;

  const readCursor = async (db: Kysely<Database>): Promise<number> => {
    const row = await db.selectFrom('meta').select('value').where('key', '=', CURSOR_KEY).executeTakeFirst();
    return row ? Number(row.value) : 0;
  };
  const writeCursor = async (db: Kysely<Database>, id: number): Promise<void> => {
    await db
      .insertInto('meta')
      .values({ key: CURSOR_KEY, value: String(id) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(id), updated_at: new Date() }))
      .execute();
  };

  /** What the events of a batch are about: connections, accounts, applications. */
  const subjects = async (
    db: Kysely<Database>,
    events: EventRow[],
  ): Promise<Map<number, { subject: EventSubject; accountId: string | null }>> => {
    const connectionIds = [...new Set(events.map((e) => e.connection_id).filter((v): v is string => !!v))];
    const connections = connectionIds.length
      ? await db.selectFrom('connections').selectAll().where('id', 'in', connectionIds).execute()
      : [];
    const byConnection = new Map(connections.map((c) => [c.id, c]));
    const accountIds = [
      ...new Set(
        events
          .map(
            (e) => e.account_id ?? (e.connection_id ? byConnection.get(e.connection_id)?.account_id : null),
          )
          .filter((v): v is string => !!v),
      ),
    ];
    const accounts = accountIds.length
      ? await db.selectFrom('accounts').select(['id', 'name']).where('id', 'in', accountIds).execute()
      : [];
    const accountNames = new Map(accounts.map((a) => [a.id, a.name]));
    const appIds = [
      ...new Set(
        events
          .map(
            (e) =>
              e.application_id ??
              (e.connection_id ? byConnection.get(e.connection_id)?.application_id : null),
          )
          .filter((v): v is string => !!v),
      ),
    ];
    const apps = appIds.length
      ? await db
          .selectFrom('applications')
          .select(['id', 'name', 'flagged_reason'])
          .where('id', 'in', appIds)
          .execute()
      : [];
    const byApp = new Map(apps.map((a) => [a.id, a]));
    const out = new Map<number, { subject: EventSubject; accountId: string | null }>();
    for (const e of events) {
      const c = e.connection_id ? byConnection.get(e.connection_id) : undefined;
      const accountId = e.account_id ?? c?.account_id ?? null;
      const app = byApp.get(e.application_id ?? c?.application_id ?? '');
      const subject: EventSubject = {
        accountName: accountId ? (accountNames.get(accountId) ?? null) : null,
        connection: c
          ? {
              id: c.id,
              sellingPartnerId: c.selling_partner_id,
              region: c.region,
              storeName: c.store_name,
              expiresAt: c.expires_at,
              state: c.state,
              kind: c.kind,
            }
          : null,
        application: app ? { id: app.id, name: app.name, flaggedReason: app.flagged_reason } : null,
      };
      out.set(Number(e.id), { subject, accountId });
    }
    return out;
  };

  /** The delivery rows for a batch of events, per the settings of their scopes. */
  const plan = async (db: Kysely<Database>, events: EventRow[]): Promise<PlannedRow[]> => {
    const about = await subjects(db, events);
    const scopeCache = new Map<string, Awaited<ReturnType<typeof scopeTargets>>>();
    const scopeTargets = async (scope: string) => ({
      settings: await settings.resolve(scope),
      endpoints: await settings.activeEndpoints(scope),
    });
    const targetsOf = async (scope: string) => {
      let t = scopeCache.get(scope);
      if (!t) {
        t = await scopeTargets(scope);
        scopeCache.set(scope, t);
      }
      return t;
    };
    const now = new Date(clock.now());
    const giveUp = new Date(clock.now() + retryWindowMs);
    const rows: PlannedRow[] = [];
    for (const r of events) {
      const event = toStoredEvent(r);
      const { subject, accountId } = about.get(event.id)!;
      // An application incident is recorded once for the operators and once per affected account
      // (lifecycle/applications.ts): each copy goes to its own audience only.
      const scopes = accountId
        ? event.type.startsWith('application.')
          ? [accountId]
          : [accountId, OPERATORS_SCOPE]
        : [OPERATORS_SCOPE];
      let email: { subject: string; text: string } | null = null;
      let body: string | null = null;
      for (const scope of scopes) {
        const t = await targetsOf(scope);
        if (deps.emailEnabled && t.settings.emailEnabled && t.settings.eventTypes.includes(event.type)) {
          email ??= emailContent(event, subject, deps.publicUrl);
          for (const to of t.settings.recipients) {
            rows.push({
              event_id: event.id,
              event_type: event.type,
              scope,
              account_id: accountId,
              channel: 'email',
              target: to,
              endpoint_id: null,
              content: JSON.stringify(email),
              next_attempt_at: now,
              give_up_at: giveUp,
              created_at: now,
            });
          }
        }
        for (const endpoint of t.endpoints) {
          // An endpoint receives events recorded after it was added, not the backlog.
          if (endpoint.recordedAt.getTime() > r.recorded_at.getTime()) continue;
          if (endpoint.eventTypes.length > 0 && !endpoint.eventTypes.includes(event.type)) continue;
          body ??= webhookBody(event, subject, deps.publicUrl);
          rows.push({
            event_id: event.id,
            event_type: event.type,
            scope,
            account_id: accountId,
            channel: 'webhook',
            target: endpoint.id,
            endpoint_id: endpoint.id,
            content: JSON.stringify({ body }),
            next_attempt_at: now,
            give_up_at: giveUp,
            created_at: now,
          });
        }
      }
    }
    return rows;
  };

  /**
   * PostgreSQL hands out ids before commit, so a lower id can appear after a higher one: an event
   * after a gap waits until no other transaction writes, or until it is `gapGraceMs` old (the gap was
   * a rollback, or a dedupe conflict, which uses up an id too). PGlite has one session: no gaps wait.
   */
  const gapCheck = (db: Kysely<Database>) => {
    let quiet: { busy: boolean; now: Date } | null = null;
    return async (r: EventRow): Promise<boolean> => {
      if (store.kind === 'pglite') return true;
      quiet ??= (
        await sql<{ busy: boolean; now: Date }>`select now() as now, exists(
            select 1 from pg_stat_activity
            where backend_xid is not null and pid <> pg_backend_pid() and datname = current_database()
          ) as busy`.execute(db)
      ).rows[0]!;
      return !quiet.busy || quiet.now.getTime() - r.recorded_at.getTime() > gapGraceMs;
    };
  };

  /** Plans deliveries for new events; returns how many events were taken and rows created. */
  const fanOut = (): Promise<{ events: number; created: number }> =>
    store.withLock('notify.fanout', async (db) => {
      let cursor = await readCursor(db);
      let events = 0;
      let created = 0;
      const gapClosed = gapCheck(db);
      for (;;) {
        const batch = await db
          .selectFrom('events')
          .selectAll()
          .where('id', '>', String(cursor))
          .orderBy('id')
          .limit(200)
          .execute();
        const taken: EventRow[] = [];
        let expected = cursor + 1;
        for (const r of batch) {
          const id = Number(r.id);
          if (id !== expected && !(await gapClosed(r))) break;
          taken.push(r);
          expected = id + 1;
        }
        if (taken.length === 0) break;
        const rows = await plan(db, taken);
        for (let i = 0; i < rows.length; i += 200) {
          const inserted = await db
            .insertInto('notification_deliveries')
            .values(rows.slice(i, i + 200))
            .onConflict((oc) => oc.columns(['event_id', 'channel', 'target']).doNothing())
            .returning('id')
            .execute();
          created += inserted.length;
        }
        cursor = Number(taken.at(-1)!.id);
        await writeCursor(db, cursor);
        events += taken.length;
        if (taken.length < batch.length || batch.length < 200) break;
      }
      return { events, created };
    });

  return fanOut;
}
