import { isRegion } from '../amazon/regions.js';
import { ConnectionsError } from '../connections/errors.js';
import type { FlowOrigin } from '../connections/oauth.js';
import { defaultApplication } from '../connections/oauth-start.js';
import type { Connection } from '../connections/repository.js';
import { recordEvent } from '../events/events.js';
import { ValidationError } from '../kernel/errors.js';
import { hashToken, newOpaqueToken } from '../kernel/opaque-token.js';
import type { ConnectOutcome, RegionCode } from '../store/schema.js';
import { ConnectError } from './errors.js';
import {
  accountViewer,
  loadAccount,
  statusOf,
  toSession,
  type ConnectDeps,
  type ConnectSession,
  type SessionRow,
} from './sessions.js';

/**
 * Running a connect link: the page the seller sees (`describe`), "Continue to Amazon" (`begin`: the
 * link is spent, the browser gets a connect cookie the OAuth state is bound to, exactly as the
 * portal binds it to its session), the redirect URI finding the link's session (`forCallback`), and
 * the end (`finish`: the outcome stored once, a `connect_session.completed` event for webhooks, and
 * the vendor's return URL with the outcome). A GET of the link changes nothing, so mail scanners
 * and link previews cannot spend it.
 */

/** The outcome a seller lands back with. */
export interface Outcome {
  outcome: ConnectOutcome;
  /** For `error`: a stable code (docs/errors.md). */
  code?: string;
  connectionId?: string | null;
}

/** What the link's page shows. */
export interface LinkView {
  session: ConnectSession;
  accountName: string;
  /** The connection a renew link renews. */
  connection: Connection | null;
}

/** The vendor's return URL with the outcome in its query (its own parameters kept). */
export function returnUrlWith(session: Pick<ConnectSession, 'id' | 'returnUrl'>, outcome: Outcome): string {
  const url = new URL(session.returnUrl);
  url.searchParams.set('outcome', outcome.outcome);
  url.searchParams.set('sessionId', session.id);
  if (outcome.connectionId) url.searchParams.set('connectionId', outcome.connectionId);
  if (outcome.code) url.searchParams.set('code', outcome.code);
  return url.toString();
}

async function rowByToken(deps: ConnectDeps, token: string): Promise<SessionRow> {
  const row =
    token.length > 0 && token.length <= 100
      ? await deps.db
          .selectFrom('connect_sessions')
          .selectAll()
          .where('token_hash', '=', hashToken(token))
          .executeTakeFirst()
      : undefined;
  if (!row) {
    throw new ConnectError(
      'CONNECT_LINK_UNKNOWN',
      'This connect link is not valid. Check it was copied whole, or ask for a new one.',
    );
  }
  return row;
}

/**
 * Ends a session once (a second call changes nothing) and records `connect_session.completed` in
 * the same transaction; returns the vendor's return URL with the outcome as stored.
 */
export async function finish(deps: ConnectDeps, sessionId: string, outcome: Outcome): Promise<string> {
  const now = new Date(deps.clock.now());
  const row = await deps.db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('connect_sessions')
      .set({
        completed_at: now,
        outcome: outcome.outcome,
        error_code: outcome.code ?? null,
        result_connection_id: outcome.connectionId ?? null,
      })
      .where('id', '=', sessionId)
      .where('completed_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (!updated) {
      return trx
        .selectFrom('connect_sessions')
        .selectAll()
        .where('id', '=', sessionId)
        .executeTakeFirstOrThrow();
    }
    await recordEvent(trx, {
      type: 'connect_session.completed',
      at: now,
      accountId: updated.account_id,
      connectionId: updated.result_connection_id ?? updated.connection_id,
      payload: {
        sessionId: updated.id,
        outcome: updated.outcome,
        code: updated.error_code,
        connectionId: updated.result_connection_id,
        purpose: updated.purpose,
        api: updated.api,
        region: updated.region,
        origin: updated.origin,
      },
      dedupeKey: `connect_session.completed:${updated.id}`,
    });
    return updated;
  });
  return returnUrlWith(toSession(row, now.getTime()), {
    outcome: row.outcome ?? outcome.outcome,
    ...(row.error_code ? { code: row.error_code } : {}),
    connectionId: row.result_connection_id,
  });
}

/** Where a link that can no longer be followed sends the seller: expired (ended now) or used. */
async function deadLink(deps: ConnectDeps, row: SessionRow): Promise<never> {
  const now = deps.clock.now();
  if (statusOf(row, now) === 'expired') {
    const url = await finish(deps, row.id, { outcome: 'error', code: 'CONNECT_LINK_EXPIRED' });
    throw new ConnectError('CONNECT_LINK_EXPIRED', 'This connect link has expired. Ask for a new one.', {
      details: { returnUrl: url },
    });
  }
  throw new ConnectError(
    'CONNECT_LINK_USED',
    'This connect link was already used; it works once. Ask for a new one if you need to connect again.',
    {
      details: {
        returnUrl: returnUrlWith(toSession(row, now), { outcome: 'error', code: 'CONNECT_LINK_USED' }),
      },
    },
  );
}

/** The link's page: who asks, for which account, what is connected or renewed; dead links throw. */
export async function describe(deps: ConnectDeps, token: string): Promise<LinkView> {
  const row = await rowByToken(deps, token);
  if (statusOf(row, deps.clock.now()) !== 'pending') return deadLink(deps, row);
  const account = await loadAccount(deps.db, row.account_id);
  const connection = row.connection_id
    ? await deps.connections.get(accountViewer(row.account_id, 'connect-link'), row.connection_id, row.api)
    : null;
  return { session: toSession(row, deps.clock.now()), accountName: account.name, connection };
}

/** The OAuth origin of a connect session: the account's viewer, bound to the connect cookie. */
function originOf(row: SessionRow, cookieValue: string, ip: string | null): FlowOrigin {
  return {
    viewer: accountViewer(row.account_id, `connect-session:${row.id}`),
    sessionHash: hashToken(cookieValue),
    ip,
    connectSessionId: row.id,
  };
}

/** Starts Amazon's consent for a spent session (connect or renew, SP-API or Ads). */
async function consentUrl(deps: ConnectDeps, row: SessionRow, region: RegionCode, origin: FlowOrigin) {
  if (row.purpose === 'renew') {
    const connection = await deps.connections.get(origin.viewer, row.connection_id!, row.api);
    return row.api === 'ads'
      ? deps.oauth.startAdsRenew(origin, connection)
      : deps.oauth.startRenew(origin, connection);
  }
  if (row.api === 'ads') return deps.oauth.startAdsConnect(origin, { region });
  const app = defaultApplication(await deps.applications.list());
  if (!app) throw new ConnectionsError('APPLICATION_NOT_FOUND', 'No SP-API application is registered.');
  return deps.oauth.startConnect(origin, { region, applicationId: app.id });
}

/**
 * "Continue to Amazon": spends the link (once, atomically: a parallel replay loses), binds it to a
 * new connect cookie, and returns Amazon's consent URL and the cookie to set. A region is required
 * when the link lets the seller choose. A refusal before Amazon ends the session with an error and
 * returns the vendor's return URL instead.
 */
export async function begin(
  deps: ConnectDeps,
  token: string,
  input: { region?: unknown; ip: string | null },
): Promise<{ amazonUrl: string; cookie: string } | { returnUrl: string }> {
  const row = await rowByToken(deps, token);
  const region = row.region ?? input.region;
  if (!isRegion(region)) {
    throw new ValidationError('Choose North America, Europe or Far East.', 'region');
  }
  const cookie = newOpaqueToken(deps.random);
  const now = new Date(deps.clock.now());
  const spent = await deps.db
    .updateTable('connect_sessions')
    .set({ started_at: now, browser_hash: cookie.hash, region })
    .where('id', '=', row.id)
    .where('started_at', 'is', null)
    .where('completed_at', 'is', null)
    .where('expires_at', '>', now)
    .returningAll()
    .executeTakeFirst();
  if (!spent) return deadLink(deps, await rowByToken(deps, token));
  try {
    const amazonUrl = await consentUrl(deps, spent, region, originOf(spent, cookie.value, input.ip));
    return { amazonUrl, cookie: cookie.value };
  } catch (err) {
    if (!(err instanceof ConnectionsError)) throw err;
    return { returnUrl: await finish(deps, spent.id, { outcome: 'error', code: err.code }) };
  }
}

/** "Cancel" on the link's page: ends the session as cancelled; returns the vendor's return URL. */
export async function cancelAtLink(deps: ConnectDeps, token: string): Promise<string> {
  const row = await rowByToken(deps, token);
  if (statusOf(row, deps.clock.now()) !== 'pending') return deadLink(deps, row);
  return finish(deps, row.id, { outcome: 'cancelled' });
}

/**
 * The connect session a redirect-URI request belongs to, with the OAuth origin to complete it:
 * found by the callback's `state` (a state started from a link) or, when Amazon sent none (e.g.
 * Cancel), by the connect cookie. Null for the portal's own flows, and for a browser that is not
 * the one the link was started in (the portal's checks then refuse it as another session's).
 */
export async function forCallback(
  deps: ConnectDeps,
  input: { state: string | null; cookie: string | undefined; ip: string | null },
): Promise<{ session: ConnectSession; origin: FlowOrigin } | null> {
  if (!input.cookie) return null;
  const browser = hashToken(input.cookie);
  let sessionId: string | null = null;
  if (input.state && input.state.length <= 200) {
    const state = await deps.db
      .selectFrom('oauth_states')
      .select('connect_session_id')
      .where('state_hash', '=', hashToken(input.state))
      .executeTakeFirst();
    if (state && !state.connect_session_id) return null;
    sessionId = state?.connect_session_id ?? null;
  }
  let q = deps.db
    .selectFrom('connect_sessions')
    .selectAll()
    .where('browser_hash', '=', browser)
    .where('completed_at', 'is', null);
  if (sessionId) q = q.where('id', '=', sessionId);
  const row = await q.orderBy('started_at', 'desc').executeTakeFirst();
  if (!row) return null;
  return { session: toSession(row, deps.clock.now()), origin: originOf(row, input.cookie, input.ip) };
}
