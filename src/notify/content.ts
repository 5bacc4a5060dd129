import type { StoredEvent } from '../events/events.js';
import { connectionPath } from '../lifecycle/ads-identity.js';
import type { AmazonApi, RegionCode } from '../store/schema.js';

/** What fan-out knows about an event's subject, to write about it in plain words. */
export interface EventSubject {
  accountName: string | null;
  connection: {
    id: string;
    api: AmazonApi;
    sellingPartnerId: string;
    region: RegionCode;
    storeName: string | null;
    expiresAt: Date | null;
    state: string;
    kind: 'oauth' | 'self';
  } | null;
  application: { id: string; name: string; flaggedReason: string | null } | null;
  /** A one-click renew link without a Sellerlink login (reminders of OAuth connections; src/connect/). */
  renewLink?: RenewLinkInfo | null;
}

/** A renew link and until when it works (src/connect/renew-links.ts builds it). */
export interface RenewLinkInfo {
  url: string;
  expiresAt: Date;
}

/** Builds the renew link of a connection for a reminder raised at `at`. */
export type RenewLinkBuilder = (connectionId: string, at: Date) => RenewLinkInfo;

/** The events whose notifications carry a renew link: the authorization ends, ended or was revoked. */
export const RENEW_LINK_EVENTS: ReadonlySet<string> = new Set([
  'connection.expiring',
  'connection.expired',
  'connection.revoked',
]);

/** The event `sendTestEvent` records: delivered to the one endpoint it names (`endpointId`), never e-mailed. */
export const TEST_EVENT = 'webhook.test';

/** The portal page with the Renew button for a connection (its renew form posts from there). */
export function renewUrl(publicUrl: string, connection: { id: string; api?: AmazonApi }): string {
  return `${publicUrl}${connectionPath(connection)}`;
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
          ...(c.api === 'ads'
            ? { api: 'ads', sellingPartnerId: null }
            : { sellingPartnerId: c.sellingPartnerId }),
          region: c.region,
          storeName: c.storeName,
          expiresAt: c.expiresAt?.toISOString() ?? null,
          state: c.state,
        }
      : null,
    data: event.payload,
    links: c
      ? {
          renew: renewUrl(publicUrl, c),
          ...(subject.renewLink
            ? {
                renewLink: subject.renewLink.url,
                renewLinkExpiresAt: subject.renewLink.expiresAt.toISOString(),
              }
            : {}),
        }
      : {},
  });
}
