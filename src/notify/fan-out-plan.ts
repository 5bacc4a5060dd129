import type { Kysely, Selectable } from 'kysely';
import { toStoredEvent, type EventType } from '../events/events.js';
import type { Clock } from '../kernel/clock.js';
import type { Database, EventsTable } from '../store/schema.js';
import {
  RENEW_LINK_EVENTS,
  TEST_EVENT,
  webhookBody,
  type EventSubject,
  type RenewLinkBuilder,
} from './content.js';
import { heldForDigest } from './digest.js';
import { emailContent, type EmailContent } from './email-content.js';
import type { WebhookEndpoint } from './endpoints.js';
import { OPERATORS_SCOPE } from './rules.js';
import type { NotificationSettings, NotificationSettingsService } from './settings.js';

type EventRow = Selectable<EventsTable>;

/** One delivery row to insert. */
export interface PlannedRow {
  event_id: number;
  event_type: string;
  scope: string;
  account_id: string | null;
  channel: 'email' | 'webhook';
  target: string;
  endpoint_id: string | null;
  content: string;
  /** `held`: an e-mail waiting for the day's digest (digest.ts); otherwise pending. */
  status: 'pending' | 'held';
  next_attempt_at: Date | null;
  give_up_at: Date;
  created_at: Date;
}

/** What an event is about, and the account it belongs to. */
export interface EventAbout {
  subject: EventSubject;
  accountId: string | null;
}

/** Where a scope's notifications go: its e-mail settings and enabled webhook endpoints. */
export interface ScopeTargets {
  settings: Pick<NotificationSettings, 'emailEnabled' | 'eventTypes' | 'recipients'> &
    Partial<Pick<NotificationSettings, 'emailMode'>>;
  endpoints: (Pick<WebhookEndpoint, 'id' | 'eventTypes'> & { recordedAt: Date })[];
}

/** The fixed parts of a plan: whether e-mail is configured, the portal's URL, the rows' times. */
export interface PlanContext {
  /** false: e-mail is not configured, so none is planned. */
  emailEnabled: boolean;
  publicUrl: string;
  now: Date;
  giveUp: Date;
  /** Builds reminders' one-click renew links (none when absent). */
  renewLink?: RenewLinkBuilder | undefined;
}

/** The subject with its renew link, for reminders about an OAuth connection that can still be renewed. */
export function withRenewLink(
  ctx: PlanContext,
  event: { type: string; at: Date },
  subject: EventSubject,
): EventSubject {
  const c = subject.connection;
  if (
    !ctx.renewLink ||
    !c ||
    c.kind !== 'oauth' ||
    c.state === 'disconnected' ||
    !RENEW_LINK_EVENTS.has(event.type)
  ) {
    return subject;
  }
  return { ...subject, renewLink: ctx.renewLink(c.id, event.at) };
}

/**
 * The scopes told about an event: an account's event goes to the account and the operators, one
 * without an account to the operators. An application incident is recorded once for the operators
 * and once per affected account (lifecycle/applications.ts): each copy goes to its own audience only.
 */
export function deliveryScopes(type: EventType, accountId: string | null): string[] {
  if (!accountId) return [OPERATORS_SCOPE];
  if (type === TEST_EVENT) return [accountId];
  return type.startsWith('application.') ? [accountId] : [accountId, OPERATORS_SCOPE];
}

/** Whether `endpoint` takes the event: a test event only its own endpoint, others by the endpoint's types. */
function endpointTakes(
  endpoint: Pick<WebhookEndpoint, 'id' | 'eventTypes'>,
  event: { type: EventType; payload: Record<string, unknown> },
): boolean {
  if (event.type === TEST_EVENT) return event.payload.endpointId === endpoint.id;
  return endpoint.eventTypes.length === 0 || endpoint.eventTypes.includes(event.type);
}

/**
 * The delivery rows of one event: an e-mail per recipient of each scope that e-mails this event
 * type, and a webhook per endpoint that takes it (endpoints added after the event was recorded do
 * not get it: they receive new events, not the backlog).
 */
export function planEventDeliveries(
  ctx: PlanContext,
  row: EventRow,
  about: EventAbout,
  targets: ReadonlyMap<string, ScopeTargets>,
): PlannedRow[] {
  const event = toStoredEvent(row);
  const { accountId } = about;
  const subject = withRenewLink(ctx, event, about.subject);
  const base = { event_id: event.id, event_type: event.type, account_id: accountId };
  const times = {
    status: 'pending' as const,
    next_attempt_at: ctx.now as Date | null,
    give_up_at: ctx.giveUp,
    created_at: ctx.now,
  };
  const rows: PlannedRow[] = [];
  let email: EmailContent | null = null;
  let body: string | null = null;
  for (const scope of deliveryScopes(event.type, accountId)) {
    const t = targets.get(scope);
    if (!t) continue;
    const mailed = event.type !== TEST_EVENT && t.settings.eventTypes.includes(event.type);
    if (ctx.emailEnabled && t.settings.emailEnabled && mailed) {
      email ??= emailContent(event, subject, ctx.publicUrl);
      const held = t.settings.emailMode === 'digest' && heldForDigest(event);
      for (const to of t.settings.recipients) {
        rows.push({
          ...base,
          scope,
          channel: 'email',
          target: to,
          endpoint_id: null,
          content: JSON.stringify(email),
          ...times,
          // A held reminder is dated by when it happened, not when it was fanned out, so it joins
          // its own day's digest even if the fan-out runs after midnight (a busy or restarted worker).
          ...(held ? { status: 'held' as const, next_attempt_at: null, created_at: event.at } : {}),
        });
      }
    }
    for (const endpoint of t.endpoints) {
      if (endpoint.recordedAt.getTime() > row.recorded_at.getTime()) continue;
      if (!endpointTakes(endpoint, event)) continue;
      body ??= webhookBody(event, subject, ctx.publicUrl);
      rows.push({
        ...base,
        scope,
        channel: 'webhook',
        target: endpoint.id,
        endpoint_id: endpoint.id,
        content: JSON.stringify({ body }),
        ...times,
      });
    }
  }
  return rows;
}

/** The connections, account names and applications a batch of events refers to. */
async function loadReferences(db: Kysely<Database>, events: EventRow[]) {
  const distinct = (values: (string | null | undefined)[]): string[] => [
    ...new Set(values.filter((v): v is string => !!v)),
  ];
  const connectionIds = distinct(events.map((e) => e.connection_id));
  const connections = connectionIds.length
    ? await db.selectFrom('connections').selectAll().where('id', 'in', connectionIds).execute()
    : [];
  const byConnection = new Map(connections.map((c) => [c.id, c]));
  const connectionOf = (e: EventRow) => (e.connection_id ? byConnection.get(e.connection_id) : undefined);
  const accountIds = distinct(events.map((e) => e.account_id ?? connectionOf(e)?.account_id));
  const accounts = accountIds.length
    ? await db.selectFrom('accounts').select(['id', 'name']).where('id', 'in', accountIds).execute()
    : [];
  const appIds = distinct(events.map((e) => e.application_id ?? connectionOf(e)?.application_id));
  const apps = appIds.length
    ? await db
        .selectFrom('applications')
        .select(['id', 'name', 'flagged_reason'])
        .where('id', 'in', appIds)
        .execute()
    : [];
  return {
    connectionOf,
    accountNames: new Map(accounts.map((a) => [a.id, a.name])),
    byApp: new Map(apps.map((a) => [a.id, a])),
  };
}

/** What the events of a batch are about (connections, accounts, applications), by event id. */
export async function loadSubjects(
  db: Kysely<Database>,
  events: EventRow[],
): Promise<Map<number, EventAbout>> {
  const { connectionOf, accountNames, byApp } = await loadReferences(db, events);
  const out = new Map<number, EventAbout>();
  for (const e of events) {
    const c = connectionOf(e);
    const accountId = e.account_id ?? c?.account_id ?? null;
    const app = byApp.get(e.application_id ?? c?.application_id ?? '');
    const subject: EventSubject = {
      accountName: accountId ? (accountNames.get(accountId) ?? null) : null,
      connection: c
        ? {
            id: c.id,
            api: c.api,
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
}

/** What planning a batch needs. */
export interface PlanDeps {
  settings: NotificationSettingsService;
  clock: Clock;
  /** false: e-mail is not configured, so none is planned. */
  emailEnabled: boolean;
  publicUrl: string;
  retryWindowMs: number;
  /** Builds reminders' one-click renew links (src/connect/renew-links.ts); none when absent. */
  renewLink?: RenewLinkBuilder | undefined;
}

/** The delivery rows for a batch of events, per the settings of their scopes (each read once). */
export async function planDeliveries(
  deps: PlanDeps,
  db: Kysely<Database>,
  events: EventRow[],
): Promise<PlannedRow[]> {
  const about = await loadSubjects(db, events);
  const ctx: PlanContext = {
    emailEnabled: deps.emailEnabled,
    publicUrl: deps.publicUrl,
    now: new Date(deps.clock.now()),
    giveUp: new Date(deps.clock.now() + deps.retryWindowMs),
    renewLink: deps.renewLink,
  };
  const targets = new Map<string, ScopeTargets>();
  const rows: PlannedRow[] = [];
  for (const r of events) {
    const a = about.get(Number(r.id))!;
    for (const scope of deliveryScopes(toStoredEvent(r).type, a.accountId)) {
      if (targets.has(scope)) continue;
      targets.set(scope, {
        settings: await deps.settings.resolve(scope),
        endpoints: await deps.settings.activeEndpoints(scope),
      });
    }
    rows.push(...planEventDeliveries(ctx, r, a, targets));
  }
  return rows;
}
