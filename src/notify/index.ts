import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import type { Random } from '../kernel/random.js';
import type { Store } from '../store/database.js';
import type { Vault } from '../vault/envelope.js';
import { createBanners } from './banners.js';
import { createDeliveries, type DeliveryDeps } from './delivery.js';
import type { Mailer } from './mailer.js';
import { createNotificationSettings } from './settings.js';

export { createMailCatcher, type CaughtMail, type MailCatcher } from './mail-catcher.js';
export { createSmtpMailer, type Mailer } from './mailer.js';
export { verifySignature, signatureHeader, SIGNATURE_HEADER } from './signature.js';
export { startNotifyJobs, type NotifyJobs } from './jobs.js';
export { OPERATORS_SCOPE, type NotificationSettings, type WebhookEndpoint } from './settings.js';
export type { Delivery, RunResult } from './delivery.js';
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
  fetch: typeof fetch;
  operatorEmails?: readonly string[];
  requireHttps?: boolean;
  sandboxAddress?: (username: string) => string;
  userAgent?: string;
  delivery?: Pick<DeliveryDeps, 'retryWindowMs' | 'baseDelayMs' | 'maxDelayMs' | 'timeoutMs' | 'gapGraceMs'>;
}) {
  const settings = createNotificationSettings({
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
    fetch: deps.fetch,
    ...(deps.userAgent ? { userAgent: deps.userAgent } : {}),
    ...deps.delivery,
  });
  const banners = createBanners({ db: deps.store.db, clock: deps.clock });
  return { settings, deliveries, banners, emailEnabled: deps.mailer !== null };
}

export type Notify = ReturnType<typeof createNotify>;
