import type { Kysely } from 'kysely';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import type { Database } from '../store/schema.js';
import { parseMail, type ParsedMail } from './mail-parse.js';

/** A message the catcher received. */
export interface CaughtMail extends ParsedMail {
  /** Sequence number, from 1, in arrival order. */
  id: number;
  receivedAt: Date;
  /** The SMTP envelope's recipients. */
  recipients: string[];
  /** The account the message was sent for (from `ownerOf`); null: operators only. */
  accountId: string | null;
}

/** Who reads the catcher: an operator sees every message, anyone else their account's. */
export interface MailViewer {
  role: 'owner' | 'member' | 'operator';
  accountId: string | null;
}

/** A local SMTP server that keeps what it receives in memory (sandbox mode, tests). */
export interface MailCatcher {
  /** `smtp://host:port`, for SMTP_URL. */
  readonly url: string;
  readonly port: number;
  /** Caught messages, newest first. */
  messages(): CaughtMail[];
  /** The messages `viewer` may read, newest first: an operator all, others their account's only. */
  messagesFor(viewer: MailViewer): CaughtMail[];
  clear(): void;
  stop(): Promise<void>;
}

/** The account a message was sent for, or null when it is not an account's (operators' mail, unknown). */
export type MailOwner = (mail: ParsedMail) => Promise<string | null>;

/**
 * Finds a message's account through its `X-Sellerlink-Delivery` header (set by notify/send.ts): the
 * delivery row says which account's settings the message went out for. A message without the header,
 * or for the operators' scope, belongs to no account.
 */
export function mailOwnerFromDeliveries(db: Kysely<Database>): MailOwner {
  return async (mail) => {
    const id = mail.headers['x-sellerlink-delivery']?.trim() ?? '';
    if (!/^\d{1,18}$/.test(id)) return null;
    const row = await db
      .selectFrom('notification_deliveries')
      .select('account_id')
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.account_id ?? null;
  };
}

/**
 * Starts the mail catcher: smtp-server on `host:port` (port 0: any free port), no TLS, no auth,
 * keeping the newest `keep` messages. `now` stamps arrivals (the service's clock in sandbox mode);
 * `ownerOf` says which account each message belongs to (default: none, so only operators see it).
 */
export async function createMailCatcher(
  options: { host?: string; port?: number; keep?: number; now?: () => number; ownerOf?: MailOwner } = {},
): Promise<MailCatcher> {
  const host = options.host ?? '127.0.0.1';
  const keep = options.keep ?? 500;
  const now = options.now ?? (() => Date.now());
  const caught: CaughtMail[] = [];
  let next = 1;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (err) => callback(err));
      stream.on('end', () => {
        const mail = parseMail(Buffer.concat(chunks).toString('utf8'));
        const receivedAt = new Date(now());
        // Classified before the sender hears "accepted", so a page read after a send sees it.
        void (options.ownerOf ?? (() => Promise.resolve(null)))(mail)
          .catch(() => null)
          .then((accountId) => {
            caught.unshift({
              ...mail,
              id: next++,
              receivedAt,
              recipients: session.envelope.rcptTo.map((r) => r.address),
              accountId,
            });
            caught.splice(keep);
            callback();
          });
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => {}); // a broken client connection must not crash the process
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://${host}:${port}`,
    port,
    messages: () => [...caught],
    messagesFor: (viewer) =>
      viewer.role === 'operator'
        ? [...caught]
        : caught.filter((m) => viewer.accountId !== null && m.accountId === viewer.accountId),
    clear: () => void caught.splice(0),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
