import http from 'node:http';
import https from 'node:https';
import { NotifyError } from './errors.js';
import type { PublicAddressGuard } from './public-address.js';

/** What tenants read in the delivery log when no HTTP answer came: no network details (see below). */
export const COULD_NOT_CONNECT = 'could not connect to the endpoint';

/** One webhook POST: resolves with the HTTP status of the answer (any status), or throws NotifyError. */
export type WebhookPost = (
  url: string,
  request: { headers: Record<string, string>; body: string; timeoutMs: number },
) => Promise<number>;

/** TLS certificate problems: only reachable after a public address was connected to. */
const TLS_CODES =
  /^(CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|ERR_TLS_CERT_|HOSTNAME_MISMATCH|ERR_SSL_)/;

/** The operator's words for a failure (logged, never shown to tenants). */
function operatorDetail(err: unknown): string {
  if (err instanceof NotifyError) return `${err.code}: ${err.message}`;
  if (!(err instanceof Error)) return String(err).slice(0, 300);
  const code = (err as { code?: unknown }).code;
  return `${err.message}${typeof code === 'string' ? ` (${code})` : ''}`.slice(0, 300);
}

/**
 * Webhook calls over node:http(s) with the guard's `lookup`: the name is resolved once per
 * connection, every address is checked, and the socket connects to a checked address, so DNS
 * rebinding between check and connect is impossible; IP literals (which `net.connect` never looks
 * up) are checked before the request. Redirects are not followed (node:http never does), no proxy
 * is used, no connection is pooled, and the answer's body is not read.
 *
 * Failures before an HTTP answer (address not public, DNS, refused, reset, unreachable) all read
 * `could not connect to the endpoint` in the delivery log, so the log cannot tell a blocked address
 * from a closed port (no port scanning through it); the cause is in `details.detail` for the
 * operator's log. A timeout reads `no answer within N s`.
 * @see https://nodejs.org/api/net.html#socketconnectoptions-connectlistener (the `lookup` option)
 * @see https://nodejs.org/api/http.html#httprequesturl-options-callback
 */
export function createWebhookPost(guard: PublicAddressGuard): WebhookPost {
  return (target, { headers, body, timeoutMs }) =>
    new Promise<number>((resolve, reject) => {
      const fail = (message: string, cause: unknown): void =>
        reject(
          new NotifyError('NOTIFY_WEBHOOK_FAILED', message, {
            cause,
            details: { detail: operatorDetail(cause) },
          }),
        );
      let url: URL;
      try {
        url = new URL(target);
        if (url.protocol !== 'https:' && url.protocol !== 'http:')
          throw new NotifyError('NOTIFY_ADDRESS_NOT_PUBLIC', `unsupported scheme ${url.protocol}`);
        const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
        guard.checkLiteral(host);
      } catch (err) {
        fail(COULD_NOT_CONNECT, err);
        return;
      }
      const request = (url.protocol === 'https:' ? https : http).request(url, {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: guard.lookup,
        agent: false,
      });
      // A plain timer: enforced whatever happens to signals and sockets.
      const timer = setTimeout(() => {
        fail(
          `no answer within ${Math.round(timeoutMs / 1000)} s`,
          new Error(`no answer within ${timeoutMs} ms`),
        );
        request.destroy();
      }, timeoutMs);
      request.on('response', (response) => {
        clearTimeout(timer);
        resolve(response.statusCode ?? 0);
        response.destroy();
      });
      request.on('error', (err) => {
        clearTimeout(timer);
        const code = (err as { code?: unknown }).code;
        fail(
          typeof code === 'string' && TLS_CODES.test(code)
            ? `${COULD_NOT_CONNECT} (its TLS certificate was not accepted)`
            : COULD_NOT_CONNECT,
          err,
        );
      });
      request.end(body);
    });
}
