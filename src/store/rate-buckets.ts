import { sql, type Kysely } from 'kysely';
import type { RateBucketStore } from '../amazon/rate-limiter.js';
import type { Database } from './schema.js';

/**
 * The SP-API rate limiter's buckets in the `rate_buckets` table, one row per key, shared by every
 * process on the database. Each method is one statement, so concurrent takes never lose a token.
 */
export function createRateBucketStore(db: Kysely<Database>): RateBucketStore {
  return {
    async take(key, input) {
      const { now, full, rate, burst, capJitterSeconds } = input;
      const row = await sql<{ tokens: number; rate: number }>`
        insert into rate_buckets as b (key, tokens, updated_ms, rate, burst)
        values (${key}, ${full - 1}, ${now}, ${rate}, ${burst})
        on conflict (key) do update set
          tokens = least(
            greatest(1, b.burst - floor(b.rate * ${capJitterSeconds}::float8)),
            b.tokens + greatest(0, ${now}::float8 - b.updated_ms) / 1000.0 * b.rate
          ) - 1,
          updated_ms = greatest(b.updated_ms, ${now}::float8)
        returning tokens, rate`.execute(db);
      return row.rows[0]!;
    },
    async giveBack(key) {
      await sql`update rate_buckets set tokens = tokens + 1 where key = ${key}`.execute(db);
    },
    async setRate(key, rate) {
      await db
        .updateTable('rate_buckets')
        .set({ rate })
        .where('key', '=', key)
        .where('rate', '!=', rate)
        .execute();
    },
    async empty(key, now) {
      await db
        .updateTable('rate_buckets')
        .set((eb) => ({
          tokens: sql<number>`least(${eb.ref('tokens')}, 0)`,
          updated_ms: sql<number>`greatest(${eb.ref('updated_ms')}, ${now}::float8)`,
        }))
        .where('key', '=', key)
        .execute();
    },
    async read(key) {
      const row = await db
        .selectFrom('rate_buckets')
        .select(['tokens', 'rate'])
        .where('key', '=', key)
        .executeTakeFirst();
      return row ? { tokens: Number(row.tokens), rate: Number(row.rate) } : null;
    },
  };
}
