import { isUuid } from '../kernel/input.js';
import { ConnectError } from './errors.js';
import { loadAccount, storeSession, type ConnectDeps, type ConnectSession } from './sessions.js';

/**
 * Renew links in reminders (issue 16, point 3): an expiry e-mail or webhook carries
 * `<publicUrl>/connect/renew/<connection>.<expiry>.<key id>.<mac>`, signed with a key derived from
 * the vault (so it cannot be forged for another connection, nor extended) and computed, not stored.
 * Following it creates a fresh one-time connect session for that connection and sends the seller to
 * its page, so the link works until it expires however often an attempt is cancelled; the renewal
 * itself keeps every check of a connect link (the seller must sign in to Amazon as the same seller).
 * The vendor can use the link as is, or rebuild its own with `POST /api/v1/connect-sessions`
 * (`purpose: "renew"`).
 */

const PURPOSE = 'renew-link';
const DAY = 86_400_000;

/** A renew link and until when it works. */
export interface RenewLink {
  url: string;
  expiresAt: Date;
}

/** The renew link for a connection from a reminder raised at `at` (valid `renewLinkDays`, default 14). */
export function renewLinkFor(
  deps: Pick<ConnectDeps, 'vault' | 'publicUrl' | 'renewLinkDays'>,
  connectionId: string,
  at: Date,
): RenewLink {
  const expires = Math.floor((at.getTime() + (deps.renewLinkDays ?? 14) * DAY) / 1000);
  const message = `${connectionId}.${expires}`;
  const { keyId, mac } = deps.vault.mac(PURPOSE, message);
  return {
    url: `${deps.publicUrl}/connect/renew/${message}.${keyId}.${mac}`,
    expiresAt: new Date(expires * 1000),
  };
}

/** The connection a renew link names, after checking its signature and expiry. */
export function verifyRenewLink(deps: Pick<ConnectDeps, 'vault' | 'clock'>, link: string): string {
  const parts = link.length <= 300 ? link.split('.') : [];
  const [connectionId, expires, keyId, mac] = parts;
  const valid =
    parts.length === 4 &&
    isUuid(connectionId!) &&
    /^\d{1,12}$/.test(expires!) &&
    deps.vault.verifyMac(PURPOSE, `${connectionId}.${expires}`, keyId!, mac!);
  if (!valid) {
    throw new ConnectError(
      'CONNECT_LINK_UNKNOWN',
      'This renew link is not valid. Check it was copied whole.',
    );
  }
  if (Number(expires) * 1000 <= deps.clock.now()) {
    throw new ConnectError(
      'CONNECT_LINK_EXPIRED',
      'This renew link has expired. Sign in to renew the connection, or ask for a new link.',
    );
  }
  return connectionId!;
}

/**
 * Follows a renew link: a new one-time connect session renewing the connection, returning to the
 * account's default return URL (or Sellerlink's own result page). Returns the session and its URL.
 */
export async function followRenewLink(
  deps: ConnectDeps,
  link: string,
): Promise<{ session: ConnectSession; url: string }> {
  const connectionId = verifyRenewLink(deps, link);
  const row = await deps.db
    .selectFrom('connections')
    .select(['id', 'account_id', 'api', 'region', 'kind'])
    .where('id', '=', connectionId)
    .executeTakeFirst();
  if (!row || row.kind !== 'oauth') {
    throw new ConnectError('CONNECT_LINK_UNKNOWN', 'The connection this link renews no longer exists.');
  }
  const account = await loadAccount(deps.db, row.account_id);
  return storeSession(deps, {
    accountId: row.account_id,
    api: row.api,
    region: row.region,
    purpose: 'renew',
    connectionId: row.id,
    returnUrl: account.defaultReturnUrl ?? `${deps.publicUrl}/connect/done`,
    vendorName: null,
    vendorLogoUrl: null,
    origin: 'reminder',
    createdBy: 'renew-link',
    ttlMs: (deps.linkTtlMinutes ?? 30) * 60_000,
  });
}
