import { afterEach, beforeEach, expect, it } from 'vitest';
import { DAY } from '../../src/kernel/clock.js';
import { Secret } from '../../src/kernel/secret.js';
import {
  createMailCatcher,
  createSmtpMailer,
  signatureHeader,
  verifySignature,
} from '../../src/notify/index.js';
import type { Store } from '../../src/store/database.js';
import { describeEachDatabase, openTestStore } from '../support/databases.js';
import { createNotifyWorld } from './support.js';

describeEachDatabase('portal banners', (kind) => {
  let store: Store;
  let w: Awaited<ReturnType<typeof createNotifyWorld>>;
  let close: () => Promise<void>;

  beforeEach(async () => {
    const opened = await openTestStore(kind);
    store = opened.store;
    w = await createNotifyWorld(store);
    close = async () => {
      await w.close();
      await opened.close();
    };
  });
  afterEach(async () => close());

  it('warns about expiring, expired and revoked connections and a rejected app, only to who can see them', async () => {
    const { notify, owner, operator, world } = w;
    const first = await world.newConnection();
    expect(await notify.banners.forViewer(owner)).toEqual([]);

    world.clock.advance(360 * DAY);
    const expiring = await notify.banners.forViewer(owner);
    expect(expiring).toHaveLength(1);
    expect(expiring[0]).toMatchObject({
      tone: 'warn',
      kind: 'connection.expiring',
      link: { href: `/connections/${first.id}` },
    });
    expect(expiring[0]!.text).toContain('ends in 5 days');

    world.clock.advance(6 * DAY);
    const second = await world.newConnection();
    await store.db.updateTable('connections').set({ state: 'revoked' }).where('id', '=', second.id).execute();
    const broken = await notify.banners.forViewer(owner);
    expect(broken.map((b) => b.kind)).toEqual(['connection.revoked', 'connection.expired']);
    expect(broken.every((b) => b.tone === 'bad')).toBe(true);

    await world.applications.reject(world.applicationId, 'invalid_client from Amazon');
    expect((await notify.banners.forViewer(owner))[0]).toMatchObject({
      kind: 'application.rejected',
      tone: 'bad',
    });
    expect((await notify.banners.forViewer(operator)).map((b) => b.kind)).toContain('application.rejected');
    // Another account sees none of this account's connections, nor its app's rejection.
    const stranger = { ...owner, accountId: '00000000-0000-4000-8000-000000000000' };
    expect(await notify.banners.forViewer(stranger)).toEqual([]);
  });
});

it('the mail catcher decodes what nodemailer sends: non-ASCII subject and long lines', async () => {
  const catcher = await createMailCatcher();
  const mailer = createSmtpMailer(new Secret(`${catcher.url}?ignoreTLS=true`));
  try {
    const long = `Grüße aus München — ${'x'.repeat(200)} ✓`;
    await mailer.send({
      from: 'A <a@x.test>',
      to: 'b@x.test',
      subject: 'Verlängerung nötig: 7 Tage',
      text: long,
    });
    const [m] = catcher.messages();
    expect(m).toMatchObject({
      subject: 'Verlängerung nötig: 7 Tage',
      to: 'b@x.test',
      recipients: ['b@x.test'],
    });
    expect(m!.text.trim()).toBe(long);
  } finally {
    mailer.close();
    await catcher.stop();
  }
});

it('verifySignature accepts its own header, and refuses another body, secret or an old timestamp', () => {
  const now = 1_800_000_000;
  const header = signatureHeader('whsec_a', now, '{"x":1}');
  expect(verifySignature('whsec_a', header, '{"x":1}', now)).toBe(true);
  expect(verifySignature('whsec_a', header, '{"x":2}', now)).toBe(false);
  expect(verifySignature('whsec_b', header, '{"x":1}', now)).toBe(false);
  expect(verifySignature('whsec_a', header, '{"x":1}', now + 301)).toBe(false);
  expect(verifySignature('whsec_a', null, '{"x":1}', now)).toBe(false);
});
