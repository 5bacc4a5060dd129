import { promises as dns } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { ValidationError } from '../kernel/errors.js';
import { NotifyError } from './errors.js';

/**
 * "Outbound requests only to public hosts": the address rules webhook URLs are checked against, at
 * creation and, after DNS resolution, at every delivery (the checked address is the one connected
 * to, so a DNS answer that changes in between cannot swap it).
 *
 * Ranges: IANA's special-purpose registries.
 * @see https://www.iana.org/assignments/iana-ipv4-special-registry/iana-ipv4-special-registry.xhtml
 * @see https://www.iana.org/assignments/iana-ipv6-special-registry/iana-ipv6-special-registry.xhtml
 */

/** Why an address is not public. */
export type AddressRule =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'carrier-grade-nat'
  | 'link-local'
  | 'metadata'
  | 'multicast'
  | 'broadcast'
  | 'documentation'
  | 'reserved';

/** Each rule in words, for the message that refuses a URL. */
export const ADDRESS_RULE_TEXT: Readonly<Record<AddressRule, string>> = {
  unspecified: 'an unspecified address (0.0.0.0/8, ::)',
  loopback: 'a loopback address (127.0.0.0/8, ::1, localhost)',
  private: 'a private network address (10/8, 172.16/12, 192.168/16, fc00::/7)',
  'carrier-grade-nat': 'a carrier-grade NAT address (100.64.0.0/10)',
  'link-local': 'a link-local address (169.254.0.0/16, fe80::/10)',
  metadata: 'a cloud metadata address (169.254.169.254 and the like)',
  multicast: 'a multicast address (224.0.0.0/4, ff00::/8)',
  broadcast: 'the broadcast address (255.255.255.255)',
  documentation: 'a documentation address (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32)',
  reserved: 'a reserved or special-purpose address',
};

/** The rules the sandbox-only setting (WEBHOOK_ALLOW_PRIVATE) lifts, for receivers on this machine or LAN. */
const LIFTED_BY_ALLOW_PRIVATE: ReadonlySet<AddressRule> = new Set(['loopback', 'private']);

/** Instance metadata services: refused whatever the settings (they hand out cloud credentials). */
const METADATA = [
  '169.254.169.254', // AWS, GCP, Azure, OCI, DigitalOcean …
  '169.254.170.2', // AWS ECS task metadata
  '169.254.170.23', // AWS EKS Pod Identity
  '100.100.100.200', // Alibaba Cloud
  '168.63.129.16', // Azure WireServer (a public address, meaningful only inside Azure)
  'fd00:ec2::254', // AWS IMDS over IPv6
  'fd00:ec2::23', // AWS EKS Pod Identity over IPv6
];

/** Checked in order: the first matching rule names the refusal. */
const IPV4: readonly [string, number, AddressRule][] = [
  ['255.255.255.255', 32, 'broadcast'],
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade-nat'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'], // IETF protocol assignments (RFC 6890)
  ['192.0.2.0', 24, 'documentation'], // TEST-NET-1 (RFC 5737)
  ['192.88.99.0', 24, 'reserved'], // 6to4 relay anycast (RFC 7526)
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'], // benchmarking (RFC 2544)
  ['198.51.100.0', 24, 'documentation'], // TEST-NET-2
  ['203.0.113.0', 24, 'documentation'], // TEST-NET-3
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'], // RFC 1112 "future use"
];

/** IPv6 ranges besides those that embed an IPv4 address (handled first, by the embedded address). */
const IPV6: readonly [string, number, AddressRule][] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['64:ff9b:1::', 48, 'private'], // local-use NAT64 (RFC 8215)
  ['100::', 64, 'reserved'], // discard-only (RFC 6666)
  ['2001:db8::', 32, 'documentation'], // RFC 3849
  ['2001::', 23, 'reserved'], // IETF protocol assignments: Teredo, benchmarking, ORCHID (RFC 2928)
  ['3fff::', 20, 'documentation'], // RFC 9637
  ['5f00::', 16, 'reserved'], // SRv6 SIDs (RFC 9602)
  ['fc00::', 7, 'private'], // unique local (RFC 4193)
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'private'], // site-local, deprecated (RFC 3879)
  ['ff00::', 8, 'multicast'],
];

function blockLists(ranges: readonly [string, number, AddressRule][], type: 'ipv4' | 'ipv6') {
  return ranges.map(([net, prefix, rule]) => {
    const list = new BlockList();
    list.addSubnet(net, prefix, type);
    return { list, rule };
  });
}

const V4_RULES = blockLists(IPV4, 'ipv4');
const V6_RULES = blockLists(IPV6, 'ipv6');
const GLOBAL_UNICAST_V6 = new BlockList();
GLOBAL_UNICAST_V6.addSubnet('2000::', 3, 'ipv6');
const METADATA_LIST = new BlockList();
for (const a of METADATA) METADATA_LIST.addAddress(a, isIP(a) === 6 ? 'ipv6' : 'ipv4');

/** The 16 bytes of an IPv6 address (valid per `isIP`, without a zone), or null. */
function ipv6Bytes(address: string): number[] | null {
  let text = address;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const rest = text.slice(lastColon + 1);
  if (rest.includes('.')) {
    // Dotted IPv4 in the last 32 bits (::ffff:1.2.3.4).
    const parts = rest.split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return null;
    tail.push(...parts);
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const head = groups(halves[0]!);
  const back = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - back.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return null;
  const words = [...head, ...new Array<number>(missing).fill(0), ...back];
  if (words.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffff)) return null;
  const bytes = words.flatMap((w) => [w >> 8, w & 0xff]);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

const startsWith = (bytes: number[], prefix: number[]): boolean => prefix.every((b, i) => bytes[i] === b);

/**
 * The IPv4 address an IPv6 address stands for, where it stands for one: IPv4-mapped (::ffff:0:0/96),
 * IPv4-compatible (::/96, deprecated), NAT64 (64:ff9b::/96, RFC 6052) and 6to4 (2002::/16, RFC 3056).
 */
function embeddedIpv4(bytes: number[]): string | null {
  const quad = (at: number) => bytes.slice(at, at + 4).join('.');
  if (startsWith(bytes, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff])) return quad(12);
  if (startsWith(bytes, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) && (bytes[12]! | bytes[13]!) !== 0)
    return quad(12);
  if (startsWith(bytes, [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0])) return quad(12);
  if (startsWith(bytes, [0x20, 0x02])) return quad(2);
  return null;
}

/** Why an IP address is not public, or null when it is a public unicast address. */
export function classifyAddress(address: string): AddressRule | null {
  const version = isIP(address);
  if (version === 4) {
    if (METADATA_LIST.check(address, 'ipv4')) return 'metadata';
    return V4_RULES.find((r) => r.list.check(address, 'ipv4'))?.rule ?? null;
  }
  if (version !== 6) return 'reserved';
  const bytes = ipv6Bytes(address);
  if (!bytes) return 'reserved';
  const v4 = embeddedIpv4(bytes);
  if (v4 !== null) return classifyAddress(v4);
  if (METADATA_LIST.check(address, 'ipv6')) return 'metadata';
  const rule = V6_RULES.find((r) => r.list.check(address, 'ipv6'))?.rule;
  if (rule) return rule;
  // Anything outside global unicast 2000::/3 is unassigned or special.
  return GLOBAL_UNICAST_V6.check(address, 'ipv6') ? null : 'reserved';
}

/** A resolver: every address of a host name (the injected effect; default: the system's, like `dns.lookup`). */
export type Resolve = (hostname: string) => Promise<{ address: string; family: number }[]>;

/** The system resolver (getaddrinfo, like every other connection the process makes). */
export const systemResolve: Resolve = (hostname) => dns.lookup(hostname, { all: true });

/** Names that mean this machine whatever DNS says (RFC 6761 §6.3). */
function isLocalhostName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/** A URL host without the brackets of an IPv6 literal. */
function bareHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/** The public-address check for one process: the policy, and the resolver it trusts. */
export interface PublicAddressGuard {
  /** Sandbox only: loopback and private addresses are allowed (local receivers). */
  readonly allowPrivate: boolean;
  /** The rule an address breaks under this policy, or null when it may be called. */
  refusal(address: string): AddressRule | null;
  /** At creation: throws a ValidationError naming the rule when the URL's host is not public. */
  checkUrl(url: URL): Promise<void>;
  /** At delivery, before connecting to an IP literal (which is never looked up). */
  checkLiteral(hostname: string): void;
  /** A `lookup` for `net.connect`: resolves, refuses unless every address passes, returns only those. */
  lookup: LookupFunction;
}

/** Builds the guard; `resolve` is injected so tests can make a name resolve anywhere. */
export function createPublicAddressGuard(
  deps: { allowPrivate?: boolean; resolve?: Resolve; creationLookupTimeoutMs?: number } = {},
): PublicAddressGuard {
  const allowPrivate = deps.allowPrivate ?? false;
  const resolve = deps.resolve ?? systemResolve;
  const creationTimeoutMs = deps.creationLookupTimeoutMs ?? 5_000;

  const refusal = (address: string): AddressRule | null => {
    const rule = classifyAddress(address);
    return rule && !(allowPrivate && LIFTED_BY_ALLOW_PRIVATE.has(rule)) ? rule : null;
  };
  const refused = (hostname: string, rule: AddressRule): NotifyError =>
    new NotifyError('NOTIFY_ADDRESS_NOT_PUBLIC', `${hostname} is ${ADDRESS_RULE_TEXT[rule]}`, {
      details: { rule },
    });

  /** Every address of a name, all checked; throws NOTIFY_ADDRESS_NOT_PUBLIC naming the first rule broken. */
  const resolvePublic = async (hostname: string): Promise<{ address: string; family: number }[]> => {
    if (isIP(hostname)) {
      const rule = refusal(hostname);
      if (rule) throw refused(hostname, rule);
      return [{ address: hostname, family: isIP(hostname) }];
    }
    const addresses = isLocalhostName(hostname)
      ? [{ address: '127.0.0.1', family: 4 }]
      : await resolve(hostname);
    if (addresses.length === 0)
      throw Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' });
    for (const a of addresses) {
      const rule = refusal(a.address);
      if (rule) throw refused(hostname, rule);
    }
    return addresses;
  };

  const lookup: LookupFunction = (hostname, options, callback) => {
    resolvePublic(hostname).then(
      (found) => {
        const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
        const usable = wanted ? found.filter((a) => a.family === wanted) : found;
        if (usable.length === 0) {
          const err = Object.assign(new Error(`no IPv${wanted} address for ${hostname}`), {
            code: 'ENOTFOUND',
          });
          callback(err, '', 0);
        } else if (options.all) callback(null, usable);
        else callback(null, usable[0]!.address, usable[0]!.family);
      },
      (err: unknown) => callback(err as NodeJS.ErrnoException, '', 0),
    );
  };

  return {
    allowPrivate,
    refusal,
    lookup,

    checkLiteral(hostname) {
      if (!isIP(hostname)) return;
      const rule = refusal(hostname);
      if (rule) throw refused(hostname, rule);
    },

    async checkUrl(url) {
      const host = bareHost(url);
      const rule = isIP(host) ? refusal(host) : isLocalhostName(host) ? refusal('127.0.0.1') : null;
      if (rule) throw notPublic(host, rule, true);
      if (isIP(host) || isLocalhostName(host)) return;
      // A name is looked up now too, for a clear answer; one that does not resolve yet is accepted
      // (every delivery resolves and checks again).
      let timer: NodeJS.Timeout | undefined;
      const addresses = await Promise.race([
        resolve(host).catch(() => []),
        new Promise<[]>((r) => {
          timer = setTimeout(() => r([]), creationTimeoutMs);
        }),
      ]).finally(() => clearTimeout(timer));
      for (const a of addresses) {
        const broken = refusal(a.address);
        if (broken) throw notPublic(host, broken, false);
      }
    },
  };
}

/** The refusal at creation: which rule, and what is allowed instead. */
function notPublic(host: string, rule: AddressRule, literal: boolean): ValidationError {
  const what = literal
    ? `${host} is ${ADDRESS_RULE_TEXT[rule]}`
    : `${host} resolves to ${ADDRESS_RULE_TEXT[rule]}`;
  return new ValidationError(`${what}: webhooks are sent only to public hosts`, 'url');
}
