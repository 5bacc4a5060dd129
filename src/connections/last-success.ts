import type { Kysely } from 'kysely';
import type { Clock } from '../kernel/clock.js';
import type { Database } from '../store/schema.js';

/**
 * Records "last successful call to Amazon" for connections, at most once a minute per connection
 * per process, so a busy connection does not turn every SP-API call into a database write.
 */
export function createSuccessRecorder(
  db: Kysely<Database>,
  clock: Clock,
  logger: { warn(o: object, m?: string): void },
) {
  const lastWritten = new Map<string, number>();
  return (connectionId: string): void => {
    const now = clock.now();
    if (now - (lastWritten.get(connectionId) ?? 0) < 60_000) return;
    lastWritten.set(connectionId, now);
    db.updateTable('connections')
      .set({ last_success_at: new Date(now), consecutive_failures: 0 })
      .where('id', '=', connectionId)
      .execute()
      .catch((err: unknown) =>
        logger.warn({ err: (err as Error).message, connectionId }, 'could not record a successful call'),
      );
  };
}
