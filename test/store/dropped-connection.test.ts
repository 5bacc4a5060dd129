import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/database.js';
import { openTestStore, postgresAvailable } from '../support/databases.js';

/**
 * "a process crashed on an unhandled `error` event when PostgreSQL terminated
 * its connection". The connection a lock holder keeps across Amazon calls had no `error` listener,
 * so a server restart (57P01, admin shutdown) exited the worker. Now the work in hand fails as an
 * error and the process goes on with new connections.
 */
describe.skipIf(!postgresAvailable)('a dropped PostgreSQL connection [postgres]', () => {
  let store: Store;
  let close: () => Promise<void>;
  beforeAll(async () => ({ store, close } = await openTestStore('postgres')));
  afterAll(() => close());

  it('fails the lock holder’s work, never the process, and the store keeps working', async () => {
    const held = store.withLock('dropped-connection-test', async (conn) => {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(conn);
      // Another connection ends this one, as a server restart or a failover would.
      await sql`select pg_terminate_backend(${rows[0]!.pid})`.execute(store.db);
      // The server's notice arrives while the connection is checked out and idle (an Amazon call).
      await new Promise((resolve) => setTimeout(resolve, 300));
      return sql`select 1 as one`.execute(conn);
    });
    await expect(held).rejects.toThrow();
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(store.db);
    expect(rows).toEqual([{ one: 1 }]);
    // The lock went with the connection: it can be taken again at once.
    const again = await store.tryLock('dropped-connection-test', () => Promise.resolve('mine'));
    expect(again).toEqual({ acquired: true, value: 'mine' });
  });

  it('a job-system statement cut off by a dropped connection is tried again, not thrown at pg-boss', async () => {
    const marker = `sellerlink-retry-${Date.now()}`;
    const running = store.sql.executeSql(`select pg_sleep(0.8), '${marker}' as marker`);
    // End that statement's session while it runs (as a server restart would).
    let ended = 0;
    for (let i = 0; i < 40 && ended === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const { rows } = await sql<{ n: number }>`
        select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
        where query like ${`%${marker}%`} and pid <> pg_backend_pid()`.execute(store.db);
      ended = rows[0]!.n;
    }
    expect(ended).toBe(1);
    await expect(running).resolves.toEqual({ rows: [{ pg_sleep: '', marker }] });
  });
});
