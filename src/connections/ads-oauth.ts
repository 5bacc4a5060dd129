import { adsAuthorizationDays, adsConsentUrl } from '../amazon/operations/ads.js';
import { ADS_ADVERTISER_KEY } from '../lifecycle/ads-identity.js';
import type { Application } from '../lifecycle/applications.js';
import type { RegionCode } from '../store/schema.js';
import type { ConnectionsDeps } from './context.js';
import { ConnectionsError } from './errors.js';
import { failCallback, flowActor, flowUserId, type CallbackAudit, type FlowOrigin } from './oauth-audit.js';
import { auditOf, consumeState, exchangeCode } from './oauth-callback.js';
import { accountFor, refuseRejected, startedState, type FlowStart } from './oauth-start.js';
import { healthOfConnection, type Connection } from './repository.js';

/**
 * Connecting the Amazon Ads API per region: Login with Amazon's consent at the region's `/ap/oa`
 * with `scope=advertising::campaign_management`, the same one-time state as the SP-API flow (256
 * bits, bound to the browser session, account and region, single use, 10 minutes), the code
 * exchanged at the region's token endpoint, and the refresh token sealed through the lifecycle.
 * Listing the advertiser's profiles is the ads context's (src/ads/), right after.
 * @see https://advertising.amazon.com/API/docs/en-us/guides/account-management/authorization/authorization-grants
 */

/** The parameters LWA sends back (https://advertising.amazon.com/API/docs/en-us/guides/get-started/create-authorization-grant). */
const CALLBACK_PARAMS = new Set(['code', 'scope', 'state']);

/** The Ads security profile to connect with: the one asked for, else the first registered. */
async function adsApplication(deps: ConnectionsDeps, applicationId?: string): Promise<Application> {
  const app = applicationId
    ? await deps.applications.get(applicationId)
    : (await deps.applications.list('ads'))[0];
  if (!app || app.api !== 'ads') {
    throw new ConnectionsError(
      'APPLICATION_NOT_FOUND',
      'No Amazon Ads security profile is registered yet. An operator must add one (ADS_CLIENT_ID and ADS_CLIENT_SECRET, or sellerlink applications add --ads).',
    );
  }
  return app;
}

/** Stores a state for the flow, audits the start, and builds LWA's consent URL for the region. */
async function adsConsentFor(deps: ConnectionsDeps, origin: FlowOrigin, flow: FlowStart): Promise<string> {
  refuseRejected(flow.app);
  const state = await startedState(deps, origin, flow, { api: 'ads', clientId: flow.app.clientId });
  return adsConsentUrl({
    consentUrl: deps.endpoints.ads.consent[flow.region],
    clientId: flow.app.clientId,
    redirectUri: flow.app.redirectUri,
    state,
  });
}

/** Starts "Connect Amazon Ads <region>": returns LWA's consent URL to redirect to. */
export async function startAdsConnect(
  deps: ConnectionsDeps,
  origin: FlowOrigin,
  input: { region: RegionCode; applicationId?: string; accountId?: string },
): Promise<string> {
  const app = await adsApplication(deps, input.applicationId);
  const accountId = accountFor(origin.viewer, input.accountId);
  return adsConsentFor(deps, origin, {
    accountId,
    app,
    region: input.region,
    purpose: 'connect',
    connectionId: null,
  });
}

/** Starts "Renew" of an Ads connection the viewer may see: the same consent, bound to it. */
export async function startAdsRenew(
  deps: ConnectionsDeps,
  origin: FlowOrigin,
  connection: Connection,
): Promise<string> {
  if (connection.api !== 'ads')
    throw new ConnectionsError('CONNECTION_NOT_FOUND', 'not an Amazon Ads connection');
  if (!connection.health.canRenew && connection.health.renewBlockedReason) {
    throw new ConnectionsError('APPLICATION_REJECTED', connection.health.renewBlockedReason);
  }
  const app = await adsApplication(deps, connection.applicationId);
  return adsConsentFor(deps, origin, {
    accountId: connection.accountId,
    app,
    region: connection.region,
    purpose: 'renew',
    connectionId: connection.id,
  });
}

/** Amazon's error redirect in plain words: Cancel, an app not approved for Ads, or anything else. */
function consentError(query: URLSearchParams): {
  code: 'OAUTH_CONSENT_DENIED' | 'OAUTH_ADS_NOT_APPROVED';
  message: string;
} {
  const error = query.get('error') ?? '';
  if (error === 'invalid_scope') {
    return {
      code: 'OAUTH_ADS_NOT_APPROVED',
      message:
        'Amazon refused the advertising permission (invalid_scope): this app is not approved for the Amazon Ads API yet. Nothing was connected. The operator must finish Amazon Ads API onboarding for the security profile.',
    };
  }
  return {
    code: 'OAUTH_CONSENT_DENIED',
    message:
      error === 'access_denied'
        ? 'You cancelled on Amazon’s page, so nothing was connected. You can connect Amazon Ads whenever you like.'
        : 'Amazon did not grant the advertising permission. Nothing was connected; please try again.',
  };
}

/** Reads the callback's query: the code and state, or a refusal (audited) in plain words. */
async function readAdsCallback(
  deps: ConnectionsDeps,
  origin: FlowOrigin | null,
  query: URLSearchParams,
): Promise<{ code: string; state: string }> {
  const audit: CallbackAudit = { accountId: origin?.viewer.accountId ?? null, origin };
  if (query.has('error')) {
    const refused = consentError(query);
    return failCallback(deps, refused.code, refused.message, {
      ...audit,
      detail: { amazonError: query.get('error')?.slice(0, 100) ?? null },
    });
  }
  const keys = [...query.keys()];
  const bad =
    keys.some((k) => !CALLBACK_PARAMS.has(k)) ||
    new Set(keys).size !== keys.length ||
    !query.get('code') ||
    !query.get('state') ||
    query.get('code')!.length > 500 ||
    query.get('state')!.length > 200;
  if (bad) {
    return failCallback(
      deps,
      'OAUTH_CALLBACK_INVALID',
      'The link back from Amazon is not valid. Nothing was connected; please start again.',
      audit,
    );
  }
  return { code: query.get('code')!, state: query.get('state')! };
}

/**
 * Handles the Ads redirect URI: Amazon's error redirect (Cancel, not approved), every parameter and
 * the state checked and spent, the code exchanged, and the sealed refresh token stored through the
 * lifecycle (a connection of the same account, security profile and region is renewed). The
 * expiry: 365 days for consents from 2026-06-30, none before. On any failure nothing is stored.
 */
export async function completeAdsCallback(
  deps: ConnectionsDeps,
  origin: FlowOrigin | null,
  query: URLSearchParams,
): Promise<{ connection: Connection; purpose: 'connect' | 'renew' }> {
  const params = await readAdsCallback(deps, origin, query);
  const state = await consumeState(deps, origin, params.state);
  const audit = auditOf(state, origin);
  const app = await deps.applications.get(state.application_id);
  if (app.api !== 'ads') {
    return failCallback(
      deps,
      'OAUTH_STATE_UNKNOWN',
      'This sign-in link was not issued for Amazon Ads. Nothing was connected.',
      audit,
    );
  }
  const tokens = await exchangeCode(deps, app, params.code, audit, deps.adsLwa?.[state.region] ?? deps.lwa);
  const { row } = await deps.lifecycle.authorize({
    api: 'ads',
    accountId: state.account_id,
    applicationId: app.id,
    sellingPartnerId: ADS_ADVERTISER_KEY,
    region: state.region,
    kind: 'oauth',
    refreshToken: tokens.refreshToken,
    expiresInDays: adsAuthorizationDays(deps.clock.now()),
    participations: null,
    claim: {
      status: 'unconfirmed',
      note: 'An Amazon Ads consent names no seller account; the profiles it reaches are listed with the connection.',
      mismatch: null,
    },
    actor: {
      userId: flowUserId(state.origin.viewer),
      label: flowActor(state.origin.viewer),
      ip: state.origin.ip,
    },
  });
  await deps
    .primeAccessToken(row.id, tokens)
    .catch((err: unknown) =>
      deps.logger.warn({ err: (err as Error).message }, 'could not cache the new access token'),
    );
  const connection = (await healthOfConnection(deps.db, row.id, deps.clock.now()))!.connection;
  return { connection, purpose: state.purpose };
}
