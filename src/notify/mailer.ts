import nodemailer from 'nodemailer';
import type { Secret } from '../kernel/secret.js';

/** One plain-text e-mail. */
export interface MailMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
  headers?: Record<string, string>;
}

/** Sends e-mail; rejects when the server refuses the message. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): void;
}

/** A mailer over SMTP (nodemailer) for an `smtp://` or `smtps://` URL (credentials in the URL). */
export function createSmtpMailer(url: Secret, options: { timeoutMs?: number } = {}): Mailer {
  const timeout = options.timeoutMs ?? 15_000;
  const u = new URL(url.reveal());
  const secure = u.protocol === 'smtps:';
  const transport = nodemailer.createTransport({
    host: u.hostname,
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    ...(u.username
      ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } }
      : {}),
    // A local catcher or relay without TLS (sandbox, tests): no STARTTLS unless the server offers it.
    ignoreTLS: u.searchParams.get('ignoreTLS') === 'true',
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  return {
    async send(message) {
      await transport.sendMail({
        from: message.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        ...(message.headers ? { headers: message.headers } : {}),
      });
    },
    close: () => transport.close(),
  };
}
