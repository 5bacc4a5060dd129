import { REGION_NAMES } from '../amazon/regions.js';
import type { EventType, StoredEvent } from '../events/events.js';
import { counted } from '../kernel/plural.js';
import { renewUrl, type EventSubject } from './content.js';

/** An e-mail's words. */
export interface EmailContent {
  subject: string;
  text: string;
}

/** The phrases every e-mail about an event may use: who and where, the fix, the signature. */
export interface EmailPhrases {
  connection: EventSubject['connection'];
  application: EventSubject['application'];
  publicUrl: string;
  /** The region's name ("Europe"), or '' without a connection. */
  region: string;
  /** `seller A1… ("Store")`, or "a seller". */
  seller: string;
  /** ` for the account "Acme"`, or ''. */
  account: string;
  /** The sentence's subject: "The Amazon connection of seller … in Europe for the account …". */
  who: string;
  /** The store's short name with its region ("Shop (EU)"), or '' without a connection. */
  short: string;
  /** The connection's page, or the connections list. */
  link: string;
  /** How to renew (OAuth: the Renew button; self-authorized: import a new token). */
  renewSteps: string;
  /** What breaks while Amazon refuses the calls. */
  stops: string;
  /** Words that differ for an Amazon Ads connection (advertising, not orders and listings). */
  uses: UseWords;
  /** The signature with the link to the notification settings. */
  sign: string;
  /** The payload's `reason`, when it is text. */
  reason: string | null;
}

/** What a connection is used for, in the words its e-mails need. */
interface UseWords {
  lifetime: string;
  revokedWhy: string;
  failing: string;
  disconnected: string;
}

const SP_API_WORDS: UseWords = {
  lifetime: 'Amazon authorizations last 365 days and must be renewed by the seller.',
  revokedWhy: "the app was removed in Seller Central, or the seller's access changed",
  failing: 'orders arrive late and listing changes wait',
  disconnected: 'Orders and listings for this seller stop until it is connected again.',
};

const ADS_WORDS: UseWords = {
  lifetime: 'Amazon Ads authorizations given since 30 June 2026 last 365 days and must be renewed.',
  revokedWhy: 'the app was removed from the Amazon account, or its access changed',
  failing: 'advertising tools get errors from the Amazon Ads API',
  disconnected: 'Advertising tools lose access to the Amazon Ads API until it is connected again.',
};

type ConnectionEmailType = Exclude<Extract<EventType, `connection.${string}`>, 'connection.claim_review'>;
type ApplicationEmailType = Extract<EventType, `application.${string}`>;
type ActivityEmailType = Extract<
  EventType,
  `listing.${string}` | `order.${string}` | `connect_session.${string}`
>;

const DAY = 86_400_000;

/** Days from the event to the expiry, rounded up (the payload's `daysLeft` when it has one). */
export function daysLeft(event: StoredEvent, expiresAt: Date | null): number | null {
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

/** A payload field when it is text, else null. */
function text(event: StoredEvent, key: string): string | null {
  const v = event.payload[key];
  return typeof v === 'string' ? v : null;
}

/** The one-click renew link's sentence (reminders only), or ''. */
function oneClick(subject: EventSubject): string {
  const r = subject.renewLink;
  return r
    ? `\n\nOr renew without signing in to Sellerlink (this link works until ${day(r.expiresAt)}):\n${r.url}`
    : '';
}

/** The shared phrases for an event about `subject`. */
export function emailPhrases(event: StoredEvent, subject: EventSubject, publicUrl: string): EmailPhrases {
  const c = subject.connection;
  const seller = !c
    ? 'a seller'
    : c.api === 'ads'
      ? 'Amazon Ads (advertising)'
      : `seller ${c.sellingPartnerId}${c.storeName ? ` ("${c.storeName}")` : ''}`;
  const account = subject.accountName ? ` for the account "${subject.accountName}"` : '';
  const region = c ? REGION_NAMES[c.region] : '';
  const name = c ? (c.api === 'ads' ? 'Amazon Ads' : (c.storeName ?? c.sellingPartnerId)) : '';
  const link = c ? renewUrl(publicUrl, c) : `${publicUrl}/connections`;
  return {
    connection: c,
    application: subject.application,
    publicUrl,
    region,
    seller,
    account,
    who: c ? `The Amazon connection of ${seller} in ${region}${account}` : `A connection${account}`,
    short: c ? (name.endsWith(`(${c.region})`) ? name : `${name} (${c.region})`) : '',
    link,
    uses: c?.api === 'ads' ? ADS_WORDS : SP_API_WORDS,
    renewSteps: c
      ? c.api === 'ads'
        ? `To renew, open this page, sign in and press Renew; Amazon asks the advertising user to sign in and allow access again, which takes a minute:\n${link}${oneClick(subject)}`
        : c.kind === 'oauth'
          ? `To renew, open this page, sign in and press Renew; Amazon asks the seller to confirm, which takes a minute:\n${link}${oneClick(subject)}`
          : `This connection was self-authorized: create a new refresh token in Seller Central and import it here:\n${publicUrl}/connections/import\n(Connection: ${link})`
      : `Open Sellerlink: ${link}`,
    stops:
      c?.api === 'ads'
        ? 'Amazon will refuse the advertising tools’ calls: campaigns keep running at Amazon, but no tool can read or change them until it is fixed.'
        : "Amazon will refuse Sellerlink's calls for this seller: new orders stop coming in and listing changes wait until it is fixed.",
    sign:
      '\n\n-- \nSellerlink\nYou get this e-mail because of the notification settings of your account:\n' +
      `${publicUrl}/notifications`,
    reason: text(event, 'reason'),
  };
}

/** The e-mail for an event, in plain words: who, where, what happened, what breaks, how to fix. */
export function emailContent(event: StoredEvent, subject: EventSubject, publicUrl: string): EmailContent {
  const p = emailPhrases(event, subject, publicUrl);
  switch (event.type) {
    case 'connection.claim_review':
      return claimReviewEmail(event, p);
    case 'connection.expiring':
    case 'connection.expired':
    case 'connection.revoked':
    case 'connection.error':
    case 'connection.renewed':
    case 'connection.connected':
    case 'connection.disconnected':
      return connectionEmail(event.type, event, p);
    case 'application.rejected':
    case 'application.recovered':
    case 'application.rotation_failed':
    case 'application.secret_expiring':
    case 'application.secret_rotated':
      return applicationEmail(event.type, event, p);
    case 'listing.rejected':
    case 'listing.accepted':
    case 'order.upserted':
    case 'connect_session.completed':
      return activityEmail(event.type, event, p);
    case 'webhook.test':
      // Never planned as e-mail (fan-out-plan.ts sends it to one endpoint only); words for completeness.
      return { subject: 'Webhook test event', text: `A test event for a webhook endpoint.${p.sign}` };
  }
}

/** `connection.expiring`: when it ends, what stops then, how to renew. */
export function expiringEmail(event: StoredEvent, p: EmailPhrases): EmailContent {
  // The expiry the event was raised for (the payload's), else the connection's current one.
  const given = typeof event.payload.expiresAt === 'string' ? new Date(event.payload.expiresAt) : null;
  const expiresAt = given && !Number.isNaN(given.getTime()) ? given : (p.connection?.expiresAt ?? null);
  const left = daysLeft(event, expiresAt);
  const when = expiresAt ? ` on ${day(expiresAt)}` : '';
  const inDays = left === null ? 'soon' : left <= 1 ? 'within a day' : `in ${counted(left, 'day')}`;
  return {
    subject: `Action needed: Amazon authorization for ${p.short} ends ${inDays}`,
    text:
      `${p.who} ends${when} (${inDays}). ${p.uses.lifetime}\n\n` +
      `If nothing is done, from that day on ${p.stops}\n\n${p.renewSteps}${p.sign}`,
  };
}

/** E-mails about one connection's authorization. */
export function connectionEmail(
  type: ConnectionEmailType,
  event: StoredEvent,
  p: EmailPhrases,
): EmailContent {
  const { who, short, stops, renewSteps, link, sign } = p;
  const expiresAt = p.connection?.expiresAt;
  switch (type) {
    case 'connection.expiring':
      return expiringEmail(event, p);
    case 'connection.expired':
      return {
        subject: `Amazon authorization for ${short} has ended`,
        text: `${who} has ended: its 365-day authorization ran out.\n\nWhat this breaks: ${stops}\n\n${renewSteps}${sign}`,
      };
    case 'connection.revoked':
      return {
        subject: `Amazon authorization for ${short} was revoked`,
        text:
          `${who} no longer works: Amazon says the authorization was revoked (${p.uses.revokedWhy}).\n\n` +
          `What this breaks: ${stops}\n\nTo fix it, authorize again. ${renewSteps}${sign}`,
      };
    case 'connection.error':
      return {
        subject: `Amazon connection for ${short} is failing`,
        text:
          `${who} keeps failing${p.reason ? `: ${p.reason}` : ''}. Sellerlink retries on its own.\n\n` +
          `If it does not recover, ${p.uses.failing}. Details:\n${link}${sign}`,
      };
    case 'connection.renewed':
      return {
        subject: `Amazon authorization for ${short} renewed`,
        text: `${who} was renewed${expiresAt ? `; it now lasts until ${day(expiresAt)}` : ''}. Nothing else to do: anything that was waiting goes out now.\n\n${link}${sign}`,
      };
    case 'connection.connected':
      return {
        subject: `Amazon connection added: ${short}`,
        text: `${who} was connected${expiresAt ? `; the authorization lasts until ${day(expiresAt)}` : ''}.\n\n${link}${sign}`,
      };
    case 'connection.disconnected':
      return {
        subject: `Amazon connection removed: ${short}`,
        text: `${who} was disconnected in Sellerlink; its token was deleted. ${p.uses.disconnected}\n\n${link}${sign}`,
      };
  }
}

/** `connection.claim_review`, for the operators only (lifecycle/connections.ts, connections/claims.ts). */
export function claimReviewEmail(event: StoredEvent, p: EmailPhrases): EmailContent {
  const payload = event.payload;
  const seller = `seller ${text(event, 'sellingPartnerId') ?? '?'} (${text(event, 'region') ?? '?'})`;
  const ids = Array.isArray(payload.connections)
    ? payload.connections.flatMap((x: unknown) =>
        x && typeof x === 'object' && typeof (x as { id?: unknown }).id === 'string'
          ? [`${p.publicUrl}/connections/${(x as { id: string }).id}`]
          : [],
      )
    : [];
  return payload.refused === true
    ? {
        subject: `Refused: a seller claim for ${seller} that Amazon contradicts`,
        text:
          `An account tried to connect ${seller}, but Amazon refused that seller id for the token it had just issued: ` +
          `the seller id was most likely edited on the way back from Amazon. Nothing was stored.

${p.reason ?? ''}

` +
          `Account: ${text(event, 'claimedByAccountId') ?? 'unknown'}${p.sign}`,
      }
    : {
        subject: `Review needed: ${seller} is claimed by more than one account, or Amazon's data differs`,
        text:
          `${p.reason ?? 'A seller claim needs review.'}

Nothing was blocked: each account keeps its own connection. ` +
          `Decide which account should hold the seller and disconnect the other connection.

${ids.join('\n')}${p.sign}`,
      };
}

/**
 * `application.rejected`: an account's copy asks nothing of the seller; the operators' copy gives
 * the cause and the fix.
 */
export function applicationRejectedEmail(event: StoredEvent, p: EmailPhrases): EmailContent {
  const app = p.application?.name ?? 'the SP-API application';
  if (event.accountId) {
    return {
      subject: `Amazon connections paused: Amazon refuses the credentials of ${app}`,
      text:
        `Amazon currently refuses the credentials of ${app}, the application your Amazon connections${p.account} go through. ` +
        `This is not caused by your authorization, and nothing is asked of you: the operator has been alerted and is fixing it.\n\n` +
        `Meanwhile new orders do not come in and listing changes wait; both catch up by themselves once it is fixed, and you get an e-mail then.\n\n${p.publicUrl}/connections${p.sign}`,
    };
  }
  return {
    subject: `Urgent: Amazon rejected the credentials of ${app}`,
    text:
      `Amazon refused the client credentials of ${app}. ${p.application?.flaggedReason ?? p.reason ?? ''}\n\n` +
      `What this breaks: every seller connected through this app; no calls to Amazon succeed until it is fixed. Each affected account was told that nothing is asked of them.\n\n` +
      `Likely cause: ${text(event, 'likelyCause') ?? 'the client secret expired or was rotated (secrets must be rotated every 180 days).'}${p.sign}`,
  };
}

/** E-mails about an SP-API application: its credentials and their rotation. */
export function applicationEmail(
  type: ApplicationEmailType,
  event: StoredEvent,
  p: EmailPhrases,
): EmailContent {
  const app = p.application?.name ?? 'the SP-API application';
  const expiresAt = text(event, 'expiresAt');
  switch (type) {
    case 'application.rejected':
      return applicationRejectedEmail(event, p);
    case 'application.recovered': {
      const how = text(event, 'how');
      return {
        subject: `Amazon connections working again: ${app}`,
        text: `Amazon accepts the credentials of ${app} again${how !== null ? ` (${how})` : ''}. Connections through it work again; orders catch up and waiting listing changes go out by themselves. Nothing to do.\n\n${p.publicUrl}/connections${p.sign}`,
      };
    }
    case 'application.rotation_failed': {
      const attempts = event.payload.attempts;
      return {
        subject: `Action needed: automatic client-secret rotation of ${app} fails`,
        text:
          `Sellerlink could not rotate the LWA client secret of ${app}${typeof attempts === 'number' ? ` (${counted(attempts, 'attempt')})` : ''}: ${p.reason ?? 'unknown error'}\n\n` +
          `The current secret expires on ${expiresAt !== null ? expiresAt.slice(0, 10) : 'soon'}; after that every seller of this app is cut off. Sellerlink keeps retrying, but this needs you: ` +
          `check that the app's notification destination receives APPLICATION_OAUTH_CLIENT_NEW_SECRET (POST /amazon/notifications), or rotate with 'sellerlink applications rotate-secret'.${p.sign}`,
      };
    }
    case 'application.secret_expiring': {
      const left = daysLeft(event, null);
      return {
        subject: `Client secret of ${app} expires ${left === null ? 'soon' : `in ${counted(left, 'day')}`}`,
        text:
          `The LWA client secret of ${app} expires${expiresAt !== null ? ` on ${expiresAt.slice(0, 10)}` : ''}${left === null ? '' : ` (in ${counted(left, 'day')})`}.\n\n` +
          `If nothing is done: Amazon rejects the app's credentials and every connected seller stops working at once.\n\n` +
          `${text(event, 'advice') ?? 'Rotate it now: `sellerlink applications rotate-secret`.'}${p.sign}`,
      };
    }
    case 'application.secret_rotated':
      return {
        subject: `Client secret of ${app} rotated`,
        text: `The LWA client secret of ${app} was rotated; the new secret is in use. Nothing else to do.${p.sign}`,
      };
  }
}

/** E-mails about listing changes and orders. */
export function activityEmail(type: ActivityEmailType, event: StoredEvent, p: EmailPhrases): EmailContent {
  const { short, seller, region, sign } = p;
  const where = p.connection ? ` of ${seller} in ${region}` : '';
  const sku = text(event, 'sku');
  const ofSku = sku !== null ? ` (SKU ${sku})` : '';
  switch (type) {
    case 'listing.rejected':
      return {
        subject: `Amazon rejected a listing change${short ? ` for ${short}` : ''}`,
        text:
          `Amazon did not accept a listing change${where}${ofSku}.\n\n` +
          `What this means: the listing on Amazon was not changed. See Amazon's issues and fix the listing:\n${p.publicUrl}/listings${sign}`,
      };
    case 'listing.accepted':
      return {
        subject: `Listing change accepted${short ? ` for ${short}` : ''}`,
        text: `Amazon accepted a listing change${where}${ofSku}.${sign}`,
      };
    case 'order.upserted': {
      const orderId = text(event, 'orderId');
      return {
        subject: `Order ${orderId !== null ? `${orderId} ` : ''}updated${short ? ` (${short})` : ''}`,
        text: `An order${orderId !== null ? ` (${orderId})` : ''}${where} was received or changed.${sign}`,
      };
    }
    case 'connect_session.completed':
      return connectLinkEmail(event, p);
  }
}

const CONNECT_OUTCOMES: Record<string, string> = {
  connected: 'connected an Amazon account',
  renewed: 'renewed an Amazon authorization',
  cancelled: 'cancelled without connecting anything',
  error: 'could not finish',
};

/** `connect_session.completed`: a seller finished a connect link from the vendor's software. */
function connectLinkEmail(event: StoredEvent, p: EmailPhrases): EmailContent {
  const outcome = text(event, 'outcome') ?? 'error';
  const code = text(event, 'code');
  const did = CONNECT_OUTCOMES[outcome] ?? CONNECT_OUTCOMES.error!;
  return {
    subject: `Connect link ${outcome}${p.short ? ` (${p.short})` : ''}${p.account}`,
    text: `A seller following a connect link${p.account} ${did}${code ? ` (${code})` : ''}.${p.connection ? `\n\nConnection: ${p.link}` : ''}${p.sign}`,
  };
}
