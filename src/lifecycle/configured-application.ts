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

/** Where Amazon sends the browser back after an Ads consent (the security profile's Allowed Return URL). */
export const ADS_CALLBACK_PATH = '/oauth/ads/callback';

/**
 * The Ads API security profile configured by environment (ADS_CLIENT_ID, ADS_CLIENT_SECRET) is
 * registered, or updated, at every start with its secret sealed in the vault.
 * @see https://advertising.amazon.com/API/docs/en-us/guides/onboarding/create-lwa-app
 */
export async function registerConfiguredAdsApplication(deps: {
  applications: Applications;
  application: NonNullable<Config['adsApplication']>;
  publicUrl: string;
}): Promise<void> {
  const { application } = deps;
  await deps.applications.upsert({
    api: 'ads',
    name: application.name,
    appId: application.clientId,
    clientId: application.clientId,
    clientSecret: application.clientSecret,
    status: 'published',
    redirectUri: `${deps.publicUrl}${ADS_CALLBACK_PATH}`,
  });
}
