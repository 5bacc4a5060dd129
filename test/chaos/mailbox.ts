import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { Random } from '../../src/kernel/random.js';

/**
 * The chaos run's mail server (smtp-server): it takes every message Sellerlink sends, notes the
 * event id and type headers, and refuses a share of messages with a temporary error (451), as a
 * busy relay does. Written here independently of src/notify, so it cannot copy its mistakes.
 * @see https://nodemailer.com/extras/smtp-server/
 */

/** One message as received. */
export interface ReceivedMail {
  eventId: string | null;
  eventType: string | null;
  delivery: string | null;
  recipients: string[];
  receivedAt: number;
}

export interface Mailbox {
  /** `smtp://127.0.0.1:<port>?ignoreTLS=true`, for SMTP_URL. */
  readonly url: string;
  readonly received: ReceivedMail[];
  /** Messages refused with 451 so far. */
  refused(): number;
  /** Share of messages refused from now on (0 turns it off). */
  setRefuseShare(share: number): void;
  close(): Promise<void>;
}

/** Unfolded, lower-cased headers of a raw message (up to the blank line). */
function headersOf(raw: string): Map<string, string> {
  const end = raw.search(/\r?\n\r?\n/);
  const head = (end === -1 ? raw : raw.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of head.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0) headers.set(line.slice(0, at).trim().toLowerCase(), line.slice(at + 1).trim());
  }
  return headers;
}

/** Starts the mail server on a free loopback port. */
export async function startMailbox(options: { random: Random; refuseShare?: number }): Promise<Mailbox> {
  const received: ReceivedMail[] = [];
  let refuseShare = options.refuseShare ?? 0;
  let refused = 0;
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
        if (options.random.float() < refuseShare) {
          refused++;
          const err = Object.assign(new Error('Try again later (chaos)'), { responseCode: 451 });
          callback(err);
          return;
        }
        const headers = headersOf(Buffer.concat(chunks).toString('utf8'));
        received.push({
          eventId: headers.get('x-sellerlink-event-id') ?? null,
          eventType: headers.get('x-sellerlink-event') ?? null,
          delivery: headers.get('x-sellerlink-delivery') ?? null,
          recipients: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
          receivedAt: Date.now(),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => {}); // a client killed mid-message must not stop the server
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}?ignoreTLS=true`,
    received,
    refused: () => refused,
    setRefuseShare(share) {
      refuseShare = share;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
