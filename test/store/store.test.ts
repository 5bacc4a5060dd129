import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/store/migrate.js';
import { openStore, PGLITE_SHARED_BUFFERS, type Store } from '../../src/store/database.js';
import { describeEachDatabase, openTestStore } from '../support/databases.js';

describeEachDatabase('store', (kind) => {
  let store: Store;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ store, close } = await openTestStore(kind));
  });
  afterAll(async () => close());

  it('has every migration applied, and running them again changes nothing', async () => {
    const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
      store.db,
    );
    expect(applied.rows.map((r) => r.name)).toContain('0001_foundation');
    const again = await migrateToLatest(store.db as never);
    expect(again).toEqual([]);
  });

  it.runIf(kind === 'pglite')('runs the embedded database with its small shared buffers', async () => {
    // PGlite's default (128 MB) costs about 0.4 s more CPU on every open (src/store/database.ts).
    const shown = await sql<{ shared_buffers: string }>`show shared_buffers`.execute(store.db);
    expect(shown.rows[0]!.shared_buffers).toBe(PGLITE_SHARED_BUFFERS);
  });

  it('round-trips rows with timestamps as Date objects', async () => {
    const row = await store.db
      .insertInto('probe')
      .values({ label: `${kind}-a` })
      .returningAll()
      .executeTakeFirstOrThrow();
    expect(row.id).toBeTypeOf('number');
    expect(row.created_at).toBeInstanceOf(Date);
    const read = await store.db
      .selectFrom('probe')
      .selectAll()
      .where('id', '=', row.id)
      .executeTakeFirstOrThrow();
    expect(read).toEqual(row);
  });

  it('reports a unique violation and keeps the first row', async () => {
    await store.db
      .insertInto('probe')
      .values({ label: `${kind}-dup` })
      .execute();
    await expect(
      store.db
        .insertInto('probe')
        .values({ label: `${kind}-dup` })
        .execute(),
    ).rejects.toMatchObject({
      code: '23505',
    });
    const rows = await store.db.selectFrom('probe').select('id').where('label', '=', `${kind}-dup`).execute();
    expect(rows).toHaveLength(1);
  });

  it('rolls back a failed transaction entirely', async () => {
    await expect(
      store.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('probe')
          .values({ label: `${kind}-tx-1` })
          .execute();
        await trx
          .insertInto('probe')
          .values({ label: `${kind}-tx-1` })
          .execute(); // violates unique
      }),
    ).rejects.toBeDefined();
    const rows = await store.db
      .selectFrom('probe')
      .select('id')
      .where('label', 'like', `${kind}-tx-%`)
      .execute();
    expect(rows).toHaveLength(0);
  });

  it('keeps raw pg-boss SQL out of a concurrent Kysely transaction', async () => {
    let releaseTx!: () => void;
    const txHolding = new Promise<void>((resolve) => (releaseTx = resolve));
    const tx = store.db
      .transaction()
      .execute(async (trx) => {
        await trx
          .insertInto('probe')
          .values({ label: `${kind}-inside` })
          .execute();
        await txHolding;
        throw new Error('roll back on purpose');
      })
      .catch((e: unknown) => e);
    // Issued while the transaction is open; must not become part of it.
    const outside = store.sql.executeSql(`insert into probe (label) values ($1)`, [`${kind}-outside`]);
    await new Promise((r) => setTimeout(r, 50));
    releaseTx();
    expect(await tx).toBeInstanceOf(Error);
    await outside;
    const labels = (
      await store.db
        .selectFrom('probe')
        .select('label')
        .where('label', 'in', [`${kind}-inside`, `${kind}-outside`])
        .execute()
    ).map((r) => r.label);
    expect(labels).toEqual([`${kind}-outside`]);
  });

  it('runs multi-statement scripts without parameters (pg-boss migrations)', async () => {
    await store.sql.executeSql(
      `create table multi_a (x int); create table multi_b (y int); insert into multi_a values (7);`,
    );
    const { rows } = await store.sql.executeSql(`select x from multi_a`);
    expect(rows).toEqual([{ x: 7 }]);
  });
});

it('refuses an unreachable PostgreSQL with a clear error that hides the password', async () => {
  const err = await openStore({ kind: 'postgres', url: 'postgresql://u:hunter2@127.0.0.1:1/db' }).catch(
    (e: unknown) => e,
  );
  expect(err).toMatchObject({ code: 'STORE_OPEN_FAILED' });
  expect(String((err as Error).message)).not.toContain('hunter2');
  expect(String((err as Error).message)).toContain('***');
});

describeEachDatabase('store locks', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await openTestStore(kind));
  });
  afterAll(async () => close());

  it('runs holders of the same key one at a time and different keys side by side', async () => {
    const events: string[] = [];
    const hold = (key: string, name: string, ms: number) =>
      store.withLock(key, async (db) => {
        events.push(`${name}:in`);
        await sql`select 1`.execute(db);
        await new Promise((r) => setTimeout(r, ms));
        events.push(`${name}:out`);
      });
    await Promise.all([hold('a', 'a1', 80), hold('a', 'a2', 10), hold('b', 'b1', 10)]);
    const a1in = events.indexOf('a1:in');
    const a1out = events.indexOf('a1:out');
    const a2in = events.indexOf('a2:in');
    expect(a2in).toBeGreaterThan(a1out);
    expect(events.indexOf('b1:out')).toBeLessThan(a1out);
    expect(a1in).toBeGreaterThanOrEqual(0);
  });

  it('releases the lock when the holder throws', async () => {
    await expect(store.withLock('c', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(store.withLock('c', () => Promise.resolve('free'))).resolves.toBe('free');
  });
});
