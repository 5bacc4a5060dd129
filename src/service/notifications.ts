import type { RenewLinkBuilder } from '../notify/content.js';
import type { AmazonStack } from './amazon.js';
import type { Config } from '../config/config.js';
import { systemClock, type Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import { randomUuid, type Random } from '../kernel/random.js';
import { Secret } from '../kernel/secret.js';
import {
  createMailCatcher,
  createNotify,
  createSmtpMailer,
  type MailCatcher,
  type Mailer,
} from '../notify/index.js';
import { mailOwnerFromDeliveries } from '../notify/mail-catcher.js';
import type { Store } from '../store/database.js';
import type { Vault } from '../vault/envelope.js';
import type { Notifications, Role } from './types.js';
import type { Lifetime } from './lifetime.js';
import type { Sandbox } from './sandbox.js';

/**
 * E-mail goes over SMTP_URL; without it, in sandbox mode, to the built-in mail catcher (started by
 * the web process; a sandbox worker sends to the web process's catcher, found through the
 * simulator's control file). Production without SMTP_URL sends no e-mail and says so.
 */
export async function openNotifications(deps: {
  config: Readonly<Config>;
  role: Role;
  logger: Logger;
  clock: Clock;
  random: Random;
  store: Store;
  vault: Vault;
  sandbox: Sandbox | null;
  lifetime: Lifetime;
  amazon: Pick<AmazonStack, 'userAgent'>;
  /** Builds reminders' one-click renew links (src/connect/renew-links.ts). */
  renewLink?: RenewLinkBuilder;
}): Promise<Notifications> {
  const { config, logger, clock, sandbox } = deps;
  const mailCatcher = await openMailCatcher(deps);
  if (
    !mailCatcher &&
    !config.notify.smtpUrl &&
    !sandbox?.mailCatcherUrl &&
    deps.role !== 'cli' &&
    deps.role !== 'use-cases'
  )
    logger.warn({}, 'SMTP_URL is not set: no notification e-mail is sent (webhooks and banners still work)');
  const catcherUrl = config.notify.smtpUrl ? null : (mailCatcher?.url ?? sandbox?.mailCatcherUrl ?? null);
  const smtpUrl = config.notify.smtpUrl ?? (catcherUrl ? new Secret(`${catcherUrl}?ignoreTLS=true`) : null);
  const mailer: Mailer | null = smtpUrl ? createSmtpMailer(smtpUrl) : null;
  if (mailer) deps.lifetime.onClose(() => Promise.resolve(mailer.close()));
  const notify = createNotify({
    store: deps.store,
    vault: deps.vault,
    clock,
    wallClock: systemClock,
    random: deps.random,
    logger,
    newId: () => randomUuid(deps.random),
    mailer,
    mailFrom: config.notify.mailFrom,
    publicUrl: config.publicUrl,
    webhooks: { allowPrivate: config.notify.webhookAllowPrivate },
    operatorEmails: config.notify.operatorEmails,
    requireHttps: config.mode === 'production',
    ...(catcherUrl ? { sandboxAddress: (username: string) => `${username}@sandbox.sellerlink.test` } : {}),
    userAgent: deps.amazon.userAgent,
    ...(deps.renewLink ? { renewLink: deps.renewLink } : {}),
  });
  return { notify, mailCatcher };
}

/** The sandbox web process without SMTP_URL runs the mail catcher and tells workers where it is. */
async function openMailCatcher(deps: Parameters<typeof openNotifications>[0]): Promise<MailCatcher | null> {
  const { config, sandbox, clock } = deps;
  if (!sandbox || config.notify.smtpUrl || deps.role === 'worker') return null;
  const catcher = await createMailCatcher({
    host: config.host,
    port: config.notify.mailCatcherPort,
    now: () => clock.now(),
    // Each account sees only its own mail at /sandbox/mail (operators see all).
    ownerOf: mailOwnerFromDeliveries(deps.store.db),
  });
  deps.lifetime.onClose(() => catcher.stop());
  sandbox.share({ mailCatcherUrl: catcher.url });
  deps.logger.info(
    { url: catcher.url },
    'mail catcher listening (sandbox mode): e-mail is shown at /sandbox/mail',
  );
  return catcher;
}
