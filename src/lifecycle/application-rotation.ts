import { recordEvent } from '../events/events.js';
import { toApplication, type ApplicationsDeps } from './application-model.js';

/**
 * The automatic client-secret rotation's state on the application: requested (the new secret is
 * awaited from Amazon's notification), failed (retried later), and the alert when operators must act.
 * @see https://developer-docs.amazon.com/sp-api/docs/rotate-your-application-client-secret
 */

/**
 * A rotation is about to be asked of Amazon: the new secret is then awaited (notification).
 * With `onlyIf`, claims it only when no other process has (state as read, and no request newer
 * than `staleBefore`): false when someone else is already rotating.
 */
export async function markRotationRequested(
  deps: ApplicationsDeps,
  id: string,
  onlyIf?: { staleBefore: Date },
): Promise<boolean> {
  let q = deps.db
    .updateTable('applications')
    .set({
      rotation_state: 'requested',
      rotation_requested_at: new Date(deps.clock.now()),
      rotation_last_error: null,
    })
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
}

/**
 * A rotation attempt failed (or its secret never arrived): retried at `nextAt`. When `hopeless`
 * says the operators must step in (given the attempts so far), `application.rotation_failed` is
 * recorded in the same transaction, once per secret. Returns the attempts so far.
 */
export async function recordRotationFailure(
  deps: ApplicationsDeps,
  id: string,
  failure: { code: string; message: string; nextAt: Date },
  hopeless: (attempts: number) => boolean,
): Promise<number> {
  return deps.db.transaction().execute(async (trx) => {
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
        at: new Date(deps.clock.now()),
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
}
