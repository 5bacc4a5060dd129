import type { Kysely } from 'kysely';
import type { LwaCredentials } from '../amazon/operations.js';
import { ConnectionsError } from '../connections/errors.js';
import { isUuid } from '../kernel/input.js';
import type { Secret } from '../kernel/secret.js';
import type { AmazonApi, Database } from '../store/schema.js';
import { recoverApplication, rejectApplication } from './application-incidents.js';
import {
  toApplication,
  type Application,
  type ApplicationsDeps,
  type NewApplication,
  type SecretReplacement,
} from './application-model.js';
import { upsertApplication } from './application-registration.js';
import { markRotationRequested, recordRotationFailure } from './application-rotation.js';
import {
  applicationCredentials,
  dropExpiredPreviousSecrets,
  hasRotatedClientSecret,
  isCurrentClientSecret,
  previousApplicationCredentials,
  replaceClientSecret,
  resealClientSecrets,
} from './application-secrets.js';

export {
  applicationState,
  CLIENT_SECRET_LIFETIME_MS,
  type Application,
  type ApplicationsDeps,
  type ApplicationState,
  type NewApplication,
  type SecretReplacement,
} from './application-model.js';

/** The application with this internal id or Amazon app id (read through `q`). */
export async function getApplication(q: Kysely<Database>, idOrAppId: string): Promise<Application> {
  const row = await q
    .selectFrom('applications')
    .selectAll()
    .where(isUuid(idOrAppId) ? 'id' : 'app_id', '=', idOrAppId)
    .executeTakeFirst();
  if (!row) throw new ConnectionsError('APPLICATION_NOT_FOUND', `no application '${idOrAppId}'`);
  return toApplication(row);
}

/** The applications of one API (default SP-API), or of both (`all`), oldest first. */
export async function listApplications(
  db: Kysely<Database>,
  api: AmazonApi | 'all' = 'sp_api',
): Promise<Application[]> {
  let q = db.selectFrom('applications').selectAll();
  if (api !== 'all') q = q.where('api', '=', api);
  return (await q.orderBy('created_at').execute()).map(toApplication);
}

/**
 * The vendor's applications: registration, sealed client secrets, and the application lifecycle
 * (credentials valid → secret expiring → rotating → valid again, or rejected → recovered). The one
 * writer of the `applications` table; each transition records its events in the same transaction.
 * The steps live in application-registration.ts, application-secrets.ts, application-rotation.ts
 * and application-incidents.ts.
 */
export function createApplications(deps: ApplicationsDeps) {
  const { db } = deps;
  const at = (): Date => new Date(deps.clock.now());
  return {
    /** Registers an app, or updates the one with the same app id (secret replaced). */
    upsert: (input: NewApplication): Promise<Application> => upsertApplication(deps, input),

    /** The SP-API applications (or those of `api`, or `all`), oldest first. */
    list: (api?: AmazonApi | 'all'): Promise<Application[]> => listApplications(db, api),

    /** The application with this internal id or Amazon app id. */
    get: (idOrAppId: string, q: Kysely<Database> = db): Promise<Application> => getApplication(q, idOrAppId),

    /** The app's LWA credentials, secret opened from the vault (only for calls to LWA). */
    credentials: (id: string): Promise<LwaCredentials> => applicationCredentials(deps, id),

    /** Makes a verified new client secret the current one; see `replaceClientSecret`. */
    replaceSecret: (id: string, next: SecretReplacement, q: Kysely<Database> = db): Promise<Application> =>
      replaceClientSecret(deps, id, next, q),

    /** Whether `secret` is the app's current client secret (e.g. a notification delivered twice). */
    isCurrentSecret: (id: string, secret: Secret): Promise<boolean> =>
      isCurrentClientSecret(deps, id, secret),

    /** Whether the app's current secret came from a rotation (replaceSecret) rather than registration. */
    hasRotatedSecret: (id: string): Promise<boolean> => hasRotatedClientSecret(deps, id),

    /** The rotated-out credentials while Amazon still accepts them; null otherwise. */
    previousCredentials: (id: string): Promise<LwaCredentials | null> =>
      previousApplicationCredentials(deps, id),

    /** Deletes rotated-out secrets past their expiry; returns how many were dropped. */
    dropExpiredPreviousSecrets: (): Promise<number> => dropExpiredPreviousSecrets(deps),

    /**
     * Amazon refused the app's client credentials (invalid_client): the app is rejected and every
     * seller connected through it is cut off. The first report of an incident records
     * `application.rejected` for the operators (with the likely cause) and for each affected account,
     * in the same transaction; later reports of the same incident change nothing. Returns whether
     * this started a new incident.
     */
    reject: (id: string, amazonMessage: string | null = null): Promise<boolean> =>
      db.transaction().execute((trx) => rejectApplication(trx, id, amazonMessage, at())),

    /** Amazon accepts the app's credentials again: ends the incident (`application.recovered` for everyone told). */
    recover: (id: string, how: string): Promise<boolean> =>
      db.transaction().execute((trx) => recoverApplication(trx, id, how, at())),

    /** A rotation is about to be asked of Amazon; see `markRotationRequested`. */
    rotationRequested: (id: string, onlyIf?: { staleBefore: Date }): Promise<boolean> =>
      markRotationRequested(deps, id, onlyIf),

    /** A rotation attempt failed; see `recordRotationFailure`. Returns the attempts so far. */
    rotationFailed: (
      id: string,
      failure: { code: string; message: string; nextAt: Date },
      hopeless: (attempts: number) => boolean,
    ): Promise<number> => recordRotationFailure(deps, id, failure, hopeless),

    /** Re-seals every client secret with the vault's current key; returns how many moved. */
    resealAll: (): Promise<number> => resealClientSecrets(deps),
  };
}

export type Applications = ReturnType<typeof createApplications>;
