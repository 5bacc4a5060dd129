import type { Kysely } from 'kysely';
import type { Viewer } from '../connections/repository.js';
import { isEventType, type EventType } from '../events/events.js';
import type { Clock } from '../kernel/clock.js';
import { ValidationError } from '../kernel/errors.js';
import type { Random } from '../kernel/random.js';
import type { Database } from '../store/schema.js';
import type { Vault } from '../vault/envelope.js';
import {
  endpointKeyUsage,
  endpointSecret,
  resealEndpointSecrets,
  verifyEndpointSecrets,
} from './endpoint-secrets.js';
import {
  activeEndpoints,
  createEndpoint,
  deleteEndpoint,
  listEndpoints,
  type EndpointDeps,
  type EndpointInput,
} from './endpoints.js';
import { revealNewSecret, sendTestEvent } from './endpoint-actions.js';
import { createPublicAddressGuard, type PublicAddressGuard } from './public-address.js';
import {
  OPERATORS_SCOPE,
  accountOfScope,
  actorOf,
  isEmailAddress,
  parseEventTypes,
  parseRecipients,
  requireChangeRight,
  scopeFor,
} from './rules.js';

export { OPERATORS_SCOPE, parseRecipients } from './rules.js';
export { isEventType } from '../events/events.js';
export { endpointSecretContext, type WebhookEndpoint } from './endpoints.js';

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
  /** `each`: one e-mail per event (the default); `digest`: a day's expiry reminders in one e-mail. */
  emailMode: EmailMode;
  /** True while nobody has saved settings for this scope. */
  isDefault: boolean;
  updatedAt: Date | null;
  updatedBy: string | null;
}

/** How a scope's e-mail is sent: one per event, or a daily digest of the expiry reminders. */
export type EmailMode = 'each' | 'digest';

/** The e-mail mode a form or API value names; a clear error for anything else. */
export function parseEmailMode(value: unknown): EmailMode {
  if (value === undefined || value === null || value === '' || value === 'each') return 'each';
  if (value === 'digest') return 'digest';
  throw new ValidationError('choose "one e-mail per event" or "a daily digest"', 'emailMode');
}

/** What a scope's e-mail settings are saved as. */
export interface SettingsInput {
  scope?: string | null;
  emailEnabled: boolean;
  /** Default `each`. */
  emailMode?: string | null;
  recipients: string | readonly string[];
  eventTypes: readonly string[];
}

/** Where the addresses of a scope without saved settings come from. */
export interface DefaultRecipientDeps {
  db: Kysely<Database>;
  /** Operators' e-mail addresses from configuration (NOTIFY_OPERATOR_EMAILS). */
  operatorEmails?: readonly string[];
  /**
   * Sandbox mode: an address for users without one (`demo` → `demo@sandbox.sellerlink.test`), so the
   * mail catcher shows reminders before anyone saves settings.
   */
  sandboxAddress?: (username: string) => string;
}

export interface SettingsDeps extends DefaultRecipientDeps {
  vault: Vault;
  clock: Clock;
  random: Random;
  newId: () => string;
  /** Production: webhook URLs must use https. */
  requireHttps?: boolean;
  /** Which hosts webhooks may go to (default: public addresses only, the system resolver). */
  addressGuard?: PublicAddressGuard;
}

/** The addresses used while a scope has no saved settings: its owners' (operators': also configured). */
export async function defaultRecipients(deps: DefaultRecipientDeps, scope: string): Promise<string[]> {
  const { db, sandboxAddress } = deps;
  const q = sandboxAddress
    ? db.selectFrom('users').select(['email', 'username'])
    : db.selectFrom('users').select(['email', 'username']).where('email', 'is not', null);
  const rows =
    scope === OPERATORS_SCOPE
      ? await q.where('role', '=', 'operator').execute()
      : await q.where('account_id', '=', scope).where('role', '=', 'owner').execute();
  const found = rows
    .map((r) => (r.email ?? sandboxAddress?.(r.username) ?? '').toLowerCase())
    .filter((e) => isEmailAddress(e));
  const configured = scope === OPERATORS_SCOPE ? (deps.operatorEmails ?? []) : [];
  return [...new Set([...configured.map((e) => e.toLowerCase()), ...found])];
}

/** A scope's settings (saved, else the defaults); no rights check. */
export async function resolveSettings(
  deps: DefaultRecipientDeps,
  scope: string,
): Promise<NotificationSettings> {
  const row = await deps.db
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
      emailMode: row.email_mode === 'digest' ? 'digest' : 'each',
      isDefault: false,
      updatedAt: row.updated_at,
      updatedBy: row.updated_by,
    };
  }
  return {
    scope,
    accountId: accountOfScope(scope),
    emailEnabled: true,
    recipients: await defaultRecipients(deps, scope),
    eventTypes: [...(scope === OPERATORS_SCOPE ? DEFAULT_OPERATOR_EMAIL_TYPES : DEFAULT_ACCOUNT_EMAIL_TYPES)],
    emailMode: 'each',
    isDefault: true,
    updatedAt: null,
    updatedBy: null,
  };
}

/** Saves a scope's e-mail settings (owners and operators); returns them as now used. */
export async function updateSettings(
  deps: DefaultRecipientDeps & { clock: Clock },
  viewer: Viewer,
  input: SettingsInput,
): Promise<NotificationSettings> {
  requireChangeRight(viewer);
  const scope = await scopeFor(deps.db, viewer, input.scope);
  const recipients = parseRecipients(input.recipients);
  const eventTypes = parseEventTypes(input.eventTypes);
  const emailMode = parseEmailMode(input.emailMode);
  const values = {
    email_enabled: input.emailEnabled,
    email_mode: emailMode,
    recipients: JSON.stringify(recipients),
    event_types: JSON.stringify(eventTypes),
    updated_at: new Date(deps.clock.now()),
    updated_by: actorOf(viewer),
  };
  await deps.db
    .insertInto('notification_settings')
    .values({ scope, account_id: accountOfScope(scope), ...values })
    .onConflict((oc) => oc.column('scope').doUpdateSet(values))
    .execute();
  return resolveSettings(deps, scope);
}

/** Settings and webhook endpoints per scope, with the viewer's rights checked. */
export function createNotificationSettings(deps: SettingsDeps) {
  const { db } = deps;
  const endpointDeps: EndpointDeps = {
    ...deps,
    addressGuard: deps.addressGuard ?? createPublicAddressGuard(),
  };
  const resolve = (scope: string): Promise<NotificationSettings> => resolveSettings(deps, scope);
  return {
    /** The scope a viewer acts on: operators choose (default: operators), others their account. */
    scopeFor: (viewer: Viewer, requested?: string | null) => scopeFor(db, viewer, requested),
    /** A scope's settings (saved, else the defaults); no rights check. */
    resolve,
    /** Enabled endpoints of a scope; no rights check. */
    activeEndpoints: (scope: string) => activeEndpoints(db, scope),
    /** The settings of the viewer's scope (operators: `scope`, default operators). */
    get: async (viewer: Viewer, scope?: string | null): Promise<NotificationSettings> =>
      resolve(await scopeFor(db, viewer, scope)),
    /** Saves a scope's e-mail settings (owners and operators). */
    update: (viewer: Viewer, input: SettingsInput) => updateSettings(deps, viewer, input),
    /** Webhook endpoints of the viewer's scope, newest first. */
    listEndpoints: (viewer: Viewer, scope?: string | null) => listEndpoints(db, viewer, scope),
    /** Adds an endpoint; returns its signing secret, which is never shown again. */
    createEndpoint: (viewer: Viewer, input: EndpointInput) => createEndpoint(endpointDeps, viewer, input),
    /** The secret of an endpoint the viewer just added, once (null afterwards). */
    revealNewSecret: (viewer: Viewer, id: string) => revealNewSecret(deps, viewer, id),
    /** Records a `webhook.test` event delivered to that endpoint only; returns the event id. */
    sendTestEvent: (viewer: Viewer, id: string) => sendTestEvent(deps, viewer, id),
    /** Deletes an endpoint and its delivery log. */
    deleteEndpoint: (viewer: Viewer, id: string) => deleteEndpoint(db, viewer, id),
    /** An endpoint's signing secret (delivery only). */
    endpointSecret: (id: string) => endpointSecret(deps, id),
    /** Webhook secrets per vault key id (for `sellerlink keys status` and `rotate`). */
    keyUsage: () => endpointKeyUsage(db),
    /** Opens every endpoint secret (a wrong key fails here, before anything is changed). */
    verifyAll: () => verifyEndpointSecrets(deps),
    /** Re-seals every endpoint secret held under an older vault key; returns how many. */
    resealAll: () => resealEndpointSecrets(deps),
  };
}

export type NotificationSettingsService = ReturnType<typeof createNotificationSettings>;
