import { AmazonError } from '../amazon/errors.js';
import type { LwaTokens } from '../amazon/operations.js';
import type { Secret } from '../kernel/secret.js';
import type { Application } from '../lifecycle/applications.js';
import type { RegionCode } from '../store/schema.js';
import { verifySellerClaim } from './claims.js';
import { finishAuthorization, type ConnectionsDeps } from './context.js';
import { ConnectionsError } from './errors.js';
import { viewerActor, viewerUserId, type Connection, type Viewer } from './repository.js';

/**
 * Importing a refresh token from self-authorization: checked for shape, verified with one refresh
 * call, and the seller id and region checked with Amazon before anything is stored.
 * @see https://developer-docs.amazon.com/sp-api/docs/renew-authorizations
 */

/** A self-authorized refresh token to import, as the form or the CLI gives it. */
export interface SelfAuthorization {
  applicationId: string;
  region: RegionCode;
  sellingPartnerId: string;
  refreshToken: Secret;
  accountId?: string;
}

/** Why an import is refused, and the form field to point at. */
export interface ImportRefusal {
  message: string;
  field?: string;
  extra?: Record<string, unknown>;
}

/** Who imports, from where, for which account (null: not chosen). */
interface ImportContext {
  viewer: Viewer;
  accountId: string | null;
  region: RegionCode;
  ip: string | null;
}

/**
 * Checks what can be checked without Amazon: a selling partner id and a refresh token of the right
 * shape. Null when the input may go to Amazon.
 */
export function selfAuthorizationProblem(
  input: Pick<SelfAuthorization, 'sellingPartnerId' | 'refreshToken'>,
): ImportRefusal | null {
  if (!/^A[A-Z0-9]{5,20}$/.test(input.sellingPartnerId)) {
    return {
      message:
        'the selling partner id looks like A1B2C3D4E5F6G7 (Seller Central → Account Info → Merchant Token)',
      field: 'sellingPartnerId',
    };
  }
  const token = input.refreshToken.reveal().trim();
  if (!token.startsWith('Atzr|') || token.length > 2048) {
    return {
      message: 'a refresh token starts with Atzr| and has at most 2048 characters',
      field: 'refreshToken',
    };
  }
  return null;
}

/** Audits a refused import (nothing stored) and throws SELF_AUTH_REJECTED. */
async function refuseImport(
  deps: ConnectionsDeps,
  at: ImportContext,
  refusal: ImportRefusal,
): Promise<never> {
  const code = 'SELF_AUTH_REJECTED';
  const { message, field, extra = {} } = refusal;
  await auditImportFailure(deps, at, { code, reason: message, ...(field ? { field } : {}), ...extra });
  throw new ConnectionsError(code, message, field ? { details: { field } } : {});
}

/** The audit entry of a refused self-authorized import (its region added to `detail`). */
function auditImportFailure(
  deps: ConnectionsDeps,
  at: ImportContext,
  detail: Record<string, unknown>,
): Promise<void> {
  return deps.audit.record({
    accountId: at.accountId,
    actorUserId: viewerUserId(at.viewer),
    actor: viewerActor(at.viewer),
    action: 'connection.self_authorize',
    outcome: 'failure',
    detail: { ...detail, region: at.region },
    ip: at.ip,
  });
}

/** Verifies the refresh token with one refresh call; audits and throws SELF_AUTH_REJECTED when Amazon refuses it. */
async function verifyRefreshToken(
  deps: ConnectionsDeps,
  at: ImportContext,
  app: Application,
  refreshToken: Secret,
): Promise<LwaTokens> {
  try {
    return await deps.lwa.refresh(await deps.applications.credentials(app.id), refreshToken);
  } catch (err) {
    await auditImportFailure(deps, at, { code: err instanceof AmazonError ? err.code : 'unknown' });
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
}

/** How long a self-authorization lasts: the app's rule; private apps' never end unless the app says so. */
export function selfAuthorizationLifetime(
  app: Pick<Application, 'authorizationLifetimeDays' | 'kind'>,
  defaultDays: number | undefined,
): number | null {
  return app.authorizationLifetimeDays ?? (app.kind === 'private' ? null : (defaultDays ?? 365));
}

/**
 * Imports a refresh token from self-authorization (https://developer-docs.amazon.com/sp-api/docs/renew-authorizations): verified with one refresh call,
 * and the seller id and region checked with Amazon (connections/claims.ts), before anything is
 * stored. Expiry follows the app's rule (private apps: none by default).
 */
export async function importSelfAuthorized(
  deps: ConnectionsDeps,
  viewer: Viewer,
  input: SelfAuthorization,
  ip: string | null,
): Promise<Connection> {
  const accountId = viewer.role === 'operator' ? input.accountId : viewer.accountId;
  const at: ImportContext = { viewer, accountId: accountId ?? null, region: input.region, ip };
  if (!accountId)
    return refuseImport(deps, at, {
      message: 'choose the account the connection belongs to',
      field: 'accountId',
    });
  const problem = selfAuthorizationProblem(input);
  if (problem) return refuseImport(deps, at, problem);
  const app = await deps.applications.get(input.applicationId);
  // Another account's connection of this seller does not block this one: the claim is checked
  // with Amazon below, and two accounts holding one seller are flagged for operator review.
  const access = await verifyRefreshToken(deps, at, app, input.refreshToken);
  const check = await verifySellerClaim(deps, {
    applicationId: app.id,
    region: input.region,
    sellingPartnerId: input.sellingPartnerId,
    accessToken: access.accessToken,
    accountId,
    via: 'self',
  });
  if (check.outcome === 'refused') {
    return refuseImport(deps, at, {
      message: `${check.message}${check.reason === 'region' ? ' Choose the region the token was created in.' : ''} Nothing was stored.`,
      field: check.reason === 'region' ? 'region' : 'sellingPartnerId',
      extra: { claimed: input.sellingPartnerId, amazon: check.amazon },
    });
  }
  return finishAuthorization(deps, {
    accountId,
    applicationId: app.id,
    sellingPartnerId: input.sellingPartnerId,
    region: input.region,
    kind: 'self',
    refreshToken: input.refreshToken,
    tokens: access,
    check,
    expiresInDays: selfAuthorizationLifetime(app, deps.authorizationLifetimeDays),
    actor: { userId: viewerUserId(viewer), label: viewerActor(viewer), ip },
  });
}
