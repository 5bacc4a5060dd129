import { BlockList, isIP, isIPv4 } from 'node:net';
import type { TrustProxy } from '../config/config.js';

/**
 * The client's address for sign-in limits, logs and audit entries. By default it is the socket's
 * peer; behind proxies it is read from X-Forwarded-For, but only as far as `TRUST_PROXY` allows.
 * Each proxy appends the address it received the request from, so the list is walked from the right
 * and every entry left of the first untrusted hop is ignored: a client can put anything there.
 * @see https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/X-Forwarded-For#selecting_an_ip_address
 */
export type ClientAddressResolver = (
  socketAddress: string | null | undefined,
  forwardedFor: string | null | undefined,
) => string | null;

/**
 * One address as a socket or a proxy writes it, in canonical form: IPv4-mapped IPv6 as IPv4, an
 * IPv4 `:port` or `[IPv6]:port` without the port, lower case. Null when it is not an IP address.
 */
export function normalizeAddress(raw: string): string | null {
  let address = raw.trim();
  if (address.startsWith('[')) {
    const end = address.indexOf(']');
    if (end < 0) return null;
    address = address.slice(1, end);
  } else if (/^\d{1,3}(?:\.\d{1,3}){3}:\d{1,5}$/.test(address)) {
    address = address.slice(0, address.lastIndexOf(':'));
  }
  if (/^::ffff:\d{1,3}(?:\.\d{1,3}){3}$/i.test(address)) address = address.slice(7);
  return isIP(address) ? address.toLowerCase() : null;
}

/** Builds the resolver for a `TRUST_PROXY` setting (see docs/configuration.md). */
export function createClientAddressResolver(trust: TrustProxy): ClientAddressResolver {
  if (trust.kind === 'none') return (socket) => (socket ? normalizeAddress(socket) : null);

  let trusted: (address: string) => boolean;
  let maxHops: number;
  if (trust.kind === 'hops') {
    trusted = () => true;
    maxHops = trust.hops;
  } else {
    const list = new BlockList();
    for (const range of trust.ranges) list.addSubnet(range.address, range.prefix, range.family);
    trusted = (address) => list.check(address, isIPv4(address) ? 'ipv4' : 'ipv6');
    maxHops = Number.POSITIVE_INFINITY;
  }

  return (socketAddress, forwardedFor) => {
    // No socket (an in-process request): nobody vouches for the header, so there is no address.
    const socket = socketAddress ? normalizeAddress(socketAddress) : null;
    if (!socket) return null;
    const chain = (forwardedFor ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    let client = socket;
    for (let hop = 0; hop < maxHops && trusted(client); hop++) {
      const next = chain.pop();
      if (next === undefined) break;
      const address = normalizeAddress(next);
      // Not an address where a trusted proxy should have written one: keep the last trusted answer.
      if (!address) break;
      client = address;
    }
    return client;
  };
}
