import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { parseMail, type ParsedMail } from './mail-parse.js';

/** A message the catcher received. */
export interface CaughtMail extends ParsedMail {
  /** Sequence number, from 1, in arrival order. */
  id: number;
  receivedAt: Date;
  /** The SMTP envelope's recipients. */
  recipients: string[];
}

/** A local SMTP server that keeps what it receives in memory (sandbox mode, tests). */
export interface MailCatcher {
  /** `smtp://host:port`, for SMTP_URL. */
  readonly url: string;
  readonly port: number;
  /** Caught messages, newest first. */
  messages(): CaughtMail[];
  clear(): void;
  stop(): Promise<void>;
}

/**
 * Starts the mail catcher: smtp-server on `host:port` (port 0: any free port), no TLS, no auth,
 * keeping the newest `keep` messages. `now` stamps arrivals (the service's clock in sandbox mode).
 */
export async function createMailCatcher(
  options: { host?: string; port?: number; keep?: number; now?: () => number } = {},
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
        caught.unshift({
          ...mail,
          id: next++,
          receivedAt: new Date(now()),
          recipients: session.envelope.rcptTo.map((r) => r.address),
        });
        caught.splice(keep);
        callback();
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
    clear: () => void caught.splice(0),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
