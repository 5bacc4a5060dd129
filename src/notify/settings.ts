import type { Kysely, Selectable } from 'kysely';
import type { Viewer } from '../connections/repository.js';
import { EVENT_TYPES, type EventType } from '../events/events.js';
import type { Clock } from '../kernel/clock.js';
import { ValidationError } from '../kernel/errors.js';
import { isUuid } from '../kernel/input.js';
import { randomToken, type Random } from '../kernel/random.js';
import { Secret } from '../kernel/secret.js';
import type { Database, WebhookEndpointsTable } from '../store/schema.js';
import type { Vault } from '../vault/envelope.js';
import { NotifyError } from './errors.js';
import { createPublicAddressGuard, type PublicAddressGuard } from './public-address.js';

/** The scope of operators' notifications (application.* events, and any others they choose). */
export const OPERATORS_SCOPE = 'operators';

/** What an account is e-mailed about until it chooses otherwise. */
export const DEFAULT_ACCOUNT_EMAIL_TYPES: readonly EventType[] = [
  'connection.expiring',
  'connection.expired',
  'connection.revoked',
  'connection.error',
  'connection.renewed',
  'application.rejected',
  'application.recovered',
  'listing.rejected',
];

/** What operators are e-mailed about until they choose otherwise. */
export const DEFAULT_OPERATOR_EMAIL_TYPES: readonly EventType[] = [
  'connection.claim_review',
  'application.rejected',
  'application.recovered',
  'application.rotation_failed',
  'application.secret_expiring',
  'application.secret_rotated',
];

/** A scope's e-mail settings as shown and used. */
export interface NotificationSettings {
  scope: string;
  accountId: string | null;
  emailEnabled: boolean;
  /** Addresses e-mailed; when `isDefault`, the account owners' (operators': configured) addresses. */
  recipients: string[];
  eventTypes: EventType[];
  /** True while nobody has saved settings for this scope. */
  isDefault: boolean;
  updatedAt: Date | null;
  updatedBy: string | null;
}

/** A webhook endpoint as shown (never its secret). */
export interface WebhookEndpoint {
  id: string;
  scope: string;
  accountId: string | null;
  url: string;
  description: string | null;
  /** Empty: every event type. */
  eventTypes: EventType[];
  createdAt: Date;
  createdBy: string;
  disabledAt: Date | null;
}

export interface SettingsDeps {
  db: Kysely<Database>;
  vault: Vault;
  clock: Clock;
  random: Random;
  newId: () => string;
  /** Operators' e-mail addresses from configuration (NOTIFY_OPERATOR_EMAILS). */
  operatorEmails?: readonly string[];
  /** Production: webhook URLs must use https. */
  requireHttps?: boolean;
  /** Which hosts webhooks may go to (default: public addresses only, the system resolver). */
  addressGuard?: PublicAddressGuard;
  /**
   * Sandbox mode: an address for users without one (`demo` → `demo@sandbox.sellerlink.test`), so the
   * mail catcher shows reminders before anyone saves settings.
   */
  sandboxAddress?: (username: string) => string;
}

const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;
const MAX_RECIPIENTS = 20;
const MAX_ENDPOINTS = 10;

/** The sealed-secret context of an endpoint: binds the value to its row. */
export function endpointSecretContext(id: string): string {
  return `webhook_endpoint:${id}:secret`;
}

function toEndpoint(r: Selectable<WebhookEndpointsTable>): WebhookEndpoint {
  return {
    id: r.id,
    scope: r.scope,
    accountId: r.account_id,
    url: r.url,
    description: r.description,
    eventTypes: r.event_types.filter(isEventType),
    createdAt: r.created_at,
    createdBy: r.created_by,
    disabledAt: r.disabled_at,
  };
}

/** Whether a string names an event type. */
export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}

/** Parses a list of addresses (comma, semicolon or newline separated); throws naming the bad one. */
export function parseRecipients(input: string | readonly string[]): string[] {
  const items = (typeof input === 'string' ? input.split(/[\s,;]+/) : input)
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const unique = [...new Set(items)];
  for (const address of unique) {
    if (address.length > 254 || !EMAIL.test(address))
      throw new ValidationError(`"${address}" is not an e-mail address`, 'recipients');
  }
  if (unique.length > MAX_RECIPIENTS)
    throw new ValidationError(`at most ${MAX_RECIPIENTS} recipients`, 'recipients');
  return unique;
}

function parseEventTypes(input: readonly string[]): EventType[] {
  const out: EventType[] = [];
  for (const t of input) {
    if (!isEventType(t)) throw new ValidationError(`unknown event type "${t}"`, 'eventTypes');
    if (!out.includes(t)) out.push(t);
  }
  return out;
}

/** Settings and webhook endpoints per scope, with the viewer's rights checked. */
export function createNotificationSettings(deps: SettingsDeps) {
  const { db } = deps;
  const addressGuard = deps.addressGuard ?? createPublicAddressGuard();
  const actor = (viewer: Viewer): string => viewer.actor ?? `user:${viewer.username}`;

  /** The scope a viewer acts on: operators choose (default: operators), others their account. */
  const scopeFor = async (viewer: Viewer, requested?: string | null): Promise<string> => {
    if (viewer.role !== 'operator') {
      if (!viewer.accountId) throw new NotifyError('NOTIFY_FORBIDDEN', 'this user belongs to no account');
      if (requested && requested !== viewer.accountId)
        throw new NotifyError('NOTIFY_FORBIDDEN', 'you can only manage your own account');
      return viewer.accountId;
    }
    if (!requested || requested === OPERATORS_SCOPE) return OPERATORS_SCOPE;
    const account = isUuid(requested)
      ? await db.selectFrom('accounts').select('id').where('id', '=', requested).executeTakeFirst()
      : undefined;
    if (!account) throw new ValidationError('no such account', 'scope');
    return account.id;
  };
  const mayChange = (viewer: Viewer): void => {
    if (viewer.role === 'member')
      throw new NotifyError(
        'NOTIFY_FORBIDDEN',
        "only the account's owners and operators change notifications",
      );
  };

  /** The addresses used while a scope has no saved settings. */
  const defaultRecipients = async (scope: string): Promise<string[]> => {
    const q = deps.sandboxAddress
      ? db.selectFrom('users').select(['email', 'username'])
      : db.selectFrom('users').select(['email', 'username']).where('email', 'is not', null);
    const rows =
      scope === OPERATORS_SCOPE
        ? await q.where('role', '=', 'operator').execute()
        : await q.where('account_id', '=', scope).where('role', '=', 'owner').execute();
    const found = rows
      .map((r) => (r.email ?? deps.sandboxAddress?.(r.username) ?? '').toLowerCase())
      .filter((e) => EMAIL.test(e));
    const configured = scope === OPERATORS_SCOPE ? (deps.operatorEmails ?? []) : [];
    return [...new Set([...configured.map((e) => e.toLowerCase()), ...found])];
  };

  /** A scope's settings (saved, else the defaults); no rights check. */
  const resolve = async (scope: string): Promise<NotificationSettings> => {
    const row = await db
      .selectFrom('notification_settings')
      .selectAll()
      .where('scope', '=', scope)
      .executeTakeFirst();
    if (row) {
      return {
        scope,
        accountId: row.account_id,
        emailEnabled: row.email_enabled,
        recipients: row.recipients,
        eventTypes: row.event_types.filter(isEventType),
        isDefault: false,
        updatedAt: row.updated_at,
        updatedBy: row.updated_by,
      };
    }
    return {
      scope,
      accountId: scope === OPERATORS_SCOPE ? null : scope,
      emailEnabled: true,
      recipients: await defaultRecipients(scope),
      eventTypes: [
        ...(scope === OPERATORS_SCOPE ? DEFAULT_OPERATOR_EMAIL_TYPES : DEFAULT_ACCOUNT_EMAIL_TYPES),
      ],
      isDefault: true,
      updatedAt: null,
      updatedBy: null,
    };
  };

  /** Enabled endpoints of a scope; no rights check. */
  const activeEndpoints = async (scope: string): Promise<(WebhookEndpoint & { recordedAt: Date })[]> => {
    const rows = await db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('scope', '=', scope)
      .where('disabled_at', 'is', null)
      .execute();
    return rows.map((r) => ({ ...toEndpoint(r), recordedAt: r.recorded_at }));
  };

  const visibleEndpoint = async (viewer: Viewer, id: string) => {
    if (!isUuid(id)) throw new NotifyError('NOTIFY_ENDPOINT_NOT_FOUND', 'no such webhook endpoint');
    let q = db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id);
    if (viewer.role !== 'operator') q = q.where('account_id', '=', viewer.accountId ?? '');
    const row = await q.executeTakeFirst();
    if (!row) throw new NotifyError('NOTIFY_ENDPOINT_NOT_FOUND', 'no such webhook endpoint');
    return row;
  };

  return {
    scopeFor,
    resolve,
    activeEndpoints,

    /** The settings of the viewer's scope (operators: `scope`, default operators). */
    async get(viewer: Viewer, scope?: string | null): Promise<NotificationSettings> {
      return resolve(await scopeFor(viewer, scope));
    },

    /** Saves a scope's e-mail settings (owners and operators). */
    async update(
      viewer: Viewer,
      input: {
        scope?: string | null;
        emailEnabled: boolean;
        recipients: string | readonly string[];
        eventTypes: readonly string[];
      },
    ): Promise<NotificationSettings> {
      mayChange(viewer);
      const scope = await scopeFor(viewer, input.scope);
      const recipients = parseRecipients(input.recipients);
      const eventTypes = parseEventTypes(input.eventTypes);
      const now = new Date(deps.clock.now());
      const values = {
        email_enabled: input.emailEnabled,
        recipients: JSON.stringify(recipients),
        event_types: JSON.stringify(eventTypes),
        updated_at: now,
        updated_by: actor(viewer),
      };
      await db
        .insertInto('notification_settings')
        .values({ scope, account_id: scope === OPERATORS_SCOPE ? null : scope, ...values })
        .onConflict((oc) => oc.column('scope').doUpdateSet(values))
        .execute();
      return resolve(scope);
    },

    /** Webhook endpoints of the viewer's scope, newest first. */
    async listEndpoints(viewer: Viewer, scope?: string | null): Promise<WebhookEndpoint[]> {
      const s = await scopeFor(viewer, scope);
      const rows = await db
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('scope', '=', s)
        .orderBy('created_at', 'desc')
        .execute();
      return rows.map(toEndpoint);
    },

    /** Adds an endpoint; returns its signing secret, which is never shown again. */
    async createEndpoint(
      viewer: Viewer,
      input: { scope?: string | null; url: string; description?: string; eventTypes?: readonly string[] },
    ): Promise<{ endpoint: WebhookEndpoint; secret: Secret }> {
      mayChange(viewer);
      const scope = await scopeFor(viewer, input.scope);
      let url: URL;
      try {
        url = new URL(input.url.trim());
      } catch {
        throw new ValidationError('the URL is not valid (https://…)', 'url');
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:')
        throw new ValidationError('the URL must start with https://', 'url');
      if (deps.requireHttps && url.protocol !== 'https:')
        throw new ValidationError('the URL must use https', 'url');
      if (url.username || url.password)
        throw new ValidationError('put no credentials in the URL: verify the signature instead', 'url');
      // Loopback, private, link-local, metadata … hosts are refused here and again at every delivery.
      await addressGuard.checkUrl(url);
      const description = input.description?.trim() ?? '';
      if (description.length > 200) throw new ValidationError('at most 200 characters', 'description');
      const eventTypes = parseEventTypes(input.eventTypes ?? []);
      const count = await db
        .selectFrom('webhook_endpoints')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('scope', '=', scope)
        .where('disabled_at', 'is', null)
        .executeTakeFirstOrThrow();
      if (Number(count.n) >= MAX_ENDPOINTS)
        throw new ValidationError(`at most ${MAX_ENDPOINTS} endpoints; delete one first`, 'url');
      const id = deps.newId();
      const secret = new Secret(`whsec_${randomToken(deps.random, 32)}`);
      const sealed = deps.vault.seal(secret, endpointSecretContext(id));
      const row = await db
        .insertInto('webhook_endpoints')
        .values({
          id,
          scope,
          account_id: scope === OPERATORS_SCOPE ? null : scope,
          url: url.toString(),
          description: description || null,
          event_types: JSON.stringify(eventTypes),
          secret_key_id: sealed.keyId,
          secret_blob: sealed.blob,
          created_at: new Date(deps.clock.now()),
          created_by: actor(viewer),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { endpoint: toEndpoint(row), secret };
    },

    /** Deletes an endpoint and its delivery log. */
    async deleteEndpoint(viewer: Viewer, id: string): Promise<void> {
      mayChange(viewer);
      const row = await visibleEndpoint(viewer, id);
      await db.deleteFrom('webhook_endpoints').where('id', '=', row.id).execute();
    },

    /** An endpoint's signing secret (delivery only). */
    async endpointSecret(id: string): Promise<Secret> {
      const row = await db
        .selectFrom('webhook_endpoints')
        .select(['secret_key_id', 'secret_blob'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      return deps.vault.open({ keyId: row.secret_key_id, blob: row.secret_blob }, endpointSecretContext(id));
    },

    /** Webhook secrets per vault key id (for `sellerlink keys status` and `rotate`). */
    async keyUsage(): Promise<{ keyId: string; count: number }[]> {
      const rows = await db
        .selectFrom('webhook_endpoints')
        .select(['secret_key_id as keyId', (eb) => eb.fn.countAll<string>().as('n')])
        .groupBy('secret_key_id')
        .execute();
      return rows.map((r) => ({ keyId: r.keyId, count: Number(r.n) }));
    },

    /** Opens every endpoint secret (a wrong key fails here, before anything is changed). */
    async verifyAll(): Promise<number> {
      const rows = await db
        .selectFrom('webhook_endpoints')
        .select(['id', 'secret_key_id', 'secret_blob'])
        .execute();
      for (const r of rows)
        deps.vault.open({ keyId: r.secret_key_id, blob: r.secret_blob }, endpointSecretContext(r.id));
      return rows.length;
    },

    /** Re-seals every endpoint secret held under an older vault key; returns how many. */
    async resealAll(): Promise<number> {
      const rows = await db
        .selectFrom('webhook_endpoints')
        .select(['id', 'secret_key_id', 'secret_blob'])
        .execute();
      let n = 0;
      for (const r of rows) {
        const sealed = { keyId: r.secret_key_id, blob: r.secret_blob };
        if (!deps.vault.needsReseal(sealed)) continue;
        const next = deps.vault.reseal(sealed, endpointSecretContext(r.id));
        await db
          .updateTable('webhook_endpoints')
          .set({ secret_key_id: next.keyId, secret_blob: next.blob })
          .where('id', '=', r.id)
          .execute();
        n++;
      }
      return n;
    },
  };
}

export type NotificationSettingsService = ReturnType<typeof createNotificationSettings>;
