import type { RenewLinkBuilder } from './content.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import type { Random } from '../kernel/random.js';
import type { Store } from '../store/database.js';
import type { Vault } from '../vault/envelope.js';
import { createBanners } from './banners.js';
import { createDeliveries, type DeliveryDeps } from './delivery.js';
import type { Mailer } from './mailer.js';
import { createPublicAddressGuard, type Resolve } from './public-address.js';
import { createNotificationSettings } from './settings.js';
import { createWebhookPost } from './webhook-post.js';

export { createMailCatcher, type CaughtMail, type MailCatcher } from './mail-catcher.js';
export { createSmtpMailer, type Mailer } from './mailer.js';
export { verifySignature, signatureHeader, SIGNATURE_HEADER } from './signature.js';
export { startNotifyJobs, type NotifyJobs } from './jobs.js';
export { OPERATORS_SCOPE, type NotificationSettings, type WebhookEndpoint } from './settings.js';
export type { Delivery, DeliveryBacklog, RunResult } from './delivery.js';
export {
  classifyAddress,
  createPublicAddressGuard,
  type AddressRule,
  type Resolve,
} from './public-address.js';
export { EVENT_ID_HEADER } from './send.js';
export { COULD_NOT_CONNECT } from './webhook-post.js';
export type { Banner } from './banners.js';

/** Everything notify/ offers: settings, endpoints, deliveries, banners. */
export function createNotify(deps: {
  store: Store;
  vault: Vault;
  clock: Clock;
  wallClock: Clock;
  random: Random;
  logger: Logger;
  newId: () => string;
  mailer: Mailer | null;
  mailFrom: string;
  publicUrl: string;
  /**
   * Where webhooks may go: public addresses only, unless `allowPrivate` (sandbox only: loopback and
   * private networks too). `resolve` replaces the system resolver (tests).
   */
  webhooks?: { allowPrivate?: boolean; resolve?: Resolve };
  operatorEmails?: readonly string[];
  requireHttps?: boolean;
  sandboxAddress?: (username: string) => string;
  userAgent?: string;
  /** Builds reminders' one-click renew links (src/connect/renew-links.ts); none when absent. */
  renewLink?: RenewLinkBuilder;
  delivery?: Pick<DeliveryDeps, 'retryWindowMs' | 'baseDelayMs' | 'maxDelayMs' | 'timeoutMs' | 'gapGraceMs'>;
}) {
  const addressGuard = createPublicAddressGuard({
    allowPrivate: deps.webhooks?.allowPrivate ?? false,
    ...(deps.webhooks?.resolve ? { resolve: deps.webhooks.resolve } : {}),
  });
  const settings = createNotificationSettings({
    addressGuard,
    db: deps.store.db,
    vault: deps.vault,
    clock: deps.clock,
    random: deps.random,
    newId: deps.newId,
    ...(deps.operatorEmails ? { operatorEmails: deps.operatorEmails } : {}),
    ...(deps.requireHttps === undefined ? {} : { requireHttps: deps.requireHttps }),
    ...(deps.sandboxAddress ? { sandboxAddress: deps.sandboxAddress } : {}),
  });
  const deliveries = createDeliveries({
    store: deps.store,
    clock: deps.clock,
    wallClock: deps.wallClock,
    random: deps.random,
    logger: deps.logger,
    settings,
    mailer: deps.mailer,
    mailFrom: deps.mailFrom,
    publicUrl: deps.publicUrl,
    post: createWebhookPost(addressGuard),
    renewLink: deps.renewLink,
    ...(deps.userAgent ? { userAgent: deps.userAgent } : {}),
    ...deps.delivery,
  });
  const banners = createBanners({ db: deps.store.db, clock: deps.clock });
  return { settings, deliveries, banners, emailEnabled: deps.mailer !== null };
}

export type Notify = ReturnType<typeof createNotify>;
