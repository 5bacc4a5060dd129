import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAccounts, type Accounts } from '../../src/accounts/service.js';
import { createManualClock, MINUTE } from '../../src/kernel/clock.js';
import type { Logger } from '../../src/kernel/log.js';
import { cryptoRandom } from '../../src/kernel/random.js';
import { openStore, type Store } from '../../src/store/database.js';
import { describeEachDatabase, openTestStore } from '../support/databases.js';

/** A logger that keeps every message, so a test can count checked passwords ('sign-in failed'). */
function recordingLogger(): Logger & { lines: { message: string; fields: Record<string, unknown> }[] } {
  const lines: { message: string; fields: Record<string, unknown> }[] = [];
  const log = (fields: object, message?: string) =>
    lines.push({ message: message ?? '', fields: fields as Record<string, unknown> });
  const logger = { lines, debug: log, info: log, warn: log, error: log, child: () => logger };
  return logger;
}

const HASHING = { N: 1024, r: 8, p: 1 };

/** Settles every promise; returns the error codes (or 'ok') in order. */
async function outcomes(attempts: Promise<unknown>[]): Promise<string[]> {
  const settled = await Promise.allSettled(attempts);
  return settled.map((s) =>
    s.status === 'fulfilled' ? 'ok' : String((s.reason as { code?: unknown }).code ?? s.reason),
  );
}

const count = (list: string[], value: string) => list.filter((v) => v === value).length;

describeEachDatabase('sign-in limits under parallel attempts', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  let url: string | undefined;
  const clock = createManualClock(Date.parse('2026-11-22T10:00:00Z'));
  let accountId: string;
  const logger = recordingLogger();
  let accounts: Accounts;
  const checked = (username: string) =>
    logger.lines.filter((l) => l.message === 'sign-in failed' && l.fields.user === username).length;

  beforeAll(async () => {
    ({ store, close, url } = await openTestStore(kind));
    accounts = createAccounts({ db: store.db, clock, random: cryptoRandom, hashing: HASHING, logger });
    accountId = (await accounts.createAccount('Acme Outdoor')).id;
    for (const username of ['alice', 'bob', 'carol', 'dave'])
      await accounts.addUser({ accountId, username, password: `${username} good password`, role: 'owner' });
  });
  afterAll(async () => close());

  it('60 parallel wrong passwords for one user check at most 5; the pause then refuses even the right one until it ends', async () => {
    const results = await outcomes(
      Array.from({ length: 60 }, (_, i) => accounts.authenticate('alice', `wrong guess ${i}`, `10.0.${i}.1`)),
    );
    expect(count(results, 'AUTH_INVALID_CREDENTIALS')).toBe(5);
    expect(count(results, 'AUTH_THROTTLED')).toBe(55);
    expect(checked('alice')).toBe(5);

    const refusal = await accounts
      .authenticate('alice', 'alice good password', '10.9.9.9')
      .catch((e: unknown) => e);
    expect(refusal).toMatchObject({ code: 'AUTH_THROTTLED', details: { scope: 'user' } });
    const { retryAfterSeconds } = (refusal as { details: { retryAfterSeconds: number } }).details;
    expect(retryAfterSeconds).toBeGreaterThan(0);
    expect(retryAfterSeconds).toBeLessThanOrEqual(15 * 60);
    expect(checked('alice')).toBe(5);

    // A pause ends by itself: an attacker cannot lock the user out for good.
    clock.advance(16 * MINUTE);
    await expect(accounts.authenticate('alice', 'alice good password', '10.9.9.9')).resolves.toMatchObject({
      username: 'alice',
    });
  });

  it('a flood from one address checks at most 30 passwords and pauses that address only', async () => {
    const flood = await outcomes(
      Array.from({ length: 80 }, (_, i) =>
        accounts.authenticate(i % 2 ? `nobody${i}` : `bob${i}`, `spray ${i} guess`, '198.51.100.7'),
      ),
    );
    const failed = logger.lines.filter(
      (l) => l.message === 'sign-in failed' && l.fields.ip === '198.51.100.7',
    ).length;
    expect(count(flood, 'AUTH_INVALID_CREDENTIALS')).toBe(30);
    expect(count(flood, 'AUTH_THROTTLED')).toBe(50);
    expect(failed).toBe(30);
    // The flooding address is paused, whoever signs in from it.
    await expect(accounts.authenticate('carol', 'carol good password', '198.51.100.7')).rejects.toMatchObject(
      {
        code: 'AUTH_THROTTLED',
        details: { scope: 'address' },
      },
    );
    // Everybody else, from their own address, is not.
    await expect(
      accounts.authenticate('carol', 'carol good password', '203.0.113.20'),
    ).resolves.toMatchObject({
      username: 'carol',
    });
  });

  it('a right password is not counted: more good sign-ins from one address than its limit all pass', async () => {
    for (let i = 0; i < 35; i++)
      await expect(accounts.authenticate('dave', 'dave good password', '192.0.2.44')).resolves.toMatchObject({
        username: 'dave',
      });
  });

  it.runIf(kind === 'postgres')(
    'two processes (separate connection pools) share the limits: 60 parallel attempts check 5 passwords',
    async () => {
      const other = await openStore({ kind: 'postgres', url: url! });
      try {
        const second = createAccounts({
          db: other.db,
          clock,
          random: cryptoRandom,
          hashing: HASHING,
          logger,
        });
        await accounts.addUser({
          accountId,
          username: 'erin',
          password: 'erin good password',
          role: 'owner',
        });
        const results = await outcomes(
          Array.from({ length: 60 }, (_, i) =>
            (i % 2 ? accounts : second).authenticate('erin', `wrong guess ${i}`, `10.1.${i}.1`),
          ),
        );
        expect(count(results, 'AUTH_THROTTLED')).toBe(55);
        expect(checked('erin')).toBe(5);
      } finally {
        await other.close();
      }
    },
  );
});
