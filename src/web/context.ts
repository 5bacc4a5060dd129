import type { Connect } from '../connect/connect.js';
import type { Registry } from 'prom-client';
import type { Accounts, SessionUser } from '../accounts/service.js';
import type { Ads } from '../ads/ads.js';
import type { Config } from '../config/config.js';
import type { Applications } from '../lifecycle/applications.js';
import type { ConnectionManager } from '../connections/manage.js';
import type { OAuthFlow } from '../connections/oauth.js';
import type { ListingOutbox } from '../listings/outbox.js';
import type { Orders } from '../orders/orders.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import type { Secret } from '../kernel/secret.js';
import type { SandboxTools } from '../monitor/sandbox.js';
import type { IngestResult, SecretRotation } from '../monitor/secrets.js';
import type { Banner, CaughtMail, Notify } from '../notify/index.js';

/** What the web layer is given: use cases only, never the database. */
export interface WebDeps {
  config: Readonly<Config>;
  clock: Clock;
  logger: Logger;
  accounts: Accounts;
  applications: Applications;
  oauth: OAuthFlow;
  /** Connect links: the seller's pages at `/connect/…` and the redirect URIs' link sessions. */
  connect?: Connect;
  connections: ConnectionManager;
  /** Amazon Ads connections: profiles, the Ads pages. */
  ads?: Ads;
  /** The listings outbox: the portal's listings pages. */
  listings?: ListingOutbox;
  /** Origin of the simulator in sandbox mode (for the banner and links). */
  simulatorUrl: string | null;
  /** Imported orders: the /orders pages. */
  orders?: Orders;
  /** Prometheus registry served at /metrics. */
  metrics?: Registry;
  /** Sandbox mode: a hint shown under the sign-in form. */
  demoHint?: string | null;
  /** Reports database reachability for /healthz. */
  checkDatabase: () => Promise<boolean>;
  /** POST /amazon/notifications: forwarded Amazon notifications (new client secret), shared-secret checked. */
  amazonNotifications?: {
    secret: Secret | null;
    ingest: (message: unknown, options?: { source?: string }) => Promise<IngestResult>;
  };
  /** Client-secret rotation: the operators' "Rotate secret now" (asks Amazon for a new SP-API secret). */
  secrets?: Pick<SecretRotation, 'rotate'>;
  /** Sandbox mode only: the toolbar that moves simulated time (page /sandbox). */
  sandboxTools?: SandboxTools | null;
  /** Notifications: settings, webhook endpoints, delivery log, banners. */
  notify?: WebNotify;
  /** Sandbox mode only: the built-in mail catcher (page /sandbox/mail). */
  mailCatcher?: {
    url: string;
    /** What one reader may see: an account its own mail, operators all. */
    messagesFor(viewer: { role: 'owner' | 'member' | 'operator'; accountId: string | null }): CaughtMail[];
  } | null;
}

/** The notify use cases the portal uses; `nudge` asks the delivery job to run soon. */
export type WebNotify = Pick<Notify, 'settings' | 'deliveries' | 'banners' | 'emailEnabled'> & {
  nudge?: () => Promise<void>;
};

/** Per-request variables. */
export type WebEnv = {
  Variables: {
    user: SessionUser | null;
    sessionToken: string | null;
    ip: string | null;
    /** Active warnings for the page's banners (notify). */
    banners?: Banner[];
  };
};
