import type { Kysely, Selectable } from 'kysely';
import { connectionHealth, type Health, type HealthInput } from '../lifecycle/health.js';
import type { ConnectionsTable, ConnectionState, Database, RegionCode } from '../store/schema.js';
import { ConnectionsError } from './errors.js';

/** A connection as the rest of the service sees it (never the token itself). */
export interface Connection {
  id: string;
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

/** The application columns a connection's health needs. */
export interface HealthApplication {
  app_name: string | null;
  app_flagged_at: Date | null;
  app_flagged_reason: string | null;
}

type ConnectionRow = Selectable<ConnectionsTable> & HealthApplication;

/** The inputs of `connectionHealth` from a connection row joined with its application. */
export function healthInputOf(r: Selectable<ConnectionsTable> & HealthApplication): HealthInput {
  return {
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
  };
}

/** The application columns a connection's health needs, for a query joined with `applications`. */
export const HEALTH_APPLICATION_COLUMNS = [
  'applications.name as app_name',
  'applications.flagged_at as app_flagged_at',
  'applications.flagged_reason as app_flagged_reason',
] as const;

/** Connections joined with the application columns their health needs. */
export function selectConnections(db: Kysely<Database>) {
  return db
    .selectFrom('connections')
    .leftJoin('applications', 'applications.id', 'connections.application_id')
    .selectAll('connections')
    .select(HEALTH_APPLICATION_COLUMNS);
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

/** Reads a connection the viewer may see, or throws CONNECTION_NOT_FOUND (also for other accounts'). */
export async function getVisibleConnection(
  db: Kysely<Database>,
  viewer: Viewer,
  id: string,
  now: number,
): Promise<Connection> {
  if (!UUID.test(id)) throw new ConnectionsError('CONNECTION_NOT_FOUND', 'no such connection');
  let q = selectConnections(db).where('connections.id', '=', id);
  if (viewer.role !== 'operator')
    q = q.where('connections.account_id', '=', viewer.accountId ?? '00000000-0000-0000-0000-000000000000');
  const row = await q.executeTakeFirst();
  if (!row) throw new ConnectionsError('CONNECTION_NOT_FOUND', 'no such connection');
  return toConnection(row, now);
}

/** Connections the viewer may see, by region then seller. */
export async function listVisibleConnections(
  db: Kysely<Database>,
  viewer: Viewer,
  now: number,
  accountId?: string,
): Promise<Connection[]> {
  let q = selectConnections(db);
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
