import type { Selectable } from 'kysely';
import { AmazonError } from '../amazon/errors.js';
import type { LwaClient } from '../amazon/lwa.js';
import type { LwaTokens } from '../amazon/operations.js';
import { hashToken } from '../kernel/opaque-token.js';
import type { Application } from '../lifecycle/applications.js';
import type { OauthStatesTable } from '../store/schema.js';
import { verifySellerClaim } from './claims.js';
import { finishAuthorization, type ConnectionsDeps } from './context.js';
import type { ConnectionsErrorCode } from './errors.js';
import {
  failCallback,
  flowActor,
  flowUserId,
  type CallbackAudit,
  type CallbackRefusal,
  type FlowOrigin,
} from './oauth-audit.js';
import type { Connection } from './repository.js';

/**
 * The redirect-URI callback: every parameter and the state checked, the code exchanged at once, the
 * claimed seller checked with Amazon, and only then the authorization stored. On any failure nothing
 * is stored, an audit entry is written, and a CallbackFailure explains it.
 * @see https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow
 */

/** The parameters Amazon sends to the redirect URI (https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow). */
const CALLBACK_PARAMS = new Set(['state', 'selling_partner_id', 'spapi_oauth_code', 'mws_auth_token']);
const ERROR_PARAMS = new Set(['error', 'error_description', 'error_uri']);

/** The three values a valid callback carries. */
export interface CallbackParams {
  state: string;
  sellingPartnerId: string;
  code: string;
}

type OAuthState = Selectable<OauthStatesTable>;

const refuse = (refusal: CallbackRefusal): { ok: false; refusal: CallbackRefusal } => ({
  ok: false,
  refusal,
});

const REPLAYED: CallbackRefusal = {
  code: 'OAUTH_STATE_REPLAYED',
  message: 'This authorization link was already used. Nothing more was changed.',
};

/**
 * Checks the callback's query alone (no database): Amazon's error parameters, an empty query,
 * missing, unknown or repeated parameters, and over-long values are refused with words for the page.
 */
export function readCallbackParams(
  query: URLSearchParams,
): { ok: true; params: CallbackParams } | { ok: false; refusal: CallbackRefusal } {
  const keys = [...query.keys()];
  if (keys.some((k) => ERROR_PARAMS.has(k))) {
    return refuse({
      code: 'OAUTH_CONSENT_DENIED',
      message:
        'Amazon reported that authorization was not granted (Cancel was pressed, or Amazon refused). Nothing was connected.',
      detail: { amazonError: query.get('error')?.slice(0, 100) ?? null },
    });
  }
  if (keys.length === 0) {
    return refuse({
      code: 'OAUTH_CALLBACK_INVALID',
      message:
        'Amazon sent you back without an authorization. If you pressed Cancel on Amazon’s page, nothing was connected; start again to connect.',
    });
  }
  const duplicated = keys.filter((k, i) => keys.indexOf(k) !== i);
  const unknown = keys.filter((k) => !CALLBACK_PARAMS.has(k));
  const missing = ['state', 'selling_partner_id', 'spapi_oauth_code'].filter((k) => !query.get(k));
  if (missing.length || unknown.length || duplicated.length) {
    const parts = [
      missing.length ? `missing ${missing.join(', ')}` : '',
      unknown.length ? `unexpected ${unknown.map((k) => k.slice(0, 40)).join(', ')}` : '',
      duplicated.length ? `repeated ${[...new Set(duplicated)].join(', ')}` : '',
    ].filter(Boolean);
    return refuse({
      code: 'OAUTH_CALLBACK_INVALID',
      message: `The link back from Amazon is not valid (${parts.join('; ')}). Nothing was connected; please start again.`,
    });
  }
  const params = {
    state: query.get('state')!,
    sellingPartnerId: query.get('selling_partner_id')!,
    code: query.get('spapi_oauth_code')!,
  };
  if (params.state.length > 200 || params.sellingPartnerId.length > 40 || params.code.length > 500) {
    return refuse({
      code: 'OAUTH_CALLBACK_INVALID',
      message: 'The link back from Amazon is not valid (a value is too long). Nothing was connected.',
    });
  }
  return { ok: true, params };
}

/**
 * Why a stored state cannot complete this callback (another browser session, already used,
 * expired), or null when it may.
 */
export function stateRefusal(
  state: Pick<OAuthState, 'session_hash' | 'used_at' | 'expires_at'>,
  origin: FlowOrigin | null,
  now: number,
): CallbackRefusal | null {
  if (!origin || state.session_hash !== origin.sessionHash) {
    return {
      code: 'OAUTH_STATE_OTHER_SESSION',
      message:
        'This authorization was started in another browser session. For your safety nothing was connected; start again from this browser.',
    };
  }
  if (state.used_at) return REPLAYED;
  if (state.expires_at.getTime() <= now) {
    return {
      code: 'OAUTH_STATE_EXPIRED',
      message:
        'The authorization took longer than 10 minutes and expired. Nothing was connected; please start again.',
    };
  }
  return null;
}

/**
 * Finds the state the callback names, checks it belongs to this session and is fresh, and marks it
 * used (once: a parallel replay loses). Fails the callback otherwise.
 */
export async function consumeState(
  deps: ConnectionsDeps,
  origin: FlowOrigin | null,
  stateValue: string,
): Promise<OAuthState & { origin: FlowOrigin }> {
  const stateHash = hashToken(stateValue);
  const state = await deps.db
    .selectFrom('oauth_states')
    .selectAll()
    .where('state_hash', '=', stateHash)
    .executeTakeFirst();
  if (!state) {
    return failCallback(
      deps,
      'OAUTH_STATE_UNKNOWN',
      'This sign-in link is not one Sellerlink issued (or it was already cleaned up). Nothing was connected; please start again.',
      { accountId: origin?.viewer.accountId ?? null, origin },
    );
  }
  const audit = auditOf(state, origin);
  const now = deps.clock.now();
  const refused = stateRefusal(state, origin, now);
  if (refused) return failCallback(deps, refused.code, refused.message, audit);
  const consumed = await deps.db
    .updateTable('oauth_states')
    .set({ used_at: new Date(now) })
    .where('state_hash', '=', stateHash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  if (consumed.numUpdatedRows === 0n) return failCallback(deps, REPLAYED.code, REPLAYED.message, audit);
  return { ...state, origin: origin! };
}

/** Where a failure after the state was found is audited: the state's account and connection. */
export function auditOf(state: OAuthState, origin: FlowOrigin | null): CallbackAudit {
  return { accountId: state.account_id, connectionId: state.connection_id, origin };
}

/** A renewal must come back for the connection's own seller and region; fails the callback otherwise. */
async function checkRenewTarget(
  deps: ConnectionsDeps,
  state: OAuthState,
  sellingPartnerId: string,
  audit: CallbackAudit,
): Promise<void> {
  const target = await deps.db
    .selectFrom('connections')
    .select(['selling_partner_id', 'region'])
    .where('id', '=', state.connection_id!)
    .executeTakeFirst();
  if (!target)
    return failCallback(
      deps,
      'CONNECTION_NOT_FOUND',
      'The connection being renewed no longer exists. Nothing was changed.',
      audit,
    );
  if (target.selling_partner_id !== sellingPartnerId || target.region !== state.region) {
    return failCallback(
      deps,
      'OAUTH_PARTNER_MISMATCH',
      `You signed in to Amazon as seller ${sellingPartnerId}, but this connection is for seller ${target.selling_partner_id}. Nothing was changed: sign in to Seller Central with the account that owns ${target.selling_partner_id} and renew again.`,
      { ...audit, detail: { expected: target.selling_partner_id, got: sellingPartnerId } },
    );
  }
}

/**
 * What a failed code exchange tells the user. An expired or reused code is the user's to retry
 * (OAUTH_CODE_REJECTED, 400); the rest is Amazon's side (OAUTH_EXCHANGE_FAILED, 502).
 */
export function exchangeRefusal(err: unknown): { code: ConnectionsErrorCode; message: string } {
  const amazon = err instanceof AmazonError ? err.code : null;
  if (amazon === 'LWA_INVALID_GRANT') {
    return {
      code: 'OAUTH_CODE_REJECTED',
      message:
        'Amazon refused the authorization code: it expired (codes last 5 minutes) or was already used. Nothing was connected; please start again.',
    };
  }
  const message =
    amazon === 'LWA_INVALID_CLIENT'
      ? "Amazon refused this app's credentials (its client secret may have expired or been rotated). An operator must update the app's secret. Nothing was connected."
      : amazon === 'AMAZON_NETWORK' || amazon === 'AMAZON_TIMEOUT'
        ? 'Sellerlink could not reach Amazon to finish the authorization. Nothing was connected; please try again in a moment.'
        : 'Amazon did not complete the authorization. Nothing was connected; please try again.';
  return { code: 'OAUTH_EXCHANGE_FAILED', message };
}

/**
 * Exchanges the authorization code at once (it lasts 5 minutes) at `lwa` (the SP-API token
 * endpoint, or an Ads region's); fails the callback on any refusal.
 */
export async function exchangeCode(
  deps: ConnectionsDeps,
  app: Application,
  code: string,
  audit: CallbackAudit,
  lwa: LwaClient = deps.lwa,
): Promise<LwaTokens & { refreshToken: NonNullable<LwaTokens['refreshToken']> }> {
  const credentials = await deps.applications.credentials(app.id);
  let tokens: LwaTokens;
  try {
    tokens = await lwa.exchangeCode(credentials, code, app.redirectUri);
  } catch (err) {
    const refused = exchangeRefusal(err);
    return failCallback(deps, refused.code, refused.message, {
      ...audit,
      detail: { amazon: err instanceof AmazonError ? err.code : 'unknown' },
    });
  }
  if (!tokens.refreshToken) {
    return failCallback(
      deps,
      'OAUTH_EXCHANGE_FAILED',
      'Amazon’s answer had no refresh token. Nothing was connected; please try again.',
      audit,
    );
  }
  return { ...tokens, refreshToken: tokens.refreshToken };
}

/**
 * Handles the redirect URI (https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow). Checks every parameter and the state, exchanges the
 * code at once, checks the claimed seller id and region with Amazon (connections/claims.ts),
 * and stores the sealed token with the marketplaces. On any failure nothing is stored, an audit
 * entry is written, and a CallbackFailure explains it.
 */
export async function completeCallback(
  deps: ConnectionsDeps,
  origin: FlowOrigin | null,
  query: URLSearchParams,
): Promise<{ connection: Connection; purpose: 'connect' | 'renew' }> {
  const read = readCallbackParams(query);
  if (!read.ok) {
    const { code, message, detail } = read.refusal;
    return failCallback(deps, code, message, {
      accountId: origin?.viewer.accountId ?? null,
      origin,
      ...(detail ? { detail } : {}),
    });
  }
  const params = read.params;
  const spid = params.sellingPartnerId;
  const state = await consumeState(deps, origin, params.state);
  const audit = auditOf(state, origin);
  if (state.purpose === 'renew') await checkRenewTarget(deps, state, spid, audit);
  // Another account's connection of this seller does not block this one: the claim is checked
  // with Amazon below, and two accounts holding one seller are flagged for operator review.
  const app = await deps.applications.get(state.application_id);
  if (app.api !== 'sp_api') {
    return failCallback(
      deps,
      'OAUTH_STATE_UNKNOWN',
      'This sign-in link was issued for Amazon Ads, not Seller Central. Nothing was connected.',
      audit,
    );
  }
  const tokens = await exchangeCode(deps, app, params.code, audit);
  const check = await verifySellerClaim(deps, {
    applicationId: app.id,
    region: state.region,
    sellingPartnerId: spid,
    accessToken: tokens.accessToken,
    accountId: state.account_id,
    via: 'oauth',
  });
  if (check.outcome === 'refused') {
    return failCallback(
      deps,
      check.reason === 'region' ? 'OAUTH_REGION_MISMATCH' : 'OAUTH_SELLER_MISMATCH',
      `${check.message}${check.reason === 'region' ? " Start again with the button of the seller's region, signed in to that region's Seller Central." : ''} Nothing was ${state.purpose === 'renew' ? 'changed' : 'connected'}.`,
      { ...audit, detail: { claimed: spid, region: state.region, amazon: check.amazon } },
    );
  }
  const connection = await finishAuthorization(deps, {
    accountId: state.account_id,
    applicationId: app.id,
    sellingPartnerId: spid,
    region: state.region,
    kind: 'oauth',
    refreshToken: tokens.refreshToken,
    tokens,
    check,
    expiresInDays: app.authorizationLifetimeDays ?? deps.authorizationLifetimeDays ?? 365,
    actor: {
      userId: flowUserId(state.origin.viewer),
      label: flowActor(state.origin.viewer),
      ip: state.origin.ip,
    },
  });
  return { connection, purpose: state.purpose };
}
