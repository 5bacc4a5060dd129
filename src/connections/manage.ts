import { AmazonError } from '../amazon/errors.js';
import type { Secret } from '../kernel/secret.js';
import type { RegionCode } from '../store/schema.js';
import type { AuditRecord } from './audit.js';
import { verifySellerClaim } from './claims.js';
import { finishAuthorization, type ConnectionsDeps } from './context.js';
import { ConnectionsError } from './errors.js';
import {
  getVisibleConnection,
  healthOfConnection,
  listVisibleConnections,
  type Connection,
  type Viewer,
} from './repository.js';

/** Listing, viewing, disconnecting and importing self-authorized connections. */
export function createConnectionManager(deps: ConnectionsDeps) {
  const actor = (viewer: Viewer): string => viewer.actor ?? `user:${viewer.username}`;
  const actorUserId = (viewer: Viewer): string | null => (viewer.actor === undefined ? viewer.userId : null);
  return {
    /** Connections the viewer may see (operators: all, or one account's). */
    list: (viewer: Viewer, accountId?: string): Promise<Connection[]> =>
      listVisibleConnections(deps.db, viewer, deps.clock.now(), accountId),

    /** One connection, if the viewer may see it (else CONNECTION_NOT_FOUND). */
    get: (viewer: Viewer, id: string): Promise<Connection> =>
      getVisibleConnection(deps.db, viewer, id, deps.clock.now()),

    /** The connection's audit trail, newest first. */
    async history(viewer: Viewer, id: string): Promise<AuditRecord[]> {
      await getVisibleConnection(deps.db, viewer, id, deps.clock.now());
      return deps.audit.forConnection(id);
    },

    /**
     * Disconnects: deletes the sealed refresh token and marks the connection disconnected. The seller
     * should also remove the app in Seller Central → Manage Your Apps (Amazon keeps it authorized).
     */
    async disconnect(viewer: Viewer, id: string, ip: string | null): Promise<Connection> {
      await getVisibleConnection(deps.db, viewer, id, deps.clock.now());
      await deps.lifecycle.disconnect(id, {
        userId: actorUserId(viewer),
        label: actor(viewer),
        ip,
        username: viewer.username,
      });
      return (await healthOfConnection(deps.db, id, deps.clock.now()))!.connection;
    },

    /**
     * Imports a refresh token from self-authorization (https://developer-docs.amazon.com/sp-api/docs/renew-authorizations): verified with one refresh call,
     * and the seller id and region checked with Amazon (connections/claims.ts), before anything is
     * stored. Expiry follows the app's rule (private apps: none by default).
     */
    async importSelfAuthorized(
      viewer: Viewer,
      input: {
        applicationId: string;
        region: RegionCode;
        sellingPartnerId: string;
        refreshToken: Secret;
        accountId?: string;
      },
      ip: string | null,
    ): Promise<Connection> {
      const accountId = viewer.role === 'operator' ? input.accountId : viewer.accountId;
      /** Audits a refused import (nothing stored) and throws. */
      const refuse = async (
        code: 'SELF_AUTH_REJECTED',
        message: string,
        field?: string,
        extra: Record<string, unknown> = {},
      ): Promise<never> => {
        await deps.audit.record({
          accountId: accountId ?? null,
          actorUserId: actorUserId(viewer),
          actor: actor(viewer),
          action: 'connection.self_authorize',
          outcome: 'failure',
          detail: { code, reason: message, region: input.region, ...(field ? { field } : {}), ...extra },
          ip,
        });
        throw new ConnectionsError(code, message, field ? { details: { field } } : {});
      };
      if (!accountId)
        return refuse('SELF_AUTH_REJECTED', 'choose the account the connection belongs to', 'accountId');
      if (!/^A[A-Z0-9]{5,20}$/.test(input.sellingPartnerId)) {
        return refuse(
          'SELF_AUTH_REJECTED',
          'the selling partner id looks like A1B2C3D4E5F6G7 (Seller Central → Account Info → Merchant Token)',
          'sellingPartnerId',
        );
      }
      const token = input.refreshToken.reveal().trim();
      if (!token.startsWith('Atzr|') || token.length > 2048) {
        return refuse(
          'SELF_AUTH_REJECTED',
          'a refresh token starts with Atzr| and has at most 2048 characters',
          'refreshToken',
        );
      }
      const app = await deps.applications.get(input.applicationId);
      // Another account's connection of this seller does not block this one: the claim is checked
      // with Amazon below, and two accounts holding one seller are flagged for operator review.
      let access;
      try {
        access = await deps.lwa.refresh(await deps.applications.credentials(app.id), input.refreshToken);
      } catch (err) {
        await deps.audit.record({
          accountId,
          actorUserId: actorUserId(viewer),
          actor: actor(viewer),
          action: 'connection.self_authorize',
          outcome: 'failure',
          detail: { code: err instanceof AmazonError ? err.code : 'unknown', region: input.region },
          ip,
        });
        const why =
          err instanceof AmazonError && err.code === 'LWA_INVALID_GRANT'
            ? 'Amazon did not accept this refresh token for this app (revoked, for another app, or mistyped)'
            : err instanceof AmazonError
              ? err.message
              : 'the refresh token could not be checked with Amazon';
        throw new ConnectionsError('SELF_AUTH_REJECTED', `${why}. Nothing was stored.`, {
          details: { field: 'refreshToken' },
        });
      }
      const check = await verifySellerClaim(deps, {
        applicationId: app.id,
        region: input.region,
        sellingPartnerId: input.sellingPartnerId,
        accessToken: access.accessToken,
        accountId,
        via: 'self',
      });
      if (check.outcome === 'refused') {
        return refuse(
          'SELF_AUTH_REJECTED',
          `${check.message}${check.reason === 'region' ? ' Choose the region the token was created in.' : ''} Nothing was stored.`,
          check.reason === 'region' ? 'region' : 'sellingPartnerId',
          { claimed: input.sellingPartnerId, amazon: check.amazon },
        );
      }
      const lifetime =
        app.authorizationLifetimeDays ??
        (app.kind === 'private' ? null : (deps.authorizationLifetimeDays ?? 365));
      return finishAuthorization(deps, {
        accountId,
        applicationId: app.id,
        sellingPartnerId: input.sellingPartnerId,
        region: input.region,
        kind: 'self',
        refreshToken: input.refreshToken,
        tokens: access,
        check,
        expiresInDays: lifetime,
        actor: { userId: actorUserId(viewer), label: actor(viewer), ip },
      });
    },
  };
}

export type ConnectionManager = ReturnType<typeof createConnectionManager>;
