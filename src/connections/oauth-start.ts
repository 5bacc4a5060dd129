import { buildAmazonCallbackUrl, buildConsentUrl } from '../amazon/consent.js';
import type { AmazonEndpoints } from '../config/config.js';
import { newOpaqueToken } from '../kernel/opaque-token.js';
import type { Application } from '../lifecycle/applications.js';
import type { RegionCode } from '../store/schema.js';
import type { ConnectionsDeps } from './context.js';
import { ConnectionsError } from './errors.js';
import { CallbackFailure, flowActor, flowUserId, type FlowOrigin } from './oauth-audit.js';
import type { Connection, Viewer } from './repository.js';

/**
 * Starting an authorization: a connect or renew from Sellerlink's pages, or the flow Amazon starts
 * from its Appstore or "Re-Authorize" (each stores a one-time state bound to the browser session).
 * @see https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow
 * @see https://developer-docs.amazon.com/sp-api/docs/selling-partner-appstore-authorization-workflow
 */

/** An authorization about to start: for which account, app and region, and whether it renews a connection. */
export interface FlowStart {
  accountId: string;
  app: Application;
  region: RegionCode;
  purpose: 'connect' | 'renew';
  connectionId: string | null;
}

/** Stores a fresh OAuth state (only its hash) for the flow; returns the value to send to Amazon. */
export async function createState(
  deps: ConnectionsDeps,
  origin: FlowOrigin,
  flow: FlowStart,
): Promise<string> {
  const state = newOpaqueToken(deps.random);
  const now = deps.clock.now();
  await deps.db
    .insertInto('oauth_states')
    .values({
      state_hash: state.hash,
      session_hash: origin.sessionHash,
      account_id: flow.accountId,
      user_id: flowUserId(origin.viewer),
      connect_session_id: origin.connectSessionId ?? null,
      application_id: flow.app.id,
      region: flow.region,
      purpose: flow.purpose,
      connection_id: flow.connectionId,
      created_at: new Date(now),
      expires_at: new Date(now + (deps.stateTtlMs ?? 10 * 60_000)),
    })
    .execute();
  return state.value;
}

/** Creates a state for a connect or renew and audits the start (`oauth.start`) with `detail`. */
export async function startedState(
  deps: ConnectionsDeps,
  origin: FlowOrigin,
  flow: FlowStart,
  detail: Record<string, unknown>,
): Promise<string> {
  const state = await createState(deps, origin, flow);
  await deps.audit.record({
    accountId: flow.accountId,
    connectionId: flow.connectionId,
    actorUserId: flowUserId(origin.viewer),
    actor: flowActor(origin.viewer),
    action: 'oauth.start',
    outcome: 'success',
    detail: { region: flow.region, purpose: flow.purpose, ...detail },
    ip: origin.ip,
  });
  return state;
}

/** Creates a state for a connect or renew, audits the start, and builds the consent URL. */
export async function consentUrlFor(
  deps: ConnectionsDeps,
  origin: FlowOrigin,
  flow: FlowStart,
): Promise<string> {
  const state = await startedState(deps, origin, flow, { appId: flow.app.appId });
  return buildConsentUrl({
    sellerCentralBase: deps.endpoints.sellerCentral[flow.region],
    appId: flow.app.appId,
    state,
    draft: flow.app.status === 'draft',
    redirectUri: flow.app.redirectUri,
  });
}

/** The app "Connect" uses: the first published public app, else the first app. */
export function defaultApplication(apps: Application[]): Application | undefined {
  return (
    apps.find((a) => a.kind === 'public' && a.status === 'published') ??
    apps.find((a) => a.kind === 'public') ??
    apps[0]
  );
}

/** Connecting or renewing cannot work while Amazon refuses the app's credentials: say so instead of a 502. */
export function refuseRejected(app: Application): void {
  if (app.flaggedAt) {
    throw new ConnectionsError(
      'APPLICATION_REJECTED',
      `Amazon currently refuses the credentials of the app "${app.name}", so connecting or renewing cannot work yet. Nothing is asked of you: the operator has been alerted and it works again once they have fixed it.`,
    );
  }
}

/** The account a flow connects: the viewer's own, or (operators) the one they chose. */
export function accountFor(viewer: Viewer, accountId?: string): string {
  const id = viewer.role === 'operator' ? accountId : viewer.accountId;
  if (!id) throw new ConnectionsError('CONNECTION_NOT_FOUND', 'choose the account to connect');
  return id;
}

/** Starts "Connect Amazon <region>": returns the Seller Central consent URL to redirect to. */
export async function startConnect(
  deps: ConnectionsDeps,
  origin: FlowOrigin,
  input: { region: RegionCode; applicationId: string; accountId?: string },
): Promise<string> {
  const app = await deps.applications.get(input.applicationId);
  refuseRejected(app);
  const accountId = accountFor(origin.viewer, input.accountId);
  return consentUrlFor(deps, origin, {
    accountId,
    app,
    region: input.region,
    purpose: 'connect',
    connectionId: null,
  });
}

/** Starts "Renew" for a connection the viewer may see: the same flow, bound to that connection. */
export async function startRenew(
  deps: ConnectionsDeps,
  origin: FlowOrigin,
  connection: Connection,
): Promise<string> {
  if (connection.kind === 'self') {
    throw new ConnectionsError(
      'CONNECTION_NOT_RENEWABLE',
      'self-authorized connections are renewed by importing a new refresh token',
    );
  }
  if (!connection.health.canRenew && connection.health.renewBlockedReason) {
    throw new ConnectionsError('APPLICATION_REJECTED', connection.health.renewBlockedReason);
  }
  const app = await deps.applications.get(connection.applicationId);
  refuseRejected(app);
  return consentUrlFor(deps, origin, {
    accountId: connection.accountId,
    app,
    region: connection.region,
    purpose: 'renew',
    connectionId: connection.id,
  });
}

/**
 * The region and app id an `amazon_callback_uri` names, when it leads to a configured Seller Central
 * site's `/apps/authorize/confirm/<app id>`; null for any other address.
 */
export function amazonCallbackTarget(
  sellerCentral: AmazonEndpoints['sellerCentral'],
  callback: string,
): { region: RegionCode; appId: string } | null {
  for (const region of ['NA', 'EU', 'FE'] as const) {
    const prefix = `${sellerCentral[region].replace(/\/$/, '')}/apps/authorize/confirm/`;
    if (callback.startsWith(prefix)) {
      const appId = callback.slice(prefix.length).split(/[?#/]/)[0];
      return appId ? { region, appId } : null;
    }
  }
  return null;
}

/** Audits a refused Amazon-initiated start (`oauth.amazon_login`, failure) and throws. */
async function refuseAmazonLogin(deps: ConnectionsDeps, origin: FlowOrigin, reason: string): Promise<never> {
  await deps.audit.record({
    accountId: origin.viewer.accountId,
    actorUserId: origin.viewer.userId,
    actor: flowActor(origin.viewer),
    action: 'oauth.amazon_login',
    outcome: 'failure',
    detail: { code: 'OAUTH_LOGIN_INVALID', reason },
    ip: origin.ip,
  });
  throw new CallbackFailure('OAUTH_LOGIN_INVALID', reason);
}

/**
 * Amazon-initiated flow (https://developer-docs.amazon.com/sp-api/docs/selling-partner-appstore-authorization-workflow; also Amazon's "Re-Authorize" in Manage Your Apps): checks
 * amazon_callback_uri against the configured Seller Central hosts, creates a state, and returns
 * where to send the browser.
 */
export async function startFromAmazon(
  deps: ConnectionsDeps,
  origin: FlowOrigin,
  query: URLSearchParams,
  accountId?: string,
): Promise<string> {
  const callback = query.get('amazon_callback_uri');
  const amazonState = query.get('amazon_state');
  const spid = query.get('selling_partner_id');
  if (!callback || !amazonState || !spid) {
    return refuseAmazonLogin(
      deps,
      origin,
      'Amazon’s sign-in link is incomplete (amazon_callback_uri, amazon_state and selling_partner_id are required).',
    );
  }
  const target = amazonCallbackTarget(deps.endpoints.sellerCentral, callback);
  if (!target)
    return refuseAmazonLogin(
      deps,
      origin,
      'The sign-in link does not lead back to a known Seller Central site, so it was not followed.',
    );
  const app = await deps.applications.get(target.appId).catch(() => null);
  if (!app)
    return refuseAmazonLogin(deps, origin, 'The sign-in link is for an app this Sellerlink does not manage.');
  const owner = accountFor(origin.viewer, accountId);
  // Only this account's own connection of the seller is renewed; the callback checks the claim.
  const existing = await deps.db
    .selectFrom('connections')
    .select(['id'])
    .where('application_id', '=', app.id)
    .where('selling_partner_id', '=', spid)
    .where('region', '=', target.region)
    .where('account_id', '=', owner)
    .executeTakeFirst();
  const state = await createState(deps, origin, {
    accountId: owner,
    app,
    region: target.region,
    purpose: existing ? 'renew' : 'connect',
    connectionId: existing?.id ?? null,
  });
  return buildAmazonCallbackUrl({
    amazonCallbackUri: callback,
    amazonState,
    state,
    draft: app.status === 'draft',
    redirectUri: app.redirectUri,
  });
}
