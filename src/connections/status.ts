import type { ConnectionState } from '../store/schema.js';

/** How a connection's state is shown: words, colour, and what to do. */
export interface StatusView {
  state: ConnectionState;
  label: string;
  tone: 'good' | 'warn' | 'bad' | 'muted';
  daysLeft: number | null;
  advice: string;
}

const DAY = 86_400_000;

/** The warning window before expiry (FACTS §3: Amazon itself warns ~30 days ahead, UNCONFIRMED). */
export const EXPIRY_WARNING_DAYS = 30;

/**
 * The state implied by time for a connection that is otherwise healthy: `expired` after
 * expires_at, `expiring` within the warning window. Revoked, error and disconnected are sticky
 * until renewal (or recovery, for error).
 */
export function deriveState(
  current: ConnectionState,
  expiresAt: Date | null,
  now: number,
  warningDays = EXPIRY_WARNING_DAYS,
): ConnectionState {
  if (current === 'revoked' || current === 'disconnected' || current === 'error') return current;
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

/** Words, colour and advice for a connection, as the status page and API show them. */
export function describeStatus(state: ConnectionState, expiresAt: Date | null, now: number): StatusView {
  const left = daysLeft(expiresAt, now);
  switch (state) {
    case 'active':
      return {
        state,
        label: left === null ? 'Active (does not expire)' : `Active, ${left} days left`,
        tone: 'good',
        daysLeft: left,
        advice: 'Nothing to do.',
      };
    case 'expiring':
      return {
        state,
        label: left === 1 ? 'Expires tomorrow' : left === 0 ? 'Expires today' : `Expiring in ${left} days`,
        tone: 'warn',
        daysLeft: left,
        advice:
          'Renew now: it takes one click and a sign-in to Amazon. Orders and listings stop when it expires.',
      };
    case 'expired':
      return {
        state,
        label: 'Expired',
        tone: 'bad',
        daysLeft: 0,
        advice:
          'Amazon requires a new authorization every 365 days. Renew to resume orders and listings; queued changes go out after renewal.',
      };
    case 'revoked':
      return {
        state,
        label: 'Revoked',
        tone: 'bad',
        daysLeft: left,
        advice:
          'Amazon no longer accepts this authorization (the app was removed in Seller Central, or access changed). Renew to connect again.',
      };
    case 'error':
      return {
        state,
        label: 'Error',
        tone: 'bad',
        daysLeft: left,
        advice:
          'Calls to Amazon keep failing. Sellerlink keeps retrying; if it persists, renew the connection.',
      };
    case 'disconnected':
      return {
        state,
        label: 'Disconnected',
        tone: 'muted',
        daysLeft: null,
        advice:
          'Disconnected here. Also remove the app in Seller Central → Manage Your Apps. Connect again at any time.',
      };
  }
}
