import type { Accounts } from '../accounts/service.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../kernel/log.js';
import { randomString, type Random } from '../kernel/random.js';
import { Secret } from '../kernel/secret.js';
import type { Applications } from '../lifecycle/applications.js';
import {
  registerConfiguredAdsApplication,
  registerConfiguredApplication,
} from '../lifecycle/configured-application.js';
import { AMAZON_NOTIFICATIONS_PATH } from '../web/routes/amazon-notifications.js';
import type { Role, ServiceSetUp } from './types.js';
import { ensureDemoLogin, registerSandboxApplications, type Sandbox } from './sandbox.js';

/**
 * At the start of a service process (not for operator commands or use-case callers): the configured
 * application is registered; in sandbox mode the simulator's demo apps and the demo login too, and
 * the simulator delivers APPLICATION_OAUTH_CLIENT_NEW_SECRET to our endpoint with a secret made for
 * this start unless one is configured.
 */
export async function setUpService(deps: {
  config: Readonly<Config>;
  role: Role;
  logger: Logger;
  random: Random;
  sandbox: Sandbox | null;
  accounts: Accounts;
  applications: Applications;
}): Promise<ServiceSetUp> {
  const { config, sandbox } = deps;
  const notificationSecret =
    config.notificationSecret ?? (sandbox ? new Secret(randomString(deps.random, 32)) : null);
  if (deps.role === 'cli' || deps.role === 'use-cases') return { demoLogin: null, notificationSecret };
  if (sandbox && notificationSecret) {
    sandbox.setNotificationDestination(
      `${config.publicUrl}${AMAZON_NOTIFICATIONS_PATH}?secret=${encodeURIComponent(notificationSecret.reveal())}`,
    );
  }
  if (config.application) {
    await registerConfiguredApplication({
      applications: deps.applications,
      application: config.application,
      publicUrl: config.publicUrl,
      logger: deps.logger,
    });
  }
  if (config.adsApplication) {
    await registerConfiguredAdsApplication({
      applications: deps.applications,
      application: config.adsApplication,
      publicUrl: config.publicUrl,
    });
  }
  if (config.mode !== 'sandbox') return { demoLogin: null, notificationSecret };
  await registerSandboxApplications(deps.applications, config);
  return { demoLogin: await ensureDemoLogin(deps.accounts, config, deps.random), notificationSecret };
}
