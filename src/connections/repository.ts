import type { Kysely, Selectable } from 'kysely';
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

export function toConnection(r: Selectable<ConnectionsTable>): Connection {
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
  };
}

/** Reads a connection the viewer may see, or throws CONNECTION_NOT_FOUND (also for other accounts'). */
export async function getVisibleConnection(
  db: Kysely<Database>,
  viewer: Viewer,
  id: string,
): Promise<Selectable<ConnectionsTable>> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
    throw new ConnectionsError('CONNECTION_NOT_FOUND', 'no such connection');
  }
  let q = db.selectFrom('connections').selectAll().where('id', '=', id);
  if (viewer.role !== 'operator')
    q = q.where('account_id', '=', viewer.accountId ?? '00000000-0000-0000-0000-000000000000');
  const row = await q.executeTakeFirst();
  if (!row) throw new ConnectionsError('CONNECTION_NOT_FOUND', 'no such connection');
  return row;
}

/** Connections the viewer may see, by region then seller. */
export async function listVisibleConnections(
  db: Kysely<Database>,
  viewer: Viewer,
  accountId?: string,
): Promise<Connection[]> {
  let q = db.selectFrom('connections').selectAll();
  if (viewer.role !== 'operator')
    q = q.where('account_id', '=', viewer.accountId ?? '00000000-0000-0000-0000-000000000000');
  else if (accountId) q = q.where('account_id', '=', accountId);
  const rows = await q.orderBy('region').orderBy('selling_partner_id').orderBy('created_at').execute();
  return rows.map(toConnection);
}
