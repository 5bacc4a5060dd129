import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY } from '../../src/kernel/clock.js';
import { listEvents } from '../../src/events/events.js';
import type { Store } from '../../src/store/database.js';
import { createNotifyWorld } from '../notify/support.js';
import { openTestStore, postgresAvailable } from '../support/databases.js';

/**
 * A transition's event is stored in the transaction of the change: a process SIGKILLed right after
 * the commit (in the after-commit hook, before anything else runs) loses nothing; the event is in
 * the log and its notification is delivered by whoever runs delivery next. Real processes need a
 * real database: PostgreSQL only.
 */
describe.runIf(postgresAvailable || process.env.CI === 'true')(
  'connection transitions survive a kill right after commit [postgres]',
  () => {
    let store: Store;
    let close: () => Promise<void>;
    let url = '';
    let w: Awaited<ReturnType<typeof createNotifyWorld>>;

    beforeAll(async () => {
      const opened = await openTestStore('postgres');
      ({ store, close } = opened);
      url = opened.url!;
      w = await createNotifyWorld(store);
    });
    afterAll(async () => {
      await w?.close();
      await close?.();
    });

    const commitThenDie = (connectionId: string, transition: string) =>
      new Promise<{ signal: NodeJS.Signals | null; output: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          ['bin/sellerlink-dev.js', 'test/lifecycle/commit-then-die.ts', url, connectionId, transition],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let output = '';
        child.stdout.on('data', (d: Buffer) => (output += d.toString()));
        child.stderr.on('data', (d: Buffer) => (output += d.toString()));
        child.on('exit', (_code, signal) => resolve({ signal, output }));
      });

    it('stores disconnected, revoked and expired with their events, and delivers them after the kill', async () => {
      const { world, notify, owner, receiver } = w;
      const { secret } = await notify.settings.createEndpoint(owner, { url: receiver.url });
      receiver.setSecret(secret.reveal());
      const a = await world.newConnection();
      const b = await world.newConnection();
      const c = await world.newConnection('oauth');
      // The child runs on the real clock: c's end must have passed for it.
      await store.db
        .updateTable('connections')
        .set({ expires_at: new Date(Date.now() - DAY) })
        .where('id', '=', c.id)
        .execute();

      const cases = [
        [a.id, 'disconnect', 'connection.disconnected', 'disconnected'],
        [b.id, 'revoke', 'connection.revoked', 'revoked'],
        [c.id, 'expire', 'connection.expired', 'expired'],
      ] as const;
      for (const [id, transition, type, state] of cases) {
        const died = await commitThenDie(id, transition);
        // It died in the hook, after commit: it never reached its next line.
        expect(died.signal).toBe('SIGKILL');
        expect(died.output).toContain('committed');
        expect(died.output).not.toContain('survived');
        const row = await store.db
          .selectFrom('connections')
          .select('state')
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        expect(row.state).toBe(state);
        const events = await listEvents(store.db, { connectionId: id, types: [type] });
        expect(events).toHaveLength(1);
      }

      await notify.deliveries.runOnce();
      for (const [id, , type] of cases) {
        const got = receiver.received.filter((r) => {
          const body = JSON.parse(r.body) as { type: string; connectionId: string };
          return body.type === type && body.connectionId === id;
        });
        expect(got).toHaveLength(1);
        expect(got[0]!.signatureValid).toBe(true);
      }
    }, 120_000);
  },
);
