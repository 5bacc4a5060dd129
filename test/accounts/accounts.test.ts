import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAccounts, type Accounts } from '../../src/accounts/service.js';
import { createManualClock, HOUR, MINUTE } from '../../src/kernel/clock.js';
import { cryptoRandom } from '../../src/kernel/random.js';
import type { Store } from '../../src/store/database.js';
import { describeEachDatabase, openTestStore } from '../support/databases.js';

describeEachDatabase('accounts, login and sessions', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  let accounts: Accounts;
  const clock = createManualClock(Date.parse('2026-11-22T10:00:00Z'));
  let accountId: string;

  beforeAll(async () => {
    ({ store, close } = await openTestStore(kind));
    accounts = createAccounts({
      db: store.db,
      clock,
      random: cryptoRandom,
      hashing: { N: 1024, r: 8, p: 1 },
    });
    accountId = (await accounts.createAccount('Acme Outdoor')).id;
    await accounts.addUser({
      accountId,
      username: 'alice',
      password: 'correct horse battery',
      role: 'owner',
    });
  });
  afterAll(async () => close());

  it('signs in with the right password, case-insensitively by username', async () => {
    const user = await accounts.authenticate('ALICE', 'correct horse battery', '10.0.0.1');
    expect(user).toMatchObject({ username: 'alice', role: 'owner', accountId });
  });

  it('refuses a wrong password or unknown user with the same error', async () => {
    await expect(accounts.authenticate('alice', 'wrong password!', '10.0.0.2')).rejects.toMatchObject({
      code: 'AUTH_INVALID_CREDENTIALS',
    });
    await expect(accounts.authenticate('nobody', 'wrong password!', '10.0.0.2')).rejects.toMatchObject({
      code: 'AUTH_INVALID_CREDENTIALS',
    });
  });

  it('locks a username after 5 failures, even for the right password, until the lock ends', async () => {
    await accounts.addUser({ accountId, username: 'bob', password: 'bob password 123', role: 'member' });
    for (let i = 0; i < 5; i++) {
      await expect(accounts.authenticate('bob', `guess ${i} xxxxx`, `10.1.0.${i}`)).rejects.toMatchObject({
        code: 'AUTH_INVALID_CREDENTIALS',
      });
    }
    await expect(accounts.authenticate('bob', 'bob password 123', '10.1.0.99')).rejects.toMatchObject({
      code: 'AUTH_THROTTLED',
    });
    clock.advance(16 * MINUTE);
    await expect(accounts.authenticate('bob', 'bob password 123', '10.1.0.99')).resolves.toMatchObject({
      username: 'bob',
    });
  });

  it('locks an address after 30 failures across usernames', async () => {
    for (let i = 0; i < 30; i++) {
      await expect(
        accounts.authenticate(`spray${i}`, 'whatever password', '192.0.2.7'),
      ).rejects.toMatchObject({
        code: 'AUTH_INVALID_CREDENTIALS',
      });
    }
    await expect(accounts.authenticate('alice', 'correct horse battery', '192.0.2.7')).rejects.toMatchObject({
      code: 'AUTH_THROTTLED',
    });
    await expect(accounts.authenticate('alice', 'correct horse battery', '192.0.2.8')).resolves.toMatchObject(
      { username: 'alice' },
    );
  });

  it('keeps sessions hashed, slides them while used and ends them when idle, expired or logged out', async () => {
    const user = await accounts.authenticate('alice', 'correct horse battery', null);
    const session = await accounts.createSession(user.id, { ip: '10.0.0.1', userAgent: 'test' });
    const stored = await store.db.selectFrom('sessions').select('id_hash').execute();
    expect(stored.map((s) => s.id_hash)).not.toContain(session.token);
    expect(await accounts.resolveSession(session.token)).toMatchObject({
      username: 'alice',
      csrfToken: session.csrfToken,
    });
    clock.advance(11 * HOUR);
    expect(await accounts.resolveSession(session.token)).not.toBeNull(); // used: slides
    clock.advance(11 * HOUR);
    expect(await accounts.resolveSession(session.token)).not.toBeNull();
    clock.advance(13 * HOUR); // idle longer than 12 h
    expect(await accounts.resolveSession(session.token)).toBeNull();

    const again = await accounts.createSession(user.id, { ip: null, userAgent: null });
    await accounts.endSession(again.token);
    expect(await accounts.resolveSession(again.token)).toBeNull();
    expect(await accounts.resolveSession('made-up-token')).toBeNull();
  });

  it('changes a password, ending other sessions but not the current one', async () => {
    await accounts.addUser({ accountId, username: 'carol', password: 'carol first pass', role: 'member' });
    const carol = await accounts.authenticate('carol', 'carol first pass', null);
    const mine = await accounts.createSession(carol.id, { ip: null, userAgent: null });
    const other = await accounts.createSession(carol.id, { ip: null, userAgent: null });
    const me = (await accounts.resolveSession(mine.token))!;
    await expect(
      accounts.changePassword(carol.id, 'not the password', 'carol second pass', me.sessionHash),
    ).rejects.toMatchObject({
      code: 'AUTH_INVALID_CREDENTIALS',
    });
    await expect(
      accounts.changePassword(carol.id, 'carol first pass', 'short', me.sessionHash),
    ).rejects.toMatchObject({
      code: 'PASSWORD_TOO_WEAK',
    });
    await accounts.changePassword(carol.id, 'carol first pass', 'carol second pass', me.sessionHash);
    expect(await accounts.resolveSession(mine.token)).not.toBeNull();
    expect(await accounts.resolveSession(other.token)).toBeNull();
    await expect(accounts.authenticate('carol', 'carol first pass', null)).rejects.toMatchObject({
      code: 'AUTH_INVALID_CREDENTIALS',
    });
    await expect(accounts.authenticate('carol', 'carol second pass', null)).resolves.toMatchObject({
      username: 'carol',
    });
  });

  it("an operator's password reset ends the user's sessions and lifts a sign-in lock", async () => {
    await accounts.addUser({ accountId, username: 'erin', password: 'erin first pass', role: 'member' });
    const erin = await accounts.authenticate('erin', 'erin first pass', null);
    const session = await accounts.createSession(erin.id, { ip: null, userAgent: null });
    for (let i = 0; i < 5; i++)
      await accounts.authenticate('erin', `wrong ${i} xxxxxx`, `10.9.0.${i}`).catch(() => undefined);
    await expect(accounts.authenticate('erin', 'erin first pass', null)).rejects.toMatchObject({
      code: 'AUTH_THROTTLED',
    });
    await accounts.setPassword('erin', 'erin reset password');
    expect(await accounts.resolveSession(session.token)).toBeNull();
    await expect(accounts.authenticate('erin', 'erin reset password', null)).resolves.toMatchObject({
      username: 'erin',
    });
  });

  it('refuses duplicate usernames (any case), weak passwords and operators tied to an account, changing nothing', async () => {
    const before = await store.db.selectFrom('users').select('id').execute();
    await expect(
      accounts.addUser({ accountId, username: 'Alice', password: 'another good one', role: 'member' }),
    ).rejects.toMatchObject({
      code: 'USER_EXISTS',
    });
    await expect(
      accounts.addUser({ accountId, username: 'dave', password: 'short', role: 'member' }),
    ).rejects.toMatchObject({
      code: 'PASSWORD_TOO_WEAK',
    });
    await expect(
      accounts.addUser({ accountId, username: 'ops', password: 'operator password', role: 'operator' }),
    ).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(
      accounts.addUser({ accountId: null, username: 'x y', password: 'operator password', role: 'operator' }),
    ).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(await store.db.selectFrom('users').select('id').execute()).toHaveLength(before.length);
    await expect(
      accounts.addUser({ accountId: null, username: 'ops', password: 'operator password', role: 'operator' }),
    ).resolves.toMatchObject({
      role: 'operator',
      accountId: null,
    });
  });
});
