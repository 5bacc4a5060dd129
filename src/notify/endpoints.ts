import type { Kysely, Selectable } from 'kysely';
import type { Viewer } from '../connections/repository.js';
import { isEventType, type EventType } from '../events/events.js';
import type { Clock } from '../kernel/clock.js';
import { ValidationError } from '../kernel/errors.js';
import { isUuid } from '../kernel/input.js';
import { randomToken, type Random } from '../kernel/random.js';
import { Secret } from '../kernel/secret.js';
import type { Database, WebhookEndpointsTable } from '../store/schema.js';
import type { Vault } from '../vault/envelope.js';
import { NotifyError } from './errors.js';
import type { PublicAddressGuard } from './public-address.js';
import { accountOfScope, actorOf, parseEventTypes, requireChangeRight, scopeFor } from './rules.js';

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

/** What adding an endpoint needs. */
export interface EndpointDeps {
  db: Kysely<Database>;
  vault: Vault;
  clock: Clock;
  random: Random;
  newId: () => string;
  /** Production: webhook URLs must use https. */
  requireHttps?: boolean;
  /** Which hosts webhooks may go to. */
  addressGuard: PublicAddressGuard;
}

/** What a caller asks for when adding an endpoint. */
export interface EndpointInput {
  scope?: string | null;
  url: string;
  description?: string;
  eventTypes?: readonly string[];
}

const MAX_ENDPOINTS = 10;

/** The sealed-secret context of an endpoint: binds the value to its row. */
export function endpointSecretContext(id: string): string {
  return `webhook_endpoint:${id}:secret`;
}

/** A stored endpoint as shown (without its sealed secret). */
export function toEndpoint(r: Selectable<WebhookEndpointsTable>): WebhookEndpoint {
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

/** Enabled endpoints of a scope, with when each was added by the database's clock; no rights check. */
export async function activeEndpoints(
  db: Kysely<Database>,
  scope: string,
): Promise<(WebhookEndpoint & { recordedAt: Date })[]> {
  const rows = await db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('scope', '=', scope)
    .where('disabled_at', 'is', null)
    .execute();
  return rows.map((r) => ({ ...toEndpoint(r), recordedAt: r.recorded_at }));
}

/** Webhook endpoints of the viewer's scope, newest first. */
export async function listEndpoints(
  db: Kysely<Database>,
  viewer: Viewer,
  scope?: string | null,
): Promise<WebhookEndpoint[]> {
  const s = await scopeFor(db, viewer, scope);
  const rows = await db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('scope', '=', s)
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map(toEndpoint);
}

/**
 * Checks an endpoint URL's form: http(s), https only when required, no credentials. Where it points
 * is the address guard's question.
 */
export function parseEndpointUrl(input: string, requireHttps: boolean): URL {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new ValidationError('the URL is not valid (https://…)', 'url');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ValidationError('the URL must start with https://', 'url');
  if (requireHttps && url.protocol !== 'https:') throw new ValidationError('the URL must use https', 'url');
  if (url.username || url.password)
    throw new ValidationError('put no credentials in the URL: verify the signature instead', 'url');
  return url;
}

async function requireRoomFor(db: Kysely<Database>, scope: string): Promise<void> {
  const count = await db
    .selectFrom('webhook_endpoints')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('scope', '=', scope)
    .where('disabled_at', 'is', null)
    .executeTakeFirstOrThrow();
  if (Number(count.n) >= MAX_ENDPOINTS)
    throw new ValidationError(`at most ${MAX_ENDPOINTS} endpoints; delete one first`, 'url');
}

/** Adds an endpoint; returns its signing secret, which is never shown again. */
export async function createEndpoint(
  deps: EndpointDeps,
  viewer: Viewer,
  input: EndpointInput,
): Promise<{ endpoint: WebhookEndpoint; secret: Secret }> {
  requireChangeRight(viewer);
  const scope = await scopeFor(deps.db, viewer, input.scope);
  const url = parseEndpointUrl(input.url, deps.requireHttps ?? false);
  // Loopback, private, link-local, metadata … hosts are refused here and again at every delivery.
  await deps.addressGuard.checkUrl(url);
  const description = input.description?.trim() ?? '';
  if (description.length > 200) throw new ValidationError('at most 200 characters', 'description');
  const eventTypes = parseEventTypes(input.eventTypes ?? []);
  await requireRoomFor(deps.db, scope);
  const id = deps.newId();
  const secret = new Secret(`whsec_${randomToken(deps.random, 32)}`);
  const sealed = deps.vault.seal(secret, endpointSecretContext(id));
  const row = await deps.db
    .insertInto('webhook_endpoints')
    .values({
      id,
      scope,
      account_id: accountOfScope(scope),
      url: url.toString(),
      description: description || null,
      event_types: JSON.stringify(eventTypes),
      secret_key_id: sealed.keyId,
      secret_blob: sealed.blob,
      created_at: new Date(deps.clock.now()),
      created_by: actorOf(viewer),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { endpoint: toEndpoint(row), secret };
}

/** Deletes an endpoint the viewer may see, and its delivery log. */
export async function deleteEndpoint(db: Kysely<Database>, viewer: Viewer, id: string): Promise<void> {
  requireChangeRight(viewer);
  if (!isUuid(id)) throw new NotifyError('NOTIFY_ENDPOINT_NOT_FOUND', 'no such webhook endpoint');
  let q = db.selectFrom('webhook_endpoints').select('id').where('id', '=', id);
  if (viewer.role !== 'operator') q = q.where('account_id', '=', viewer.accountId ?? '');
  const row = await q.executeTakeFirst();
  if (!row) throw new NotifyError('NOTIFY_ENDPOINT_NOT_FOUND', 'no such webhook endpoint');
  await db.deleteFrom('webhook_endpoints').where('id', '=', row.id).execute();
}
