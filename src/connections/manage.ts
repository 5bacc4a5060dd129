import type { AmazonApi } from '../store/schema.js';
import type { AuditRecord } from './audit.js';
import type { ConnectionsDeps } from './context.js';
import {
  getVisibleConnection,
  healthOfConnection,
  listVisibleConnections,
  viewerActor,
  viewerUserId,
  type Connection,
  type Viewer,
} from './repository.js';
import {
  listAttentionConnections,
  listConnectionsPage,
  type ConnectionListPage,
  type ConnectionListQuery,
} from './list-page.js';
import { importSelfAuthorized, type SelfAuthorization } from './self-authorize.js';
import {
  searchConnections,
  type OperatorConnectionPage,
  type OperatorConnectionQuery,
} from './operator-search.js';

/** The connection's audit trail, newest first, if the viewer may see the connection. */
export async function connectionHistory(
  deps: ConnectionsDeps,
  viewer: Viewer,
  id: string,
  api: AmazonApi = 'sp_api',
): Promise<AuditRecord[]> {
  await getVisibleConnection(deps.db, viewer, id, deps.clock.now(), api);
  return deps.audit.forConnection(id);
}

/**
 * Disconnects: deletes the sealed refresh token and marks the connection disconnected. The seller
 * should also remove the app in Seller Central → Manage Your Apps (Amazon keeps it authorized).
 */
export async function disconnect(
  deps: ConnectionsDeps,
  viewer: Viewer,
  id: string,
  ip: string | null,
  api: AmazonApi = 'sp_api',
): Promise<Connection> {
  await getVisibleConnection(deps.db, viewer, id, deps.clock.now(), api);
  await deps.lifecycle.disconnect(id, {
    userId: viewerUserId(viewer),
    label: viewerActor(viewer),
    ip,
    username: viewer.username,
  });
  return (await healthOfConnection(deps.db, id, deps.clock.now()))!.connection;
}

/** Listing, viewing, disconnecting and importing self-authorized connections. */
export function createConnectionManager(deps: ConnectionsDeps) {
  return {
    /** SP-API connections (or those of `api`, or `all`) the viewer may see (operators: all, or one account's). */
    list: (viewer: Viewer, accountId?: string, api?: AmazonApi | 'all'): Promise<Connection[]> =>
      listVisibleConnections(deps.db, viewer, deps.clock.now(), accountId, api),

    /**
     * One keyset page of the connections the viewer may see, filtered and searched, in list order
     * (region, seller); see `listConnectionsPage`. What lists grow with the connections use this.
     */
    page: (viewer: Viewer, query: ConnectionListQuery): Promise<ConnectionListPage> =>
      listConnectionsPage(deps.db, viewer, query, deps.clock.now()),

    /** The connections of `api` (default both) the viewer may see that need attention (at most ATTENTION_MAX). */
    attention: (viewer: Viewer, api?: AmazonApi | 'all'): Promise<Connection[]> =>
      listAttentionConnections(deps.db, viewer, deps.clock.now(), api),

    /** Operators: one keyset page of every account's connections matching the filters; see `searchConnections`. */
    search: (viewer: Viewer, query: OperatorConnectionQuery): Promise<OperatorConnectionPage> =>
      searchConnections(deps.db, viewer, query, deps.clock.now()),

    /** One connection of `api` (default SP-API), if the viewer may see it (else CONNECTION_NOT_FOUND). */
    get: (viewer: Viewer, id: string, api?: AmazonApi): Promise<Connection> =>
      getVisibleConnection(deps.db, viewer, id, deps.clock.now(), api),

    /** The connection's audit trail, newest first. */
    history: (viewer: Viewer, id: string, api?: AmazonApi): Promise<AuditRecord[]> =>
      connectionHistory(deps, viewer, id, api),

    /** Disconnects: deletes the sealed refresh token and marks the connection disconnected. */
    disconnect: (viewer: Viewer, id: string, ip: string | null, api?: AmazonApi): Promise<Connection> =>
      disconnect(deps, viewer, id, ip, api),

    /** Imports a self-authorized refresh token after checking it and the seller with Amazon; see `importSelfAuthorized`. */
    importSelfAuthorized: (
      viewer: Viewer,
      input: SelfAuthorization,
      ip: string | null,
    ): Promise<Connection> => importSelfAuthorized(deps, viewer, input, ip),
  };
}

export type ConnectionManager = ReturnType<typeof createConnectionManager>;
