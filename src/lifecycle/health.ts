import type { AmazonApi, ConnectionState } from '../store/schema.js';

/**
 * A connection's health: the one answer to "can this connection call Amazon, and if not, who has to
 * act?". Every consumer (pages, banners, REST API, CLI, order importer, listings drain, token broker,
 * monitor, notifications) reads it from `connectionHealth` and never re-derives it.
 *
 * - working: nothing to do.
 * - renew_needed: the seller must renew (before `deadline`, or now when it has passed).
 * - app_rejected: cut off by the application's credentials; the operator acts, nothing is asked of
 *   the seller.
 * - paused_by_amazon: Amazon throttles or fails; Sellerlink retries by itself.
 * - disconnected: removed here; connect again to resume.
 */
export type HealthState = 'working' | 'renew_needed' | 'app_rejected' | 'paused_by_amazon' | 'disconnected';

/** Every health state, in the order of the docs. */
export const HEALTH_STATES: readonly HealthState[] = [
  'working',
  'renew_needed',
  'app_rejected',
  'paused_by_amazon',
  'disconnected',
];

/** Who has to act: nobody, the seller (renew or connect), the operator, or nobody yet (Amazon). */
export type HealthAction = 'none' | 'renew' | 'connect' | 'operator' | 'wait';

/** What `connectionHealth` reads: the connection, its application and Amazon's recent answers. */
export interface HealthInput {
  /** Default SP-API; Amazon Ads connections are told in advertising words. */
  api?: AmazonApi;
  state: ConnectionState;
  stateReason: string | null;
  stateChangedAt: Date;
  kind: 'oauth' | 'self';
  expiresAt: Date | null;
  hasToken: boolean;
  lastSuccessAt: Date | null;
  lastError: { code: string; message: string; at: Date } | null;
  consecutiveFailures: number;
  application: { name: string; rejectedAt: Date | null; rejectedReason: string | null } | null;
}

/** A connection's health as every page, banner, API answer and worker sees it. */
export interface Health {
  state: HealthState;
  /** The stored lifecycle state with time applied: active, expiring, expired, revoked, error, disconnected. */
  lifecycle: ConnectionState;
  /** A few words: "Working", "Renew by 5 Jan 2027", "Cut off by the app's credentials", … */
  label: string;
  /** Why, in a sentence a seller understands. */
  reason: string;
  action: HealthAction;
  /** What to do, in a sentence (or "Nothing to do."). */
  advice: string;
  tone: 'good' | 'warn' | 'bad' | 'muted';
  /** Since when this health holds (best knowledge). */
  since: Date;
  /** Renew before this time (the authorization's end), when renewal is due. */
  deadline: Date | null;
  daysLeft: number | null;
  /** Whether calls to Amazon may be made now (importer, drain and broker obey this). */
  canCallAmazon: boolean;
  /** Whether renewing can help; when not, `renewBlockedReason` says why. */
  canRenew: boolean;
  renewBlockedReason: string | null;
}

const DAY = 86_400_000;

/** Amazon warns sellers about 30 days before an authorization ends (UNCONFIRMED; configurable). */
export const EXPIRY_WARNING_DAYS = 30;

/** Answers that mean Amazon is throttling or failing, not refusing: the call is retried later. */
const TRANSIENT_CODES = new Set([
  'SPAPI_THROTTLED',
  'SPAPI_WAIT_TOO_LONG',
  'SPAPI_SERVER_ERROR',
  'SPAPI_UNAVAILABLE',
  'SPAPI_BAD_RESPONSE',
  'LWA_SERVER_ERROR',
  'LWA_UNAVAILABLE',
  'LWA_BAD_RESPONSE',
  'AMAZON_NETWORK',
  'AMAZON_TIMEOUT',
  'TOKEN_REFRESH_FAILED',
]);

/**
 * The lifecycle state with time applied: `expired` after expires_at, `expiring` within the warning
 * window. Revoked, error and disconnected are stored and stay until renewal (or recovery, for error).
 */
export function timedState(
  state: ConnectionState,
  expiresAt: Date | null,
  now: number,
  warningDays = EXPIRY_WARNING_DAYS,
): ConnectionState {
  if (state === 'revoked' || state === 'disconnected' || state === 'error' || state === 'expired')
    return state;
  if (expiresAt === null) return 'active';
  if (now >= expiresAt.getTime()) return 'expired';
  if (expiresAt.getTime() - now <= warningDays * DAY) return 'expiring';
  return 'active';
}

/** Whole days until expiry, rounded up (0 on the last day); null when it does not expire. */
export function daysLeft(expiresAt: Date | null, now: number): number | null {
  if (expiresAt === null) return null;
  return Math.max(0, Math.ceil((expiresAt.getTime() - now) / DAY));
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
// Made once: toLocaleDateString builds a formatter on every call (same output), and lists of
// connections compute many healths.
const DAY_FORMAT = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});
/** A day as people read it on the pages: "2 Dec 2027" (UTC). */
const day = (d: Date): string => DAY_FORMAT.format(d);

/** What every health shares: the time-applied lifecycle, days left, and whether renewing can help. */
type HealthBase = Pick<Health, 'lifecycle' | 'daysLeft' | 'deadline' | 'canRenew' | 'renewBlockedReason'>;

/** The one rule: a connection's health from the connection, its application and Amazon's answers. */
export function connectionHealth(c: HealthInput, now: number): Health {
  const lifecycle =
    c.hasToken || c.state === 'disconnected' ? timedState(c.state, c.expiresAt, now) : 'disconnected';
  const base: HealthBase = {
    lifecycle,
    daysLeft: daysLeft(c.expiresAt, now),
    deadline: null,
    canRenew: c.kind === 'oauth',
    renewBlockedReason: null,
  };
  if (lifecycle === 'disconnected') return disconnectedHealth(c, base);
  if (c.application?.rejectedAt) return appRejectedHealth(c, c.application, c.application.rejectedAt, base);
  if (lifecycle === 'expired' || lifecycle === 'revoked') return endedHealth(c, lifecycle, base);
  if (lifecycle === 'error' || isFailing(c)) return pausedHealth(c, base);
  if (lifecycle === 'expiring' && c.expiresAt) return expiringHealth(c, c.expiresAt, base);
  return workingHealth(c, base);
}

/** Whether Amazon's latest answers were transient failures with no success since (paused, not refused). */
export function isFailing(
  c: Pick<HealthInput, 'lastError' | 'consecutiveFailures' | 'lastSuccessAt'>,
): boolean {
  return (
    c.lastError !== null &&
    TRANSIENT_CODES.has(c.lastError.code) &&
    c.consecutiveFailures > 0 &&
    (c.lastSuccessAt === null || c.lastSuccessAt.getTime() < c.lastError.at.getTime())
  );
}

/** What a connection's state means for what it is used for: orders and listings, or advertising. */
const WORDS = {
  sp_api: {
    stops: 'Orders and listings stop when it ends.',
    stopped: 'Orders no longer come in and listing changes wait.',
    removedWhere: 'the app was removed in Seller Central, or access changed',
    catchUp: ' Waiting listing changes go out and missed orders are fetched after renewal.',
    removeApp:
      'Also remove the app in Seller Central → Manage Your Apps. Connect again at any time to resume orders and listings.',
    waits: 'Orders and listing changes wait and catch up by themselves.',
  },
  ads: {
    stops: 'Advertising tools lose access to the Amazon Ads API when it ends.',
    stopped: 'Advertising tools can no longer reach the Amazon Ads API.',
    removedWhere: 'the app was removed from the Amazon account, or its access changed',
    catchUp: '',
    removeApp:
      'Also remove the app in your Amazon account’s “Apps and services” (Login with Amazon). Connect again at any time.',
    waits: 'Advertising calls work again by themselves.',
  },
} as const;

const wordsOf = (c: Pick<HealthInput, 'api'>) => WORDS[c.api ?? 'sp_api'];

/** How the seller renews this kind of connection, in a sentence. */
const renewHow = (c: HealthInput): string =>
  c.kind === 'oauth'
    ? 'Renew: one click and a sign-in to Amazon.'
    : 'Self-authorize the app again in Seller Central and import the new refresh token.';

function disconnectedHealth(c: HealthInput, base: HealthBase): Health {
  return {
    ...base,
    state: 'disconnected',
    label: 'Disconnected',
    reason: 'This connection was removed in Sellerlink; its token was deleted.',
    action: 'connect',
    advice: wordsOf(c).removeApp,
    tone: 'muted',
    since: c.stateChangedAt,
    daysLeft: null,
    canCallAmazon: false,
  };
}

function appRejectedHealth(
  c: HealthInput,
  app: { name: string },
  rejectedAt: Date,
  base: HealthBase,
): Health {
  const ended = base.lifecycle === 'expired' || base.lifecycle === 'revoked';
  return {
    ...base,
    state: 'app_rejected',
    label: "Cut off by the app's credentials",
    reason: `Amazon refuses the credentials of the app "${app.name}", so no seller connected through it can be reached. This is not caused by your authorization.${ended ? ' Your authorization has also ended: renew it once the app works again.' : ''}`,
    action: 'operator',
    advice: `Nothing is asked of you: the operator has been alerted and is fixing the app. ${wordsOf(c).waits}`,
    tone: 'bad',
    since: rejectedAt,
    canCallAmazon: false,
    canRenew: false,
    renewBlockedReason:
      "Renewing cannot help while Amazon refuses the app's credentials; it works again once the operator has fixed them.",
  };
}

function endedHealth(c: HealthInput, lifecycle: 'expired' | 'revoked', base: HealthBase): Health {
  return {
    ...base,
    state: 'renew_needed',
    label: lifecycle === 'expired' ? 'Renew needed: expired' : 'Renew needed: revoked',
    reason:
      lifecycle === 'expired'
        ? `Amazon requires a new authorization every 365 days, and this one has ended. ${wordsOf(c).stopped}`
        : `Amazon no longer accepts this authorization (${wordsOf(c).removedWhere}). ${wordsOf(c).stopped}`,
    action: 'renew',
    advice: `${renewHow(c)}${wordsOf(c).catchUp}`,
    tone: 'bad',
    since: lifecycle === 'expired' && c.expiresAt && c.state !== 'expired' ? c.expiresAt : c.stateChangedAt,
    daysLeft: 0,
    canCallAmazon: false,
  };
}

function pausedHealth(c: HealthInput, base: HealthBase): Health {
  return {
    ...base,
    state: 'paused_by_amazon',
    label: 'Paused by Amazon',
    reason: `Amazon is throttling or failing: ${(c.lastError?.message ?? c.stateReason ?? 'repeated failures').replace(/\.$/, '')}. Sellerlink retries by itself.`,
    action: 'wait',
    advice: 'Nothing to do: calls are retried with backoff and catch up when Amazon answers again.',
    tone: 'warn',
    since: c.lastError?.at ?? c.stateChangedAt,
    canCallAmazon: true,
  };
}

function expiringHealth(c: HealthInput, expiresAt: Date, base: HealthBase): Health {
  const left = base.daysLeft;
  return {
    ...base,
    state: 'renew_needed',
    label: `Renew by ${day(expiresAt)}`,
    reason: `The authorization ends ${left === 0 ? 'today' : `in ${plural(left ?? 0, 'day', 'days')}`} (Amazon requires a new one every 365 days). ${wordsOf(c).stops}`,
    action: 'renew',
    advice: renewHow(c),
    tone: 'warn',
    since: new Date(expiresAt.getTime() - EXPIRY_WARNING_DAYS * DAY),
    deadline: expiresAt,
    canCallAmazon: true,
  };
}

function workingHealth(c: HealthInput, base: HealthBase): Health {
  const left = base.daysLeft;
  return {
    ...base,
    state: 'working',
    label: 'Working',
    reason:
      left === null
        ? 'The authorization does not expire.'
        : `The authorization lasts until ${day(c.expiresAt!)} (${plural(left, 'day', 'days')} left).`,
    action: 'none',
    advice: 'Nothing to do.',
    tone: 'good',
    since: c.lastSuccessAt ?? c.stateChangedAt,
    canCallAmazon: true,
  };
}
