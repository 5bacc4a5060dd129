import { sql, type Kysely, type Selectable } from 'kysely';
import type { Viewer } from '../connections/repository.js';
import type { EventType, StoredEvent } from '../events/events.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import type { Random } from '../kernel/random.js';
import type { Store } from '../store/database.js';
import type { Database, EventsTable, NotificationDeliveriesTable } from '../store/schema.js';
import { emailContent, webhookBody, type EventSubject } from './content.js';
import { NotifyError } from './errors.js';
import type { Mailer } from './mailer.js';
import { OPERATORS_SCOPE, type NotificationSettingsService } from './settings.js';
import { SIGNATURE_HEADER, signatureHeader } from './signature.js';

const CURSOR_KEY = 'notify.cursor';
const HOUR = 3_600_000;

/** A delivery as the portal's log shows it. */
export interface Delivery {
  id: number;
  eventId: number;
  eventType: EventType;
  scope: string;
  channel: 'email' | 'webhook';
  /** E-mail address, or the endpoint's URL. */
  target: string;
  endpointId: string | null;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: Date | null;
  giveUpAt: Date;
  lastAttemptAt: Date | null;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: Date | null;
  createdAt: Date;
  /** E-mail subject, or the webhook body. */
  summary: string;
}

/** What one delivery run did. */
export interface RunResult {
  eventsScanned: number;
  deliveriesCreated: number;
  delivered: number;
  failed: number;
}

export interface DeliveryDeps {
  store: Store;
  /** The service's clock (simulated time in sandbox mode): schedules retries. */
  clock: Clock;
  /** Real time: webhook signature timestamps, which receivers check against their own clocks. */
  wallClock: Clock;
  random: Random;
  logger: Logger;
  settings: NotificationSettingsService;
  /** null: e-mail is not configured (no SMTP_URL outside sandbox mode); no e-mail is planned. */
  mailer: Mailer | null;
  mailFrom: string;
  publicUrl: string;
  fetch: typeof fetch;
  userAgent?: string;
  /** How long a delivery is retried (default 24 h). */
  retryWindowMs?: number;
  /** First retry delay, doubled per attempt (default 30 s), capped at `maxDelayMs` (default 4 h). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Per-attempt timeout of a webhook call (default 10 s). */
  timeoutMs?: number;
  /**
   * PostgreSQL: how long an event after a gap in the id sequence waits for the gap's transaction to
   * commit before the gap is taken for a rollback or a dedupe conflict (default 30 s).
   */
  gapGraceMs?: number;
}

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

function toStoredEvent(r: EventRow): StoredEvent {
  return {
    id: Number(r.id),
    type: r.type as EventType,
    at: r.occurred_at,
    accountId: r.account_id,
    connectionId: r.connection_id,
    applicationId: r.application_id,
    payload: r.payload,
  };
}

/** Short, secret-free words for a failed attempt. */
function describeFailure(err: unknown): string {
  if (!(err instanceof Error)) return String(err).slice(0, 300);
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? ` (${cause.code})` : '';
  const name = err.name === 'TimeoutError' || err.name === 'AbortError' ? 'timed out' : err.message;
  return `${name}${code}`.slice(0, 300);
}

/**
 * Delivery of the event log: fan-out (new events after a stored cursor → one row per event and
 * e-mail address or webhook endpoint, unique, so a rerun adds nothing) and sending (due rows, each
 * attempt claimed with a conditional update, retried with exponential backoff until its window
 * ends). At-least-once: a crash between sending and recording sends again at the next attempt.
 */
export function createDeliveries(deps: DeliveryDeps) {
  const { store, clock, logger, settings } = deps;
  const retryWindowMs = deps.retryWindowMs ?? 24 * HOUR;
  const baseDelayMs = deps.baseDelayMs ?? 30_000;
  const maxDelayMs = deps.maxDelayMs ?? 4 * HOUR;
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const gapGraceMs = deps.gapGraceMs ?? 30_000;

  /** Delay before attempt `attempt + 1`, after `attempt` attempts (±10 % jitter). */
  const backoff = (attempt: number): number =>
    Math.round(
      Math.min(baseDelayMs * 2 ** Math.max(0, attempt - 1), maxDelayMs) * (0.9 + 0.2 * deps.random.float()),
    );

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
      const scopes = accountId ? [accountId, OPERATORS_SCOPE] : [OPERATORS_SCOPE];
      let email: { subject: string; text: string } | null = null;
      let body: string | null = null;
      for (const scope of scopes) {
        const t = await targetsOf(scope);
        if (deps.mailer && t.settings.emailEnabled && t.settings.eventTypes.includes(event.type)) {
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

  /** Sends one delivery's content; resolves with the HTTP status (webhooks) or null (e-mail). */
  const send = async (row: Selectable<NotificationDeliveriesTable>): Promise<number | null> => {
    if (row.channel === 'email') {
      if (!deps.mailer) throw new NotifyError('NOTIFY_EMAIL_FAILED', 'e-mail is not configured (SMTP_URL)');
      const content = row.content as { subject: string; text: string };
      try {
        await deps.mailer.send({
          from: deps.mailFrom,
          to: row.target,
          subject: content.subject,
          text: content.text,
          headers: { 'X-Sellerlink-Event': row.event_type, 'X-Sellerlink-Delivery': String(row.id) },
        });
      } catch (err) {
        throw new NotifyError('NOTIFY_EMAIL_FAILED', `the mail server refused: ${describeFailure(err)}`, {
          cause: err,
        });
      }
      return null;
    }
    const endpoint = await store.db
      .selectFrom('webhook_endpoints')
      .select(['id', 'url', 'disabled_at'])
      .where('id', '=', row.endpoint_id ?? '')
      .executeTakeFirst();
    if (!endpoint || endpoint.disabled_at)
      throw new NotifyError('NOTIFY_WEBHOOK_FAILED', 'the endpoint was removed');
    const secret = await settings.endpointSecret(endpoint.id);
    const body = (row.content as { body: string }).body;
    const timestamp = Math.floor(deps.wallClock.now() / 1000);
    let response: Response;
    try {
      response = await deps.fetch(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': deps.userAgent ?? 'Sellerlink-Webhooks',
          [SIGNATURE_HEADER]: signatureHeader(secret.reveal(), timestamp, body),
          'Sellerlink-Event': row.event_type,
          'Sellerlink-Delivery': String(row.id),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body?.cancel().catch(() => {});
    } catch (err) {
      throw new NotifyError('NOTIFY_WEBHOOK_FAILED', `the request failed: ${describeFailure(err)}`, {
        cause: err,
      });
    }
    if (response.status < 200 || response.status >= 300) {
      throw new NotifyError('NOTIFY_WEBHOOK_FAILED', `the endpoint answered HTTP ${response.status}`, {
        details: { status: response.status },
      });
    }
    return response.status;
  };

  /** Claims and makes one attempt; returns the outcome. */
  const attempt = async (
    row: Selectable<NotificationDeliveriesTable>,
  ): Promise<'delivered' | 'retry' | 'failed' | 'skipped'> => {
    const now = clock.now();
    const attempts = row.attempts + 1;
    const next = new Date(now + backoff(attempts));
    // The claim is the lease: a crash during the send leaves next_attempt_at in the future.
    const claimed = await store.db
      .updateTable('notification_deliveries')
      .set({ attempts, last_attempt_at: new Date(now), next_attempt_at: next })
      .where('id', '=', row.id)
      .where('status', '=', 'pending')
      .where('attempts', '=', row.attempts)
      .returning('id')
      .executeTakeFirst();
    if (!claimed) return 'skipped';
    try {
      const status = await send(row);
      await store.db
        .updateTable('notification_deliveries')
        .set({
          status: 'delivered',
          delivered_at: new Date(clock.now()),
          next_attempt_at: null,
          last_status: status,
          last_error: null,
        })
        .where('id', '=', row.id)
        .execute();
      return 'delivered';
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const status =
        err instanceof NotifyError && typeof err.details.status === 'number' ? err.details.status : null;
      const giveUp = next.getTime() > row.give_up_at.getTime();
      await store.db
        .updateTable('notification_deliveries')
        .set({
          status: giveUp ? 'failed' : 'pending',
          next_attempt_at: giveUp ? null : next,
          last_status: status,
          last_error: message,
        })
        .where('id', '=', row.id)
        .execute();
      logger.warn(
        { delivery: Number(row.id), channel: row.channel, attempts, giveUp, error: message },
        'notification delivery failed',
      );
      return giveUp ? 'failed' : 'retry';
    }
  };

  /** Sends every due delivery (a few at a time); returns how many were delivered and given up. */
  const sendDue = async (): Promise<{ delivered: number; failed: number }> => {
    let delivered = 0;
    let failed = 0;
    const seen = new Set<number>();
    for (;;) {
      const due = (
        await store.db
          .selectFrom('notification_deliveries')
          .selectAll()
          .where('status', '=', 'pending')
          .where('next_attempt_at', '<=', new Date(clock.now()))
          .orderBy('id')
          .limit(50)
          .execute()
      ).filter((r) => !seen.has(Number(r.id)));
      if (due.length === 0) break;
      for (const r of due) seen.add(Number(r.id));
      for (let i = 0; i < due.length; i += 5) {
        const outcomes = await Promise.all(due.slice(i, i + 5).map(attempt));
        delivered += outcomes.filter((o) => o === 'delivered').length;
        failed += outcomes.filter((o) => o === 'failed').length;
      }
    }
    return { delivered, failed };
  };

  const visibleScopes = (viewer: Viewer): string[] | null =>
    viewer.role === 'operator' ? null : viewer.accountId ? [viewer.accountId] : [];

  const toDelivery = (r: Selectable<NotificationDeliveriesTable> & { url: string | null }): Delivery => {
    const content = r.content as { subject?: string; body?: string };
    return {
      id: Number(r.id),
      eventId: Number(r.event_id),
      eventType: r.event_type as EventType,
      scope: r.scope,
      channel: r.channel,
      target: r.channel === 'webhook' ? (r.url ?? '(removed endpoint)') : r.target,
      endpointId: r.endpoint_id,
      status: r.status === 'sending' ? 'pending' : r.status,
      attempts: r.attempts,
      nextAttemptAt: r.next_attempt_at,
      giveUpAt: r.give_up_at,
      lastAttemptAt: r.last_attempt_at,
      lastStatus: r.last_status,
      lastError: r.last_error,
      deliveredAt: r.delivered_at,
      createdAt: r.created_at,
      summary: content.subject ?? content.body ?? '',
    };
  };

  /** The delivery log of the viewer's scope (operators: `scope`, or all), newest first. */
  const list = async (
    viewer: Viewer,
    options: {
      scope?: string | null;
      channel?: 'email' | 'webhook';
      status?: 'pending' | 'delivered' | 'failed';
      endpointId?: string;
      eventId?: number;
      limit?: number;
      beforeId?: number;
    } = {},
  ): Promise<Delivery[]> => {
    let q = store.db
      .selectFrom('notification_deliveries as d')
      .leftJoin('webhook_endpoints as w', 'w.id', 'd.endpoint_id')
      .selectAll('d')
      .select('w.url as url')
      .orderBy('d.id', 'desc')
      .limit(Math.min(options.limit ?? 100, 500));
    const scopes = visibleScopes(viewer);
    if (scopes) q = q.where('d.scope', 'in', scopes.length ? scopes : ['-']);
    else if (options.scope) q = q.where('d.scope', '=', options.scope);
    if (options.channel) q = q.where('d.channel', '=', options.channel);
    if (options.status) q = q.where('d.status', '=', options.status);
    if (options.endpointId) q = q.where('d.endpoint_id', '=', options.endpointId);
    if (options.eventId !== undefined) q = q.where('d.event_id', '=', options.eventId);
    if (options.beforeId !== undefined) q = q.where('d.id', '<', options.beforeId);
    return (await q.execute()).map(toDelivery);
  };

  return {
    fanOut,
    sendDue,
    list,

    /** One pass: fan out new events, then send what is due. */
    async runOnce(): Promise<RunResult> {
      const planned = await fanOut();
      const sent = await sendDue();
      return {
        eventsScanned: planned.events,
        deliveriesCreated: planned.created,
        delivered: sent.delivered,
        failed: sent.failed,
      };
    },

    /**
     * Queues a delivery again, now, with a fresh retry window (also a delivered one: the receiver
     * gets the same body with a new signature and the same Sellerlink-Delivery id).
     */
    async redeliver(viewer: Viewer, id: number): Promise<Delivery> {
      if (viewer.role === 'member')
        throw new NotifyError('NOTIFY_FORBIDDEN', "only the account's owners and operators redeliver");
      const scopes = visibleScopes(viewer);
      let q = store.db.selectFrom('notification_deliveries').select(['id', 'scope']).where('id', '=', id);
      if (scopes) q = q.where('scope', 'in', scopes.length ? scopes : ['-']);
      const row = Number.isSafeInteger(id) && id > 0 ? await q.executeTakeFirst() : undefined;
      if (!row) throw new NotifyError('NOTIFY_DELIVERY_NOT_FOUND', 'no such delivery');
      const now = clock.now();
      await store.db
        .updateTable('notification_deliveries')
        .set({ status: 'pending', next_attempt_at: new Date(now), give_up_at: new Date(now + retryWindowMs) })
        .where('id', '=', id)
        .execute();
      const [updated] = await list(viewer, { limit: 1, beforeId: id + 1 });
      return updated!;
    },
  };
}

export type Deliveries = ReturnType<typeof createDeliveries>;
