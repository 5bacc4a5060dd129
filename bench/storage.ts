import { sql } from 'kysely';
import { execFileSync } from 'node:child_process';
import { openStore, type Store } from '../src/store/database.js';

/**
 * Upserts 5,000 rows in pages of 100 (the shape of an order import) on embedded PGlite and on
 * PostgreSQL, in the same run, and reports rows per second and the ratio. PostgreSQL comes from
 * BENCH_DATABASE_URL, or a throwaway server started with scripts/postgres-for-tests.sh.
 */
const ROWS = 5000;
const PAGE = 100;
const ROUNDS = 3;

async function timeUpserts(store: Store): Promise<number> {
  await sql`create table if not exists bench_rows (id text primary key, body jsonb not null, version int not null)`.execute(
    store.db,
  );
  await sql`truncate bench_rows`.execute(store.db);
  const started = performance.now();
  for (let version = 1; version <= 2; version++) {
    for (let offset = 0; offset < ROWS; offset += PAGE) {
      const values = Array.from({ length: PAGE }, (_, i) => {
        const id = `row-${offset + i}`;
        return sql`(${id}, ${JSON.stringify({ id, version, pad: 'x'.repeat(400) })}::jsonb, ${version})`;
      });
      await sql`insert into bench_rows (id, body, version) values ${sql.join(values)}
        on conflict (id) do update set body = excluded.body, version = excluded.version
        where bench_rows.version < excluded.version`.execute(store.db);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return (ROWS * 2) / seconds;
}

function postgresUrl(): string {
  if (process.env.BENCH_DATABASE_URL) return process.env.BENCH_DATABASE_URL;
  return execFileSync('scripts/postgres-for-tests.sh', ['start', '/tmp/sellerlink-bench-pg', '54349'])
    .toString()
    .trim()
    .split('\n')
    .pop()!;
}

export const bench = {
  description: `upsert ${ROWS} rows twice in pages of ${PAGE}: PGlite vs PostgreSQL, same run`,
  async run() {
    const pglite = await openStore({ kind: 'pglite', dataDir: 'memory://' }, { migrate: false });
    const postgres = await openStore({ kind: 'postgres', url: postgresUrl() }, { migrate: false });
    const results: { pglite: number[]; postgres: number[] } = { pglite: [], postgres: [] };
    try {
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate the order so neither side always runs on a warmer machine.
        const order: ('pglite' | 'postgres')[] =
          round % 2 === 0 ? ['pglite', 'postgres'] : ['postgres', 'pglite'];
        for (const kind of order)
          results[kind].push(await timeUpserts(kind === 'pglite' ? pglite : postgres));
      }
    } finally {
      await sql`drop table if exists bench_rows`.execute(postgres.db);
      await pglite.close();
      await postgres.close();
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const p = median(results.pglite);
    const g = median(results.postgres);
    return {
      summary: `PGlite ${Math.round(p)} rows/s, PostgreSQL ${Math.round(g)} rows/s (median of ${ROUNDS}); PGlite/PostgreSQL = ${(p / g).toFixed(2)}`,
      data: {
        rows: ROWS * 2,
        pageSize: PAGE,
        rounds: ROUNDS,
        rowsPerSecond: results,
        medianPglite: p,
        medianPostgres: g,
        ratio: p / g,
      },
    };
  },
};
