import type { Kysely, Selectable } from 'kysely';
import { ConnectionsError } from '../connections/errors.js';
import type { Clock } from '../kernel/clock.js';
import type { Secret } from '../kernel/secret.js';
import type { AmazonApi, ApplicationsTable, Database, RotationState } from '../store/schema.js';
import type { Vault } from '../vault/envelope.js';

/** The application as the service sees it, its derived state, and the checks on registration. */

/** What the application use cases are given. */
export interface ApplicationsDeps {
  db: Kysely<Database>;
  vault: Vault;
  clock: Clock;
  newId: () => string;
}

/** The vendor's SP-API application or Ads API security profile, without its secret. */
export interface Application {
  id: string;
  /** `sp_api`: an SP-API app; `ads`: an LWA security profile approved for the Ads API (app id = client id). */
  api: AmazonApi;
  name: string;
  appId: string;
  clientId: string;
  status: 'draft' | 'published';
  kind: 'public' | 'private';
  redirectUri: string;
  loginUri: string | null;
  /** Days an authorization lasts; null: 365 for public apps, never for private (self-authorized) ones. */
  authorizationLifetimeDays: number | null;
  clientSecretIssuedAt: Date;
  /** When the current client secret stops working: Amazon's word, or issued + 180 days (https://developer-docs.amazon.com/sp-api/docs/rotate-your-application-client-secret). */
  clientSecretExpiresAt: Date;
  /** The rotated-out secret is kept (sealed) until this time; null when there is none. */
  previousSecretExpiresAt: Date | null;
  /** When Amazon started refusing the app's credentials (the current incident); null: accepted. */
  flaggedAt: Date | null;
  flaggedReason: string | null;
  /** Automatic client-secret rotation: idle, requested (waiting for the new secret), or failed (retried at `rotationNextAt`). */
  rotation: {
    state: RotationState;
    requestedAt: Date | null;
    attempts: number;
    nextAt: Date | null;
    lastError: string | null;
  };
}

/** Where an application's credentials stand, derived from its row and the time. */
export type ApplicationState = 'valid' | 'secret_expiring' | 'rotating' | 'rejected';

/** The application's lifecycle state: rejected beats rotating beats expiring. */
export function applicationState(app: Application, now: number, expiringDays = 30): ApplicationState {
  if (app.flaggedAt) return 'rejected';
  if (app.rotation.state === 'requested') return 'rotating';
  if (app.clientSecretExpiresAt.getTime() - now <= expiringDays * 86_400_000) return 'secret_expiring';
  return 'valid';
}

/** Amazon expires an LWA client secret 180 days after it was issued (https://developer-docs.amazon.com/sp-api/docs/rotate-your-application-client-secret). */
export const CLIENT_SECRET_LIFETIME_MS = 180 * 86_400_000;

/** A new client secret from Amazon (APPLICATION_OAUTH_CLIENT_NEW_SECRET), to replace the current one. */
export interface SecretReplacement {
  secret: Secret;
  issuedAt: Date;
  expiresAt: Date;
  /** Until when the replaced secret keeps working (Amazon: 7 days after the rotation). */
  previousExpiresAt: Date;
  /** Where it came from (notification, endpoint, cli): recorded on the event. */
  source: string;
  /** Amazon's notification id, so a redelivered message records nothing twice. */
  notificationId?: string;
}

export interface NewApplication {
  /** Default `sp_api`. An Ads security profile has no app id of its own: give its client id. */
  api?: AmazonApi;
  name: string;
  appId: string;
  clientId: string;
  clientSecret: Secret;
  status: 'draft' | 'published';
  kind?: 'public' | 'private';
  redirectUri: string;
  loginUri?: string | null;
  authorizationLifetimeDays?: number | null;
  clientSecretIssuedAt?: Date;
}

export const secretContext = (id: string): string => `application:${id}:client_secret`;
export const previousSecretContext = (id: string): string => `application:${id}:previous_client_secret`;

export function toApplication(r: Selectable<ApplicationsTable>): Application {
  return {
    id: r.id,
    api: r.api,
    name: r.name,
    appId: r.app_id,
    clientId: r.lwa_client_id,
    status: r.status,
    kind: r.kind,
    redirectUri: r.redirect_uri,
    loginUri: r.login_uri,
    authorizationLifetimeDays: r.authorization_lifetime_days,
    clientSecretIssuedAt: r.client_secret_issued_at,
    clientSecretExpiresAt:
      r.client_secret_expires_at ?? new Date(r.client_secret_issued_at.getTime() + CLIENT_SECRET_LIFETIME_MS),
    previousSecretExpiresAt: r.previous_secret_blob ? r.previous_secret_expires_at : null,
    flaggedAt: r.flagged_at,
    flaggedReason: r.flagged_reason,
    rotation: {
      state: r.rotation_state,
      requestedAt: r.rotation_requested_at,
      attempts: r.rotation_attempts,
      nextAt: r.rotation_next_at,
      lastError: r.rotation_last_error,
    },
  };
}

export function validate(input: NewApplication): void {
  const fail = (field: string, message: string): never => {
    throw new ConnectionsError('APPLICATION_INVALID', message, { details: { field } });
  };
  if (!input.name.trim()) fail('name', 'an application needs a name');
  if (input.api === 'ads' && input.appId !== input.clientId) {
    fail('appId', 'an Ads security profile is identified by its LWA client id: give the same value');
  } else if (input.api !== 'ads' && !/^amzn1\.(sp\.solution|sellerapps\.app)\.[\w-]+$/.test(input.appId)) {
    fail('appId', 'the app id looks like amzn1.sp.solution.<uuid> (Developer Console → App ID)');
  }
  if (!/^amzn1\.application-oa2-client\.\w+$/.test(input.clientId)) {
    fail('clientId', 'the LWA client id looks like amzn1.application-oa2-client.<hex>');
  }
  if (!input.clientSecret.reveal().trim()) fail('clientSecret', 'the LWA client secret is empty');
  for (const [field, value] of [
    ['redirectUri', input.redirectUri],
    ['loginUri', input.loginUri],
  ] as const) {
    if (value === undefined || value === null) continue;
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      fail(field, `${field} must be an absolute URL`);
    }
    if (url && url.protocol !== 'https:' && url.hostname !== 'localhost' && url.hostname !== '127.0.0.1') {
      fail(field, `${field} must use https (Amazon requires it), except on localhost`);
    }
  }
  const days = input.authorizationLifetimeDays;
  if (days !== undefined && days !== null && (!Number.isInteger(days) || days < 1 || days > 3650)) {
    fail('authorizationLifetimeDays', 'authorization lifetime must be 1-3650 days, or empty');
  }
}
