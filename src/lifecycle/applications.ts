import type { Kysely } from 'kysely';
import type { LwaCredentials } from '../amazon/lwa.js';
import type { Clock } from '../kernel/clock.js';
import type { Secret } from '../kernel/secret.js';
import { ConnectionsError } from '../connections/errors.js';
import { recordEvent } from '../events/events.js';
import type { Database } from '../store/schema.js';
import type { Vault } from '../vault/envelope.js';
import { recoverApplication, rejectApplication } from './application-incidents.js';
import {
  previousSecretContext,
  secretContext,
  toApplication,
  validate,
  type Application,
  type NewApplication,
  type SecretReplacement,
} from './application-model.js';

export {
  applicationState,
  CLIENT_SECRET_LIFETIME_MS,
  type Application,
  type ApplicationState,
  type NewApplication,
  type SecretReplacement,
} from './application-model.js';

/**
 * The vendor's applications: registration, sealed client secrets, and the application lifecycle
 * (credentials valid → secret expiring → rotating → valid again, or rejected → recovered). The one
 * writer of the `applications` table; each transition records its events in the same transaction.
 */
export function createApplications(deps: {
  db: Kysely<Database>;
  vault: Vault;
  clock: Clock;
  newId: () => string;
}) {
  const { db, vault } = deps;
  const at = (): Date => new Date(deps.clock.now());

  const recoverIn = (q: Kysely<Database>, id: string, how: string): Promise<boolean> =>
    recoverApplication(q, id, how, at());

  /** One attempt of `upsert`; undefined when another process inserted the same app id meanwhile. */
  const upsertOnce = async (input: NewApplication): Promise<Application | undefined> => {
    validate(input);
    const existing = await db
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
    const sealed = vault.seal(input.clientSecret, secretContext(id));
    // The same secret again (e.g. from configuration at every start) keeps its issue and expiry dates.
    let sameSecret = false;
    if (existing && input.clientSecretIssuedAt === undefined) {
      try {
        const current = vault.open(
          { keyId: existing.client_secret_key_id, blob: existing.client_secret_blob },
          secretContext(id),
        );
        sameSecret = current.reveal() === input.clientSecret.reveal();
      } catch {
        sameSecret = false;
      }
    }
    const values = {
      name: input.name.trim(),
      app_id: input.appId,
      lwa_client_id: input.clientId,
      client_secret_key_id: sealed.keyId,
      client_secret_blob: sealed.blob,
      client_secret_issued_at:
        input.clientSecretIssuedAt ??
        (sameSecret && existing ? existing.client_secret_issued_at : new Date(deps.clock.now())),
      client_secret_expires_at: sameSecret && existing ? existing.client_secret_expires_at : null,
      status: input.status,
      kind: input.kind ?? 'public',
      redirect_uri: input.redirectUri,
      login_uri: input.loginUri ?? null,
      authorization_lifetime_days: input.authorizationLifetimeDays ?? null,
      updated_at: new Date(deps.clock.now()),
    };
    const row = await db.transaction().execute(async (trx) => {
      // A new secret from the operator ends a rejection (if Amazon refuses it too, the next call
      // starts a new incident).
      if (existing && !sameSecret) await recoverIn(trx, id, 'a new client secret was registered');
      return existing
        ? await trx
            .updateTable('applications')
            .set(values)
            .where('id', '=', id)
            .returningAll()
            .executeTakeFirstOrThrow()
        : await trx
            .insertInto('applications')
            .values({ id, ...values })
            // Processes starting together register the configured app at once: one inserts.
            .onConflict((oc) => oc.column('app_id').doNothing())
            .returningAll()
            .executeTakeFirst();
    });
    return row ? toApplication(row) : undefined;
  };

  return {
    /** Registers an app, or updates the one with the same app id (secret replaced). */
    async upsert(input: NewApplication): Promise<Application> {
      // Lost an insert race: the second attempt finds the row and updates it.
      const app = (await upsertOnce(input)) ?? (await upsertOnce(input));
      if (!app) throw new Error(`could not register application ${input.appId}`);
      return app;
    },

    /** Every application, oldest first. */
    async list(): Promise<Application[]> {
      return (await db.selectFrom('applications').selectAll().orderBy('created_at').execute()).map(
        toApplication,
      );
    },

    /** The application with this internal id or Amazon app id. */
    async get(idOrAppId: string, q: Kysely<Database> = db): Promise<Application> {
      const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrAppId);
      const row = await q
        .selectFrom('applications')
        .selectAll()
        .where(isUuid ? 'id' : 'app_id', '=', idOrAppId)
        .executeTakeFirst();
      if (!row) throw new ConnectionsError('APPLICATION_NOT_FOUND', `no application '${idOrAppId}'`);
      return toApplication(row);
    },

    /** The app's LWA credentials, secret opened from the vault (only for calls to LWA). */
    async credentials(id: string): Promise<LwaCredentials> {
      const row = await db
        .selectFrom('applications')
        .select(['lwa_client_id', 'client_secret_key_id', 'client_secret_blob'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) throw new ConnectionsError('APPLICATION_NOT_FOUND', `no application '${id}'`);
      return {
        clientId: row.lwa_client_id,
        clientSecret: vault.open(
          { keyId: row.client_secret_key_id, blob: row.client_secret_blob },
          secretContext(id),
        ),
      };
    },

    /**
     * Makes a new (verified) client secret from Amazon the current one, at once; the replaced secret
     * is kept sealed (as the previous secret) until `previousExpiresAt`. Ends a rejection (recording
     * `application.recovered`) and the rotation. Pass the transaction that records the rotation event as `q`.
     */
    async replaceSecret(id: string, next: SecretReplacement, q: Kysely<Database> = db): Promise<Application> {
      const row = await q
        .selectFrom('applications')
        .select(['client_secret_key_id', 'client_secret_blob'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) throw new ConnectionsError('APPLICATION_NOT_FOUND', `no application '${id}'`);
      const old = vault.open(
        { keyId: row.client_secret_key_id, blob: row.client_secret_blob },
        secretContext(id),
      );
      const previous = vault.seal(old, previousSecretContext(id));
      const sealed = vault.seal(next.secret, secretContext(id));
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
        at: at(),
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
      if (await recoverIn(q, id, 'a new client secret was verified and put in use')) {
        return toApplication(
          await q.selectFrom('applications').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
        );
      }
      return toApplication(updated);
    },

    /** Whether `secret` is the app's current client secret (e.g. a notification delivered twice). */
    async isCurrentSecret(id: string, secret: Secret): Promise<boolean> {
      const row = await db
        .selectFrom('applications')
        .select(['client_secret_key_id', 'client_secret_blob'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) throw new ConnectionsError('APPLICATION_NOT_FOUND', `no application '${id}'`);
      const current = vault.open(
        { keyId: row.client_secret_key_id, blob: row.client_secret_blob },
        secretContext(id),
      );
      return current.reveal() === secret.reveal();
    },

    /** Whether the app's current secret came from a rotation (replaceSecret) rather than registration. */
    async hasRotatedSecret(id: string): Promise<boolean> {
      const row = await db
        .selectFrom('applications')
        .select('client_secret_expires_at')
        .where('id', '=', id)
        .executeTakeFirst();
      return Boolean(row?.client_secret_expires_at);
    },

    /** The rotated-out credentials while Amazon still accepts them; null otherwise. */
    async previousCredentials(id: string): Promise<LwaCredentials | null> {
      const row = await db
        .selectFrom('applications')
        .select([
          'lwa_client_id',
          'previous_secret_key_id',
          'previous_secret_blob',
          'previous_secret_expires_at',
        ])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row?.previous_secret_key_id || !row.previous_secret_blob) return null;
      if (row.previous_secret_expires_at && row.previous_secret_expires_at.getTime() <= deps.clock.now()) {
        return null;
      }
      return {
        clientId: row.lwa_client_id,
        clientSecret: vault.open(
          { keyId: row.previous_secret_key_id, blob: row.previous_secret_blob },
          previousSecretContext(id),
        ),
      };
    },

    /** Deletes rotated-out secrets past their expiry; returns how many were dropped. */
    async dropExpiredPreviousSecrets(): Promise<number> {
      const rows = await db
        .updateTable('applications')
        .set({ previous_secret_key_id: null, previous_secret_blob: null, previous_secret_expires_at: null })
        .where('previous_secret_blob', 'is not', null)
        .where('previous_secret_expires_at', '<=', new Date(deps.clock.now()))
        .returning('id')
        .execute();
      return rows.length;
    },

    /**
     * Amazon refused the app's client credentials (invalid_client): the app is rejected and every
     * seller connected through it is cut off. The first report of an incident records
     * `application.rejected` for the operators (with the likely cause) and for each affected account,
     * in the same transaction; later reports of the same incident change nothing. Returns whether
     * this started a new incident.
     */
    async reject(id: string, amazonMessage: string | null = null): Promise<boolean> {
      return db.transaction().execute((trx) => rejectApplication(trx, id, amazonMessage, at()));
    },

    /** Amazon accepts the app's credentials again: ends the incident (`application.recovered` for everyone told). */
    async recover(id: string, how: string): Promise<boolean> {
      return db.transaction().execute((trx) => recoverIn(trx, id, how));
    },

    /**
     * A rotation is about to be asked of Amazon: the new secret is then awaited (notification).
     * With `onlyIf`, claims it only when no other process has (state as read, and no request newer
     * than `staleBefore`): false when someone else is already rotating.
     */
    async rotationRequested(id: string, onlyIf?: { staleBefore: Date }): Promise<boolean> {
      let q = db
        .updateTable('applications')
        .set({ rotation_state: 'requested', rotation_requested_at: at(), rotation_last_error: null })
        .where('id', '=', id);
      if (onlyIf) {
        q = q.where((eb) =>
          eb.or([
            eb('rotation_state', '!=', 'requested'),
            eb('rotation_requested_at', 'is', null),
            eb('rotation_requested_at', '<', onlyIf.staleBefore),
          ]),
        );
      }
      return Boolean(await q.returning('id').executeTakeFirst());
    },

    /**
     * A rotation attempt failed (or its secret never arrived): retried at `nextAt`. When `hopeless`
     * says the operators must step in (given the attempts so far), `application.rotation_failed` is
     * recorded in the same transaction, once per secret. Returns the attempts so far.
     */
    async rotationFailed(
      id: string,
      failure: { code: string; message: string; nextAt: Date },
      hopeless: (attempts: number) => boolean,
    ): Promise<number> {
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .updateTable('applications')
          .set((eb) => ({
            rotation_state: 'failed',
            rotation_attempts: eb('rotation_attempts', '+', 1),
            rotation_next_at: failure.nextAt,
            rotation_last_error: failure.message,
          }))
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst();
        if (!row) return 0;
        if (hopeless(row.rotation_attempts)) {
          const app = toApplication(row);
          await recordEvent(trx, {
            type: 'application.rotation_failed',
            at: at(),
            applicationId: id,
            payload: {
              appId: app.appId,
              name: app.name,
              code: failure.code,
              reason: failure.message,
              attempts: row.rotation_attempts,
              expiresAt: app.clientSecretExpiresAt.toISOString(),
            },
            dedupeKey: `application.rotation_failed:${id}:${app.clientSecretExpiresAt.toISOString()}`,
          });
        }
        return row.rotation_attempts;
      });
    },

    /** Re-seals every client secret with the vault's current key; returns how many moved. */
    async resealAll(): Promise<number> {
      const rows = await db
        .selectFrom('applications')
        .select(['id', 'client_secret_key_id', 'client_secret_blob'])
        .execute();
      let moved = 0;
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
    },
  };
}

export type Applications = ReturnType<typeof createApplications>;
