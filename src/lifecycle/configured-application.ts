import type { Config } from '../config/config.js';
import type { Logger } from '../kernel/log.js';
import type { Applications } from './applications.js';

/**
 * The application configured by environment (AMAZON_APP_ID, AMAZON_CLIENT_ID, …) is registered, or
 * updated, at every start with its secret sealed in the vault. A client secret received through a
 * rotation since wins over the configured one, which it replaced at Amazon: the configured value is
 * then stale, and the operator is told to update it.
 * @see https://developer-docs.amazon.com/sp-api/docs/rotate-your-application-client-secret
 */
export async function registerConfiguredApplication(deps: {
  applications: Applications;
  application: NonNullable<Config['application']>;
  publicUrl: string;
  logger: Logger;
}): Promise<void> {
  const { applications, application, logger } = deps;
  const known = (await applications.list()).find((a) => a.appId === application.appId);
  let clientSecret = application.clientSecret;
  if (known && (await applications.hasRotatedSecret(known.id))) {
    const current = (await applications.credentials(known.id)).clientSecret;
    if (current.reveal() !== clientSecret.reveal()) {
      logger.warn(
        { appId: known.appId },
        'AMAZON_CLIENT_SECRET differs from the rotated client secret in use; keeping the rotated one (update the configuration, or use sellerlink applications add to replace it)',
      );
      clientSecret = current;
    }
  }
  await applications.upsert({
    name: application.name,
    appId: application.appId,
    clientId: application.clientId,
    clientSecret,
    status: application.status,
    redirectUri: `${deps.publicUrl}/oauth/callback`,
    loginUri: `${deps.publicUrl}/oauth/login`,
  });
}
