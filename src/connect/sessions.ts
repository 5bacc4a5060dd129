import type { Kysely, Selectable } from 'kysely';
import { parseReturnUrl, returnUrlAllowed, storedReturnUrls } from '../accounts/return-urls.js';
import { isRegion } from '../amazon/regions.js';
import { defaultApplication } from '../connections/oauth-start.js';
import { viewerActor, type Viewer } from '../connections/repository.js';
import type { ConnectionManager } from '../connections/manage.js';
import type { OAuthFlow } from '../connections/oauth.js';
import type { Clock } from '../kernel/clock.js';
import { ValidationError } from '../kernel/errors.js';
import { isUuid } from '../kernel/input.js';
import { newOpaqueToken } from '../kernel/opaque-token.js';
import type { Random } from '../kernel/random.js';
import type { Applications } from '../lifecycle/applications.js';
import type {
  AmazonApi,
  ConnectOutcome,
  ConnectSessionsTable,
  Database,
  RegionCode,
} from '../store/schema.js';
import type { Vault } from '../vault/envelope.js';
import { ConnectError } from './errors.js';

/**
 * Connect sessions (docs/api.md, "Embedding"): one-time links the vendor's software asks for by API
 * and sends a seller to, so the seller connects or renews an Amazon authorization without a
 * Sellerlink login and lands back in the vendor's software with the outcome. This file creates and
 * reads them; flow.ts runs them. Only the link token's SHA-256 is stored.
 */

/** What the connect context is given. */
export interface ConnectDeps {
  db: Kysely<Database>;
  clock: Clock;
  random: Random;
  /** The portal's public origin: links are `<publicUrl>/connect/<token>`. */
  publicUrl: string;
  oauth: OAuthFlow;
  connections: ConnectionManager;
  applications: Applications;
  /** Signs renew links (renew-links.ts). */
  vault: Pick<Vault, 'mac' | 'verifyMac'>;
  /** Return URL prefixes allowed for every account (CONNECT_RETURN_URLS), besides each account's own. */
  returnUrls: readonly string[];
  /** How long a link is valid when the request does not say (default 30 minutes). */
  linkTtlMinutes?: number;
  /** How long a renew link in a reminder stays valid (default 14 days). */
  renewLinkDays?: number;
}

/** How a session stands: waiting for the seller, on its way through Amazon, ended, or expired unused. */
export type ConnectStatus = 'pending' | 'started' | 'completed' | 'expired';

/** A connect session as the API shows it (never its token). */
export interface ConnectSession {
  id: string;
  accountId: string;
  api: AmazonApi;
  region: RegionCode | null;
  purpose: 'connect' | 'renew';
  connectionId: string | null;
  returnUrl: string;
  vendor: { name: string | null; logoUrl: string | null };
  origin: 'api' | 'reminder';
  status: ConnectStatus;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  outcome: ConnectOutcome | null;
  errorCode: string | null;
  resultConnectionId: string | null;
}

/** What the vendor asks for. */
export interface NewConnectSession {
  /** Required for operator keys; account keys may omit it (their own account). */
  accountId?: string;
  api?: AmazonApi;
  /** Omitted or null: the seller chooses the region on the link's page. */
  region?: RegionCode | null;
  purpose?: 'connect' | 'renew';
  /** The connection to renew (purpose renew). */
  connectionId?: string;
  returnUrl: string;
  vendorName?: string;
  vendorLogoUrl?: string;
  /** 1-1440; default 30. */
  expiresInMinutes?: number;
}

export type SessionRow = Selectable<ConnectSessionsTable>;

/** The status a stored session has at `now`. */
export function statusOf(row: SessionRow, now: number): ConnectStatus {
  if (row.completed_at) return 'completed';
  if (row.started_at) return 'started';
  return row.expires_at.getTime() <= now ? 'expired' : 'pending';
}

/** The API's view of a stored session. */
export function toSession(row: SessionRow, now: number): ConnectSession {
  return {
    id: row.id,
    accountId: row.account_id,
    api: row.api,
    region: row.region,
    purpose: row.purpose,
    connectionId: row.connection_id,
    returnUrl: row.return_url,
    vendor: { name: row.vendor_name, logoUrl: row.vendor_logo_url },
    origin: row.origin,
    status: statusOf(row, now),
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    outcome: row.outcome,
    errorCode: row.error_code,
    resultConnectionId: row.result_connection_id,
  };
}

/** A viewer acting for one account only: how connect links load that account's connections. */
export function accountViewer(accountId: string, actor: string): Viewer {
  return { userId: '', username: actor, role: 'member', accountId, actor };
}

/** The account a key may create a link for: an account key its own; an operator key the one named. */
function accountOf(viewer: Viewer, requested: string | undefined): string {
  if (viewer.role === 'operator') {
    if (!requested)
      throw new ValidationError('accountId: required for keys that see every account', 'accountId');
    if (!isUuid(requested)) throw new ConnectError('CONNECT_NOT_FOUND', 'There is no such account.');
    return requested;
  }
  if (!viewer.accountId) throw new ConnectError('CONNECT_FORBIDDEN', 'This API key has no account.');
  if (requested !== undefined && requested !== viewer.accountId) {
    throw new ConnectError('CONNECT_NOT_FOUND', 'There is no such account for this API key.');
  }
  return viewer.accountId;
}

/** Checks the input's simple fields; throws a ValidationError naming the first bad one. */
function checkFields(input: NewConnectSession): void {
  if (input.api !== undefined && input.api !== 'sp_api' && input.api !== 'ads') {
    throw new ValidationError('api: must be sp_api or ads', 'api');
  }
  if (input.region != null && !isRegion(input.region)) {
    throw new ValidationError('region: must be NA, EU or FE (or omitted: the seller chooses)', 'region');
  }
  const purpose = input.purpose ?? 'connect';
  if (purpose !== 'connect' && purpose !== 'renew') {
    throw new ValidationError('purpose: must be connect or renew', 'purpose');
  }
  if ((purpose === 'renew') !== (input.connectionId !== undefined)) {
    throw new ValidationError('connectionId: give it to renew a connection, and only then', 'connectionId');
  }
  const minutes = input.expiresInMinutes;
  if (minutes !== undefined && !(Number.isInteger(minutes) && minutes >= 1 && minutes <= 1440)) {
    throw new ValidationError('expiresInMinutes: a whole number from 1 to 1440', 'expiresInMinutes');
  }
  const name = input.vendorName;
  if (name !== undefined && (name.trim().length === 0 || name.length > 100)) {
    throw new ValidationError('vendorName: 1-100 characters', 'vendorName');
  }
  if (input.vendorLogoUrl !== undefined) parseReturnUrl(input.vendorLogoUrl, 'vendorLogoUrl');
}

/** The account's name and allow-list, or CONNECT_NOT_FOUND. */
export async function loadAccount(
  db: Kysely<Database>,
  accountId: string,
): Promise<{ id: string; name: string; returnUrls: string[]; defaultReturnUrl: string | null }> {
  const row = await db
    .selectFrom('accounts')
    .select(['id', 'name', 'return_urls', 'default_return_url'])
    .where('id', '=', accountId)
    .executeTakeFirst();
  if (!row) throw new ConnectError('CONNECT_NOT_FOUND', 'There is no such account.');
  return {
    id: row.id,
    name: row.name,
    returnUrls: storedReturnUrls(row.return_urls),
    defaultReturnUrl: row.default_return_url,
  };
}

/** Refuses a return URL outside the account's and the service's allow-lists. */
function checkReturnUrl(deps: ConnectDeps, allowList: readonly string[], value: string): string {
  const url = parseReturnUrl(value, 'returnUrl');
  if (!returnUrlAllowed([...allowList, ...deps.returnUrls], url)) {
    throw new ConnectError(
      'RETURN_URL_NOT_ALLOWED',
      `returnUrl ${url.origin}${url.pathname} is not on the account's allow-list. An operator adds allowed URL prefixes to the account (PUT/PATCH /api/v1/accounts, "returnUrls") or to CONNECT_RETURN_URLS for every account.`,
      { details: { field: 'returnUrl' } },
    );
  }
  return url.href;
}

/** The connection a renew link renews: the account's own, of the same API, renewable by consent. */
async function renewTarget(
  deps: ConnectDeps,
  accountId: string,
  input: { api: AmazonApi; connectionId: string; region: RegionCode | null },
): Promise<RegionCode> {
  const viewer = accountViewer(accountId, 'connect-link');
  const connection = await deps.connections.get(viewer, input.connectionId, input.api).catch(() => {
    throw new ConnectError('CONNECT_NOT_FOUND', 'There is no such connection of this account and API.');
  });
  if (connection.kind === 'self') {
    throw new ConnectError(
      'CONNECT_NOT_RENEWABLE',
      'This connection was self-authorized: it is renewed by importing a new refresh token, not by a consent.',
    );
  }
  if (input.region && input.region !== connection.region) {
    throw new ValidationError(`region: the connection is in ${connection.region}`, 'region');
  }
  return connection.region;
}

/** Refuses a link nothing could complete: no application of that API is registered. */
async function checkAvailable(deps: ConnectDeps, api: AmazonApi): Promise<void> {
  const available =
    api === 'ads'
      ? (await deps.applications.list('ads')).length > 0
      : defaultApplication(await deps.applications.list()) !== undefined;
  if (!available) {
    throw new ConnectError(
      'CONNECT_UNAVAILABLE',
      api === 'ads'
        ? 'No Amazon Ads security profile is registered, so nothing could be connected. An operator must add one first.'
        : 'No SP-API application is registered, so nothing could be connected. An operator must add one first.',
    );
  }
}

/** A checked request, ready to store. */
interface CheckedSession {
  accountId: string;
  api: AmazonApi;
  region: RegionCode | null;
  purpose: 'connect' | 'renew';
  connectionId: string | null;
  returnUrl: string;
  vendorName: string | null;
  vendorLogoUrl: string | null;
  origin: 'api' | 'reminder';
  createdBy: string;
  ttlMs: number;
}

/** Stores a checked session with a fresh token; returns it and its one-time URL. */
export async function storeSession(
  deps: ConnectDeps,
  s: CheckedSession,
): Promise<{ session: ConnectSession; url: string }> {
  const token = newOpaqueToken(deps.random);
  const now = deps.clock.now();
  const row = await deps.db
    .insertInto('connect_sessions')
    .values({
      token_hash: token.hash,
      account_id: s.accountId,
      api: s.api,
      region: s.region,
      purpose: s.purpose,
      connection_id: s.connectionId,
      return_url: s.returnUrl,
      vendor_name: s.vendorName,
      vendor_logo_url: s.vendorLogoUrl,
      origin: s.origin,
      created_by: s.createdBy,
      created_at: new Date(now),
      expires_at: new Date(now + s.ttlMs),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { session: toSession(row, now), url: `${deps.publicUrl}/connect/${token.value}` };
}

/**
 * Creates a one-time connect link for the vendor: checks who asks (an account key: its own account
 * only), the account, the return URL against the allow-lists, the connection to renew, and that an
 * application of that API exists. Bad input changes nothing.
 */
export async function createConnectSession(
  deps: ConnectDeps,
  viewer: Viewer,
  input: NewConnectSession,
): Promise<{ session: ConnectSession; url: string }> {
  const accountId = accountOf(viewer, input.accountId);
  checkFields(input);
  const account = await loadAccount(deps.db, accountId);
  const returnUrl = checkReturnUrl(deps, account.returnUrls, input.returnUrl);
  const api = input.api ?? 'sp_api';
  const purpose = input.purpose ?? 'connect';
  if (input.connectionId !== undefined && !isUuid(input.connectionId)) {
    throw new ConnectError('CONNECT_NOT_FOUND', 'There is no such connection of this account and API.');
  }
  const region =
    purpose === 'renew'
      ? await renewTarget(deps, accountId, {
          api,
          connectionId: input.connectionId!,
          region: input.region ?? null,
        })
      : (input.region ?? null);
  await checkAvailable(deps, api);
  return storeSession(deps, {
    accountId,
    api,
    region,
    purpose,
    connectionId: input.connectionId ?? null,
    returnUrl,
    vendorName: input.vendorName?.trim() ?? null,
    vendorLogoUrl: input.vendorLogoUrl ? new URL(input.vendorLogoUrl).href : null,
    origin: 'api',
    createdBy: viewerActor(viewer),
    ttlMs: (input.expiresInMinutes ?? deps.linkTtlMinutes ?? 30) * 60_000,
  });
}

/** One session the viewer may see (account keys: their account's), or CONNECT_NOT_FOUND. */
export async function getConnectSession(
  deps: ConnectDeps,
  viewer: Viewer,
  id: string,
): Promise<ConnectSession> {
  const notFound = () =>
    new ConnectError('CONNECT_NOT_FOUND', 'There is no such connect session for this API key.');
  if (!isUuid(id)) throw notFound();
  let q = deps.db.selectFrom('connect_sessions').selectAll().where('id', '=', id);
  if (viewer.role !== 'operator')
    q = q.where('account_id', '=', viewer.accountId ?? '00000000-0000-0000-0000-000000000000');
  const row = await q.executeTakeFirst();
  if (!row) throw notFound();
  return toSession(row, deps.clock.now());
}
