import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../../src/kernel/clock.js';
import { silentLogger } from '../../src/kernel/log.js';
import { cryptoRandom, randomUuid } from '../../src/kernel/random.js';
import { Secret } from '../../src/kernel/secret.js';
import {
  createMailCatcher,
  createNotify,
  createSmtpMailer,
  type MailCatcher,
  type Resolve,
} from '../../src/notify/index.js';
import type { Store } from '../../src/store/database.js';
import { createVault } from '../../src/vault/envelope.js';
import { createKeyRing } from '../../src/vault/keyring.js';
import { createAmazonWorld, type AmazonWorld } from '../support/amazon-world.js';
import type { HttpBrowser } from '../support/http-browser.js';
import type { TestService } from '../support/service.js';
import { csrfOf } from '../support/wait.js';

/** A request the webhook receiver got, with its own verdict on the signature. */
export interface Received {
  body: string;
  headers: IncomingMessage['headers'];
  signatureValid: boolean;
}

/**
 * A local HTTP receiver that checks signatures the way the docs tell integrators to (HMAC-SHA256 over
 * `${t}.${body}`, written here independently of src/notify). `failNext(n, status)` makes the next n
 * requests fail.
 */
export async function startReceiver() {
  const received: Received[] = [];
  let secret = '';
  let failures = 0;
  let failStatus = 500;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const header = String(req.headers['sellerlink-signature'] ?? '');
      const t = /(?:^|,)t=(\d+)/.exec(header)?.[1];
      const v1 = /(?:^|,)v1=([0-9a-f]+)/.exec(header)?.[1];
      let signatureValid = false;
      if (t && v1 && secret) {
        const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
        const given = Buffer.from(v1, 'hex');
        signatureValid =
          given.length === expected.length &&
          timingSafeEqual(given, expected) &&
          Math.abs(Date.now() / 1000 - Number(t)) < 300;
      }
      received.push({ body, headers: req.headers, signatureValid });
      if (failures > 0) {
        failures--;
        res.writeHead(failStatus).end('nope');
        return;
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks/sellerlink`,
    received,
    setSecret(value: string) {
      secret = value;
    },
    failNext(n: number, status = 500) {
      failures = n;
      failStatus = status;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/**
 * The simulator world, notify over it, an SMTP catcher and a webhook receiver (on loopback, so
 * webhooks may go to private addresses unless `webhooks` says otherwise).
 */
export async function createNotifyWorld(
  store: Store,
  options: { webhooks?: { allowPrivate?: boolean; resolve?: Resolve } } = {},
) {
  const world: AmazonWorld = await createAmazonWorld(store);
  const catcher: MailCatcher = await createMailCatcher();
  const receiver = await startReceiver();
  const vault = createVault(
    createKeyRing([{ id: 'n1', base64: Buffer.alloc(32, 9).toString('base64') }]),
    cryptoRandom,
  );
  const mailer = createSmtpMailer(new Secret(`${catcher.url}?ignoreTLS=true`));
  const notify = createNotify({
    store,
    vault,
    clock: world.clock,
    wallClock: systemClock,
    random: cryptoRandom,
    logger: silentLogger,
    newId: () => randomUuid(cryptoRandom),
    mailer,
    mailFrom: 'Sellerlink <alerts@sellerlink.test>',
    publicUrl: 'https://portal.example',
    webhooks: options.webhooks ?? { allowPrivate: true },
    delivery: { timeoutMs: 5_000 },
  });
  const owner = {
    userId: randomUuid(cryptoRandom),
    username: 'owner',
    role: 'owner' as const,
    accountId: world.accountId,
  };
  const operator = {
    userId: randomUuid(cryptoRandom),
    username: 'op',
    role: 'operator' as const,
    accountId: null,
  };
  return {
    world,
    notify,
    catcher,
    receiver,
    owner,
    operator,
    async close() {
      mailer.close();
      await catcher.stop();
      await receiver.close();
    },
  };
}

/** Adds `receiver` as a webhook endpoint of the signed-in account on the portal and gives it the secret shown once. */
export async function subscribeOnPortal(
  browser: HttpBrowser,
  svc: TestService,
  receiver: Receiver,
): Promise<void> {
  const csrf = csrfOf((await browser.get(`${svc.url}/notifications`)).text);
  const created = await browser.post(
    `${svc.url}/notifications/webhooks`,
    { _csrf: csrf, url: receiver.url, description: 'ERP' },
    { headers: { origin: svc.url } },
  );
  const secret = /data-webhook-secret[^>]*>(whsec_[A-Za-z0-9_-]+)</.exec(created.text)?.[1];
  if (!secret) throw new Error(`no webhook secret shown (HTTP ${created.status})`);
  receiver.setSecret(secret);
}
