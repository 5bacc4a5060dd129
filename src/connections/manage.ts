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
import { importSelfAuthorized, type SelfAuthorization } from './self-authorize.js';

/** The connection's audit trail, newest first, if the viewer may see the connection. */
export async function connectionHistory(
  deps: ConnectionsDeps,
  viewer: Viewer,
  id: string,
): Promise<AuditRecord[]> {
  await getVisibleConnection(deps.db, viewer, id, deps.clock.now());
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
): Promise<Connection> {
  await getVisibleConnection(deps.db, viewer, id, deps.clock.now());
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
    /** Connections the viewer may see (operators: all, or one account's). */
    list: (viewer: Viewer, accountId?: string): Promise<Connection[]> =>
      listVisibleConnections(deps.db, viewer, deps.clock.now(), accountId),

    /** One connection, if the viewer may see it (else CONNECTION_NOT_FOUND). */
    get: (viewer: Viewer, id: string): Promise<Connection> =>
      getVisibleConnection(deps.db, viewer, id, deps.clock.now()),

    /** The connection's audit trail, newest first. */
    history: (viewer: Viewer, id: string): Promise<AuditRecord[]> => connectionHistory(deps, viewer, id),

    /** Disconnects: deletes the sealed refresh token and marks the connection disconnected. */
    disconnect: (viewer: Viewer, id: string, ip: string | null): Promise<Connection> =>
      disconnect(deps, viewer, id, ip),

    /** Imports a self-authorized refresh token after checking it and the seller with Amazon; see `importSelfAuthorized`. */
    importSelfAuthorized: (
      viewer: Viewer,
      input: SelfAuthorization,
      ip: string | null,
    ): Promise<Connection> => importSelfAuthorized(deps, viewer, input, ip),
  };
}

export type ConnectionManager = ReturnType<typeof createConnectionManager>;
