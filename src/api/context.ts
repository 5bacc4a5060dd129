import type { Ads } from '../ads/ads.js';
import type { SpApiClient } from '../amazon/client-types.js';
import type { ConnectionManager } from '../connections/manage.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import type { Orders } from '../orders/orders.js';
import type { ListingOutbox } from '../listings/outbox.js';
import type { RegionCode } from '../store/schema.js';
import type { AccessToken, CachedAccessToken } from '../broker/broker.js';
import type { ApiKeys, ApiPrincipal } from '../accounts/api-keys.js';
import type { Provisioning } from '../accounts/provisioning.js';
import type { Connect } from '../connect/connect.js';
import type { Viewer } from '../connections/repository.js';

/** A webhook endpoint as the API is given it (never its secret). */
export interface ApiWebhookEndpoint {
  id: string;
  scope: string;
  url: string;
  description: string | null;
  eventTypes: readonly string[];
  createdAt: Date;
}

/** The notify use cases the webhook routes call (src/notify/settings.ts; src/api/routes/webhooks.ts). */
export interface ApiWebhooks {
  listEndpoints(viewer: Viewer, scope?: string | null): Promise<ApiWebhookEndpoint[]>;
  sendTestEvent(viewer: Viewer, id: string): Promise<{ eventId: number; endpoint: ApiWebhookEndpoint }>;
  /** Asks the delivery job to run soon. */
  nudge?: () => Promise<void>;
}

/** What the REST API is given: use cases only, never the database. */
export interface ApiDeps {
  keys: ApiKeys;
  /** Provisioning accounts (`/v1/accounts…`, operator keys); without it those routes answer 404. */
  provisioning?: Provisioning;
  /** Connect links (`/v1/connect-sessions`); without it those routes answer 404. */
  connect?: Connect;
  /** Webhook endpoints and test events (`/v1/webhooks…`); without it those routes answer 404. */
  webhooks?: ApiWebhooks;
  connections: ConnectionManager;
  /**
   * The token broker (or anything that mints access tokens the same way). `cacheVersion`: the one
   * the request's API key was checked at; `cached` answers from memory at that version (no read).
   */
  tokens: {
    accessToken(connectionId: string, cacheVersion?: string): Promise<AccessToken>;
    cached?(connectionId: string, cacheVersion: string): CachedAccessToken | null;
  };
  spApi: SpApiClient;
  /** The listings outbox: `/v1/connections/{id}/listings/…`. */
  listings?: ListingOutbox;
  /** Imported orders: `/v1/orders`. */
  orders?: Orders;
  clock: Clock;
  logger: Logger;
  /** The portal's public origin: renew links and the OpenAPI document's server. */
  publicUrl: string;
  /** SP-API endpoint per region, returned with access tokens. */
  spApiEndpoints: Record<RegionCode, string>;
  /** Amazon Ads connections: `/v1/ads-connections/…` (with `adsEndpoints`). */
  ads?: Ads;
  /** Ads API host per region, returned with Ads access tokens and used by the Ads proxy's docs. */
  adsEndpoints?: Record<RegionCode, string>;
  /** Largest request body accepted, in bytes (default 1 MiB); enforced by the web app's input guard. */
  bodyLimitBytes?: number;
}

/** Per-request variables of the API. */
export type ApiEnv = {
  Variables: {
    principal: ApiPrincipal;
  };
};
