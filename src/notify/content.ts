import { REGION_NAMES } from '../amazon/regions.js';
import type { StoredEvent } from '../events/events.js';
import type { RegionCode } from '../store/schema.js';

/** What fan-out knows about an event's subject, to write about it in plain words. */
export interface EventSubject {
  accountName: string | null;
  connection: {
    id: string;
    sellingPartnerId: string;
    region: RegionCode;
    storeName: string | null;
    expiresAt: Date | null;
    state: string;
    kind: 'oauth' | 'self';
  } | null;
  application: { id: string; name: string; flaggedReason: string | null } | null;
}

/** An e-mail's words. */
export interface EmailContent {
  subject: string;
  text: string;
}

const DAY = 86_400_000;

/** The portal page with the Renew button for a connection (POST /connections/:id/renew from there). */
export function renewUrl(publicUrl: string, connectionId: string): string {
  return `${publicUrl}/connections/${connectionId}`;
}

/** The stable id of an event as receivers see it (`evt_<n>`): the body's `id` and the `Sellerlink-Event-Id` header. */
export function publicEventId(eventId: string | number): string {
  return `evt_${eventId}`;
}

/**
 * The webhook body: stable for an event (a redelivery sends the same bytes with a new signature),
 * with enough context that a receiver need not call back.
 */
export function webhookBody(event: StoredEvent, subject: EventSubject, publicUrl: string): string {
  const c = subject.connection;
  return JSON.stringify({
    id: publicEventId(event.id),
    type: event.type,
    occurredAt: event.at.toISOString(),
    accountId: event.accountId,
    connectionId: event.connectionId,
    applicationId: event.applicationId,
    connection: c
      ? {
          id: c.id,
          sellingPartnerId: c.sellingPartnerId,
          region: c.region,
          storeName: c.storeName,
          expiresAt: c.expiresAt?.toISOString() ?? null,
          state: c.state,
        }
      : null,
    data: event.payload,
    links: c ? { renew: renewUrl(publicUrl, c.id) } : {},
  });
}

/** Days from the event to the expiry, rounded up (the payload's `daysLeft` when it has one). */
function daysLeft(event: StoredEvent, expiresAt: Date | null): number | null {
  const given = event.payload.daysLeft;
  if (typeof given === 'number' && Number.isFinite(given)) return given;
  if (expiresAt) return Math.max(0, Math.ceil((expiresAt.getTime() - event.at.getTime()) / DAY));
  for (const key of ['days', 'threshold', 'daysBefore']) {
    const v = event.payload[key];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return null;
}

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The e-mail for an event, in plain words: who, where, what happened, what breaks, how to fix. */
export function emailContent(event: StoredEvent, subject: EventSubject, publicUrl: string): EmailContent {
  const c = subject.connection;
  const region = c ? REGION_NAMES[c.region] : '';
  const seller = c ? `seller ${c.sellingPartnerId}${c.storeName ? ` ("${c.storeName}")` : ''}` : 'a seller';
  const account = subject.accountName ? ` for the account "${subject.accountName}"` : '';
  const who = c ? `The Amazon connection of ${seller} in ${region}${account}` : `A connection${account}`;
  const name = c ? (c.storeName ?? c.sellingPartnerId) : '';
  const short = c ? (name.endsWith(`(${c.region})`) ? name : `${name} (${c.region})`) : '';
  const link = c ? renewUrl(publicUrl, c.id) : `${publicUrl}/connections`;
  const renewSteps = c
    ? c.kind === 'oauth'
      ? `To renew, open this page, sign in and press Renew; Amazon asks the seller to confirm, which takes a minute:\n${link}`
      : `This connection was self-authorized: create a new refresh token in Seller Central and import it here:\n${publicUrl}/connections/import\n(Connection: ${link})`
    : `Open Sellerlink: ${link}`;
  const stops =
    "Amazon will refuse Sellerlink's calls for this seller: new orders stop coming in and listing changes wait until it is fixed.";
  const sign =
    '\n\n-- \nSellerlink\nYou get this e-mail because of the notification settings of your account:\n' +
    `${publicUrl}/notifications`;
  const reason = typeof event.payload.reason === 'string' ? event.payload.reason : null;
  switch (event.type) {
    case 'connection.expiring': {
      // The expiry the event was raised for (the payload's), else the connection's current one.
      const given = typeof event.payload.expiresAt === 'string' ? new Date(event.payload.expiresAt) : null;
      const expiresAt = given && !Number.isNaN(given.getTime()) ? given : (c?.expiresAt ?? null);
      const left = daysLeft(event, expiresAt);
      const when = expiresAt ? ` on ${day(expiresAt)}` : '';
      const inDays = left === null ? 'soon' : left <= 1 ? 'within a day' : `in ${left} days`;
      return {
        subject: `Action needed: Amazon authorization for ${short} ends ${inDays}`,
        text:
          `${who} ends${when} (${inDays}). Amazon authorizations last 365 days and must be renewed by the seller.\n\n` +
          `If nothing is done, from that day on ${stops}\n\n${renewSteps}${sign}`,
      };
    }
    case 'connection.expired':
      return {
        subject: `Amazon authorization for ${short} has ended`,
        text: `${who} has ended: its 365-day authorization ran out.\n\nWhat this breaks: ${stops}\n\n${renewSteps}${sign}`,
      };
    case 'connection.revoked':
      return {
        subject: `Amazon authorization for ${short} was revoked`,
        text:
          `${who} no longer works: Amazon says the authorization was revoked (the app was removed in Seller Central, or the seller's access changed).\n\n` +
          `What this breaks: ${stops}\n\nTo fix it, authorize again. ${renewSteps}${sign}`,
      };
    case 'connection.error':
      return {
        subject: `Amazon connection for ${short} is failing`,
        text:
          `${who} keeps failing${reason ? `: ${reason}` : ''}. Sellerlink retries on its own.\n\n` +
          `If it does not recover, orders arrive late and listing changes wait. Details:\n${link}${sign}`,
      };
    case 'connection.claim_review': {
      // For the operators only (lifecycle/connections.ts, connections/claims.ts).
      const p = event.payload;
      const seller = `seller ${typeof p.sellingPartnerId === 'string' ? p.sellingPartnerId : '?'} (${typeof p.region === 'string' ? p.region : '?'})`;
      const ids = Array.isArray(p.connections)
        ? p.connections.flatMap((x: unknown) =>
            x && typeof x === 'object' && typeof (x as { id?: unknown }).id === 'string'
              ? [`${publicUrl}/connections/${(x as { id: string }).id}`]
              : [],
          )
        : [];
      return p.refused === true
        ? {
            subject: `Refused: a seller claim for ${seller} that Amazon contradicts`,
            text:
              `An account tried to connect ${seller}, but Amazon refused that seller id for the token it had just issued: ` +
              `the seller id was most likely edited on the way back from Amazon. Nothing was stored.

${reason ?? ''}

` +
              `Account: ${typeof p.claimedByAccountId === 'string' ? p.claimedByAccountId : 'unknown'}${sign}`,
          }
        : {
            subject: `Review needed: ${seller} is claimed by more than one account, or Amazon's data differs`,
            text:
              `${reason ?? 'A seller claim needs review.'}

Nothing was blocked: each account keeps its own connection. ` +
              `Decide which account should hold the seller and disconnect the other connection.

${ids.join('\n')}${sign}`,
          };
    }
    case 'connection.renewed':
      return {
        subject: `Amazon authorization for ${short} renewed`,
        text: `${who} was renewed${c?.expiresAt ? `; it now lasts until ${day(c.expiresAt)}` : ''}. Nothing else to do: anything that was waiting goes out now.\n\n${link}${sign}`,
      };
    case 'connection.connected':
      return {
        subject: `Amazon connection added: ${short}`,
        text: `${who} was connected${c?.expiresAt ? `; the authorization lasts until ${day(c.expiresAt)}` : ''}.\n\n${link}${sign}`,
      };
    case 'connection.disconnected':
      return {
        subject: `Amazon connection removed: ${short}`,
        text: `${who} was disconnected in Sellerlink; its token was deleted. Orders and listings for this seller stop until it is connected again.\n\n${link}${sign}`,
      };
    case 'application.rejected': {
      const app = subject.application?.name ?? 'the SP-API application';
      // An account's copy: nothing is asked of the seller. The operators' copy: the cause and the fix.
      if (event.accountId) {
        return {
          subject: `Amazon connections paused: Amazon refuses the credentials of ${app}`,
          text:
            `Amazon currently refuses the credentials of ${app}, the application your Amazon connections${account} go through. ` +
            `This is not caused by your authorization, and nothing is asked of you: the operator has been alerted and is fixing it.\n\n` +
            `Meanwhile new orders do not come in and listing changes wait; both catch up by themselves once it is fixed, and you get an e-mail then.\n\n${publicUrl}/connections${sign}`,
        };
      }
      return {
        subject: `Urgent: Amazon rejected the credentials of ${app}`,
        text:
          `Amazon refused the client credentials of ${app}. ${subject.application?.flaggedReason ?? reason ?? ''}\n\n` +
          `What this breaks: every seller connected through this app; no calls to Amazon succeed until it is fixed. Each affected account was told that nothing is asked of them.\n\n` +
          `Likely cause: ${typeof event.payload.likelyCause === 'string' ? event.payload.likelyCause : 'the client secret expired or was rotated (secrets must be rotated every 180 days).'}${sign}`,
      };
    }
    case 'application.recovered': {
      const app = subject.application?.name ?? 'the SP-API application';
      return {
        subject: `Amazon connections working again: ${app}`,
        text: `Amazon accepts the credentials of ${app} again${typeof event.payload.how === 'string' ? ` (${event.payload.how})` : ''}. Connections through it work again; orders catch up and waiting listing changes go out by themselves. Nothing to do.\n\n${publicUrl}/connections${sign}`,
      };
    }
    case 'application.rotation_failed': {
      const app = subject.application?.name ?? 'the SP-API application';
      const expires =
        typeof event.payload.expiresAt === 'string' ? event.payload.expiresAt.slice(0, 10) : 'soon';
      return {
        subject: `Action needed: automatic client-secret rotation of ${app} fails`,
        text:
          `Sellerlink could not rotate the LWA client secret of ${app}${typeof event.payload.attempts === 'number' ? ` (${event.payload.attempts} attempts)` : ''}: ${reason ?? 'unknown error'}\n\n` +
          `The current secret expires on ${expires}; after that every seller of this app is cut off. Sellerlink keeps retrying, but this needs you: ` +
          `check that the app's notification destination receives APPLICATION_OAUTH_CLIENT_NEW_SECRET (POST /amazon/notifications), or rotate with 'sellerlink applications rotate-secret'.${sign}`,
      };
    }
    case 'application.secret_expiring': {
      const app = subject.application?.name ?? 'the SP-API application';
      const left = daysLeft(event, null);
      const expires =
        typeof event.payload.expiresAt === 'string' ? ` on ${event.payload.expiresAt.slice(0, 10)}` : '';
      return {
        subject: `Client secret of ${app} expires ${left === null ? 'soon' : `in ${left} days`}`,
        text:
          `The LWA client secret of ${app} expires${expires}${left === null ? '' : ` (in ${left} days)`}.\n\n` +
          `If nothing is done: Amazon rejects the app's credentials and every connected seller stops working at once.\n\n` +
          `${typeof event.payload.advice === 'string' ? event.payload.advice : 'Rotate it now: `sellerlink applications rotate-secret`.'}${sign}`,
      };
    }
    case 'application.secret_rotated': {
      const app = subject.application?.name ?? 'the SP-API application';
      return {
        subject: `Client secret of ${app} rotated`,
        text: `The LWA client secret of ${app} was rotated; the new secret is in use. Nothing else to do.${sign}`,
      };
    }
    case 'listing.rejected':
      return {
        subject: `Amazon rejected a listing change${short ? ` for ${short}` : ''}`,
        text:
          `Amazon did not accept a listing change${c ? ` of ${seller} in ${region}` : ''}${typeof event.payload.sku === 'string' ? ` (SKU ${event.payload.sku})` : ''}.\n\n` +
          `What this means: the listing on Amazon was not changed. See Amazon's issues and fix the listing:\n${publicUrl}/listings${sign}`,
      };
    case 'listing.accepted':
      return {
        subject: `Listing change accepted${short ? ` for ${short}` : ''}`,
        text: `Amazon accepted a listing change${c ? ` of ${seller} in ${region}` : ''}${typeof event.payload.sku === 'string' ? ` (SKU ${event.payload.sku})` : ''}.${sign}`,
      };
    case 'order.upserted':
      return {
        subject: `Order ${typeof event.payload.orderId === 'string' ? `${event.payload.orderId} ` : ''}updated${short ? ` (${short})` : ''}`,
        text: `An order${typeof event.payload.orderId === 'string' ? ` (${event.payload.orderId})` : ''}${c ? ` of ${seller} in ${region}` : ''} was received or changed.${sign}`,
      };
  }
}
