import type { Kysely, Selectable } from 'kysely';
import type { ApplicationsTable, Database } from '../store/schema.js';
import type { Sealed } from '../vault/envelope.js';
import { recoverApplication } from './application-incidents.js';
import {
  secretContext,
  toApplication,
  validate,
  type Application,
  type ApplicationsDeps,
  type NewApplication,
} from './application-model.js';

/** Registering an application, or updating the one with the same Amazon app id. */

/** The registered application with this app id: what an update must know about its current secret. */
type Registered = Pick<
  Selectable<ApplicationsTable>,
  | 'id'
  | 'client_secret_key_id'
  | 'client_secret_blob'
  | 'client_secret_issued_at'
  | 'client_secret_expires_at'
>;

/** Registers an app, or updates the one with the same app id (secret replaced). */
export async function upsertApplication(deps: ApplicationsDeps, input: NewApplication): Promise<Application> {
  // Lost an insert race: the second attempt finds the row and updates it.
  const app = (await upsertOnce(deps, input)) ?? (await upsertOnce(deps, input));
  if (!app) throw new Error(`could not register application ${input.appId}`);
  return app;
}

/** One attempt of `upsertApplication`; undefined when another process inserted the same app id meanwhile. */
async function upsertOnce(deps: ApplicationsDeps, input: NewApplication): Promise<Application | undefined> {
  validate(input);
  const existing = await deps.db
    .selectFrom('applications')
    .select([
      'id',
      'client_secret_key_id',
      'client_secret_blob',
      'client_secret_issued_at',
      'client_secret_expires_at',
    ])
    .where('app_id', '=', input.appId)
    .executeTakeFirst();
  const id = existing?.id ?? deps.newId();
  const sealed = deps.vault.seal(input.clientSecret, secretContext(id));
  const sameSecret = existing ? keepsSecret(deps, existing, input) : false;
  const values = registrationValues(deps, input, sealed, sameSecret ? existing : undefined);
  const row = await deps.db.transaction().execute(async (trx) => {
    // A new secret from the operator ends a rejection (if Amazon refuses it too, the next call
    // starts a new incident).
    if (existing && !sameSecret)
      await recoverApplication(trx, id, 'a new client secret was registered', new Date(deps.clock.now()));
    return existing
      ? await trx
          .updateTable('applications')
          .set(values)
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow()
      : await insertApplication(trx, id, values);
  });
  return row ? toApplication(row) : undefined;
}

/** Inserts a new application; undefined when another process inserted the same app id first. */
function insertApplication(trx: Kysely<Database>, id: string, values: ReturnType<typeof registrationValues>) {
  return (
    trx
      .insertInto('applications')
      .values({ id, ...values })
      // Processes starting together register the configured app at once: one inserts.
      .onConflict((oc) => oc.column('app_id').doNothing())
      .returningAll()
      .executeTakeFirst()
  );
}

/**
 * Whether the registration brings the same secret again (e.g. from configuration at every start):
 * then the secret keeps its issue and expiry dates. An explicit issue date always replaces them.
 */
function keepsSecret(deps: ApplicationsDeps, existing: Registered, input: NewApplication): boolean {
  if (input.clientSecretIssuedAt !== undefined) return false;
  try {
    const current = deps.vault.open(
      { keyId: existing.client_secret_key_id, blob: existing.client_secret_blob },
      secretContext(existing.id),
    );
    return current.reveal() === input.clientSecret.reveal();
  } catch {
    return false;
  }
}

/** The row values of a registration; `kept` is the registered app when its secret is the same one again. */
function registrationValues(
  deps: ApplicationsDeps,
  input: NewApplication,
  sealed: Sealed,
  kept: Registered | undefined,
) {
  return {
    api: input.api ?? 'sp_api',
    name: input.name.trim(),
    app_id: input.appId,
    lwa_client_id: input.clientId,
    client_secret_key_id: sealed.keyId,
    client_secret_blob: sealed.blob,
    client_secret_issued_at:
      input.clientSecretIssuedAt ?? (kept ? kept.client_secret_issued_at : new Date(deps.clock.now())),
    client_secret_expires_at: kept ? kept.client_secret_expires_at : null,
    status: input.status,
    kind: input.kind ?? 'public',
    redirect_uri: input.redirectUri,
    login_uri: input.loginUri ?? null,
    authorization_lifetime_days: input.authorizationLifetimeDays ?? null,
    updated_at: new Date(deps.clock.now()),
  };
}
