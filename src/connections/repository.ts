import type { Kysely, Selectable } from 'kysely';
import { connectionHealth, type Health, type HealthInput } from '../lifecycle/health.js';
import type {
  AmazonApi,
  ClaimStatus,
  ConnectionsTable,
  ConnectionState,
  Database,
  RegionCode,
} from '../store/schema.js';
import { ConnectionsError } from './errors.js';

/** A connection as the rest of the service sees it (never the token itself). */
export interface Connection {
  id: string;
  /** SP-API, or Amazon Ads (then `sellingPartnerId` is the fixed advertiser key, lifecycle/ads-identity.ts). */
  api: AmazonApi;
  accountId: string;
  applicationId: string;
  sellingPartnerId: string;
  region: RegionCode;
  marketplaceIds: string[];
  storeName: string | null;
  kind: 'oauth' | 'self';
  authorizedAt: Date;
  expiresAt: Date | null;
  state: ConnectionState;
  stateReason: string | null;
  stateChangedAt: Date;
  lastSuccessAt: Date | null;
  lastError: { code: string; message: string; at: Date } | null;
  hasToken: boolean;
  /** The one answer to "can it call Amazon, and who acts" (lifecycle/health.ts), as of the read. */
  health: Health;
  /** Whether Amazon confirmed the seller id, and whether operators should review the claim. */
  claim: SellerClaimView;
}

/** What Amazon confirmed about the seller id a connection claims (connections/claims.ts). */
export interface SellerClaimView {
  status: ClaimStatus;
  checkedAt: Date | null;
  /** Why the seller id could not be confirmed. */
  note: string | null;
  /** Other accounts with a live connection of the same application + seller + region. */
  otherAccounts: number;
  /** Why operators review this connection (another account holds the seller, or Amazon's data differs), or null. */
  review: string | null;
}

/** Who is asking: operators see every account, others only their own. */
export interface Viewer {
  userId: string;
  username: string;
  role: 'owner' | 'member' | 'operator';
  accountId: string | null;
  /**
   * Set for a viewer that is not a signed-in user (the operator CLI: 'cli'): audit entries name this
   * actor and no user id.
   */
  actor?: string;
}

/** The audit log's actor for a viewer: its own label (e.g. 'cli'), else 'user:<name>'. */
export function viewerActor(viewer: Viewer): string {
  return viewer.actor ?? `user:${viewer.username}`;
}

/** The user id the audit log records for a viewer: none for a viewer that is not a signed-in user. */
export function viewerUserId(viewer: Viewer): string | null {
  return viewer.actor === undefined ? viewer.userId : null;
}

/** The application columns a connection's health needs. */
export interface HealthApplication {
  app_name: string | null;
  app_flagged_at: Date | null;
  app_flagged_reason: string | null;
}

type ConnectionRow = Selectable<ConnectionsTable> &
  HealthApplication & { claim_other_accounts: string | number | bigint | null };

/** The claim as the pages show it; the review reason is derived, so it ends when the duplicate does. */
function claimOf(r: ConnectionRow): SellerClaimView {
  const otherAccounts = Number(r.claim_other_accounts ?? 0);
  const review = [
    otherAccounts > 0
      ? `Seller ${r.selling_partner_id} (${r.region}) is also connected to ${otherAccounts === 1 ? 'another account' : `${otherAccounts} other accounts`} through this application.`
      : '',
    r.claim_mismatch ?? '',
  ]
    .filter(Boolean)
    .join(' ');
  return {
    status: r.claim_status,
    checkedAt: r.claim_checked_at,
    note: r.claim_note,
    otherAccounts,
    review: review === '' ? null : review,
  };
}

/** The inputs of `connectionHealth` from a connection row joined with its application. */
export function healthInputOf(r: Selectable<ConnectionsTable> & HealthApplication): HealthInput {
  return {
    api: r.api,
    state: r.state,
    stateReason: r.state_reason,
    stateChangedAt: r.state_changed_at,
    kind: r.kind,
    expiresAt: r.expires_at,
    hasToken: r.refresh_token_blob !== null,
    lastSuccessAt: r.last_success_at,
    lastError:
      r.last_error_code && r.last_error_at
        ? { code: r.last_error_code, message: r.last_error_message ?? '', at: r.last_error_at }
        : null,
    consecutiveFailures: r.consecutive_failures,
    application:
      r.app_name === null
        ? null
        : { name: r.app_name, rejectedAt: r.app_flagged_at, rejectedReason: r.app_flagged_reason },
  };
}

/** A connection row (joined with its application) as a Connection, with its health at `now`. */
export function toConnection(r: ConnectionRow, now: number): Connection {
  return {
    id: r.id,
    api: r.api,
    accountId: r.account_id,
    applicationId: r.application_id,
    sellingPartnerId: r.selling_partner_id,
    region: r.region,
    marketplaceIds: r.marketplace_ids,
    storeName: r.store_name,
    kind: r.kind,
    authorizedAt: r.authorized_at,
    expiresAt: r.expires_at,
    state: r.state,
    stateReason: r.state_reason,
    stateChangedAt: r.state_changed_at,
    lastSuccessAt: r.last_success_at,
    lastError:
      r.last_error_code && r.last_error_at
        ? { code: r.last_error_code, message: r.last_error_message ?? '', at: r.last_error_at }
        : null,
    hasToken: r.refresh_token_blob !== null,
    health: connectionHealth(healthInputOf(r), now),
    claim: claimOf(r),
  };
}

/** The application columns a connection's health needs, for a query joined with `applications`. */
export const HEALTH_APPLICATION_COLUMNS = [
  'applications.name as app_name',
  'applications.flagged_at as app_flagged_at',
  'applications.flagged_reason as app_flagged_reason',
] as const;

/**
 * Connections joined with the application columns their health needs, and how many other accounts
 * hold a live connection of the same application + seller + region (operator review).
 */
export function selectConnections(db: Kysely<Database>) {
  return db
    .selectFrom('connections')
    .leftJoin('applications', 'applications.id', 'connections.application_id')
    .selectAll('connections')
    .select(HEALTH_APPLICATION_COLUMNS)
    .select((eb) =>
      eb
        .selectFrom('connections as other')
        .select((o) => o.fn.countAll().as('n'))
        .whereRef('other.application_id', '=', 'connections.application_id')
        .whereRef('other.selling_partner_id', '=', 'connections.selling_partner_id')
        .whereRef('other.region', '=', 'connections.region')
        .whereRef('other.account_id', '!=', 'connections.account_id')
        .where('other.state', '!=', 'disconnected')
        .where('other.refresh_token_blob', 'is not', null)
        // Ads connections share one advertiser key per region (lifecycle/ads-identity.ts): not a seller claim.
        .where('other.api', '=', 'sp_api')
        .as('claim_other_accounts'),
    );
}

/** A connection's health now, or undefined when there is no such connection. */
export async function healthOfConnection(
  db: Kysely<Database>,
  id: string,
  now: number,
): Promise<{ connection: Connection } | undefined> {
  const row = await selectConnections(db).where('connections.id', '=', id).executeTakeFirst();
  return row ? { connection: toConnection(row, now) } : undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Reads a connection of `api` (default SP-API) the viewer may see, or throws CONNECTION_NOT_FOUND
 * (also for other accounts'; for a connection of the other API, saying where it is served).
 */
export async function getVisibleConnection(
  db: Kysely<Database>,
  viewer: Viewer,
  id: string,
  now: number,
  api: AmazonApi = 'sp_api',
): Promise<Connection> {
  if (!UUID.test(id)) throw new ConnectionsError('CONNECTION_NOT_FOUND', 'no such connection');
  let q = selectConnections(db).where('connections.id', '=', id);
  if (viewer.role !== 'operator')
    q = q.where('connections.account_id', '=', viewer.accountId ?? '00000000-0000-0000-0000-000000000000');
  const row = await q.executeTakeFirst();
  if (!row) throw new ConnectionsError('CONNECTION_NOT_FOUND', 'no such connection');
  if (row.api !== api) {
    throw new ConnectionsError(
      'CONNECTION_NOT_FOUND',
      row.api === 'ads'
        ? `connection ${id} is an Amazon Ads connection: use /api/v1/ads-connections/${id}`
        : `connection ${id} is an SP-API connection: use /api/v1/connections/${id}`,
    );
  }
  return toConnection(row, now);
}

/** Connections of `api` (default SP-API; `all`: both) the viewer may see, by region then seller. */
export async function listVisibleConnections(
  db: Kysely<Database>,
  viewer: Viewer,
  now: number,
  accountId?: string,
  api: AmazonApi | 'all' = 'sp_api',
): Promise<Connection[]> {
  let q = selectConnections(db);
  if (api !== 'all') q = q.where('connections.api', '=', api);
  if (viewer.role !== 'operator')
    q = q.where('connections.account_id', '=', viewer.accountId ?? '00000000-0000-0000-0000-000000000000');
  else if (accountId) q = q.where('connections.account_id', '=', accountId);
  const rows = await q
    .orderBy('connections.region')
    .orderBy('connections.selling_partner_id')
    .orderBy('connections.created_at')
    .execute();
  return rows.map((r) => toConnection(r, now));
}
