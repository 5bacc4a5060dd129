import type { Kysely } from 'kysely';
import type { LwaCredentials } from '../amazon/operations.js';
import { ConnectionsError } from '../connections/errors.js';
import { recordEvent } from '../events/events.js';
import type { Secret } from '../kernel/secret.js';
import type { Database } from '../store/schema.js';
import { recoverApplication } from './application-incidents.js';
import {
  previousSecretContext,
  secretContext,
  toApplication,
  type Application,
  type ApplicationsDeps,
  type SecretReplacement,
} from './application-model.js';

/**
 * An application's LWA client secrets: the current one (opened only for calls to LWA), its
 * replacement by a rotation, the rotated-out one kept during Amazon's grace period, and re-sealing
 * under the vault's newest key.
 * @see https://developer-docs.amazon.com/sp-api/docs/rotate-your-application-client-secret
 */

/** The app's current client secret, opened from the vault (read through `q`). */
async function openCurrentSecret(deps: ApplicationsDeps, q: Kysely<Database>, id: string): Promise<Secret> {
  const row = await q
    .selectFrom('applications')
    .select(['client_secret_key_id', 'client_secret_blob'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new ConnectionsError('APPLICATION_NOT_FOUND', `no application '${id}'`);
  return deps.vault.open(
    { keyId: row.client_secret_key_id, blob: row.client_secret_blob },
    secretContext(id),
  );
}

/** The app's LWA credentials, secret opened from the vault (only for calls to LWA). */
export async function applicationCredentials(deps: ApplicationsDeps, id: string): Promise<LwaCredentials> {
  const row = await deps.db
    .selectFrom('applications')
    .select(['lwa_client_id', 'client_secret_key_id', 'client_secret_blob'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new ConnectionsError('APPLICATION_NOT_FOUND', `no application '${id}'`);
  return {
    clientId: row.lwa_client_id,
    clientSecret: deps.vault.open(
      { keyId: row.client_secret_key_id, blob: row.client_secret_blob },
      secretContext(id),
    ),
  };
}

/** The rotated-out credentials while Amazon still accepts them; null otherwise. */
export async function previousApplicationCredentials(
  deps: ApplicationsDeps,
  id: string,
): Promise<LwaCredentials | null> {
  const row = await deps.db
    .selectFrom('applications')
    .select(['lwa_client_id', 'previous_secret_key_id', 'previous_secret_blob', 'previous_secret_expires_at'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row?.previous_secret_key_id || !row.previous_secret_blob) return null;
  if (row.previous_secret_expires_at && row.previous_secret_expires_at.getTime() <= deps.clock.now()) {
    return null;
  }
  return {
    clientId: row.lwa_client_id,
    clientSecret: deps.vault.open(
      { keyId: row.previous_secret_key_id, blob: row.previous_secret_blob },
      previousSecretContext(id),
    ),
  };
}

/**
 * Makes a new (verified) client secret from Amazon the current one, at once; the replaced secret
 * is kept sealed (as the previous secret) until `previousExpiresAt`. Ends a rejection (recording
 * `application.recovered`) and the rotation. Pass the transaction that records the rotation event as `q`.
 */
export async function replaceClientSecret(
  deps: ApplicationsDeps,
  id: string,
  next: SecretReplacement,
  q: Kysely<Database>,
): Promise<Application> {
  const previous = deps.vault.seal(await openCurrentSecret(deps, q, id), previousSecretContext(id));
  const sealed = deps.vault.seal(next.secret, secretContext(id));
  const updated = await q
    .updateTable('applications')
    .set({
      client_secret_key_id: sealed.keyId,
      client_secret_blob: sealed.blob,
      client_secret_issued_at: next.issuedAt,
      client_secret_expires_at: next.expiresAt,
      previous_secret_key_id: previous.keyId,
      previous_secret_blob: previous.blob,
      previous_secret_expires_at: next.previousExpiresAt,
      rotation_state: 'idle',
      rotation_requested_at: null,
      rotation_attempts: 0,
      rotation_next_at: null,
      rotation_last_error: null,
      updated_at: new Date(deps.clock.now()),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordEvent(q, {
    type: 'application.secret_rotated',
    at: new Date(deps.clock.now()),
    applicationId: id,
    payload: {
      appId: updated.app_id,
      name: updated.name,
      clientId: updated.lwa_client_id,
      issuedAt: next.issuedAt.toISOString(),
      expiresAt: next.expiresAt.toISOString(),
      previousExpiresAt: next.previousExpiresAt.toISOString(),
      source: next.source,
    },
    dedupeKey: `application.secret_rotated:${id}:${next.notificationId ?? next.issuedAt.toISOString()}`,
  });
  const how = 'a new client secret was verified and put in use';
  if (await recoverApplication(q, id, how, new Date(deps.clock.now()))) {
    return toApplication(
      await q.selectFrom('applications').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
    );
  }
  return toApplication(updated);
}

/** Whether `secret` is the app's current client secret (e.g. a notification delivered twice). */
export async function isCurrentClientSecret(
  deps: ApplicationsDeps,
  id: string,
  secret: Secret,
): Promise<boolean> {
  return (await openCurrentSecret(deps, deps.db, id)).reveal() === secret.reveal();
}

/** Whether the app's current secret came from a rotation (replaceSecret) rather than registration. */
export async function hasRotatedClientSecret(deps: ApplicationsDeps, id: string): Promise<boolean> {
  const row = await deps.db
    .selectFrom('applications')
    .select('client_secret_expires_at')
    .where('id', '=', id)
    .executeTakeFirst();
  return Boolean(row?.client_secret_expires_at);
}

/** Deletes rotated-out secrets past their expiry; returns how many were dropped. */
export async function dropExpiredPreviousSecrets(deps: ApplicationsDeps): Promise<number> {
  const rows = await deps.db
    .updateTable('applications')
    .set({ previous_secret_key_id: null, previous_secret_blob: null, previous_secret_expires_at: null })
    .where('previous_secret_blob', 'is not', null)
    .where('previous_secret_expires_at', '<=', new Date(deps.clock.now()))
    .returning('id')
    .execute();
  return rows.length;
}

/** Re-seals every client secret, and every rotated-out one still kept, with the vault's current key; returns how many moved. */
export async function resealClientSecrets(deps: ApplicationsDeps): Promise<number> {
  const { db, vault } = deps;
  let moved = 0;
  const rows = await db
    .selectFrom('applications')
    .select(['id', 'client_secret_key_id', 'client_secret_blob'])
    .execute();
  for (const r of rows) {
    const sealed = { keyId: r.client_secret_key_id, blob: r.client_secret_blob };
    if (!vault.needsReseal(sealed)) continue;
    const next = vault.reseal(sealed, secretContext(r.id));
    await db
      .updateTable('applications')
      .set({ client_secret_key_id: next.keyId, client_secret_blob: next.blob })
      .where('id', '=', r.id)
      .execute();
    moved++;
  }
  // Rotated-out secrets still inside their grace period move too.
  const previous = await db
    .selectFrom('applications')
    .select(['id', 'previous_secret_key_id', 'previous_secret_blob'])
    .where('previous_secret_blob', 'is not', null)
    .execute();
  for (const r of previous) {
    if (!r.previous_secret_key_id || !r.previous_secret_blob) continue;
    const sealed = { keyId: r.previous_secret_key_id, blob: r.previous_secret_blob };
    if (!vault.needsReseal(sealed)) continue;
    const next = vault.reseal(sealed, previousSecretContext(r.id));
    await db
      .updateTable('applications')
      .set({ previous_secret_key_id: next.keyId, previous_secret_blob: next.blob })
      .where('id', '=', r.id)
      .execute();
    moved++;
  }
  return moved;
}
