import { buildAmazonCallbackUrl, buildConsentUrl } from '../amazon/consent.js';
import { AmazonError } from '../amazon/errors.js';
import { newOpaqueToken, hashToken } from '../kernel/opaque-token.js';
import type { RegionCode } from '../store/schema.js';
import type { Application } from '../lifecycle/applications.js';
import { verifySellerClaim } from './claims.js';
import { finishAuthorization, type ConnectionsDeps } from './context.js';
import { ConnectionsError, type ConnectionsErrorCode } from './errors.js';
import type { Connection, Viewer } from './repository.js';

/** The parameters Amazon sends to the redirect URI (https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow). */
const CALLBACK_PARAMS = new Set(['state', 'selling_partner_id', 'spapi_oauth_code', 'mws_auth_token']);
const ERROR_PARAMS = new Set(['error', 'error_description', 'error_uri']);

/** Where the flow started and who started it. */
export interface FlowOrigin {
  viewer: Viewer;
  sessionHash: string;
  ip: string | null;
}

/** A failure of the callback, with words for the page. Nothing was stored. */
export class CallbackFailure extends ConnectionsError {}

/** OAuth: starting a connect or renew, the redirect-URI callback, and the Amazon-initiated flow. */
export function createOAuthFlow(deps: ConnectionsDeps) {
  const ttl = deps.stateTtlMs ?? 10 * 60_000;
  const lifetimeDays = deps.authorizationLifetimeDays ?? 365;
  const actor = (viewer: Viewer | null): string => (viewer ? `user:${viewer.username}` : 'anonymous');

  const createState = async (
    origin: FlowOrigin,
    accountId: string,
    app: Application,
    region: RegionCode,
    purpose: 'connect' | 'renew',
    connectionId: string | null,
  ): Promise<string> => {
    const state = newOpaqueToken(deps.random);
    const now = deps.clock.now();
    await deps.db
      .insertInto('oauth_states')
      .values({
        state_hash: state.hash,
        session_hash: origin.sessionHash,
        account_id: accountId,
        user_id: origin.viewer.userId,
        application_id: app.id,
        region,
        purpose,
        connection_id: connectionId,
        created_at: new Date(now),
        expires_at: new Date(now + ttl),
      })
      .execute();
    return state.value;
  };

  /** Creates a state for a connect or renew, audits the start, and builds the consent URL. */
  const consentUrlFor = async (
    origin: FlowOrigin,
    flow: {
      accountId: string;
      app: Application;
      region: RegionCode;
      purpose: 'connect' | 'renew';
      connectionId: string | null;
    },
  ): Promise<string> => {
    const state = await createState(
      origin,
      flow.accountId,
      flow.app,
      flow.region,
      flow.purpose,
      flow.connectionId,
    );
    await deps.audit.record({
      accountId: flow.accountId,
      connectionId: flow.connectionId,
      actorUserId: origin.viewer.userId,
      actor: actor(origin.viewer),
      action: 'oauth.start',
      outcome: 'success',
      detail: { region: flow.region, purpose: flow.purpose, appId: flow.app.appId },
      ip: origin.ip,
    });
    return buildConsentUrl({
      sellerCentralBase: deps.endpoints.sellerCentral[flow.region],
      appId: flow.app.appId,
      state,
      draft: flow.app.status === 'draft',
      redirectUri: flow.app.redirectUri,
    });
  };

  const fail = async (
    code: ConnectionsErrorCode,
    message: string,
    audit: {
      accountId: string | null;
      connectionId?: string | null;
      origin: FlowOrigin | null;
      detail?: Record<string, unknown>;
    },
  ): Promise<never> => {
    await deps.audit.record({
      accountId: audit.accountId,
      connectionId: audit.connectionId ?? null,
      actorUserId: audit.origin?.viewer.userId ?? null,
      actor: actor(audit.origin?.viewer ?? null),
      action: 'oauth.callback',
      outcome: 'failure',
      detail: { code, reason: message, ...audit.detail },
      ip: audit.origin?.ip ?? null,
    });
    throw new CallbackFailure(code, message);
  };

  /** Connecting or renewing cannot work while Amazon refuses the app's credentials: say so instead of a 502. */
  const refuseRejected = (app: Application): void => {
    if (app.flaggedAt) {
      throw new ConnectionsError(
        'APPLICATION_REJECTED',
        `Amazon currently refuses the credentials of the app "${app.name}", so connecting or renewing cannot work yet. Nothing is asked of you: the operator has been alerted and it works again once they have fixed it.`,
      );
    }
  };

  const accountFor = (viewer: Viewer, accountId?: string): string => {
    const id = viewer.role === 'operator' ? accountId : viewer.accountId;
    if (!id) throw new ConnectionsError('CONNECTION_NOT_FOUND', 'choose the account to connect');
    return id;
  };

  return {
    /** Starts "Connect Amazon <region>": returns the Seller Central consent URL to redirect to. */
    async startConnect(
      origin: FlowOrigin,
      input: { region: RegionCode; applicationId: string; accountId?: string },
    ): Promise<string> {
      const app = await deps.applications.get(input.applicationId);
      refuseRejected(app);
      const accountId = accountFor(origin.viewer, input.accountId);
      return consentUrlFor(origin, {
        accountId,
        app,
        region: input.region,
        purpose: 'connect',
        connectionId: null,
      });
    },

    /** Starts "Renew" for a connection the viewer may see: the same flow, bound to that connection. */
    async startRenew(origin: FlowOrigin, connection: Connection): Promise<string> {
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
      return consentUrlFor(origin, {
        accountId: connection.accountId,
        app,
        region: connection.region,
        purpose: 'renew',
        connectionId: connection.id,
      });
    },

    /**
     * Amazon-initiated flow (https://developer-docs.amazon.com/sp-api/docs/selling-partner-appstore-authorization-workflow; also Amazon's "Re-Authorize" in Manage Your Apps): checks
     * amazon_callback_uri against the configured Seller Central hosts, creates a state, and returns
     * where to send the browser.
     */
    async startFromAmazon(origin: FlowOrigin, query: URLSearchParams, accountId?: string): Promise<string> {
      const callback = query.get('amazon_callback_uri');
      const amazonState = query.get('amazon_state');
      const spid = query.get('selling_partner_id');
      const invalid = async (reason: string): Promise<never> => {
        await deps.audit.record({
          accountId: origin.viewer.accountId,
          actorUserId: origin.viewer.userId,
          actor: actor(origin.viewer),
          action: 'oauth.amazon_login',
          outcome: 'failure',
          detail: { code: 'OAUTH_LOGIN_INVALID', reason },
          ip: origin.ip,
        });
        throw new CallbackFailure('OAUTH_LOGIN_INVALID', reason);
      };
      if (!callback || !amazonState || !spid) {
        return invalid(
          'Amazon’s sign-in link is incomplete (amazon_callback_uri, amazon_state and selling_partner_id are required).',
        );
      }
      let region: RegionCode | undefined;
      let appId: string | undefined;
      for (const r of ['NA', 'EU', 'FE'] as const) {
        const prefix = `${deps.endpoints.sellerCentral[r].replace(/\/$/, '')}/apps/authorize/confirm/`;
        if (callback.startsWith(prefix)) {
          region = r;
          appId = callback.slice(prefix.length).split(/[?#/]/)[0];
          break;
        }
      }
      if (!region || !appId)
        return invalid(
          'The sign-in link does not lead back to a known Seller Central site, so it was not followed.',
        );
      const app = await deps.applications.get(appId).catch(() => null);
      if (!app) return invalid('The sign-in link is for an app this Sellerlink does not manage.');
      const owner = accountFor(origin.viewer, accountId);
      // Only this account's own connection of the seller is renewed; the callback checks the claim.
      const existing = await deps.db
        .selectFrom('connections')
        .select(['id'])
        .where('application_id', '=', app.id)
        .where('selling_partner_id', '=', spid)
        .where('region', '=', region)
        .where('account_id', '=', owner)
        .executeTakeFirst();
      const state = await createState(
        origin,
        owner,
        app,
        region,
        existing ? 'renew' : 'connect',
        existing?.id ?? null,
      );
      return buildAmazonCallbackUrl({
        amazonCallbackUri: callback,
        amazonState,
        state,
        draft: app.status === 'draft',
        redirectUri: app.redirectUri,
      });
    },

    /**
     * Handles the redirect URI (https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow). Checks every parameter and the state, exchanges the
     * code at once, checks the claimed seller id and region with Amazon (connections/claims.ts),
     * and stores the sealed token with the marketplaces. On any failure nothing is stored, an audit
     * entry is written, and a CallbackFailure explains it.
     */
    async completeCallback(
      origin: FlowOrigin | null,
      query: URLSearchParams,
    ): Promise<{ connection: Connection; purpose: 'connect' | 'renew' }> {
      const keys = [...query.keys()];
      const fallbackAccount = origin?.viewer.accountId ?? null;
      if (keys.some((k) => ERROR_PARAMS.has(k))) {
        return fail(
          'OAUTH_CONSENT_DENIED',
          'Amazon reported that authorization was not granted (Cancel was pressed, or Amazon refused). Nothing was connected.',
          {
            accountId: fallbackAccount,
            origin,
            detail: { amazonError: query.get('error')?.slice(0, 100) ?? null },
          },
        );
      }
      const duplicated = keys.filter((k, i) => keys.indexOf(k) !== i);
      const unknown = keys.filter((k) => !CALLBACK_PARAMS.has(k));
      const missing = ['state', 'selling_partner_id', 'spapi_oauth_code'].filter((k) => !query.get(k));
      if (keys.length === 0) {
        return fail(
          'OAUTH_CALLBACK_INVALID',
          'Amazon sent you back without an authorization. If you pressed Cancel on Amazon’s page, nothing was connected; start again to connect.',
          {
            accountId: fallbackAccount,
            origin,
          },
        );
      }
      if (missing.length || unknown.length || duplicated.length) {
        const parts = [
          missing.length ? `missing ${missing.join(', ')}` : '',
          unknown.length ? `unexpected ${unknown.map((k) => k.slice(0, 40)).join(', ')}` : '',
          duplicated.length ? `repeated ${[...new Set(duplicated)].join(', ')}` : '',
        ].filter(Boolean);
        return fail(
          'OAUTH_CALLBACK_INVALID',
          `The link back from Amazon is not valid (${parts.join('; ')}). Nothing was connected; please start again.`,
          {
            accountId: fallbackAccount,
            origin,
          },
        );
      }
      const stateValue = query.get('state')!;
      const spid = query.get('selling_partner_id')!;
      const code = query.get('spapi_oauth_code')!;
      if (stateValue.length > 200 || spid.length > 40 || code.length > 500) {
        return fail(
          'OAUTH_CALLBACK_INVALID',
          'The link back from Amazon is not valid (a value is too long). Nothing was connected.',
          { accountId: fallbackAccount, origin },
        );
      }
      const stateHash = hashToken(stateValue);
      const state = await deps.db
        .selectFrom('oauth_states')
        .selectAll()
        .where('state_hash', '=', stateHash)
        .executeTakeFirst();
      if (!state) {
        return fail(
          'OAUTH_STATE_UNKNOWN',
          'This sign-in link is not one Sellerlink issued (or it was already cleaned up). Nothing was connected; please start again.',
          {
            accountId: fallbackAccount,
            origin,
          },
        );
      }
      const auditBase = { accountId: state.account_id, connectionId: state.connection_id, origin };
      if (!origin || state.session_hash !== origin.sessionHash) {
        return fail(
          'OAUTH_STATE_OTHER_SESSION',
          'This authorization was started in another browser session. For your safety nothing was connected; start again from this browser.',
          auditBase,
        );
      }
      if (state.used_at) {
        return fail(
          'OAUTH_STATE_REPLAYED',
          'This authorization link was already used. Nothing more was changed.',
          auditBase,
        );
      }
      const now = deps.clock.now();
      if (state.expires_at.getTime() <= now) {
        return fail(
          'OAUTH_STATE_EXPIRED',
          'The authorization took longer than 10 minutes and expired. Nothing was connected; please start again.',
          auditBase,
        );
      }
      const consumed = await deps.db
        .updateTable('oauth_states')
        .set({ used_at: new Date(now) })
        .where('state_hash', '=', stateHash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (consumed.numUpdatedRows === 0n) {
        return fail(
          'OAUTH_STATE_REPLAYED',
          'This authorization link was already used. Nothing more was changed.',
          auditBase,
        );
      }
      const region = state.region;
      if (state.purpose === 'renew') {
        const target = await deps.db
          .selectFrom('connections')
          .select(['selling_partner_id', 'region'])
          .where('id', '=', state.connection_id!)
          .executeTakeFirst();
        if (!target)
          return fail(
            'CONNECTION_NOT_FOUND',
            'The connection being renewed no longer exists. Nothing was changed.',
            auditBase,
          );
        if (target.selling_partner_id !== spid || target.region !== region) {
          return fail(
            'OAUTH_PARTNER_MISMATCH',
            `You signed in to Amazon as seller ${spid}, but this connection is for seller ${target.selling_partner_id}. Nothing was changed: sign in to Seller Central with the account that owns ${target.selling_partner_id} and renew again.`,
            { ...auditBase, detail: { expected: target.selling_partner_id, got: spid } },
          );
        }
      }
      // Another account's connection of this seller does not block this one: the claim is checked
      // with Amazon below, and two accounts holding one seller are flagged for operator review.
      const app = await deps.applications.get(state.application_id);
      const credentials = await deps.applications.credentials(app.id);
      let tokens;
      try {
        tokens = await deps.lwa.exchangeCode(credentials, code, app.redirectUri);
      } catch (err) {
        const reason =
          err instanceof AmazonError && err.code === 'LWA_INVALID_GRANT'
            ? 'Amazon refused the authorization code: it expired (codes last 5 minutes) or was already used. Nothing was connected; please start again.'
            : err instanceof AmazonError && err.code === 'LWA_INVALID_CLIENT'
              ? "Amazon refused this app's credentials (its client secret may have expired or been rotated). An operator must update the app's secret. Nothing was connected."
              : err instanceof AmazonError && (err.code === 'AMAZON_NETWORK' || err.code === 'AMAZON_TIMEOUT')
                ? 'Sellerlink could not reach Amazon to finish the authorization. Nothing was connected; please try again in a moment.'
                : 'Amazon did not complete the authorization. Nothing was connected; please try again.';
        // An expired or reused code is the user's to retry (400); the rest is Amazon's side (502).
        const code =
          err instanceof AmazonError && err.code === 'LWA_INVALID_GRANT'
            ? 'OAUTH_CODE_REJECTED'
            : 'OAUTH_EXCHANGE_FAILED';
        return fail(code, reason, {
          ...auditBase,
          detail: { amazon: err instanceof AmazonError ? err.code : 'unknown' },
        });
      }
      if (!tokens.refreshToken) {
        return fail(
          'OAUTH_EXCHANGE_FAILED',
          'Amazon’s answer had no refresh token. Nothing was connected; please try again.',
          auditBase,
        );
      }
      const check = await verifySellerClaim(deps, {
        applicationId: app.id,
        region,
        sellingPartnerId: spid,
        accessToken: tokens.accessToken,
        accountId: state.account_id,
        via: 'oauth',
      });
      if (check.outcome === 'refused') {
        return fail(
          check.reason === 'region' ? 'OAUTH_REGION_MISMATCH' : 'OAUTH_SELLER_MISMATCH',
          `${check.message}${check.reason === 'region' ? " Start again with the button of the seller's region, signed in to that region's Seller Central." : ''} Nothing was ${state.purpose === 'renew' ? 'changed' : 'connected'}.`,
          { ...auditBase, detail: { claimed: spid, region, amazon: check.amazon } },
        );
      }
      const connection = await finishAuthorization(deps, {
        accountId: state.account_id,
        applicationId: app.id,
        sellingPartnerId: spid,
        region,
        kind: 'oauth',
        refreshToken: tokens.refreshToken,
        tokens,
        check,
        expiresInDays: app.authorizationLifetimeDays ?? lifetimeDays,
        actor: { userId: origin.viewer.userId, label: actor(origin.viewer), ip: origin.ip },
      });
      return { connection, purpose: state.purpose };
    },
  };
}

export type OAuthFlow = ReturnType<typeof createOAuthFlow>;
