import { isIPv4, isIPv6 } from 'node:net';
import { AppError } from '../kernel/errors.js';

/**
 * Who may say the client's address: `none` (default) uses the socket's peer; `hops` trusts that many
 * proxies (each appends the address it saw to X-Forwarded-For); `ranges` trusts peers in these
 * addresses or CIDR ranges. The web layer applies it (src/web/client-address.ts).
 */
export type TrustProxy =
  | { kind: 'none' }
  | { kind: 'hops'; hops: number }
  | { kind: 'ranges'; ranges: { address: string; prefix: number; family: 'ipv4' | 'ipv6' }[] };

/** Parses TRUST_PROXY: unset/`false`/`0`, a hop count 1-10, or comma-separated IPs and CIDR ranges. */
export function parseTrustProxy(value: string | undefined): TrustProxy {
  const text = (value ?? '').trim();
  if (text === '' || text === 'false' || text === '0') return { kind: 'none' };
  const refuse = (why: string): never => {
    throw new AppError('CONFIG_INVALID', `invalid configuration: TRUST_PROXY: ${why}`, {
      details: { problems: [`TRUST_PROXY: ${why}`] },
    });
  };
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops > 10) refuse('a hop count must be 0-10');
    return hops === 0 ? { kind: 'none' } : { kind: 'hops', hops };
  }
  if (text === 'true')
    refuse(
      "'true' would trust any X-Forwarded-For a client sends; give the number of proxies or their addresses",
    );
  const ranges = text.split(',').map((part) => {
    const [address = '', bits, ...extra] = part.trim().split('/');
    const family: 'ipv4' | 'ipv6' | null = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : null;
    const max = family === 'ipv4' ? 32 : 128;
    const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
    if (!family || extra.length > 0 || !(prefix >= 0 && prefix <= max))
      refuse(`'${part.trim()}' is not an IP address or CIDR range (e.g. 10.0.0.0/8, 127.0.0.1, ::1)`);
    return { address, prefix, family: family! };
  });
  return { kind: 'ranges', ranges };
}
